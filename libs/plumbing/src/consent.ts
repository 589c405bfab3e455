/**
 * Consent per purpose. A person states consent with events (Segment's context.consent, a till's
 * loyalty-programme terms) in the words of a consent manager: categories. The tenant's policy maps
 * categories to the pipeline's purposes, and says what holds for a person who has stated nothing
 * about a purpose: opt-out (consented until withdrawn) or opt-in (not until given). Per person and
 * purpose the newest statement wins, whichever identifier of theirs it came with.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors';
import type { CdpCommon } from './generated/avro-types';

export const PURPOSES = ['analytics', 'personalisation', 'marketing'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** What each purpose allows, for the README and the API's answers. */
export const PURPOSE_EFFECTS: Readonly<Record<Purpose, string>> = {
  analytics: 'the person\'s profile and timeline; without it their events still count in KPIs, anonymously',
  personalisation: 'recommendations for the person',
  marketing: 'membership in exported segments, real-time signals, and partner segments whose terms need it',
};

/** The policy file of this repository, used unless CONSENT_POLICY_FILE names another. */
export const DEFAULT_CONSENT_POLICY_FILE = resolve(__dirname, '../../../infra/config/consent-policy.json');

const purposeRule = z.object({
  policy: z.enum(['opt-in', 'opt-out']),
  categories: z.array(z.string().min(1).max(100)).max(100),
});
const tenantPolicy = z.object({
  purposes: z.object(Object.fromEntries(PURPOSES.map((p) => [p, purposeRule])) as Record<Purpose, typeof purposeRule>).strict(),
  partners: z.record(z.string().min(1), z.array(z.enum(PURPOSES))),
});
const fileSchema = z.object({
  $comment: z.string().optional(),
  default: tenantPolicy,
  tenants: z.record(z.string(), z.object({ purposes: tenantPolicy.shape.purposes.partial().optional(), partners: tenantPolicy.shape.partners.optional() }).strict()),
});

export type TenantConsentPolicy = z.infer<typeof tenantPolicy>;

/** A purpose as decided for one person: stated by them (with when and how), or the policy's default. */
export interface PurposeDecision {
  granted: boolean;
  stated: boolean;
  at: number | null;
  source: string | null;
}

/** A person's newest answer for one category, as stored. */
export interface CategoryAnswer {
  category: string;
  granted: boolean;
  at: number;
  source: string;
}

export interface StatedPurpose {
  purpose: Purpose;
  granted: boolean;
}

export class ConsentPolicy {
  private readonly byCategory = new Map<string, Map<string, Purpose>>();

  constructor(private readonly fallback: TenantConsentPolicy, private readonly tenants: Readonly<Record<string, TenantConsentPolicy>>) {}

  policyOf(tenant: string): TenantConsentPolicy {
    return this.tenants[tenant] ?? this.fallback;
  }

  /** Every tenant the file names and the default (''): what aggregation writes to ClickHouse. */
  get all(): [string, TenantConsentPolicy][] {
    return [['', this.fallback], ...Object.entries(this.tenants)];
  }

  /**
   * The purposes one statement decides. A purpose is refused when any of its categories is
   * answered false, granted when those answered are all true; categories the policy does not know
   * decide nothing.
   */
  statedPurposes(tenant: string, consent: CdpCommon.Consent | null | undefined): StatedPurpose[] {
    if (!consent) return [];
    const categories = this.categoriesOf(tenant);
    const decided = new Map<Purpose, boolean>();
    for (const [category, answer] of Object.entries(consent.categoryPreferences)) {
      const purpose = categories.get(category.toLowerCase());
      if (purpose === undefined) continue;
      decided.set(purpose, (decided.get(purpose) ?? true) && answer);
    }
    return PURPOSES.filter((p) => decided.has(p)).map((purpose) => ({ purpose, granted: decided.get(purpose)! }));
  }

  /** Per purpose: the person's newest statement, else the tenant's policy. */
  decide(tenant: string, newest: Partial<Record<Purpose, { granted: boolean; at: number; source: string }>>): Record<Purpose, PurposeDecision> {
    const policy = this.policyOf(tenant);
    return Object.fromEntries(
      PURPOSES.map((p) => {
        const s = newest[p];
        return [p, s ? { granted: s.granted, stated: true, at: s.at, source: s.source } : { granted: policy.purposes[p].policy === 'opt-out', stated: false, at: null, source: null }];
      }),
    ) as Record<Purpose, PurposeDecision>;
  }

  /**
   * The newest answer per purpose from a person's newest answer per category (ClickHouse's
   * person_consent, over every person merged into them): a refusal wins a tie.
   */
  newestByPurpose(tenant: string, answers: readonly CategoryAnswer[]): Partial<Record<Purpose, { granted: boolean; at: number; source: string }>> {
    const categories = this.categoriesOf(tenant);
    const newest: Partial<Record<Purpose, { granted: boolean; at: number; source: string }>> = {};
    for (const a of answers) {
      const purpose = categories.get(a.category.toLowerCase());
      if (purpose === undefined) continue;
      const seen = newest[purpose];
      if (!seen || a.at > seen.at || (a.at === seen.at && !a.granted)) newest[purpose] = { granted: a.granted, at: a.at, source: a.source };
    }
    return newest;
  }

  /** The purposes a partner's terms need before its segments join a person. */
  partnerNeeds(tenant: string, partner: string): readonly Purpose[] {
    return this.policyOf(tenant).partners[partner] ?? ['marketing'];
  }

  private categoriesOf(tenant: string): Map<string, Purpose> {
    let map = this.byCategory.get(tenant);
    if (!map) {
      map = new Map();
      const policy = this.policyOf(tenant);
      for (const p of PURPOSES) for (const c of policy.purposes[p].categories) map.set(c.toLowerCase(), p);
      this.byCategory.set(tenant, map);
    }
    return map;
  }
}

/** Parses a policy file's content; every problem names its place in the file. */
export function parseConsentPolicy(json: unknown, file: string): ConsentPolicy {
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => ({ variable: `${file}: ${i.path.join('.')}`, reason: i.message })));
  const { default: fallback, tenants } = parsed.data;
  const resolved: Record<string, TenantConsentPolicy> = {};
  for (const [tenant, over] of Object.entries(tenants)) {
    resolved[tenant] = { purposes: { ...fallback.purposes, ...(over.purposes ?? {}) } as TenantConsentPolicy['purposes'], partners: over.partners ?? fallback.partners };
  }
  // A category stating two purposes would make one answer mean two things.
  for (const [tenant, policy] of [['default', fallback] as const, ...Object.entries(resolved)]) {
    const seen = new Map<string, Purpose>();
    for (const p of PURPOSES) {
      for (const c of policy.purposes[p].categories) {
        const other = seen.get(c.toLowerCase());
        if (other && other !== p) throw new ConfigError([{ variable: `${file}: ${tenant}.purposes.${p}.categories`, reason: `category "${c}" states ${other} already` }]);
        seen.set(c.toLowerCase(), p);
      }
    }
  }
  return new ConsentPolicy(fallback, resolved);
}

export const loadConsentPolicy = (file: string = DEFAULT_CONSENT_POLICY_FILE): ConsentPolicy => parseConsentPolicy(JSON.parse(readFileSync(file, 'utf8')), file);
