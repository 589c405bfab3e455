/**
 * The demo's erasure: after every other check, one of this run's regulars asks to be forgotten.
 * The privacy desk erases them by loyalty card through the customer API; the demo then holds
 * ClickHouse against what the simulator knows it sent for them (every event carrying one of
 * their identifiers), looks them up again, and sends one more visit with their cookie, which
 * must be suppressed.
 */
import { Analytics } from '@segment/analytics-node';
import { API_URL } from './api-check';
import type { PipelineWatch } from './pipeline-watch';
import type { BannerAnswer, SimulationResult } from './simulator';

/** A local-only key with the erasure scope of tenant demo (services/api/config/keys.local.json). */
export const PRIVACY_API_KEY = 'local-demo-privacy-key';

const verdict = (ok: boolean) => (ok ? 'match' : 'MISMATCH');
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function api(method: string, path: string, body?: object): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${API_URL}${path}`, {
    method,
    headers: { authorization: `Bearer ${PRIVACY_API_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Json };
}

export async function checkErasure(watch: PipelineWatch, result: SimulationResult, ingestUrl: string, runId: string, say: (line: string) => void): Promise<void> {
  // Not the regular the API check looked up: that one stays, for the next steps printed below.
  const regular = result.regulars[result.regulars.length - 1];
  if (!regular || result.regulars.length < 2) return;
  const values = [regular.anonymousId, regular.installId, regular.userId, regular.loyaltyCard];
  const eventsOf = async () =>
    Number((await watch.ch.query<{ n: string }>('SELECT count() AS n FROM events_raw WHERE arrayExists(i -> i.2 IN {values:Array(String)}, identifiers)', { values }))[0]!.n);
  const personsOf = async () =>
    (await watch.ch.query<{ p: string }>("SELECT DISTINCT person_id AS p FROM events_raw WHERE person_id != '' AND arrayExists(i -> i.2 IN {values:Array(String)}, identifiers)", { values })).map((r) => r.p);
  const persons = await personsOf();
  const before = await eventsOf();
  const personRows = async () =>
    Number((await watch.ch.query<{ n: string }>(
      `SELECT (SELECT count() FROM person_activity WHERE person_id IN {p:Array(String)}) + (SELECT count() FROM person_timeline WHERE person_id IN {p:Array(String)})
            + (SELECT count() FROM identities WHERE person_id IN {p:Array(String)}) + (SELECT count() FROM identity_history WHERE hasAny(persons, {p:Array(String)})) AS n`,
      { p: persons },
    ))[0]!.n);
  const derivedBefore = await personRows();

  say(`\nErasure (the right to be forgotten; ${API_URL}, key ${PRIVACY_API_KEY}, scope erasure):`);
  const started = Date.now();
  const asked = await api('POST', '/v1/erasures', { identifier: { type: 'loyalty_card', value: regular.loyaltyCard } });
  if (asked.status !== 202) throw new Error(`erasure request refused: ${asked.status} ${JSON.stringify(asked.body)}`);
  const requestId = asked.body.requestId as string;
  let state: Json = asked.body;
  for (const deadline = Date.now() + 60_000; !['DONE', 'NOT_FOUND'].includes(state.state) && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 250));
    state = (await api('GET', `/v1/erasures/${requestId}`)).body;
  }
  const took = ((Date.now() - started) / 1000).toFixed(1);
  say(`  one regular erased by loyalty card: ${requestId} ${state.state} in ${took} s; ${state.identifiers} identifiers, ${state.kafkaTombstones} Kafka tombstones, ${state.clickhouseRows} ClickHouse rows deleted`);
  const after = await eventsOf();
  const derivedAfter = await personRows();
  say(`  their events in events_raw: ${before} before, ${after} after; their rows in person_activity, person_timeline, identities and the identity history: ${derivedBefore} before, ${derivedAfter} after: ${verdict(before > 0 && after === 0 && derivedBefore > 0 && derivedAfter === 0)}`);
  const lookup = await fetch(`${API_URL}/v1/profiles/loyalty_card/${encodeURIComponent(regular.loyaltyCard)}`, { headers: { authorization: `Bearer ${PRIVACY_API_KEY}` } });
  say(`  looked up by loyalty card again: ${lookup.status} ${lookup.status === 404 ? '(nobody)' : ''}: ${verdict(lookup.status === 404)}`);

  // They come back to the web shop with the same cookie: ingest drops the visit.
  const web = new Analytics({ host: ingestUrl, path: '/v1/batch', flushAt: 1, flushInterval: 50, maxRetries: 3, writeKey: 'local-web' });
  const messageId = `${runId}-after-erasure`;
  web.page({ anonymousId: regular.anonymousId, name: 'Home', messageId, timestamp: new Date() });
  await web.closeAndFlush();
  for (const deadline = Date.now() + 20_000; Date.now() < deadline && (await watch.lag()) > 0; ) await new Promise((r) => setTimeout(r, 300));
  const [landed] = await watch.ch.query<{ n: string }>('SELECT count() AS n FROM events_raw WHERE event_id = {e:String}', { e: messageId });
  say(`  a later visit with their cookie: accepted by ingest, ${Number(landed!.n) === 0 ? 'suppressed (not stored)' : 'STORED'}: ${verdict(Number(landed!.n) === 0)}`);
  say(`  withdraw it with: curl -s -X DELETE -H 'Authorization: Bearer ${PRIVACY_API_KEY}' ${API_URL}/v1/erasures/${requestId}`);
}

/**
 * Consent per purpose: what customers answered on the banner, and the API's answers for one
 * customer of each kind, held against what the tenant's policy (infra/config/consent-policy.json:
 * analytics opt-out, personalisation and marketing opt-in) makes of that answer.
 */
export async function checkConsent(watch: PipelineWatch, result: SimulationResult, say: (line: string) => void): Promise<void> {
  const c = result.consent;
  say(`\nConsent per purpose (banner in context.consent, loyalty terms on receipts; policy infra/config/consent-policy.json):`);
  const stated = await watch.ch.query<{ purpose: string; granted: number; n: string }>(
    "SELECT purpose, granted, count() AS n FROM person_consent_stated WHERE tenant = 'demo' GROUP BY purpose, granted ORDER BY purpose, granted DESC",
  );
  const byPurpose = new Map<string, string[]>();
  for (const s of stated) byPurpose.set(s.purpose, [...(byPurpose.get(s.purpose) ?? []), `${Number(s.granted) === 1 ? 'granted' : 'refused'} ${s.n}`]);
  say(`  banner answers sent: accept all ${c.accept_all}, analytics only ${c.analytics_only}, refuse all ${c.refuse_all}, no answer ${c.none}; persons with a stated answer in ClickHouse: ${[...byPurpose].map(([p, v]) => `${p} ${v.join('/')}`).join(', ')}`);
  const expected: Record<BannerAnswer, Record<string, boolean>> = {
    accept_all: { analytics: true, personalisation: true, marketing: true },
    analytics_only: { analytics: true, personalisation: false, marketing: false },
    refuse_all: { analytics: false, personalisation: false, marketing: false },
    // Nothing stated: the policy's defaults.
    none: { analytics: true, personalisation: false, marketing: false },
  };
  for (const [answer, anonymousId] of Object.entries(result.consentSamples) as [BannerAnswer, string][]) {
    const profile = await api('GET', `/v1/profiles/anonymous_id/${encodeURIComponent(anonymousId)}`);
    if (profile.status !== 200) {
      say(`  ${answer}: profile ${profile.status}: MISMATCH`);
      continue;
    }
    const p = profile.body;
    const recs = (await api('GET', `/v1/profiles/anonymous_id/${encodeURIComponent(anonymousId)}/recommendations?limit=3`)).body;
    const granted = Object.fromEntries(Object.entries(p.consent as Record<string, { granted: boolean }>).map(([k, v]) => [k, v.granted]));
    const want = expected[answer];
    const ok =
      JSON.stringify(granted) === JSON.stringify(want) &&
      (p.events === null) === !want.analytics &&
      (recs.withheld as string[]).includes('personalisation') === !want.personalisation;
    const shown = Object.entries(granted).map(([k, v]) => `${k} ${v ? 'yes' : 'no'}`).join(', ');
    say(`  ${answer.replace('_', ' ')}: ${shown}; profile figures ${p.events === null ? 'withheld' : `shown (${p.events} events)`}, recommendations ${(recs.withheld as string[]).includes('personalisation') ? 'withheld' : 'shown'}: ${verdict(ok)}`);
  }
}

/**
 * Splitting a wrong merge: the family's mother and son gave the same e-mail and are one person.
 * An operator blocks the e-mail through the API; the demo holds the two persons it gives back
 * against what the simulator sent for each, shows the explanation, and undoes the block, which
 * joins them again.
 */
export async function checkSplit(watch: PipelineWatch, result: SimulationResult, say: (line: string) => void): Promise<void> {
  const family = result.family;
  if (!family) return;
  const mother = `/v1/profiles/loyalty_card/${encodeURIComponent(family.mother.loyaltyCard)}`;
  const son = `/v1/profiles/user_id/${encodeURIComponent(family.son.userId)}`;
  const block = `/v1/identity/blocks/email/${encodeURIComponent(family.email)}`;
  const revenue = (p: Json) => `${((p.onlineRevenueMinor ?? 0) / 100).toFixed(2)} online, ${((p.storeRevenueMinor ?? 0) / 100).toFixed(2)} in store`;
  const settle = async () => {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline && (await watch.lag()) > 0; ) await new Promise((r) => setTimeout(r, 300));
  };
  const waitForState = async (state: string): Promise<Json> => {
    let record: Json = {};
    for (const deadline = Date.now() + 60_000; record.state !== state && Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) record = (await api('GET', block)).body;
    await settle();
    return record;
  };

  say(`\nSplitting a wrong merge (a mother and her son share the family's e-mail; key ${PRIVACY_API_KEY}, scope identity:admin):`);
  const [gluedMother, gluedSon] = [(await api('GET', mother)).body, (await api('GET', son)).body];
  const together = family.mother.storeRevenueMinor + family.son.onlineRevenueMinor;
  say(`  before: mother (loyalty card) ${gluedMother.personId}, son (web account) ${gluedSon.personId}: one person by the default rules, ${revenue(gluedSon)}: ${verdict(gluedMother.personId === gluedSon.personId && gluedSon.revenueMinor === together)}`);
  const started = Date.now();
  const asked = await api('POST', '/v1/identity/blocks', { identifier: { type: 'email', value: family.email }, reason: 'a family shares this e-mail' });
  if (asked.status !== 202) throw new Error(`block refused: ${asked.status} ${JSON.stringify(asked.body)}`);
  const blocked = await waitForState('BLOCKED');
  const [m, s] = [(await api('GET', mother)).body, (await api('GET', son)).body];
  const apart = m.personId !== s.personId && m.revenueMinor === family.mother.storeRevenueMinor && s.revenueMinor === family.son.onlineRevenueMinor;
  say(`  e-mail blocked: ${blocked.state} in ${((Date.now() - started) / 1000).toFixed(1)} s (${blocked.detail})`);
  say(`  after: mother ${m.personId} ${revenue(m)}; son ${s.personId} ${revenue(s)}; the simulator sent ${(family.mother.storeRevenueMinor / 100).toFixed(2)} and ${(family.son.onlineRevenueMinor / 100).toFixed(2)}: ${verdict(apart)}`);
  const explained = (await api('GET', `${son}/explain`)).body;
  say(`  the son's explanation names the block: ${verdict(JSON.stringify(explained).includes('a family shares this e-mail'))}`);
  const undone = await api('DELETE', block);
  if (undone.status !== 202) throw new Error(`unblock refused: ${undone.status} ${JSON.stringify(undone.body)}`);
  await waitForState('UNBLOCKED');
  const [m2, s2] = [(await api('GET', mother)).body, (await api('GET', son)).body];
  say(`  block undone: one person again, ${revenue(s2)}: ${verdict(m2.personId === s2.personId && s2.revenueMinor === together)}`);
}
