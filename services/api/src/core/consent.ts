/**
 * Consent in the API's answers. Pure: no I/O. A person's consent per purpose is their newest
 * stated answer (any category of the purpose, any person merged into them), else the tenant's
 * policy (libs/plumbing's ConsentPolicy). What each purpose gates here:
 *
 * - analytics: the profile's figures (activity, what they viewed and carted, their home area) and the timeline;
 * - personalisation: recommendations;
 * - marketing: membership in segment exports, and partner segments (with every other purpose the
 *   partner's terms need), in exports and in the profile.
 *
 * An answer that leaves something out says so: `withheld` names the purposes not granted.
 */
import { PURPOSES, type CategoryAnswer, type ConsentPolicy, type Purpose, type PurposeDecision } from '@cdp/plumbing';

export type Consent = Record<Purpose, PurposeDecision>;

/** Every segment export needs marketing. */
export const SEGMENT_PURPOSES: readonly Purpose[] = ['marketing'];

/** Per purpose: the newest of the person's answers (a refusal wins a tie), else the tenant's policy. */
export const consentOf = (policy: ConsentPolicy, tenant: string, answers: readonly CategoryAnswer[]): Consent => policy.decide(tenant, policy.newestByPurpose(tenant, answers));

/** The purposes of `needed` the person has not granted, in PURPOSES order: what an answer withholds. */
export const notGranted = (consent: Consent, needed: readonly Purpose[]): Purpose[] => PURPOSES.filter((p) => needed.includes(p) && !consent[p].granted);

/** The consent as the API answers it: per purpose granted, stated by the person or not, when (ISO) and through which channel. */
export const consentView = (consent: Consent) =>
  Object.fromEntries(PURPOSES.map((p) => [p, { granted: consent[p].granted, stated: consent[p].stated, statedAt: consent[p].at === null ? null : new Date(consent[p].at).toISOString(), source: consent[p].source }])) as Record<
    Purpose,
    { granted: boolean; stated: boolean; statedAt: string | null; source: string | null }
  >;

/** What joining a partner's segments to a person needs: marketing and whatever else the partner's terms say. */
export const partnerPurposes = (policy: ConsentPolicy, tenant: string, partner: string): Purpose[] => PURPOSES.filter((p) => SEGMENT_PURPOSES.includes(p) || policy.partnerNeeds(tenant, partner).includes(p));

/**
 * The partner segments of a profile that the person's consent allows (every purpose the partner
 * needs granted), and the purposes that left the others out.
 */
export function allowedPartnerSegments<S extends { partner: string }>(policy: ConsentPolicy, tenant: string, segments: readonly S[], consent: Consent): { segments: S[]; withheld: Purpose[] } {
  const withheld = new Set<Purpose>();
  const allowed = segments.filter((s) => {
    const missing = notGranted(consent, partnerPurposes(policy, tenant, s.partner));
    missing.forEach((p) => withheld.add(p));
    return missing.length === 0;
  });
  return { segments: allowed, withheld: PURPOSES.filter((p) => withheld.has(p)) };
}

/**
 * What a segment export asks of each member, for the ClickHouse read: the purposes, and per
 * purpose whether a person who stated nothing about it is in (1: the policy is opt-out) or out (0: opt-in).
 */
export interface SegmentConsent {
  purposes: Purpose[];
  defaults: number[];
}

export function segmentConsentOf(policy: ConsentPolicy, tenant: string, purposes: readonly Purpose[]): SegmentConsent {
  const wanted = PURPOSES.filter((p) => purposes.includes(p));
  const nobody = policy.decide(tenant, {});
  return { purposes: wanted, defaults: wanted.map((p) => (nobody[p].granted ? 1 : 0)) };
}

/** Merges a purpose list into another, in PURPOSES order. */
export const purposesOf = (...lists: readonly (readonly Purpose[])[]): Purpose[] => PURPOSES.filter((p) => lists.some((l) => l.includes(p)));
