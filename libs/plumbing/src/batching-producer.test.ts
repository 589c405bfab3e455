import { createBatchingProducer } from './batching-producer';
import type { EventProducer, OutgoingRecord } from './kafka';

function fakeProducer(fail = false) {
  const requests: { topic: string; records: OutgoingRecord[] }[][] = [];
  const producer: EventProducer = {
    send: async () => undefined,
    async sendBatches(batches) {
      requests.push(batches);
      if (fail) throw new Error('broker down');
    },
    close: async () => undefined,
  };
  return { producer, requests };
}
const rec = (key: string): OutgoingRecord => ({ key, value: Buffer.from(key) });

describe('createBatchingProducer', () => {
  it('sends records of many callers together and settles each caller with that request', async () => {
    const { producer, requests } = fakeProducer();
    const batching = createBatchingProducer(producer, { lingerMs: 20 });
    await Promise.all([batching.send('a', [rec('1')]), batching.send('b', [rec('2')]), batching.send('a', [rec('3')])]);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toEqual([{ topic: 'a', records: [rec('1'), rec('3')] }, { topic: 'b', records: [rec('2')] }]);
  });

  it('sends at once when maxRecords are queued', async () => {
    const { producer, requests } = fakeProducer();
    const batching = createBatchingProducer(producer, { lingerMs: 10_000, maxRecords: 2 });
    await batching.send('a', [rec('1'), rec('2')]);
    expect(requests).toHaveLength(1);
  });

  it('rejects every caller of a failed request, and the next request still goes out', async () => {
    const failing = fakeProducer(true);
    const batching = createBatchingProducer(failing.producer, { lingerMs: 1 });
    const results = await Promise.allSettled([batching.send('a', [rec('1')]), batching.send('a', [rec('2')])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(batching.send('a', [rec('3')])).rejects.toThrow('broker down');
    expect(failing.requests).toHaveLength(2);
  });
});
