/**
 * API keys (API_KEYS_FILE): each names its tenant and its scopes. The tenant comes from the key,
 * never from the request: a key can only ever read its own retailer's customers.
 *
 *   { "keys": [ { "name": "web-shop", "sha256": "<64 hex>", "tenant": "demo", "scopes": ["profile:read"] } ] }
 */
import { keyEntryFields, parseKeyFile, slug, z, type KeyRegistry } from '@cdp/plumbing';

export const SCOPES = {
  'profile:read': 'one customer: profile, timeline, explanation of merges, recommendations',
  'kpi:read': 'store, campaign, product and sales figures (no person)',
  'segment:export': 'who is in a segment, person by person',
  erasure: 'erase a person and withdraw an erasure',
  'identity:admin': 'block an identifier value that glued different people together (the person is split) and undo it; list the blocks',
} as const;
export type Scope = keyof typeof SCOPES;
const SCOPE_NAMES = Object.keys(SCOPES) as [Scope, ...Scope[]];

const keySchema = z.object({
  ...keyEntryFields,
  tenant: slug(),
  scopes: z.array(z.enum(SCOPE_NAMES)).min(1),
});

export type ApiKey = Readonly<z.infer<typeof keySchema>>;
export type ApiKeys = KeyRegistry<ApiKey>;

export const parseApiKeys = (json: unknown, file: string): ApiKeys => parseKeyFile(json, file, keySchema);
