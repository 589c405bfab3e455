import { createBatchingProducer, SendAbortedError } from './batching-producer';
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

describe('createBatchingProducer, a caller that gives up', () => {
  it('drops records whose caller aborted before they were handed to Kafka, and rejects that caller', async () => {
    const requests: { topic: string; records: OutgoingRecord[] }[][] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const producer: EventProducer = {
      send: async () => undefined,
      async sendBatches(batches) {
        requests.push(batches);
        // The first request hangs, as a send does while Kafka is away and being retried.
        if (requests.length === 1) await held;
      },
      close: async () => undefined,
    };
    const batching = createBatchingProducer(producer, { lingerMs: 1 });
    const first = batching.send('a', [rec('1')]);
    await new Promise((r) => setTimeout(r, 10));
    const gaveUp = new AbortController();
    const second = batching.send('a', [rec('2')], { signal: gaveUp.signal });
    const third = batching.send('a', [rec('3')]);
    await new Promise((r) => setTimeout(r, 10));
    gaveUp.abort();
    release();
    await first;
    await expect(second).rejects.toBeInstanceOf(SendAbortedError);
    await third;
    expect(requests.map((r) => r.flatMap((b) => b.records.map((x) => x.key)))).toEqual([['1'], ['3']]);
  });
});
