/**
 * The customer API on the real pipeline: events go in through ingest, identity merges persons,
 * aggregation lands them in ClickHouse, and the API (a process, as deployed) answers by any
 * identifier. Checked against what this test sent:
 * - every identifier type finds the same merged person, an absorbed person's id too, and right
 *   after a merge the answer is the survivor with both histories;
 * - explain shows the merge that joined a loyalty card to a web account, with its event, and the
 *   link the rules refused;
 * - recommendations follow lift, computed here by hand, where raw co-occurrence would differ;
 * - segments, KPIs, scopes, parameters that are wrong, and an injection table at every parameter;
 * - the console's reads: the store directory as loaded, a store's visitors by their known stays,
 *   rule segments' growth with buyers of earlier days, partner reach with consent refused and
 *   unstated, and the freshness of what was just sent.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allTopics, createClickHouse, DEVELOPMENT_SALT, hashEmail, type ClickHouse } from '@cdp/plumbing';
import { REPO_ROOT } from '@cdp/infra/src/paths';
import { loadDatasetFile } from '@cdp/loader';
import { prepareTopics } from '@cdp/infra/src/testing/topics';
import { createTestPipeline, removeTestRun, type TestPipeline } from '@cdp/infra/src/testing/pipeline';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const prefix = `e2e-api-${run}.`;
const database = `e2e_api_${run}`;
const data = (file: string) => join(REPO_ROOT, 'infra', 'data', file);

const KEY = 'local-demo-api-key';
const CLERK = 'local-demo-clerk-key';
const DASHBOARD = 'local-demo-dashboard-key';

// Products of the crafted baskets (real catalogue skus, so product groups have categories).
const SOCKS = 'SKU-1031'; // the "milk": what the target bought
const JACKET = 'SKU-1011'; // the "bread": bought by most, with socks no more than without
const DAYPACK = 'SKU-1021'; // the "butter": bought in stores by socks buyers
const SHOE = 'SKU-1001'; // the "cheese": rare, but goes with socks
const PRICE: Record<string, number> = { [SOCKS]: 3990, [JACKET]: 6990, [DAYPACK]: 8990, [SHOE]: 12990, 'SKU-1002': 11990, 'SKU-1012': 10990 };

const ANNA = { anonymousId: `a-anna-${run}`, userId: `u-anna-${run}`, email: `anna.${run}@example.com`, card: `L-anna-${run}` };
const ANNA_ONLINE_SKU = 'SKU-1002';
const ANNA_STORE_SKU = 'SKU-1012';

let pipeline: TestPipeline;
let ch: ClickHouse;
let seq = 0;
/** Every event sent (to events_raw), by person key, and when it was made (before it was sent): for the timeline, the landing check and freshness. */
const sent: { id: string; person: string; at: number }[] = [];
/** Baskets as this test made them (person key -> skus), online and store together. */
const baskets = new Map<string, Set<string>>();
let onlineRevenue = 0;
/** Devices (browser, or user id alone) that ordered: each orders within one session here. */
const orderingDevices = new Set<string>();
let storeRevenue = 0;
const receiptTime = new Date(Date.now() - 120_000);
const receiptDay = receiptTime.toISOString().slice(0, 10);
const omnichannel = new Set<string>();

const id = (what: string) => `${what}-${run}-${++seq}`;
const bought = (person: string, sku: string) => {
  if (!baskets.has(person)) baskets.set(person, new Set());
  baskets.get(person)!.add(sku);
};

async function segment(events: Record<string, unknown>[]): Promise<void> {
  const res = await fetch(`${pipeline.ingestUrl}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('local-web:').toString('base64')}` },
    body: JSON.stringify({ batch: events }),
  });
  if (!res.ok) throw new Error(`batch refused: ${res.status} ${await res.text()}`);
}

async function store(receipts: Record<string, unknown>[]): Promise<void> {
  const res = await fetch(`${pipeline.ingestUrl}/v1/store/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('local-store:').toString('base64')}` },
    body: JSON.stringify({ batch: receipts }),
  });
  if (!res.ok) throw new Error(`store batch refused: ${res.status} ${await res.text()}`);
}

const web = (person: string, e: Record<string, unknown>) => {
  const messageId = (e.messageId as string | undefined) ?? id('m');
  seq++;
  sent.push({ id: messageId, person, at: Date.now() });
  // A millisecond apart at least: a session's first event (its campaign) is the earliest one.
  // Every shopper here accepted the consent banner unless the event says otherwise (the privacy test has those who did not).
  const context = { consent: { categoryPreferences: { Analytics: true, Personalization: true, Advertising: true } }, ...((e.context as object | undefined) ?? {}) };
  return { timestamp: new Date(Date.now() - 90_000 + seq).toISOString(), ...e, context, messageId };
};

const order = (person: string, ids: Record<string, string>, skus: string[]) => {
  const total = skus.reduce((s, sku) => s + PRICE[sku]!, 0);
  onlineRevenue += total;
  orderingDevices.add(ids.anonymousId ?? `user:${ids.userId}`);
  skus.forEach((sku) => bought(person, sku));
  return web(person, { type: 'track', event: 'Order Completed', ...ids, properties: { order_id: id('O'), total: total / 100, currency: 'EUR', products: skus.map((sku) => ({ sku, price: PRICE[sku]! / 100, quantity: 1 })) } });
};

const receipt = (person: string, card: string, skus: string[]) => {
  const receiptId = id('R');
  const total = skus.reduce((s, sku) => s + PRICE[sku]!, 0);
  storeRevenue += total;
  skus.forEach((sku) => bought(person, sku));
  sent.push({ id: `pos:HEL-1:${receiptId}`, person, at: Date.now() });
  return {
    type: 'pos_transaction', timestamp: receiptTime.toISOString(), storeId: 'HEL-1', registerId: 'till-1', receiptId, currency: 'EUR', total: total / 100, loyaltyCard: card,
    lines: skus.map((sku, i) => ({ lineNumber: i + 1, sku, quantity: 1, price: PRICE[sku]! / 100 })),
  };
};

async function landed(): Promise<void> {
  const ids = sent.map((s) => s.id);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const [row] = await ch.query<{ n: number }>('SELECT uniqExact(event_id) AS n FROM events_raw WHERE event_id IN {ids:Array(String)}', { ids }).catch(() => [{ n: 0 }]);
    if (Number(row!.n) === ids.length) break;
    if (Date.now() > deadline) throw new Error(`${ids.length - Number(row!.n)} events never landed\n${pipeline.output('aggregation')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  await pipeline.settle();
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function api(path: string, key: string | null = KEY): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${pipeline.apiUrl}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const text = await res.text();
  let body: Json;
  try {
    body = JSON.parse(text) as Json;
  } catch {
    throw new Error(`${path}: ${res.status} answered no JSON: ${text.slice(0, 200)}`);
  }
  return { status: res.status, body };
}

const ok = async (path: string, key?: string): Promise<Json> => {
  const r = await api(path, key);
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}\n${pipeline.output('api')}`);
  return r.body;
};

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${pipeline.output('api')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const profile = (type: string, value: string) => ok(`/v1/profiles/${type}/${encodeURIComponent(value)}`);

// Two visitors who browse and buy nothing, for the console's web KPIs: a desktop Chrome and an
// iPhone. Pages of their own path with known load times, a search that finds nothing, a product
// both look at, a cart and a checkout left.
const BROWSED = { path: `/trail-shoes-${run}`, sku: 'SKU-1003', search: `Snow  Boots ${run}`, loadsMs: [800, 1200, 3000] };
const DESKTOP_CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const IPHONE_SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';
function browsing(): Record<string, unknown>[] {
  const page = (who: string, ua: string, loadMs: number) =>
    web(who, { type: 'page', anonymousId: `${who}-${run}`, name: 'Trail shoes', properties: { path: BROWSED.path, load_time_ms: loadMs }, context: { userAgent: ua, page: { path: BROWSED.path, url: `https://shop.example${BROWSED.path}` } } });
  const track = (who: string, ua: string, event: string, properties: object) => web(who, { type: 'track', anonymousId: `${who}-${run}`, event, properties, context: { userAgent: ua } });
  return [
    page('v1', DESKTOP_CHROME, BROWSED.loadsMs[0]!),
    page('v1', DESKTOP_CHROME, BROWSED.loadsMs[1]!),
    track('v1', DESKTOP_CHROME, 'Products Searched', { query: BROWSED.search, results: 0 }),
    track('v1', DESKTOP_CHROME, 'Product Viewed', { sku: BROWSED.sku, price: 139.9 }),
    track('v1', DESKTOP_CHROME, 'Product Added', { sku: BROWSED.sku, price: 139.9, quantity: 1 }),
    track('v1', DESKTOP_CHROME, 'Checkout Started', { value: 139.9, currency: 'EUR' }),
    page('v2', IPHONE_SAFARI, BROWSED.loadsMs[2]!),
    track('v2', IPHONE_SAFARI, 'Product Viewed', { sku: BROWSED.sku, price: 139.9 }),
  ];
}

beforeAll(async () => {
  await prepareTopics(allTopics(prefix));
  ch = createClickHouse({ url: process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123', database });
  pipeline = await createTestPipeline({ prefix, database, groupSuffix: run });
  await loadDatasetFile('catalogue', data('catalogue.csv'), { prefix });
  await loadDatasetFile('stores', data('stores.json'), { prefix });
  const segmentsFile = join(tmpdir(), `api-segments-${run}.csv`);
  writeFileSync(segmentsFile, `email,phone,segment\n${ANNA.email},,outdoor-enthusiast\nnobody.${run}@example.com,,outdoor-enthusiast\n`);
  await loadDatasetFile('segments', segmentsFile, { prefix, partner: 'nordic-loyalty' });
  for (const service of ['aggregation', 'enrichment', 'identity', 'ingest'] as const) await pipeline.start(service);

  // Anna: a campaign visit, an account, an order online; a receipt in the store with her loyalty card (not yet linked).
  const anna = { anonymousId: ANNA.anonymousId, userId: ANNA.userId };
  await segment([
    web('anna', { type: 'page', anonymousId: ANNA.anonymousId, name: 'Home', context: { page: { url: 'https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=winter-sale', path: '/' } } }),
    web('anna', { type: 'identify', ...anna, traits: { email: ANNA.email, address: { postalCode: '00100', country: 'FI' } } }),
    order('anna', anna, [ANNA_ONLINE_SKU]),
  ]);
  await store([receipt('anna', ANNA.card, [ANNA_STORE_SKU])]);

  // A shared kiosk: one browser, two accounts. The second link is refused (one user id per person).
  await segment([
    web('ben', { type: 'identify', anonymousId: `k-${run}`, userId: `u-ben-${run}` }),
    web('cid', { type: 'identify', anonymousId: `k-${run}`, userId: `u-cid-${run}` }),
  ]);

  // Crafted baskets: shoppers r1..r40 and the target r41, who bought socks only.
  //   socks: r1-r20 (+ r41); jacket: r1-r16 and r21-r36; daypack in stores: r1-r8 (socks buyers,
  //   joined to their accounts by loyalty card) and r21-r24; shoe: r17-r20 and r21.
  const events: Record<string, unknown>[] = [];
  const receipts: Record<string, unknown>[] = [];
  for (let i = 1; i <= 41; i++) {
    const person = `r${i}`;
    const ids = { userId: `r-${i}-${run}` };
    const online = [...(i <= 20 || i === 41 ? [SOCKS] : []), ...((i <= 16 || (i >= 21 && i <= 36)) ? [JACKET] : []), ...((i >= 17 && i <= 21) ? [SHOE] : [])];
    if (online.length > 0) events.push(order(person, ids, online));
    if (i <= 8 || (i >= 21 && i <= 24)) {
      const card = `LR-${i}-${run}`;
      receipts.push(receipt(person, card, [DAYPACK]));
      events.push(web(person, { type: 'identify', ...ids, traits: { loyaltyCard: card } }));
      if (online.length > 0) omnichannel.add(person);
    }
  }
  await segment(events);
  await store(receipts);
  await segment(browsing());
  await landed();
  await pipeline.start('api', { API_RECOMMENDATION_REFRESH_SECONDS: '5' });
}, 300_000);

afterAll(async () => {
  await removeTestRun({ pipeline, ch, database, prefix });
}, 60_000);

describe('lookup', () => {
  test('right after a merge, the loyalty card answers with the survivor and both histories; every identifier type finds the same person', async () => {
    const before = await profile('loyalty_card', ANNA.card);
    const account = await profile('user_id', ANNA.userId);
    expect(before.personId).not.toBe(account.personId);
    expect([before.storeReceipts, before.onlineOrders]).toEqual([1, 0]);
    expect([account.storeReceipts, account.onlineOrders]).toEqual([0, 1]);

    await segment([web('anna', { type: 'identify', messageId: `merge-${run}`, userId: ANNA.userId, anonymousId: ANNA.anonymousId, traits: { loyaltyCard: ANNA.card } })]);
    const merged = await until('the merge', async () => {
      const p = await profile('loyalty_card', ANNA.card);
      return p.personId === account.personId ? p : undefined;
    });
    // Both histories at once: the API knows the merge from identity's topic, not from ClickHouse's overrides.
    expect([merged.storeReceipts, merged.onlineOrders]).toEqual([1, 1]);
    expect(merged.revenueMinor).toBe(PRICE[ANNA_ONLINE_SKU]! + PRICE[ANNA_STORE_SKU]!);
    expect(merged.mergedPersonIds).toContain(before.personId);

    const emailHash = hashEmail(DEVELOPMENT_SALT, ANNA.email);
    const lookups: [string, string][] = [
      ['user_id', ANNA.userId],
      ['anonymous_id', ANNA.anonymousId],
      ['email', ANNA.email.toUpperCase()],
      ['email_hash', emailHash],
      ['loyalty_card', ANNA.card],
      ['person_id', account.personId],
      ['person_id', before.personId],
    ];
    for (const [type, value] of lookups) {
      const p = await profile(type, value);
      expect({ type, personId: p.personId }).toEqual({ type, personId: account.personId });
      expect(p.identifiers).toEqual(merged.identifiers);
    }
    expect(merged.identifiers).toEqual(
      expect.arrayContaining([
        { type: 'user_id', value: ANNA.userId },
        { type: 'anonymous_id', value: ANNA.anonymousId },
        { type: 'email_hash', value: emailHash },
        { type: 'loyalty_card', value: ANNA.card },
      ]),
    );
    expect(merged.channels).toEqual(['store', 'web']);
    expect(merged.partnerSegments).toEqual([{ partner: 'nordic-loyalty', segments: ['outdoor-enthusiast'] }]);
    expect(merged.homeArea).toMatchObject({ countryCode: 'FI', postalCode: '00100' });
    await landed();
  });

  test('a repeated read comes from memory, and a new event shows as soon as it has landed', async () => {
    const health = async () => (await api('/health', null)).body.cache.activity as { hits: number; misses: number };
    const first = await profile('user_id', ANNA.userId);
    const before = await health();
    expect(await profile('user_id', ANNA.userId)).toEqual({ ...first, asOf: expect.any(String) });
    expect((await health()).hits).toBe(before.hits + 1);

    // A new order: aggregation's change feed drops the cached read once the order is in ClickHouse
    // (entries live 300 s otherwise), so the next read has it.
    await segment([order('anna', { anonymousId: ANNA.anonymousId, userId: ANNA.userId }, [SOCKS])]);
    await landed();
    const after = await until('the new order in the profile', async () => {
      const p = await profile('user_id', ANNA.userId);
      return p.onlineOrders === first.onlineOrders + 1 ? p : undefined;
    }, 5_000);
    expect(after.revenueMinor).toBe(first.revenueMinor + PRICE[SOCKS]!);
  });

  test('an unknown identifier is 404; a clear e-mail never reaches the logs', async () => {
    expect((await api(`/v1/profiles/user_id/nobody-${run}`)).status).toBe(404);
    expect((await api(`/v1/profiles/person_id/p_nobody`)).status).toBe(404);
    expect((await api(`/v1/profiles/email/${encodeURIComponent(`nobody.${run}@example.com`)}`)).status).toBe(404);
    expect(pipeline.output('api')).not.toContain('example.com');
  });
});

test('explain: the merge that joined the loyalty card to the web account, with its event; the refused kiosk link', async () => {
  const explained = await until('the merge in identity_history', async () => {
    const e = await ok(`/v1/profiles/loyalty_card/${ANNA.card}/explain`);
    return e.merges.some((m: Json) => m.eventId === `merge-${run}`) ? e : undefined;
  });
  const merge = explained.merges.find((m: Json) => m.eventId === `merge-${run}`);
  expect(merge.joinedIdentifiers).toEqual([{ type: 'loyalty_card', value: ANNA.card }]);
  expect(merge.event).toMatchObject({ type: 'identify', channel: 'web' });
  expect(merge.link).toEqual(expect.arrayContaining([{ type: 'user_id', value: ANNA.userId }, { type: 'loyalty_card', value: ANNA.card }]));
  expect(merge.survivorPersonId).toBe(explained.personId);
  expect(merge.summary).toContain(`merge-${run}`);
  // Where each identifier came from: the e-mail with the identify event that first carried it.
  expect(explained.firstSeen.map((f: Json) => f.identifier.type)).toEqual(expect.arrayContaining(['anonymous_id', 'user_id', 'email_hash', 'loyalty_card']));

  const cid = await until('the refused link', async () => {
    const e = await ok(`/v1/profiles/user_id/u-cid-${run}/explain`);
    return e.refused.length > 0 ? e : undefined;
  });
  expect(cid.refused[0]).toMatchObject({ rule: 'identity.limit_exceeded' });
  expect(cid.refused[0].link).toEqual(expect.arrayContaining([{ type: 'user_id', value: `u-cid-${run}` }, { type: 'anonymous_id', value: `k-${run}` }]));
  expect(cid.merges).toEqual([]);
});

test('timeline: every event of the merged person across web and store, newest first, paged by cursor', async () => {
  const mine = new Set(sent.filter((s) => s.person === 'anna').map((s) => s.id));
  const seen: Json[] = [];
  let cursor: string | null = null;
  do {
    const page: Json = await ok(`/v1/profiles/user_id/${ANNA.userId}/timeline?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.events.length).toBeLessThanOrEqual(2);
    seen.push(...page.events);
    cursor = page.nextCursor;
  } while (cursor);
  expect(new Set(seen.map((e) => e.eventId))).toEqual(mine);
  expect(seen).toHaveLength(mine.size);
  const times = seen.map((e) => Date.parse(e.time));
  expect([...times].sort((a, b) => b - a)).toEqual(times);
  expect(new Set(seen.map((e) => e.channel))).toEqual(new Set(['web', 'store']));
});

test('recommendations follow lift, computed by hand, not raw co-occurrence', async () => {
  // By hand, over the baskets this test made (survivors: store and online together).
  const all = [...baskets.values()];
  const n = (...skus: string[]) => all.filter((b) => skus.every((s) => b.has(s))).length;
  const N = all.length;
  const candidates = [JACKET, DAYPACK, SHOE, ANNA_ONLINE_SKU, ANNA_STORE_SKU];
  const lift = (sku: string) => (N * n(SOCKS, sku)) / (n(SOCKS) * n(sku));
  const byLift = candidates.filter((sku) => n(SOCKS, sku) >= 3 && lift(sku) > 1).sort((a, b) => lift(b) - lift(a));
  const byCooccurrence = candidates.filter((sku) => n(SOCKS, sku) > 0).sort((a, b) => n(SOCKS, b) - n(SOCKS, a));
  // Jackets go with socks most often, because most people buy jackets: lift below 1.
  expect(byCooccurrence[0]).toBe(JACKET);
  expect(byLift).toEqual([SHOE, DAYPACK]);

  // A model built from everything landed, the loyalty-card merge of the first test included.
  const landedBy = Date.now();
  const recs = await until('a model built after everything landed', async () => {
    const r = await ok(`/v1/profiles/user_id/r-41-${run}/recommendations?limit=5`);
    return r.modelBuiltAt && Date.parse(r.modelBuiltAt) > landedBy ? r : undefined;
  });
  const together = recs.items.filter((i: Json) => i.reason === 'bought_together');
  expect(together.map((i: Json) => i.sku)).toEqual(byLift);
  expect(together.map((i: Json) => i.sku)).not.toEqual(byCooccurrence.slice(0, together.length));
  for (const item of together) expect(item.score).toBeCloseTo(lift(item.sku), 2);
  // The daypacks were bought in stores: only the loyalty-card merges put them in the sock buyers' baskets.
  expect(together.find((i: Json) => i.sku === DAYPACK).because).toEqual([{ sku: SOCKS, lift: expect.any(Number), support: 8 }]);
  // What r41 just bought is not recommended back.
  expect(recs.items.map((i: Json) => i.sku)).not.toContain(SOCKS);
});

test('segments: a partner segment and a rule segment, paged', async () => {
  const anna = await profile('user_id', ANNA.userId);
  const partner = await ok('/v1/segments/partners/nordic-loyalty/outdoor-enthusiast/members');
  expect(partner.persons.map((p: Json) => p.personId)).toEqual([anna.personId]);

  const expected = new Set<string>([anna.personId]);
  for (const person of omnichannel) expected.add((await profile('user_id', `r-${person.slice(1)}-${run}`)).personId);
  const members: string[] = [];
  let cursor: string | null = null;
  do {
    const page: Json = await ok(`/v1/segments/rules/omnichannel_buyers/members?days=30&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    members.push(...page.persons.map((p: Json) => p.personId));
    cursor = page.nextCursor;
  } while (cursor);
  expect(members).toHaveLength(expected.size);
  expect(new Set(members)).toEqual(expected);

  const list = await ok('/v1/segments');
  expect(list.rules.map((r: Json) => r.name)).toContain('omnichannel_buyers');
  expect(list.partners).toEqual([{ partner: 'nordic-loyalty', segment: 'outdoor-enthusiast', identifiers: 2 }]);
});

test('KPIs: the store\'s day, sales by channel, the campaign funnel and product groups match what was sent', async () => {
  // The store's own day (HEL-1 is in Helsinki): after 22:00 UTC it is already tomorrow there.
  const storeDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Helsinki' }).format(receiptTime);
  const hours = await ok(`/v1/kpis/stores/HEL-1/hours?day=${storeDay}`);
  const receiptHour = new Date(Math.floor(receiptTime.getTime() / 3_600_000) * 3_600_000).toISOString().replace(/:00\.000Z$/, ':00Z');
  expect(hours.hours.find((h: Json) => h.receipts > 0)).toMatchObject({ hourUtc: receiptHour, timeZone: 'Europe/Helsinki' });
  const receipts = sent.filter((s) => s.id.startsWith('pos:')).length;
  expect(hours.hours.reduce((s: number, h: Json) => s + h.receipts, 0)).toBe(receipts);

  const share = await ok(`/v1/kpis/digital-share?from=${receiptDay}&to=${new Date().toISOString().slice(0, 10)}`);
  expect(share.days.reduce((s: number, d: Json) => s + d.digitalRevenueMinor, 0)).toBe(onlineRevenue);
  expect(share.days.reduce((s: number, d: Json) => s + d.storeRevenueMinor, 0)).toBe(storeRevenue);

  const today = new Date(Date.now() - 60_000).toISOString().slice(0, 10);
  const funnel = await ok(`/v1/kpis/campaigns/funnel?from=${today}&to=${today}`);
  expect({ funnel: funnel.campaigns }).toEqual({ funnel: expect.arrayContaining([expect.objectContaining({ campaignName: 'winter-sale', sessions: 1, ordered: 1 })]) });

  const groups = await ok(`/v1/kpis/product-groups?from=${receiptDay}&to=${new Date().toISOString().slice(0, 10)}&limit=100`);
  expect(groups.groups.reduce((s: number, g: Json) => s + g.revenueMinor, 0)).toBe(onlineRevenue + storeRevenue);
  const revenues = groups.groups.map((g: Json) => g.revenueMinor);
  expect([...revenues].sort((a, b) => b - a)).toEqual(revenues);
  const bottom = await ok(`/v1/kpis/product-groups?from=${receiptDay}&to=${new Date().toISOString().slice(0, 10)}&order=bottom&limit=1`);
  expect(bottom.groups[0].productGroup).toBe(groups.groups[groups.groups.length - 1].productGroup);
});

test('the console\'s web KPIs: searches that found nothing, the checkout funnel, products viewed and left, devices and browsers, page-load times', async () => {
  const today = new Date(Date.now() - 60_000).toISOString().slice(0, 10);
  const days = `from=${receiptDay}&to=${today}`;
  const searches = await ok(`/v1/kpis/web/searches?${days}&zeroResults=true`);
  expect(searches.searches).toEqual([{ query: `snow boots ${run}`, searches: 1, zeroResults: 1, withResults: 0 }]);

  const funnel = await ok(`/v1/kpis/web/checkout-funnel?${days}`);
  // The desktop visitor's session left a cart at the checkout; the iPhone's only looked. Every
  // device that ordered in this test did so in one session, without a cart event.
  expect(funnel.total).toMatchObject({ viewedProduct: 2, addedToCart: 1, startedCheckout: 1, abandonedCart: 1, abandonedCheckout: 1, ordered: orderingDevices.size });
  expect({ cart: funnel.cartAbandonment, checkout: funnel.checkoutAbandonment }).toEqual({ cart: 1, checkout: 1 });
  expect(funnel.total.revenueMinor).toBe(onlineRevenue);

  const left = await ok(`/v1/kpis/products/viewed-not-bought?${days}`);
  expect(left.products).toEqual([{ sku: BROWSED.sku, name: 'Trail running shoe', category: 'Shoes > Running', views: 2, cartAdds: 1 }]);

  const technology = await ok(`/v1/kpis/web/technology?${days}`);
  const values = (dimension: string) => (technology[dimension] as Json[]).map((e) => e.value);
  expect(values('device')).toEqual(expect.arrayContaining(['desktop', 'mobile']));
  expect(values('browser')).toEqual(expect.arrayContaining(['Chrome', 'Safari']));
  expect(values('os')).toEqual(expect.arrayContaining(['Windows', 'iOS']));
  for (const dimension of ['device', 'os', 'browser']) expect((technology[dimension] as Json[]).reduce((s, e) => s + e.share, 0)).toBeCloseTo(1);

  const load = await ok(`/v1/kpis/web/page-load?${days}`);
  expect(load.pages.find((p: Json) => p.pagePath === BROWSED.path)).toEqual({ pagePath: BROWSED.path, loads: 3, p50Ms: 1200, p90Ms: expect.any(Number), p99Ms: expect.any(Number) });
  expect(load.hours.reduce((s: number, h: Json) => s + h.loads, 0)).toBe(3);
});

// The console's store chooser, a store's dwell times, segment growth, partner reach and freshness.

test('the store directory: every store of the file this test loaded, with its time zone and zones', async () => {
  const file = JSON.parse(readFileSync(data('stores.json'), 'utf8')) as Json[];
  const expected = file
    .map((s) => ({ storeId: s.storeId, name: s.name, city: s.city, postalCode: s.postalCode, countryCode: s.countryCode, timeZone: s.timeZone, zones: s.zones.map((z: Json) => ({ zoneId: z.zoneId, name: z.name, kind: z.kind })) }))
    .sort((a, b) => (a.storeId < b.storeId ? -1 : 1));
  expect(expected.every((s) => s.zones.length > 0)).toBe(true);
  expect((await ok('/v1/kpis/stores', DASHBOARD)).stores).toEqual(expected);
});

// Phones heard by HEL-1's footwear access point from the first to the last minute of a stay of
// known length, yesterday at 08:00 UTC (the store's morning); the first stays 3 minutes, shorter
// than a visitor's 5 (the default store visit rules): a passer-by.
const STAYS = [3, 7, 8, 12, 25, 45, 75];

test('dwell: the visitors this test put in a store, each in the bucket of its known stay; the passer-by in none', async () => {
  const start = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000 + 8 * 3_600_000;
  const storeDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Helsinki' }).format(start);
  const observations = STAYS.flatMap((minutes, i) => {
    // Heard at least every 10 minutes (a visit ends after 15 without), from minute 0 to minutes - 1.
    const heard = [...new Set([0, ...Array.from({ length: Math.floor((minutes - 1) / 10) }, (_, k) => (k + 1) * 10), minutes - 1])];
    // 3c:…: a globally administered MAC, not a randomised one.
    return heard.map((m) => ({ type: 'wifi_observation', messageId: `wifi-${run}-${i}-${m}`, timestamp: new Date(start + m * 60_000 + 5_000).toISOString(), storeId: 'HEL-1', apMac: '00:18:0a:01:00:02', clientMac: `3c:22:fb:00:01:${10 + i}`, rssi: -60 }));
  });
  await store(observations);
  const ids = observations.map((o) => o.messageId);
  await until('the Wi-Fi observations in ClickHouse', async () => {
    const [row] = await ch.query<{ n: number }>('SELECT uniqExact(event_id) AS n FROM store_wifi_observations WHERE event_id IN {ids:Array(String)}', { ids });
    return Number(row!.n) === ids.length ? true : undefined;
  }, 120_000);

  const visitors = STAYS.filter((m) => m >= 5).length;
  const dwell = await ok(`/v1/kpis/stores/HEL-1/dwell?day=${storeDay}`, DASHBOARD);
  expect(Object.keys(dwell).sort()).toEqual(['buckets', 'day', 'storeId', 'timeZone', 'visitors']);
  expect(dwell).toMatchObject({ storeId: 'HEL-1', day: storeDay, timeZone: 'Europe/Helsinki', visitors });
  // [fromMinutes, toMinutes, visitors]: 7 and 8; 12; 25; 45; 75.
  expect(dwell.buckets.map((b: Json) => [b.fromMinutes, b.toMinutes, b.visitors])).toEqual([[0, 5, 0], [5, 10, 2], [10, 20, 1], [20, 30, 1], [30, 60, 1], [60, null, 1]]);
  // The visitors the store's hours count, and the median of their stays there.
  const hours = (await ok(`/v1/kpis/stores/HEL-1/hours?day=${storeDay}`)).hours as Json[];
  expect(hours.reduce((s, h) => s + h.visitors, 0)).toBe(visitors);
  expect(hours.find((h) => h.visitors > 0)).toMatchObject({ hourUtc: new Date(start).toISOString().replace(/:00\.000Z$/, ':00Z'), medianDwellMinutes: 25 });
  // Another day of the store: no one.
  expect((await ok(`/v1/kpis/stores/HEL-1/dwell?day=2026-01-01`, DASHBOARD)).visitors).toBe(0);
});

test('segment growth: each rule segment now and a week ago, from the buyers this test made and two of earlier days', async () => {
  // One bought online 10 days ago (in both windows); one 35 days ago (lapsed now, online only a week ago).
  const earlier = (person: string, days: number) =>
    web(person, { type: 'track', event: 'Order Completed', userId: `${person}-${run}`, timestamp: new Date(Date.now() - days * 86_400_000).toISOString(), properties: { order_id: id('O'), total: 39.9, currency: 'EUR', products: [{ sku: SOCKS, price: 39.9, quantity: 1 }] } });
  await segment([earlier('buyer-10-days', 10), earlier('buyer-35-days', 35)]);
  await landed();

  const growth = await ok('/v1/kpis/segments/growth?days=30&compareDays=7', DASHBOARD);
  const dayBefore = (day: string, n: number) => new Date(Date.parse(day) - n * 86_400_000).toISOString().slice(0, 10);
  expect(growth).toMatchObject({ days: 30, compareDays: 7, window: { from: dayBefore(growth.window.to, 30) }, compareWindow: { from: dayBefore(growth.window.to, 37), to: dayBefore(growth.window.to, 7) } });
  // Today: Anna and the shoppers who bought online and in the store; every other device that ordered online
  // (each a shopper), and the buyer of 10 days ago; the desktop visitor's cart; the buyer of 35 days ago.
  const omni = omnichannel.size + 1;
  const onlineOnly = orderingDevices.size - omni + 1;
  const grew = (segment: string, persons: number, personsBefore: number) => ({
    segment, description: expect.stringContaining('30 days'), persons, personsBefore, change: persons - personsBefore, relativeChange: personsBefore > 0 ? (persons - personsBefore) / personsBefore : null,
  });
  expect(growth.segments).toEqual([
    grew('online_only_buyers', onlineOnly, 2),
    grew('omnichannel_buyers', omni, 0),
    grew('cart_abandoners', 1, 0),
    grew('lapsed_buyers', 1, 0),
    grew('store_only_buyers', 0, 0),
    grew('store_visitors_not_buying', 0, 0),
  ]);
  // Everyone here consented to marketing: the count is each segment's export.
  for (const s of growth.segments as Json[]) expect({ segment: s.segment, members: (await ok(`/v1/segments/rules/${s.segment}/members?days=30&limit=10000`)).persons.length }).toEqual({ segment: s.segment, members: s.persons });
});

test('partner reach: the identifiers each partner delivered, the persons they name, and those whose consent allows the partner\'s terms', async () => {
  // Dora refused marketing at the banner; Eve stated nothing (marketing is opt-in); one address is nobody's.
  const dora = `dora.${run}@example.com`;
  const eve = `eve.${run}@example.com`;
  await segment([
    web('dora', { type: 'identify', userId: `u-dora-${run}`, traits: { email: dora }, context: { consent: { categoryPreferences: { Analytics: true, Advertising: false } } } }),
    web('eve', { type: 'identify', userId: `u-eve-${run}`, traits: { email: eve }, context: { consent: null } }),
  ]);
  const file = join(tmpdir(), `api-trail-segments-${run}.csv`);
  writeFileSync(file, `email,phone,segment\n${ANNA.email},,trail-runners\n${dora},,trail-runners\n${eve},,trail-runners\nnobody.${run}@example.com,,trail-runners\n`);
  await loadDatasetFile('segments', file, { prefix, partner: 'trail-data' });
  await landed();

  const reach = await until('trail-data\'s delivery and the persons it names', async () => {
    const r = await ok('/v1/kpis/partner-segments/reach', DASHBOARD);
    return r.segments.some((s: Json) => s.partner === 'trail-data' && s.identifiers === 4 && s.persons === 3) ? r : undefined;
  }, 60_000);
  expect(reach.segments).toEqual([
    { partner: 'nordic-loyalty', segment: 'outdoor-enthusiast', identifiers: 2, persons: 1, consentingPersons: 1, purposes: ['marketing'] },
    { partner: 'trail-data', segment: 'trail-runners', identifiers: 4, persons: 3, consentingPersons: 1, purposes: ['marketing'] },
  ]);
  // The consenting person is the export's one member.
  const anna = await profile('user_id', ANNA.userId);
  expect((await ok('/v1/segments/partners/trail-data/trail-runners/members')).persons.map((p: Json) => p.personId)).toEqual([anna.personId]);
});

test('freshness: the newest event is the one just sent, its landing came after it, and the recent landings are the events this test sent', async () => {
  const sentAt = Date.now();
  const time = new Date(sentAt).toISOString();
  await segment([web('v2', { type: 'page', anonymousId: `v2-${run}`, name: 'Home', timestamp: time, context: { page: { path: '/', url: 'https://shop.example/' } } })]);
  await landed();

  const fresh = await ok('/v1/kpis/freshness', DASHBOARD);
  expect(fresh.newestEventTime).toBe(time);
  expect(Date.parse(fresh.lastLandedAt)).toBeGreaterThanOrEqual(sentAt);
  expect(Date.parse(fresh.lastLandedAt)).toBeLessThanOrEqual(Date.parse(fresh.asOf));
  // Every event this test made since 5 minutes before the answer was sent, so landed, since then; the
  // tenant has no other events. A run shorter than 5 minutes makes both bounds every event.
  const since = Date.parse(fresh.asOf) - 5 * 60_000;
  expect(fresh.eventsLandedLast5Minutes).toBeGreaterThanOrEqual(sent.filter((s) => s.at >= since).length);
  expect(fresh.eventsLandedLast5Minutes).toBeLessThanOrEqual(sent.length);
});

test('the push channel: a page that listens hears a landing moments after an event of the tenant lands', async () => {
  const controller = new AbortController();
  const res = await fetch(`${pipeline.apiUrl}/v1/stream`, { headers: { authorization: `Bearer ${DASHBOARD}` }, signal: controller.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  let text = '';
  const nextLanding = async (): Promise<{ landedAt: string | null; persons: number }> => {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      const match = /event: landed\ndata: (.*)\n\n/.exec(text);
      if (match) {
        text = text.slice(match.index + match[0].length);
        return JSON.parse(match[1]!) as { landedAt: string | null; persons: number };
      }
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    throw new Error(`no landed event: ${text}`);
  };
  const first = await nextLanding();
  const sentAt = Date.now();
  // A receipt without a loyalty card names no one: it is told all the same (the store page's conversion changes).
  const receiptId = id('R-anon');
  sent.push({ id: `pos:HEL-1:${receiptId}`, person: 'no one', at: Date.now() });
  storeRevenue += 500;
  await store([{ type: 'pos_transaction', timestamp: new Date().toISOString(), storeId: 'HEL-1', receiptId, currency: 'EUR', total: 5, lines: [{ lineNumber: 1, sku: SOCKS, quantity: 1, price: 5 }] }]);
  let landing = await nextLanding();
  while (landing.landedAt === null || Date.parse(landing.landedAt) < sentAt) landing = await nextLanding();
  expect(Date.parse(landing.landedAt)).toBeGreaterThanOrEqual(sentAt);
  expect(first.landedAt === null || Date.parse(first.landedAt) < sentAt).toBe(true);
  controller.abort();
  const [row] = await ch.query<{ n: string }>('SELECT count() AS n FROM events_raw WHERE event_id = {e:String}', { e: `pos:HEL-1:${receiptId}` });
  expect(Number(row!.n)).toBe(1);
});

test('keys and scopes: 401 without a known key, 403 outside its scope', async () => {
  const path = `/v1/profiles/user_id/${ANNA.userId}`;
  expect((await api(path, null)).status).toBe(401);
  expect((await api(path, 'not-a-key')).status).toBe(401);
  expect((await api(path, CLERK)).status).toBe(200);
  expect((await api(path, DASHBOARD)).status).toBe(403);
  expect((await api(`/v1/kpis/digital-share?from=${receiptDay}&to=${receiptDay}`, CLERK)).status).toBe(403);
  expect((await api(`/v1/kpis/digital-share?from=${receiptDay}&to=${receiptDay}`, DASHBOARD)).status).toBe(200);
  expect((await api('/v1/segments/rules/omnichannel_buyers/members', CLERK)).status).toBe(403);
  const forbidden = await api('/v1/segments', DASHBOARD);
  expect(forbidden.body.message).toContain('segment:export');
  // The OpenAPI document needs no key and names every route.
  const openapi = await api('/openapi.json', null);
  expect(openapi.status).toBe(200);
  expect(Object.keys(openapi.body.paths).sort()).toEqual([
    '/v1/erasures',
    '/v1/erasures/{requestId}',
    '/v1/identity/blocks',
    '/v1/identity/blocks/{type}/{value}',
    '/v1/kpis/campaigns/funnel',
    '/v1/kpis/digital-share',
    '/v1/kpis/freshness',
    '/v1/kpis/partner-segments/reach',
    '/v1/kpis/product-groups',
    '/v1/kpis/products/viewed-not-bought',
    '/v1/kpis/segments/growth',
    '/v1/kpis/stores',
    '/v1/kpis/stores/{storeId}/dwell',
    '/v1/kpis/stores/{storeId}/hours',
    '/v1/kpis/stores/{storeId}/zones',
    '/v1/kpis/web/checkout-funnel',
    '/v1/kpis/web/page-load',
    '/v1/kpis/web/searches',
    '/v1/kpis/web/technology',
    '/v1/profiles/{type}/{value}',
    '/v1/profiles/{type}/{value}/explain',
    '/v1/profiles/{type}/{value}/recommendations',
    '/v1/profiles/{type}/{value}/timeline',
    '/v1/segments',
    '/v1/segments/partners/{partner}/{segment}/members',
    '/v1/segments/rules/{name}/members',
    '/v1/stream',
  ]);
});

test('a bad parameter is 400 naming it', async () => {
  const cases: [string, string][] = [
    ['/v1/profiles/shoe_size/42', 'type'],
    ['/v1/profiles/email/not-an-address', 'value'],
    ['/v1/profiles/email_hash/ABC', 'value'],
    [`/v1/profiles/user_id/${ANNA.userId}/timeline?limit=0`, 'limit'],
    [`/v1/profiles/user_id/${ANNA.userId}/timeline?limit=many`, 'limit'],
    [`/v1/profiles/user_id/${ANNA.userId}/timeline?cursor=nonsense`, 'cursor'],
    [`/v1/profiles/user_id/${ANNA.userId}/recommendations?limit=51`, 'limit'],
    ['/v1/kpis/stores/HEL-1/hours', 'day'],
    ['/v1/kpis/stores/HEL-1/hours?day=2026-13-01', 'day'],
    ['/v1/kpis/digital-share?from=2026-12-02&to=2026-12-01', 'from'],
    ['/v1/kpis/product-groups?from=2026-12-01&to=2026-12-01&order=sideways', 'order'],
    ['/v1/kpis/stores/HEL-1/dwell', 'day'],
    ['/v1/kpis/stores/HEL-1/dwell?day=yesterday', 'day'],
    ['/v1/kpis/segments/growth?days=0', 'days'],
    ['/v1/kpis/segments/growth?compareDays=-7', 'compareDays'],
    ['/v1/segments/rules/everyone/members', 'name'],
    ['/v1/segments/rules/omnichannel_buyers/members?days=-1', 'days'],
  ];
  for (const [path, parameter] of cases) {
    const r = await api(path);
    expect({ path, status: r.status, parameter: r.body.parameter }).toEqual({ path, status: 400, parameter });
    expect(r.body.message).toContain(parameter);
  }
});

test('an injection table at every parameter leaves the data intact and the answers right', async () => {
  const before = await profile('user_id', ANNA.userId);
  const tables = async () => (await ch.query<{ name: string }>('SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name', { db: database })).map((t) => t.name);
  const count = async () => Number((await ch.query<{ n: number }>('SELECT count() AS n FROM events_raw'))[0]!.n);
  const [tablesBefore, countBefore] = [await tables(), await count()];
  const payloads = [
    "' OR '1'='1",
    "'; DROP TABLE events_raw; --",
    `${ANNA.userId}' OR 1=1 --`,
    "') UNION ALL SELECT name FROM system.tables --",
    '{tenant:String}',
    "\\'; SELECT 1; --",
    '1; TRUNCATE TABLE person_activity',
    '%27%20OR%201%3D1',
    '../../../etc/passwd',
    'demo',
    '*',
    "x'||(SELECT version())||'",
    '\u0000',
    'ø̵̡'.repeat(50),
  ];
  const e = encodeURIComponent;
  const routes = (p: string): string[] => [
    `/v1/profiles/${e(p)}/x`,
    `/v1/profiles/user_id/${e(p)}`,
    `/v1/profiles/email/${e(p)}`,
    `/v1/profiles/person_id/${e(p)}/timeline`,
    `/v1/profiles/user_id/${ANNA.userId}/timeline?limit=${e(p)}`,
    `/v1/profiles/user_id/${ANNA.userId}/timeline?cursor=${e(p)}`,
    `/v1/profiles/user_id/${ANNA.userId}/timeline?cursor=${Buffer.from(JSON.stringify({ t: 1, id: p })).toString('base64url')}`,
    `/v1/profiles/loyalty_card/${e(p)}/explain`,
    `/v1/profiles/user_id/${e(p)}/recommendations`,
    `/v1/segments/rules/${e(p)}/members`,
    `/v1/segments/rules/omnichannel_buyers/members?days=${e(p)}`,
    `/v1/segments/rules/omnichannel_buyers/members?cursor=${Buffer.from(JSON.stringify({ p })).toString('base64url')}`,
    `/v1/segments/partners/${e(p)}/${e(p)}/members`,
    `/v1/kpis/stores/${e(p)}/hours?day=${receiptDay}`,
    `/v1/kpis/stores/HEL-1/zones?day=${e(p)}`,
    `/v1/kpis/stores/${e(p)}/dwell?day=${receiptDay}`,
    `/v1/kpis/stores/HEL-1/dwell?day=${e(p)}`,
    `/v1/kpis/segments/growth?days=${e(p)}&compareDays=${e(p)}`,
    `/v1/kpis/digital-share?from=${e(p)}&to=${receiptDay}`,
    `/v1/kpis/campaigns/funnel?from=${receiptDay}&to=${e(p)}`,
    `/v1/kpis/product-groups?from=${receiptDay}&to=${receiptDay}&level=${e(p)}&order=${e(p)}`,
  ];
  const statuses = new Map<number, number>();
  for (const p of payloads) {
    for (const path of routes(p)) {
      const r = await api(path);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (![200, 400, 404].includes(r.status)) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
    }
  }
  expect(statuses.get(400)).toBeGreaterThan(0);
  expect(statuses.get(404)).toBeGreaterThan(0);
  expect(await tables()).toEqual(tablesBefore);
  expect(await count()).toBe(countBefore);
  expect(await profile('user_id', ANNA.userId)).toEqual({ ...before, asOf: expect.any(String) });
});
