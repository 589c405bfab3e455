import { TOPIC_PREFIX_PATTERN, env, stackEnv, z } from '@cdp/plumbing';

export const enrichmentConfigSchema = z.object({
  ...stackEnv,
  TOPIC_PREFIX: z.string().regex(TOPIC_PREFIX_PATTERN, { message: 'must be empty or like "e2e-run1."' }).default(''),
  ENRICHMENT_GROUP_ID: env.string('enrichment'),
  METRICS_PORT: env.int(9102, { min: 0, max: 65535 }),
});
