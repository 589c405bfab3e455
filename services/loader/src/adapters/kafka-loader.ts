/**
 * Publishing a version: parse and check the whole delivery (refused whole on any error, before
 * Kafka is touched); open the scope's transactional producer, which fences an earlier load of the
 * same scope and aborts what a crashed one left open; read the scope's live records as a
 * read_committed reader sees them; then publish nothing (this version is live already) or, in
 * ONE Kafka transaction, every record of the new version and a tombstone for every live key of
 * the scope the version lacks. Readers see the old version or the new one, never a mixture.
 */
import { loadSchemaCatalog, readKeyedTable, topicsWithPrefix, valueSubjectOf, type AvroCodec, type KafkaClients, type Logger, type OutgoingRecord } from '@cdp/plumbing';
import { parseDelivery, scopeOfKey, type DatasetName } from '../core/dataset';
import { DATASETS } from '../core/datasets';
import { DeliveryRefusedError } from '../core/errors';
import type { Format } from '../core/input';
import { planVersion } from '../core/plan';

export interface LoadRequest {
  dataset: DatasetName;
  bytes: Buffer;
  format: Format;
  /** File name, or `upload:<partner or key name>`. */
  sourceName: string;
  tenant: string;
  /** Segments: the partner the delivery speaks for. */
  partner?: string;
  /** Called inside the transaction after each request sent: records sent so far, of total. */
  onProgress?: (sent: number, total: number) => void | Promise<void>;
}

export interface LoadResult {
  dataset: DatasetName;
  topic: string;
  /** The scope the version replaced: tenant, tenant.partner or country. */
  scope: string;
  version: string;
  sourceName: string;
  /** 'unchanged': the scope already held exactly this version; nothing was published. */
  status: 'published' | 'unchanged';
  /** Records in the delivery (segments: distinct hashed identifiers). */
  records: number;
  /** Records published (all of the version's records when anything changed). */
  upserts: number;
  /** Live keys of the scope absent from the version, deleted. */
  tombstones: number;
  /** Records left as they were because this version was live already. */
  unchanged: number;
  /** The load time every published record carries. */
  loadedAt: number;
}

/** One scope's live state: how many records, of which versions and sources, loaded when. */
export interface ScopeState {
  scope: string;
  records: number;
  versions: Record<string, number>;
  sources: string[];
  lastLoadedAt: number | null;
}

export interface Loader {
  /** Throws DeliveryRefusedError (nothing published) for an invalid delivery, LoaderUsageError for a wrong call. */
  load(request: LoadRequest): Promise<LoadResult>;
  /** The live state of a dataset per scope (read_committed), for the scopes `include` accepts. */
  live(dataset: DatasetName, include?: (scopeId: string, key: string) => boolean): Promise<ScopeState[]>;
}

export interface LoaderDeps {
  clients: KafkaClients;
  codec: AvroCodec;
  /** TOPIC_PREFIX: also part of the transactional ids, so a test never fences the demo's loads. */
  prefix: string;
  salt: string;
  logger: Logger;
  now?: () => number;
  transactionTimeoutMs?: number;
}

interface LiveValue {
  sourceVersion: string;
  sourceName: string;
  loadedAt: number;
}

export function createLoader({ clients, codec, prefix, salt, logger, now = Date.now, transactionTimeoutMs }: LoaderDeps): Loader {
  const topics = topicsWithPrefix(prefix);
  const catalog = loadSchemaCatalog();
  // One load per scope at a time in this process; across processes the transactional id fences.
  const running = new Map<string, Promise<unknown>>();
  const serialized = <T>(id: string, work: () => Promise<T>): Promise<T> => {
    const run = (running.get(id) ?? Promise.resolve()).catch(() => undefined).then(work);
    running.set(id, run);
    const cleanup = () => {
      if (running.get(id) === run) running.delete(id);
    };
    run.then(cleanup, cleanup);
    return run;
  };

  const readLive = async (dataset: DatasetName): Promise<Map<string, LiveValue>> => {
    const live = new Map<string, LiveValue>();
    const reader = await readKeyedTable<LiveValue>(clients, codec, topics[DATASETS[dataset].topic], {
      upsert: (key, value) => live.set(key, value),
      remove: (key) => live.delete(key),
    }, { follow: false, logger });
    await reader.caughtUp;
    return live;
  };

  return {
    async load(request) {
      const definition = DATASETS[request.dataset];
      const topic = topics[definition.topic];
      const loadedAt = now();
      const delivery = parseDelivery(definition, request.bytes, request.format, { tenant: request.tenant, partner: request.partner, salt, sourceName: request.sourceName, loadedAt });
      if (!delivery.ok) throw new DeliveryRefusedError(request.dataset, request.sourceName, delivery.errors, delivery.errorCount);
      const { version, scope, records } = delivery;
      // Encoded before the transaction opens: a record that does not fit its schema sends nothing.
      const schemaId = await codec.idOf(valueSubjectOf(topic.name), catalog.resolve(topic.valueType));
      const encoded: OutgoingRecord[] = records.map((r) => ({ key: r.key, value: codec.encode(schemaId, r.value) }));
      const transactionalId = `cdp-loader.${prefix}${request.dataset}.${scope.id}`;
      const base = { dataset: request.dataset, topic: topic.name, scope: scope.id, version, sourceName: request.sourceName, records: records.length, loadedAt };

      return serialized(transactionalId, async () => {
        const producer = await clients.transactionalProducer(transactionalId, transactionTimeoutMs === undefined ? {} : { transactionTimeoutMs });
        try {
          const live = new Map([...(await readLive(request.dataset))].map(([key, value]) => [key, value.sourceVersion]));
          const plan = planVersion(live, scope, version, records);
          if (plan.kind === 'unchanged') {
            logger.info({ dataset: request.dataset, scope: scope.id, version, records: plan.records }, 'version already live: nothing published');
            return { ...base, status: 'unchanged', upserts: 0, tombstones: 0, unchanged: plan.records } satisfies LoadResult;
          }
          const tombstones: OutgoingRecord[] = plan.tombstones.map((key) => ({ key, value: null }));
          await producer.publish([{ topic: topic.name, records: [...encoded, ...tombstones] }], request.onProgress ? { onProgress: request.onProgress } : {});
          logger.info({ dataset: request.dataset, scope: scope.id, version, upserts: plan.upserts, tombstones: tombstones.length }, 'version published');
          return { ...base, status: 'published', upserts: plan.upserts, tombstones: tombstones.length, unchanged: 0 } satisfies LoadResult;
        } finally {
          await producer.close().catch(() => undefined);
        }
      });
    },

    async live(dataset, include = () => true) {
      const definition = DATASETS[dataset];
      const byScope = new Map<string, ScopeState>();
      for (const [key, value] of await readLive(dataset)) {
        const scope = scopeOfKey(definition, key).id;
        if (!include(scope, key)) continue;
        let state = byScope.get(scope);
        if (!state) byScope.set(scope, (state = { scope, records: 0, versions: {}, sources: [], lastLoadedAt: null }));
        state.records++;
        state.versions[value.sourceVersion] = (state.versions[value.sourceVersion] ?? 0) + 1;
        if (!state.sources.includes(value.sourceName)) state.sources.push(value.sourceName);
        state.lastLoadedAt = Math.max(state.lastLoadedAt ?? 0, value.loadedAt);
      }
      return [...byScope.values()].sort((a, b) => a.scope.localeCompare(b.scope));
    },
  };
}
