/**
 * Enrichment on the real stack, black box: reference data goes in through the loader, events go in
 * through ingest with a real Segment client and the store endpoint, the four services run as
 * processes, and ClickHouse is checked for what each enrichment must add, with its source and
 * version. Enrichment starts only after the datasets are loaded and events are waiting, so its
 * very first events prove it read every reference table before processing; a catalogue version
 * loaded while it runs (a new price, a product gone) applies to the next event.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Analytics } from '@segment/analytics-node';
import { allTopics, createClickHouse, hashEmail, DEVELOPMENT_SALT, type ClickHouse } from '@cdp/plumbing';
import { REPO_ROOT } from '@cdp/infra/src/paths';
import { loadDatasetFile } from '@cdp/loader';
import { prepareTopics } from '@cdp/infra/src/testing/topics';
import { createTestPipeline, removeTestRun, type TestPipeline } from '@cdp/infra/src/testing/pipeline';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const prefix = `e2e-en-${run}.`;
const database = `e2e_en_${run}`;
const data = (file: string) => join(REPO_ROOT, 'infra', 'data', file);
const dir = mkdtempSync(join(tmpdir(), 'cdp-enrichment-'));
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

const email = `runner-${run}@example.com`;
const visitor = `anon-${run}`;
const crawler = `crawler-${run}`;
const app = `app-${run}`;
const id = (name: string) => `${run}-${name}`;
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const BEACON = 'f7826da6-4fa2-4e98-8024-bc5b71e0893e';

let pipeline: TestPipeline;
let ch: ClickHouse;
const sent = new Set<string>();

async function segment(calls: (a: Analytics) => void): Promise<void> {
  const analytics = new Analytics({ writeKey: 'local-web', host: pipeline.ingestUrl, path: '/v1/batch', flushAt: 50, flushInterval: 100, maxRetries: 3 });
  const failures: unknown[] = [];
  analytics.on('error', (e) => failures.push(e));
  calls(analytics);
  await analytics.closeAndFlush({ timeout: 30_000 });
  expect(failures).toEqual([]);
}

async function store(batch: { messageId: string }[]): Promise<void> {
  const res = await fetch(`${pipeline.ingestUrl}/v1/store/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic('local-store') }, body: JSON.stringify({ batch }) });
  expect(res.status).toBe(200);
  for (const e of batch) sent.add(e.messageId);
}

/** Rows of this run's events in a table, once every id sent has landed there or in its sibling tables. */
async function waitForLanded(ids: string[], timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await ch.query<{ n: number }>(
      `SELECT (SELECT uniqExact(event_id) FROM events_raw WHERE has({ids:Array(String)}, event_id))
            + (SELECT uniqExact(event_id) FROM store_wifi_observations WHERE has({ids:Array(String)}, event_id))
            + (SELECT uniqExact(event_id) FROM store_people_counts WHERE has({ids:Array(String)}, event_id)) AS n`,
      { ids },
    );
    if (Number(row!.n) >= ids.length) return;
    if (Date.now() > deadline) throw new Error(`${ids.length - Number(row!.n)} events never landed\nenrichment:\n${pipeline.output('enrichment')}\naggregation:\n${pipeline.output('aggregation')}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

beforeAll(async () => {
  await prepareTopics(allTopics(prefix));
  ch = createClickHouse({ url: process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123', database });
  pipeline = await createTestPipeline({ prefix, database, groupSuffix: run });
  // Reference data first, through the loader: the demo's files, and a partner's segments.
  writeFileSync(join(dir, 'segments.csv'), `email,segment\n${email},runners\n${email.toUpperCase()},outdoor\nsomeone-else-${run}@example.com,runners\n`);
  for (const [dataset, file] of [['catalogue', data('catalogue.csv')], ['stores', data('stores.json')], ['demographics', data('demographics.csv')]] as const) {
    await loadDatasetFile(dataset, file, { prefix });
  }
  await loadDatasetFile('segments', join(dir, 'segments.csv'), { prefix, partner: 'nordic-loyalty' });
  // Enrichment stays down while the first events wait in Kafka.
  for (const service of ['aggregation', 'identity', 'ingest'] as const) await pipeline.start(service);
}, 180_000);

afterAll(async () => {
  await removeTestRun({ pipeline, ch, database, prefix });
}, 60_000);

test('every event leaves enriched: device, bot flag, geo, campaign, products, store and zone, each with its source; person data joins at read time', async () => {
  const now = Date.now();
  await segment((a) => {
    a.page({ anonymousId: visitor, name: 'Home', timestamp: new Date(now - 60_000), messageId: id('landing'), context: { userAgent: CHROME, ip: '193.166.3.7', page: { url: 'https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=winter-sale', path: '/', referrer: 'https://mail.google.com/' } } });
    a.page({ anonymousId: visitor, name: 'Shoes', timestamp: new Date(now - 50_000), messageId: id('internal'), context: { userAgent: CHROME, ip: '193.166.3.7', page: { url: 'https://shop.example/c/shoes', path: '/c/shoes', referrer: 'https://shop.example/' } } });
    a.page({ anonymousId: crawler, name: 'Home', timestamp: new Date(now - 40_000), messageId: id('bot'), context: { userAgent: GOOGLEBOT, ip: '66.249.66.1', page: { url: 'https://shop.example/', path: '/' } } });
    a.track({ anonymousId: visitor, event: 'Product Viewed', properties: { sku: 'SKU-1001' }, timestamp: new Date(now - 30_000), messageId: id('viewed'), context: { userAgent: CHROME, ip: '81.224.10.20' } });
    a.track({ anonymousId: visitor, event: 'Product Viewed', properties: { sku: `NOPE-${run}` }, timestamp: new Date(now - 29_000), messageId: id('unknown-sku'), context: { userAgent: CHROME } });
    a.identify({ anonymousId: visitor, userId: `user-${run}`, traits: { email, address: { postalCode: '00100', country: 'FI' } }, timestamp: new Date(now - 20_000), messageId: id('identify'), context: { userAgent: CHROME } });
  });
  for (const name of ['landing', 'internal', 'bot', 'viewed', 'unknown-sku', 'identify']) sent.add(id(name));
  const at = new Date(Date.UTC(2026, 0, 15, 10, 0)).toISOString();
  await store([
    { type: 'beacon_sighting', messageId: id('beacon'), timestamp: at, storeId: 'HEL-1', appInstallId: app, beaconUuid: BEACON, major: 1, minor: 2, rssi: -60 },
    { type: 'beacon_sighting', messageId: id('beacon-unknown'), timestamp: at, storeId: 'HEL-1', appInstallId: app, beaconUuid: BEACON, major: 1, minor: 8, rssi: -70 },
    { type: 'wifi_observation', messageId: id('wifi'), timestamp: at, storeId: 'HEL-1', apMac: '00:18:0A:01:00:03', clientMac: '5a:11:22:33:44:55', rssi: -67 },
    { type: 'people_count', messageId: id('count'), timestamp: at, storeId: 'HEL-1', sensorId: 'HEL-1-door-1', kind: 'line_crossing', periodSeconds: 3600, countIn: 17, countOut: 15 },
    { type: 'pos_transaction', messageId: id('receipt'), timestamp: at, storeId: 'HEL-1', receiptId: id('R1'), currency: 'EUR', total: 129.9, lines: [{ sku: 'SKU-1001', quantity: 1, price: 129.9 }] },
  ] as never);

  // Only now does enrichment start: its first events must already find every table.
  await pipeline.start('enrichment');
  await waitForLanded([...sent]);

  const web = new Map(
    (await ch.query<Record<string, unknown> & { event_id: string }>(
      `SELECT event_id, browser, device_type, is_bot, geo_country, geo_city, campaign_source, campaign_medium, campaign_name, marketing_medium, referrer_host,
              items.product_name AS names, items.category AS categories, items.in_catalogue AS in_catalogue, enrichment_sources, enrichment_missing
       FROM events WHERE startsWith(event_id, {run:String})`,
      { run },
    )).map((r) => [r.event_id, r]),
  );
  expect(web.get(id('landing'))).toMatchObject({ browser: 'Chrome', device_type: 'desktop', is_bot: 0, geo_country: 'FI', campaign_source: 'newsletter', campaign_medium: 'email', campaign_name: 'winter-sale', marketing_medium: 'email', enrichment_missing: [] });
  const lineage = web.get(id('landing'))!.enrichment_sources as Record<string, string>;
  expect(lineage.device).toMatch(/^bowser [\d.]+, isbot [\d.]+$/);
  expect(lineage.geo).toMatch(/^dbip-city-lite \d{4}-\d{2}/);
  expect(lineage.campaign).toMatch(/\d/);
  expect(web.get(id('internal'))).toMatchObject({ marketing_medium: 'internal', referrer_host: 'shop.example' });
  expect(web.get(id('bot'))).toMatchObject({ is_bot: 1, device_type: 'bot', marketing_medium: 'direct' });
  expect(web.get(id('viewed'))).toMatchObject({ geo_country: 'SE', names: ['Fell running shoe'], categories: ['Shoes > Running'], in_catalogue: [1] });
  const catalogueVersion = (web.get(id('viewed'))!.enrichment_sources as Record<string, string>).catalogue;
  expect(catalogueVersion).toMatch(/^catalogue\.csv@[0-9a-f]{12}$/);
  expect(web.get(id('unknown-sku'))).toMatchObject({ in_catalogue: [0], enrichment_missing: ['catalogue'] });

  const storeRows = new Map(
    (await ch.query<{ event_id: string; store_id: string; zone_id: string; store_local_time: string | null; enrichment_missing: string[]; enrichment_sources: Record<string, string> }>(
      'SELECT event_id, store_id, zone_id, store_local_time, enrichment_missing, enrichment_sources FROM events WHERE startsWith(event_id, {run:String}) OR order_id = {receipt:String}',
      { run, receipt: id('R1') },
    )).map((r) => [r.event_id, r]),
  );
  // 10:00 UTC in January is noon on the Helsinki store's clock.
  expect(storeRows.get(id('beacon'))).toMatchObject({ store_id: 'HEL-1', zone_id: 'footwear', store_local_time: '2026-01-15 12:00:00.000', enrichment_missing: [] });
  expect(storeRows.get(id('beacon'))!.enrichment_sources.store).toMatch(/^stores\.json@[0-9a-f]{12}$/);
  // A beacon the directory does not list, in a store it does: no zone, but the store's clock.
  expect(storeRows.get(id('beacon-unknown'))).toMatchObject({ store_id: 'HEL-1', zone_id: '', store_local_time: '2026-01-15 12:00:00.000', enrichment_missing: ['store_directory'] });
  const [wifi] = await ch.query('SELECT store_id, zone_id, in_directory, randomized_mac, store_local_time, enrichment_sources FROM store_wifi_observations FINAL WHERE event_id = {id:String}', { id: id('wifi') });
  expect(wifi).toMatchObject({ store_id: 'HEL-1', zone_id: 'clothing', in_directory: 1, randomized_mac: 1, store_local_time: '2026-01-15 12:00:00.000' });
  const [count] = await ch.query('SELECT store_id, entrance, zone_id, count_in, count_out, kind, in_directory FROM store_people_counts FINAL WHERE event_id = {id:String}', { id: id('count') });
  expect(count).toMatchObject({ store_id: 'HEL-1', entrance: 'main', zone_id: 'entrance', count_in: 17, count_out: 15, kind: 'line_crossing', in_directory: 1 });

  // Person-level data: the partner's segments (hashed as ingest hashes) and the home area.
  const person = (await ch.query<{ person_id: string }>("SELECT person_id FROM events WHERE event_id = {id:String}", { id: id('identify') }))[0]!.person_id;
  // The identity tables land beside the events, not before them: wait for the e-mail's person.
  let segments: { segment: string; matched_on: string; source_name: string }[] = [];
  for (const deadline = Date.now() + 30_000; segments.length < 2 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 300))) {
    segments = await ch.query('SELECT segment, matched_on, source_name FROM person_partner_segments WHERE person_id = {p:String} ORDER BY segment', { p: person });
  }
  expect(segments).toEqual([
    { segment: 'outdoor', matched_on: 'email_hash', source_name: 'segments.csv' },
    { segment: 'runners', matched_on: 'email_hash', source_name: 'segments.csv' },
  ]);
  const [stored] = await ch.query<{ id_value: string }>("SELECT id_value FROM ref_partner_segments FINAL WHERE partner = 'nordic-loyalty' AND id_value = {h:String}", { h: hashEmail(DEVELOPMENT_SALT, email) });
  expect(stored).toBeDefined();
  const [clear] = await ch.query<{ n: number }>("SELECT count() AS n FROM ref_partner_segments WHERE positionCaseInsensitive(id_value, '@') > 0");
  expect(Number(clear!.n)).toBe(0);
  const [home] = await ch.query('SELECT postal_code, area_name, population, in_demographics, source_name FROM person_home_area WHERE person_id = {p:String}', { p: person });
  expect(home).toMatchObject({ postal_code: '00100', in_demographics: 1, source_name: 'demographics.csv' });
  expect(Number((home as { population: number }).population)).toBeGreaterThan(0);
}, 240_000);

test('a new catalogue version applies to the next event: a new price, and a product gone is a tombstone', async () => {
  const lines = readFileSync(data('catalogue.csv'), 'utf8').trim().split('\n');
  const header = lines[0]!;
  const kept = lines.slice(1).filter((l) => !l.startsWith('SKU-1002,')).map((l) => (l.startsWith('SKU-1001,') ? l.replace('129.90', '99.90') : l));
  const file = join(dir, 'catalogue.csv');
  writeFileSync(file, [header, ...kept].join('\n') + '\n');
  const result = await loadDatasetFile('catalogue', file, { prefix });
  expect(result).toMatchObject({ status: 'published', tombstones: 1 });

  // The next event sees the new version: poll with fresh events until one lands with it, so the
  // test does not depend on how fast the live table follows.
  let row: { in_catalogue: number[] } | undefined;
  for (let attempt = 0; attempt < 20 && !row; attempt++) {
    const messageId = id(`after-${attempt}`);
    await segment((a) => a.track({ anonymousId: visitor, event: 'Product Viewed', properties: { products: [{ sku: 'SKU-1001' }, { sku: 'SKU-1002' }] }, messageId, context: { userAgent: CHROME } }));
    await waitForLanded([messageId]);
    const [r] = await ch.query<{ in_catalogue: number[]; catalogue: string }>("SELECT items.in_catalogue AS in_catalogue, enrichment_sources['catalogue'] AS catalogue FROM events WHERE event_id = {id:String}", { id: messageId });
    if (r!.catalogue.endsWith(result.version)) row = { in_catalogue: r!.in_catalogue };
    else await new Promise((res) => setTimeout(res, 500));
  }
  expect(row?.in_catalogue).toEqual([1, 0]);
  const [product] = await ch.query<{ price_minor: number; source_version: string }>("SELECT price_minor, source_version FROM ref_products FINAL WHERE sku = 'SKU-1001'");
  expect(product).toEqual({ price_minor: 9990, source_version: result.version });
  const [gone] = await ch.query<{ n: number }>("SELECT count() AS n FROM ref_products FINAL WHERE sku = 'SKU-1002'");
  expect(Number(gone!.n)).toBe(0);
  // The event enriched before the update keeps the price of its time.
  const [before] = await ch.query<{ catalogue: string }>("SELECT enrichment_sources['catalogue'] AS catalogue FROM events WHERE event_id = {id:String}", { id: id('viewed') });
  expect(before!.catalogue).not.toContain(result.version);
}, 180_000);
