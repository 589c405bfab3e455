import { currentTtl, planRetention, RETENTION_RULES } from './retention';

const engine = (ttl?: string) => `ReplacingMergeTree PARTITION BY toYYYYMM(event_time) ORDER BY (tenant, toDate(event_time), event_id)${ttl ? ` TTL ${ttl}` : ''} SETTINGS index_granularity = 8192`;

test('reads the TTL clause ClickHouse shows in engine_full', () => {
  expect(currentTtl(engine('toDateTime(event_time) + toIntervalDay(730)'))).toBe('toDateTime(event_time) + toIntervalDay(730)');
  expect(currentTtl(engine())).toBeNull();
  expect(currentTtl('AggregatingMergeTree ORDER BY (tenant, day) TTL day + toIntervalDay(30)')).toBe('day + toIntervalDay(30)');
});

test('changes only the tables whose TTL differs, by class, and removes a TTL for 0 days', () => {
  const engines = new Map([
    ['events_raw', engine('toDateTime(event_time) + toIntervalDay(730)')],
    ['sales_daily', engine()],
    ['person_daily', engine('day + toIntervalDay(30)')],
    ['identities', engine()],
  ]);
  expect(planRetention(engines, { person: 730, aggregate: 1825 })).toEqual([
    { table: 'person_daily', from: 'day + toIntervalDay(30)', to: 'day + toIntervalDay(730)', statement: 'ALTER TABLE person_daily MODIFY TTL day + INTERVAL 730 DAY' },
    { table: 'sales_daily', from: null, to: 'day + toIntervalDay(1825)', statement: 'ALTER TABLE sales_daily MODIFY TTL day + INTERVAL 1825 DAY' },
  ]);
  expect(planRetention(engines, { person: 0, aggregate: 0 }).map((c) => c.statement)).toEqual(['ALTER TABLE events_raw REMOVE TTL', 'ALTER TABLE person_daily REMOVE TTL']);
});

test('every rule names its table once', () => {
  const tables = RETENTION_RULES.map((r) => r.table);
  expect(new Set(tables).size).toBe(tables.length);
});
