import { join } from 'node:path';
import { env, piiSaltEnv, saltRequiredInProduction, serviceEnv, z } from '@cdp/plumbing';

export const ingestConfigSchema = z.object({
  ...serviceEnv,
  INGEST_HOST: env.string('127.0.0.1'),
  INGEST_PORT: env.int(8080, { min: 0, max: 65535 }),
  INGEST_SOURCES_FILE: env.string(join(__dirname, '..', 'config', 'sources.local.json')),
  /** PII_HASH_SALT, the secret salt for hashing e-mails, phones and MACs; required in production. */
  ...piiSaltEnv,
  /** Set behind a load balancer, so that the client address comes from X-Forwarded-For. */
  INGEST_TRUST_PROXY: env.bool(false),
  /** How long accepted records wait to be sent together; the HTTP answer waits for Kafka's ack. */
  INGEST_LINGER_MS: env.int(5, { min: 0, max: 1000 }),
  /** Kafka not acknowledging within this time answers 503: the client keeps the events and retries. */
  INGEST_PUBLISH_TIMEOUT_MS: env.int(10_000, { min: 100, max: 120_000 }),
}).refine(...saltRequiredInProduction);

export type IngestConfig = z.infer<typeof ingestConfigSchema>;

/** Only for local development; production must set its own secret. Shared with the loader (plumbing's pii-hash.ts). */
export { DEVELOPMENT_SALT } from '@cdp/plumbing';
