/**
 * Who may send what: sources (each with a write key, a tenant and a kind), the tenant's stores,
 * and Meraki scanning receivers. Read from one JSON file (INGEST_SOURCES_FILE).
 */
import { z } from '@cdp/plumbing';

const slug = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { message: 'must be lower-case letters, digits, _ and -' });

const sourceSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'must be lower-case letters, digits and -' }),
  writeKey: z.string().min(8, { message: 'must be at least 8 characters' }),
  kind: z.enum(['segment', 'store']),
  channel: z.enum(['WEB', 'APP', 'SERVER', 'STORE', 'OTHER']),
  tenant: slug,
  /** A store key belongs to one store: it may post only that store's events. Without it, any store of the tenant. */
  storeId: z.string().min(1).optional(),
});

const storeSchema = z.object({ id: z.string().min(1).max(100), tenant: slug, name: z.string().optional() });

const merakiReceiverSchema = z.object({
  /** Last part of the receiver URL: POST /v1/meraki/<id>. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'must be lower-case letters, digits and -' }),
  tenant: slug,
  /** Shown by the Meraki dashboard; answered to its GET so that Meraki starts posting. */
  validator: z.string().min(1),
  /** Set in the dashboard for this receiver; every POST carries it. */
  secret: z.string().min(8, { message: 'must be at least 8 characters' }),
  /** Meraki network id -> our store id. Observations of other networks are dead letters. */
  networks: z.record(z.string().min(1), z.string().min(1)),
});

export type Source = z.infer<typeof sourceSchema>;
export type Store = z.infer<typeof storeSchema>;
export type MerakiReceiver = z.infer<typeof merakiReceiverSchema> & { source: Source };

export interface SourceRegistry {
  byWriteKey(key: string): Source | undefined;
  byId(id: string): Source | undefined;
  /** The store if the tenant has it. */
  store(tenant: string, storeId: string): Store | undefined;
  merakiReceiver(id: string): MerakiReceiver | undefined;
  readonly all: readonly Source[];
}

const fileSchema = z.object({
  sources: z.array(sourceSchema).min(1),
  stores: z.array(storeSchema).default([]),
  merakiReceivers: z.array(merakiReceiverSchema).default([]),
});

/** Parses a sources file's content; every problem names its place in the file. */
export function parseSources(json: unknown, file: string): SourceRegistry {
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`${file}: ${problems}`);
  }
  const { sources, stores, merakiReceivers } = parsed.data;
  const byKey = new Map<string, Source>();
  const storeKey = (tenant: string, id: string) => `${tenant}\u0000${id}`;
  const storesById = new Map(stores.map((s) => [storeKey(s.tenant, s.id), s]));
  for (const s of sources) {
    if (byKey.has(s.writeKey)) throw new Error(`${file}: write key of source ${s.id} is already used by ${byKey.get(s.writeKey)!.id}`);
    if (s.storeId !== undefined && !storesById.has(storeKey(s.tenant, s.storeId))) throw new Error(`${file}: source ${s.id} names store ${s.storeId}, which is not in stores of tenant ${s.tenant}`);
    byKey.set(s.writeKey, s);
  }
  const receivers = new Map<string, MerakiReceiver>();
  for (const r of merakiReceivers) {
    if (receivers.has(r.id)) throw new Error(`${file}: Meraki receiver ${r.id} is defined twice`);
    for (const [network, storeId] of Object.entries(r.networks)) {
      if (!storesById.has(storeKey(r.tenant, storeId))) throw new Error(`${file}: Meraki receiver ${r.id} maps network ${network} to store ${storeId}, which is not in stores of tenant ${r.tenant}`);
    }
    // Meraki posts are store events of the receiver's tenant, under a source of their own.
    receivers.set(r.id, { ...r, source: { id: `meraki-${r.id}`, writeKey: '', kind: 'store', channel: 'STORE', tenant: r.tenant } });
  }
  return {
    byWriteKey: (key) => byKey.get(key),
    byId: (id) => sources.find((s) => s.id === id),
    store: (tenant, id) => storesById.get(storeKey(tenant, id)),
    merakiReceiver: (id) => receivers.get(id),
    all: sources,
  };
}

/**
 * The write key of a request: HTTP Basic user name (Segment's way), else `writeKey` in the body,
 * else in the query string (RudderStack's sendBeacon delivery and its source config request).
 */
export function writeKeyOf(authorization: string | undefined, body: unknown, query?: unknown): string | undefined {
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const user = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
    if (user) return user;
  }
  for (const holder of [body, query]) {
    const key = holder && typeof holder === 'object' ? (holder as { writeKey?: unknown }).writeKey : undefined;
    if (typeof key === 'string' && key) return key;
  }
  return undefined;
}
