/**
 * Console users (CONSOLE_USERS_FILE): who may sign in, with what password (an scrypt hash, never
 * the password), and which retailer's figures they see. The console reads the customer API with
 * the tenant's key, which lives here and on the server only: a browser never holds a key.
 *
 *   { "tenants": { "demo": { "apiKey": "<key with kpi:read, profile:read>" } },
 *     "users": [ { "name": "anna", "password": "scrypt$16384$8$1$<salt b64>$<hash b64>", "tenant": "demo" } ] }
 *
 * Make an entry with `pnpm console-user <name> <tenant>` (it asks for the password).
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { slug, z } from '@cdp/plumbing';

const SCRYPT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

const fileSchema = z.object({
  $comment: z.string().optional(),
  tenants: z.record(slug(), z.object({ $comment: z.string().optional(), apiKey: z.string().min(16, { message: 'must be an API key (at least 16 characters)' }) })),
  users: z
    .array(
      z.object({
        $comment: z.string().optional(),
        name: slug(),
        password: z.string().regex(SCRYPT, { message: 'must be an scrypt hash: scrypt$N$r$p$<salt base64>$<hash base64> (make one with pnpm console-user)' }),
        tenant: slug(),
      }),
    )
    .min(1),
});

export interface ConsoleUser {
  name: string;
  tenant: string;
}

export interface ConsoleUsers {
  /** The user when name and password match, else undefined (the same work either way). */
  verify(name: string, password: string): ConsoleUser | undefined;
  /** The tenant's API key. */
  apiKeyOf(tenant: string): string;
  readonly names: readonly string[];
}

/** Parses the users file's content; every problem names its place in the file. */
export function parseConsoleUsers(json: unknown, file: string): ConsoleUsers {
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { tenants, users } = parsed.data;
  const byName = new Map<string, { tenant: string; password: string }>();
  for (const [i, u] of users.entries()) {
    if (byName.has(u.name)) throw new Error(`${file}: users.${i}.name: ${u.name} is used twice`);
    if (!tenants[u.tenant]) throw new Error(`${file}: users.${i}.tenant: ${u.tenant} has no entry under tenants (its API key)`);
    byName.set(u.name, { tenant: u.tenant, password: u.password });
  }
  // An unknown name is checked against a hash of its own, so a wrong name costs what a wrong password does.
  const decoy = hashPassword(randomBytes(16).toString('hex'), { cost: 1 << 14 });
  return {
    verify(name, password) {
      const user = byName.get(name);
      const ok = checkPassword(password, user?.password ?? decoy);
      return ok && user ? { name, tenant: user.tenant } : undefined;
    },
    apiKeyOf: (tenant) => tenants[tenant]!.apiKey,
    names: [...byName.keys()],
  };
}

/** An scrypt hash of the password in the users file's format. */
export function hashPassword(password: string, { cost = 1 << 14, salt = randomBytes(16) }: { cost?: number; salt?: Buffer } = {}): string {
  const hash = scryptSync(password, salt, 32, { N: cost, r: 8, p: 1 });
  return `scrypt$${cost}$8$1$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function checkPassword(password: string, stored: string): boolean {
  const m = SCRYPT.exec(stored);
  if (!m) return false;
  const [, n, r, p, salt, hash] = m;
  const expected = Buffer.from(hash!, 'base64');
  const actual = scryptSync(password, Buffer.from(salt!, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 256 * 1024 * 1024 });
  return timingSafeEqual(actual, expected);
}
