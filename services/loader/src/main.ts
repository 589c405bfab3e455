/** loader: the upload service: partners and operators PUT whole dataset versions over HTTP. */
import { readFileSync } from 'node:fs';
import { createAvroCodec, createKafkaClients, createLogger, createTelemetry, loadConfigOrExit, onShutdown, topicsWithPrefix } from '@cdp/plumbing';
import { buildHttpApp } from './adapters/http';
import { createLoader } from './adapters/kafka-loader';
import { loaderConfigSchema, saltOf } from './config';
import { parseKeys } from './core/keys';

async function main(): Promise<void> {
  const config = loadConfigOrExit(loaderConfigSchema);
  const logger = createLogger('loader', config.LOG_LEVEL);
  const keys = parseKeys(JSON.parse(readFileSync(config.LOADER_KEYS_FILE, 'utf8')), config.LOADER_KEYS_FILE);
  if (!config.PII_HASH_SALT) logger.warn('PII_HASH_SALT is not set: using the development salt (never do this in production)');

  const clients = createKafkaClients({ brokers: config.KAFKA_BROKERS, clientId: 'loader', logger });
  const codec = createAvroCodec({ url: config.SCHEMA_REGISTRY_URL });
  const loader = createLoader({ clients, codec, prefix: config.TOPIC_PREFIX, salt: saltOf(config), logger });
  const telemetry = createTelemetry('loader');
  await telemetry.listen(config.METRICS_PORT);
  const app = buildHttpApp({ loader, keys, logger, registry: telemetry.registry, maxBodyBytes: config.LOADER_MAX_BODY_BYTES });

  onShutdown(logger, [
    // Stop taking uploads; one in progress finishes (its transaction commits or aborts).
    { name: 'http', run: () => app.close() },
    { name: 'telemetry', run: () => telemetry.close() },
  ]);

  const address = await app.listen({ host: config.LOADER_HOST, port: config.LOADER_PORT });
  const topics = topicsWithPrefix(config.TOPIC_PREFIX);
  logger.info({ address, metricsPort: config.METRICS_PORT, keys: keys.all.map((k) => k.name), topics: [topics.products.name, topics.stores.name, topics.partnerSegments.name, topics.areaDemographics.name] }, 'loader listening');
}

main().catch((error: unknown) => {
  process.stderr.write(`loader failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
