import { WireFormatError, schemaIdOf } from './avro';

describe('Confluent wire format', () => {
  it('reads the schema id after the magic byte', () => {
    expect(schemaIdOf(Buffer.from([0, 0, 0, 1, 2, 9, 9]))).toBe(258);
  });

  it('says what is wrong with a buffer that is not in the wire format', () => {
    expect(() => schemaIdOf(null)).toThrow(WireFormatError);
    expect(() => schemaIdOf(Buffer.from([0, 0, 1]))).toThrow(/3 bytes; Confluent wire format needs at least 5/);
    expect(() => schemaIdOf(Buffer.from('{"json":true}'))).toThrow(/starts with byte 123, not the wire-format magic byte 0/);
  });
});
