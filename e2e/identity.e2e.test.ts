/**
 * Identity on the real stack, through all four services: the store recognises the customer the
 * web shop knows, and two customers are never glued together. Each scenario uses its own ids;
 * the answers are read where analysts read them, in ClickHouse (identities resolved through the
 * overrides, `identity_conflicts`, the identity history by person), and on the conflicts and
 * history topics.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Analytics } from '@segment/analytics-node';
import { createAvroCodec, createKafkaClients, createLogger, topicsWithPrefix, type CdpIdentity, type ClickHouse } from '@cdp/plumbing';
import type { TestPipeline } from '@cdp/infra/src/testing/pipeline';
import { readAll } from '@cdp/infra/src/testing/topics';
import type { Browsing, BrowsingResult } from './browser/browsing';
import { IdentityGraph } from '../services/identity/src/core/graph';
import type { Identifier } from '../services/identity/src/core/identifiers';
import { parseRules } from '../services/identity/src/core/rules';
import { launchChromium, serveShop } from './support/browser';
import { expectedEmailHash } from './support/hashes';
import { ingestSenders, minutesAgo, runNames, startPipelineRun, stopPipelineRun, type PipelineRun } from './support/pipeline-run';

const names = runNames('id');
const { run, prefix } = names;
const registryUrl = 'http://127.0.0.1:8081/apis/ccompat/v7';
const clients = createKafkaClients({ brokers: ['127.0.0.1:9092'], clientId: 'identity-e2e', logger: createLogger('identity-e2e', 'silent') });
const codec = createAvroCodec({ url: registryUrl });
const t = topicsWithPrefix(prefix);
const PII_SALT = names.piiSalt;
let stack: PipelineRun;
let pipeline: TestPipeline;
let ch: ClickHouse;
const { send, web, app, store } = ingestSenders(() => pipeline.ingestUrl);

beforeAll(async () => {
  stack = await startPipelineRun(names);
  ({ pipeline, ch } = stack);
}, 300_000);

afterAll(async () => {
  await stopPipelineRun(stack, names);
});

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

  // The login's history: the cause event, the cookie's person joined with its identifier, and the
  // entry filed in ClickHouse under both the survivor and the person it absorbed.
  const history = await readAllDecoded<CdpIdentity.IdentityHistoryEntry>(t.identityHistory.name);
  const login = history.find((h) => h.eventId === id('s1-i1'));
  expect(login).toBeDefined();
  expect(login!.identifiers).toEqual(expect.arrayContaining([{ type: 'user_id', value: id('u1') }, { type: 'anonymous_id', value: id('a1') }]));
  const cookieJoin = login!.joins.find((j) => j.identifiers.some((i) => i.value === id('a1')));
  expect(cookieJoin).toEqual({ survivorPersonId: login!.personId, absorbedPersonId: expect.stringMatching(/^p_/), identifiers: [{ type: 'anonymous_id', value: id('a1') }], carriedPersonIds: [] });
  expect(cookieJoin!.absorbedPersonId).not.toBe(login!.personId);
  // The cookie was seen first by the page view before the login: its own entry, its own person.
  expect(history.find((h) => h.eventId === id('s1-p1'))).toMatchObject({ firstSeen: [{ type: 'anonymous_id', value: id('a1') }], personId: cookieJoin!.absorbedPersonId, joins: [] });
  // Every kiosk refusal is in the history too, with its conflict's id.
  const kioskRefusals = history.flatMap((h) => h.refusals.filter((r) => r.refused.value === id('kiosk')).map((r) => [h.eventId, r.conflictId]));
  expect(kioskRefusals).toEqual(onTopic.filter((c) => c.eventId.startsWith('s5-')).map((c) => [c.eventId, c.conflictId]));
  const filed = await ch.query<{ person_id: string }>(
    'SELECT person_id FROM identity_history_by_person FINAL WHERE tenant = {t:String} AND person_id IN {persons:Array(String)} AND entry_id = {e:String} ORDER BY person_id',
    { t: login!.tenant, persons: [login!.personId, cookieJoin!.absorbedPersonId], e: login!.entryId },
  );
  expect(filed.map((f) => f.person_id)).toEqual([login!.personId, cookieJoin!.absorbedPersonId].sort());

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

/** Members of a consumer group once it is stable, waiting up to timeoutMs for `expected` of them. */
async function stableMembers(group: string, expected: number, timeoutMs: number): Promise<number> {
  const admin = await clients.admin();
  try {
    let members = await admin.groupMembers(group);
    for (const deadline = Date.now() + timeoutMs; members !== expected && Date.now() < deadline; members = await admin.groupMembers(group)) await new Promise((r) => setTimeout(r, 250));
    return members;
  } finally {
    await admin.close();
  }
}

/** Every record of a topic, decoded. */
async function readAllDecoded<T = CdpIdentity.IdentityConflict>(topic: string): Promise<(T & { eventId: string })[]> {
  return (await readAllDecodedWithOffsets<T>(topic)).map((r) => r.value as T & { eventId: string });
}
async function readAllDecodedWithOffsets<T>(topic: string): Promise<{ partition: number; offset: string; value: T }[]> {
  return Promise.all((await readAll([topic])).filter((r) => r.value).map(async (r) => ({ partition: r.partition, offset: r.offset, value: (await codec.decode(r.value!)) as T })));
}

/**
 * The kill -9 scenario: shoppers whose identifiers join only through links every order of
 * arrival agrees on (one account per shopper, no shared device or e-mail), so the truth follows
 * from what was sent alone. Shopper j browses the web (w), opens the app (a, its device d); an
 * even j logs in on the web with its account u and e-mail e; a j divisible by 3 logs in in the app
 * too; a j divisible by 5 clicks a newsletter link on a tablet (t) carrying its e-mail.
 */
const SHOPPERS = 150;
const kv = (what: string, j: number) => `kv-${what}${j}-${run}`;
const emailOf = (j: number) => `shopper.${j}.${run}@example.com`;
const emailHash = (j: number) => expectedEmailHash(PII_SALT, emailOf(j));

function killScenarioBatches(): { key: string; path: string; batch: object[] }[] {
  const out: { key: string; path: string; batch: object[] }[] = [];
  for (let j = 0; j < SHOPPERS; j++) {
    const web: object[] = [{ type: 'page', anonymousId: kv('w', j), name: 'Home', messageId: kv('wp', j), timestamp: minutesAgo(20) }];
    if (j % 2 === 0) web.push({ type: 'identify', anonymousId: kv('w', j), userId: kv('u', j), traits: { email: emailOf(j).toUpperCase() }, messageId: kv('wi', j), timestamp: minutesAgo(19) });
    out.push({ key: 'local-web', path: '/v1/batch', batch: web });
    const app: object[] = [{ type: 'track', event: 'App Opened', anonymousId: kv('a', j), context: { device: { id: kv('d', j) } }, messageId: kv('at', j), timestamp: minutesAgo(18) }];
    if (j % 3 === 0) app.push({ type: 'identify', anonymousId: kv('a', j), userId: kv('u', j), context: { device: { id: kv('d', j) } }, messageId: kv('ai', j), timestamp: minutesAgo(17) });
    out.push({ key: 'local-app', path: '/v1/batch', batch: app });
    if (j % 5 === 0) out.push({ key: 'local-web', path: '/v1/batch', batch: [{ type: 'track', event: 'Email Link Clicked', anonymousId: kv('t', j), context: { traits: { email: emailOf(j) } }, messageId: kv('tc', j), timestamp: minutesAgo(16) }] });
  }
  return out;
}

/** The persons the scenario makes, as sets of `type:value`, from its definition alone. */
function killScenarioTruth(): string[][] {
  const persons: string[][] = [];
  for (let j = 0; j < SHOPPERS; j++) {
    const account = j % 2 === 0 || j % 3 === 0 ? [`user_id:${kv('u', j)}`] : [];
    const web = [`anonymous_id:${kv('w', j)}`, ...(j % 2 === 0 ? [...account, `email_hash:${emailHash(j)}`] : [])];
    const app = [`anonymous_id:${kv('a', j)}`, `device_id:${kv('d', j)}`, ...(j % 3 === 0 ? account : [])];
    const tablet = j % 5 === 0 ? [`anonymous_id:${kv('t', j)}`, `email_hash:${emailHash(j)}`] : [];
    // The account joins web and app (j divisible by 6); the e-mail joins web and tablet (by 10).
    const groups = [web, app, tablet].filter((g) => g.length > 0);
    const joined: string[][] = [];
    for (const g of groups) {
      const overlapping = joined.filter((p) => p.some((id) => g.includes(id)));
      const merged = [...new Set([...g, ...overlapping.flat()])];
      joined.splice(0, joined.length, ...joined.filter((p) => !overlapping.includes(p)), merged);
    }
    persons.push(...joined);
  }
  return normalizePartition(persons);
}

const normalizePartition = (persons: string[][]): string[][] => persons.map((p) => [...new Set(p)].sort()).sort((a, b) => a[0]!.localeCompare(b[0]!));
const killEmailHashes = new Set(Array.from({ length: SHOPPERS }, (_, j) => emailHash(j)));
const isKillScenarioId = (type: string, value: string) => (value.startsWith('kv-') && value.endsWith(`-${run}`)) || (type === 'email_hash' && killEmailHashes.has(value));

test('kill -9 of the graph writer between publishing a batch and committing it: the restarted pipeline gives exactly the persons the scenario makes', async () => {
  const graphGroup = `identity-${run}-graph`;
  // Stitchers alone first, so that the scenario's links are waiting when the writer starts: its
  // first batch is then most of them, merges included. It publishes what they change and stops
  // before it commits their offsets.
  await pipeline.kill('identity');
  await pipeline.start('identity:stitch', { IDENTITY_ROLES: 'stitch' });
  for (const b of killScenarioBatches()) await send(b.key, b.path, b.batch);
  const lagAdmin = await clients.admin();
  for (let i = 0; i < 240 && (await Promise.all([t.webEvents, t.posTransactions].map((topic) => lagAdmin.groupLag(`identity-${run}`, topic.name)))).some((l) => l > 0); i++) await new Promise((r) => setTimeout(r, 250));
  await lagAdmin.close();
  await pipeline.start('identity:graph', { IDENTITY_ROLES: 'graph', CDP_FAILPOINTS: `consumer.before-commit@${graphGroup}=hang` });

  // Proof that it is mid-batch: links at or past the committed offset of their partition whose
  // identifiers the writer has already published (the state on the topics is ahead of it).
  const admin = await clients.admin();
  let applied: { partition: number; committed: string; end: string; published: number } | undefined;
  for (const deadline = Date.now() + 60_000; !applied && Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
    const committed = new Map((await admin.committedOffsets(graphGroup, t.identityLinks.name)).map((c) => [c.partition, BigInt(c.offset)]));
    const ends = await admin.endOffsets(t.identityLinks.name);
    const published = new Set((await readAllDecoded<CdpIdentity.IdentifierAssignment>(t.identifierAssignments.name)).map((a) => `${a.identifier.type}|${a.identifier.value}`));
    const links = await readAllDecodedWithOffsets<CdpIdentity.IdentityLink>(t.identityLinks.name);
    for (const [partition, end] of ends) {
      // -1: nothing committed yet, so the writer starts at the beginning.
      const from = committed.get(partition) ?? -1n;
      const pending = links.filter((l) => l.partition === partition && BigInt(l.offset) >= from && l.value.identifiers.some((i) => i.value.startsWith('kv-')));
      const ahead = pending.filter((l) => l.value.identifiers.every((i) => published.has(`${i.type}|${i.value}`)));
      if (ahead.length > 0 && from < BigInt(end)) applied = { partition, committed: String(from), end, published: ahead.length };
    }
  }
  await admin.close();
  expect(applied).toBeDefined();
  await pipeline.kill('identity:graph', 'SIGKILL');
  await pipeline.kill('identity:stitch');
  await pipeline.start('identity');
  await pipeline.settle();
  // The killed writer's membership lapses with its session (30 s); then each group is the
  // restarted process alone.
  for (const group of [`identity-${run}`, graphGroup]) expect({ group, members: await stableMembers(group, 1, 60_000) }).toEqual({ group, members: 1 });

  // What the restarted writer published, read independently of identity's code: the latest
  // record per key of the compacted tables, each identifier's person followed through the flat
  // merge records.
  const assignments = new Map<string, CdpIdentity.IdentifierAssignment>();
  for (const a of await readAllDecoded<CdpIdentity.IdentifierAssignment>(t.identifierAssignments.name)) assignments.set(`${a.tenant}|${a.identifier.type}|${a.identifier.value}`, a);
  const survivor = new Map<string, string>();
  for (const m of await readAllDecoded<CdpIdentity.PersonMerge>(t.personMerges.name)) survivor.set(m.fromPersonId, m.toPersonId);
  const byPerson = new Map<string, string[]>();
  for (const a of assignments.values()) {
    if (!isKillScenarioId(a.identifier.type, a.identifier.value)) continue;
    const person = survivor.get(a.personId) ?? a.personId;
    expect(survivor.has(person)).toBe(false);
    byPerson.set(person, [...(byPerson.get(person) ?? []), `${a.identifier.type}:${a.identifier.value}`]);
  }
  const truth = killScenarioTruth();
  const published = normalizePartition([...byPerson.values()]);
  expect({ identifiers: published.flat().length, persons: published.length }).toEqual({ identifiers: truth.flat().length, persons: truth.length });
  expect(published).toEqual(truth);

  // And where analysts read it: ClickHouse, through the overrides.
  const rows = await ch.query<{ id_type: string; id_value: string; person_id: string }>(`SELECT id_type, id_value, person_id FROM (${RESOLVED_IDENTITIES}) WHERE startsWith(id_value, 'kv-') OR id_value IN {hashes:Array(String)}`, { hashes: [...killEmailHashes] });
  const inClickHouse = new Map<string, string[]>();
  for (const r of rows) inClickHouse.set(r.person_id, [...(inClickHouse.get(r.person_id) ?? []), `${r.id_type}:${r.id_value}`]);
  expect(normalizePartition([...inClickHouse.values()])).toEqual(truth);
  // The history alone makes the same persons: its entries, replayed in order into an empty graph
  // (what re-deriving persons will do). The writer published them before it was killed; the
  // restarted one, re-applying those links, changed nothing and added none.
  const rulesFile = join(__dirname, '..', 'services', 'identity', 'config', 'rules.json');
  const rules = parseRules(JSON.parse(readFileSync(rulesFile, 'utf8')), rulesFile);
  const replayed = new IdentityGraph((tenant) => rules.rulesOf(tenant));
  for (const h of await readAllDecoded<CdpIdentity.IdentityHistoryEntry>(t.identityHistory.name)) replayed.applyLink(h.tenant, h.identifiers as Identifier[], h.eventTime, h.eventId, h.appliedAt);
  const fromHistory = [...replayed.partition().values()].map((keys) => keys.map((k) => k.split('|')).filter(([, type, value]) => isKillScenarioId(type!, value!)).map(([, type, value]) => `${type}:${value}`));
  expect(normalizePartition(fromHistory.filter((p) => p.length > 0))).toEqual(truth);

  // No refusal in this scenario: a conflict would mean a link was applied against the rules.
  const conflicts = (await readAllDecoded(t.identityConflicts.name)).filter((c) => c.identifiers.some((i) => i.value.startsWith('kv-')));
  expect(conflicts).toEqual([]);
  console.log(`identity kill -9: writer held after publishing what ${applied!.published} links changed, at or past its committed offset ${applied!.committed} of links partition ${applied!.partition} (end ${applied!.end}); after the restart ${published.length} persons, ${published.flat().length} identifiers, as the scenario makes`);
}, 240_000);

test('sign-up: anonymous browsing in analytics-next, a server-side alias from analytics-node, later events by user id alone make one person with the whole history and no conflict', async () => {
  const userId = `signup-user-${run}`;
  // The visitor browses the shop anonymously in a real browser (Segment's own library).
  const shop = await serveShop({ entry: join(__dirname, 'browser', 'browsing.ts'), html: '<!doctype html><html><head><meta charset="utf-8"><title>Shop</title><script src="/shop.js"></script></head><body></body></html>' });
  const browser = await launchChromium();
  let browsing: BrowsingResult;
  try {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${shop.origin}/`);
    await page.waitForFunction(() => window.browsing !== undefined);
    const input: Browsing = { writeKey: 'local-web', apiHost: `${pipeline.ingestUrl.replace(/^http:\/\//, '')}/v1`, skus: ['SKU-1001', 'SKU-1031'] };
    browsing = await page.evaluate((b) => window.browsing.browse(b), input);
  } finally {
    await browser.close();
    await shop.close();
  }
  expect(browsing.errors).toEqual([]);
  const anonymousId = browsing.anonymousId;
  expect(anonymousId).toMatch(/^[0-9a-f-]{36}$/);

  // Sign-up on the shop's server: the account is created, aliased to the browser's anonymous id
  // (Segment's server-side alias: no anonymousId on the call), and later events carry the user id only.
  const server = new Analytics({ writeKey: 'local-web', host: pipeline.ingestUrl, path: '/v1/batch', flushAt: 20, flushInterval: 100, maxRetries: 3 });
  const failures: unknown[] = [];
  server.on('error', (e) => failures.push(e));
  const serverIds = ['identify', 'alias', 'order', 'review'].map((s) => `signup-${s}-${run}`);
  server.identify({ userId, traits: { email: `signup.${run}@example.com`, plan: 'member' }, messageId: serverIds[0] });
  server.alias({ previousId: anonymousId, userId, messageId: serverIds[1] });
  server.track({ userId, event: 'Order Completed', properties: { order_id: `O-signup-${run}`, total: 19.9, currency: 'EUR', products: [{ sku: 'SKU-1031', price: 19.9, quantity: 1 }] }, messageId: serverIds[2] });
  server.track({ userId, event: 'Product Reviewed', properties: { sku: 'SKU-1031', rating: 5 }, messageId: serverIds[3] });
  await server.closeAndFlush({ timeout: 30_000 });
  expect(failures).toEqual([]);

  const allIds = [...browsing.messageIds, ...serverIds];
  for (let i = 0; i < 240; i++) {
    const [{ n }] = (await ch.query<{ n: number }>('SELECT uniqExact(event_id) AS n FROM events WHERE event_id IN {ids:Array(String)}', { ids: allIds })) as [{ n: number }];
    if (Number(n) === allIds.length) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await pipeline.settle();

  // One person, every event of the visit and of the account, in the profile analysts read.
  const profiles = await ch.query<{ person_id: string; identifiers: [string, string][]; events: number; web_page_views: number; online_orders: number }>(
    "SELECT person_id, identifiers, events, web_page_views, online_orders FROM customer_profiles WHERE has(identifiers, tuple('user_id', {u:String})) OR has(identifiers, tuple('anonymous_id', {a:String}))",
    { u: userId, a: anonymousId },
  );
  expect(profiles).toHaveLength(1);
  const profile = profiles[0]!;
  expect(profile.identifiers.map(([type, value]) => `${type}:${value}`).filter((i) => !i.startsWith('email_hash:')).sort()).toEqual([`anonymous_id:${anonymousId}`, `user_id:${userId}`]);
  expect({ events: Number(profile.events), pages: Number(profile.web_page_views), orders: Number(profile.online_orders) }).toEqual({ events: allIds.length, pages: 1, orders: 1 });
  const persons = await ch.query<{ event_id: string; person_id: string }>('SELECT event_id, person_id FROM events WHERE event_id IN {ids:Array(String)}', { ids: allIds });
  expect(persons.filter((e) => e.person_id !== profile.person_id)).toEqual([]);
  // The alias typed the previous id as what it is: an anonymous id, not a second user id.
  const [alias] = await ch.query<{ identifiers: { type: string; value: string }[] }>('SELECT identifiers FROM events WHERE event_id = {id:String}', { id: serverIds[1]! });
  expect(alias!.identifiers.map(({ type, value }) => `${type}:${value}`).sort()).toEqual([`anonymous_id:${anonymousId}`, `user_id:${userId}`]);
  // And nothing was refused on the way.
  const conflicts = await ch.query<{ rule: string }>('SELECT rule FROM identity_conflicts FINAL WHERE has(arrayMap(x -> x.2, identifiers), {a:String}) OR has(arrayMap(x -> x.2, identifiers), {u:String})', { a: anonymousId, u: userId });
  expect(conflicts).toEqual([]);
}, 180_000);

test('stitching scales out: two stitchers in one group share the raw partitions, one graph writer, one answer', async () => {
  // Replace the all-in-one identity by a graph writer and two stitchers.
  await pipeline.kill('identity');
  await pipeline.start('identity:graph', { IDENTITY_ROLES: 'graph' });
  await pipeline.start('identity:stitch-1', { IDENTITY_ROLES: 'stitch' });
  await pipeline.start('identity:stitch-2', { IDENTITY_ROLES: 'stitch' });
  // Healthy is not yet in the group: wait for the rebalance that gives the second its partitions.
  expect(await stableMembers(`identity-${run}`, 2, 30_000)).toBe(2);
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
