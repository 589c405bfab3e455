import { join } from 'node:path';
import { ConfigError, DEFAULT_CONSENT_POLICY_FILE, env, loadConsentPolicy, piiSaltEnv, saltRequiredInProduction, serviceEnv, z, type ConsentPolicy } from '@cdp/plumbing';

export const apiConfigSchema = z.object({
  ...serviceEnv,
  API_HOST: env.string('127.0.0.1'),
  API_PORT: env.int(8070, { min: 0, max: 65535 }),
  METRICS_PORT: env.int(9105, { min: 0, max: 65535 }),
  API_KEYS_FILE: env.string(join(__dirname, '..', 'config', 'keys.local.json')),
  /** PII_HASH_SALT: the salt ingest hashes e-mails, phones and MACs with; a clear e-mail lookup hashes with it too. */
  ...piiSaltEnv,
  /** The tenants' consent policies (libs/plumbing/src/consent.ts), as aggregation reads them: what a person who stated nothing consents to, what partners' terms need. */
  CONSENT_POLICY_FILE: env.string(DEFAULT_CONSENT_POLICY_FILE),
  /** Persons whose ClickHouse reads are kept in memory (each entry dropped when the person's rows change). */
  API_PERSON_CACHE_ENTRIES: env.int(100_000, { min: 0 }),
  /** The longest an entry is kept even without a change: what a lost change notification could cost. */
  API_PERSON_CACHE_MAX_AGE_SECONDS: env.int(300, { min: 0 }),
  /** The lift model is rebuilt from every person's purchases this often (and at start). */
  API_RECOMMENDATION_REFRESH_SECONDS: env.int(600, { min: 5 }),
  /** Purchases of the last this many days make the model's baskets. */
  API_RECOMMENDATION_WINDOW_DAYS: env.int(365, { min: 1 }),
  /** A pair of products counts when at least this many persons bought both. */
  API_RECOMMENDATION_MIN_PAIR_SUPPORT: env.int(3, { min: 1 }),
  /** Products bought in the last this many days are not recommended again. */
  API_RECOMMENDATION_EXCLUDE_DAYS: env.int(30, { min: 0 }),
  /** Baskets with more products than this (a business buyer, a test account) are left out of the model. */
  API_RECOMMENDATION_MAX_BASKET: env.int(200, { min: 2 }),
}).refine(...saltRequiredInProduction);

export type ApiConfig = z.infer<typeof apiConfigSchema>;

/** What the operators' commands (`pnpm erase`, `pnpm identity-block`) read: the stack, the topic prefix and the salt, as the services read them. */
export const operatorConfigSchema = z.object({ ...serviceEnv, ...piiSaltEnv }).refine(...saltRequiredInProduction);

/** The consent policy CONSENT_POLICY_FILE names; a file that cannot be read or parsed is a configuration error naming it. */
export function consentPolicyOf(file: string): ConsentPolicy {
  try {
    return loadConsentPolicy(file);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError([{ variable: `CONSENT_POLICY_FILE (${file})`, reason: (error as Error).message }]);
  }
}
