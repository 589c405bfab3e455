import { createClickHouse, toDateTime64 } from '../src/clickhouse';
import { migrate, parseMigration } from '../src/migrations';
import { LOCAL, unique } from './helpers';

const HOSTILE = [
  "it's",
  'say "hi"',
  'back\\slash \\\' \\n literally',
  'nul\u0000inside',
  "'; DROP TABLE rows; --",
  '"); DROP DATABASE default; --',
  '{s:String}',
  'tab\there\nnewline\r\n',
  'Hyvää päivää, Åland — ⚡ 🛒 日本語',
  '\u2028\u2029 line separators',
  '',
  ' '.repeat(3),
  'x'.repeat(10_000),
];

describe('ClickHouse through query parameters', () => {
  const database = unique('test_ch');
  const connection = { url: LOCAL.clickhouseUrl, database };
  let ch: ReturnType<typeof createClickHouse>;

  beforeAll(async () => {
    await migrate(connection, [
      parseMigration(
        '0001_rows.sql',
        `CREATE TABLE IF NOT EXISTS rows (id UInt32, s String, attrs Map(String, String), at DateTime64(3, 'UTC'))
         ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 1000;`,
      ),
    ]);
    ch = createClickHouse(connection);
  });

  afterAll(async () => {
    await ch.command('DROP DATABASE IF EXISTS {db:Identifier}', { db: database });
    await ch.close();
  });

  it('round-trips hostile strings byte for byte, in values, maps and parameters', async () => {
    const at = 1_763_900_000_123;
    await ch.insert('rows', HOSTILE.map((s, id) => ({ id, s, attrs: { [s]: s }, at: toDateTime64(at) })));

    const rows = await ch.query<{ id: number; s: string; attrs: Record<string, string>; ms: string }>(
      'SELECT id, s, attrs, toUnixTimestamp64Milli(at) AS ms FROM rows ORDER BY id',
    );
    expect(rows.map((r) => r.s)).toEqual(HOSTILE);
    expect(rows.map((r) => r.attrs)).toEqual(HOSTILE.map((s) => ({ [s]: s })));
    expect(rows.every((r) => Number(r.ms) === at)).toBe(true);

    for (const [id, s] of HOSTILE.entries()) {
      // The value travels as a parameter: found by equality, echoed back unchanged.
      const found = await ch.query<{ id: number; echo: string }>('SELECT id, {s:String} AS echo FROM rows WHERE s = {s:String}', { s });
      expect(found).toEqual([{ id, echo: s }]);
    }
    // Nothing in those strings ran as SQL.
    expect(await ch.query<{ n: number }>('SELECT count() AS n FROM rows')).toEqual([{ n: HOSTILE.length }]);
    expect(Buffer.from(rows[3]!.s, 'utf8')).toEqual(Buffer.from('nul\u0000inside', 'utf8'));
  });

  it('stores one copy when the same insert is repeated with one deduplication token', async () => {
    const rows = [{ id: 1000, s: 'dedup', attrs: {}, at: toDateTime64(Date.now()) }];
    for (let i = 0; i < 3; i++) await ch.insert('rows', rows, { dedupToken: 'batch-topic-0-42' });
    await ch.insert('rows', rows, { dedupToken: 'batch-topic-0-43' });
    expect(await ch.query<{ n: number }>("SELECT count() AS n FROM rows WHERE s = 'dedup'")).toEqual([{ n: 2 }]);
  });

  it('names the column when an insert does not fit the table', async () => {
    await expect(ch.insert('rows', [{ id: 1, s: 'x', attrs: {}, at: 0, not_a_column: 1 }])).rejects.toThrow(/not_a_column/);
  });
});

describe('migration runner', () => {
  const database = unique('test_mig');
  const connection = { url: LOCAL.clickhouseUrl, database };
  const m1 = parseMigration('0001_events.sql', "CREATE TABLE IF NOT EXISTS events (id String) ENGINE = MergeTree ORDER BY id;\nCREATE VIEW IF NOT EXISTS event_count AS SELECT count() AS n FROM events;");
  const m2 = parseMigration('0002_add_source.sql', "ALTER TABLE events ADD COLUMN IF NOT EXISTS source LowCardinality(String) DEFAULT '';");

  afterAll(async () => {
    const ch = createClickHouse({ url: LOCAL.clickhouseUrl });
    await ch.command('DROP DATABASE IF EXISTS {db:Identifier}', { db: database });
    await ch.close();
  });

  it('applies pending migrations once, in order, and nothing on a second run', async () => {
    expect(await migrate(connection, [m1])).toEqual({ database, applied: ['0001_events'], alreadyApplied: 0 });
    expect(await migrate(connection, [m1, m2])).toEqual({ database, applied: ['0002_add_source'], alreadyApplied: 1 });
    expect(await migrate(connection, [m1, m2])).toEqual({ database, applied: [], alreadyApplied: 2 });
    const ch = createClickHouse(connection);
    const columns = await ch.query<{ name: string }>('SELECT name FROM system.columns WHERE database = {db:String} AND table = {t:String} ORDER BY position', { db: database, t: 'events' });
    expect(columns.map((c) => c.name)).toEqual(['id', 'source']);
    await ch.close();
  });

  it('refuses to run when an applied migration was edited', async () => {
    const edited = parseMigration('0001_events.sql', 'CREATE TABLE IF NOT EXISTS events (id String, x UInt8) ENGINE = MergeTree ORDER BY id;');
    await expect(migrate(connection, [edited, m2])).rejects.toThrow(/0001_events changed after it was applied/);
  });
});
