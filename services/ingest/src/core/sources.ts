import { z } from '@cdp/plumbing';

const sourceSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'must be lower-case letters, digits and -' }),
  writeKey: z.string().min(8, { message: 'must be at least 8 characters' }),
  kind: z.enum(['segment', 'store']),
  channel: z.enum(['WEB', 'APP', 'SERVER', 'STORE', 'OTHER']),
  tenant: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { message: 'must be lower-case letters, digits, _ and -' }),
});

export type Source = z.infer<typeof sourceSchema>;

export interface SourceRegistry {
  byWriteKey(key: string): Source | undefined;
  readonly all: readonly Source[];
}

/** Parses a sources file's content; every problem names its place in the file. */
export function parseSources(json: unknown, file: string): SourceRegistry {
  const parsed = z.object({ sources: z.array(sourceSchema).min(1) }).safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`${file}: ${problems}`);
  }
  const byKey = new Map<string, Source>();
  for (const s of parsed.data.sources) {
    if (byKey.has(s.writeKey)) throw new Error(`${file}: write key of source ${s.id} is already used by ${byKey.get(s.writeKey)!.id}`);
    byKey.set(s.writeKey, s);
  }
  return { byWriteKey: (key) => byKey.get(key), all: parsed.data.sources };
}

/** The write key of a request: HTTP Basic user name (Segment's way), else `writeKey` in the body. */
export function writeKeyOf(authorization: string | undefined, body: unknown): string | undefined {
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const user = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
    if (user) return user;
  }
  if (body && typeof body === 'object' && typeof (body as { writeKey?: unknown }).writeKey === 'string') return (body as { writeKey: string }).writeKey;
  return undefined;
}
