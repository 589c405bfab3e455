/**
 * Waiting for a record of a compacted topic to come back through its reader: a writer waits for
 * its own record (so that a read right after its write sees it), a command for what the pipeline
 * writes next. The book that applies the topic's records hands each one here.
 */
interface Waiter<T> {
  until: (record: T) => boolean;
  resolve: (record: T | undefined) => void;
  timer: NodeJS.Timeout;
}

export class RecordWaiters<T> {
  private readonly waiters = new Map<string, Set<Waiter<T>>>();

  /** The record of `key` was just applied: resolves whoever waits for one like it. */
  applied(key: string, record: T): void {
    const waiting = this.waiters.get(key);
    if (!waiting) return;
    for (const w of waiting) {
      if (!w.until(record)) continue;
      clearTimeout(w.timer);
      waiting.delete(w);
      w.resolve(record);
    }
    if (waiting.size === 0) this.waiters.delete(key);
  }

  /**
   * Resolves with the first record of `key` applied from now on (or `held`, what the book holds
   * now) for which `until` holds; undefined after timeoutMs.
   */
  waitFor(key: string, held: T | undefined, until: (record: T) => boolean, timeoutMs: number): Promise<T | undefined> {
    if (held !== undefined && until(held)) return Promise.resolve(held);
    return new Promise((resolve) => {
      const waiting = this.waiters.get(key) ?? new Set<Waiter<T>>();
      this.waiters.set(key, waiting);
      const waiter: Waiter<T> = {
        until,
        resolve,
        timer: setTimeout(() => {
          waiting.delete(waiter);
          if (waiting.size === 0) this.waiters.delete(key);
          resolve(undefined);
        }, timeoutMs),
      };
      // A wait never keeps a process alive by itself.
      waiter.timer.unref();
      waiting.add(waiter);
    });
  }
}
