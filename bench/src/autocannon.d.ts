/**
 * The part of autocannon 9's programmatic API that bench/src/ingest.ts and bench/src/api.ts use. There is no
 * @types/autocannon in the workspace, and adding a package is not this benchmark's business.
 */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    /** Per-connection state: autocannon resets it before each request it builds. */
    type Context = Record<string, unknown>;

    interface Request {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      /** Called for every request a connection sends; the returned request is serialised at once. */
      setupRequest?: (request: Request, context: Context) => Request | null | undefined;
      onResponse?: (status: number, body: string, context: Context, headers: Record<string, string | string[]>) => void;
    }

    interface Options {
      url: string;
      connections?: number;
      /** Seconds. */
      duration?: number;
      /** Requests to send in all (split between the connections), instead of a duration. */
      amount?: number;
      pipelining?: number;
      /** Seconds before a request counts as timed out. */
      timeout?: number;
      method?: string;
      headers?: Record<string, string>;
      requests?: Request[];
      /**
       * Requests per second over all connections, split between them. Each connection sends its
       * share back to back at the start of every second, then waits for the next second.
       */
      overallRate?: number;
      /**
       * With a rate, autocannon adds samples for requests it could not send in time, assuming an
       * interval of ceil(1 / per-connection rate) ms (1 ms at 20/s, not 50): off at these rates.
       */
      ignoreCoordinatedOmission?: boolean;
    }

    /** Percentiles are keyed p50, p90, p97_5, p99, p99_9 ... */
    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total?: number;
      p50: number;
      p90: number;
      p99: number;
      [percentile: `p${string}`]: number;
    }

    interface Result {
      /** Seconds, to two decimals. */
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      resets: number;
      '1xx': number;
      '2xx': number;
      '3xx': number;
      '4xx': number;
      '5xx': number;
      statusCodeStats: Record<string, { count: number }>;
      /** Milliseconds, from autocannon's HDR histogram. */
      latency: Histogram & { totalCount: number };
      /** Requests per one-second sample; total is the number completed. */
      requests: Histogram & { sent: number };
      /** Response bytes per one-second sample. */
      throughput: Histogram;
    }

    interface Instance extends EventEmitter, PromiseLike<Result> {
      /** Ends the run early; the promise still resolves with what was measured. */
      stop(): void;
    }
  }

  function autocannon(options: autocannon.Options): autocannon.Instance;
  export = autocannon;
}
