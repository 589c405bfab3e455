import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import { SchemaDefinitionError } from './errors';
import { loadSchemaCatalog } from './schemas';
import { TOPICS, allTopics } from './topics';

const catalog = loadSchemaCatalog();

function namedDefinitions(schema: unknown, found: string[] = []): string[] {
  if (Array.isArray(schema)) schema.forEach((s) => namedDefinitions(s, found));
  else if (schema && typeof schema === 'object') {
    const s = schema as Record<string, unknown>;
    if (typeof s.name === 'string' && ['record', 'enum', 'fixed'].includes(s.type as string)) found.push(s.name);
    for (const value of Object.values(s)) namedDefinitions(value, found);
  }
  return found;
}

describe('schema catalogue', () => {
  it('resolves every topic value type into a self-contained schema avsc accepts', () => {
    for (const spec of allTopics()) {
      const schema = catalog.resolve(spec.valueType);
      expect(() => avro.Type.forSchema(schema as avro.Schema)).not.toThrow();
    }
  });

  it('inlines the shared envelope exactly once per event schema', () => {
    const schema = catalog.resolve(TOPICS.posTransactions.valueType);
    const names = namedDefinitions(schema);
    expect(names.filter((n) => n === 'Envelope')).toHaveLength(1);
    const type = avro.Type.forSchema(schema as avro.Schema) as avro.types.RecordType;
    expect(type.field('envelope')?.type.name).toBe('cdp.common.Envelope');
  });

  it('round-trips a record of every event family through Avro binary', () => {
    const envelope = { eventId: 'e1', eventTime: 1_700_000_000_123, receivedTime: 1_700_000_000_456, source: 'web', tenant: 't', schemaVersion: 1 };
    const pos = {
      envelope, storeId: 's1', receiptId: 'r1', registerId: null, kind: 'SALE', loyaltyCard: 'LC-1', customerId: 'CRM-1', consent: { categoryPreferences: { 'loyalty-marketing': true, 'loyalty-analytics': false } }, currency: 'EUR', totalMinor: 1990, paymentMethod: null,
      lines: [{ lineNumber: 1, sku: 'SKU-1', quantity: 1, unitPriceMinor: 1990, discountMinor: 0, totalMinor: 1990 }],
    };
    const type = avro.Type.forSchema(catalog.resolve('cdp.store.PosTransaction') as avro.Schema);
    expect(type.fromBuffer(type.toBuffer(pos))).toEqual(pos);
  });

  it('names an unknown type reference and the file it comes from', () => {
    const dir = mkdtempSync(join(tmpdir(), 'avsc-'));
    mkdirSync(join(dir, 'x'));
    writeFileSync(join(dir, 'x', 'a.avsc'), JSON.stringify({ type: 'record', name: 'A', namespace: 'n', fields: [{ name: 'b', type: 'n.Missing' }] }));
    const broken = loadSchemaCatalog(dir);
    expect(() => broken.resolve('n.A')).toThrow(SchemaDefinitionError);
    expect(() => broken.resolve('n.A')).toThrow(/unknown Avro type "n\.Missing".*a\.avsc/);
  });

  it('refuses a type defined in two files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'avsc-'));
    const a = { type: 'record', name: 'A', namespace: 'n', fields: [] };
    writeFileSync(join(dir, 'a.avsc'), JSON.stringify(a));
    writeFileSync(join(dir, 'b.avsc'), JSON.stringify(a));
    expect(() => loadSchemaCatalog(dir)).toThrow(/n\.A is defined twice/);
  });
});
