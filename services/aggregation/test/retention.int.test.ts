/**
 * Retention on a migrated database: every table either has a rule or is named as kept without a
 * TTL; the TTLs land as configured and a second start changes nothing; rows past the person
 * retention leave the person tables while the person-free aggregates keep them until theirs.
 */
import { randomBytes } from 'node:crypto';
import { createClickHouse, createLogger, type ClickHouse } from '@cdp/plumbing';
import { applyRetention, migrateDatabase } from '../src/adapters/clickhouse-sink';
import { KEPT_WITHOUT_TTL, RETENTION_RULES, currentTtl } from '../src/core/retention';

const database = `retention_${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const connection = { url: process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123', database };
const logger = createLogger('retention-test', 'warn');
let ch: ClickHouse;

beforeAll(async () => {
  const admin = createClickHouse({ url: connection.url });
  await admin.command(`CREATE DATABASE ${database}`);
  await admin.close();
  await migrateDatabase(connection, logger);
  ch = createClickHouse(connection);
}, 120_000);

afterAll(async () => {
  await ch?.command(`DROP DATABASE IF EXISTS ${database}`);
  await ch?.close();
});

const engines = async () =>
  new Map((await ch.query<{ name: string; engine_full: string }>("SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree'")).map((t) => [t.name, t.engine_full]));

test('every table of the database has a retention rule or a reason to keep its rows', async () => {
  const tables = [...(await engines()).keys()].sort();
  const classified = new Set([...RETENTION_RULES.map((r) => r.table), ...Object.keys(KEPT_WITHOUT_TTL)]);
  expect(tables.filter((t) => !classified.has(t))).toEqual([]);
  expect([...classified].filter((t) => !tables.includes(t))).toEqual([]);
});

test('the TTLs land as configured, a second start changes nothing, 0 removes them', async () => {
  const changes = await applyRetention(connection, { person: 30, aggregate: 60 }, logger);
  expect(changes.map((c) => c.table).sort()).toEqual(RETENTION_RULES.map((r) => r.table).sort());
  const after = await engines();
  for (const rule of RETENTION_RULES) expect(currentTtl(after.get(rule.table)!)).toBe(`${rule.expires} + toIntervalDay(${rule.class === 'person' ? 30 : 60})`);
  for (const table of Object.keys(KEPT_WITHOUT_TTL)) expect(currentTtl(after.get(table)!)).toBeNull();
  expect(await applyRetention(connection, { person: 30, aggregate: 60 }, logger)).toEqual([]);

  expect((await applyRetention(connection, { person: 0, aggregate: 60 }, logger)).map((c) => c.to)).toEqual(RETENTION_RULES.filter((r) => r.class === 'person').map(() => null));
  expect(currentTtl((await engines()).get('events_raw')!)).toBeNull();
  expect(await applyRetention(connection, { person: 30, aggregate: 60 }, logger)).toHaveLength(RETENTION_RULES.filter((r) => r.class === 'person').length);
});

test('rows past the person retention leave the person tables; person-free aggregates keep them until theirs', async () => {
  // Rows stored while nothing expired (else ClickHouse may drop a wholly expired part on its own),
  // then the retention shortened, as on a database that already holds data.
  await applyRetention(connection, { person: 0, aggregate: 0 }, logger);
  const DAY = 86_400_000;
  const now = Date.now();
  // An online order each: 40 days ago (past the person retention, within the aggregates'), 70 days
  // ago (past both), and today.
  const orders = [
    { person: 'p-40', at: now - 40 * DAY },
    { person: 'p-70', at: now - 70 * DAY },
    { person: 'p-now', at: now },
  ];
  const rows = orders.map((o, i) => ({
    tenant: 'demo', event_id: `e${i}`, event_time: o.at / 1000, received_time: o.at / 1000, ingested_at: now / 1000, channel: 'web', source: 'web-shop', event_type: 'track',
    event_name: 'Order Completed', person_id: o.person, anonymous_id: `a-${o.person}`, session_id: `s-${o.person}`, session_started_at: o.at / 1000, currency: 'EUR', revenue_minor: 1000,
    page_path: '/checkout', order_id: `o${i}`,
  }));
  await ch.insert('events_raw', rows);
  const count = (table: string, where = '1') => ch.query<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE ${where}`).then((r) => Number(r[0]!.n));
  expect(await count('person_activity', "person_id IN ('p-40', 'p-70', 'p-now')")).toBe(3);
  expect(await count('sales_daily')).toBe(3);

  await applyRetention(connection, { person: 30, aggregate: 60 }, logger);
  // The TTL's materialization runs in the background; then a merge applies it (the test does not
  // wait for one to come by itself).
  for (let i = 0; i < 300 && (await count('system.mutations', 'database = currentDatabase() AND is_done = 0')) > 0; i++) await new Promise((r) => setTimeout(r, 100));
  for (const rule of RETENTION_RULES) await ch.command(`OPTIMIZE TABLE ${rule.table} FINAL`);
  expect(await ch.query<{ person_id: string }>('SELECT person_id FROM events_raw ORDER BY person_id')).toEqual([{ person_id: 'p-now' }]);
  // session_activity keeps its person in an aggregate state: found by session id there.
  for (const [table, column, prefix] of [['person_activity', 'person_id', ''], ['person_timeline', 'person_id', ''], ['person_daily', 'person_id', ''], ['session_activity', 'session_id', 's-']]) {
    const old = await count(table!, `${column} IN ('${prefix}p-40', '${prefix}p-70')`);
    expect({ table, old, today: await count(table!, `${column} = '${prefix}p-now'`) }).toEqual({ table, old: 0, today: 1 });
  }
  const days = await ch.query<{ day: string }>('SELECT toString(day) AS day FROM sales_daily ORDER BY day');
  const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  expect(days.map((d) => d.day)).toEqual([isoDay(now - 40 * DAY), isoDay(now)]);
});
