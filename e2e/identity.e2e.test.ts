/**
 * Identity on the real stack, through all four services: the store recognises the customer the
 * web shop knows, and two customers are never glued together. Each scenario uses its own ids;
 * the answers are read where analysts read them, in ClickHouse (identities resolved through the
 * overrides, `identity_conflicts`), and on the conflicts topic.
 */
import { randomBytes } from 'node:crypto';
import { allTopics, createAvroCodec, createClickHouse, createKafkaClients, createLogger, topicsWithPrefix, type CdpIdentity, type ClickHouse } from '@cdp/plumbing';
import { createTestPipeline, type TestPipeline } from '@cdp/infra/src/testing/pipeline';
import { deleteTopics, prepareTopics, readAll } from '@cdp/infra/src/testing/topics';
import { IdentityGraph } from '@cdp/identity/src/core/graph';
import type { Identifier } from '@cdp/identity/src/core/identifiers';
import { DEFAULT_RULES } from '@cdp/identity/src/core/rules';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const prefix = `it-id-${run}.`;
const database = `it_id_${run}`;
const registryUrl = 'http://127.0.0.1:8081/apis/ccompat/v7';
const clients = createKafkaClients({ brokers: ['127.0.0.1:9092'], clientId: 'identity-e2e', logger: createLogger('identity-e2e', 'silent') });
const codec = createAvroCodec({ url: registryUrl });
const t = topicsWithPrefix(prefix);
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();
let pipeline: TestPipeline;
let ch: ClickHouse;

beforeAll(async () => {
  await prepareTopics(allTopics(prefix));
  pipeline = await createTestPipeline({ prefix, database, groupSuffix: run });
  for (const name of ['aggregation', 'enrichment', 'identity', 'ingest'] as const) await pipeline.start(name);
  ch = createClickHouse({ url: process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123', database });
}, 300_000);

afterAll(async () => {
  await pipeline?.stopAll();
  await ch?.command('DROP DATABASE IF EXISTS {db:Identifier}', { db: database });
  await ch?.close();
  await deleteTopics(allTopics(prefix));
});

async function send(key: string, path: string, batch: object[]): Promise<void> {
  const res = await fetch(`${pipeline.ingestUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic(key) }, body: JSON.stringify({ batch }) });
  expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: expect.objectContaining({ success: true }) });
}
const web = (batch: object[]) => send('local-web', '/v1/batch', batch);
const app = (batch: object[]) => send('local-app', '/v1/batch', batch);
const store = (batch: object[]) => send('local-store', '/v1/store/batch', batch);

/** Every identifier with its person as analysts see it: the identities table resolved through the overrides. */
const RESOLVED_IDENTITIES = `
  SELECT i.id_type AS id_type, i.id_value AS id_value, if(o.person_id != '', o.person_id, i.person_id) AS person_id
    FROM (SELECT tenant, id_type, id_value, argMax(person_id, updated_at) AS person_id FROM identities GROUP BY tenant, id_type, id_value) AS i
    LEFT JOIN (SELECT tenant, old_person_id, argMax(person_id, merged_at) AS person_id FROM person_overrides GROUP BY tenant, old_person_id) AS o
      ON i.tenant = o.tenant AND i.person_id = o.old_person_id`;

async function personsOf(values: string[]): Promise<Map<string, string>> {
  const rows = await ch.query<{ id_value: string; person_id: string }>(`SELECT id_value, person_id FROM (${RESOLVED_IDENTITIES}) WHERE id_value IN {values:Array(String)}`, { values });
  return new Map(rows.map((r) => [r.id_value, r.person_id]));
}
const personOfEvent = async (eventId: string) => (await ch.query<{ person_id: string }>('SELECT person_id FROM events WHERE event_id = {id:String}', { id: eventId }))[0]?.person_id;

test('one person across cookie, account, app, e-mail and loyalty card; kiosks and placeholders glue no one', async () => {
  const id = (s: string) => `${s}-${run}`;
  // 1. Anonymous browsing, then login: the browsing becomes the account's.
  await web([
    { type: 'page', anonymousId: id('a1'), name: 'Home', messageId: id('s1-p1'), timestamp: minutesAgo(30) },
    { type: 'track', anonymousId: id('a1'), event: 'Product Viewed', properties: { sku: 'SKU-1001' }, messageId: id('s1-t1'), timestamp: minutesAgo(29) },
    { type: 'identify', anonymousId: id('a1'), userId: id('u1'), traits: { email: `anna.${run}@example.com` }, messageId: id('s1-i1'), timestamp: minutesAgo(28) },
  ]);
  // 2. The same account in the app (its install id and device).
  await app([{ type: 'identify', anonymousId: id('install1'), userId: id('u1'), context: { device: { id: id('device1') } }, messageId: id('s2-i1'), timestamp: minutesAgo(27) }]);
  await app([{ type: 'track', anonymousId: id('install1'), event: 'App Opened', context: { device: { id: id('device1') } }, messageId: id('s2-t1'), timestamp: minutesAgo(26) }]);
  // 3. The loyalty card: on the account online, then at the till.
  await web([{ type: 'identify', userId: id('u1'), anonymousId: id('a1'), traits: { loyaltyCard: id('LC1') }, messageId: id('s3-i1'), timestamp: minutesAgo(25) }]);
  await store([{ type: 'pos_transaction', timestamp: minutesAgo(20), storeId: 'HEL-1', receiptId: id('R1'), loyaltyCard: id('LC1'), currency: 'EUR', total: 19.9, lines: [{ sku: 'SKU-1031', quantity: 1, price: 19.9 }] }]);
  // A till that also knows her customer number links it to the card.
  await store([{ type: 'pos_transaction', timestamp: minutesAgo(19), storeId: 'HEL-1', receiptId: id('R2'), loyaltyCard: id('LC1'), customerId: id('CRM1'), currency: 'EUR', total: 5, lines: [{ sku: 'SKU-1031', quantity: 1, price: 5 }] }]);
  // 4. A newsletter click on another device carries her (hashed) e-mail.
  await web([{ type: 'track', anonymousId: id('tablet'), event: 'Email Link Clicked', context: { traits: { email: `Anna.${run}@Example.com` } }, messageId: id('s4-t1'), timestamp: minutesAgo(10) }]);
  // 5. A shared kiosk in the store: three customers log in on it, one after the other.
  for (const [i, customer] of ['k1', 'k2', 'k3'].entries()) {
    await web([{ type: 'identify', anonymousId: id('kiosk'), userId: id(customer), messageId: id(`s5-i${i}`), timestamp: minutesAgo(9 - i) }]);
  }
  // 6. Placeholders that SDKs and careless integrations send.
  await web([
    { type: 'identify', anonymousId: id('g1'), userId: 'guest', messageId: id('s6-i1'), timestamp: minutesAgo(5) },
    { type: 'identify', anonymousId: id('g2'), userId: 'guest', messageId: id('s6-i2'), timestamp: minutesAgo(5) },
    { type: 'identify', anonymousId: id('g3'), userId: 'null', traits: { loyaltyCard: 'undefined' }, messageId: id('s6-i3'), timestamp: minutesAgo(5) },
  ]);
  await pipeline.settle();

  const persons = await personsOf([id('a1'), id('u1'), id('install1'), id('device1'), id('LC1'), id('CRM1'), id('tablet'), id('kiosk'), id('k1'), id('k2'), id('k3'), id('g1'), id('g2'), id('g3'), 'guest', 'null', 'undefined']);
  const anna = persons.get(id('u1'));
  expect(anna).toMatch(/^p_/);
  for (const other of ['a1', 'install1', 'device1', 'LC1', 'CRM1', 'tablet']) expect({ identifier: other, person: persons.get(id(other)) }).toEqual({ identifier: other, person: anna });
  // Her events, whichever person they were first given, now resolve to her: browsing, app, till.
  for (const eventId of [id('s1-p1'), id('s1-t1'), id('s2-t1'), `pos:HEL-1:${id('R1')}`, `pos:HEL-1:${id('R2')}`, id('s4-t1')]) expect({ eventId, person: await personOfEvent(eventId) }).toEqual({ eventId, person: anna });
  const [profile] = await ch.query<{ channels: string[] }>('SELECT channels FROM customer_profiles WHERE person_id = {p:String}', { p: anna! });
  expect(profile?.channels).toEqual(['app', 'store', 'web']);

  // The kiosk glued no one: three customers, three persons; the kiosk stays with the first.
  const kiosk = [persons.get(id('k1')), persons.get(id('k2')), persons.get(id('k3'))];
  expect(new Set(kiosk).size).toBe(3);
  expect(persons.get(id('kiosk'))).toBe(kiosk[0]);
  const conflicts = await ch.query<{ rule: string; reason: string; refused_value: string; event_id: string }>(
    'SELECT rule, reason, refused.2 AS refused_value, event_id FROM identity_conflicts FINAL WHERE has(arrayMap(x -> x.2, identifiers), {k:String}) ORDER BY event_time',
    { k: id('kiosk') },
  );
  expect(conflicts.map((c) => [c.rule, c.event_id, c.refused_value])).toEqual([
    ['identity.limit_exceeded', id('s5-i1'), id('kiosk')],
    ['identity.limit_exceeded', id('s5-i2'), id('kiosk')],
  ]);
  for (const c of conflicts) expect(c.reason).toMatch(/^user_id: p_\w+ has 1 and p_\w+ has 1, at most 1 per person$/);
  const onTopic = await readAllDecoded(t.identityConflicts.name);
  expect(onTopic.map((c) => c.eventId).filter((e) => e.startsWith('s5-'))).toEqual([id('s5-i1'), id('s5-i2')]);

  // Placeholders are no identifiers at all, so they joined no one.
  expect(new Set([persons.get(id('g1')), persons.get(id('g2')), persons.get(id('g3'))]).size).toBe(3);
  for (const placeholder of ['guest', 'null', 'undefined']) expect(persons.has(placeholder)).toBe(false);
  // No link in any test broke a rule: no person holds two user ids or two loyalty cards.
  const broken = await ch.query<{ n: number }>(
    `SELECT count() AS n FROM (
       SELECT person_id, countIf(id_type = 'user_id') AS users, countIf(id_type = 'loyalty_card') AS cards
       FROM (${RESOLVED_IDENTITIES})
       GROUP BY person_id HAVING users > 1 OR cards > 1)`,
  );
  expect(Number(broken[0]!.n)).toBe(0);
});

/** Every record of a topic, decoded. */
async function readAllDecoded<T = CdpIdentity.IdentityConflict>(topic: string): Promise<(T & { eventId: string })[]> {
  return Promise.all((await readAll([topic])).map(async (r) => (await codec.decode(r.value!)) as T & { eventId: string }));
}

test('kill -9 of identity mid-stream: after the restart the graph is what an uninterrupted writer makes of the same links', async () => {
  // 400 visitors; every second logs in; every fifth shares an e-mail with the previous visitor's account.
  const visitors = Array.from({ length: 400 }, (_, i) => i);
  const batches = visitors.map((i) => [
    { type: 'page', anonymousId: `kv-${run}-${i}`, name: 'Home', messageId: `kp-${run}-${i}`, timestamp: minutesAgo(15) },
    ...(i % 2 === 0 ? [{ type: 'identify', anonymousId: `kv-${run}-${i}`, userId: `ku-${run}-${i}`, traits: { email: `k${i - (i % 10 === 0 ? 2 : 0)}.${run}@example.com` }, messageId: `ki-${run}-${i}`, timestamp: minutesAgo(14) }] : []),
  ]);
  const sending = (async () => {
    for (const batch of batches) await web(batch);
  })();
  // Once the graph writer is at work, it dies without a goodbye.
  const admin = await clients.admin();
  for (let i = 0; i < 200 && (await admin.endOffsetTotal(t.identityLinks.name)) < 100; i++) await new Promise((r) => setTimeout(r, 50));
  await pipeline.kill('identity', 'SIGKILL');
  const linksAtKill = await admin.endOffsetTotal(t.identityLinks.name);
  await sending;
  await pipeline.start('identity');
  await admin.close();
  await pipeline.settle();
  expect(linksAtKill).toBeGreaterThan(0);

  // The reference: a writer that never stopped, applying the links in the order the topic holds them.
  const links = await readAllDecoded<CdpIdentity.IdentityLink>(t.identityLinks.name);
  const reference = new IdentityGraph(() => DEFAULT_RULES);
  for (const l of links) reference.applyLink(l.tenant, l.identifiers as Identifier[], l.eventTime, l.eventId, 0);
  // What the restarted writer published: the compacted tables, latest record per key.
  const assignments = new Map<string, CdpIdentity.IdentifierAssignment>();
  for (const a of await readAllDecoded<CdpIdentity.IdentifierAssignment>(t.identifierAssignments.name)) assignments.set(`${a.tenant}|${a.identifier.type}|${a.identifier.value}`, a);
  const merges = new Map<string, CdpIdentity.PersonMerge>();
  for (const m of await readAllDecoded<CdpIdentity.PersonMerge>(t.personMerges.name)) merges.set(`${m.tenant}|${m.fromPersonId}`, m);
  const published = new IdentityGraph(() => DEFAULT_RULES);
  for (const m of merges.values()) published.loadMerge(m);
  for (const a of assignments.values()) published.loadAssignment(a);

  // The topics are this test's own, so everything on them is this stream's.
  expect(published.size.identifiers).toBeGreaterThan(600);
  expect(published.partition()).toEqual(reference.partition());
  // No merge lost or applied twice: the same flat merge map, and no chain in it.
  expect(new Map(published.merges())).toEqual(new Map(reference.merges()));
  for (const to of published.merges().values()) expect(published.merges().has(to)).toBe(false);
}, 240_000);

test('stitching scales out: two stitchers in one group share the raw partitions, one graph writer, one answer', async () => {
  // Replace the all-in-one identity by a graph writer and two stitchers.
  await pipeline.kill('identity');
  await pipeline.start('identity:graph', { IDENTITY_ROLES: 'graph' });
  await pipeline.start('identity:stitch-1', { IDENTITY_ROLES: 'stitch' });
  await pipeline.start('identity:stitch-2', { IDENTITY_ROLES: 'stitch' });
  // Healthy is not yet in the group: wait for the rebalance that gives the second its partitions.
  const admin = await clients.admin();
  for (let i = 0; i < 120 && (await admin.groupMembers(`identity-${run}`)) !== 2; i++) await new Promise((r) => setTimeout(r, 250));
  expect(await admin.groupMembers(`identity-${run}`)).toBe(2);
  await admin.close();
  // Forty shoppers log in on the web and use the app: their events spread over the partitions.
  for (let i = 0; i < 40; i++) {
    await web([
      { type: 'page', anonymousId: `so-a-${run}-${i}`, name: 'Home', messageId: `so-p-${run}-${i}`, timestamp: minutesAgo(8) },
      { type: 'identify', anonymousId: `so-a-${run}-${i}`, userId: `so-u-${run}-${i}`, messageId: `so-i-${run}-${i}`, timestamp: minutesAgo(7) },
    ]);
    await app([{ type: 'track', anonymousId: `so-app-${run}-${i}`, userId: `so-u-${run}-${i}`, event: 'App Opened', messageId: `so-t-${run}-${i}`, timestamp: minutesAgo(6) }]);
  }
  await pipeline.settle();
  // Both stitchers did work: each counted records of the raw topic on its own metrics.
  for (const stitcher of ['identity:stitch-1', 'identity:stitch-2'] as const) {
    const metrics = await (await fetch(`http://127.0.0.1:${pipeline.port(stitcher)}/metrics`)).text();
    const ok = metrics.split('\n').filter((l) => l.startsWith('cdp_records_total') && l.includes(`topic="${t.webEvents.name}"`) && l.includes('outcome="ok"'));
    expect({ stitcher, handled: ok.reduce((n, l) => n + Number(l.split(' ').pop()), 0) > 0 }).toEqual({ stitcher, handled: true });
  }
  // Every shopper is one person across browser, account and app, whichever stitcher saw which event.
  const persons = await personsOf(Array.from({ length: 40 }, (_, i) => [`so-a-${run}-${i}`, `so-u-${run}-${i}`, `so-app-${run}-${i}`]).flat());
  for (let i = 0; i < 40; i++) {
    const ids = [`so-a-${run}-${i}`, `so-u-${run}-${i}`, `so-app-${run}-${i}`].map((v) => persons.get(v));
    expect({ shopper: i, persons: new Set(ids).size, known: ids.every(Boolean) }).toEqual({ shopper: i, persons: 1, known: true });
  }
  expect(new Set(persons.values()).size).toBe(40);
});
