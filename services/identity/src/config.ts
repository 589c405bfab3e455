import { env, serviceEnv, z } from '@cdp/plumbing';

export const identityConfigSchema = z.object({
  ...serviceEnv,
  IDENTITY_GROUP_ID: env.string('identity'),
  METRICS_PORT: env.int(9101, { min: 0, max: 65535 }),
});
