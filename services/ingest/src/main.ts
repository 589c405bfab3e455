/** ingest: Segment tracking API, store endpoint and Meraki receiver -> Avro records on Kafka. */
import { readFileSync } from 'node:fs';
import { createAvroCodec, createKafkaClients, createLogger, createTelemetry, followSuppressions, loadConfigOrExit, saltOf, onShutdown, probeBroker, probeRegistry, SuppressionList, topicsWithPrefix } from '@cdp/plumbing';
import { buildHttpApp } from './adapters/http';
import { createKafkaSink, sinkTopicsOf } from './adapters/kafka-sink';
import { ingestConfigSchema } from './config';
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
  const sink = await createKafkaSink(
    producer,
    codec,
    sinkTopicsOf(topics),
    config.INGEST_LINGER_MS,
  );
  // Erased persons' identifiers: read whole before ingest answers anything, then followed.
  const suppressions = new SuppressionList();
  const suppressionReader = await followSuppressions(clients, codec, topics.suppressions, suppressions, logger);
  logger.info({ suppressedIdentifiers: suppressions.size }, 'suppressions read');

  // Readiness is asked often by load balancers; the probes run at most once a second.
  let lastProbe: { at: number; result: Promise<{ kafka: boolean; registry: boolean }> } | undefined;
  const dependenciesReady = () => {
    if (!lastProbe || Date.now() - lastProbe.at > 1000) {
      lastProbe = { at: Date.now(), result: Promise.all([probeBroker(config.KAFKA_BROKERS, 1500), probeRegistry(config.SCHEMA_REGISTRY_URL, 1500)]).then(([kafka, registry]) => ({ kafka, registry })) };
    }
    return lastProbe.result;
  };

  const telemetry = createTelemetry('ingest');
  const app = buildHttpApp({
    sources,
    sink,
    suppressions,
    salt: saltOf(config),
    logger,
    registry: telemetry.registry,
    dependenciesReady,
    publishTimeoutMs: config.INGEST_PUBLISH_TIMEOUT_MS,
    trustProxy: config.INGEST_TRUST_PROXY,
  });

  onShutdown(logger, [
    // Stop taking requests; requests in progress finish and get their answer after Kafka's ack.
    { name: 'http', run: () => app.close() },
    { name: 'flush', run: () => sink.flush() },
    { name: 'producer', run: () => producer.close() },
    { name: 'suppressions', run: () => suppressionReader.close() },
  ]);

  const address = await app.listen({ host: config.INGEST_HOST, port: config.INGEST_PORT });
  logger.info({ address, sources: sources.all.map((s) => s.id), topicPrefix: config.TOPIC_PREFIX || undefined }, 'ingest listening');
}

main().catch((error: unknown) => {
  process.stderr.write(`ingest failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
