/**
 * Product catalogue (from the PIM): CSV with the header sku,name,category,brand,price,currency,margin
 * or JSON objects with the same fields. Keyed tenant|sku; a version replaces the tenant's whole
 * catalogue. `category` is a path, most general level first, separated by ' > ' (JSON may give the
 * levels as an array); `price` is in major units of `currency` and stored in its minor units;
 * `margin` is the gross margin as a share of the net price (0..1).
 */
import type { CdpReference } from '@cdp/plumbing';
import { KeyTracker, type DatasetDefinition, type KeyedRecord } from './dataset';
import { FieldReader } from './fields';

export const CATALOGUE_COLUMNS = ['sku', 'name', 'category', 'brand', 'price', 'currency', 'margin'] as const;

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const CATEGORY_SEPARATOR = ' > ';

export const catalogue: DatasetDefinition<CdpReference.Product> = {
  name: 'catalogue',
  topic: 'products',
  formats: ['csv', 'json'],
  fields: { known: CATALOGUE_COLUMNS, required: ['sku', 'name'] },
  needsPartner: false,
  scopeDescription: "the tenant: a version is the tenant's whole catalogue",
  scopeKeyParts: 1,
  parse(rows, context, errors) {
    const skus = new KeyTracker();
    const records: KeyedRecord<CdpReference.Product>[] = [];
    for (const row of rows) {
      const r = FieldReader.of(row, errors);
      const sku = r.text('sku', { required: true, max: 100 });
      const name = r.text('name', { required: true, max: 500 });
      const categoryPath = categoryOf(r);
      const brand = r.text('brand', { max: 200 }) ?? null;
      const currency = currencyOf(r);
      const priceMinor = priceOf(r, currency);
      const marginRate = r.number('margin', { min: 0, max: 1, expected: 'must be a share between 0 and 1 (0.35 = 35 %)' }) ?? null;
      if (sku !== undefined) skus.claim(sku, row.line, (first) => r.fail('sku', `${sku} is already on line ${first}`));
      if (r.failed || sku === undefined || name === undefined) continue;
      records.push({
        key: `${context.tenant}|${sku}`,
        value: {
          tenant: context.tenant,
          sku,
          name,
          category: categoryPath.length > 0 ? categoryPath.join(CATEGORY_SEPARATOR) : null,
          categoryPath,
          brand,
          priceMinor,
          currency,
          marginRate,
          sourceName: context.sourceName,
          sourceVersion: context.sourceVersion,
          loadedAt: context.loadedAt,
        },
      });
    }
    return { records, scope: { id: context.tenant, keyPrefix: `${context.tenant}|` } };
  },
};

/** 'Shoes > Running' (or, in JSON, ['Shoes', 'Running']) as its levels; [] when absent. */
function categoryOf(r: FieldReader): string[] {
  const raw = r.values.category;
  if (raw === undefined) return [];
  let levels: unknown[];
  if (typeof raw === 'string') levels = raw.split('>');
  else if (Array.isArray(raw) && r.format === 'json') levels = raw;
  else return r.fail('category', "must be a path such as 'Shoes > Running' (in JSON also an array of levels)") ?? [];
  const out: string[] = [];
  for (const level of levels) {
    if (typeof level !== 'string') return r.fail('category', 'must have text levels') ?? [];
    const text = level.trim();
    if (text === '') return r.fail('category', "has an empty level: levels are separated by ' > '") ?? [];
    if (text.length > 100) return r.fail('category', 'has a level longer than 100 characters') ?? [];
    out.push(text);
  }
  if (out.length > 10) return r.fail('category', 'has more than 10 levels') ?? [];
  return out;
}

function currencyOf(r: FieldReader): string | null {
  const code = r.text('currency', { max: 3 })?.toUpperCase();
  if (code === undefined) {
    if (r.has('price')) r.fail('currency', 'is required with a price');
    return null;
  }
  if (!CURRENCIES.has(code)) return r.fail('currency', 'must be an ISO 4217 code such as EUR') ?? null;
  return code;
}

/** The price in minor units of the currency (cents for EUR, yen for JPY). */
function priceOf(r: FieldReader, currency: string | null): number | null {
  const price = r.number('price', { min: 0, max: 1e12, expected: 'must be a price of at least 0' });
  if (price === undefined || currency === null) return null;
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  const minor = Math.round(price * 10 ** digits);
  if (Math.abs(minor - price * 10 ** digits) > 1e-6) return r.fail('price', `has more decimals than ${currency} has (${digits})`) ?? null;
  return minor;
}
