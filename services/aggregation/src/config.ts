import { DEFAULT_CONSENT_POLICY_FILE, env, serviceEnv, z } from '@cdp/plumbing';

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
  /** A cart changed this many minutes ago with no order since is abandoned (a signal). */
  AGGREGATION_CART_ABANDON_MINUTES: env.int(30, { min: 1 }),
  /** The same in milliseconds, for tests and demos; 0 (the default) uses the minutes. */
  AGGREGATION_CART_ABANDON_MS: env.int(0, { min: 0 }),
  /** Product views this many days before a store entry make a "store visit after browsing" signal. */
  AGGREGATION_BROWSE_WINDOW_DAYS: env.int(7, { min: 1 }),
  /** A signal whose occasion lies further back than this (a backlog, a new group reading history) is passed over. */
  AGGREGATION_SIGNAL_MAX_DELAY_MINUTES: env.int(60, { min: 1 }),
  /** Days ClickHouse keeps events and what is derived per person or device (core/retention.ts); 0 keeps them for ever. */
  AGGREGATION_RETENTION_PERSON_DAYS: env.int(730, { min: 0 }),
  /** Days ClickHouse keeps aggregates that name no person (product, sales, search, store KPIs); 0 keeps them for ever. */
  AGGREGATION_RETENTION_AGGREGATE_DAYS: env.int(1825, { min: 0 }),
  /** An erasure deletes twice, this far apart: rows of the person that were being inserted the first time go the second. */
  AGGREGATION_ERASURE_SETTLE_MS: env.int(3000, { min: 0 }),
  /** A split deletes the rows it left stale twice, this far apart: the new assignments and merges land through the sink and may come after the block. */
  AGGREGATION_SPLIT_SETTLE_MS: env.int(3000, { min: 0 }),
  /** The tenants' consent policies (libs/plumbing/src/consent.ts); written to consent_policy and partner_terms at start. */
  CONSENT_POLICY_FILE: env.string(DEFAULT_CONSENT_POLICY_FILE),
  /** How often due timer signals (cart abandoned) are looked for. */
  AGGREGATION_SIGNAL_TICK_MS: env.int(5000, { min: 100 }),
});

/** Store visit thresholds for tenants store_visit_rules has no row for (its defaults, migration 0008). */
export const DEFAULT_VISIT_RULES = { openRssi: -70, holdRssi: -80, gapMs: 15 * 60_000 } as const;

export const cartAbandonMsOf = (config: { AGGREGATION_CART_ABANDON_MINUTES: number; AGGREGATION_CART_ABANDON_MS: number }): number =>
  config.AGGREGATION_CART_ABANDON_MS > 0 ? config.AGGREGATION_CART_ABANDON_MS : config.AGGREGATION_CART_ABANDON_MINUTES * 60_000;
