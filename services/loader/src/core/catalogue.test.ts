import { catalogue } from './catalogue';
import { parseDelivery, versionOf } from './dataset';
import { LoaderUsageError } from './errors';

const context = { tenant: 'demo', salt: 'unused-salt-0123456789', sourceName: 'pim.csv', loadedAt: 5 };
const csv = (text: string) => parseDelivery(catalogue, Buffer.from(text), 'csv', context);
const json = (value: unknown) => parseDelivery(catalogue, Buffer.from(JSON.stringify(value)), 'json', context);
const errorsOf = (d: ReturnType<typeof csv>) => (d.ok ? [] : d.errors);

describe('catalogue', () => {
  it('reads a product with its category path, price in minor units, margin, source, version and load time', () => {
    const text = 'sku,name,category,brand,price,currency,margin\nSKU-1,"Trail shoe, blue",Shoes > Outdoor,Kuura,129.90,eur,0.42\n';
    expect(csv(text)).toEqual({
      ok: true,
      version: versionOf(Buffer.from(text)),
      scope: { id: 'demo', keyPrefix: 'demo|' },
      records: [{
        key: 'demo|SKU-1',
        value: { tenant: 'demo', sku: 'SKU-1', name: 'Trail shoe, blue', category: 'Shoes > Outdoor', categoryPath: ['Shoes', 'Outdoor'], brand: 'Kuura', priceMinor: 12990, currency: 'EUR', marginRate: 0.42, sourceName: 'pim.csv', sourceVersion: versionOf(Buffer.from(text)), loadedAt: 5 },
      }],
    });
  });

  it('keeps only sku and name required', () => {
    const d = csv('sku,name\nA,Shoe\n');
    expect(d.ok && d.records[0]!.value).toMatchObject({ category: null, categoryPath: [], brand: null, priceMinor: null, currency: null, marginRate: null });
  });

  it('reads JSON with the same fields, a category as levels, numbers as numbers', () => {
    const d = json([{ sku: 'A', name: 'Shoe', category: ['Shoes', 'Running'], price: 1000, currency: 'JPY', margin: 0.3 }]);
    expect(d.ok && d.records[0]!.value).toMatchObject({ category: 'Shoes > Running', categoryPath: ['Shoes', 'Running'], priceMinor: 1000, currency: 'JPY', marginRate: 0.3 });
  });

  it('names the line, the field and the reason of every bad value', () => {
    const text = [
      'sku,name,category,price,currency,margin',
      'A,Shoe,Shoes > Running,1,EUR,0.3',
      'B,,Shoes,2,EUR,',
      'C,Cap,Hats >  > Wool,abc,EUR,1.5',
      'D,Sock,Socks,"9,90",EUR,',
      'E,Boot,,12.345,EUR,',
      'F,Belt,,5,,',
      'G,Bag,,5,XYZ,-0.1',
      'A,Again,,,,',
    ].join('\n');
    expect(errorsOf(csv(text))).toEqual([
      { line: 3, field: 'name', reason: 'is required' },
      { line: 4, field: 'category', reason: "has an empty level: levels are separated by ' > '" },
      { line: 4, field: 'price', reason: 'must be a price of at least 0 (digits, with a decimal point if any)' },
      { line: 4, field: 'margin', reason: 'must be a share between 0 and 1 (0.35 = 35 %)' },
      { line: 5, field: 'price', reason: 'must be a price of at least 0 (digits, with a decimal point if any)' },
      { line: 6, field: 'price', reason: 'has more decimals than EUR has (2)' },
      { line: 7, field: 'currency', reason: 'is required with a price' },
      { line: 8, field: 'currency', reason: 'must be an ISO 4217 code such as EUR' },
      { line: 8, field: 'margin', reason: 'must be a share between 0 and 1 (0.35 = 35 %)' },
      { line: 9, field: 'sku', reason: 'A is already on line 2' },
    ]);
  });

  it('refuses JSON values of the wrong type', () => {
    expect(errorsOf(json([{ sku: 1, name: 'x', price: '12.90', currency: 'EUR' }]))).toEqual([
      { line: 1, field: 'sku', reason: 'must be a string' },
      { line: 1, field: 'price', reason: 'must be a number' },
    ]);
  });

  it('counts every error but lists at most 100', () => {
    const rows = Array.from({ length: 150 }, (_, i) => `S${i},`).join('\n');
    const d = csv(`sku,name\n${rows}\n`);
    expect(d.ok).toBe(false);
    expect(!d.ok && [d.errors.length, d.errorCount, d.errors[0]]).toEqual([100, 150, { line: 2, field: 'name', reason: 'is required' }]);
  });

  it('is the same version for the same bytes and another for any change', () => {
    const a = csv('sku,name\nA,a\n');
    const b = csv('sku,name\nA,a\n');
    const c = csv('sku,name\nA,a \n');
    expect(a.ok && b.ok && c.ok && [a.version === b.version, a.version === c.version]).toEqual([true, false]);
  });

  it('refuses a format it does not read and a tenant that is no slug, as wrong calls', () => {
    expect(() => parseDelivery(catalogue, Buffer.from('x'), 'csv', { ...context, tenant: 'Demo Tenant' })).toThrow(LoaderUsageError);
  });
});
