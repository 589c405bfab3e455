/**
 * The console in real browsers on the real pipeline: the demo's simulated retailer goes in through
 * ingest, the four services, the customer API and the console run as processes, and Chromium
 * (playwright-core) signs in, reads every page and holds its charts and figures against ClickHouse;
 * a receipt sent while the store page is open changes its conversion without a reload; a customer
 * found by loyalty card shows their web history and the merge that joined them. Firefox ESR
 * (puppeteer-core over WebDriver BiDi) then opens every page, at a tablet's width too.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allTopics, createClickHouse, createKafkaClients, createLogger, type ClickHouse } from '@cdp/plumbing';
import { loadDatasetFile } from '@cdp/loader';
import { prepareTopics } from '@cdp/infra/src/testing/topics';
import { createTestPipeline, removeTestRun, type TestPipeline } from '@cdp/infra/src/testing/pipeline';
import type { Browser, Page } from 'playwright-core';
import { simulateRetailer, type SimulationResult, type StoreLayout } from '../demo/src/simulator';
import { launchChromium } from './support/browser';
import { launchFirefox } from './support/firefox';
import { ingestSenders } from './support/pipeline-run';
import { loadReferenceData, untilLanded } from './support/simulated-retailer';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const prefix = `e2e-console-${run}.`;
const database = `e2e_console_${run}`;
const USER = 'demo';
const PASSWORD = 'local-demo-console';
const PAGES = ['management', 'marketing', 'ecommerce', 'it', 'stores', 'customers'];
const DAY_MS = 86_400_000;
const day = (t: number) => new Date(t).toISOString().slice(0, 10);
// The pages' default period: the last 14 UTC days.
const FROM = day(Date.now() - 13 * DAY_MS);
const TO = day(Date.now());

let pipeline: TestPipeline;
let ch: ClickHouse;
let result: SimulationResult;
let chromium: Browser;
let page: Page;
let stores: StoreLayout[];

const one = async <T>(sql: string, params: Record<string, unknown> = {}): Promise<T> => (await ch.query<T>(sql, { t: 'demo', from: FROM, to: TO, ...params }))[0]!;
const n = (x: unknown) => Number(x);

const sendStore = (batch: object[]) => ingestSenders(() => pipeline.ingestUrl).store(batch);

/** Opens a console page and waits until its first read has finished. */
async function open(path: string): Promise<void> {
  await page.goto(`${pipeline.consoleUrl}${path}`);
  await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
  expect(await page.$$eval('.failure:not([hidden])', (els) => els.map((e) => `${e.closest('[data-panel]')?.getAttribute('data-panel')}: ${e.textContent}`))).toEqual([]);
}

/** A chart's series as ECharts holds them: what the chart draws. */
const series = (id: string) =>
  page.evaluate((chartId) => {
    const echarts = (window as unknown as { echarts: { getInstanceByDom(el: Element): { getOption(): { series: { name: string; data: unknown[] }[]; xAxis?: { data?: string[] }[]; yAxis?: { data?: string[] }[] } } } }).echarts;
    const option = echarts.getInstanceByDom(document.querySelector(`[data-chart="${chartId}"]`)!).getOption();
    return { series: option.series.map((s) => ({ name: s.name, data: s.data })), x: option.xAxis?.[0]?.data ?? [], y: option.yAxis?.[0]?.data ?? [] };
  }, id);
const sumOf = (data: unknown[]) => data.reduce<number>((s, v) => s + Number(v ?? 0), 0);
const kpi = (id: string) => page.textContent(`[data-kpi="${id}"] .value`);
const tableRows = (id: string) => page.$$eval(`table[data-table="${id}"] tbody tr`, (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
const numberIn = (text: string | null) => Number((text ?? '').replace(/[^0-9.-]/g, ''));

beforeAll(async () => {
  await prepareTopics(allTopics(prefix));
  ch = createClickHouse({ url: process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123', database });
  pipeline = await createTestPipeline({ prefix, database, groupSuffix: run });
  const reference = await loadReferenceData(prefix);
  stores = reference.stores;
  for (const service of ['aggregation', 'enrichment', 'identity', 'ingest'] as const) await pipeline.start(service);
  result = await simulateRetailer({ ingestUrl: pipeline.ingestUrl, customers: 80, seed: 11, runId: `co${run}`, ...reference });
  expect(result.failed).toBe(0);
  // A partner's segment of the first 20 customers' e-mails, as the demo's partner uploads it.
  const segments = join(tmpdir(), `console-segments-${run}.csv`);
  writeFileSync(segments, `email,phone,segment\n${result.emails.slice(0, 20).map((e) => `${e},,outdoor-enthusiast`).join('\n')}\n`);
  await loadDatasetFile('segments', segments, { prefix, partner: 'nordic-loyalty' });
  await untilLanded(ch, pipeline, result.eventIds.size);
  await pipeline.start('api');
  await pipeline.start('console');
  chromium = await launchChromium();
  page = await chromium.newPage({ viewport: { width: 1280, height: 900 } });
}, 400_000);

afterAll(async () => {
  await chromium?.close();
  await removeTestRun({ pipeline, ch, database, prefix });
});

test('nothing shows without signing in; a wrong password is told; the right one opens the page asked for', async () => {
  await page.goto(`${pipeline.consoleUrl}/app/ecommerce`);
  expect(new URL(page.url()).pathname).toBe('/login');
  const read = await page.evaluate(async () => (await fetch('/api/v1/kpis/stores')).status);
  expect(read).toBe(401);
  await page.fill('#username', USER);
  await page.fill('#password', 'not the password');
  await page.click('#sign-in');
  await page.waitForSelector('#error:not([hidden])');
  expect(await page.textContent('#error')).toBe('unknown user or wrong password');
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL('**/app/ecommerce'), page.click('#sign-in')]);
  await page.waitForSelector('body[data-state="ready"]');
  // The session cookie is the browser's only credential, and scripts cannot read it.
  expect(await page.evaluate(() => document.cookie)).toBe('');
  const cookies = await page.context().cookies();
  expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([['cdp_console', true, 'Strict']]);
});

test('management: revenue by day and the best product groups as ClickHouse has them', async () => {
  await open('/app/management');
  const sales = await one<{ digital: string; store: string; days: string }>(
    "SELECT sumIf(revenue_minor, channel IN ('web', 'app')) AS digital, sumIf(revenue_minor, channel = 'store') AS store, uniqExact(day) AS days FROM sales_daily WHERE tenant = {t:String} AND day BETWEEN {from:Date} AND {to:Date}",
  );
  expect(n(sales.digital)).toBeGreaterThan(0);
  const chart = await series('revenue-by-day');
  expect(chart.x).toHaveLength(n(sales.days));
  expect(Math.round(sumOf(chart.series.find((s) => s.name === 'Online (web and app)')!.data) * 100)).toBe(n(sales.digital));
  expect(Math.round(sumOf(chart.series.find((s) => s.name === 'Stores')!.data) * 100)).toBe(n(sales.store));
  expect(await kpi('digital-share')).toBe(`${((n(sales.digital) / (n(sales.digital) + n(sales.store))) * 100).toFixed(1)} %`);
  // What the simulator sold online is what landed (returns only happen in stores).
  expect({ digital: n(sales.digital), store: n(sales.store) }).toEqual({ digital: result.onlineRevenueMinor, store: result.storeRevenueMinor });

  const top = await ch.query<{ g: string }>(
    `SELECT arrayStringConcat(arraySlice(c.category_path, 1, 1), ' > ') AS g, sum(p.online_revenue_minor + p.store_revenue_minor) AS revenue
     FROM product_hourly AS p INNER JOIN (SELECT sku, category_path FROM ref_products FINAL WHERE tenant = {t:String}) AS c ON p.sku = c.sku
     WHERE p.tenant = {t:String} AND p.hour >= toDateTime({from:Date}, 'UTC') GROUP BY g ORDER BY revenue DESC, g LIMIT 3`,
    { t: 'demo', from: FROM },
  );
  expect((await series('best-groups')).y.slice(0, 3)).toEqual(top.map((r) => r.g));
  const segments = await series('segment-growth');
  expect(segments.y.length).toBeGreaterThan(0);
});

test('marketing: the campaign funnel\'s sessions and the partner segment\'s reach', async () => {
  await open('/app/marketing');
  const sessions = await one<{ n: string; ordered: string }>(
    'SELECT count() AS n, countIf(orders > 0) AS ordered FROM sessions WHERE tenant = {t:String} AND session_date BETWEEN {from:Date} AND {to:Date} AND is_bot = 0',
  );
  expect(numberIn(await kpi('sessions'))).toBe(n(sessions.n));
  expect(numberIn(await kpi('orders'))).toBe(n(sessions.ordered));
  const rows = await tableRows('campaigns');
  expect(rows.reduce((s, r) => s + numberIn(r[3]!), 0)).toBe(n(sessions.n));
  const reach = await series('partner-reach');
  expect(reach.y).toEqual(['nordic-loyalty: outdoor-enthusiast']);
  expect(reach.series.find((s) => s.name === 'Identifiers delivered')!.data).toEqual([20]);
  const matched = await one<{ n: string }>("SELECT uniqExact(person_id) AS n FROM person_partner_segments WHERE tenant = {t:String} AND partner = 'nordic-loyalty' AND segment = 'outdoor-enthusiast'");
  expect(reach.series.find((s) => s.name === 'Persons matched')!.data).toEqual([n(matched.n)]);
});

test('e-commerce: the checkout funnel and the searches that found nothing', async () => {
  await open('/app/ecommerce');
  const f = await one<Record<string, string>>(
    `SELECT count() AS sessions, countIf(product_views > 0) AS viewed, countIf(cart_adds > 0) AS carted, countIf(checkouts > 0) AS checkouts, countIf(orders > 0) AS ordered
     FROM sessions WHERE tenant = {t:String} AND session_date BETWEEN {from:Date} AND {to:Date} AND is_bot = 0`,
  );
  expect((await series('checkout-funnel')).series[0]!.data).toEqual(
    [f.sessions, f.viewed, f.carted, f.checkouts, f.ordered].map((v, i) => ({ name: ['Sessions', 'Viewed a product', 'Added to cart', 'Began checkout', 'Ordered'][i], value: n(v) })),
  );
  const zero = await ch.query<{ query: string; zero: string }>(
    'SELECT query, sum(zero_results) AS zero FROM search_daily WHERE tenant = {t:String} AND day BETWEEN {from:Date} AND {to:Date} GROUP BY query HAVING zero > 0 ORDER BY zero DESC, query LIMIT 15',
    { t: 'demo', from: FROM, to: TO },
  );
  expect(zero.length).toBeGreaterThan(0);
  expect((await tableRows('zero-results')).map((r) => [r[0], numberIn(r[1]!)])).toEqual(zero.map((z) => [z.query, n(z.zero)]));
});

test('IT: page-load hours, the browser mix and ingest health from the services and Kafka', async () => {
  await open('/app/it');
  const hours = await one<{ n: string }>("SELECT uniqExact(hour) AS n FROM page_load_hourly WHERE tenant = {t:String} AND hour >= toDateTime({from:Date}, 'UTC')");
  expect((await series('page-load')).x).toHaveLength(n(hours.n));
  const browsers = await ch.query<{ browser: string; n: string }>(
    "SELECT browser, count() AS n FROM sessions WHERE tenant = {t:String} AND session_date BETWEEN {from:Date} AND {to:Date} AND is_bot = 0 AND browser != '' GROUP BY browser ORDER BY n DESC, browser",
    { t: 'demo', from: FROM, to: TO },
  );
  expect((await series('technology-browser')).series[0]!.data).toEqual(browsers.map((b) => ({ name: b.browser, value: n(b.n) })));
  expect(await kpi('services-up')).toBe('5 of 5');
  // Every event the simulator sent was accepted by this pipeline's ingest; nothing is waiting.
  expect(numberIn(await kpi('accepted'))).toBe(result.eventIds.size);
  // Each group's lag as Kafka has it, and this pipeline's stages among the groups.
  const rows = await tableRows('lag');
  const admin = await createKafkaClients({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'e2e-console', logger: createLogger('e2e-console', 'silent') }).admin();
  try {
    expect(rows.map((r) => numberIn(r[2]!))).toEqual(await Promise.all(rows.map((r) => admin.groupLag(r[0]!, r[1]!))));
  } finally {
    await admin.close();
  }
  const groups = new Set(rows.map((r) => r[0]));
  expect([`identity-${run}`, `identity-${run}-graph`, `enrichment-${run}`, `aggregation-${run}`].filter((g) => !groups.has(g))).toEqual([]);
  expect(rows.filter((r) => r[1] === `${prefix}web.segment-events.v1`)).toEqual([[`identity-${run}`, `${prefix}web.segment-events.v1`, '0']]);
});

test('stores: the day by the store\'s own hours as ClickHouse counts it; a receipt changes the conversion while the page is open', async () => {
  const store = stores.find((s) => s.storeId === 'HEL-1')!;
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: store.timeZone }).format(new Date());
  // A customer in the store for the last quarter of an hour: the day has a visitor to convert.
  const ap = store.accessPoints.find((a) => a.zoneId && a.zoneId !== 'entrance')!.mac;
  const phone = `02:${randomBytes(5).toString('hex').match(/../g)!.join(':')}`;
  await sendStore(Array.from({ length: 14 }, (_, i) => ({ type: 'wifi_observation', messageId: `co-visit-${run}-${i}`, timestamp: new Date(Date.now() - (15 - i) * 60_000).toISOString(), storeId: 'HEL-1', apMac: ap, clientMac: phone, rssi: -52 })));
  const visitorsLanded = async () => n((await one<{ n: string }>('SELECT sum(visitors) AS n FROM store_traffic_hourly WHERE tenant = {t:String} AND store_id = \'HEL-1\' AND day = {d:Date}', { d: today })).n);
  for (const deadline = Date.now() + 60_000; (await visitorsLanded()) === 0; await new Promise((r) => setTimeout(r, 500))) if (Date.now() > deadline) throw new Error('the visitor never landed');

  await open(`/app/stores?store=HEL-1&day=${today}`);
  const day = async () => one<{ visitors: string; receipts: string; hours: string }>('SELECT sum(visitors) AS visitors, sum(receipts) AS receipts, count() AS hours FROM store_traffic_hourly WHERE tenant = {t:String} AND store_id = \'HEL-1\' AND day = {d:Date}', { d: today });
  const before = await day();
  expect(numberIn(await kpi('visitors'))).toBe(n(before.visitors));
  expect(await tableRows('store-hours')).toHaveLength(n(before.hours));
  const conversion = (d: { visitors: string; receipts: string }) => `${((n(d.receipts) / n(d.visitors)) * 100).toFixed(1)} %`;
  expect(await kpi('conversion')).toBe(conversion(before));

  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  await sendStore([{ type: 'pos_transaction', timestamp: new Date().toISOString(), storeId: 'HEL-1', receiptId: `co-live-${run}`, currency: 'EUR', total: 39.9, lines: [{ lineNumber: 1, sku: 'SKU-1031', quantity: 1, price: 39.9 }] }]);
  const after = { ...before, receipts: String(n(before.receipts) + 1) };
  await page.waitForFunction((want) => document.querySelector('[data-kpi="conversion"] .value')?.textContent === want, conversion(after), { timeout: 60_000 });
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
  expect(numberIn(await kpi('receipts'))).toBe(n(after.receipts));
  expect(await page.getAttribute('#freshness', 'data-live')).toBe('yes');
});

test('customer lookup by loyalty card: the web history and the merge that joined the card', async () => {
  const regular = result.regulars[0]!;
  await open(`/app/customers?type=loyalty_card&value=${encodeURIComponent(regular.loyaltyCard)}`);
  await page.waitForSelector('table[data-table="timeline"]');
  const person = (await kpi('person'))!;
  const web = await one<{ n: string }>("SELECT count() AS n FROM events WHERE tenant = {t:String} AND person_id = {p:String} AND channel = 'web'", { p: person });
  expect(n(web.n)).toBeGreaterThan(0);
  expect((await tableRows('timeline')).some((r) => r[1] === 'web')).toBe(true);
  const merged = await one<{ n: string }>('SELECT count() AS n FROM person_survivors WHERE tenant = {t:String} AND person_id = {p:String} AND old_person_id != person_id', { p: person });
  expect(n(merged.n)).toBeGreaterThan(0);
  const merges = await page.$$eval('[data-merge]', (items) => items.map((i) => i.textContent ?? ''));
  expect(merges.length).toBeGreaterThanOrEqual(n(merged.n));
  expect(merges.some((m) => m.includes(`loyalty_card=${regular.loyaltyCard}`))).toBe(true);
  expect(await page.textContent('[data-part="identifiers"]')).toContain(`user_id: ${regular.userId}`);
});

test('Firefox ESR opens every page after signing in, at a desktop\'s and a tablet\'s width', async () => {
  const firefox = await launchFirefox();
  try {
    const tab = await firefox.newPage();
    await tab.goto(`${pipeline.consoleUrl}/login`);
    await tab.type('#username', USER);
    await tab.type('#password', PASSWORD);
    await Promise.all([tab.waitForNavigation(), tab.click('#sign-in')]);
    for (const [width, height] of [[1280, 900], [768, 1024]] as const) {
      await tab.setViewport({ width, height });
      for (const id of PAGES) {
        await tab.goto(`${pipeline.consoleUrl}/app/${id}${id === 'customers' ? `?type=loyalty_card&value=${encodeURIComponent(result.regulars[0]!.loyaltyCard)}` : ''}`);
        await tab.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
        const state = await tab.evaluate(() => ({
          failures: [...document.querySelectorAll('.failure:not([hidden])')].map((e) => e.textContent),
          charts: document.querySelectorAll('[data-chart] canvas').length,
          overflow: document.documentElement.scrollWidth > window.innerWidth,
        }));
        expect({ id, width, ...state, charts: state.charts > 0 || id === 'customers' }).toEqual({ id, width, failures: [], charts: true, overflow: false });
      }
    }
  } finally {
    await firefox.close();
  }
});
