/**
 * The rules the graph applies, per tenant: which identifier types outrank which (the survivor of
 * a merge and the person an event is attributed to), how many identifiers of a type one person
 * may have (a second user id means a shared device, not one person), and which values are
 * placeholders that must never link anyone.
 */
import { z } from '@cdp/plumbing';

/** Types this service extracts; custom ones from context.externalIds are `external:<type>`. */
export const IDENTIFIER_TYPES = ['user_id', 'customer_id', 'loyalty_card', 'email_hash', 'phone_hash', 'external', 'device_id', 'wifi_mac_hash', 'anonymous_id'] as const;
export type IdentifierType = (typeof IDENTIFIER_TYPES)[number] | `external:${string}`;

export interface IdentityRules {
  /** Highest first. `external` stands for every external:<type>. */
  priority: readonly string[];
  /** At most this many identifiers of the type per person. */
  limits: Readonly<Record<string, number>>;
  blockedValues: ReadonlySet<string>;
  blockedPatterns: readonly RegExp[];
}

/**
 * Placeholders that clients send when they have no identifier. Compared trimmed, lower-cased,
 * and with surrounding quotes removed ("null", 'guest').
 */
export const BUILT_IN_BLOCKED = ['', 'null', 'undefined', 'none', 'nil', '0', '-1', 'nan', 'anonymous', 'guest', 'unknown', 'n/a', 'na', 'test', '[object object]', 'true', 'false'];
/** All zeros or dashes (00000000-0000-0000-0000-000000000000, ----), which SDKs send before they have an id. */
export const BUILT_IN_PATTERNS = [/^[0\-\s]+$/, /^-+$/];

const ruleSetSchema = z.object({
  priority: z.array(z.string().min(1)).min(1).optional(),
  limits: z.record(z.string(), z.number().int().min(1)).optional(),
  blockedValues: z.array(z.string()).optional(),
  blockedPatterns: z.array(z.string()).optional(),
});
const fileSchema = z.object({ default: ruleSetSchema.required({ priority: true }), tenants: z.record(z.string(), ruleSetSchema).default({}) });

/** Trimmed, unquoted ("null", 'guest'), lower case. */
const normalizeForBlocking = (value: string): string => value.trim().replace(/^(["'`])(.*)\1$/, '$2').trim().toLowerCase();

export interface RuleBook {
  rulesOf(tenant: string): IdentityRules;
}

function compile(raw: z.infer<typeof ruleSetSchema>, where: string): IdentityRules {
  const patterns = (raw.blockedPatterns ?? []).map((p, i) => {
    try {
      return new RegExp(p, 'i');
    } catch (error) {
      throw new Error(`${where}.blockedPatterns[${i}]: not a regular expression: ${(error as Error).message}`);
    }
  });
  return {
    priority: raw.priority ?? [],
    limits: raw.limits ?? {},
    blockedValues: new Set([...BUILT_IN_BLOCKED, ...(raw.blockedValues ?? []).map(normalizeForBlocking)]),
    blockedPatterns: [...BUILT_IN_PATTERNS, ...patterns],
  };
}

/** Parses the rules file; every problem names its place in the file. */
export function parseRules(json: unknown, file: string): RuleBook {
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const base = parsed.data.default;
  const fallback = compile(base, `${file}: default`);
  const tenants = new Map(Object.entries(parsed.data.tenants).map(([tenant, r]) => [tenant, compile({ ...base, ...r, blockedValues: [...(base.blockedValues ?? []), ...(r.blockedValues ?? [])], blockedPatterns: [...(base.blockedPatterns ?? []), ...(r.blockedPatterns ?? [])] }, `${file}: tenants.${tenant}`)]));
  return { rulesOf: (tenant) => tenants.get(tenant) ?? fallback };
}

export const DEFAULT_RULES: IdentityRules = compile({ priority: [...IDENTIFIER_TYPES], limits: { user_id: 1, customer_id: 1, loyalty_card: 1 } }, 'built-in');

/** A placeholder, never an identifier. */
export function isBlocked(rules: IdentityRules, value: string): boolean {
  const v = normalizeForBlocking(value);
  return rules.blockedValues.has(v) || rules.blockedPatterns.some((p) => p.test(v));
}

/** Position in the priority list: lower is stronger; types not listed come last. */
export function rankOf(rules: IdentityRules, type: string): number {
  const i = rules.priority.indexOf(type.startsWith('external:') ? 'external' : type);
  return i === -1 ? rules.priority.length : i;
}
