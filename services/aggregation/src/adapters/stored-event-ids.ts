/**
 * What ClickHouse already holds, for the event-id gate: the ids stored lately (loaded at start)
 * and whether particular ids are stored (the rows the gate cannot decide alone).
 */
import type { ClickHouse } from '@cdp/plumbing';
import { keyOf, type GateRow } from '../core/event-id-gate';

/** Tables whose rows are events with ids of their own; one id space per tenant across them. */
export const GATED_TABLES = ['events_raw', 'store_wifi_observations', 'store_people_counts'] as const;

const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Ids of `rows` already stored. A copy's corrected event time lies within a day of the first
 * copy's, so each lookup reads the sort key's (tenant, day) ranges around the asked rows only.
 */
export async function storedIds(ch: ClickHouse, rows: readonly GateRow[]): Promise<Set<string>> {
  const byTenant = new Map<string, { ids: string[]; from: number; to: number }>();
  for (const r of rows) {
    const t = byTenant.get(r.tenant) ?? { ids: [], from: Infinity, to: -Infinity };
    t.ids.push(r.eventId);
    t.from = Math.min(t.from, r.eventTime - DAY);
    t.to = Math.max(t.to, r.eventTime + DAY);
    byTenant.set(r.tenant, t);
  }
  const found = new Set<string>();
  for (const [tenant, t] of byTenant) {
    const union = GATED_TABLES.map(
      (table) => `SELECT event_id FROM ${table} WHERE tenant = {tenant:String} AND toDate(event_time) BETWEEN {from:Date} AND {to:Date} AND event_id IN {ids:Array(String)}`,
    ).join(' UNION ALL ');
    const hits = await ch.query<{ event_id: string }>(union, { tenant, from: isoDay(t.from), to: isoDay(t.to), ids: t.ids });
    for (const h of hits) found.add(keyOf(tenant, h.event_id));
  }
  return found;
}

/**
 * The ids stored with an event time after `since`, newest first, at most `limit`, and the event
 * time a gate filled with them is complete after (older events are asked about).
 */
export async function loadRecentIds(ch: ClickHouse, since: number, limit: number): Promise<{ rows: GateRow[]; completeAfter: number }> {
  const union = GATED_TABLES.map(
    (table) =>
      `SELECT tenant, event_id, toUnixTimestamp64Milli(event_time) AS t, toUnixTimestamp64Milli(received_time) AS r FROM ${table} WHERE event_time > fromUnixTimestamp64Milli({since:Int64})`,
  ).join(' UNION ALL ');
  const found = await ch.query<{ tenant: string; event_id: string; t: number; r: number }>(`SELECT * FROM (${union}) ORDER BY t DESC LIMIT {limit:UInt64}`, { since, limit });
  const rows = found.map((f) => ({ tenant: f.tenant, eventId: f.event_id, eventTime: Number(f.t), receivedTime: Number(f.r) }));
  // Cut short by the limit: complete only after the oldest event time loaded.
  const completeAfter = rows.length >= limit && rows.length > 0 ? rows[rows.length - 1]!.eventTime : since;
  return { rows, completeAfter };
}
