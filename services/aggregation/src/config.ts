import { env, serviceEnv, z } from '@cdp/plumbing';

export const aggregationConfigSchema = z.object({
  ...serviceEnv,
  AGGREGATION_GROUP_ID: env.string('aggregation'),
  METRICS_PORT: env.int(9103, { min: 0, max: 65535 }),
  /** Bigger fetches make bigger, fewer inserts; ClickHouse prefers a few large parts. */
  AGGREGATION_FETCH_BYTES: env.int(8 * 1024 * 1024, { min: 64 * 1024 }),
  /** Event ids the gate keeps in memory per generation (two generations, about 16 bytes an id). */
  AGGREGATION_DEDUP_IDS: env.int(2_000_000, { min: 1000 }),
  /** At start the gate loads the ids stored with an event time in this many hours. */
  AGGREGATION_DEDUP_LOAD_HOURS: env.int(24, { min: 0 }),
  /** How far two copies' corrected event times may differ before ClickHouse is asked instead. */
  AGGREGATION_DEDUP_MARGIN_MS: env.int(60_000, { min: 0 }),
  /** A web or app session ends after this many minutes without an event (Google Analytics' default). */
  AGGREGATION_SESSION_TIMEOUT_MINUTES: env.int(30, { min: 1 }),
});
