/**
 * Key files, the way every HTTP service authenticates its callers: each key has a name and the
 * SHA-256 of the key, never the key, so whoever reads the file cannot call with it. What a key may
 * do is the service's own schema (the loader's datasets, the API's scopes).
 *
 * Make a key: `openssl rand -hex 24`, and its hash: `printf %s KEY | sha256sum`.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Tenant and key names: lower-case letters, digits, _ and - (at most 63). */
export const SLUG = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const slug = () => z.string().regex(SLUG, { message: 'must be lower-case letters, digits, _ and - (at most 63)' });

export const keyEntryFields = {
  name: slug(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, { message: 'must be the SHA-256 of the key as 64 lower-case hex digits' }),
  $comment: z.string().optional(),
};

export interface KeyRegistry<K> {
  /** The key whose SHA-256 matches, or undefined. */
  byKey(key: string): K | undefined;
  readonly all: readonly K[];
}

export const keyHash = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** Parses a key file's content ({ "keys": [...] }); every problem names its place in the file. */
export function parseKeyFile<S extends z.ZodObject<typeof keyEntryFields & Record<string, z.ZodType>>>(json: unknown, file: string, keySchema: S): KeyRegistry<Readonly<z.infer<S>>> {
  const fileSchema = z.object({ $comment: z.string().optional(), keys: z.array(keySchema).min(1) });
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  type Key = Readonly<z.infer<S>> & { name: string; sha256: string };
  const byHash = new Map<string, Key>();
  const names = new Set<string>();
  for (const k of parsed.data.keys as Key[]) {
    if (names.has(k.name)) throw new Error(`${file}: key name ${k.name} is used twice`);
    if (byHash.has(k.sha256)) throw new Error(`${file}: key ${k.name} has the same hash as ${byHash.get(k.sha256)!.name}`);
    names.add(k.name);
    byHash.set(k.sha256, Object.freeze({ ...k }) as Key);
  }
  // Looked up by the key's hash: the lookup's timing says nothing about a stored key.
  return { byKey: (key) => byHash.get(keyHash(key)), all: [...byHash.values()] };
}

/** The bearer token of an Authorization header, or undefined. */
export function bearerOf(authorization: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return m?.[1];
}
