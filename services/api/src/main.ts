/** api: the customer API. Follows identity's tables from Kafka, reads ClickHouse, answers over HTTP. */
import { readFileSync } from 'node:fs';
import { createAvroCodec, createClickHouse, createKafkaClients, createLogger, createTelemetry, loadConfigOrExit, onShutdown, readIdentityTables, saltOf, topicsWithPrefix, type TableReader } from '@cdp/plumbing';
import { ClickHouseReads } from './adapters/clickhouse-reads';
import { buildHttpApp } from './adapters/http';
import { Recommender } from './adapters/recommender';
import { apiConfigSchema } from './config';
import { parseApiKeys } from './core/api-keys';
import { PersonDirectory } from './core/person-directory';

async function main(): Promise<void> {
  const config = loadConfigOrExit(apiConfigSchema);
  const logger = createLogger('api', config.LOG_LEVEL);
  const keys = parseApiKeys(JSON.parse(readFileSync(config.API_KEYS_FILE, 'utf8')), config.API_KEYS_FILE);
  if (!config.PII_HASH_SALT) logger.warn('PII_HASH_SALT is not set: using the development salt (never do this in production)');

  const directory = new PersonDirectory();
  let ready = false;
  const telemetry = createTelemetry('api', () => ({ healthy: ready, detail: { directory: directory.size } }));
  await telemetry.listen(config.METRICS_PORT);
  const clickhouse = createClickHouse({ url: config.CLICKHOUSE_URL, username: config.CLICKHOUSE_USER, password: config.CLICKHOUSE_PASSWORD, database: config.CLICKHOUSE_DATABASE });
  const reads = new ClickHouseReads(clickhouse);
  const recommender = new Recommender(
    reads,
    { minPairSupport: config.API_RECOMMENDATION_MIN_PAIR_SUPPORT, neighbours: 50, windowDays: config.API_RECOMMENDATION_WINDOW_DAYS, maxBasket: config.API_RECOMMENDATION_MAX_BASKET, areaBestSellers: 50 },
    logger,
  );
  const app = buildHttpApp({ keys, directory, reads, recommender, salt: saltOf(config), logger, registry: telemetry.registry, ready: () => ready, excludeDays: config.API_RECOMMENDATION_EXCLUDE_DAYS });

  const clients = createKafkaClients({ brokers: config.KAFKA_BROKERS, clientId: 'api', logger });
  const codec = createAvroCodec({ url: config.SCHEMA_REGISTRY_URL });
  const topics = topicsWithPrefix(config.TOPIC_PREFIX);
  const readers: TableReader[] = [];
  onShutdown(logger, [
    { name: 'http', run: () => app.close() },
    { name: 'recommender', run: () => recommender.stop() },
    ...[0, 1].map((i) => ({ name: `table-${i}`, run: () => readers[i]?.close() ?? Promise.resolve() })),
    { name: 'clickhouse', run: () => clickhouse.close() },
    { name: 'telemetry', run: () => telemetry.close() },
  ]);

  // Listening at once: /health says 503 until the directory has read identity's tables to their end.
  const address = await app.listen({ host: config.API_HOST, port: config.API_PORT });
  const started = Date.now();
  const tables = await readIdentityTables({ merges: topics.personMerges.name, assignments: topics.identifierAssignments.name }, clients, codec, { merge: (m) => directory.setMerge(m), assignment: (a) => directory.setAssignment(a) }, true);
  readers.push(...tables.readers);
  // The lift model builds in the background: until it is there, recommendations are empty (modelBuiltAt null).
  void recommender.start(config.API_RECOMMENDATION_REFRESH_SECONDS * 1000);
  ready = true;
  logger.info({ address, metricsPort: config.METRICS_PORT, directory: directory.size, ms: Date.now() - started, keys: keys.all.map((k) => k.name) }, 'api ready');
}

main().catch((error: unknown) => {
  process.stderr.write(`api failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
