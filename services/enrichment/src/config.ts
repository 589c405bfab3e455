import { env, serviceEnv, z } from '@cdp/plumbing';

export const enrichmentConfigSchema = z.object({
  ...serviceEnv,
  ENRICHMENT_GROUP_ID: env.string('enrichment'),
  METRICS_PORT: env.int(9102, { min: 0, max: 65535 }),
});
