import type { EventProducer, OutgoingRecord } from './kafka';

export interface BatchingProducer {
  /** Resolves when the broker acknowledged these records (acks=all), together with others. */
  send(topic: string, records: OutgoingRecord[]): Promise<void>;
  /** Sends what is queued and waits for it. */
  flush(): Promise<void>;
  readonly queued: number;
}

/**
 * Many small sends (one per HTTP request) become few large produce requests: records wait at
 * most lingerMs, or until maxRecords are queued, then go out together; every caller's promise
 * settles with the request that carried its records. One request in flight at a time keeps
 * the idempotent producer's ordering, while the next batch fills up.
 */
export function createBatchingProducer(producer: EventProducer, { lingerMs = 5, maxRecords = 5_000 } = {}): BatchingProducer {
  type Waiter = { resolve: () => void; reject: (error: unknown) => void };
  let queue = new Map<string, OutgoingRecord[]>();
  let waiters: Waiter[] = [];
  let queued = 0;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const dispatch = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (queued === 0) return inFlight;
    const batches = [...queue].map(([topic, records]) => ({ topic, records }));
    const settle = waiters;
    queue = new Map();
    waiters = [];
    queued = 0;
    inFlight = inFlight.then(
      () =>
        producer.sendBatches(batches).then(
          () => settle.forEach((w) => w.resolve()),
          (error: unknown) => settle.forEach((w) => w.reject(error)),
        ),
    );
    return inFlight;
  };

  return {
    get queued() {
      return queued;
    },
    send(topic, records) {
      if (records.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const list = queue.get(topic) ?? [];
        list.push(...records);
        queue.set(topic, list);
        queued += records.length;
        waiters.push({ resolve, reject });
        if (queued >= maxRecords) void dispatch();
        else if (!timer) timer = setTimeout(() => void dispatch(), lingerMs);
      });
    },
    async flush() {
      await dispatch();
    },
  };
}
