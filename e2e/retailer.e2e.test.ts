/**
 * The demo's simulated retailer through the whole pipeline (the four services as processes, the
 * reference data through the loader), and the derived views held against what the simulator
 * knows really happened (demo/src/truth.ts): revenue and receipts exact, sessions and the funnel
 * exact, each store's visitors per hour within 5 % of the truth, and no passer-by counted as a
 * visitor.
 */
import { randomBytes } from 'node:crypto';
import { allTopics, createClickHouse, DEVELOPMENT_SALT, hashMac, type ClickHouse } from '@cdp/plumbing';
import { prepareTopics } from '@cdp/infra/src/testing/topics';
import { createTestPipeline, removeTestRun, type TestPipeline } from '@cdp/infra/src/testing/pipeline';
import { simulateLive, simulateRetailer, type SimulationResult } from '../demo/src/simulator';
import { loadReferenceData, untilLanded } from './support/simulated-retailer';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const prefix = `e2e-rt-${run}.`;
const database = `e2e_rt_${run}`;
const CUSTOMERS = 150;

let pipeline: TestPipeline;
let ch: ClickHouse;
let result: SimulationResult;

beforeAll(async () => {
  await prepareTopics(allTopics(prefix));
  ch = createClickHouse({ url: process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123', database });
  pipeline = await createTestPipeline({ prefix, database, groupSuffix: run });
  const reference = await loadReferenceData(prefix);
  for (const service of ['aggregation', 'enrichment', 'identity', 'ingest'] as const) await pipeline.start(service);
  const options = { ingestUrl: pipeline.ingestUrl, customers: CUSTOMERS, seed: 7, runId: `rt${run}`, ...reference };
  result = await simulateRetailer(options);
  const landedAll = () => untilLanded(ch, pipeline, result.eventIds.size);
  await landedAll();
  // The last 40 minutes, live, once the history is in.
  await simulateLive(options, result);
  expect(result.failed).toBe(0);
  await landedAll();
}, 400_000);

afterAll(async () => {
  await removeTestRun({ pipeline, ch, database, prefix });
}, 60_000);

test('revenue online and in store, and every store hour\'s receipts, are exact', async () => {
  const [sales] = await ch.query<{ online: number; store: number }>(
    "SELECT sumIf(revenue_minor, channel IN ('web', 'app')) AS online, sumIf(revenue_minor, channel = 'store') AS store FROM sales_daily WHERE tenant = 'demo'",
  );
  expect({ online: Number(sales!.online), store: Number(sales!.store) }).toEqual({ online: result.onlineRevenueMinor, store: result.storeRevenueMinor });
  const [profiles] = await ch.query<{ revenue: number }>("SELECT sum(revenue_minor) AS revenue FROM customer_profiles WHERE tenant = 'demo'");
  // Receipts without a loyalty card belong to no person; the profiles hold the rest.
  expect(Number(profiles!.revenue)).toBeLessThanOrEqual(result.onlineRevenueMinor + result.storeRevenueMinor);

  const rows = await ch.query<{ store_id: string; hour: string; receipts: number }>(
    "SELECT store_id, formatDateTime(hour, '%Y-%m-%d %H:00') AS hour, receipts FROM store_traffic_hourly WHERE tenant = 'demo' AND receipts > 0",
  );
  const measured = Object.fromEntries(rows.map((r) => [`${r.store_id} ${r.hour}`, Number(r.receipts)]));
  const expected = Object.fromEntries([...result.truth.stores].flatMap(([store, hours]) => [...hours].filter(([, h]) => h.receipts > 0).map(([hour, h]) => [`${store} ${hour}`, h.receipts])));
  expect(Object.keys(expected).length).toBeGreaterThan(5);
  expect(measured).toEqual(expected);
});

test('sessions and the campaign funnel are exact', async () => {
  const [total] = await ch.query<{ n: number }>("SELECT count() AS n FROM sessions WHERE tenant = 'demo' AND is_bot = 0");
  expect(Number(total!.n)).toBe(result.truth.sessions);
  const funnel = await ch.query<{ medium: string; sessions: number; viewed: number; carted: number; checked_out: number; ordered: number; revenue: number }>(
    `SELECT marketing_medium AS medium, count() AS sessions, countIf(product_views > 0) AS viewed, countIf(cart_adds > 0) AS carted,
            countIf(checkouts > 0) AS checked_out, countIf(orders > 0) AS ordered, sum(revenue_minor) AS revenue
     FROM sessions WHERE tenant = 'demo' AND is_bot = 0 AND channel = 'web' AND landing_page != '' GROUP BY medium`,
  );
  const measured = Object.fromEntries(funnel.map((f) => [f.medium, { sessions: Number(f.sessions), viewed: Number(f.viewed), carted: Number(f.carted), checkedOut: Number(f.checked_out), ordered: Number(f.ordered), revenueMinor: Number(f.revenue) }]));
  expect(measured).toEqual(result.truth.funnel);
  expect(Object.values(result.truth.funnel).some((f) => f.carted > f.ordered)).toBe(true);

  const [searches] = await ch.query<{ n: number; zero: number }>("SELECT sum(searches) AS n, sum(zero_results) AS zero FROM search_daily WHERE tenant = 'demo'");
  expect({ searches: Number(searches!.n), zero: Number(searches!.zero) }).toEqual({ searches: result.truth.searches, zero: result.truth.zeroResultSearches });
  expect(result.truth.zeroResultSearches).toBeGreaterThan(0);
});

test('each store\'s visitors per hour are within 5 % of the truth, footfall is the people who came in, and no passer-by is a visitor', async () => {
  const rows = await ch.query<{ store_id: string; hour: string; visitors: number; footfall_in: number }>(
    "SELECT store_id, formatDateTime(hour, '%Y-%m-%d %H:00') AS hour, visitors, footfall_in FROM store_traffic_hourly WHERE tenant = 'demo'",
  );
  const byKey = new Map(rows.map((r) => [`${r.store_id} ${r.hour}`, r]));
  const off: string[] = [];
  let truthVisitors = 0;
  for (const [store, hours] of result.truth.stores) {
    for (const [hour, h] of hours) {
      truthVisitors += h.visitors;
      const measured = byKey.get(`${store} ${hour}`);
      if (Math.abs(Number(measured?.visitors ?? 0) - h.visitors) > 0.05 * h.visitors) off.push(`${store} ${hour}: ${measured?.visitors ?? 0} visitors, truth ${h.visitors}`);
      if (Number(measured?.footfall_in ?? 0) !== h.footfallIn) off.push(`${store} ${hour}: footfall ${measured?.footfall_in ?? 0}, truth ${h.footfallIn}`);
    }
  }
  expect(truthVisitors).toBeGreaterThan(20);
  expect(off).toEqual([]);
  // Hours without any visitor in the truth have none in the view either.
  const phantom = rows.filter((r) => Number(r.visitors) > 0 && !result.truth.stores.get(r.store_id)?.get(r.hour)?.visitors);
  expect(phantom).toEqual([]);

  const passersby = [...result.truth.passerbyMacs].map((m) => `wifi:${hashMac(DEVELOPMENT_SALT, m)}`);
  expect(passersby.length).toBeGreaterThan(20);
  const [seen] = await ch.query<{ visitors: number; visits: number }>(
    "SELECT countIf(is_visitor = 1) AS visitors, count() AS visits FROM store_visits WHERE tenant = 'demo' AND hasAny(devices, {passersby:Array(String)})",
    { passersby },
  );
  expect(Number(seen!.visitors)).toBe(0);
  const [counted] = await ch.query<{ n: number }>("SELECT sum(passersby) AS n FROM store_traffic_hourly WHERE tenant = 'demo'");
  expect(Number(counted!.n)).toBeGreaterThanOrEqual(passersby.length);
}, 60_000);

test('the live part of the run makes each real-time signal once, and nothing that happened days ago does', async () => {
  const expected = Object.fromEntries(Object.entries(result.truth.signals).filter(([, n]) => n > 0));
  expect(Object.keys(expected).length).toBe(4);
  let measured: Record<string, number> = {};
  const deadline = Date.now() + 60_000;
  for (;;) {
    const rows = await ch.query<{ kind: string; n: number }>("SELECT kind, count() AS n FROM signals FINAL WHERE tenant = 'demo' GROUP BY kind");
    measured = Object.fromEntries(rows.map((r) => [r.kind, Number(r.n)]));
    if (JSON.stringify(Object.keys(measured).sort()) === JSON.stringify(Object.keys(expected).sort()) && Object.entries(expected).every(([k, n]) => (measured[k] ?? 0) >= n)) break;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(measured).toEqual(expected);
  // Each names the events it came from, all of this run.
  const [orphans] = await ch.query<{ n: number }>("SELECT countIf(NOT arrayExists(x -> startsWith(x, {p:String}) OR startsWith(x, {r:String}), source_event_ids)) AS n FROM signals FINAL WHERE tenant = 'demo'", { p: `rt${run}`, r: `pos:` });
  expect(Number(orphans!.n)).toBe(0);
}, 90_000);
