/**
 * What an aggregation integration test runs on: its own topic prefix and ClickHouse database on
 * the real stack, migrated; a producer that sends Avro records as the upstream services do; and
 * the ClickHouse sink started in this process. Shared by the views and signals tests.
 */
import { randomBytes } from 'node:crypto';
import {
  allTopics,
  createAvroCodec,
  createClickHouse,
  createKafkaClients,
  createLogger,
  loadSchemaCatalog,
  Registry,
  topicsWithPrefix,
  valueSubjectOf,
  type CdpEnrichment,
  type CdpIdentity,
  type ClickHouse,
  type EventProducer,
  type TopicSpec,
} from '@cdp/plumbing';
import { deleteTopics, prepareTopics } from '@cdp/infra/src/testing/topics';
import { migrateDatabase, startClickHouseSink } from '../src/adapters/clickhouse-sink';
import { graphMergesOf } from './fixture';

export type AggregationTestStack = Awaited<ReturnType<typeof createAggregationTestStack>>;

/** `name` names the run's topics (`<name>-<run>.`), database (`<name>_<run>`) and groups. */
export async function createAggregationTestStack(name: string) {
  const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const prefix = `${name}-${run}.`;
  const connection = { url: process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123', database: `${name}_${run}` };
  const topics = topicsWithPrefix(prefix);
  const logger = createLogger(`${name}-test`, 'warn');
  const clients = createKafkaClients({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: `${name}-test`, logger });
  const codec = createAvroCodec({ url: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7' });
  const catalog = loadSchemaCatalog();

  await prepareTopics(allTopics(prefix));
  const admin = createClickHouse({ url: connection.url });
  await admin.command(`CREATE DATABASE IF NOT EXISTS ${connection.database}`);
  await admin.close();
  await migrateDatabase(connection, logger);
  const ch: ClickHouse = createClickHouse(connection);
  const producer: EventProducer = await clients.producer();

  const send = async (topic: TopicSpec, records: { key: string; value: unknown }[]): Promise<void> => {
    const id = await codec.idOf(valueSubjectOf(topic.name), catalog.resolve(topic.valueType));
    await producer.send(topic.name, records.map((r) => ({ key: r.key, value: codec.encode(id, r.value) })));
  };

  return {
    run,
    connection,
    topics,
    logger,
    clients,
    codec,
    ch,
    send,
    /**
     * Enriched events, keyed by person as enrichment keys them, after the merge records the graph
     * writer published for them (fixture.ts graphMergesOf; `merges`: those already sent).
     */
    sendEvents: async (events: CdpEnrichment.EnrichedEvent[], merges: readonly CdpIdentity.PersonMerge[] = []) => {
      const graph = graphMergesOf(events, merges);
      if (graph.length > 0) await send(topics.personMerges, graph.map((m) => ({ key: `${m.tenant}|${m.fromPersonId}`, value: m })));
      await send(topics.enrichedEvents, events.map((e) => ({ key: e.personId ?? 'none', value: e })));
    },
    /** The ClickHouse sink of group `aggregation-<run>`, with metrics in `registry`. */
    startSink: (registry: Registry = new Registry(), options: { sessionTimeoutMs?: number } = {}) =>
      startClickHouseSink({
        clients, codec, producer, connection, logger, registry,
        topics: {
          events: topics.enrichedEvents, assignments: topics.identifierAssignments, merges: topics.personMerges, conflicts: topics.identityConflicts, history: topics.identityHistory,
          products: topics.products, stores: topics.stores, partnerSegments: topics.partnerSegments, areaDemographics: topics.areaDemographics, signals: topics.signals,
          personUpdates: topics.personUpdates,
        },
        groupId: `aggregation-${run}`,
        fetchBytes: 1024 * 1024,
        ...options,
      }),
    async close(): Promise<void> {
      await producer.close();
      await ch.command('DROP DATABASE IF EXISTS {db:Identifier}', { db: connection.database });
      await ch.close();
      await deleteTopics(allTopics(prefix));
    },
  };
}
