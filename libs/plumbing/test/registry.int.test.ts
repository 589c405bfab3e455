import { createAvroCodec } from '../src/avro';
import { SchemaIncompatibleError } from '../src/errors';
import { LOCAL, unique } from './helpers';

describe('schema registry compatibility (BACKWARD)', () => {
  const codec = createAvroCodec({ url: LOCAL.registryUrl });
  const v1 = { type: 'record', name: 'Receipt', namespace: 'test', fields: [{ name: 'id', type: 'string' }, { name: 'total', type: 'long' }] };

  it('accepts adding a field with a default and removing a field', async () => {
    const subject = `${unique('compat')}-value`;
    const id1 = await codec.register(subject, v1);
    const id2 = await codec.register(subject, { ...v1, fields: [...v1.fields, { name: 'store', type: ['null', 'string'], default: null }] });
    expect(id2).not.toBe(id1);
    await expect(codec.register(subject, { ...v1, fields: [v1.fields[0]!] })).resolves.toEqual(expect.any(Number));
  });

  it('refuses a type change, naming the subject and the field', async () => {
    const subject = `${unique('compat')}-value`;
    await codec.register(subject, v1);
    const attempt = codec.register(subject, { ...v1, fields: [v1.fields[0]!, { name: 'total', type: 'string' }] });
    await expect(attempt).rejects.toBeInstanceOf(SchemaIncompatibleError);
    await expect(attempt).rejects.toThrow(new RegExp(`subject "${subject}" is not BACKWARD compatible`));
    await expect(attempt).rejects.toThrow(/\/fields\/1\/type \(field total\)/);
  });

  it('refuses a new field without a default', async () => {
    const subject = `${unique('compat')}-value`;
    await codec.register(subject, v1);
    await expect(codec.register(subject, { ...v1, fields: [...v1.fields, { name: 'cashier', type: 'string' }] })).rejects.toThrow(/cashier/);
  });

  it('returns the same id when an unchanged schema is registered again', async () => {
    const subject = `${unique('same')}-value`;
    expect(await codec.register(subject, v1)).toBe(await codec.register(subject, v1));
  });
});
