/**
 * ClickHouse over HTTP through @clickhouse/client. Every value reaches SQL as a query parameter
 * ({name:Type}); there is deliberately no helper that splices values into SQL text.
 */
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { CdpError, TransientError } from './errors';

export type QueryParams = Record<string, unknown>;

/**
 * Settings the project relies on, stated explicitly: the chDB-based local server has other
 * defaults than a stock clickhouse-server (STACK.md), and behaviour must be the same on both.
 */
export const CLICKHOUSE_SETTINGS: ClickHouseSettings = {
  async_insert: 0, // we batch ourselves; a synchronous insert is acknowledged only when stored
  mutations_sync: '0',
  input_format_skip_unknown_fields: 0, // a column typo must fail, not vanish
  date_time_input_format: 'basic',
  insert_deduplicate: 1,
  // 64-bit integers as JSON numbers: counts and money in minor units stay far below 2^53; an id
  // that could exceed it is selected as String.
  output_format_json_quote_64bit_integers: 0,
};

/** Server error codes after which the same request can succeed later. */
const RETRIABLE_CODES = new Set([
  '159', // TIMEOUT_EXCEEDED
  '202', // TOO_MANY_SIMULTANEOUS_QUERIES
  '209', // SOCKET_TIMEOUT
  '210', // NETWORK_ERROR
  '241', // MEMORY_LIMIT_EXCEEDED
  '252', // TOO_MANY_PARTS
  '319', // UNKNOWN_STATUS_OF_INSERT
  '425', // SYSTEM_ERROR
]);

export class ClickHouseQueryError extends CdpError {
  constructor(
    message: string,
    readonly serverCode: string | undefined,
    retriable: boolean,
    cause: unknown,
  ) {
    super(retriable ? 'ERR_CLICKHOUSE_TRANSIENT' : 'ERR_CLICKHOUSE_QUERY', message, { retriable, cause });
  }
}

function wrap(error: unknown, what: string): Error {
  if (error instanceof CdpError) return error;
  const e = error as { code?: string; message?: string };
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code && /^\d+$/.test(code)) return new ClickHouseQueryError(`ClickHouse ${what}: ${e.message}`, code, RETRIABLE_CODES.has(code), error);
  // No server code: the request never got an answer (refused, reset, timed out).
  return new TransientError(`ClickHouse unreachable during ${what}: ${e.message ?? String(error)}`, error);
}

/**
 * A DateTime64(3) value for JSON input formats. A bare JSON integer would be read as a count of
 * the column's smallest unit only on some settings; seconds with a fraction read the same
 * everywhere, and JSON.stringify keeps the milliseconds exact.
 */
export const toDateTime64 = (epochMillis: number): number => epochMillis / 1000;

export interface ClickHouse {
  /** Rows of a SELECT, as objects (JSONEachRow). */
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]>;
  /** DDL or any statement without a result. */
  command(sql: string, params?: QueryParams): Promise<void>;
  /**
   * Inserts rows. With a dedupToken, repeating the same insert (a retry, a replay of the same
   * Kafka batch) stores the rows once, for tables with a deduplication window.
   */
  insert(table: string, rows: readonly unknown[], options?: { dedupToken?: string; format?: 'JSONEachRow' | 'JSONCompactEachRow'; columns?: string[] }): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
  readonly database: string;
}

export interface ClickHouseOptions {
  url: string;
  username?: string;
  password?: string;
  database?: string;
  requestTimeoutMs?: number;
}

export function createClickHouse(options: ClickHouseOptions): ClickHouse {
  const database = options.database ?? 'default';
  const client: ClickHouseClient = createClient({
    url: options.url,
    username: options.username ?? 'default',
    password: options.password ?? '',
    database,
    request_timeout: options.requestTimeoutMs ?? 60_000,
    clickhouse_settings: CLICKHOUSE_SETTINGS,
    compression: { request: false, response: false },
    // Failures surface as errors to the caller, which decides whether to log them.
    log: { level: ClickHouseLogLevel.OFF },
  });

  return {
    database,
    async query<T>(sql: string, params?: QueryParams) {
      try {
        const rs = await client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
        return await rs.json<T>();
      } catch (error) {
        throw wrap(error, 'query');
      }
    },
    async command(sql, params) {
      try {
        await client.command({ query: sql, query_params: params, clickhouse_settings: { wait_end_of_query: 1 } });
      } catch (error) {
        throw wrap(error, 'command');
      }
    },
    async insert(table, rows, { dedupToken, format = 'JSONEachRow', columns } = {}) {
      if (rows.length === 0) return;
      try {
        await client.insert({
          table,
          values: rows as unknown[],
          format,
          ...(columns ? { columns: columns as [string, ...string[]] } : {}),
          // The materialized views fed by the insert drop a repeated block by the same token, so
          // what they count stays right when a batch is inserted again.
          ...(dedupToken ? { clickhouse_settings: { insert_deduplication_token: dedupToken, deduplicate_blocks_in_dependent_materialized_views: 1 } } : {}),
        });
      } catch (error) {
        throw wrap(error, `insert into ${table}`);
      }
    },
    async ping() {
      const r = await client.ping();
      return r.success;
    },
    close: () => client.close(),
  };
}
