/**
 * Consent in the customer API's answers, on the real ClickHouse, Kafka and registry: a database of
 * this run, migrated as aggregation migrates it, with rows written straight into its tables (events
 * with the consent they carried: the materialized views make the profile, the timeline, the
 * purchases, the days and the consent answers, as the sink's inserts do; the consent policy as
 * aggregation writes it at start; identities, overrides and a partner's segments); the identity
 * graph's records on this run's topics; the API as a process with its own policy file.
 *
 * - analytics refused: the profile's figures withheld and no timeline; consented: both;
 * - personalisation refused: no recommendations; consented: recommendations;
 * - marketing, opt-in: a rule segment export leaves out who stated nothing and who refused after
 *   granting, has who granted (also stated as a person merged into them since, and who granted after
 *   refusing), page by page; a partner segment leaves out members without marketing, and without a
 *   purpose the partner's terms need; opt-out (another tenant): everyone but who refused;
 * - the console's counts: a partner segment's reach has the export's members as its consenting
 *   persons, and every matched person; a rule segment's growth counts every person, consent or not.
 */
import { createHash, randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createAvroCodec,
  createClickHouse,
  createKafkaClients,
  createLogger,
  loadMigrations,
  loadSchemaCatalog,
  migrate,
  parseConsentPolicy,
  PURPOSES,
  topicsWithPrefix,
  valueSubjectOf,
  type CdpIdentity,
  type ClickHouse,
  type TopicSpec,
} from '@cdp/plumbing';
// Relative, not @cdp/infra: the API's package has no dependency on the stack scripts.
import { REPO_ROOT } from '../../../infra/src/paths';
import { createTestPipeline, removeTestRun, type TestPipeline } from '../../../infra/src/testing/pipeline';
import { prepareTopics } from '../../../infra/src/testing/topics';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const prefix = `it-api-consent-${run}.`;
const database = `it_api_consent_${run}`;
const topics = topicsWithPrefix(prefix);
const SHOP = 'it-shop';
/** A tenant whose policy has marketing opt-out. */
const OPEN = 'it-open';
const SHOP_KEY = `it-shop-${run}`;
const OPEN_KEY = `it-open-${run}`;
const keysFile = join(tmpdir(), `it-api-consent-keys-${run}.json`);
const policyFile = join(tmpdir(), `it-api-consent-policy-${run}.json`);
const sha = (key: string) => createHash('sha256').update(key).digest('hex');

const POLICY = {
  default: {
    purposes: {
      analytics: { policy: 'opt-out', categories: ['Analytics', 'C0002'] },
      personalisation: { policy: 'opt-in', categories: ['Personalization', 'C0003'] },
      marketing: { policy: 'opt-in', categories: ['Advertising', 'C0004'] },
    },
    // it-picky's terms need personalisation as well; it-partner is named nowhere: marketing.
    partners: { 'it-picky': ['marketing', 'personalisation'] },
  },
  tenants: { [OPEN]: { purposes: { marketing: { policy: 'opt-out', categories: ['Advertising', 'C0004'] } } } },
};

const logger = createLogger('api-consent-it', 'silent');
const clients = createKafkaClients({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'api-consent-it', logger });
const codec = createAvroCodec({ url: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7' });

const HOUR = 3_600_000;
const NOW = Date.now();
let pipeline: TestPipeline;
let ch: ClickHouse;
let seq = 0;

/** What a person stated, and when: category -> answer. */
type Statement = { at: number; answers: Record<string, boolean> };

interface Person {
  tenant: string;
  id: string;
  /** The persons merged into it (as identity published them, and in person_overrides). */
  absorbed?: { id: string; statements: Statement[] };
  statements: Statement[];
  /** What they bought online, an hour ago. */
  bought: string[];
}

const P = (tenant: string, name: string, statements: Statement[], bought = ['SKU-A'], absorbed?: Person['absorbed']): Person => ({ tenant, id: `p_${name}_${run}`, statements, bought, ...(absorbed ? { absorbed } : {}) });
const stated = (hoursAgo: number, answers: Record<string, boolean>): Statement => ({ at: NOW - hoursAgo * HOUR, answers });

const refuser = P(SHOP, 'e_refuser', [stated(3, { Analytics: false, Personalization: false })]);
const consenter = P(SHOP, 'b_consenter', [stated(3, { C0002: true, Personalization: true, Advertising: true })], ['SKU-B']);
const silent = P(SHOP, 'a_silent', []);
const marketer = P(SHOP, 'f_marketer', [stated(3, { Advertising: true, Personalization: false })]);
/** Granted marketing, refused it later. */
const withdrew = P(SHOP, 'c_withdrew', [stated(5, { Advertising: true }), stated(2, { C0004: false })]);
/** Refused marketing, granted it later. */
const changedMind = P(SHOP, 'd_changed', [stated(5, { Advertising: false }), stated(2, { Advertising: true })]);
/** Granted marketing as a loyalty-card holder merged into their web account since. */
const merged = P(SHOP, 'g_merged', [], ['SKU-A'], { id: `p_merged_card_${run}`, statements: [stated(4, { Advertising: true })] });
// Their ids sort members and those left out in turns: a page that was cut before its persons were
// filtered would end the export early.
const shop = [refuser, consenter, silent, marketer, withdrew, changedMind, merged];

const openSilent = P(OPEN, 'b_silent', []);
const openRefuser = P(OPEN, 'a_refuser', [stated(1, { Advertising: false })]);
const openConsenter = P(OPEN, 'c_consenter', [stated(1, { Advertising: true })]);
const open = [openSilent, openRefuser, openConsenter];

const emailHash = (p: Person) => createHash('sha256').update(`email-${p.id}`).digest('hex');

/** A web order with the consent it carried, as the sink writes events_raw. */
function event(tenant: string, personId: string, at: number, { consent = {}, skus = [] }: { consent?: Record<string, boolean>; skus?: string[] }) {
  const s = at / 1000;
  const order = skus.length > 0;
  return {
    tenant, event_id: `e-${run}-${++seq}`, event_time: s, received_time: s, ingested_at: NOW / 1000, channel: 'web', source: 'web-shop', event_type: order ? 'track' : 'identify',
    event_name: order ? 'Order Completed' : '', person_id: personId, anonymous_id: `a-${personId}`, session_id: `s-${personId}`, session_started_at: s,
    currency: 'EUR', revenue_minor: order ? 1000 * skus.length : 0, page_path: '/checkout', order_id: order ? `o-${seq}` : '',
    'items.sku': skus, 'items.quantity': skus.map(() => 1), 'items.unit_price_minor': skus.map(() => 1000), 'items.total_minor': skus.map(() => 1000),
    'items.product_name': skus, 'items.category': skus.map(() => 'Shoes'), 'items.brand': skus.map(() => ''), 'items.in_catalogue': skus.map(() => 1),
    consent_categories: Object.keys(consent), consent_answers: Object.values(consent).map((a) => (a ? 1 : 0)),
  };
}

async function send(topic: TopicSpec, records: { key: string; value: unknown }[]): Promise<void> {
  const id = await codec.idOf(valueSubjectOf(topic.name), loadSchemaCatalog().resolve(topic.valueType));
  const producer = await clients.producer();
  try {
    await producer.send(topic.name, records.map((r) => ({ key: r.key, value: codec.encode(id, r.value) })));
  } finally {
    await producer.close();
  }
}

beforeAll(async () => {
  // What the API reads at start.
  await prepareTopics([topics.personMerges, topics.identifierAssignments, topics.partnerSegments, topics.areaDemographics, topics.personUpdates, topics.erasureRequests, topics.identifierBlocks]);
  writeFileSync(
    keysFile,
    JSON.stringify({
      keys: [
        { name: 'it-shop', sha256: sha(SHOP_KEY), tenant: SHOP, scopes: ['profile:read', 'segment:export', 'kpi:read'] },
        { name: 'it-open', sha256: sha(OPEN_KEY), tenant: OPEN, scopes: ['segment:export'] },
      ],
    }),
  );
  writeFileSync(policyFile, JSON.stringify(POLICY));

  const connection = { url: process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123', database };
  await migrate(connection, loadMigrations(join(REPO_ROOT, 'services', 'aggregation', 'migrations')));
  ch = createClickHouse(connection);
  // The policy as aggregation writes it at start (its categories lower-cased; tenant '' the default).
  const policy = parseConsentPolicy(POLICY, policyFile);
  await ch.insert('consent_policy', policy.all.flatMap(([tenant, p]) => PURPOSES.map((purpose) => ({ tenant, purpose, policy: p.purposes[purpose].policy, categories: p.purposes[purpose].categories.map((c) => c.toLowerCase()), updated_at: NOW / 1000 }))));

  const everyone = [...shop, ...open];
  // Each statement in an event of its own (each its own insert, as separate batches would be), then the orders.
  for (const p of everyone) {
    for (const s of p.statements) await ch.insert('events_raw', [event(p.tenant, p.id, s.at, { consent: s.answers })]);
    for (const s of p.absorbed?.statements ?? []) await ch.insert('events_raw', [event(p.tenant, p.absorbed!.id, s.at, { consent: s.answers })]);
  }
  await ch.insert('events_raw', everyone.map((p) => event(p.tenant, p.id, NOW - HOUR, { skus: p.bought })));
  // Everyone's e-mail as identity stored it; the absorbed loyalty-card holder resolved to its survivor.
  await ch.insert('identities', everyone.map((p) => ({ tenant: p.tenant, id_type: 'email_hash', id_value: emailHash(p), person_id: p.id, first_seen: NOW / 1000, updated_at: NOW / 1000 })));
  await ch.insert('person_overrides', [{ tenant: SHOP, old_person_id: merged.absorbed!.id, person_id: merged.id, merged_at: NOW / 1000, cause_event_id: `merge-${run}` }]);
  // it-partner's segment: who has the e-mail among them; it-picky's: the consenter and the marketer.
  const segmentRow = (partner: string, p: Person) => ({ tenant: SHOP, id_type: 'email_hash', id_value: emailHash(p), partner, segments: ['runners'], source_name: 'it', source_version: run, loaded_at: NOW / 1000, is_deleted: 0 });
  await ch.insert('ref_partner_segments', [...[consenter, silent, refuser, marketer, withdrew].map((p) => segmentRow('it-partner', p)), ...[consenter, marketer].map((p) => segmentRow('it-picky', p))]);

  // The identity graph's records: an e-mail and a user id per person, and the merge.
  const assignment = (p: Person, personId: string, identifier: CdpIdentity.Identifier) => ({ key: `${p.tenant}|${identifier.type}|${identifier.value}`, value: { tenant: p.tenant, identifier, personId, firstSeen: NOW, updatedAt: NOW } });
  await send(topics.identifierAssignments, [
    ...everyone.map((p) => assignment(p, p.id, { type: 'user_id', value: p.id })),
    ...everyone.map((p) => assignment(p, p.id, { type: 'email_hash', value: emailHash(p) })),
    assignment(merged, merged.absorbed!.id, { type: 'loyalty_card', value: `LC-${run}` }),
  ]);
  await send(topics.personMerges, [{ key: `${SHOP}|${merged.absorbed!.id}`, value: { tenant: SHOP, fromPersonId: merged.absorbed!.id, toPersonId: merged.id, mergedAt: NOW, causeEventId: `merge-${run}`, link: [] } }]);

  pipeline = await createTestPipeline({ prefix, database, groupSuffix: run });
  await pipeline.start('api', { API_KEYS_FILE: keysFile, CONSENT_POLICY_FILE: policyFile, API_RECOMMENDATION_REFRESH_SECONDS: '3600' });
}, 180_000);

afterAll(async () => {
  await removeTestRun({ pipeline, ch, database, prefix });
  rmSync(keysFile, { force: true });
  rmSync(policyFile, { force: true });
}, 60_000);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function ok(path: string, key = SHOP_KEY): Promise<Json> {
  const res = await fetch(`${pipeline.apiUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text}\n${pipeline.output('api')}`);
  return JSON.parse(text) as Json;
}

const profile = (p: Person, route = '') => ok(`/v1/profiles/person_id/${p.id}${route}`);

/** Every member of an export, page by page (`limit` a page); every page but the last is full. */
async function members(path: string, key = SHOP_KEY, limit = 1): Promise<string[]> {
  const all: string[] = [];
  let cursor: string | null = null;
  do {
    const page: Json = await ok(`${path}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, key);
    if (page.nextCursor) expect(page.persons).toHaveLength(limit);
    all.push(...page.persons.map((p: Json) => p.personId));
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}
const ids = (...persons: Person[]) => persons.map((p) => p.id).sort();

describe('analytics: the profile\'s figures and the timeline', () => {
  it('a person who refused analytics: the identifiers and the consent, the figures withheld, no timeline', async () => {
    const p = await profile(refuser);
    expect(p.consent.analytics).toEqual({ granted: false, stated: true, statedAt: new Date(NOW - 3 * HOUR).toISOString(), source: 'web' });
    expect(p.consent.marketing).toEqual({ granted: false, stated: false, statedAt: null, source: null });
    expect(p.withheld).toEqual(['analytics']);
    expect(p.identifiers).toEqual(expect.arrayContaining([{ type: 'user_id', value: refuser.id }]));
    expect(p).toMatchObject({ events: null, onlineOrders: null, revenueMinor: null, sessions: null, firstSeen: null, channels: [], lastViewedSkus: [], homeArea: null });
    const timeline = await profile(refuser, '/timeline');
    expect(timeline).toEqual({ personId: refuser.id, events: [], nextCursor: null, withheld: ['analytics'] });
  });

  it('a person who consented (or stated nothing, analytics being opt-out): the figures and the timeline', async () => {
    const p = await profile(consenter);
    expect(p.consent).toMatchObject({ analytics: { granted: true, stated: true }, personalisation: { granted: true, stated: true }, marketing: { granted: true, stated: true } });
    expect(p.withheld).toEqual([]);
    expect(p).toMatchObject({ onlineOrders: 1, revenueMinor: 1000, channels: ['web'] });
    expect(p.events).toBeGreaterThanOrEqual(2);
    const timeline = await profile(consenter, '/timeline');
    expect(timeline.withheld).toEqual([]);
    expect(timeline.events.map((e: Json) => e.name)).toContain('Order Completed');

    const none = await profile(silent);
    expect(none.consent.analytics).toEqual({ granted: true, stated: false, statedAt: null, source: null });
    expect(none).toMatchObject({ onlineOrders: 1, withheld: [] });
    expect((await profile(silent, '/timeline')).events).toHaveLength(1);
  });

  it('a merged person\'s consent is every merged person\'s newest answer', async () => {
    const p = await profile(merged);
    expect(p.mergedPersonIds).toEqual([merged.absorbed!.id]);
    expect(p.consent.marketing).toEqual({ granted: true, stated: true, statedAt: new Date(NOW - 4 * HOUR).toISOString(), source: 'web' });
    expect((await profile(withdrew)).consent.marketing).toMatchObject({ granted: false, statedAt: new Date(NOW - 2 * HOUR).toISOString() });
  });
});

describe('personalisation: recommendations', () => {
  it('a person who refused it gets none; one who consented gets them (the model is built)', async () => {
    const deadline = Date.now() + 60_000;
    let granted: Json;
    for (;;) {
      granted = await profile(consenter, '/recommendations');
      if (granted.modelBuiltAt !== null || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(granted.withheld).toEqual([]);
    // Everyone else bought SKU-A: the best seller.
    expect(granted.items.map((i: Json) => i.sku)).toEqual(['SKU-A']);
    const refused = await profile(refuser, '/recommendations');
    expect(refused).toEqual({ personId: refuser.id, method: 'lift', modelBuiltAt: granted.modelBuiltAt, items: [], withheld: ['personalisation'] });
    // Opt-in: stating nothing is no consent.
    expect(await profile(silent, '/recommendations')).toMatchObject({ items: [], withheld: ['personalisation'] });
  });
});

describe('marketing: segment exports', () => {
  it('opt-in: a rule segment has who granted marketing (newest answer, any merged person), page by page; not who stated nothing or withdrew', async () => {
    // Every person of the shop bought online in the last 30 days.
    expect(await members('/v1/segments/rules/online_only_buyers/members')).toEqual(ids(consenter, marketer, changedMind, merged));
    expect(await members('/v1/segments/rules/online_only_buyers/members', SHOP_KEY, 1000)).toEqual(ids(consenter, marketer, changedMind, merged));
  });

  it('a partner segment leaves out members without marketing, and without a purpose the partner\'s terms need', async () => {
    expect(await members('/v1/segments/partners/it-partner/runners/members')).toEqual(ids(consenter, marketer));
    // it-picky needs personalisation too: the marketer refused it.
    expect(await members('/v1/segments/partners/it-picky/runners/members')).toEqual(ids(consenter));
  });

  it('opt-out (another tenant): everyone but who refused', async () => {
    expect(await members('/v1/segments/rules/online_only_buyers/members', OPEN_KEY)).toEqual(ids(openSilent, openConsenter));
  });
});

describe('the console\'s counts (kpi:read)', () => {
  it('partner reach: every person the identifiers name, and as consenting the members the export has (the partner\'s terms)', async () => {
    expect((await ok('/v1/kpis/partner-segments/reach')).segments).toEqual([
      { partner: 'it-partner', segment: 'runners', identifiers: 5, persons: 5, consentingPersons: 2, purposes: ['marketing'] },
      { partner: 'it-picky', segment: 'runners', identifiers: 2, persons: 2, consentingPersons: 1, purposes: ['personalisation', 'marketing'] },
    ]);
    expect([(await members('/v1/segments/partners/it-partner/runners/members')).length, (await members('/v1/segments/partners/it-picky/runners/members')).length]).toEqual([2, 1]);
  });

  it('segment growth counts every surviving person, consent or not, a merged one once; nobody a week ago', async () => {
    const growth = await ok('/v1/kpis/segments/growth?days=30&compareDays=7');
    expect(growth.segments[0]).toEqual({ segment: 'online_only_buyers', description: 'bought online, not in a store, in the last 30 days', persons: shop.length, personsBefore: 0, change: shop.length, relativeChange: null });
    expect(growth.segments.slice(1).map((s: Json) => s.persons)).toEqual([0, 0, 0, 0, 0]);
  });
});
