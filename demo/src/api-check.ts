/**
 * The demo's customer API calls: one of this run's omnichannel regulars looked up the way the
 * store clerk's app and the web shop would (loyalty card, clear e-mail, user id), held against the
 * same person's profile in ClickHouse; then explain, recommendations, a segment and a KPI.
 */
import type { SimulationResult } from './simulator';
import type { PipelineWatch } from './pipeline-watch';

export const API_URL = 'http://127.0.0.1:8070';
/** A local-only key with every scope of tenant demo (services/api/config/keys.local.json). */
export const DEMO_API_KEY = 'local-demo-api-key';

const verdict = (ok: boolean) => (ok ? 'match' : 'MISMATCH');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(path: string): Promise<{ body: Json; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${API_URL}${path}`, { headers: { authorization: `Bearer ${DEMO_API_KEY}` } });
  const body = (await res.json()) as Json;
  if (!res.ok) throw new Error(`customer API ${path.replace(/\/email\/[^/]+/, '/email/…')}: ${res.status} ${JSON.stringify(body)}`);
  return { body, ms: performance.now() - started };
}

/** Revenue online and in stores over the days of a /v1/kpis/digital-share answer. */
export const revenueOfDays = (days: { digitalRevenueMinor: number; storeRevenueMinor: number }[]) => ({
  digital: days.reduce((s, d) => s + d.digitalRevenueMinor, 0),
  stores: days.reduce((s, d) => s + d.storeRevenueMinor, 0),
});

export interface ApiExample {
  loyaltyCard: string;
  email: string;
  userId: string;
}

export async function checkApi(watch: PipelineWatch, result: SimulationResult, landedAt: number, say: (line: string) => void): Promise<ApiExample | undefined> {
  const regular = result.regulars[0];
  if (!regular) return undefined;
  const e = encodeURIComponent;
  say(`\nCustomer API (${API_URL}, key ${DEMO_API_KEY}; OpenAPI at ${API_URL}/docs):`);

  const byCard = await call(`/v1/profiles/loyalty_card/${e(regular.loyaltyCard)}`);
  const p = byCard.body;
  const [stored] = await watch.ch.query<{ revenue_minor: number; events: number }>("SELECT revenue_minor, events FROM customer_profile(tenant = 'demo', person_id = {p:String})", { p: p.personId });
  const same = stored !== undefined && Number(stored.revenue_minor) === p.revenueMinor && Number(stored.events) === p.events;
  say(`  profile by loyalty card: person ${p.personId}, ${p.channels.join('+')}, ${p.identifiers.length} identifiers, ${p.events} events, ${(p.revenueMinor / 100).toFixed(2)} EUR, in ${byCard.ms.toFixed(0)} ms; against customer_profile in ClickHouse: ${verdict(same)}`);
  const [byEmail, byUser] = await Promise.all([call(`/v1/profiles/email/${e(regular.email)}`), call(`/v1/profiles/user_id/${e(regular.userId)}`)]);
  say(`  the same person by the clear e-mail (hashed by the API as ingest hashes it) and by user id: ${verdict(byEmail.body.personId === p.personId && byUser.body.personId === p.personId)}`);

  const explain = (await call(`/v1/profiles/loyalty_card/${e(regular.loyaltyCard)}/explain`)).body;
  const cardMerge = explain.merges.find((m: Json) => m.joinedIdentifiers.some((i: Json) => i.type === 'loyalty_card')) ?? explain.merges[0];
  say(`  explain: ${explain.merges.length} merges, ${explain.firstSeen.length} identifiers' first sightings, ${explain.refused.length} refused links${cardMerge ? `; e.g. ${cardMerge.summary}` : ''}`);

  // The model is rebuilt when the purchases grow; wait (a little) for one built from this run.
  let recs = (await call(`/v1/profiles/loyalty_card/${e(regular.loyaltyCard)}/recommendations?limit=3`)).body;
  for (const deadline = Date.now() + 40_000; !(recs.modelBuiltAt && Date.parse(recs.modelBuiltAt) >= landedAt) && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 1000));
    recs = (await call(`/v1/profiles/loyalty_card/${e(regular.loyaltyCard)}/recommendations?limit=3`)).body;
  }
  say(`  recommendations (lift, model built ${recs.modelBuiltAt ?? 'not yet'}): ${recs.items.map((i: Json) => `${i.sku} (${i.reason}${i.reason === 'bought_together' ? `, lift ${i.score}` : ''})`).join(', ') || 'none'}`);

  const segment = (await call('/v1/segments/rules/omnichannel_buyers/members?days=30&limit=10000')).body;
  const [omni] = await watch.ch.query<{ n: number }>(
    `SELECT count() AS n FROM
     (
         SELECT e.person_id FROM events AS e
         WHERE e.tenant = 'demo' AND e.person_id != '' AND toDate(e.event_time) >= today() - 30
         GROUP BY e.person_id
         HAVING countIf(e.event_name = 'Order Completed') > 0 AND countIf(e.event_type = 'pos_transaction' AND e.event_name = 'sale') > 0
     )
     -- Exported segments hold only persons who consented to marketing (opt-in for the demo tenant).
     WHERE person_id IN (SELECT person_id FROM person_consent_stated WHERE tenant = 'demo' AND purpose = 'marketing' AND granted = 1)`,
  );
  say(`  segment omnichannel_buyers (bought online and in a store, 30 days; marketing consent): ${segment.persons.length} persons; ClickHouse says ${omni?.n}: ${verdict(Number(omni?.n) === segment.persons.length)}`);

  const today = new Date().toISOString().slice(0, 10);
  const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  const share = (await call(`/v1/kpis/digital-share?from=${monthAgo}&to=${today}`)).body;
  const { digital, stores } = revenueOfDays(share.days);
  say(`  digital share of sales, last 30 days: ${digital + stores > 0 ? ((100 * digital) / (digital + stores)).toFixed(1) : '-'} % (${(digital / 100).toFixed(2)} EUR online, ${(stores / 100).toFixed(2)} EUR in stores)`);
  return { loyaltyCard: regular.loyaltyCard, email: regular.email, userId: regular.userId };
}

/** Calls to paste, for the customer the demo looked up. */
export function apiNextSteps(example: ApiExample | undefined): string {
  const card = example?.loyaltyCard ?? 'LOYALTY-CARD';
  const email = encodeURIComponent(example?.email ?? 'name@example.com');
  const user = example?.userId ?? 'USER-ID';
  const today = new Date().toISOString().slice(0, 10);
  const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  return `
The customer API (paste into a shell; OpenAPI and a try-it page at ${API_URL}/docs, reference in docs/api.md):
  a() { curl -s -H 'Authorization: Bearer ${DEMO_API_KEY}' "${API_URL}$1"; echo; }
  a /v1/profiles/loyalty_card/${card}
  a /v1/profiles/email/${email}
  a "/v1/profiles/user_id/${user}/timeline?limit=5"
  a /v1/profiles/loyalty_card/${card}/explain
  a /v1/profiles/loyalty_card/${card}/recommendations
  a "/v1/segments/rules/omnichannel_buyers/members?days=30&limit=5"
  a "/v1/kpis/stores/HEL-1/hours?day=${new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Helsinki' }).format(new Date())}"
  a "/v1/kpis/digital-share?from=${monthAgo}&to=${today}"`;
}
