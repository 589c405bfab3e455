/**
 * Durability under load (issue 16). A steady stream of events with known ids goes through the
 * whole pipeline (ingest, identity's stitcher and graph writer as two processes, enrichment,
 * aggregation) while each service is killed with -9 in turn and started again, the Kafka broker is
 * killed and started again, and ClickHouse is stopped for 30 s. The sender retries what ingest
 * refuses, with the same message ids, as a Segment library does. Then:
 * - every accepted event is in ClickHouse exactly once (rows inserted into events_raw and the two
 *   store sensor tables, by event id), none missing;
 * - every table of the run's database equals the same table of an uninterrupted run fed the
 *   same events (a second pipeline after it, with its own topics and database);
 * - the identity graph (identifiers per person, merges) on Kafka equals the uninterrupted run's.
 *
 * The stream is built so that an uninterrupted run's result does not depend on timing: each
 * person's identifiers all arrive under one Kafka key (so links reach the graph writer in the
 * same order), no identifier is contested beyond the identity limits, a device's session events
 * share one person at ingest, and event times are fixed in the event list. What a crash may still
 * change is the person an event was given at ingest (a stitcher that re-reads events after a merge
 * gives them the survivor): those columns are compared resolved to the surviving person.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { allTopics, createAvroCodec, createClickHouse, createKafkaClients, createLogger, readIdentityTables, topicsWithPrefix, type ClickHouse } from '@cdp/plumbing';
import { createRandom } from '@cdp/demo/src/random';
import { REPO_ROOT } from '@cdp/infra/src/paths';
import { loadDatasetFile, readCatalogueFile } from '@cdp/loader';
import { prepareTopics } from '@cdp/infra/src/testing/topics';
import { createTestPipeline, removeTestRun, type Instance, type TestPipeline } from '@cdp/infra/src/testing/pipeline';
import { killServer, startServer, startStack, stopServer } from '@cdp/infra/src/testing/stack-servers';
import { missingFrom, projection, snapshot, tablesOf, VARYING } from './support/compare-runs';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
interface Run {
  label: string;
  prefix: string;
  database: string;
  groupSuffix: string;
  pipeline?: TestPipeline;
  ch?: ClickHouse;
}
const faulty: Run = { label: 'faulty', prefix: `e2e-dur-${run}.`, database: `e2e_dur_${run}`, groupSuffix: `dur-${run}` };
const oracle: Run = { label: 'uninterrupted', prefix: `e2e-durref-${run}.`, database: `e2e_durref_${run}`, groupSuffix: `durref-${run}` };
const clickhouseUrl = process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';
const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7';
const clients = createKafkaClients({ brokers: ['127.0.0.1:9092'], clientId: 'e2e-durability', logger: createLogger('e2e-durability', 'silent') });
const data = (file: string) => join(REPO_ROOT, 'infra', 'data', file);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

// Identity as two processes, so that the stitcher and the graph writer are each killed alone.
// Signals: no cart is due during the test and no occasion is too old, so that which signals fire
// does not depend on the wall clock (the event times are hours old and fixed).
const SERVICE_ENV: Record<string, Record<string, string>> = {
  aggregation: { AGGREGATION_SIGNAL_MAX_DELAY_MINUTES: '10080', AGGREGATION_CART_ABANDON_MINUTES: '10080' },
  enrichment: {},
  'identity:graph': { IDENTITY_ROLES: 'graph' },
  identity: { IDENTITY_ROLES: 'stitch' },
  ingest: {},
};
// The sink first: it creates the database.
const START_ORDER: Instance[] = ['aggregation', 'enrichment', 'identity:graph', 'identity', 'ingest'];

// ------------------------------------------------------------------ the event list

type Route = 'web' | 'app' | 'store';
interface Item {
  route: Route;
  id: string;
  body: Record<string, unknown>;
}

const ROUND_MS = 200;
// Fixed once for both runs; hours back, so that every event time is in the past for both.
const BASE = Math.floor((Date.now() - 6 * 3_600_000) / 60_000) * 60_000;
const MINUTE = 60_000;
const iso = (t: number) => new Date(t).toISOString();
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36',
];
const CRAWLER = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const IPS = ['193.166.10.5', '91.152.100.10', '81.2.69.160', '8.8.4.4'];
const ARRIVALS = [
  { query: '?utm_source=newsletter&utm_medium=email&utm_campaign=winter', referrer: '' },
  { query: '?gclid=abc123', referrer: 'https://www.google.com/' },
  { query: '', referrer: 'https://www.facebook.com/' },
  { query: '', referrer: '' },
];
const SEARCHES = ['running shoes', 'wool socks', 'tent', 'zzzz'];
const STORES = ['HEL-1', 'ESP-2', 'TRE-3'];
const POSTAL = ['00100', '02100', '33100', '00500'];

/**
 * The stream as rounds of ROUND_MS: each round starts new visitors, Wi-Fi devices and a sensor
 * reading, and every other one a shopper, an app user and a beacon device, or a store customer;
 * it also holds the later steps of those started before.
 * Generated on demand, so the faulty run decides how long it is; the uninterrupted run replays
 * exactly the rounds that were sent.
 */
class Traffic {
  readonly rounds: Item[][] = [];
  private readonly rnd = createRandom(16);
  private readonly later = new Map<number, Item[][]>();
  private readonly skus = readCatalogueFile(data('catalogue.csv')).map((p) => ({ sku: p.sku, price: p.priceMinor ?? 1000 }));
  private seq = 0;

  next(): Item[] {
    const r = this.rounds.length;
    const items: Item[] = (this.later.get(r) ?? []).flat();
    this.later.delete(r);
    items.push(...this.browser(r), ...this.browser(r), ...this.wifiDevice(r), ...this.wifiDevice(r), ...this.peopleCount(r));
    // Purchases and store entries of people not seen before are what the signals processor asks
    // ClickHouse about (two queries each): about one a round, which it keeps up with.
    if (r % 2 === 0) items.push(...this.shopper(r), ...this.appUser(r), ...this.beaconDevice(r));
    else items.push(...this.storeCustomer(r));
    this.rounds.push(items);
    return items;
  }

  private schedule(round: number, items: Item[]): void {
    this.later.set(round, [...(this.later.get(round) ?? []), items]);
  }

  private id(kind: string): string {
    return `${run}-${kind}${this.seq++}`;
  }

  private start(): number {
    return BASE + this.rnd.int(0, 120) * MINUTE + this.rnd.int(0, 59_999);
  }

  /** A web session: a landing page, then pages, product views and searches, 20-90 s apart. */
  private webSession(who: Record<string, string>, t: number, n: number, ua: string, ip: string): { items: Item[]; end: number } {
    const arrival = this.rnd.pick(ARRIVALS);
    const items: Item[] = [];
    for (let i = 0; i < n; i++) {
      const path = i === 0 ? '/' : this.rnd.pick(['/c/shoes', '/c/socks', '/p/1', '/p/2']);
      const context = { userAgent: ua, ip, locale: 'fi-FI', page: { path, url: `https://shop.example${path}${i === 0 ? arrival.query : ''}`, referrer: i === 0 ? arrival.referrer : 'https://shop.example/' } };
      const kind = i === 0 ? 'page' : this.rnd.pick(['page', 'view', 'search'] as const);
      const id = this.id('w');
      const base = { messageId: id, ...who, timestamp: iso(t), context };
      const body =
        kind === 'page'
          ? { ...base, type: 'page', name: path, properties: { path, load_time_ms: this.rnd.int(200, 3000) } }
          : kind === 'view'
            ? (() => {
                const p = this.rnd.pick(this.skus);
                return { ...base, type: 'track', event: 'Product Viewed', properties: { sku: p.sku, price: p.price / 100 } };
              })()
            : (() => {
                const query = this.rnd.pick(SEARCHES);
                return { ...base, type: 'track', event: 'Products Searched', properties: { query, results: query === 'zzzz' ? 0 : this.rnd.int(1, 40) } };
              })();
      items.push({ route: 'web', id, body });
      t += this.rnd.int(20, 90) * 1000;
    }
    return { items, end: t };
  }

  /** Anonymous only: one session now, one more an hour or two later (a crawler now and then). */
  private browser(r: number): Item[] {
    const n = this.seq;
    const who = { anonymousId: `anon-${run}-b${n}` };
    const ua = this.rnd.chance(0.1) ? CRAWLER : this.rnd.pick(UAS);
    const ip = this.rnd.pick(IPS);
    const t0 = this.start();
    const first = this.webSession(who, t0, this.rnd.int(3, 6), ua, ip);
    this.schedule(r + this.rnd.int(8, 20), this.webSession(who, t0 + this.rnd.int(60, 120) * MINUTE, this.rnd.int(2, 5), ua, ip).items);
    return first.items;
  }

  /**
   * One anonymous landing page now; later (45-90 minutes of event time, a few seconds of wall
   * time) a login with e-mail, loyalty card and address, a session and an order: one person,
   * whose anonymous page is re-attributed through the merge. The anonymous page is a session of
   * its own, so where its copies land cannot change any session.
   */
  private shopper(r: number): Item[] {
    const n = this.seq;
    const anonymousId = `anon-${run}-s${n}`;
    const userId = `user-${run}-s${n}`;
    const ua = this.rnd.pick(UAS);
    const ip = this.rnd.pick(IPS);
    const t0 = this.start();
    const landing = this.webSession({ anonymousId }, t0, 1, ua, ip).items;
    let t = t0 + this.rnd.int(45, 90) * MINUTE;
    const who = { anonymousId, userId };
    // Shoppers who log in accepted the consent banner: their carts may make signals (marketing is opt-in).
    const context = { userAgent: ua, ip, consent: { categoryPreferences: { Analytics: true, Personalization: true, Advertising: true } } };
    const loginId = this.id('w');
    const login: Item = {
      route: 'web',
      id: loginId,
      body: { type: 'identify', messageId: loginId, ...who, timestamp: iso(t), context, traits: { email: `s${n}.${run}@example.com`, loyaltyCard: `LC-${run}-s${n}`, address: { postalCode: this.rnd.pick(POSTAL), country: 'FI' } } },
    };
    const session = this.webSession(who, t + 30_000, this.rnd.int(2, 4), ua, ip);
    t = session.end;
    const lines = Array.from({ length: this.rnd.int(1, 3) }, () => ({ ...this.rnd.pick(this.skus), quantity: this.rnd.int(1, 2) }));
    const cart = lines.map((l): Item => {
      const id = this.id('w');
      t += 20_000;
      return { route: 'web', id, body: { type: 'track', event: 'Product Added', messageId: id, ...who, timestamp: iso(t), context, properties: { sku: l.sku, price: l.price / 100, quantity: l.quantity } } };
    });
    const orderId = this.id('w');
    const total = lines.reduce((s, l) => s + l.price * l.quantity, 0);
    const order: Item = {
      route: 'web',
      id: orderId,
      body: {
        type: 'track', event: 'Order Completed', messageId: orderId, ...who, timestamp: iso(t + 60_000), context,
        properties: { order_id: `O-${orderId}`, total: total / 100, currency: 'EUR', products: lines.map((l) => ({ sku: l.sku, price: l.price / 100, quantity: l.quantity })) },
      },
    };
    this.schedule(r + this.rnd.int(10, 25), [login, ...session.items, ...cart, order]);
    return landing;
  }

  /** The app: logged in from its first event (user id, install id, device id), screens and an order; a second session later. */
  private appUser(r: number): Item[] {
    const n = this.seq;
    const who = { anonymousId: `app-${run}-a${n}`, userId: `user-${run}-a${n}` };
    const context = { device: { id: `dev-${run}-a${n}`, type: 'ios' }, app: { name: 'Shop', version: '3.2' }, os: { name: 'iOS', version: '18.0' }, ip: this.rnd.pick(IPS) };
    const session = (t: number, k: number, order: boolean): Item[] => {
      const out: Item[] = [];
      for (let i = 0; i < k; i++) {
        const id = this.id('a');
        const p = this.rnd.pick(this.skus);
        const body = i % 2 === 0 ? { type: 'screen', name: this.rnd.pick(['Home', 'Offers', 'Product']) } : { type: 'track', event: 'Product Viewed', properties: { sku: p.sku, price: p.price / 100 } };
        out.push({ route: 'app', id, body: { ...body, messageId: id, ...who, timestamp: iso(t), context } });
        t += this.rnd.int(15, 60) * 1000;
      }
      if (order) {
        const id = this.id('a');
        const p = this.rnd.pick(this.skus);
        out.push({ route: 'app', id, body: { type: 'track', event: 'Order Completed', messageId: id, ...who, timestamp: iso(t), context, properties: { order_id: `O-${id}`, total: p.price / 100, currency: 'EUR', products: [{ sku: p.sku, price: p.price / 100, quantity: 1 }] } } });
      }
      return out;
    };
    const t0 = this.start();
    const identifyId = this.id('a');
    const identify: Item = { route: 'app', id: identifyId, body: { type: 'identify', messageId: identifyId, ...who, timestamp: iso(t0), context, traits: { address: { postalCode: this.rnd.pick(POSTAL) } } } };
    this.schedule(r + this.rnd.int(6, 15), session(t0 + this.rnd.int(120, 170) * MINUTE, this.rnd.int(2, 4), this.rnd.chance(0.5)));
    return [identify, ...session(t0 + 10_000, this.rnd.int(3, 6), this.rnd.chance(0.5))];
  }

  /**
   * A receipt with a loyalty card that is never seen online (so its person is the card's), or
   * none; a card holder may come back to the same till later, sometimes to return something.
   */
  private storeCustomer(r: number): Item[] {
    const n = this.seq++;
    const store = this.rnd.pick(STORES);
    const registerId = `till-${n % 3}`;
    const card = this.rnd.chance(0.6) ? `LC-${run}-c${n}` : undefined;
    const receipt = (t: number, kind: 'sale' | 'return'): Item => {
      const receiptId = `R-${run}-${this.seq++}`;
      const lines = Array.from({ length: this.rnd.int(1, 3) }, () => ({ ...this.rnd.pick(this.skus), quantity: this.rnd.int(1, 2) }));
      if (this.rnd.chance(0.1)) lines.push({ sku: 'NOT-IN-CATALOGUE', price: 990, quantity: 1 });
      const total = lines.reduce((s, l) => s + l.price * l.quantity, 0) / 100;
      const body = { type: 'pos_transaction', timestamp: iso(t), storeId: store, receiptId, registerId, kind, currency: 'EUR', total, ...(card ? { loyaltyCard: card } : {}), lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, price: l.price / 100 })) };
      return { route: 'store', id: `pos:${store}:${receiptId}`, body };
    };
    const t0 = this.start();
    if (card && this.rnd.chance(0.5)) this.schedule(r + this.rnd.int(5, 20), [receipt(t0 + this.rnd.int(60, 180) * MINUTE, this.rnd.chance(0.3) ? 'return' : 'sale')]);
    return [receipt(t0, 'sale')];
  }

  /** An app install seen by a store's beacons for a few minutes: a walk-by, now and then a visit (signals strong enough to open one). */
  private beaconDevice(r: number): Item[] {
    void r;
    const n = this.seq++;
    const store = this.rnd.int(0, 2);
    const appInstallId = `beacon-app-${run}-${n}`;
    const strongest = this.rnd.chance(0.1) ? -55 : -71;
    let t = this.start();
    return Array.from({ length: this.rnd.int(3, 8) }, (): Item => {
      const id = this.id('bc');
      // Over a minute apart: two sightings of a minute with equal signals would tie for its zone.
      t += this.rnd.int(61, 150) * 1000;
      return { route: 'store', id, body: { type: 'beacon_sighting', messageId: id, timestamp: iso(t), storeId: STORES[store], appInstallId, beaconUuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', major: store + 1, minor: this.rnd.int(1, 3), rssi: this.rnd.int(-88, strongest) } };
    });
  }

  /** A phone heard by a store's access points for a few minutes, now and then close enough for a visit; half of them with a randomised MAC (no person). */
  private wifiDevice(r: number): Item[] {
    void r;
    const n = this.seq++;
    const store = this.rnd.int(0, 2);
    const hex = (v: number) => v.toString(16).padStart(2, '0');
    const clientMac = `${this.rnd.chance(0.5) ? 'da' : '3c'}:22:${hex(n >> 16 & 255)}:${hex(n >> 8 & 255)}:${hex(n & 255)}:${hex(this.rnd.int(0, 255))}`;
    const strongest = this.rnd.chance(0.1) ? -55 : -71;
    let t = this.start();
    return Array.from({ length: this.rnd.int(3, 8) }, (): Item => {
      const id = this.id('wf');
      t += this.rnd.int(61, 150) * 1000;
      return { route: 'store', id, body: { type: 'wifi_observation', messageId: id, timestamp: iso(t), storeId: STORES[store], apMac: `00:18:0a:0${store + 1}:00:0${this.rnd.int(1, 3)}`, clientMac, rssi: this.rnd.int(-90, strongest) } };
    });
  }

  private peopleCount(r: number): Item[] {
    const store = STORES[r % 3]!;
    const id = this.id('pc');
    const hour = BASE + (Math.floor(r / 3) % 300) * MINUTE;
    return [{ route: 'store', id, body: { type: 'people_count', messageId: id, timestamp: iso(hour), storeId: store, sensorId: `${store}-door-1`, kind: 'line_crossing', periodSeconds: 60, countIn: this.rnd.int(0, 12), countOut: this.rnd.int(0, 12) } }];
  }
}

// ------------------------------------------------------------------ the sender

const ROUTES: Record<Route, { path: string; key: string }> = {
  web: { path: '/v1/batch', key: 'local-web' },
  app: { path: '/v1/batch', key: 'local-app' },
  store: { path: '/v1/store/batch', key: 'local-store' },
};

interface SendStats {
  requests: number;
  retries: number;
  refusals: Map<string, number>;
  accepted: Set<string>;
  longestRefusalMs: number;
}
const newStats = (): SendStats => ({ requests: 0, retries: 0, refusals: new Map(), accepted: new Set(), longestRefusalMs: 0 });

class TestBug extends Error {}

/** One batch, sent again with the same message ids until ingest answers 2xx, as a Segment library does after a 5xx or no answer. */
async function deliver(ingestUrl: string, route: Route, items: Item[], stats: SendStats): Promise<void> {
  const { path, key } = ROUTES[route];
  const body = JSON.stringify({ batch: items.map((i) => i.body) });
  const began = Date.now();
  for (let attempt = 0; ; attempt++) {
    stats.requests++;
    if (attempt > 0) stats.retries++;
    let outcome: string;
    try {
      const res = await fetch(`${ingestUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` }, body, signal: AbortSignal.timeout(15_000) });
      const answer = (await res.json().catch(() => ({}))) as { rejected?: unknown[] };
      if (res.ok) {
        // Every item of this stream is valid: a rejected one is a mistake of the test.
        if (answer.rejected?.length) throw new TestBug(`ingest rejected items of a ${route} batch: ${JSON.stringify(answer.rejected).slice(0, 500)}`);
        for (const i of items) stats.accepted.add(i.id);
        if (attempt > 0) stats.longestRefusalMs = Math.max(stats.longestRefusalMs, Date.now() - began);
        return;
      }
      if (res.status < 500) throw new TestBug(`ingest answered ${res.status} to a ${route} batch: ${JSON.stringify(answer).slice(0, 500)}`);
      outcome = `HTTP ${res.status}`;
    } catch (error) {
      if (error instanceof TestBug) throw error;
      const e = error as { name?: string; cause?: { code?: string } };
      outcome = e.cause?.code ?? e.name ?? 'error';
    }
    stats.refusals.set(outcome, (stats.refusals.get(outcome) ?? 0) + 1);
    if (Date.now() - began > 180_000) throw new Error(`a ${route} batch was not accepted within 180 s (last: ${outcome})`);
    await sleep(500);
  }
}

/** A round's items, one request per route, in the order of the list: one key's events reach Kafka in order. */
async function deliverRound(ingestUrl: string, items: Item[], stats: SendStats): Promise<void> {
  for (const route of ['web', 'app', 'store'] as const) {
    const part = items.filter((i) => i.route === route);
    if (part.length > 0) await deliver(ingestUrl, route, part, stats);
  }
}

// ------------------------------------------------------------------ runs

async function setUp(r: Run): Promise<TestPipeline> {
  await prepareTopics(allTopics(r.prefix));
  for (const [dataset, file] of [['catalogue', 'catalogue.csv'], ['stores', 'stores.json']] as const) await loadDatasetFile(dataset, data(file), { prefix: r.prefix });
  r.pipeline = await createTestPipeline({ prefix: r.prefix, database: r.database, groupSuffix: r.groupSuffix });
  for (const name of START_ORDER) await r.pipeline.start(name, SERVICE_ENV[name]);
  r.ch = createClickHouse({ url: clickhouseUrl, database: r.database });
  return r.pipeline;
}

/**
 * What `pnpm start`'s supervisor does: a service that exits by itself (the graph writer does on
 * purpose when Kafka fails under it) is started again after a growing pause. A service started
 * while Kafka or the registry is still coming back exits with "failed to start"; that is one more
 * restart, not a failure: the settle step fails if a service never comes back.
 */
function supervise(pipeline: TestPipeline) {
  const busy = new Set<string>();
  const pause = new Map<string, number>();
  const restarts: string[] = [];
  const timer = setInterval(() => {
    for (const name of START_ORDER) {
      if (busy.has(name)) continue;
      const how = pipeline.exited(name);
      if (!how) continue;
      busy.add(name);
      restarts.push(`${name} (${how})`);
      const wait = pause.get(name) ?? 1000;
      pause.set(name, Math.min(wait * 2, 30_000));
      setTimeout(() => {
        pipeline
          .start(name, SERVICE_ENV[name])
          .catch((e: Error) => restarts.push(`${name} (did not start: ${[...e.message.split('\n')].reverse().find((l) => l.includes('failed to start')) ?? e.message.split('\n')[0]})`))
          .finally(() => busy.delete(name));
      }, wait);
    }
  }, 250);
  return {
    restarts,
    /** Runs fn with the supervisor away from `name` (an intentional kill is not a crash). */
    async holding<T>(name: string, fn: () => Promise<T>): Promise<T> {
      while (busy.has(name)) await sleep(100);
      busy.add(name);
      try {
        return await fn();
      } finally {
        busy.delete(name);
      }
    },
    stop: () => clearInterval(timer),
  };
}

const RAW_EVENT_TABLES = ['events_raw', 'store_wifi_observations', 'store_people_counts'];
const copiesDatabase = (r: Run) => `${r.database}_copies`;

/**
 * Rows ever inserted into the three event tables, per event id: counted by materialized views of
 * the test's own, in a database beside the run's (whose tables stay as the uninterrupted run's),
 * so that a merge folding copies away in the tables themselves does not hide them. Like every view
 * target of the pipeline, the count drops an insert block repeated with its token.
 */
async function countInsertedRows(r: Run): Promise<void> {
  const db = copiesDatabase(r);
  await r.ch!.command(`CREATE DATABASE ${db}`);
  await r.ch!.command(`CREATE TABLE ${db}.inserted (event_id String, n UInt64) ENGINE = SummingMergeTree ORDER BY event_id SETTINGS non_replicated_deduplication_window = 10000`);
  for (const table of RAW_EVENT_TABLES) {
    await r.ch!.command(`CREATE MATERIALIZED VIEW ${db}.${table}_inserted TO ${db}.inserted AS SELECT event_id, count() AS n FROM ${r.database}.${table} GROUP BY event_id`);
  }
}

/**
 * The signals processor has read every enriched event, and the sink has landed every signal it committed.
 * After the faults its group rejoins and fences its partitions' producers again, more than once: on a slow
 * day of this shared machine (the whole suite twice as slow as usual) that took more than two minutes.
 */
async function settleSignals(r: Run, timeoutMs = 240_000): Promise<void> {
  const t = topicsWithPrefix(r.prefix);
  const deadline = Date.now() + timeoutMs;
  const admin = await clients.admin();
  try {
    for (let lag = -1; lag !== 0; await sleep(500)) {
      lag = await admin.groupLag(`${r.pipeline!.groups.aggregation}-signals`, t.enrichedEvents.name);
      if (Date.now() > deadline) throw new Error(`${r.label} run: the signals processor did not catch up (lag ${lag})\naggregation:\n${r.pipeline!.output('aggregation')}`);
    }
  } finally {
    await admin.close();
  }
  // Its offsets are committed in the transactions of its signals: every signal is on the topic now.
  let committed = 0;
  const reader = await clients.readTable(t.signals.name, (rec) => void (rec.value && committed++), { follow: false });
  await reader.caughtUp;
  await reader.close();
  for (let landed = -1; landed !== committed; await sleep(500)) {
    landed = Number((await r.ch!.query<{ n: number }>('SELECT count() AS n FROM signals FINAL'))[0]!.n);
    if (Date.now() > deadline) throw new Error(`${r.label} run: ${committed} signals on Kafka, ${landed} in ClickHouse`);
  }
}

// ------------------------------------------------------------------ comparison

/** The graph on Kafka: the identifiers of each person (the latest assignment of each), and the merges. */
async function graphOf(prefix: string): Promise<{ persons: string[]; merges: string[]; identifiers: number }> {
  const t = topicsWithPrefix(prefix);
  const assigned = new Map<string, string>();
  const merged = new Map<string, string>();
  const codec = createAvroCodec({ url: registryUrl });
  const { readers, settled } = await readIdentityTables({ merges: t.personMerges.name, assignments: t.identifierAssignments.name }, clients, codec, {
    merge: (m) => merged.set(m.fromPersonId, m.toPersonId),
    assignment: (a) => assigned.set(`${a.identifier.type}:${a.identifier.value}`, a.personId),
    // The durability run erases no one: a tombstone here would be a fault.
    removeMerge: (key) => {
      throw new Error(`unexpected merge tombstone ${key}`);
    },
    removeAssignment: (key) => {
      throw new Error(`unexpected identifier tombstone ${key}`);
    },
  }, false);
  await settled();
  for (const r of readers) await r.close();
  const byPerson = new Map<string, string[]>();
  for (const [id, person] of assigned) byPerson.set(person, [...(byPerson.get(person) ?? []), id]);
  return {
    persons: [...byPerson].map(([p, ids]) => `${p} ${ids.sort().join(' ')}`).sort(),
    merges: [...merged].map(([from, to]) => `${from} -> ${to}`).sort(),
    identifiers: assigned.size,
  };
}

// ------------------------------------------------------------------ the test

const traffic = new Traffic();
const stats = { faulty: newStats(), oracle: newStats() };
const faults: { what: string; at: number; ms: number }[] = [];
const timings: Record<string, number> = {};
let supervisor: ReturnType<typeof supervise> | undefined;
let ranBoth = false;

beforeAll(async () => {
  await setUp(faulty);
  await countInsertedRows(faulty);
}, 300_000);

afterAll(async () => {
  supervisor?.stop();
  // Whatever happened above, the stack is whole again for the test files that follow.
  await startStack();
  for (const r of [faulty, oracle]) {
    const ch = r.ch ?? createClickHouse({ url: clickhouseUrl });
    await ch.command(`DROP DATABASE IF EXISTS ${copiesDatabase(r)}`);
    await removeTestRun({ pipeline: r.pipeline, ch, database: r.database, prefix: r.prefix });
  }
}, 300_000);

test('under kill -9 of every service, a Kafka restart and ClickHouse stopped for 30 s, every accepted event lands exactly once', async () => {
  const pipeline = faulty.pipeline!;
  supervisor = supervise(pipeline);
  const began = Date.now();

  // The stream: a round every ROUND_MS while the faults run, sent one request at a time (a
  // retried batch holds back the rest, as a client's queue does) and caught up after an outage.
  let streaming = true;
  let senderError: unknown;
  const sender = (async () => {
    const t0 = Date.now();
    for (let r = 0; streaming; r++) {
      const due = t0 + r * ROUND_MS;
      if (due > Date.now()) await sleep(due - Date.now());
      await deliverRound(pipeline.ingestUrl, traffic.next(), stats.faulty);
    }
  })().catch((error: unknown) => {
    streaming = false;
    senderError = error;
  });
  const faultsDone = (async () => {
    await sleep(5_000);
    const titles = { ingest: 'ingest', identity: 'identity stitcher', 'identity:graph': 'identity graph writer', enrichment: 'enrichment', aggregation: 'aggregation' };
    for (const name of ['ingest', 'identity', 'identity:graph', 'enrichment', 'aggregation'] as const) {
      const t = Date.now();
      await supervisor!.holding(name, async () => {
        await pipeline.kill(name, 'SIGKILL');
        await pipeline.start(name, SERVICE_ENV[name]);
      });
      faults.push({ what: `kill -9 ${titles[name]}, started again: healthy after`, at: t - began, ms: Date.now() - t });
      await sleep(3_000);
    }
    let t = Date.now();
    await killServer('kafka');
    await startServer('kafka');
    faults.push({ what: 'Kafka broker kill -9, started again: answering after', at: t - began, ms: Date.now() - t });
    // The registry keeps its schemas in Kafka: the stack is whole once it answers again.
    await startStack();
    faults.push({ what: '  the schema registry answering again after', at: t - began, ms: Date.now() - t });
    await sleep(4_000);
    t = Date.now();
    await stopServer('clickhouse');
    const stopped = Date.now();
    await sleep(30_000);
    await startServer('clickhouse');
    faults.push({ what: `ClickHouse stopped (in ${seconds(stopped - t)}), started again 30 s later: answering after`, at: t - began, ms: Date.now() - t });
    await sleep(3_000);
  })();
  try {
    await faultsDone;
  } finally {
    streaming = false;
    await sender;
  }
  if (senderError) throw senderError;
  timings.stream = Date.now() - began;
  const sent = traffic.rounds.flat().map((i) => i.id);
  const refused = [...stats.faulty.refusals].map(([why, n]) => `${why} x${n}`).join(', ') || 'none';
  console.log(
    [
      `durability run ${run}:`,
      `  stream: ${traffic.rounds.length} rounds, ${sent.length} events (${Math.round(sent.length / (timings.stream / 1000))}/s over ${seconds(timings.stream)}), ${stats.faulty.accepted.size} accepted; ${stats.faulty.requests} requests, ${stats.faulty.retries} sent again (${refused}), longest until accepted ${seconds(stats.faulty.longestRefusalMs)}`,
      ...faults.map((f) => `  at ${seconds(f.at)}: ${f.what} ${seconds(f.ms)}`),
      `  services that exited by themselves and were started again: ${supervisor.restarts.join(', ') || 'none'}`,
    ].join('\n'),
  );

  const settling = Date.now();
  await pipeline.settle(240_000);
  await settleSignals(faulty);
  timings.settle = Date.now() - settling;
  const notRunning = START_ORDER.filter((name) => pipeline.exited(name) !== undefined);
  supervisor.stop();

  // Every accepted event exactly once: its id in the event tables, inserted there as one row.
  const rows = await faulty.ch!.query<{ event_id: string; n: number }>(`SELECT event_id, sum(n) AS n FROM ${copiesDatabase(faulty)}.inserted GROUP BY event_id`);
  const inserted = new Map(rows.map((r) => [r.event_id, Number(r.n)]));
  const [present] = await faulty.ch!.query<{ ids: number; uncounted: number }>(
    `SELECT uniqExact(event_id) AS ids, uniqExactIf(event_id, event_id NOT IN (SELECT event_id FROM ${copiesDatabase(faulty)}.inserted)) AS uncounted FROM (${RAW_EVENT_TABLES.map((t) => `SELECT event_id FROM ${t}`).join(' UNION ALL ')})`,
  );
  const missing = [...stats.faulty.accepted].filter((id) => !inserted.has(id));
  const doubled = [...inserted].filter(([, n]) => n > 1).map(([id, n]) => `${id} x${n}`);
  const unknown = [...inserted.keys()].filter((id) => !stats.faulty.accepted.has(id));
  await pipeline.stopAll();

  // The same events through a pipeline that nothing interrupts, as fast as it takes them; a few
  // rounds per request, each route's items in the order of the list.
  const ref = await setUp(oracle);
  const replaying = Date.now();
  for (let r = 0; r < traffic.rounds.length; r += 8) await deliverRound(ref.ingestUrl, traffic.rounds.slice(r, r + 8).flat(), stats.oracle);
  await ref.settle(240_000);
  await settleSignals(oracle);
  timings.oracle = Date.now() - replaying;
  await ref.stopAll();
  ranBoth = true;

  console.log(
    [
      `durability run ${run}, after the stream:`,
      `  settled (every consumer group at its topics' end, every signal landed) in ${seconds(timings.settle)}; services that exited by themselves: ${supervisor.restarts.join(', ') || 'none'}`,
      `  in ClickHouse: ${inserted.size} event ids (${present!.ids} in the tables); inserted more than once: ${doubled.length}; accepted and missing: ${missing.length}`,
      `  uninterrupted run of the same events: sent and settled in ${seconds(timings.oracle)} (${stats.oracle.requests} requests, ${stats.oracle.retries} sent again)`,
    ].join('\n'),
  );
  expect(notRunning).toEqual([]);
  expect({ ids: Number(present!.ids), uncounted: Number(present!.uncounted) }).toEqual({ ids: inserted.size, uncounted: 0 });
  expect({ missing: missing.slice(0, 10), missingCount: missing.length, doubled: doubled.slice(0, 10), doubledCount: doubled.length, unknown: unknown.slice(0, 10) }).toEqual({ missing: [], missingCount: 0, doubled: [], doubledCount: 0, unknown: [] });
}, 900_000);

test('every table of the database equals the uninterrupted run\'s', async () => {
  expect(ranBoth).toBe(true);
  const tables = await tablesOf(faulty.ch!);
  expect(tables.map((t) => t.name)).toEqual((await tablesOf(oracle.ch!)).map((t) => t.name));
  const differences: string[] = [];
  const counts: string[] = [];
  for (const t of tables) {
    const [want, got] = await Promise.all([snapshot(oracle.ch!, t), snapshot(faulty.ch!, t)]);
    counts.push(`${t.name} ${want.length}`);
    const missing = missingFrom(want, got);
    const extra = missingFrom(got, want);
    if (missing.length || extra.length) {
      const cut = (s: string) => (s.length > 400 ? `${s.slice(0, 400)}...` : s);
      differences.push(`${t.name} (${projection(t).columns.join(', ')}): ${want.length} rows uninterrupted, ${got.length} after faults; ${missing.length} missing, e.g. ${missing.slice(0, 2).map(cut).join(' | ')}; ${extra.length} extra, e.g. ${extra.slice(0, 2).map(cut).join(' | ')}`);
    }
  }
  console.log(`tables compared (rows in the uninterrupted run): ${counts.join(', ')}\ncolumns left out: ${Object.entries(VARYING).map(([c, why]) => `${c} (${why})`).join('; ')}`);
  expect(differences).toEqual([]);
  // Not vacuous: the stream fills every table but the conflicts (nothing is contested) and the two reference tables no run loads.
  const empty = counts.filter((c) => c.endsWith(' 0')).map((c) => c.split(' ')[0]);
  expect(empty.sort()).toEqual(['identity_conflicts', 'ref_area_demographics', 'ref_partner_segments']);
}, 300_000);

test('the identity graph on Kafka equals the uninterrupted run\'s', async () => {
  expect(ranBoth).toBe(true);
  const [want, got] = [await graphOf(oracle.prefix), await graphOf(faulty.prefix)];
  expect(want.identifiers).toBeGreaterThan(1000);
  expect(want.merges.length).toBeGreaterThan(100);
  expect({ missing: missingFrom(want.persons, got.persons).slice(0, 5), extra: missingFrom(got.persons, want.persons).slice(0, 5) }).toEqual({ missing: [], extra: [] });
  expect(got.merges).toEqual(want.merges);
  console.log(`identity graph: ${got.identifiers} identifiers in ${got.persons.length} persons, ${got.merges.length} merges, the same as uninterrupted`);
}, 120_000);
