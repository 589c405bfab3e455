/**
 * docs/analysts.md against a database migrated like `cdp`: every example query runs and finds
 * rows in a small fixture, and every table, view and column of the database is documented there
 * with its type. A new table or column without docs, or an example that stopped working, fails.
 * The fixture (fixture.ts) goes through the row functions and the sessionizer aggregation itself
 * uses, from hand-made enriched events, identity records and reference records.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClickHouse, loadMigrations, migrate, type ClickHouse } from '@cdp/plumbing';
import { MIGRATIONS_DIR } from '../src/adapters/clickhouse-sink';
import { fixtureInserts } from './fixture';

const DOC_PATH = join(__dirname, '..', '..', '..', 'docs', 'analysts.md');
const CLICKHOUSE_URL = process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';

// ---------------------------------------------------------------------------------------------
// Reading the doc

/** The ```sql blocks, in order. */
function sqlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sql\n([\s\S]*?)^```$/gm)].map((m) => m[1]!.trim());
}

interface DocumentedObject {
  name: string;
  /** Column -> type as written; '' when a row names several columns at once. */
  columns: Map<string, string>;
  /** "Its other columns are as in `x`": the object whose table covers the rest. */
  inherits: string | undefined;
}

/** The `### \`name\`` sections under "## Tables and views", with their column tables. */
function documentedObjects(markdown: string): DocumentedObject[] {
  const part = markdown.split(/^## /m).find((s) => s.startsWith('Tables and views'));
  if (!part) throw new Error('docs/analysts.md has no "## Tables and views" section');
  return part
    .split(/^### /m)
    .slice(1)
    .map((section) => {
      const name = /^`([a-z0-9_]+)`/.exec(section)?.[1];
      if (!name) throw new Error(`a section under "Tables and views" does not start with a \`name\`: ${section.split('\n')[0]}`);
      const columns = new Map<string, string>();
      for (const line of section.split('\n')) {
        if (!line.startsWith('|')) continue;
        const [first = '', type = ''] = line.split('|').slice(1).map((c) => c.trim());
        const names = [...first.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
        // The header and separator rows name no column in backticks.
        for (const n of names) columns.set(n, names.length === 1 ? type.replace(/`/g, '') : '');
      }
      return { name, columns, inherits: /columns are as in `([a-z0-9_]+)`/.exec(section)?.[1] };
    });
}

// ---------------------------------------------------------------------------------------------

describe('docs/analysts.md', () => {
  const doc = readFileSync(DOC_PATH, 'utf8');
  const database = `test_analysts_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const connection = { url: CLICKHOUSE_URL, database };
  let ch: ClickHouse;

  beforeAll(async () => {
    await migrate(connection, loadMigrations(MIGRATIONS_DIR));
    ch = createClickHouse(connection);
    for (const { table, rows } of fixtureInserts()) {
      // As the sink inserts: one column list, rows as arrays (JSONCompactEachRow).
      const columns = Object.keys(rows[0]!);
      await ch.insert(table, rows.map((r) => columns.map((c) => r[c])), { format: 'JSONCompactEachRow', columns });
    }
  });

  afterAll(async () => {
    await ch?.command('DROP DATABASE IF EXISTS {db:Identifier}', { db: database });
    await ch?.close();
  });

  it('has a section for every table and view, and none for an object that does not exist', async () => {
    const objects = await ch.query<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = {db:String} AND name != 'schema_migrations' AND engine != 'MaterializedView' ORDER BY name",
      { db: database },
    );
    expect(objects.length).toBeGreaterThan(10);
    expect(documentedObjects(doc).map((o) => o.name).sort()).toEqual(objects.map((o) => o.name).sort());
    expect(doc).toMatch(/`schema_migrations` is internal/);
    // The materialized views that keep the derived tables current are named where they are explained.
    const feeders = await ch.query<{ name: string }>("SELECT name FROM system.tables WHERE database = {db:String} AND engine = 'MaterializedView' ORDER BY name", { db: database });
    expect(feeders.length).toBeGreaterThan(0);
    expect(feeders.map((f) => f.name).filter((name) => !doc.includes(`\`${name}\``))).toEqual([]);
  });

  it('documents every column of every table and view with its type, and no column that does not exist', async () => {
    const actual = await ch.query<{ table: string; name: string; type: string }>(
      "SELECT table, name, type FROM system.columns WHERE database = {db:String} AND table NOT IN (SELECT name FROM system.tables WHERE database = {db:String} AND engine = 'MaterializedView') ORDER BY table, position",
      { db: database },
    );
    // A parameterized view has no columns until it is called: describe a call with empty arguments.
    const parameterized = await ch.query<{ name: string; create_table_query: string }>("SELECT name, create_table_query FROM system.tables WHERE database = {db:String} AND engine = 'View' AND match(create_table_query, '\\{\\w+:\\w+\\}')", { db: database });
    for (const view of parameterized) {
      const args = [...new Set([...view.create_table_query.matchAll(/\{(\w+):String\}/g)].map((m) => m[1]!))].map((a) => `${a} = ''`).join(', ');
      const columns = await ch.query<{ name: string; type: string }>(`DESCRIBE TABLE ${view.name}(${args})`);
      actual.push(...columns.map((c) => ({ table: view.name, name: c.name, type: c.type })));
    }
    expect(parameterized.length).toBeGreaterThan(0);
    const documented = new Map(documentedObjects(doc).map((o) => [o.name, o]));
    const problems: string[] = [];
    for (const [name, object] of documented) {
      const columns = actual.filter((c) => c.table === name);
      const inherited = object.inherits ? documented.get(object.inherits)?.columns : undefined;
      if (object.inherits && !inherited) problems.push(`${name}: inherits columns from \`${object.inherits}\`, which has no section`);
      for (const c of columns) {
        const type = object.columns.get(c.name) ?? inherited?.get(c.name);
        if (type === undefined) problems.push(`${name}.${c.name} (${c.type}) is not documented`);
        else if (type !== '' && type !== c.type) problems.push(`${name}.${c.name} is documented as ${type}, but is ${c.type}`);
      }
      if (columns.length === 0) problems.push(`${name} is documented but is no table or view`);
      else for (const column of object.columns.keys()) if (!columns.some((c) => c.name === column)) problems.push(`${name}.${column} is documented but does not exist`);
    }
    expect(problems).toEqual([]);
  });

  it('runs every example query, and each finds rows in the fixture', async () => {
    const blocks = sqlBlocks(doc);
    expect(blocks.length).toBeGreaterThanOrEqual(20);
    const failed: string[] = [];
    const empty: string[] = [];
    for (const [i, sql] of blocks.entries()) {
      const label = `#${i + 1} ${sql.split('\n')[0]}`;
      const code = sql
        .split('\n')
        .filter((l) => !l.trim().startsWith('--'))
        .join('\n');
      // One statement per block, pasted as is: no placeholders, no FORMAT, at most a final `;`.
      if (/;\s*\S/.test(code) || /\{\w+:\w+/.test(code) || /\bFORMAT\b/.test(code)) {
        failed.push(`${label}: not a single plain statement`);
        continue;
      }
      try {
        const rows = await ch.query(sql);
        if (rows.length === 0) empty.push(label);
      } catch (error) {
        failed.push(`${label}: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    expect({ failed, empty }).toEqual({ failed: [], empty: [] });
  });
});
