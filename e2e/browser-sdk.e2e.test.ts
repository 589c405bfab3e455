/**
 * Segment's own browser library, @segment/analytics-next, unchanged, in a real headless Chromium on
 * a shop page of another origin, sending to the real ingest process: every call must arrive on
 * Kafka exactly once, intact through the registry, with PII hashed and without the write key.
 * No request interception: the browser's own CORS preflights reach ingest, so a broken CORS answer
 * fails here (the browser would drop ingest's answer and the library would send the event again).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Request } from 'playwright-core';
import { allTopics, createAvroCodec, createKafkaClients, createLogger, topicsWithPrefix, type CdpWeb, type TableReader } from '@cdp/plumbing';
import { deleteTopics, prepareTopics } from '@cdp/infra/src/testing/topics';
import { createTestPipeline, type TestPipeline } from '@cdp/infra/src/testing/pipeline';
import { DEVELOPMENT_SALT } from '../services/ingest/src/config';
import type { CallName, ShopVisit, VisitResult } from './browser/shop';
import { launchChromium, serveShop, type ShopServer } from './support/browser';
import { expectedEmailHash as hashEmail } from './support/hashes';

const WRITE_KEY = 'local-web';
const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const prefix = `e2e-web-${run}.`;
const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7';
const clients = createKafkaClients({ brokers: ['127.0.0.1:9092'], clientId: 'e2e-browser', logger: createLogger('e2e-browser', 'error') });
const codec = createAvroCodec({ url: registryUrl });
const webEvents = topicsWithPrefix(prefix).webEvents.name;
// The services inherit this process's environment, so ingest hashes with this salt.
const salt = process.env.PII_HASH_SALT ?? DEVELOPMENT_SALT;
const libraryVersion = (JSON.parse(readFileSync(require.resolve('@segment/analytics-next/package.json'), 'utf8')) as { version: string }).version;

// The shop page: non-ASCII title, campaign parameters and a referrer, all of which must survive.
const TITLE = `Villasukat – Verkkokauppa ${run}`;
const PAGE_PATH = '/tuotteet/villasukat';
const SEARCH = `?utm_source=uutiskirje&utm_campaign=kevat-${run}`;
const REFERRER = 'https://blogi.example.org/talvi';
const LOCALE = 'fi-FI';
const TIMEZONE = 'Europe/Helsinki';

/** An event as analytics-next put it on the wire (the fields this test reads). */
interface SentEvent {
  type: CallName;
  messageId: string;
  anonymousId: string;
  timestamp: string;
  sentAt?: string;
  integrations?: Record<string, unknown>;
  context: { library: { name: string; version: string }; userAgentData?: unknown } & Record<string, unknown>;
  _metadata?: { retryCount?: number };
}

/** One POST from the page to ingest, as the browser saw it. */
interface Post {
  url: string;
  path: string;
  body: SentEvent | { batch: SentEvent[]; sentAt: string };
  retryHeader: string | undefined;
  status?: number;
  allowOrigin?: string;
  failure?: string;
  done: boolean;
}

interface Preflight {
  url: string;
  status: number;
  headers: Record<string, string>;
}

interface Visit {
  input: ShopVisit;
  result: VisitResult;
  posts: Post[];
  preflights: Preflight[];
  /** Loads the browser reported as failed (CORS errors included), with its reason. */
  failedLoads: string[];
  userAgent: string;
  url: string;
}

interface Landed {
  key: string;
  raw: Buffer;
  value: CdpWeb.SegmentEvent;
}

let pipeline: TestPipeline;
let browser: Browser;
let shop: ShopServer;
let shopOrigin: string;
let live: TableReader;
let topicsCreated = false;
/** Event ids seen so far on the topic, from a reader that follows it, for the delivery wait. */
const seen = new Set<string>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** ["a", "b", "a"] as "a ×2, b": failure messages stay short when the library retries many times. */
const tally = (items: string[]) => [...items.reduce((m, i) => m.set(i, (m.get(i) ?? 0) + 1), new Map<string, number>())].map(([i, n]) => (n > 1 ? `${i} ×${n}` : i)).join(', ') || 'none';
const headerOf = (headers: Record<string, string>, name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];

async function readTopic(): Promise<Landed[]> {
  const pending: Promise<Landed>[] = [];
  await clients.readTable(webEvents, (r) => pending.push(codec.decode<CdpWeb.SegmentEvent>(r.value!).then((value) => ({ key: r.key!.toString('utf8'), raw: r.value!, value }))), { follow: false });
  return Promise.all(pending);
}


/** Opens the shop in a fresh browser (its own storage: a new visitor), runs the visit, waits until all of it is on Kafka. */
async function visitShop(name: string, batching?: ShopVisit['batching']): Promise<Visit> {
  const input: ShopVisit = {
    writeKey: WRITE_KEY,
    apiHost: `${pipeline.ingestUrl.replace(/^http:\/\//, '')}/v1`,
    ...(batching ? { batching } : {}),
    userId: `user-${name}-${run}`,
    // Mixed case, as visitors type it: the clear address must not show up in any case.
    email: `Anna.${name}.${run}@Example.com`,
    name: 'Anna Virtanen',
    groupId: `acme-${name}-${run}`,
    groupEmail: `billing.${name}.${run}@acme.example`,
    productViewed: { sku: 'SKU-1031', name: 'Villasukat, harmaa', price: 19.9, currency: 'EUR', sizes: [38, 40], inStock: true, discount: null, meta: { colour: 'härmä' } },
    order: { order_id: `O-${name}-${run}`, total: 39.8, currency: 'EUR', products: [{ sku: 'SKU-1031', price: 19.9, quantity: 2 }] },
  };
  const context = await browser.newContext({ locale: LOCALE, timezoneId: TIMEZONE });
  try {
    const page = await context.newPage();
    // Observed, never intercepted: the browser talks to ingest on its own, preflights included.
    const posts: Post[] = [];
    const byRequest = new Map<Request, Post>();
    page.on('request', (r) => {
      // Events only: the library's own counters (/v1/m, every 30 s) are not part of the visit.
      if (r.method() !== 'POST' || !r.url().startsWith(pipeline.ingestUrl) || r.url().endsWith('/v1/m')) return;
      const post: Post = { url: r.url(), path: new URL(r.url()).pathname, body: r.postDataJSON() as Post['body'], retryHeader: r.headers()['x-retry-count'], done: false };
      posts.push(post);
      byRequest.set(r, post);
    });
    page.on('response', (res) => {
      const post = byRequest.get(res.request());
      if (!post) return;
      post.status = res.status();
      post.allowOrigin = res.headers()['access-control-allow-origin'];
    });
    page.on('requestfinished', (r) => void (byRequest.get(r) && (byRequest.get(r)!.done = true)));
    page.on('requestfailed', (r) => {
      const post = byRequest.get(r);
      if (post) Object.assign(post, { failure: r.failure()?.errorText ?? 'failed', done: true });
    });
    // Preflights are invisible to Playwright's request events; the DevTools protocol shows them.
    const preflights: Preflight[] = [];
    const failedLoads: string[] = [];
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    cdp.on('Network.responseReceived', (e) => {
      if (e.type === 'Preflight') preflights.push({ url: e.response.url, status: e.response.status, headers: e.response.headers as Record<string, string> });
    });
    cdp.on('Network.loadingFailed', (e) => {
      if (!e.canceled) failedLoads.push(`${e.type} ${e.errorText}${e.corsErrorStatus ? ` CORS ${e.corsErrorStatus.corsError} (${e.corsErrorStatus.failedParameter})` : ''}`);
    });

    const url = `${shopOrigin}${PAGE_PATH}${SEARCH}`;
    await page.goto(url, { referer: REFERRER });
    const result = await page.evaluate((v) => window.shop.visit(v), input);
    const userAgent = await page.evaluate(() => navigator.userAgent);
    const visit: Visit = { input, result, posts, preflights, failedLoads, userAgent, url };

    // The library delivers asynchronously (batching: after its timeout). Done when every call is on
    // Kafka and the browser has nothing in flight; ingest answers only after Kafka's ack.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const missing = result.calls.filter((c) => !seen.has(c.messageId));
      if (missing.length === 0 && posts.every((p) => p.done)) return visit;
      // Failed loads and more requests than calls: the library is re-sending, no point waiting.
      const resending = failedLoads.length > 0 && posts.length > result.calls.length;
      if (resending || Date.now() > deadline) {
        throw new Error(
          `${name}: ${missing.length} of ${result.calls.length} calls not on Kafka (${missing.map((c) => c.call).join(', ')})${resending ? ' and the browser is re-sending' : ''}\n` +
            `posts: ${tally(posts.map((p) => `${p.path} ${p.status ?? ''} ${p.failure ?? ''}${p.done ? '' : 'in flight'}`))}\n` +
            `preflights: ${tally(preflights.map((p) => `${new URL(p.url).pathname} ${p.status}`))}\nfailed loads: ${tally(failedLoads)}\nlibrary errors: ${result.errors.join('; ')}\n` +
            `ingest:\n${pipeline.output('ingest')}`,
        );
      }
      await sleep(200);
    }
  } finally {
    await context.close();
  }
}

/** The events the browser put on the wire, each with the sentAt that applies to it. */
function sentEvents(visit: Visit): (SentEvent & { sentAt: string })[] {
  return visit.posts.flatMap((p) => ('batch' in p.body ? p.body.batch.map((e) => ({ ...e, sentAt: (p.body as { sentAt: string }).sentAt })) : [{ ...p.body, sentAt: p.body.sentAt! }]));
}

/** What any delivery strategy must satisfy: the browser sent each call once, and Kafka holds each once, intact. */
async function expectDeliveredIntact(visit: Visit, started: number): Promise<void> {
  const { input, result, posts } = visit;
  expect(result.calls.map((c) => c.call)).toEqual(['page', 'track', 'alias', 'identify', 'group', 'track']);
  expect(result.errors).toEqual([]);

  // The browser accepted every answer: 200, readable by the page's origin, nothing failed or retried.
  expect(visit.failedLoads).toEqual([]);
  const bad = posts.filter((p) => p.status !== 200 || p.allowOrigin !== shopOrigin || p.failure !== undefined || p.retryHeader !== undefined);
  expect(bad.map(({ path, status, allowOrigin, failure, retryHeader }) => ({ path, status, allowOrigin, failure, retryHeader }))).toEqual([]);
  // Each URL posted to was preflighted (a fresh browser has no preflight cache), and ingest allowed
  // what the library sends, including the header of its retries.
  const allowed = visit.preflights.filter((p) => {
    const headers = (headerOf(p.headers, 'access-control-allow-headers') ?? '').toLowerCase();
    return p.status >= 200 && p.status < 300 && headerOf(p.headers, 'access-control-allow-origin') === shopOrigin && headers.includes('authorization') && headers.includes('x-retry-count') && /post/i.test(headerOf(p.headers, 'access-control-allow-methods') ?? '');
  });
  expect([...new Set(posts.map((p) => p.url))].filter((u) => !allowed.some((p) => p.url === u))).toEqual([]);

  // Each call went on the wire exactly once.
  const sent = sentEvents(visit);
  const ids = result.calls.map((c) => c.messageId);
  expect(sent.map((e) => e.messageId).sort()).toEqual([...ids].sort());
  expect(sent.filter((e) => e._metadata?.retryCount !== undefined)).toEqual([]);

  // ...and is on the topic exactly once.
  const records = (await readTopic()).filter((r) => ids.includes(r.value.envelope.eventId));
  const checkedAt = Date.now();
  expect(ids.map((id) => [id, records.filter((r) => r.value.envelope.eventId === id).length])).toEqual(ids.map((id) => [id, 1]));

  const anonymousId = sent[0]!.anonymousId;
  expect(anonymousId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const page = new URL(visit.url);
  // page(category, name) adds both to its properties, beside the page's own fields.
  const pageProperties = { category: 'Tuotteet', name: 'Villasukat', path: page.pathname, referrer: REFERRER, search: page.search, title: TITLE, url: visit.url };
  // What each call must have become, from what the page was asked to do.
  const expected: Record<string, unknown>[] = [
    { userId: null, category: 'Tuotteet', name: 'Villasukat', properties: pageProperties },
    { userId: null, event: 'Product Viewed', properties: input.productViewed },
    // Sign-up: the anonymous visitor becomes the user.
    { userId: input.userId, previousId: anonymousId },
    { userId: input.userId, traits: { name: input.name, emailHash: hashEmail(salt, input.email) } },
    { userId: input.userId, groupId: input.groupId, traits: { name: 'Villasukka Oy', plan: 'wholesale', emailHash: hashEmail(salt, input.groupEmail) } },
    { userId: input.userId, event: 'Order Completed', properties: input.order },
  ];
  const parse = (text: string | null) => (text === null ? null : (JSON.parse(text) as unknown));

  result.calls.forEach((call, i) => {
    const s = sent.find((e) => e.messageId === call.messageId)!;
    const r = records.find((x) => x.value.envelope.eventId === call.messageId)!;
    const v = r.value;
    expect(call.messageId).toMatch(/^ajs-next-\d+-/);
    expect(v.envelope).toMatchObject({ eventId: call.messageId, source: 'web-shop', tenant: 'demo' });
    expect(r.key).toBe(anonymousId);
    expect({ type: v.type, channel: v.channel, anonymousId: v.anonymousId }).toEqual({ type: call.call.toUpperCase(), channel: 'WEB', anonymousId });
    const got = { userId: v.userId, event: v.event, name: v.name, category: v.category, previousId: v.previousId, groupId: v.groupId, properties: parse(v.properties), traits: parse(v.traits) };
    expect(got).toEqual({ event: null, name: null, category: null, previousId: null, groupId: null, properties: null, traits: null, ...expected[i] });
    expect(parse(v.integrations)).toEqual(s.integrations ?? null);

    // The browser's own context, field by field.
    expect(v.context).toMatchObject({
      userAgent: visit.userAgent,
      locale: LOCALE,
      timezone: TIMEZONE,
      libraryName: 'analytics.js',
      libraryVersion: s.context.library.version,
      pageUrl: visit.url,
      pagePath: page.pathname,
      pageSearch: page.search,
      pageTitle: TITLE,
      pageReferrer: REFERRER,
      campaignSource: 'uutiskirje',
      campaignName: `kevat-${run}`,
    });
    expect(v.context.userAgent).toMatch(/Chrome\/\d+/);
    // The browser's address (127.0.0.1) as ingest saw it, cut to its /24 network: never the full address.
    expect(v.context.ip).toBe('127.0.0.0');
    expect(v.context.libraryVersion).toContain(libraryVersion);
    // Context keys without a typed field are kept as sent (Chromium's client hints).
    expect(parse(v.context.extra)).toEqual({ userAgentData: s.context.userAgentData });
    expect(JSON.stringify(s.context.userAgentData)).toContain('Chromium');

    // Times: as the client sent them; the event time corrected for its clock, not in the future.
    expect(v.originalTimestamp).toBe(Date.parse(s.timestamp));
    expect(v.sentAt).toBe(Date.parse(s.sentAt));
    // Browser and test share the machine's clock; the slack only absorbs millisecond rounding.
    expect(v.envelope.eventTime).toBeGreaterThanOrEqual(started - 1000);
    expect(v.envelope.eventTime).toBeLessThanOrEqual(v.envelope.receivedTime);
    expect(v.envelope.receivedTime).toBeLessThanOrEqual(checkedAt);

    // Neither clear e-mails nor the write key anywhere in the record's bytes; the user id is, so
    // the search does see the record's strings.
    const text = r.raw.toString('utf8');
    if (v.userId) expect(text).toContain(input.userId);
    for (const secret of [input.email, input.email.toLowerCase(), input.groupEmail, WRITE_KEY, Buffer.from(`${WRITE_KEY}:`).toString('base64')]) {
      expect({ messageId: call.messageId, found: text.includes(secret) ? secret : null }).toEqual({ messageId: call.messageId, found: null });
    }
  });
}

beforeAll(async () => {
  const html = `<!doctype html><html lang="fi"><head><meta charset="utf-8"><title>${TITLE}</title><script src="/shop.js"></script></head><body><h1>Villasukat</h1></body></html>`;
  shop = await serveShop({ entry: join(__dirname, 'browser', 'shop.ts'), html, pagePath: PAGE_PATH });
  shopOrigin = shop.origin;

  topicsCreated = true;
  await prepareTopics(allTopics(prefix));
  pipeline = await createTestPipeline({ prefix, database: `e2e_web_${run}`, groupSuffix: run });
  await pipeline.start('ingest');
  live = await clients.readTable(webEvents, (r) => void codec.decode<CdpWeb.SegmentEvent>(r.value!).then((v) => seen.add(v.envelope.eventId), () => undefined));

  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await live?.close();
  await pipeline?.stopAll();
  await shop?.close();
  // Best effort: topics left behind (e.g. Kafka restarted by another test) are under this run's prefix only.
  if (!topicsCreated) return;
  await deleteTopics(allTopics(prefix)).catch(() => undefined);
});

test('default delivery: one POST per call, preflighted by the browser, each event on Kafka once and intact', async () => {
  const started = Date.now();
  const visit = await visitShop('std');
  // One request per call, to the path named by the type's first letter.
  expect(visit.posts.map((p) => p.path)).toEqual(visit.result.calls.map((c) => `/v1/${c.call[0]}`));
  await expectDeliveredIntact(visit, started);
}, 120_000);

test('batching delivery: events posted together to /v1/b, each on Kafka once and intact', async () => {
  const started = Date.now();
  const visit = await visitShop('batch', { size: 4, timeout: 1000 });
  expect(visit.posts.map((p) => p.path)).toEqual(visit.posts.map(() => '/v1/b'));
  // Batched for real: some request carried more than one event.
  expect(Math.max(...visit.posts.map((p) => ('batch' in p.body ? p.body.batch.length : 1)))).toBeGreaterThan(1);
  await expectDeliveredIntact(visit, started);
}, 120_000);
