/**
 * RudderStack's SDKs, unchanged, against ingest as a process on the real Kafka and registry, on its
 * own topic prefix. The Node SDK posts gzip JSON labelled application/x-www-form-urlencoded (ingest
 * answered it 415 once). The browser SDK, in headless Chromium on a page of another origin, reads
 * its source configuration from ingest, then sends one request per call, batches, or beacons.
 * Every call lands on Kafka exactly once with its fields, and nothing is fetched from RudderStack.
 * No request interception: the browser's own CORS preflights reach ingest.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Analytics from '@rudderstack/rudder-sdk-node';
import type { Browser } from 'playwright-core';
import { allTopics, createAvroCodec, topicsWithPrefix, type CdpWeb, type IncomingRecord } from '@cdp/plumbing';
import { createTestPipeline, type TestPipeline } from '@cdp/infra/src/testing/pipeline';
import { deleteTopics, prepareTopics, readAll, readUntil } from '@cdp/infra/src/testing/topics';
import { DEVELOPMENT_SALT } from '../services/ingest/src/config';
import type { RudderCall, RudderDelivery, RudderVisit } from './browser/rudderstack-shop';
import { launchChromium, serveShop, type ShopServer } from './support/browser';
import { expectedEmailHash as hashEmail } from './support/hashes';

const WRITE_KEY = 'local-web';
const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const prefix = `e2e-rudder-${run}.`;
const codec = createAvroCodec({ url: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7' });
const webEvents = topicsWithPrefix(prefix).webEvents.name;
// ingest inherits this process's environment, so it hashes with this salt.
const salt = process.env.PII_HASH_SALT ?? DEVELOPMENT_SALT;
// Read beside this file: @rudderstack/analytics-js exports no package.json.
const versionOf = (pkg: string) => (JSON.parse(readFileSync(join(__dirname, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const parse = (text: string | null) => (text === null ? null : (JSON.parse(text) as unknown));

let pipeline: TestPipeline;
let browser: Browser;
let shop: ShopServer;
let shopOrigin: string;
let topicsCreated = false;

interface Landed {
  key: string;
  raw: Buffer;
  value: CdpWeb.SegmentEvent;
}

/** Every event on the web topic whose bytes hold one of the ids, decoded through the registry. */
async function landed(ids: string[]): Promise<Landed[]> {
  const records: IncomingRecord[] = await readAll([webEvents]);
  const mine = records.filter((r) => ids.some((id) => r.value!.includes(id)));
  return Promise.all(mine.map(async (r) => ({ key: r.key!.toString('utf8'), raw: r.value!, value: await codec.decode<CdpWeb.SegmentEvent>(r.value!) })));
}

/** No clear e-mail and no write key in a record's bytes; the user id is there, so the search sees its strings. */
function expectNoSecrets(r: Landed, secrets: string[]): void {
  const text = r.raw.toString('utf8');
  if (r.value.userId) expect(text).toContain(r.value.userId);
  for (const secret of [...secrets, WRITE_KEY, Buffer.from(`${WRITE_KEY}:`).toString('base64')]) expect({ eventId: r.value.envelope.eventId, found: text.includes(secret) ? secret : null }).toEqual({ eventId: r.value.envelope.eventId, found: null });
}

beforeAll(async () => {
  shop = await serveShop({
    entry: join(__dirname, 'browser', 'rudderstack-shop.ts'),
    html: `<!doctype html><html lang="fi"><head><meta charset="utf-8"><title>Villasukat ${run}</title><script src="/shop.js"></script></head><body></body></html>`,
  });
  shopOrigin = shop.origin;

  topicsCreated = true;
  await prepareTopics(allTopics(prefix));
  pipeline = await createTestPipeline({ prefix, database: `e2e_rudder_${run}`, groupSuffix: run });
  await pipeline.start('ingest');
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await pipeline?.stopAll();
  await shop?.close();
  if (topicsCreated) await deleteTopics(allTopics(prefix)).catch(() => undefined);
});

test('@rudderstack/rudder-sdk-node: every call type lands on Kafka once, with its fields', async () => {
  const failures: unknown[] = [];
  // Without an errorHandler a refused batch (the 415) rejects inside the SDK's own flush: an
  // unhandled rejection that ends the customer's Node process.
  const analytics = new Analytics(WRITE_KEY, { dataPlaneUrl: pipeline.ingestUrl, flushAt: 20, flushInterval: 100, retryCount: 3, logLevel: 'error', errorHandler: (e) => failures.push(e) });
  const anon = `rs-anon-${run}`;
  const user = `rs-user-${run}`;
  const email = `Rudder.${run}@Example.com`;
  const ts = new Date(Date.now() - 60_000);
  const context = { ip: '203.0.113.77', userAgent: 'Mozilla/5.0 (Android 15)', locale: 'fi-FI', page: { url: 'https://shop.example/p/1', path: '/p/1', title: 'Trainers' }, campaign: { name: 'winter', source: 'newsletter' }, device: { id: 'dev-1', type: 'android' }, app: { name: 'Shop', version: '3.2' }, os: { name: 'Android', version: '15' } };
  analytics.page({ anonymousId: anon, name: 'Product', category: 'Shoes', properties: { path: '/p/1' }, context, timestamp: ts });
  analytics.track({ anonymousId: anon, event: 'Product Viewed', properties: { sku: 'SKU-1', price: 49.9 }, context, timestamp: ts, integrations: { Amplitude: false } });
  analytics.screen({ anonymousId: anon, name: 'Cart', properties: { items: 1 }, context, timestamp: ts });
  analytics.identify({ anonymousId: anon, userId: user, traits: { email, firstName: 'Anna' }, context, timestamp: ts });
  analytics.alias({ previousId: anon, userId: user, context, timestamp: ts });
  analytics.group({ userId: user, groupId: `company-${run}`, traits: { name: 'Oy Example Ab' }, context, timestamp: ts });
  // The first call went out alone; flush sends the rest and waits for every answer.
  await analytics.flush();
  await analytics.flush();
  expect(failures).toEqual([]);

  const records = (await landed([anon, user])).filter((r) => r.value.context.libraryName === 'analytics-node');
  const byType = (type: string) => records.filter((r) => r.value.type === type);
  const types = ['PAGE', 'TRACK', 'SCREEN', 'IDENTIFY', 'ALIAS', 'GROUP'];
  expect(types.map((t) => [t, byType(t).length])).toEqual(types.map((t) => [t, 1]));
  const ev = (type: string) => byType(type)[0]!.value;

  expect(ev('PAGE')).toMatchObject({ anonymousId: anon, userId: null, name: 'Product', category: 'Shoes' });
  expect(ev('TRACK')).toMatchObject({ event: 'Product Viewed', integrations: '{"Amplitude":false}' });
  expect(parse(ev('TRACK').properties)).toEqual({ sku: 'SKU-1', price: 49.9 });
  expect(ev('SCREEN')).toMatchObject({ name: 'Cart', properties: '{"items":1}' });
  expect(ev('IDENTIFY')).toMatchObject({ userId: user, anonymousId: anon });
  expect(parse(ev('IDENTIFY').traits)).toEqual({ firstName: 'Anna', emailHash: hashEmail(salt, email) });
  expect(ev('ALIAS')).toMatchObject({ previousId: anon, userId: user });
  expect(ev('GROUP')).toMatchObject({ groupId: `company-${run}`, userId: user, traits: '{"name":"Oy Example Ab"}' });
  for (const r of records) {
    const { value } = r;
    expect(value.envelope).toMatchObject({ eventId: expect.stringMatching(UUID), source: 'web-shop', tenant: 'demo' });
    expect(r.key).toBe(value.anonymousId ?? value.userId);
    expect(value.channel).toBe('WEB');
    expect(value.originalTimestamp).toBe(ts.getTime());
    expect(value.sentAt).toEqual(expect.any(Number));
    expect(Math.abs(value.envelope.eventTime - ts.getTime())).toBeLessThan(30_000);
    expect(value.context).toMatchObject({ ip: '203.0.113.0', libraryVersion: versionOf('@rudderstack/rudder-sdk-node'), pagePath: '/p/1', campaignName: 'winter', deviceId: 'dev-1', appVersion: '3.2', osName: 'Android' });
    // What the SDK adds of its own (channel "server", _metadata) is not in the record; the
    // identify's traits it copies into context.traits are hashed there too.
    expectNoSecrets(r, [email, email.toLowerCase()]);
  }
});

/** One request from the page, as the browser saw it. */
interface Sent {
  method: string;
  path: string;
  body: unknown;
  retryAttempt?: string;
  status?: number;
  allowOrigin?: string;
  failure?: string;
  done: boolean;
}

/** A fresh browser (a new visitor) on the shop; done when every call is on Kafka and nothing is in flight. */
async function visitShop(delivery: RudderDelivery) {
  const input: RudderVisit = {
    writeKey: WRITE_KEY,
    ingestUrl: pipeline.ingestUrl,
    delivery,
    userId: `rs-user-${delivery}-${run}`,
    email: `Anna.${delivery}.${run}@Example.com`,
    name: 'Anna Virtanen',
    groupId: `acme-${delivery}-${run}`,
    groupEmail: `billing.${delivery}.${run}@acme.example`,
    productViewed: { sku: 'SKU-1031', price: 19.9, currency: 'EUR', sizes: [38, 40], meta: { colour: 'härmä' } },
    order: { order_id: `O-${delivery}-${run}`, total: 39.8, currency: 'EUR', products: [{ sku: 'SKU-1031', price: 19.9, quantity: 2 }] },
  };
  const context = await browser.newContext({ locale: 'fi-FI', timezoneId: 'Europe/Helsinki' });
  try {
    const page = await context.newPage();
    const sent: Sent[] = [];
    const elsewhere: string[] = [];
    const errors: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    // Observed through the DevTools protocol, never intercepted: it shows the bodies of beacons
    // too, which Playwright's request events do not.
    const byId = new Map<string, Sent>();
    const bodies: Promise<void>[] = [];
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    cdp.on('Network.requestWillBeSent', (e) => {
      const { url: target, method, headers } = e.request;
      if (!target.startsWith(pipeline.ingestUrl)) {
        if (!target.startsWith(shopOrigin) && !target.startsWith('data:')) elsewhere.push(target);
        return;
      }
      if (method === 'OPTIONS') return;
      const s: Sent = { method, path: target.slice(pipeline.ingestUrl.length), body: undefined, retryAttempt: headers['Rsa-Retry-Attempt'], done: false };
      sent.push(s);
      byId.set(e.requestId, s);
      if (e.request.hasPostData) bodies.push(cdp.send('Network.getRequestPostData', { requestId: e.requestId }).then((d) => void (s.body = JSON.parse(d.postData))));
    });
    cdp.on('Network.responseReceived', (e) => {
      const s = byId.get(e.requestId);
      if (s && e.type !== 'Preflight') Object.assign(s, { status: e.response.status, allowOrigin: e.response.headers['access-control-allow-origin'] ?? e.response.headers['Access-Control-Allow-Origin'] });
    });
    cdp.on('Network.loadingFinished', (e) => void (byId.get(e.requestId) && (byId.get(e.requestId)!.done = true)));
    cdp.on('Network.loadingFailed', (e) => void (byId.get(e.requestId) && Object.assign(byId.get(e.requestId)!, { failure: `${e.errorText}${e.corsErrorStatus ? ` CORS ${e.corsErrorStatus.corsError}` : ''}`, done: true })));

    const url = `${shopOrigin}/tuotteet/villasukat?utm_source=uutiskirje&utm_campaign=kevat-${run}`;
    await page.goto(url, { referer: 'https://blogi.example.org/talvi' });
    const calls = await page.evaluate((v) => window.rudderShop.visit(v), input);
    const ids = calls.map((c) => c.event.messageId);
    // The wait reads raw records: an event id is in its record's bytes as written.
    await readUntil([webEvents], (rs) => ids.every((id) => rs.some((r) => r.value!.includes(id))), 60_000);
    const deadline = Date.now() + 10_000;
    while (sent.some((s) => !s.done) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await Promise.all(bodies);
    const visit = { input, calls, sent, elsewhere, errors, url, userAgent: await page.evaluate(() => navigator.userAgent) };
    if (!ids.every(Boolean)) throw new Error(`${delivery}: calls without a messageId: ${JSON.stringify(calls)}`);
    return visit;
  } finally {
    await context.close();
  }
}

/** The events the page put on the wire: one per request, or each of a batch with the batch's sentAt. */
const eventsOf = (sent: Sent[]) =>
  sent.filter((s) => s.method === 'POST').flatMap((s) => {
    const body = s.body as { batch?: { messageId: string; sentAt?: string; originalTimestamp: string }[]; sentAt?: string; messageId?: string; originalTimestamp?: string };
    return body.batch ? body.batch.map((e) => ({ ...e, sentAt: body.sentAt! })) : [body as { messageId: string; sentAt: string; originalTimestamp: string }];
  });

const EXPECTED_PATHS: Record<RudderDelivery, (calls: RudderCall[]) => string[]> = {
  xhr: (calls) => calls.map((c) => `/v1/${c.call}`).sort(),
  batch: () => ['/v1/batch'],
  beacon: () => [`/beacon/v1/batch?writeKey=${WRITE_KEY}`],
};

test.each<RudderDelivery>(['xhr', 'batch', 'beacon'])('@rudderstack/analytics-js, %s delivery: starts on the source configuration from ingest; each call on Kafka once, intact', async (delivery) => {
  const started = Date.now();
  const { input, calls, sent, elsewhere, errors, url, userAgent } = await visitShop(delivery);
  expect(calls.map((c) => c.call).sort()).toEqual(['alias', 'group', 'identify', 'page', 'track', 'track']);

  // It asked ingest for its configuration, with the key, and loaded nothing from anywhere else.
  const config = sent.filter((s) => s.method === 'GET');
  expect(config.map((s) => [s.path.split('?')[0], s.status, new URLSearchParams(s.path.split('?')[1]).get('writeKey')])).toEqual([['/sourceConfig/', 200, WRITE_KEY]]);
  expect(elsewhere).toEqual([]);
  expect(errors).toEqual([]);

  // The browser accepted every answer: 200, readable by the page (beacons are not read), nothing failed or retried.
  const posts = sent.filter((s) => s.method === 'POST');
  const bad = posts.filter((s) => s.status !== 200 || (delivery !== 'beacon' && s.allowOrigin !== shopOrigin) || s.failure !== undefined || s.retryAttempt !== undefined);
  expect(bad.map(({ path, status, allowOrigin, failure, retryAttempt }) => ({ path, status, allowOrigin, failure, retryAttempt }))).toEqual([]);
  expect([...new Set(posts.map((s) => s.path))].sort()).toEqual([...new Set(EXPECTED_PATHS[delivery](calls))]);
  if (delivery === 'xhr') expect(posts.map((s) => s.path).sort()).toEqual(EXPECTED_PATHS.xhr(calls));
  if (delivery === 'batch') expect(Math.max(...posts.map((s) => (s.body as { batch: unknown[] }).batch.length))).toBeGreaterThan(1);

  // Each call went on the wire once, and is on the topic once.
  const wire = eventsOf(sent);
  const ids = calls.map((c) => c.event.messageId);
  expect(wire.map((e) => e.messageId).sort()).toEqual([...ids].sort());
  const records = await landed(ids);
  const checkedAt = Date.now();
  expect(ids.map((id) => [id, records.filter((r) => r.value.envelope.eventId === id).length])).toEqual(ids.map((id) => [id, 1]));

  const anonymousId = calls[0]!.event.anonymousId;
  expect(anonymousId).toMatch(UUID);
  const page = new URL(url);
  const expected: Record<string, Record<string, unknown>> = {
    page: { userId: null, name: 'Villasukat', category: 'Tuotteet' },
    'track:Product Viewed': { userId: null, event: 'Product Viewed', properties: input.productViewed },
    // alias(to) from an anonymous visitor: the previous id is the anonymous id.
    alias: { userId: input.userId, previousId: anonymousId },
    identify: { userId: input.userId, traits: { name: input.name, emailHash: hashEmail(salt, input.email) } },
    group: { userId: input.userId, groupId: input.groupId, traits: { name: 'Villasukka Oy', plan: 'wholesale', emailHash: hashEmail(salt, input.groupEmail) } },
    'track:Order Completed': { userId: input.userId, event: 'Order Completed', properties: input.order },
  };
  for (const { call, event } of calls) {
    const r = records.find((x) => x.value.envelope.eventId === event.messageId)!;
    const v = r.value;
    const onWire = wire.find((e) => e.messageId === event.messageId)!;
    expect(v.envelope).toMatchObject({ source: 'web-shop', tenant: 'demo' });
    expect([r.key, v.type, v.channel, v.anonymousId]).toEqual([anonymousId, call.toUpperCase(), 'WEB', anonymousId]);
    const want = expected[call === 'track' ? `track:${v.event}` : call]!;
    const got = { userId: v.userId, event: v.event, name: v.name, category: v.category, previousId: v.previousId, groupId: v.groupId, properties: parse(v.properties), traits: parse(v.traits) };
    if (call === 'page') {
      // The SDK adds the page's own fields to a page call's properties.
      expect(got.properties).toMatchObject({ name: 'Villasukat', category: 'Tuotteet', path: page.pathname, search: page.search, url, title: `Villasukat ${run}`, referrer: 'https://blogi.example.org/talvi' });
      got.properties = null;
    }
    expect(got).toEqual({ event: null, name: null, category: null, previousId: null, groupId: null, properties: null, traits: null, ...want });

    expect(v.context).toMatchObject({
      userAgent,
      locale: 'fi-FI',
      timezone: event.context.timezone,
      libraryName: 'RudderLabs JavaScript SDK',
      libraryVersion: versionOf('@rudderstack/analytics-js'),
      pageUrl: url,
      pagePath: page.pathname,
      pageSearch: page.search,
      pageTitle: `Villasukat ${run}`,
      pageReferrer: 'https://blogi.example.org/talvi',
      campaignSource: 'uutiskirje',
      campaignName: `kevat-${run}`,
      // The browser's address as ingest saw it, cut to its /24 network.
      ip: '127.0.0.0',
    });
    expect(v.context.libraryVersion).toBe(event.context.library.version);
    expect(v.originalTimestamp).toBe(Date.parse(onWire.originalTimestamp));
    expect(v.sentAt).toBe(Date.parse(onWire.sentAt));
    expect(v.envelope.eventTime).toBeGreaterThanOrEqual(started - 1000);
    expect(v.envelope.eventTime).toBeLessThanOrEqual(v.envelope.receivedTime);
    expect(v.envelope.receivedTime).toBeLessThanOrEqual(checkedAt);
    expectNoSecrets(r, [input.email, input.email.toLowerCase(), input.groupEmail]);
  }
}, 120_000);
