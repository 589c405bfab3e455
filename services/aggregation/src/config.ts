import { env, serviceEnv, z } from '@cdp/plumbing';

export const aggregationConfigSchema = z.object({
  ...serviceEnv,
  AGGREGATION_GROUP_ID: env.string('aggregation'),
  METRICS_PORT: env.int(9103, { min: 0, max: 65535 }),
  /** Bigger fetches make bigger, fewer inserts; ClickHouse prefers a few large parts. */
  AGGREGATION_FETCH_BYTES: env.int(8 * 1024 * 1024, { min: 64 * 1024 }),
});
