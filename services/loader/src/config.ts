import { join } from 'node:path';
import { DEVELOPMENT_SALT, env, serviceEnv, z } from '@cdp/plumbing';

/**
 * The salt rule is ingest's: PII_HASH_SALT, at least 16 characters, required when
 * NODE_ENV=production, else the development salt. Both must hash alike, or a partner's e-mail
 * never meets ours.
 */
const piiEnv = {
  /** Secret salt for hashing partners' e-mails and phones: the same value as ingest's. */
  PII_HASH_SALT: z.string().min(16, { message: 'must be at least 16 characters of secret' }).optional(),
  NODE_ENV: z.string().default('development'),
};
const saltRequiredInProduction = { message: 'required when NODE_ENV=production', path: ['PII_HASH_SALT'] };
const saltRule = (c: { PII_HASH_SALT?: string | undefined; NODE_ENV: string }) => c.PII_HASH_SALT !== undefined || c.NODE_ENV !== 'production';

/** What `pnpm load` reads: the stack's endpoints, the topic prefix and the salt. */
export const loadCommandConfigSchema = z.object({ ...serviceEnv, ...piiEnv }).refine(saltRule, saltRequiredInProduction);

/** The upload service: the same, and its ports, keys file and body limit. */
export const loaderConfigSchema = z
  .object({
    ...serviceEnv,
    ...piiEnv,
    LOADER_HOST: env.string('127.0.0.1'),
    LOADER_PORT: env.int(8090, { min: 0, max: 65535 }),
    /** Prometheus metrics and /health of the process, on their own port like the other services. */
    METRICS_PORT: env.int(9104, { min: 0, max: 65535 }),
    LOADER_KEYS_FILE: env.string(join(__dirname, '..', 'config', 'keys.local.json')),
    /** Largest upload accepted, in bytes (a catalogue of 100,000 products is about 15 MB of CSV). */
    LOADER_MAX_BODY_BYTES: env.int(64 * 1024 * 1024, { min: 1024, max: 1024 * 1024 * 1024 }),
  })
  .refine(saltRule, saltRequiredInProduction);

export type LoadCommandConfig = z.infer<typeof loadCommandConfigSchema>;
export type LoaderConfig = z.infer<typeof loaderConfigSchema>;

export const saltOf = (config: { PII_HASH_SALT?: string | undefined }): string => config.PII_HASH_SALT ?? DEVELOPMENT_SALT;
