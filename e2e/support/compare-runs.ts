/**
 * Two runs of the same events compared table by table (the durability test): every table of a
 * ClickHouse database as rows that do not depend on how the rows were split into inserts and
 * parts, with the columns that record when a run processed something left out.
 */
import type { ClickHouse } from '@cdp/plumbing';

/** Columns whose values are times or positions of this run's processing, not of the events: left out, each for the reason given. */
export const VARYING: Record<string, string> = {
  ingested_at: 'when aggregation wrote the row',
  received_time: 'when ingest accepted the event (a retried batch is received later)',
  updated_at: 'when the graph writer published the assignment (identities, person_identifiers), or when the migration ran (store_visit_rules)',
  merged_at: 'when the graph writer applied the merge',
  applied_at: 'when the graph writer applied the link',
  history_offset: 'offset in identity.history.v2: links of different keys interleave there in arrival order',
  detected_at: 'when the graph writer refused the link',
  fired_at: 'when the signals processor fired',
  loaded_at: "the Kafka timestamp of each run's own load of the reference data",
};
/** Tables that hold the graph writer's person ids, compared as they are; elsewhere person_id is the person at ingest. */
export const GRAPH_TABLES = new Set(['identities', 'person_overrides', 'person_identifiers', 'person_merged_from', 'identity_history', 'identity_history_by_person', 'identity_conflicts']);
/** A person at ingest resolved to the surviving person, through the run's own merges. */
const SURVIVORS = `(SELECT (groupArray(old), groupArray(survivor)) FROM (SELECT old_person_id AS old, argMax(person_id, merged_at) AS survivor FROM person_overrides GROUP BY old UNION ALL SELECT '', ''))`;
const survivor = (expr: string) => `transform(${expr}, survivors.1, survivors.2, ${expr})`;

export interface TableInfo {
  name: string;
  engine: string;
  sortingKey: string;
  columns: { name: string; type: string }[];
}

export async function tablesOf(ch: ClickHouse): Promise<TableInfo[]> {
  const tables = await ch.query<{ name: string; engine: string; sorting_key: string }>(
    "SELECT name, engine, sorting_key FROM system.tables WHERE database = currentDatabase() AND engine NOT IN ('View', 'MaterializedView') AND name != 'schema_migrations' ORDER BY name",
  );
  const columns = await ch.query<{ table: string; name: string; type: string }>('SELECT table, name, type FROM system.columns WHERE database = currentDatabase() ORDER BY table, position');
  return tables.map((t) => ({ name: t.name, engine: t.engine, sortingKey: t.sorting_key, columns: columns.filter((c) => c.table === t.name).map(({ name, type }) => ({ name, type })) }));
}

/** The function of an AggregateFunction(...) type with its parameters: "quantiles(0.5, 0.9)". */
function aggregateFunctionOf(type: string): string {
  const inner = type.slice('AggregateFunction('.length, -1);
  let depth = 0;
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === '(') depth++;
    else if (inner[i] === ')') depth--;
    else if (inner[i] === ',' && depth === 0) return inner.slice(0, i).trim();
  }
  return inner.trim();
}

/**
 * One table as comparable rows: ReplacingMergeTree as FINAL; Aggregating and Summing trees merged
 * by their sorting key (-Merge of every state, the simple function again, sums), so that how the
 * rows were split into inserts and parts does not matter but every count does. Persons at ingest
 * resolved to the survivor (grouped by it where they are keys); VARYING columns left out.
 */
export function projection(t: TableInfo): { sql: string; columns: string[] } {
  const mapped = (name: string, expr: string) => (name === 'person_id' && !GRAPH_TABLES.has(t.name) ? survivor(expr) : expr);
  const kept = t.columns.filter((c) => !(c.name in VARYING));
  const q = (name: string) => `\`${name}\``;
  if (t.engine === 'AggregatingMergeTree' || t.engine === 'SummingMergeTree') {
    const keys = t.sortingKey.split(',').map((k) => k.trim());
    const byName = new Map(t.columns.map((c) => [c.name, c]));
    if (keys.some((k) => !byName.has(k))) throw new Error(`${t.name}: a sorting key that is not a column (${t.sortingKey})`);
    const exprs = kept.map((c) => {
      if (keys.includes(c.name)) return mapped(c.name, q(c.name));
      const simple = /^SimpleAggregateFunction\((\w+),/.exec(c.type);
      if (simple) return mapped(c.name, simple[1] === 'groupUniqArrayArray' ? `arraySort(groupUniqArrayArray(${q(c.name)}))` : `${simple[1]}(${q(c.name)})`);
      if (c.type.startsWith('AggregateFunction(')) {
        const [, fn, params] = /^(\w+)(\(.*\))?$/.exec(aggregateFunctionOf(c.type))!;
        return mapped(c.name, `${fn}Merge${params ?? ''}(${q(c.name)})`);
      }
      return /^(U?Int|Float|Decimal)/.test(c.type) ? `sum(${q(c.name)})` : `any(${q(c.name)})`;
    });
    const groupBy = keys.map((k) => mapped(k, q(k)));
    // SummingMergeTree deletes a row whose sums are all 0 when it merges it: whether such a row is
    // still there depends on merge timing, not on the data, so neither run's is compared.
    const sums = t.engine === 'SummingMergeTree' ? kept.filter((c) => !keys.includes(c.name) && /^(U?Int|Float|Decimal)/.test(c.type)).map((c) => `sum(${q(c.name)}) != 0`) : [];
    const having = sums.length > 0 ? ` HAVING ${sums.join(' OR ')}` : '';
    return { sql: `WITH ${SURVIVORS} AS survivors SELECT toString(tuple(${exprs.join(', ')})) AS row FROM ${q(t.name)} GROUP BY ${groupBy.join(', ')}${having}`, columns: kept.map((c) => c.name) };
  }
  const final = t.engine.startsWith('Replacing') ? ' FINAL' : '';
  return { sql: `WITH ${SURVIVORS} AS survivors SELECT toString(tuple(${kept.map((c) => mapped(c.name, q(c.name))).join(', ')})) AS row FROM ${q(t.name)}${final}`, columns: kept.map((c) => c.name) };
}

export async function snapshot(ch: ClickHouse, t: TableInfo): Promise<string[]> {
  return (await ch.query<{ row: string }>(projection(t).sql)).map((r) => r.row).sort();
}

/** Rows of one side missing from the other, as a multiset: a doubled row counts. */
export function missingFrom(rows: string[], other: string[]): string[] {
  const left = new Map<string, number>();
  for (const r of other) left.set(r, (left.get(r) ?? 0) + 1);
  return rows.filter((r) => {
    const n = left.get(r) ?? 0;
    if (n > 0) left.set(r, n - 1);
    return n === 0;
  });
}
