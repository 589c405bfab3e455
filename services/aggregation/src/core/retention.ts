/**
 * How long ClickHouse keeps what: a TTL per table, in two classes.
 *
 * - `person`: rows of events and what is derived per person or device (a person's timeline,
 *   sessions, daily activity, store presence by device, signals, identity conflicts). Kept
 *   AGGREGATION_RETENTION_PERSON_DAYS after the time named here.
 * - `aggregate`: counts and sums that name no person (product, search, sales, page-load and
 *   store KPIs, people counts). They may outlive the events: AGGREGATION_RETENTION_AGGREGATE_DAYS.
 *
 * Tables that mirror state kept in compacted topics (identifiers, merges, reference data, store
 * rules) and the identity history are not aged out by time: they lose rows by deletion only.
 *
 * A person's all-time aggregates (person_activity, person_products, person_first_purchase) are
 * dropped once the person's last event in them is older than the retention: a person unseen for
 * that long is forgotten whole. Their older events inside a still-active aggregate stay counted
 * there, as ClickHouse cannot take one event out of an aggregate state.
 */
export type RetentionClass = 'person' | 'aggregate';

export interface RetentionRule {
  table: string;
  /** A Date or DateTime expression over the table's columns: the row expires `days` after it. */
  expires: string;
  class: RetentionClass;
}

export const RETENTION_RULES: readonly RetentionRule[] = [
  { table: 'events_raw', expires: 'toDateTime(event_time)', class: 'person' },
  { table: 'store_wifi_observations', expires: 'toDateTime(event_time)', class: 'person' },
  { table: 'person_timeline', expires: 'toDateTime(event_time)', class: 'person' },
  { table: 'session_activity', expires: 'session_date', class: 'person' },
  { table: 'person_daily', expires: 'day', class: 'person' },
  { table: 'person_activity', expires: 'toDateTime(last_seen)', class: 'person' },
  { table: 'person_products', expires: 'toDateTime(last_bought)', class: 'person' },
  { table: 'person_first_purchase', expires: 'toDateTime(first_purchase.time)', class: 'person' },
  { table: 'store_presence', expires: 'day', class: 'person' },
  { table: 'signals', expires: 'toDateTime(occurred_at)', class: 'person' },
  { table: 'identity_conflicts', expires: 'toDateTime(event_time)', class: 'person' },
  // A person's consent is kept as long as their newest statement is younger than the retention.
  { table: 'person_consent', expires: 'toDateTime(stated_at)', class: 'person' },
  { table: 'store_people_counts', expires: 'toDateTime(event_time)', class: 'aggregate' },
  { table: 'page_load_hourly', expires: 'hour', class: 'aggregate' },
  { table: 'product_hourly', expires: 'hour', class: 'aggregate' },
  { table: 'sales_daily', expires: 'day', class: 'aggregate' },
  { table: 'search_daily', expires: 'day', class: 'aggregate' },
  { table: 'store_footfall_hourly', expires: 'hour', class: 'aggregate' },
  { table: 'store_sales_hourly', expires: 'hour', class: 'aggregate' },
];

/** Tables kept without a TTL, and why: every other table of the database must have a rule. */
export const KEPT_WITHOUT_TTL: Readonly<Record<string, string>> = {
  identities: 'mirrors the compacted identifiers topic',
  person_identifiers: 'mirrors the compacted identifiers topic',
  person_overrides: 'mirrors the compacted merges topic',
  person_merged_from: 'mirrors the compacted merges topic',
  identity_history: 'the identity history: kept for as long as the person exists',
  identity_history_by_person: 'the identity history: kept for as long as the person exists',
  ref_products: 'reference data: replaced by the next load',
  ref_stores: 'reference data: replaced by the next load',
  ref_partner_segments: 'reference data: replaced by the next load',
  ref_area_demographics: 'reference data: replaced by the next load',
  store_visit_rules: 'configuration',
  consent_policy: 'configuration',
  partner_terms: 'configuration',
  schema_migrations: 'the migrations applied',
};

/** Days per class; 0 keeps rows for ever. */
export type RetentionDays = Record<RetentionClass, number>;

export interface RetentionChange {
  table: string;
  /** The TTL as ClickHouse shows it in engine_full, or null for none. */
  from: string | null;
  to: string | null;
  statement: string;
}

const ttlOf = (rule: RetentionRule, days: number): string | null => (days > 0 ? `${rule.expires} + toIntervalDay(${days})` : null);

/** The TTL clause ClickHouse shows in system.tables.engine_full, or null. */
export function currentTtl(engineFull: string): string | null {
  const match = / TTL (.+?)(?: SETTINGS |$)/.exec(engineFull);
  return match ? match[1]!.trim() : null;
}

/**
 * The ALTERs that bring each table's TTL to the configured days; none for a table already there.
 * `engines`: engine_full per table, as system.tables has it. A table missing from it is skipped
 * (not created by this database's migrations).
 */
export function planRetention(engines: ReadonlyMap<string, string>, days: RetentionDays): RetentionChange[] {
  const changes: RetentionChange[] = [];
  for (const rule of RETENTION_RULES) {
    const engine = engines.get(rule.table);
    if (engine === undefined) continue;
    const from = currentTtl(engine);
    const to = ttlOf(rule, days[rule.class]);
    if (from === to) continue;
    const statement = to === null ? `ALTER TABLE ${rule.table} REMOVE TTL` : `ALTER TABLE ${rule.table} MODIFY TTL ${rule.expires} + INTERVAL ${days[rule.class]} DAY`;
    changes.push({ table: rule.table, from, to, statement });
  }
  return changes;
}
