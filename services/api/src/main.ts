/** api: the customer API. Follows identity's tables from Kafka, reads ClickHouse, answers over HTTP. */
import { readFileSync } from 'node:fs';
import {
  createAvroCodec,
  createClickHouse,
  createKafkaClients,
  createLogger,
  createTelemetry,
  ConfigError,
  Gauge,
  loadConfigOrExit,
  onShutdown,
  readIdentityTables,
  readKeyedTable,
  saltOf,
  topicsWithPrefix,
  type CdpIdentity,
  type CdpPrivacy,
  type CategoryAnswer,
  type CdpReference,
  type TableReader,
} from '@cdp/plumbing';
import { ClickHouseReads } from './adapters/clickhouse-reads';
import { followPersonUpdates } from './adapters/change-feed';
import { openErasureTopic, type ErasureTopic } from './adapters/erasures';
import { buildHttpApp } from './adapters/http';
import { LandingFeed } from './core/landing-feed';
import { openIdentifierBlockTopic, type IdentifierBlockTopic } from './adapters/identifier-blocks';
import { Recommender } from './adapters/recommender';
import { apiConfigSchema, consentPolicyOf } from './config';
import { parseApiKeys } from './core/api-keys';
import { ErasureBook } from './core/erasures';
import { IdentifierBlockBook } from './core/identifier-blocks';
import type { ActivityRow } from './core/read-rows';
import { PersonCache } from './core/person-cache';
import { PersonDirectory } from './core/person-directory';
import { ReferenceData } from './core/reference-data';

async function main(): Promise<void> {
  const config = loadConfigOrExit(apiConfigSchema);
  const logger = createLogger('api', config.LOG_LEVEL);
  const keys = parseApiKeys(JSON.parse(readFileSync(config.API_KEYS_FILE, 'utf8')), config.API_KEYS_FILE);
  const policy = consentPolicyOf(config.CONSENT_POLICY_FILE);
  if (!config.PII_HASH_SALT) logger.warn('PII_HASH_SALT is not set: using the development salt (never do this in production)');

  const directory = new PersonDirectory();
  const reference = new ReferenceData();
  const cacheOptions = { maxEntries: config.API_PERSON_CACHE_ENTRIES, maxAgeMs: config.API_PERSON_CACHE_MAX_AGE_SECONDS * 1000 };
  // Consent answers land with the events that carry them: the change feed drops them with the rest.
  const caches = {
    activity: new PersonCache<ActivityRow | undefined>(cacheOptions),
    bought: new PersonCache<{ sku: string; last_bought: number }[]>(cacheOptions),
    consent: new PersonCache<CategoryAnswer[]>(cacheOptions),
  };
  let ready = false;
  const telemetry = createTelemetry('api', () => ({ healthy: ready, detail: { directory: directory.size, reference: reference.size, cached: { activity: caches.activity.size, bought: caches.bought.size, consent: caches.consent.size } } }));
  for (const [name, cache] of Object.entries(caches)) {
    new Gauge({ name: `api_cache_${name}_hits`, help: `Reads of ${name} answered from memory since start`, registers: [telemetry.registry], collect() { this.set(cache.hits); } });
    new Gauge({ name: `api_cache_${name}_misses`, help: `Reads of ${name} that went to ClickHouse since start`, registers: [telemetry.registry], collect() { this.set(cache.misses); } });
  }
  await telemetry.listen(config.METRICS_PORT);
  const clickhouse = createClickHouse({ url: config.CLICKHOUSE_URL, username: config.CLICKHOUSE_USER, password: config.CLICKHOUSE_PASSWORD, database: config.CLICKHOUSE_DATABASE });
  const reads = new ClickHouseReads(clickhouse);
  const recommender = new Recommender(
    reads,
    { minPairSupport: config.API_RECOMMENDATION_MIN_PAIR_SUPPORT, neighbours: 50, windowDays: config.API_RECOMMENDATION_WINDOW_DAYS, maxBasket: config.API_RECOMMENDATION_MAX_BASKET, areaBestSellers: 50 },
    logger,
  );
  // Erasure requests: the book fills from their topic once Kafka is reached (below); no route writes before (503 until ready).
  const erasureBook = new ErasureBook();
  let erasureTopic: ErasureTopic | undefined;
  const erasures = { book: erasureBook, write: (record: CdpPrivacy.ErasureRequest) => erasureTopic!.write(record) };
  // Identifier blocks, the same way.
  const blockBook = new IdentifierBlockBook();
  let blockTopic: IdentifierBlockTopic | undefined;
  const blocks = { book: blockBook, write: (record: CdpIdentity.IdentifierBlock) => blockTopic!.write(record) };
  // When each tenant's data last landed: the push channel (GET /v1/stream) tells the console.
  const landings = new LandingFeed();
  const app = buildHttpApp({ keys, directory, reads, recommender, reference, caches, policy, erasures, blocks, landings, salt: saltOf(config), logger, registry: telemetry.registry, ready: () => ready, excludeDays: config.API_RECOMMENDATION_EXCLUDE_DAYS });

  const clients = createKafkaClients({ brokers: config.KAFKA_BROKERS, clientId: 'api', logger });
  const codec = createAvroCodec({ url: config.SCHEMA_REGISTRY_URL });
  const topics = topicsWithPrefix(config.TOPIC_PREFIX);
  const readers: TableReader[] = [];
  onShutdown(logger, [
    { name: 'http', run: () => app.close() },
    { name: 'recommender', run: () => recommender.stop() },
    { name: 'tables', run: async () => void (await Promise.all(readers.map((r) => r.close()))) },
    { name: 'erasures', run: async () => void (await erasureTopic?.close()) },
    { name: 'identifier blocks', run: async () => void (await blockTopic?.close()) },
    { name: 'clickhouse', run: () => clickhouse.close() },
    { name: 'telemetry', run: () => telemetry.close() },
  ]);

  // Listening at once: /health says 503 until the directory has read identity's tables to their end.
  const address = await app.listen({ host: config.API_HOST, port: config.API_PORT });
  const started = Date.now();
  const tables = await readIdentityTables({ merges: topics.personMerges.name, assignments: topics.identifierAssignments.name }, clients, codec, { merge: (m) => directory.setMerge(m), assignment: (a) => directory.setAssignment(a), removeMerge: (k) => directory.removeMerge(k), removeAssignment: (k) => directory.removeAssignment(k) }, true);
  readers.push(...tables.readers);
  const referenceReaders = await Promise.all([
    readKeyedTable<CdpReference.PartnerSegmentMembership>(clients, codec, topics.partnerSegments, { upsert: (k, m) => reference.upsertMembership(k, m), remove: (k) => reference.removeMembership(k) }, { logger }),
    readKeyedTable<CdpReference.AreaDemographics>(clients, codec, topics.areaDemographics, { upsert: (k, a) => reference.upsertArea(k, a), remove: (k) => reference.removeArea(k) }, { logger }),
  ]);
  await Promise.all(referenceReaders.map((r) => r.caughtUp));
  readers.push(...referenceReaders);
  readers.push(await followPersonUpdates(topics.personUpdates.name, [caches.activity, caches.bought, caches.consent] as PersonCache<unknown>[], clients, codec, logger, landings));
  // Erasure requests: followed so that GET shows what identity and aggregation write; POST and DELETE write here.
  erasureTopic = await openErasureTopic({ clients, codec, topic: topics.erasureRequests, logger, book: erasureBook });
  await erasureTopic.caughtUp;
  blockTopic = await openIdentifierBlockTopic({ clients, codec, topic: topics.identifierBlocks, logger, book: blockBook });
  await blockTopic.caughtUp;
  // The lift model builds in the background: until it is there, recommendations are empty (modelBuiltAt null).
  void recommender.start(config.API_RECOMMENDATION_REFRESH_SECONDS * 1000);
  ready = true;
  logger.info({ address, metricsPort: config.METRICS_PORT, directory: directory.size, reference: reference.size, erasures: erasureBook.size, identifierBlocks: blockBook.size, ms: Date.now() - started, keys: keys.all.map((k) => k.name) }, 'api ready');
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`api failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
