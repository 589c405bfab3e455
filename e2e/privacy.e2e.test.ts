/**
 * Erasure (the right to be forgotten) on the real stack, through all four services. Eve shops on
 * the web and in the store; Bob too. Eve asks to be forgotten by her loyalty card: afterwards no
 * ClickHouse table holds a row of any person her events were stored under, no compacted topic
 * holds a live record of her identifiers or persons, her next event is suppressed at ingest, and
 * withdrawing the request lets her events in again. Bob's rows stay as they were.
 *
 * The checks find the tables themselves (every table with a person_id column) and compute her
 * persons from what was stored before the erasure, not from the erasure's own rules.
 */
import { createAvroCodec, createKafkaClients, createLogger, loadSchemaCatalog, partitionFor, topicsWithPrefix, valueSubjectOf, type CdpIdentity, type CdpPrivacy, type ClickHouse } from '@cdp/plumbing';
import { readAll } from '@cdp/infra/src/testing/topics';
import { expectedEmailHash } from './support/hashes';
import { ingestSenders, minutesAgo, runNames, startPipelineRun, stopPipelineRun, type PipelineRun } from './support/pipeline-run';

const names = runNames('pv');
const { run } = names;
const clients = createKafkaClients({ brokers: ['127.0.0.1:9092'], clientId: 'privacy-e2e', logger: createLogger('privacy-e2e', 'silent') });
const codec = createAvroCodec({ url: 'http://127.0.0.1:8081/apis/ccompat/v7' });
const t = topicsWithPrefix(names.prefix);
const TENANT = 'demo';
const id = (s: string) => `${s}-${run}`;
let stack: PipelineRun;
let ch: ClickHouse;
const { web, store } = ingestSenders(() => stack.pipeline.ingestUrl);

// Carts are abandoned after 4 s here, so that a signal comes (or is withheld) within the test.
const CART_ABANDON_MS = 4_000;
const API_KEY = 'local-demo-api-key';

beforeAll(async () => {
  stack = await startPipelineRun(names, { env: { aggregation: { AGGREGATION_CART_ABANDON_MS: String(CART_ABANDON_MS), AGGREGATION_SIGNAL_TICK_MS: '250' } }, api: true });
  ch = stack.ch;
}, 300_000);

afterAll(async () => {
  await stopPipelineRun(stack, names);
});

/** A shopper: browsing, a cart, a login with e-mail and loyalty card, a receipt at the till. */
async function shop(who: string, minutes: number): Promise<string[]> {
  const ids = [id(`${who}-p1`), id(`${who}-t1`), id(`${who}-i1`)];
  await web([
    { type: 'page', anonymousId: id(`${who}-cookie`), name: 'Home', messageId: ids[0], timestamp: minutesAgo(minutes) },
    { type: 'track', anonymousId: id(`${who}-cookie`), event: 'Product Added', properties: { sku: 'SKU-1001', price: 59.9, quantity: 1 }, messageId: ids[1], timestamp: minutesAgo(minutes - 1) },
    { type: 'identify', anonymousId: id(`${who}-cookie`), userId: id(`${who}-user`), traits: { email: `${who}.${run}@example.com`, loyaltyCard: id(`${who}-card`) }, messageId: ids[2], timestamp: minutesAgo(minutes - 2) },
  ]);
  await store([{ type: 'pos_transaction', timestamp: minutesAgo(minutes - 5), storeId: 'HEL-1', receiptId: id(`${who}-R1`), loyaltyCard: id(`${who}-card`), currency: 'EUR', total: 19.9, lines: [{ sku: 'SKU-1031', quantity: 1, price: 19.9 }] }]);
  return [...ids, `pos:HEL-1:${id(`${who}-R1`)}`];
}

const identifierValues = (who: string) => [id(`${who}-cookie`), id(`${who}-user`), id(`${who}-card`), expectedEmailHash(names.piiSalt, `${who}.${run}@example.com`)];

/** Every person id the shopper's rows can carry: her events' persons at ingest, her identifiers' persons and the persons merged into them. */
async function personsOf(eventIds: string[], values: string[]): Promise<string[]> {
  const rows = await ch.query<{ p: string }>(
    `SELECT DISTINCT person_id AS p FROM events_raw WHERE event_id IN {events:Array(String)}
     UNION DISTINCT SELECT DISTINCT person_id FROM identities WHERE id_value IN {values:Array(String)}
     UNION DISTINCT SELECT DISTINCT old_person_id FROM person_overrides WHERE person_id IN (SELECT person_id FROM identities WHERE id_value IN {values:Array(String)})`,
    { events: eventIds, values },
  );
  return rows.map((r) => r.p).filter((p) => p !== '').sort();
}

/** Rows per table that carry one of `persons`, over every table with a person_id column, and the identity history by identifier. */
async function rowsOf(persons: string[], values: string[]): Promise<Record<string, number>> {
  const columns = await ch.query<{ table: string; type: string }>(
    "SELECT table, type FROM system.columns WHERE database = currentDatabase() AND name = 'person_id' AND table IN (SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree')",
  );
  const counts: Record<string, number> = {};
  for (const c of columns) {
    const person = c.type.startsWith('AggregateFunction') ? 'finalizeAggregation(person_id)' : 'person_id';
    const [row] = await ch.query<{ n: string }>(`SELECT count() AS n FROM ${c.table} WHERE ${person} IN {persons:Array(String)}`, { persons });
    counts[c.table] = Number(row!.n);
  }
  const overrides = await ch.query<{ n: string }>('SELECT count() AS n FROM person_overrides WHERE old_person_id IN {persons:Array(String)}', { persons });
  counts['person_overrides (absorbed)'] = Number(overrides[0]!.n);
  const history = await ch.query<{ n: string }>('SELECT count() AS n FROM identity_history WHERE arrayExists(i -> i.2 IN {values:Array(String)}, identifiers)', { values });
  counts['identity_history (by identifier)'] = Number(history[0]!.n);
  const identities = await ch.query<{ n: string }>('SELECT count() AS n FROM identities WHERE id_value IN {values:Array(String)}', { values });
  counts['identities (by identifier)'] = Number(identities[0]!.n);
  return counts;
}

/** The newest record per key of a compacted topic (null: a tombstone), read to its end. */
async function latestByKey(topic: string): Promise<Map<string, Buffer | null>> {
  const latest = new Map<string, Buffer | null>();
  await clients.readTable(topic, (r) => latest.set(r.key?.toString('utf8') ?? '', r.value), { follow: false });
  return latest;
}

async function writeRequest(request: CdpPrivacy.ErasureRequest): Promise<void> {
  const schemaId = await codec.idOf(valueSubjectOf(t.erasureRequests.name), loadSchemaCatalog().resolve(t.erasureRequests.valueType));
  const key = `${request.tenant}|${request.requestId}`;
  const producer = await clients.producer();
  await producer.send(t.erasureRequests.name, [{ key, value: codec.encode(schemaId, request), partition: partitionFor(t.erasureRequests, key)! }]);
  await producer.close();
}

async function waitForState(requestId: string, states: CdpPrivacy.ErasureState[]): Promise<CdpPrivacy.ErasureRequest> {
  for (const deadline = Date.now() + 90_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
    const value = (await latestByKey(t.erasureRequests.name)).get(`${TENANT}|${requestId}`);
    if (value) {
      const request = (await codec.decode(value)) as CdpPrivacy.ErasureRequest;
      if (states.includes(request.state)) return request;
    }
  }
  throw new Error(`erasure request ${requestId} did not reach ${states.join(' or ')} within 90 s`);
}

const landed = async (eventId: string) => Number((await ch.query<{ n: string }>('SELECT count() AS n FROM events_raw WHERE event_id = {e:String}', { e: eventId }))[0]!.n);

test('an erasure by loyalty card leaves no row, no live record and no new event of the person, and a withdrawal lets her in again', async () => {
  const eveEvents = await shop('eve', 40);
  const bobEvents = await shop('bob', 30);
  await stack.pipeline.settle();
  const eveValues = identifierValues('eve');
  const eve = await personsOf(eveEvents, eveValues);
  const bob = await personsOf(bobEvents, identifierValues('bob'));
  expect(eve.length).toBeGreaterThanOrEqual(2);
  expect(eve.filter((p) => bob.includes(p))).toEqual([]);
  const eveBefore = await rowsOf(eve, eveValues);
  const bobBefore = await rowsOf(bob, identifierValues('bob'));
  // What there is to erase: her events and everything derived from them.
  for (const table of ['events_raw', 'person_activity', 'person_timeline', 'person_daily', 'session_activity', 'identities', 'person_identifiers', 'identity_history_by_person', 'person_overrides (absorbed)', 'identity_history (by identifier)']) {
    expect({ table, rows: (eveBefore[table] ?? 0) > 0 }).toEqual({ table, rows: true });
  }

  const requestId = `er_${run}`;
  const now = Date.now();
  await writeRequest({
    tenant: TENANT, requestId, requestedAt: now, requestedBy: 'privacy-e2e', state: 'REQUESTED', identifier: { type: 'loyalty_card', value: id('eve-card') },
    personIds: [], historyEntryIds: [], identifiers: 0, kafkaTombstones: 0, clickhouseRows: 0, updatedAt: now, doneAt: null, detail: null,
  });
  const done = await waitForState(requestId, ['DONE', 'NOT_FOUND']);
  expect(done).toMatchObject({ state: 'DONE', identifier: null, personIds: [], historyEntryIds: [], identifiers: 4, requestedBy: 'privacy-e2e' });
  expect(done.clickhouseRows).toBeGreaterThanOrEqual(Object.values(eveBefore).reduce((a, b) => a + b, 0) - eveBefore['person_overrides (absorbed)']! - eveBefore['identity_history (by identifier)']! - eveBefore['identities (by identifier)']!);
  expect(done.kafkaTombstones).toBeGreaterThan(0);

  // ClickHouse: nothing of hers in any table; Bob's rows untouched.
  const eveAfter = await rowsOf(eve, eveValues);
  expect(Object.entries(eveAfter).filter(([, n]) => n > 0)).toEqual([]);
  expect(await rowsOf(bob, identifierValues('bob'))).toEqual(bobBefore);

  // Kafka: no live record of her identifiers or persons on any compacted topic.
  const mentionsHer = (text: string) => eveValues.some((v) => text.includes(v)) || eve.some((p) => text.includes(p));
  for (const topic of [t.identifierAssignments, t.personMerges, t.signalState]) {
    const live = [...(await latestByKey(topic.name))].filter(([key, value]) => value !== null && mentionsHer(key));
    expect({ topic: topic.name, live: live.map(([key]) => key) }).toEqual({ topic: topic.name, live: [] });
  }
  const liveHistory = [];
  for (const [key, value] of await latestByKey(t.identityHistory.name)) {
    if (!value) continue;
    const entry = (await codec.decode(value)) as CdpIdentity.IdentityHistoryEntry;
    if (mentionsHer(JSON.stringify(entry))) liveHistory.push(key);
  }
  expect(liveHistory).toEqual([]);
  // Bob's history is still there.
  expect([...(await latestByKey(t.identityHistory.name)).values()].filter((v) => v !== null).length).toBeGreaterThan(0);
  // The request itself names her no more: its newest record is the DONE above.
  const requestRecord = (await latestByKey(t.erasureRequests.name)).get(`${TENANT}|${requestId}`)!;
  expect(JSON.stringify(await codec.decode(requestRecord))).not.toMatch(new RegExp([...eveValues, ...eve].join('|')));

  // Her next visit with the same cookie is suppressed; Bob's is not.
  await web([
    { type: 'page', anonymousId: id('eve-cookie'), name: 'Home', messageId: id('eve-p2'), timestamp: minutesAgo(1) },
    { type: 'page', anonymousId: id('bob-cookie'), name: 'Home', messageId: id('bob-p2'), timestamp: minutesAgo(1) },
  ]);
  await stack.pipeline.settle();
  expect({ eve: await landed(id('eve-p2')), bob: await landed(id('bob-p2')) }).toEqual({ eve: 0, bob: 1 });
  // Dropped at the door, not by the stitchers: ingest counted it and never wrote it to Kafka.
  const metrics = await (await fetch(`http://127.0.0.1:${stack.pipeline.port('ingest')}/metrics`)).text();
  expect(metrics).toMatch(/^ingest_suppressed_events_total\{[^}]*\} 1$/m);
  const onWebTopic = (await readAll([t.webEvents.name])).map((r) => r.value!.toString('latin1'));
  expect({ eve: onWebTopic.filter((v) => v.includes(id('eve-p2'))).length, bob: onWebTopic.filter((v) => v.includes(id('bob-p2'))).length }).toEqual({ eve: 0, bob: 1 });
  expect(Object.entries(await rowsOf(eve, eveValues)).filter(([, n]) => n > 0)).toEqual([]);

  // A restarted identity rebuilds from the compacted topics, where her older records still sit before the tombstones.
  await stack.pipeline.kill('identity');
  await stack.pipeline.start('identity');

  // Withdrawn: her identifiers are no longer suppressed, and her next event lands.
  await writeRequest({ ...done, state: 'WITHDRAWN', updatedAt: Date.now() });
  for (const deadline = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 300))) {
    const live = [...(await latestByKey(t.suppressions.name))].filter(([key, value]) => value !== null && mentionsHer(key));
    if (live.length === 0) break;
    if (Date.now() > deadline) throw new Error(`suppressions still live after the withdrawal: ${live.map(([k]) => k).join(', ')}`);
  }
  // Ingest follows the suppressions topic: give it the time a table reader needs to see the tombstones.
  await new Promise((r) => setTimeout(r, 2_000));
  await web([{ type: 'page', anonymousId: id('eve-cookie'), name: 'Home', messageId: id('eve-p3'), timestamp: minutesAgo(0) }]);
  await stack.pipeline.settle();
  expect(await landed(id('eve-p3'))).toBe(1);
  // As a first-seen cookie: the restarted graph had forgotten her.
  const [cookie] = await ch.query<{ first_seen: string; n: string }>(
    'SELECT toUnixTimestamp64Milli(min(first_seen)) AS first_seen, count() AS n FROM identities WHERE id_value = {v:String}', { v: id('eve-cookie') },
  );
  expect(Number(cookie!.n)).toBeGreaterThan(0);
  expect(Number(cookie!.first_seen)).toBeGreaterThan(Date.now() - 5 * 60_000);
}, 300_000);

/**
 * Consent per purpose under the repository's policy (analytics opt-out; personalisation and
 * marketing opt-in): Alma accepts the banner, Ville refuses everything, Nina closes it without an
 * answer. Each puts a product in the cart and leaves, so each could make a signal and be in the
 * cart abandoners' segment. Later Ville accepts the loyalty programme's terms at a till.
 */
describe('consent per purpose', () => {
  const api = async (path: string) => {
    const res = await fetch(`${stack.pipeline.apiUrl}${path}`, { headers: { authorization: `Bearer ${API_KEY}` } });
    return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const banner = (answer: 'all' | 'none' | 'nothing') =>
    answer === 'nothing' ? {} : { consent: { categoryPreferences: answer === 'all' ? { Analytics: true, Personalization: true, Advertising: true } : { Analytics: false, Personalization: false, Advertising: false } } };
  const shopper = async (who: string, answer: 'all' | 'none' | 'nothing') => {
    const ids = { anonymousId: id(`${who}-cookie`), userId: id(`${who}-user`) };
    await web([
      { type: 'page', ...ids, name: 'Home', context: banner(answer), messageId: id(`${who}-c1`), timestamp: minutesAgo(3) },
      { type: 'track', ...ids, event: 'Product Added', properties: { sku: 'SKU-1001', price: 59.9, quantity: 1 }, context: banner(answer), messageId: id(`${who}-c2`), timestamp: minutesAgo(2) },
    ]);
  };
  const signalsOf = async (who: string) =>
    (await ch.query<{ kind: string }>('SELECT kind FROM signals FINAL WHERE has(source_event_ids, {e:String})', { e: id(`${who}-c2`) })).map((r) => r.kind);
  const members = async () =>
    ((await api('/v1/segments/rules/cart_abandoners/members?days=30&limit=1000')).body.persons as { personId: string }[]).map((p) => p.personId);

  test('each output follows the person\'s newest answer, or the tenant\'s policy where they gave none', async () => {
    await shopper('alma', 'all');
    await shopper('ville', 'none');
    await shopper('nina', 'nothing');
    await stack.pipeline.settle();
    // Time for the carts' timers, then for the signals to land.
    await new Promise((r) => setTimeout(r, CART_ABANDON_MS + 3_000));
    await stack.pipeline.settle();

    const profileOf = async (who: string) => (await api(`/v1/profiles/user_id/${id(`${who}-user`)}`)).body;
    const [alma, ville, nina] = [await profileOf('alma'), await profileOf('ville'), await profileOf('nina')];
    const decisions = (p: Record<string, any>) => Object.fromEntries(Object.entries(p.consent as Record<string, { granted: boolean; stated: boolean }>).map(([k, v]) => [k, [v.granted, v.stated]])); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(decisions(alma)).toEqual({ analytics: [true, true], personalisation: [true, true], marketing: [true, true] });
    expect(decisions(ville)).toEqual({ analytics: [false, true], personalisation: [false, true], marketing: [false, true] });
    expect(decisions(nina)).toEqual({ analytics: [true, false], personalisation: [false, false], marketing: [false, false] });

    // Analytics: figures and timeline for Alma and Nina (opt-out), none for Ville.
    expect({ alma: alma.events, nina: nina.events, ville: ville.events }).toEqual({ alma: 2, nina: 2, ville: null });
    expect({ alma: alma.withheld.includes('analytics'), ville: ville.withheld.includes('analytics') }).toEqual({ alma: false, ville: true });
    const timeline = async (who: string) => (await api(`/v1/profiles/user_id/${id(`${who}-user`)}/timeline`)).body;
    expect((await timeline('alma')).events).toHaveLength(2);
    expect(await timeline('ville')).toMatchObject({ events: [], withheld: ['analytics'] });

    // Personalisation: recommendations only for Alma (opt-in).
    const recs = async (who: string) => (await api(`/v1/profiles/user_id/${id(`${who}-user`)}/recommendations`)).body;
    expect((await recs('alma')).withheld).toEqual([]);
    expect(await recs('ville')).toMatchObject({ items: [], withheld: ['personalisation'] });
    expect(await recs('nina')).toMatchObject({ items: [], withheld: ['personalisation'] });

    // Marketing: only Alma's cart is told, and only she is in the exported segment.
    expect({ alma: await signalsOf('alma'), ville: await signalsOf('ville'), nina: await signalsOf('nina') }).toEqual({ alma: ['cart_abandoned'], ville: [], nina: [] });
    const exported = await members();
    expect({ alma: exported.includes(alma.personId), ville: exported.includes(ville.personId), nina: exported.includes(nina.personId) }).toEqual({ alma: true, ville: false, nina: false });

    // Ville accepts the loyalty terms at a till, after the banner: the newest answer wins for marketing.
    await web([{ type: 'identify', userId: id('ville-user'), traits: { loyaltyCard: id('ville-card') }, messageId: id('ville-c3'), timestamp: minutesAgo(1) }]);
    await store([{ type: 'pos_transaction', timestamp: minutesAgo(0), storeId: 'HEL-1', receiptId: id('ville-R'), loyaltyCard: id('ville-card'), consent: { categoryPreferences: { 'loyalty-marketing': true } }, currency: 'EUR', total: 5, lines: [{ sku: 'SKU-1031', quantity: 1, price: 5 }] }]);
    await stack.pipeline.settle();
    for (const deadline = Date.now() + 30_000; !(await profileOf('ville')).consent.marketing.granted; await new Promise((r) => setTimeout(r, 300))) {
      if (Date.now() > deadline) throw new Error('Ville\'s loyalty terms did not reach his profile');
    }
    expect((await profileOf('ville')).consent).toMatchObject({ marketing: { granted: true, stated: true, source: 'store' }, analytics: { granted: false } });
  }, 120_000);
});

/**
 * Splitting a wrong merge. A mother (browser, loyalty card, buys at the till) and her son (browser,
 * web account, orders online) both give the family's e-mail, which the default rules merge on:
 * they become one person. An operator blocks the e-mail through the API: they come apart, each
 * with their own history and revenue, the explanation says why; undoing the block joins them again.
 */
describe('splitting a wrong merge', () => {
  const ADMIN_KEY = 'local-demo-privacy-key';
  const call = async (method: string, path: string, key: string, body?: object) => {
    const res = await fetch(`${stack.pipeline.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const family = `family.${run}@example.com`;
  const everyone = { consent: { categoryPreferences: { Analytics: true, Personalization: true, Advertising: true } } };
  const mother = { page: id('mother-s1'), identify: id('mother-s2'), receipt: `pos:HEL-1:${id('mother-SR')}` };
  const son = { page: id('son-s1'), identify: id('son-s2'), order: id('son-s3') };
  const profileOf = async (type: string, value: string) => (await call('GET', `/v1/profiles/${type}/${value}`, API_KEY)).body;
  const timelineOf = async (type: string, value: string) => ((await call('GET', `/v1/profiles/${type}/${value}/timeline?limit=100`, API_KEY)).body.events as { eventId: string }[]).map((e) => e.eventId).sort();
  const blockState = async () => (await call('GET', `/v1/identity/blocks/email/${encodeURIComponent(family)}`, ADMIN_KEY)).body.state as string | undefined;
  const waitFor = async (what: string, ready: () => Promise<boolean>) => {
    for (const deadline = Date.now() + 60_000; !(await ready()); await new Promise((r) => setTimeout(r, 500))) {
      if (Date.now() > deadline) throw new Error(`${what} within 60 s`);
    }
  };

  test('blocking the family e-mail gives both their own history and revenue back; undoing it joins them again', async () => {
    await web([
      { type: 'page', anonymousId: id('mother-cookie'), name: 'Home', context: everyone, messageId: mother.page, timestamp: minutesAgo(20) },
      { type: 'identify', anonymousId: id('mother-cookie'), traits: { email: family, loyaltyCard: id('mother-card') }, context: everyone, messageId: mother.identify, timestamp: minutesAgo(19) },
      { type: 'page', anonymousId: id('son-cookie'), name: 'Home', context: everyone, messageId: son.page, timestamp: minutesAgo(15) },
      { type: 'identify', anonymousId: id('son-cookie'), userId: id('son-user'), traits: { email: family }, context: everyone, messageId: son.identify, timestamp: minutesAgo(14) },
      {
        type: 'track', anonymousId: id('son-cookie'), userId: id('son-user'), event: 'Order Completed', context: everyone, messageId: son.order, timestamp: minutesAgo(13),
        properties: { order_id: id('son-O1'), total: 80, currency: 'EUR', products: [{ sku: 'SKU-1001', price: 80, quantity: 1 }] },
      },
    ]);
    await store([{ type: 'pos_transaction', timestamp: minutesAgo(10), storeId: 'HEL-1', receiptId: id('mother-SR'), loyaltyCard: id('mother-card'), currency: 'EUR', total: 30, lines: [{ sku: 'SKU-1031', quantity: 1, price: 30 }] }]);
    await stack.pipeline.settle();

    // Glued: one person with both histories and both revenues.
    const glued = await profileOf('loyalty_card', id('mother-card'));
    expect((await profileOf('user_id', id('son-user'))).personId).toBe(glued.personId);
    expect(glued).toMatchObject({ onlineRevenueMinor: 8000, storeRevenueMinor: 3000 });

    // Only an operator's key may block; the reason is required.
    expect((await call('POST', '/v1/identity/blocks', API_KEY, { identifier: { type: 'email', value: family }, reason: 'family e-mail' })).status).toBe(403);
    expect((await call('POST', '/v1/identity/blocks', ADMIN_KEY, { identifier: { type: 'email', value: family } })).status).toBe(400);
    const asked = await call('POST', '/v1/identity/blocks', ADMIN_KEY, { identifier: { type: 'email', value: family }, reason: 'a family shares this e-mail' });
    expect(asked.status).toBe(202);
    await waitFor('the block was not applied', async () => (await blockState()) === 'BLOCKED');
    await stack.pipeline.settle();

    const motherAfter = await profileOf('loyalty_card', id('mother-card'));
    const sonAfter = await profileOf('user_id', id('son-user'));
    expect(motherAfter.personId).not.toBe(sonAfter.personId);
    expect([motherAfter.personId, sonAfter.personId]).toContain(glued.personId);
    expect({ mother: [motherAfter.onlineRevenueMinor, motherAfter.storeRevenueMinor], son: [sonAfter.onlineRevenueMinor, sonAfter.storeRevenueMinor] }).toEqual({ mother: [0, 3000], son: [8000, 0] });
    expect(await timelineOf('loyalty_card', id('mother-card'))).toEqual([mother.page, mother.identify, mother.receipt].sort());
    expect(await timelineOf('user_id', id('son-user'))).toEqual([son.page, son.identify, son.order].sort());
    // The e-mail names no one any more, and each profile has only its own identifiers.
    expect((await call('GET', `/v1/profiles/email/${encodeURIComponent(family)}`, API_KEY)).status).toBe(404);
    const values = (p: Record<string, any>) => (p.identifiers as { value: string }[]).map((i) => i.value); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(values(motherAfter)).not.toContain(id('son-user'));
    expect(values(sonAfter)).not.toContain(id('mother-card'));
    // ClickHouse's own view agrees: the split person's revenue, read with the merge records.
    const [chSon] = await ch.query<{ online_revenue_minor: string; store_revenue_minor: string }>(
      'SELECT online_revenue_minor, store_revenue_minor FROM customer_profile(tenant = {t:String}, person_id = {p:String})', { t: TENANT, p: sonAfter.personId },
    );
    expect({ online: Number(chSon!.online_revenue_minor), store: Number(chSon!.store_revenue_minor) }).toEqual({ online: 8000, store: 0 });
    // Why: the explanation shows the block, by whom and for what reason.
    const explained = JSON.stringify((await call('GET', `/v1/profiles/user_id/${id('son-user')}/explain`, API_KEY)).body);
    expect(explained).toContain('a family shares this e-mail');
    expect(explained).toContain('BLOCKED');

    // A later event with the e-mail joins no one.
    await web([{ type: 'identify', anonymousId: id('mother-cookie'), traits: { email: family }, context: everyone, messageId: id('mother-s4'), timestamp: minutesAgo(5) }]);
    await stack.pipeline.settle();
    expect((await profileOf('loyalty_card', id('mother-card'))).personId).not.toBe((await profileOf('user_id', id('son-user'))).personId);

    // Undone: the links that named the e-mail are applied again, and the two are one person again.
    expect((await call('DELETE', `/v1/identity/blocks/email/${encodeURIComponent(family)}`, ADMIN_KEY)).status).toBe(202);
    await waitFor('the unblock was not applied', async () => (await blockState()) === 'UNBLOCKED');
    await stack.pipeline.settle();
    const again = await profileOf('loyalty_card', id('mother-card'));
    expect((await profileOf('user_id', id('son-user'))).personId).toBe(again.personId);
    expect(again).toMatchObject({ onlineRevenueMinor: 8000, storeRevenueMinor: 3000 });
  }, 180_000);
});
