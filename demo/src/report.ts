/** The demo's closing report: every figure is a ClickHouse query over the analyst views. */
import type { ClickHouse } from '@cdp/plumbing';

export const REPORT_QUERIES = {
  eventsByChannel: `SELECT channel, count() AS events, uniqExact(person_id) AS people FROM events WHERE tenant = {tenant:String} GROUP BY channel ORDER BY events DESC`,
  multiChannel: `SELECT countIf(length(channels) > 1) AS multi_channel, count() AS customers, countIf(has(channels, 'store') AND (has(channels, 'web') OR has(channels, 'app'))) AS online_and_store FROM customer_profiles WHERE tenant = {tenant:String}`,
  topProducts: `SELECT sku, any(name) AS name, sum(quantity) AS units, sum(total_minor) / 100 AS revenue
FROM events ARRAY JOIN items.sku AS sku, items.product_name AS name, items.quantity AS quantity, items.total_minor AS total_minor
WHERE tenant = {tenant:String} AND (event_type = 'pos_transaction' OR event_name = 'Order Completed')
GROUP BY sku ORDER BY units DESC, sku LIMIT 5`,
  revenue: `SELECT sumIf(revenue_minor, event_type = 'track' AND event_name = 'Order Completed') AS online_minor, sumIf(revenue_minor, event_type = 'pos_transaction') AS store_minor FROM events WHERE tenant = {tenant:String}`,
};

export interface Report {
  byChannel: { channel: string; events: number; people: number }[];
  multiChannel: { multi_channel: number; customers: number; online_and_store: number };
  topProducts: { sku: string; name: string; units: number; revenue: number }[];
  revenue: { online_minor: number; store_minor: number };
}

export async function buildReport(ch: ClickHouse, tenant = 'demo'): Promise<Report> {
  const p = { tenant };
  const [byChannel, [multiChannel], topProducts, [revenue]] = await Promise.all([
    ch.query<Report['byChannel'][number]>(REPORT_QUERIES.eventsByChannel, p),
    ch.query<Report['multiChannel']>(REPORT_QUERIES.multiChannel, p),
    ch.query<Report['topProducts'][number]>(REPORT_QUERIES.topProducts, p),
    ch.query<Report['revenue']>(REPORT_QUERIES.revenue, p),
  ]);
  return { byChannel, multiChannel: multiChannel!, topProducts, revenue: revenue! };
}

const eur = (minor: number) => `${(minor / 100).toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} EUR`;

export function formatReport(r: Report): string {
  const lines = ['', 'Report (from ClickHouse, database cdp, tenant demo)', ''];
  lines.push('  Events by channel');
  for (const c of r.byChannel) lines.push(`    ${c.channel.padEnd(6)} ${String(c.events).padStart(7)} events  ${String(c.people).padStart(5)} people`);
  lines.push('', `  Customers: ${r.multiChannel.customers}, seen in more than one channel: ${r.multiChannel.multi_channel} (online and in store: ${r.multiChannel.online_and_store})`);
  lines.push('', '  Top products (units sold online and in store)');
  for (const p of r.topProducts) lines.push(`    ${p.sku.padEnd(12)} ${(p.name || '(not in catalogue)').padEnd(24)} ${String(p.units).padStart(5)} units  ${eur(Math.round(p.revenue * 100)).padStart(14)}`);
  const total = r.revenue.online_minor + r.revenue.store_minor;
  const share = total > 0 ? Math.round((100 * r.revenue.online_minor) / total) : 0;
  lines.push('', `  Revenue online ${eur(r.revenue.online_minor)}, in store ${eur(r.revenue.store_minor)} (digital share ${share} %)`);
  return lines.join('\n');
}

export const NEXT_STEPS = `
Where to look next (paste into a shell; ClickHouse answers on http://127.0.0.1:8123):
  q() { curl -s 'http://127.0.0.1:8123/?database=cdp&default_format=PrettyCompact' --data-binary "$1"; }
  q "SELECT person_id, identifiers, channels, online_revenue, store_revenue FROM customer_profiles ORDER BY online_revenue + store_revenue DESC LIMIT 5"
  q "SELECT event_time, channel, event_type, event_name, page_path, browser FROM events WHERE person_id = (SELECT person_id FROM customer_profiles WHERE length(channels) = 3 LIMIT 1) ORDER BY event_time"
  q "SELECT toDate(event_time) AS day, channel, count() FROM events GROUP BY day, channel ORDER BY day, channel"
  q "SELECT old_person_id, person_id, cause_event_id FROM person_overrides LIMIT 5"
Logs and pids: .stack/logs, .stack/run. Metrics: http://127.0.0.1:8080/metrics, :9101, :9102, :9103 /metrics.
The stack and the four services keep running: \`pnpm status\` shows them, \`pnpm stop\` stops them all.`;
