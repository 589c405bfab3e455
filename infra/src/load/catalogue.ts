/**
 * Product catalogue files (CSV with header sku,name,category,brand,price,currency) into the
 * compacted products topic. Every row is checked first; one bad row stops the load and is named
 * by line and column, so a half-loaded catalogue never happens.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { CdpReference } from '@cdp/plumbing';

export class CatalogueFileError extends Error {}

const REQUIRED = ['sku', 'name'] as const;
const KNOWN = ['sku', 'name', 'category', 'brand', 'price', 'currency'];

export function parseCatalogue(text: string, file: string, now = Date.now()): CdpReference.Product[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[];
  } catch (error) {
    throw new CatalogueFileError(`${file}: ${(error as Error).message}`);
  }
  if (records.length === 0) throw new CatalogueFileError(`${file}: no products (expected a header line and rows)`);
  const header = Object.keys(records[0]!);
  for (const column of REQUIRED) if (!header.includes(column)) throw new CatalogueFileError(`${file}: header lacks the column "${column}" (columns: ${KNOWN.join(',')})`);
  const version = createHash('sha256').update(text).digest('hex').slice(0, 12);
  const seen = new Map<string, number>();
  return records.map((r, i) => {
    const line = i + 2;
    for (const column of REQUIRED) if (!r[column]) throw new CatalogueFileError(`${file}:${line}: ${column} is empty`);
    if (seen.has(r.sku!)) throw new CatalogueFileError(`${file}:${line}: sku ${r.sku} already on line ${seen.get(r.sku!)}`);
    seen.set(r.sku!, line);
    let priceMinor: number | null = null;
    if (r.price) {
      const price = Number(r.price);
      if (!Number.isFinite(price) || price < 0) throw new CatalogueFileError(`${file}:${line}: price "${r.price}" is not a non-negative number`);
      priceMinor = Math.round(price * 100);
    }
    const currency = r.currency ? r.currency.toUpperCase() : null;
    if (currency && !/^[A-Z]{3}$/.test(currency)) throw new CatalogueFileError(`${file}:${line}: currency "${r.currency}" is not an ISO 4217 code`);
    return {
      sku: r.sku!,
      name: r.name!,
      category: r.category || null,
      brand: r.brand || null,
      priceMinor,
      currency,
      updatedAt: now,
      sourceName: basename(file),
      sourceVersion: version,
    };
  });
}

export const readCatalogueFile = (file: string) => parseCatalogue(readFileSync(file, 'utf8'), file);
