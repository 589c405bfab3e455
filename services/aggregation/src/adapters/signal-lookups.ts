/**
 * What the signals processor asks ClickHouse: a person's past (have they bought, are they known,
 * their partner segments) and the store visit thresholds per tenant. Parameters only.
 */
import type { CategoryAnswer, ClickHouse } from '@cdp/plumbing';
import { isKnownIdentifierType, type PersonHistory, type VisitRules } from '../core/signals';

export interface PersonProfile extends PersonHistory {
  segments: { partner: string; segment: string }[];
}

export interface PersonLookup {
  /**
   * The person as ClickHouse knows them (merges resolved), as of just before `event`: bought
   * before it, known (identifiers, or that purchase), partner segments.
   */
  profile(tenant: string, personId: string, event: { eventId: string; at: number }): Promise<PersonProfile>;
  /** The person's newest consent answer per category, over the survivor and everyone merged into them. */
  consentAnswers(tenant: string, personId: string): Promise<CategoryAnswer[]>;
}

// The survivor of person_id, and the persons merged into it (person_merged_from, by its key), each
// while its latest override still names the survivor: a split leaves rows that no longer hold.
const SURVIVOR = `(SELECT if(count() > 0, argMax(person_id, merged_at), {person_id:String}) FROM person_overrides WHERE tenant = {tenant:String} AND old_person_id = {person_id:String})`;
const ABSORBED = `(
    SELECT old_person_id FROM person_overrides
    WHERE tenant = {tenant:String}
      AND old_person_id IN (SELECT old_person_id FROM person_merged_from WHERE tenant = {tenant:String} AND person_id = ${SURVIVOR} AND old_person_id != person_id)
    GROUP BY old_person_id
    HAVING argMax(person_id, merged_at) = ${SURVIVOR})`;
const CONSENT_SQL = `
SELECT category, argMaxMerge(answer) AS answer, toUnixTimestamp64Milli(max(stated_at)) AS at, argMaxMerge(source) AS source
FROM person_consent
WHERE tenant = {tenant:String}
  AND (person_id = ${SURVIVOR} OR person_id IN ${ABSORBED})
GROUP BY category`;

// customer_profile() resolves merges: the survivor of person_id and every person merged into it.
const PROFILE_SQL = `
SELECT p.person_id AS survivor, p.merged_person_ids AS merged, p.identifiers AS identifiers, p.partner_segments AS partner_segments
FROM customer_profile(tenant = {tenant:String}, person_id = {person_id:String}) AS p`;

// Bought before the event: an earliest purchase that is not the event itself and comes before it
// (by time, then id). Whether the sink has stored this event or later ones yet makes no difference.
const BOUGHT_BEFORE_SQL = `
SELECT countIf(first_purchase.2 != {event_id:String} AND first_purchase < (fromUnixTimestamp64Milli({at:Int64}, 'UTC'), {event_id:String})) > 0 AS bought_before
FROM person_first_purchase
WHERE tenant = {tenant:String} AND person_id IN {members:Array(String)}`;

export function createPersonLookup(ch: ClickHouse): PersonLookup {
  return {
    async consentAnswers(tenant, personId) {
      const rows = await ch.query<{ category: string; answer: number; at: string; source: string }>(CONSENT_SQL, { tenant, person_id: personId });
      return rows.map((r) => ({ category: r.category, granted: Number(r.answer) === 1, at: Number(r.at), source: r.source }));
    },
    async profile(tenant, personId, event) {
      const [profile] = await ch.query<{ survivor: string; merged: string[]; identifiers: [string, string][]; partner_segments: [string, string][] }>(PROFILE_SQL, { tenant, person_id: personId });
      // No profile: ClickHouse has no event of the person yet (nor of anyone merged into them).
      const members = profile ? [...new Set([personId, profile.survivor, ...profile.merged])] : [personId];
      const [bought] = await ch.query<{ bought_before: number }>(BOUGHT_BEFORE_SQL, { tenant, members, event_id: event.eventId, at: event.at });
      const purchasedBefore = Number(bought?.bought_before ?? 0) === 1;
      return {
        purchasedBefore,
        known: purchasedBefore || (profile?.identifiers ?? []).some(([type]) => isKnownIdentifierType(type)),
        segments: (profile?.partner_segments ?? []).map(([partner, segment]) => ({ partner, segment })).sort((a, b) => a.partner.localeCompare(b.partner) || a.segment.localeCompare(b.segment)),
      };
    },
  };
}

/**
 * The newest store_visit_rules row per tenant; the tenant '' row is the default. The store_visits
 * view reads the same rows, so a signal's visit is the view's visit.
 */
export async function loadVisitRules(ch: ClickHouse): Promise<Map<string, VisitRules>> {
  const rows = await ch.query<{ tenant: string; open_rssi: number; hold_rssi: number; gap_minutes: number }>(
    'SELECT tenant, argMax(open_rssi, updated_at) AS open_rssi, argMax(hold_rssi, updated_at) AS hold_rssi, argMax(gap_minutes, updated_at) AS gap_minutes FROM store_visit_rules GROUP BY tenant',
  );
  return new Map(rows.map((r) => [r.tenant, { openRssi: Number(r.open_rssi), holdRssi: Number(r.hold_rssi), gapMs: Number(r.gap_minutes) * 60_000 }]));
}
