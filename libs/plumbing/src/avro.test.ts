import { WireFormatError, schemaIdOf, withRegistryRetry } from './avro';
import { CdpError, TransientError } from './errors';

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

describe('withRegistryRetry', () => {
  it('tries a transient failure again and lets any other failure through at once', async () => {
    let calls = 0;
    const flaky = async () => {
      calls++;
      if (calls < 3) throw new TransientError('socket hang up');
      return 42;
    };
    await expect(withRegistryRetry(flaky, 5, 1)).resolves.toBe(42);
    expect(calls).toBe(3);
    let refused = 0;
    const wrong = async () => {
      refused++;
      throw new CdpError('ERR_SCHEMA_INVALID', 'not Avro');
    };
    await expect(withRegistryRetry(wrong, 5, 1)).rejects.toThrow('not Avro');
    expect(refused).toBe(1);
    let down = 0;
    await expect(withRegistryRetry(async () => { down++; throw new TransientError('down'); }, 3, 1)).rejects.toThrow('down');
    expect(down).toBe(3);
  });
});
