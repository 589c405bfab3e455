import type { AvroCodec } from './avro';
import { createAvroCodec } from './avro';
import { TransientError } from './errors';
import type { IncomingRecord } from './kafka';
import { deadLetterOf, decodeRecord } from './outcome';

const record = (value: Buffer): IncomingRecord => ({ topic: 't', partition: 2, offset: '41', key: Buffer.from('k'), value, timestamp: '0', headers: {} });

describe('decodeRecord', () => {
  it('turns bytes that are not a record into a rejection naming the reason', async () => {
    // No registry is contacted: the bytes fail before any schema lookup.
    const codec = createAvroCodec({ url: 'http://127.0.0.1:1' });
    const outcome = await decodeRecord(codec, record(Buffer.from('{"json":1}')), undefined);
    expect(outcome).toEqual({ kind: 'rejected', rejection: { code: 'decode.invalid_record', step: 'decode', message: expect.stringContaining('magic byte') } });
  });

  it('lets an unreachable registry throw, so the batch is read again', async () => {
    const codec = { decodeCached: () => undefined, decode: async () => { throw new TransientError('registry down'); } } as unknown as AvroCodec;
    await expect(decodeRecord(codec, record(Buffer.from([0, 0, 0, 0, 1, 2])), undefined)).rejects.toThrow('registry down');
  });

  it('keeps the original bytes and place in the dead letter, truncating a long reason', () => {
    const letter = deadLetterOf(record(Buffer.from('raw')), 'identity', { code: 'decode.invalid_record', step: 'decode', message: 'x'.repeat(2000) }, 5);
    expect(letter).toMatchObject({ originalTopic: 't', originalPartition: 2, originalOffset: 41, originalKey: Buffer.from('k'), originalValue: Buffer.from('raw'), service: 'identity', failedAt: 5 });
    expect(letter.message).toHaveLength(1000);
  });
});
