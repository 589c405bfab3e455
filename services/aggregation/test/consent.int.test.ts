/**
 * Consent in ClickHouse: statements land per person at ingest and category (person_consent), the
 * policy aggregation writes at start maps them to purposes, and person_consent_stated gives each
 * surviving person's newest answer per purpose across everyone merged into them. A changed policy
 * applies to statements already stored.
 */
import { parseConsentPolicy, personIdOf, type CdpEnrichment } from '@cdp/plumbing';
import { applyConsentPolicy } from '../src/adapters/clickhouse-sink';
import { MINUTE, receipt, T0, TENANT } from './fixture';
import { createAggregationTestStack, type AggregationTestStack } from './harness';
import { testConsentPolicy } from './consent-policy';
import { newVisitor, pageView, withConsent } from './signal-events';

let stack: AggregationTestStack;
let sink: { stop(): Promise<void> } | undefined;

beforeAll(async () => {
  stack = await createAggregationTestStack('consent');
  sink = await stack.startSink();
}, 120_000);

afterAll(async () => {
  await sink?.stop();
  await stack?.close();
});

type Stated = { person_id: string; purpose: string; granted: number; source: string };
const stated = async (persons: string[]) =>
  (await stack.ch.query<Stated>(
    'SELECT person_id, purpose, granted, source FROM person_consent_stated WHERE tenant = {t:String} AND person_id IN {p:Array(String)} ORDER BY person_id, purpose',
    { t: TENANT, p: persons },
  )).map((r) => ({ ...r, granted: Number(r.granted) }));

// Waits on person_consent itself: its materialized view writes after events_raw's part is already
// visible, so counting landed events alone races the view.
async function waitForStatements(n: number): Promise<void> {
  for (const deadline = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 200))) {
    const [row] = await stack.ch.query<{ n: string }>('SELECT uniqExact(person_id, category) AS n FROM person_consent WHERE tenant = {t:String}', { t: TENANT });
    if (Number(row!.n) >= n) return;
    if (Date.now() > deadline) throw new Error(`only ${row!.n} of ${n} consent statements landed`);
  }
}

test('the newest answer per purpose wins across a person\'s merged identities; a changed policy re-reads old statements', async () => {
  await applyConsentPolicy(stack.connection, testConsentPolicy('opt-in'), stack.logger);
  // Persons of their own as the graph derives them: each event is stored under the person it resolves to.
  const web = newVisitor('web');
  const cookie = newVisitor('cookie');
  const card = personIdOf(TENANT, { type: 'loyalty_card', value: 'LC-1' });
  const sorted = (rows: Stated[]) => [...rows].sort((a, b) => a.person_id.localeCompare(b.person_id) || a.purpose.localeCompare(b.purpose));
  // A till's loyalty terms: marketing granted at T0 + 10 min for the card's person.
  const till: CdpEnrichment.EnrichedEvent = receipt('c-pos', T0 + 10 * MINUTE, 'HEL-1', 'SALE', [['SKU-1001', 1, 1000]], card, 'LC-1');
  const tillEvent = till.event['cdp.store.PosTransaction']!;
  const tillWithTerms = { ...till, event: { 'cdp.store.PosTransaction': { ...tillEvent, consent: { categoryPreferences: { 'loyalty-marketing': true } } } } };
  await stack.sendEvents([
    withConsent(pageView(web, 'c-1', T0), { Analytics: true, Advertising: true, Personalization: false }),
    // Later on the web, marketing refused: newer than the till's grant only for the web's person itself.
    withConsent(pageView(web, 'c-2', T0 + 20 * MINUTE), { C0004: false }),
    // The cookie's person refused analytics; it is merged into the web's person below, and its answer is the newest.
    withConsent(pageView(cookie, 'c-3', T0 + 30 * MINUTE), { analytics: false }),
    tillWithTerms,
  ]);
  // Six statements: the web's four categories, the cookie's one, the till's one.
  await waitForStatements(6);
  expect(await stated([web.person, card, cookie.person])).toEqual(sorted([
    { person_id: card, purpose: 'marketing', granted: 1, source: 'store' },
    { person_id: cookie.person, purpose: 'analytics', granted: 0, source: 'web' },
    { person_id: web.person, purpose: 'analytics', granted: 1, source: 'web' },
    { person_id: web.person, purpose: 'marketing', granted: 0, source: 'web' },
    { person_id: web.person, purpose: 'personalisation', granted: 0, source: 'web' },
  ]));

  // The cookie and the card turn out to be the web visitor's: one person, the newest answer per purpose.
  await stack.send(stack.topics.personMerges, [cookie.person, card].map((from) => ({
    key: `${TENANT}|${from}`, value: { tenant: TENANT, fromPersonId: from, toPersonId: web.person, mergedAt: T0 + 40 * MINUTE, causeEventId: 'c-merge', link: [], viaPersonId: null },
  })));
  for (const deadline = Date.now() + 60_000; (await stated([web.person])).find((r) => r.purpose === 'analytics')?.granted !== 0; await new Promise((r) => setTimeout(r, 200))) {
    if (Date.now() > deadline) throw new Error('the merge did not show in person_consent_stated');
  }
  expect(await stated([web.person, card, cookie.person])).toEqual([
    { person_id: web.person, purpose: 'analytics', granted: 0, source: 'web' },
    { person_id: web.person, purpose: 'marketing', granted: 0, source: 'web' },
    { person_id: web.person, purpose: 'personalisation', granted: 0, source: 'web' },
  ]);

  // The retailer decides that its loyalty terms' category means personalisation, not marketing:
  // the statement made at the till is read the new way, without a new event.
  const file = {
    default: {
      purposes: {
        analytics: { policy: 'opt-out', categories: ['Analytics'] },
        personalisation: { policy: 'opt-in', categories: ['Personalization', 'loyalty-marketing'] },
        marketing: { policy: 'opt-in', categories: ['Advertising', 'C0004'] },
      },
      partners: {},
    },
    tenants: {},
  };
  // Three purposes changed, and the partner the file no longer names is gone from partner_terms.
  expect(await applyConsentPolicy(stack.connection, parseConsentPolicy(file, 'changed.json'), stack.logger)).toBe(4);
  expect(await stack.ch.query('SELECT partner FROM partner_terms')).toEqual([]);
  const after = await stack.ch.query<Stated>("SELECT person_id, purpose, granted, source FROM person_consent_stated WHERE tenant = {t:String} AND person_id = {p:String} ORDER BY purpose", { t: TENANT, p: web.person });
  // The till's grant (T0 + 10 min) is now personalisation's newest answer; the web's refusal was at T0.
  expect(after.map((r) => [r.purpose, Number(r.granted), r.source])).toEqual([['analytics', 0, 'web'], ['marketing', 0, 'web'], ['personalisation', 1, 'store']]);
  // Written again unchanged: nothing to write.
  expect(await applyConsentPolicy(stack.connection, parseConsentPolicy(file, 'changed.json'), stack.logger)).toBe(0);
});
