import { join } from 'node:path';
import { env, serviceEnv, z } from '@cdp/plumbing';

/** "name=url,name=url": the services whose Prometheus metrics the IT page reads. */
const metricsTargets = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(
      z
        .array(z.string().regex(/^[a-z][a-z0-9_-]*=https?:\/\/\S+$/, { message: 'must be name=http://host:port/metrics[,name=...]' }))
        .transform((pairs) => pairs.map((p) => ({ service: p.slice(0, p.indexOf('=')), url: p.slice(p.indexOf('=') + 1) }))),
    );

export const consoleConfigSchema = z.object({
  // Kafka (consumer lag, dead-letter topics) and the topic prefix: whose pipeline the IT page shows.
  ...serviceEnv,
  CONSOLE_HOST: env.string('127.0.0.1'),
  CONSOLE_PORT: env.int(8060, { min: 0, max: 65535 }),
  METRICS_PORT: env.int(9106, { min: 0, max: 65535 }),
  /** The customer API the pages read through. */
  CONSOLE_API_URL: env.url('http://127.0.0.1:8070'),
  CONSOLE_USERS_FILE: env.string(join(__dirname, '..', 'config', 'users.local.json')),
  /** How long a sign-in lasts. */
  CONSOLE_SESSION_HOURS: env.int(12, { min: 1, max: 24 * 30 }),
  /** Set when the console is served over HTTPS (behind a proxy): the session cookie is then Secure. */
  CONSOLE_SECURE_COOKIE: env.bool(false),
  CONSOLE_METRICS_URLS: metricsTargets(
    'ingest=http://127.0.0.1:8080/metrics,identity=http://127.0.0.1:9101/metrics,enrichment=http://127.0.0.1:9102/metrics,aggregation=http://127.0.0.1:9103/metrics,loader=http://127.0.0.1:9104/metrics,api=http://127.0.0.1:9105/metrics',
  ),
});

export type ConsoleConfig = z.infer<typeof consoleConfigSchema>;
