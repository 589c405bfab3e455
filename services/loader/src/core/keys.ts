/**
 * Upload keys (LOADER_KEYS_FILE): each has a name, the tenant it writes for, the datasets it may
 * write and, for a partner, the partner it speaks for. The file holds the SHA-256 of each key,
 * never the key: whoever reads the file cannot upload with it.
 *
 *   { "keys": [ { "name": "nordic-loyalty", "sha256": "<64 hex>", "tenant": "demo",
 *                 "datasets": ["segments"], "partner": "nordic-loyalty" } ] }
 *
 * Parsed by plumbing's key-file.ts, which the API shares.
 */
import { bearerOf, keyEntryFields, keyHash, parseKeyFile, z, type KeyRegistry as Keys } from '@cdp/plumbing';
import { DATASET_NAMES, SLUG, type DatasetName } from './dataset';

const slug = z.string().regex(SLUG, { message: 'must be lower-case letters, digits, _ and - (at most 63)' });

const keySchema = z.object({
  ...keyEntryFields,
  tenant: slug,
  datasets: z.array(z.enum(DATASET_NAMES)).min(1),
  /** The partner whose segments this key delivers; without it (an operator's key) the upload names one. */
  partner: slug.optional(),
});

export type UploadKey = Readonly<z.infer<typeof keySchema>>;
export type KeyRegistry = Keys<UploadKey>;
export { bearerOf, keyHash };

/** Parses a keys file's content; every problem names its place in the file. */
export const parseKeys = (json: unknown, file: string): KeyRegistry => parseKeyFile(json, file, keySchema);

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
