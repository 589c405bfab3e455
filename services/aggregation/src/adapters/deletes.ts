/** Runs delete statements in order: each counted first, and run only when it would delete a row. */
import type { ClickHouse, Counter } from '@cdp/plumbing';
import type { DeleteStatement } from '../core/deletes';

/** The rows deleted in all; `deleted` counts them per table. */
export async function runDeletes(ch: ClickHouse, statements: readonly DeleteStatement[], params: Record<string, unknown>, deleted: Counter<'table'>): Promise<number> {
  let total = 0;
  for (const s of statements) {
    const [row] = await ch.query<{ n: string }>(s.count, params);
    const n = Number(row?.n ?? 0);
    if (n === 0) continue;
    await ch.command(s.remove, params);
    deleted.inc({ table: s.table }, n);
    total += n;
  }
  return total;
}
