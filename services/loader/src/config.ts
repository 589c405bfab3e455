import { join } from 'node:path';
import { env, piiSaltEnv as piiEnv, saltRequiredInProduction, serviceEnv, z } from '@cdp/plumbing';

/** What `pnpm load` reads: the stack's endpoints, the topic prefix and the salt. */
export const loadCommandConfigSchema = z.object({ ...serviceEnv, ...piiEnv }).refine(...saltRequiredInProduction);

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
  .refine(...saltRequiredInProduction);

export type LoadCommandConfig = z.infer<typeof loadCommandConfigSchema>;
export type LoaderConfig = z.infer<typeof loaderConfigSchema>;

/** Ingest's salt rule (plumbing's piiSaltEnv): both must hash alike. */
export { saltOf } from '@cdp/plumbing';
