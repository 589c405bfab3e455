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
  devices: `SELECT if(is_bot = 1, 'bot', if(device_type = '', 'unknown', device_type)) AS device, count() AS events, uniqExact(anonymous_id) AS visitors
FROM events WHERE tenant = {tenant:String} AND channel IN ('web', 'app') AND event_type IN ('page', 'screen', 'track', 'identify') GROUP BY device ORDER BY events DESC`,
  countries: `SELECT geo_country AS country, uniqExact(anonymous_id) AS visitors FROM events WHERE tenant = {tenant:String} AND channel = 'web' AND geo_country != '' AND is_bot = 0 GROUP BY country ORDER BY visitors DESC, country LIMIT 6`,
  arrivals: `SELECT medium, count() AS visitors FROM
(SELECT anonymous_id, argMin(marketing_medium, event_time) AS medium FROM events WHERE tenant = {tenant:String} AND event_type = 'page' AND is_bot = 0 AND anonymous_id != '' GROUP BY anonymous_id)
GROUP BY medium ORDER BY visitors DESC, medium`,
  segments: `SELECT partner, segment, uniqExact(person_id) AS people,
  round(100 * uniqExact(person_id) / (SELECT uniqExact(person_id) FROM identities WHERE tenant = {tenant:String} AND id_type = 'email_hash'), 1) AS share
FROM person_partner_segments WHERE tenant = {tenant:String} GROUP BY partner, segment ORDER BY people DESC, segment`,
  homeAreas: `SELECT postal_code, any(area_name) AS area, count() AS customers, any(median_income) AS median_income, any(population) AS population,
  round(100 * any(age_shares['65+']), 1) AS over_65, round(100 * any(household_shares['family_with_children']), 1) AS families
FROM person_home_area WHERE tenant = {tenant:String} AND in_demographics GROUP BY postal_code ORDER BY customers DESC, postal_code LIMIT 5`,
  homeAreaCoverage: `SELECT count() AS customers, countIf(in_demographics) AS with_demographics, round(avgIf(median_income, in_demographics)) AS median_income FROM person_home_area WHERE tenant = {tenant:String}`,
  storeSensors: `SELECT store_id, sum(observations) AS wifi_observations, sum(devices) AS wifi_devices, sum(zones) AS zones, sum(people_in) AS people_in FROM
(
  SELECT store_id, count() AS observations, uniqExact(client_mac_hash) AS devices, uniqExact(zone_id) AS zones, 0 AS people_in FROM store_wifi_observations FINAL WHERE tenant = {tenant:String} GROUP BY store_id
  UNION ALL
  SELECT store_id, 0, 0, 0, sum(count_in) FROM store_people_counts FINAL WHERE tenant = {tenant:String} GROUP BY store_id
) GROUP BY store_id ORDER BY store_id`,
  missing: `SELECT dataset, count() AS events FROM (SELECT arrayJoin(enrichment_missing) AS dataset FROM events WHERE tenant = {tenant:String}) GROUP BY dataset ORDER BY dataset`,
  storeKpis: `SELECT t.store_id AS store_id, sum(t.footfall_in) AS footfall, sum(t.visitors) AS visitors, sum(t.passersby) AS passersby,
  round(100 * sum(t.visitors) / greatest(sum(t.visitors) + sum(t.passersby), 1), 1) AS capture_pct, sum(t.receipts) AS receipts,
  round(100 * sum(t.receipts) / greatest(sum(t.visitors), 1), 1) AS conversion_pct, sum(t.revenue_minor) AS revenue_minor,
  any(d.median_dwell) AS median_dwell, any(z.busiest_zone) AS busiest_zone
FROM store_traffic_hourly AS t
LEFT JOIN (SELECT store_id, quantileExact(0.5)(dwell_minutes) AS median_dwell FROM store_visits WHERE tenant = {tenant:String} AND is_visitor = 1 AND day >= today() - 8 GROUP BY store_id) AS d ON t.store_id = d.store_id
LEFT JOIN (SELECT store_id, argMax(zone_id, minutes) AS busiest_zone FROM (SELECT store_id, zone_id, sum(visitor_minutes) AS minutes FROM store_zone_heat WHERE tenant = {tenant:String} AND day >= today() - 8 GROUP BY store_id, zone_id) GROUP BY store_id) AS z ON t.store_id = z.store_id
WHERE t.tenant = {tenant:String} AND t.day >= today() - 8
GROUP BY store_id ORDER BY store_id`,
  funnel: `SELECT marketing_medium AS medium, count() AS sessions, countIf(product_views > 0) AS viewed, countIf(cart_adds > 0) AS carted, countIf(checkouts > 0) AS checkout, countIf(orders > 0) AS ordered
FROM sessions WHERE tenant = {tenant:String} AND session_date >= today() - 8 AND is_bot = 0 AND channel = 'web' AND landing_page != '' GROUP BY medium ORDER BY sessions DESC, medium`,
  zeroSearches: `SELECT query, sum(zero_results) AS zero, sum(searches) AS searches FROM search_daily WHERE tenant = {tenant:String} AND day >= today() - 8 GROUP BY query HAVING zero > 0 ORDER BY zero DESC, query LIMIT 3`,
  signals: `SELECT kind, count() AS signals, uniqExact(person_id) AS people, groupArray(3)(concat(if(store_name != '', store_name, ''), if(store_name != '' AND notEmpty(skus), ': ', ''), arrayStringConcat(arraySlice(skus, 1, 3), ' '))) AS examples
FROM signals FINAL WHERE tenant = {tenant:String} AND fired_at >= now() - INTERVAL 1 DAY GROUP BY kind ORDER BY kind`,
  topCustomers: `SELECT person_id, channels, sessions, store_visits, revenue_minor, favourite_categories FROM customer_profiles WHERE tenant = {tenant:String} ORDER BY revenue_minor DESC, person_id LIMIT 3`,
};

export interface Report {
  byChannel: { channel: string; events: number; people: number }[];
  multiChannel: { multi_channel: number; customers: number; online_and_store: number };
  topProducts: { sku: string; name: string; units: number; revenue: number }[];
  revenue: { online_minor: number; store_minor: number };
  devices: { device: string; events: number; visitors: number }[];
  countries: { country: string; visitors: number }[];
  arrivals: { medium: string; visitors: number }[];
  segments: { partner: string; segment: string; people: number; share: number }[];
  homeAreas: { postal_code: string; area: string; customers: number; median_income: number | null; population: number; over_65: number; families: number }[];
  homeAreaCoverage: { customers: number; with_demographics: number; median_income: number | null };
  storeSensors: { store_id: string; wifi_observations: number; wifi_devices: number; zones: number; people_in: number }[];
  missing: { dataset: string; events: number }[];
  storeKpis: { store_id: string; footfall: number; visitors: number; passersby: number; capture_pct: number; receipts: number; conversion_pct: number; revenue_minor: number; median_dwell: number; busiest_zone: string }[];
  funnel: { medium: string; sessions: number; viewed: number; carted: number; checkout: number; ordered: number }[];
  zeroSearches: { query: string; zero: number; searches: number }[];
  signals: { kind: string; signals: number; people: number; examples: string[] }[];
  topCustomers: { person_id: string; channels: string[]; sessions: number; store_visits: number; revenue_minor: number; favourite_categories: string[] }[];
}

export async function buildReport(ch: ClickHouse, tenant = 'demo'): Promise<Report> {
  const p = { tenant };
  const [byChannel, [multiChannel], topProducts, [revenue], devices, countries, arrivals, segments, homeAreas, [homeAreaCoverage], storeSensors, missing] = await Promise.all([
    ch.query<Report['byChannel'][number]>(REPORT_QUERIES.eventsByChannel, p),
    ch.query<Report['multiChannel']>(REPORT_QUERIES.multiChannel, p),
    ch.query<Report['topProducts'][number]>(REPORT_QUERIES.topProducts, p),
    ch.query<Report['revenue']>(REPORT_QUERIES.revenue, p),
    ch.query<Report['devices'][number]>(REPORT_QUERIES.devices, p),
    ch.query<Report['countries'][number]>(REPORT_QUERIES.countries, p),
    ch.query<Report['arrivals'][number]>(REPORT_QUERIES.arrivals, p),
    ch.query<Report['segments'][number]>(REPORT_QUERIES.segments, p),
    ch.query<Report['homeAreas'][number]>(REPORT_QUERIES.homeAreas, p),
    ch.query<Report['homeAreaCoverage']>(REPORT_QUERIES.homeAreaCoverage, p),
    ch.query<Report['storeSensors'][number]>(REPORT_QUERIES.storeSensors, p),
    ch.query<Report['missing'][number]>(REPORT_QUERIES.missing, p),
  ]);
  const [storeKpis, funnel, zeroSearches, topCustomers, signals] = await Promise.all([
    ch.query<Report['storeKpis'][number]>(REPORT_QUERIES.storeKpis, p),
    ch.query<Report['funnel'][number]>(REPORT_QUERIES.funnel, p),
    ch.query<Report['zeroSearches'][number]>(REPORT_QUERIES.zeroSearches, p),
    ch.query<Report['topCustomers'][number]>(REPORT_QUERIES.topCustomers, p),
    ch.query<Report['signals'][number]>(REPORT_QUERIES.signals, p),
  ]);
  return { byChannel, multiChannel: multiChannel!, topProducts, revenue: revenue!, devices, countries, arrivals, segments, homeAreas, homeAreaCoverage: homeAreaCoverage!, storeSensors, missing, storeKpis, funnel, zeroSearches, topCustomers, signals };
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
  lines.push('', '  Top customers (customer_profiles: one row per person, merges resolved)');
  for (const c of r.topCustomers) lines.push(`    ${c.person_id.padEnd(24)} ${c.channels.join('+').padEnd(15)} ${String(c.sessions).padStart(2)} sessions ${String(c.store_visits).padStart(2)} store days  ${eur(c.revenue_minor).padStart(13)}  likes ${c.favourite_categories.join(', ') || '-'}`);

  lines.push('', '  Stores, last 8 days (store_traffic_hourly: people counters, Wi-Fi visits with hysteresis and a 5-minute dwell, receipts)');
  for (const x of r.storeKpis) {
    lines.push(`    ${x.store_id.padEnd(6)} footfall ${String(x.footfall).padStart(4)}  visitors ${String(x.visitors).padStart(4)}  passers-by ${String(x.passersby).padStart(4)} (capture ${x.capture_pct} %)  receipts ${String(x.receipts).padStart(4)} (conversion ${x.conversion_pct} %)  ${eur(x.revenue_minor).padStart(13)}  median dwell ${x.median_dwell ?? '-'} min, busiest zone ${x.busiest_zone || '-'}`);
  }
  lines.push('', '  Web funnel by arrival medium, last 8 days (sessions -> viewed a product -> carted -> checkout -> ordered)');
  for (const f of r.funnel) lines.push(`    ${(f.medium || '(none)').padEnd(9)} ${String(f.sessions).padStart(4)} -> ${String(f.viewed).padStart(4)} -> ${String(f.carted).padStart(4)} -> ${String(f.checkout).padStart(4)} -> ${String(f.ordered).padStart(4)}`);
  lines.push(`    Searches without results: ${r.zeroSearches.map((z) => `"${z.query}" ${z.zero} of ${z.searches}`).join(', ') || 'none'}`);
  lines.push('', '  Real-time signals fired in the last day (Kafka aggregation.signals.v1, table signals)');
  for (const x of r.signals) lines.push(`    ${x.kind.padEnd(28)} ${String(x.signals).padStart(3)} for ${x.people} people   e.g. ${x.examples.filter(Boolean).join(' | ') || '-'}`);
  if (r.signals.length === 0) lines.push('    none');

  lines.push('', '  What enrichment added');
  lines.push(`    Devices (web and app events): ${r.devices.map((d) => `${d.device} ${d.events}`).join(', ')}`);
  lines.push(`    Visitors by country (truncated IP, DB-IP): ${r.countries.map((c) => `${c.country} ${c.visitors}`).join(', ') || 'none'}`);
  lines.push(`    How visitors arrived (first page, classified medium): ${r.arrivals.map((a) => `${a.medium || '(not classified)'} ${a.visitors}`).join(', ')}`);
  lines.push(`    Partner segments (share of customers known by e-mail): ${r.segments.map((x) => `${x.partner}/${x.segment} ${x.people} (${x.share} %)`).join(', ') || 'none loaded'}`);
  const cov = r.homeAreaCoverage;
  lines.push(`    Home areas: ${cov.with_demographics} of ${cov.customers} customers with a postal code have area demographics; median income of their areas ${cov.median_income ?? '-'} EUR/year on average`);
  for (const a of r.homeAreas) lines.push(`      ${a.postal_code} ${a.area.padEnd(22)} ${String(a.customers).padStart(4)} customers  median income ${a.median_income ?? '-'} EUR  65+ ${a.over_65} %  families ${a.families} %`);
  lines.push('    Store sensors:');
  for (const x of r.storeSensors) lines.push(`      ${x.store_id.padEnd(6)} Wi-Fi ${String(x.wifi_observations).padStart(5)} observations of ${String(x.wifi_devices).padStart(4)} devices in ${x.zones} zones; people counters: ${x.people_in} in`);
  lines.push(`    Went on without reference data (events): ${r.missing.map((m) => `${m.dataset} ${m.events}`).join(', ') || 'none'}`);
  return lines.join('\n');
}

export const NEXT_STEPS = `
Where to look next (paste into a shell; ClickHouse answers on http://127.0.0.1:8123):
  q() { curl -s 'http://127.0.0.1:8123/?database=cdp&default_format=PrettyCompact' --data-binary "$1"; }
  q "SELECT person_id, identifiers, channels, sessions, online_revenue, store_revenue FROM customer_profiles ORDER BY revenue_minor DESC LIMIT 5"
  q "SELECT * FROM customer_profile(tenant = 'demo', person_id = (SELECT person_id FROM customer_profiles ORDER BY revenue_minor DESC LIMIT 1)) FORMAT Vertical"
  q "SELECT store_id, hour, footfall_in, visitors, passersby, capture_rate, receipts, conversion FROM store_traffic_hourly WHERE visitors > 0 ORDER BY hour DESC LIMIT 10"
  q "SELECT store_id, day, visitor, dwell_minutes, zone_path FROM store_visits WHERE is_visitor = 1 ORDER BY started_at DESC LIMIT 10"
  q "SELECT fired_at, kind, person_id, store_name, skus, segments, value_minor, source_event_ids FROM signals FINAL ORDER BY fired_at DESC LIMIT 10"
  q "SELECT session_date, marketing_medium, count() AS sessions, countIf(cart_adds > 0) AS carted, countIf(orders > 0) AS ordered FROM sessions WHERE is_bot = 0 GROUP BY ALL ORDER BY ALL"
  q "SELECT event_time, channel, event_type, event_name, page_path, browser FROM events WHERE person_id = (SELECT person_id FROM customer_profiles WHERE length(channels) = 3 LIMIT 1) ORDER BY event_time"
  q "SELECT toDate(event_time) AS day, channel, count() FROM events GROUP BY day, channel ORDER BY day, channel"
  q "SELECT old_person_id, person_id, cause_event_id FROM person_overrides LIMIT 5"
  q "SELECT event_id, device_type, is_bot, geo_country, geo_city, marketing_medium, campaign_name, enrichment_sources FROM events WHERE channel = 'web' ORDER BY event_time DESC LIMIT 5"
  q "SELECT store_id, zone_id, toStartOfHour(store_local_time) AS local_hour, count() AS observations, uniqExact(client_mac_hash) AS devices FROM store_wifi_observations FINAL GROUP BY ALL ORDER BY local_hour DESC LIMIT 10"
  q "SELECT person_id, partner, segment FROM person_partner_segments LIMIT 5"; q "SELECT person_id, postal_code, area_name, median_income FROM person_home_area LIMIT 5"
Reference data: pnpm load <catalogue|stores|segments|demographics> FILE, or PUT http://127.0.0.1:8090/v1/datasets/<dataset> with a loader key (services/loader/README.md).
Logs and pids: .stack/logs, .stack/run. Metrics: http://127.0.0.1:8080/metrics, :9101, :9102, :9103, :9104, :9105, :9106 /metrics.
The stack and the seven services keep running: \`pnpm status\` shows them, \`pnpm stop\` stops them all.`;
