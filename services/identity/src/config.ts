import { TOPIC_PREFIX_PATTERN, env, stackEnv, z } from '@cdp/plumbing';

export const identityConfigSchema = z.object({
  ...stackEnv,
  TOPIC_PREFIX: z.string().regex(TOPIC_PREFIX_PATTERN, { message: 'must be empty or like "e2e-run1."' }).default(''),
  IDENTITY_GROUP_ID: env.string('identity'),
  METRICS_PORT: env.int(9101, { min: 0, max: 65535 }),
});
