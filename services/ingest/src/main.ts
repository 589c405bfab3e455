/** ingest: Segment tracking API and store endpoint -> Avro records on Kafka. */
import { readFileSync } from 'node:fs';
import { createAvroCodec, createKafkaClients, createLogger, createTelemetry, loadConfigOrExit, onShutdown, topicsWithPrefix } from '@cdp/plumbing';
import { buildHttpApp } from './adapters/http';
import { createKafkaSink } from './adapters/kafka-sink';
import { DEVELOPMENT_SALT, ingestConfigSchema } from './config';
import { parseSources } from './core/sources';

async function main(): Promise<void> {
  const config = loadConfigOrExit(ingestConfigSchema);
  const logger = createLogger('ingest', config.LOG_LEVEL);
  const sources = parseSources(JSON.parse(readFileSync(config.INGEST_SOURCES_FILE, 'utf8')), config.INGEST_SOURCES_FILE);
  if (!config.PII_HASH_SALT) logger.warn('PII_HASH_SALT is not set: using the development salt (never do this in production)');

  const topics = topicsWithPrefix(config.TOPIC_PREFIX);
  const clients = createKafkaClients({ brokers: config.KAFKA_BROKERS, clientId: 'ingest', logger });
  const codec = createAvroCodec({ url: config.SCHEMA_REGISTRY_URL });
  const producer = await clients.producer();
  const sink = await createKafkaSink(producer, codec, { segment: topics.webEvents, pos: topics.posTransactions, beacon: topics.beaconSightings }, config.INGEST_LINGER_MS);

  let ready = false;
  const telemetry = createTelemetry('ingest');
  const app = buildHttpApp({ sources, sink, salt: config.PII_HASH_SALT ?? DEVELOPMENT_SALT, bodyLimit: config.INGEST_BODY_LIMIT, logger, registry: telemetry.registry, isReady: () => ready, publishTimeoutMs: config.INGEST_PUBLISH_TIMEOUT_MS });

  onShutdown(logger, [
    // Stop taking requests; requests in progress finish and get their answer after Kafka's ack.
    { name: 'http', run: () => app.close() },
    { name: 'flush', run: () => sink.flush() },
    { name: 'producer', run: () => producer.close() },
  ]);

  const address = await app.listen({ host: config.INGEST_HOST, port: config.INGEST_PORT });
  ready = true;
  logger.info({ address, sources: sources.all.map((s) => s.id), topicPrefix: config.TOPIC_PREFIX || undefined }, 'ingest listening');
}

main().catch((error: unknown) => {
  process.stderr.write(`ingest failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
