/**
 * Upload keys (LOADER_KEYS_FILE): each has a name, the tenant it writes for, the datasets it may
 * write and, for a partner, the partner it speaks for. The file holds the SHA-256 of each key,
 * never the key: whoever reads the file cannot upload with it.
 *
 *   { "keys": [ { "name": "nordic-loyalty", "sha256": "<64 hex>", "tenant": "demo",
 *                 "datasets": ["segments"], "partner": "nordic-loyalty" } ] }
 *
 * Make a key: `openssl rand -hex 24`, and its hash: `printf %s KEY | sha256sum`.
 */
import { createHash } from 'node:crypto';
import { z } from '@cdp/plumbing';
import { DATASET_NAMES, SLUG, type DatasetName } from './dataset';

const slug = z.string().regex(SLUG, { message: 'must be lower-case letters, digits, _ and - (at most 63)' });

const keySchema = z.object({
  name: slug,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, { message: 'must be the SHA-256 of the key as 64 lower-case hex digits' }),
  tenant: slug,
  datasets: z.array(z.enum(DATASET_NAMES)).min(1),
  /** The partner whose segments this key delivers; without it (an operator's key) the upload names one. */
  partner: slug.optional(),
  $comment: z.string().optional(),
});

const fileSchema = z.object({ $comment: z.string().optional(), keys: z.array(keySchema).min(1) });

export type UploadKey = Readonly<z.infer<typeof keySchema>>;

export interface KeyRegistry {
  /** The key whose SHA-256 matches, or undefined. */
  byKey(key: string): UploadKey | undefined;
  readonly all: readonly UploadKey[];
}

export const keyHash = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** Parses a keys file's content; every problem names its place in the file. */
export function parseKeys(json: unknown, file: string): KeyRegistry {
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const byHash = new Map<string, UploadKey>();
  const names = new Set<string>();
  for (const k of parsed.data.keys) {
    if (names.has(k.name)) throw new Error(`${file}: key name ${k.name} is used twice`);
    if (byHash.has(k.sha256)) throw new Error(`${file}: key ${k.name} has the same hash as ${byHash.get(k.sha256)!.name}`);
    names.add(k.name);
    byHash.set(k.sha256, Object.freeze({ ...k }));
  }
  return { byKey: (key) => byHash.get(keyHash(key)), all: [...byHash.values()] };
}

/** The bearer token of an Authorization header, or undefined. */
export function bearerOf(authorization: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return m?.[1];
}

export type Grant = { ok: true; partner?: string } | { ok: false; status: 400 | 403; field: string; reason: string };

/**
 * May this key write this dataset, and for which partner? A partner key writes its own segments
 * only; an operator's key (no partner) names the partner of a segments upload.
 */
export function authorize(key: UploadKey, dataset: DatasetName, requestedPartner: string | undefined): Grant {
  if (!key.datasets.includes(dataset)) return { ok: false, status: 403, field: 'dataset', reason: `key ${key.name} may not write ${dataset} (it may write ${key.datasets.join(', ')})` };
  if (dataset !== 'segments') return requestedPartner === undefined ? { ok: true } : { ok: false, status: 400, field: 'partner', reason: `is only for segments` };
  if (key.partner !== undefined) {
    if (requestedPartner !== undefined && requestedPartner !== key.partner) return { ok: false, status: 403, field: 'partner', reason: `key ${key.name} speaks for partner ${key.partner} only` };
    return { ok: true, partner: key.partner };
  }
  if (requestedPartner === undefined) return { ok: false, status: 400, field: 'partner', reason: `is required: key ${key.name} speaks for no partner, so the upload names one (?partner=NAME)` };
  if (!SLUG.test(requestedPartner)) return { ok: false, status: 400, field: 'partner', reason: 'must be lower-case letters, digits, _ and -' };
  return { ok: true, partner: requestedPartner };
}
