import { z } from 'zod';
import { ConfigError } from './errors';
import { DEVELOPMENT_SALT } from './pii-hash';
import { TOPIC_PREFIX_PATTERN } from './topics';

/**
 * Configuration comes from environment variables only, is validated once at start and frozen.
 * A schema is a zod object whose keys are the variable names; every problem is reported at
 * once, each naming its variable.
 */
export type EnvSchema = z.ZodObject<Record<string, z.ZodType>>;

export function loadConfig<S extends EnvSchema>(schema: S, env: NodeJS.ProcessEnv = process.env): Readonly<z.infer<S>> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    // An empty variable means "not set": `FOO= cmd` should fall back to the default.
    input[key] = value === '' ? undefined : value;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '(config)'),
        reason: input[String(issue.path[0])] === undefined ? `required but not set (${issue.message})` : issue.message,
      })),
    );
  }
  return Object.freeze(parsed.data);
}

/** Like loadConfig, but prints the problems and exits with status 78 (EX_CONFIG). */
export function loadConfigOrExit<S extends EnvSchema>(schema: S, env: NodeJS.ProcessEnv = process.env): Readonly<z.infer<S>> {
  try {
    return loadConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}

/** Reusable variable types, so every service reads the same kind of value the same way. */
export const env = {
  string: (fallback?: string) => (fallback === undefined ? z.string().min(1) : z.string().min(1).default(fallback)),
  url: (fallback?: string) => {
    const url = z.url({ message: 'must be a URL such as http://127.0.0.1:8123' });
    return fallback === undefined ? url : url.default(fallback);
  },
  int: (fallback: number | undefined, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}) => {
    const int = z.coerce
      .number({ message: 'must be a whole number' })
      .int({ message: 'must be a whole number' })
      .min(min, { message: `must be at least ${min}` })
      .max(max, { message: `must be at most ${max}` });
    return fallback === undefined ? int : int.default(fallback);
  },
  port: (fallback?: number) => env.int(fallback, { min: 1, max: 65535 }),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
      .optional()
      .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1' || v === 'yes')),
  /** Comma-separated host:port list, e.g. KAFKA_BROKERS=127.0.0.1:9092,127.0.0.1:9094 */
  hostPorts: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, { message: 'must be host:port[,host:port...]' })).min(1, { message: 'must name at least one host:port' })),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'must be one of fatal, error, warn, info, debug, trace, silent' }).default('info'),
};

/** The endpoints every service shares; the same names are used by docker-compose.yml. */
export const stackEnv = {
  KAFKA_BROKERS: env.hostPorts('127.0.0.1:9092'),
  SCHEMA_REGISTRY_URL: env.url('http://127.0.0.1:8081/apis/ccompat/v7'),
  CLICKHOUSE_URL: env.url('http://127.0.0.1:8123'),
  CLICKHOUSE_USER: env.string('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be a plain identifier (letters, digits, _)' }).default('cdp'),
  LOG_LEVEL: env.logLevel(),
};

/** What every service reads: the stack's endpoints and the topic prefix (empty in production). */
export const serviceEnv = {
  ...stackEnv,
  TOPIC_PREFIX: z.string().regex(TOPIC_PREFIX_PATTERN, { message: 'must be empty or like "e2e-run1."' }).default(''),
};

export const stackConfigSchema = z.object(stackEnv);
export type StackConfig = z.infer<typeof stackConfigSchema>;

/**
 * The secret salt e-mails, phones and MACs are hashed with. Ingest and the loader read it alike:
 * if they differed, a partner's e-mail would never meet the one a shopper gave us.
 */
export const piiSaltEnv = {
  PII_HASH_SALT: z.string().min(16, { message: 'must be at least 16 characters of secret' }).optional(),
  NODE_ENV: z.string().default('development'),
};

/** `.refine(...saltRequiredInProduction)` on a schema with piiSaltEnv: production needs its own secret. */
export const saltRequiredInProduction: [(c: { PII_HASH_SALT?: string | undefined; NODE_ENV: string }) => boolean, { message: string; path: string[] }] = [
  (c) => c.PII_HASH_SALT !== undefined || c.NODE_ENV !== 'production',
  { message: 'required when NODE_ENV=production', path: ['PII_HASH_SALT'] },
];

/** The configured salt, or the development one outside production. */
export const saltOf = (config: { PII_HASH_SALT?: string | undefined }): string => config.PII_HASH_SALT ?? DEVELOPMENT_SALT;
