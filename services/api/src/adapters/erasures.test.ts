/**
 * The erasure topic adapter over a fake Kafka whose records come back to the reader late: a write
 * resolves only once its own record is in the book (what lets GET right after POST see it), and
 * records are keyed tenant|requestId. Against the real Kafka: test/erasures.int.test.ts.
 */
import { createLogger, partitionFor, TOPICS, type AvroCodec, type CdpPrivacy, type IncomingRecord, type KafkaClients, type OutgoingRecord } from '@cdp/plumbing';
import { requestedRecord, withdrawnRecord } from '../core/erasures';
import { openErasureTopic } from './erasures';

/** A topic whose records reach the reader `lagMs` after the send is acknowledged. */
function fakeKafka(lagMs: number) {
  const sent: OutgoingRecord[] = [];
  let deliver: ((r: IncomingRecord) => void) | undefined;
  const clients = {
    async readTable(topic: string, onRecord: (r: IncomingRecord) => void) {
      deliver = onRecord;
      return { caughtUp: Promise.resolve(), close: async () => undefined, topic };
    },
    async producer() {
      return {
        async send(topic: string, records: OutgoingRecord[]) {
          for (const r of records) {
            sent.push(r);
            const offset = String(sent.length - 1);
            setTimeout(() => deliver?.({ topic, partition: 0, offset, key: Buffer.from(r.key as string), value: r.value, timestamp: '0', headers: {} }), lagMs).unref();
          }
        },
        sendBatches: async () => undefined,
        close: async () => undefined,
      };
    },
  } as unknown as KafkaClients;
  const codec = {
    idOf: async () => 7,
    encode: (_id: number, value: unknown) => Buffer.from(JSON.stringify(value)),
    decodeCached: (b: Buffer) => JSON.parse(b.toString()) as unknown,
    decode: async (b: Buffer) => JSON.parse(b.toString()) as unknown,
  } as unknown as AvroCodec;
  return { clients, codec, sent };
}

test('a write resolves once its own record has come back through the reader, keyed tenant|requestId', async () => {
  const { clients, codec, sent } = fakeKafka(150);
  const topic = await openErasureTopic({ clients, codec, topic: TOPICS.erasureRequests, logger: createLogger('test', 'silent') });
  await topic.caughtUp;
  const r = requestedRecord({ tenant: 'demo', identifier: { type: 'loyalty_card', value: 'LC-1' }, requestedBy: 'k', now: 1000 });
  expect(await topic.write(r)).toBe(true);
  expect(topic.book.get('demo', r.requestId)).toEqual(r);
  // On the tenant's partition (the topic's partitionBy), not the whole key's.
  expect(sent.map((s) => [s.key, s.partition])).toEqual([[`demo|${r.requestId}`, partitionFor(TOPICS.erasureRequests, 'demo|')]]);

  // The next state of the same request: the write waits for that record, not the one the book held.
  const w = withdrawnRecord(r, { withdrawnBy: 'k', now: 2000 });
  expect(await topic.write(w)).toBe(true);
  expect(topic.book.get('demo', r.requestId)?.state).toBe('WITHDRAWN');
  expect(new Set(sent.map((s) => s.partition))).toEqual(new Set([partitionFor(TOPICS.erasureRequests, 'demo|')]));
  await topic.close();
});

test('a write whose record does not come back in time still resolves (false): Kafka has it', async () => {
  const { clients, codec, sent } = fakeKafka(10_000);
  const topic = await openErasureTopic({ clients, codec, topic: TOPICS.erasureRequests, logger: createLogger('test', 'silent') });
  const r: CdpPrivacy.ErasureRequest = requestedRecord({ tenant: 'demo', identifier: { type: 'loyalty_card', value: 'LC-1' }, requestedBy: 'k', now: 1000 });
  expect(await topic.write(r, 50)).toBe(false);
  expect(sent).toHaveLength(1);
  expect(topic.book.get('demo', r.requestId)).toBeUndefined();
  await topic.close();
});
