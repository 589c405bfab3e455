import { join } from 'node:path';
import { env, serviceEnv, z } from '@cdp/plumbing';

export const identityConfigSchema = z.object({
  ...serviceEnv,
  /** Consumer group of the stitchers; the graph writer's is this with `-graph`. */
  IDENTITY_GROUP_ID: env.string('identity'),
  /** Which roles this process runs: stitch (scales out), graph (one writer per links partition). */
  IDENTITY_ROLES: env.string('stitch,graph').pipe(
    z.string().refine((s) => s.split(',').every((r) => ['stitch', 'graph'].includes(r.trim())) && s.trim() !== '', { message: 'must be stitch, graph or stitch,graph' }),
  ),
  IDENTITY_RULES_FILE: env.string(join(__dirname, '..', 'config', 'rules.json')),
  METRICS_PORT: env.int(9101, { min: 0, max: 65535 }),
});
