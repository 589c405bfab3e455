import type { EventProducer, OutgoingRecord } from './kafka';

export interface BatchingProducer {
  /**
   * Resolves when the broker acknowledged these records (acks=all), together with others. A
   * caller that gives up aborts `signal`: records not yet handed to Kafka are then dropped and
   * the promise rejects, so an answer of "not stored" stays true.
   */
  send(topic: string, records: OutgoingRecord[], options?: { signal?: AbortSignal }): Promise<void>;
  /** Sends what is queued and waits for it. */
  flush(): Promise<void>;
  readonly queued: number;
}

export class SendAbortedError extends Error {
  constructor() {
    super('the caller gave up before the records were handed to Kafka; they were not sent');
    this.name = 'SendAbortedError';
  }
}

/**
 * Many small sends (one per HTTP request) become few large produce requests: records wait at
 * most lingerMs, or until maxRecords are queued, then go out together; every caller's promise
 * settles with the request that carried its records. One request in flight at a time keeps
 * the idempotent producer's ordering, while the next batch fills up.
 */
export function createBatchingProducer(producer: EventProducer, { lingerMs = 5, maxRecords = 5_000 } = {}): BatchingProducer {
  type Entry = { topic: string; records: OutgoingRecord[]; signal?: AbortSignal; resolve: () => void; reject: (error: unknown) => void };
  let entries: Entry[] = [];
  let queued = 0;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const sendEntries = async (taken: Entry[]): Promise<void> => {
    // While Kafka is away a batch can wait here behind the one being retried; whoever has
    // answered its client "not stored" by now must not be stored after all.
    const live = taken.filter((e) => {
      if (!e.signal?.aborted) return true;
      e.reject(new SendAbortedError());
      return false;
    });
    if (live.length === 0) return;
    const byTopic = new Map<string, OutgoingRecord[]>();
    for (const e of live) {
      const list = byTopic.get(e.topic);
      if (list) list.push(...e.records);
      else byTopic.set(e.topic, [...e.records]);
    }
    try {
      await producer.sendBatches([...byTopic].map(([topic, records]) => ({ topic, records })));
      for (const e of live) e.resolve();
    } catch (error) {
      for (const e of live) e.reject(error);
    }
  };

  const dispatch = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (queued === 0) return inFlight;
    const taken = entries;
    entries = [];
    queued = 0;
    inFlight = inFlight.then(() => sendEntries(taken));
    return inFlight;
  };

  return {
    get queued() {
      return queued;
    },
    send(topic, records, options) {
      if (records.length === 0) return Promise.resolve();
      if (options?.signal?.aborted) return Promise.reject(new SendAbortedError());
      return new Promise<void>((resolve, reject) => {
        entries.push({ topic, records, signal: options?.signal, resolve, reject });
        queued += records.length;
        if (queued >= maxRecords) void dispatch();
        else if (!timer) timer = setTimeout(() => void dispatch(), lingerMs);
      });
    },
    async flush() {
      await dispatch();
    },
  };
}
