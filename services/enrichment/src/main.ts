/** enrichment: adds device (user agent) and product (catalogue) data to resolved events. */
import { createAvroCodec, createKafkaClients, createLogger, createTelemetry, loadConfigOrExit, ok, onShutdown, startStreamProcessor, topicsWithPrefix, type CdpIdentity } from '@cdp/plumbing';
import { followCatalogue } from './adapters/catalogue-table';
import { enrichmentConfigSchema } from './config';
import { enrichEvent } from './core/enrich';
import { Catalogue } from './core/products';
import { createUserAgentParser } from './core/user-agent';

async function main(): Promise<void> {
  const config = loadConfigOrExit(enrichmentConfigSchema);
  const logger = createLogger('enrichment', config.LOG_LEVEL);
  const topics = topicsWithPrefix(config.TOPIC_PREFIX);
  const clients = createKafkaClients({ brokers: config.KAFKA_BROKERS, clientId: 'enrichment', logger });
  const codec = createAvroCodec({ url: config.SCHEMA_REGISTRY_URL });
  const catalogue = new Catalogue();
  const parseUserAgent = createUserAgentParser();
  let ready = false;
  const telemetry = createTelemetry('enrichment', () => ({ healthy: ready, detail: { products: catalogue.size } }));
  await telemetry.listen(config.METRICS_PORT);

  const table = await followCatalogue(topics.products.name, catalogue, clients, codec, logger);
  const processor = await startStreamProcessor(
    {
      service: 'enrichment',
      groupId: config.ENRICHMENT_GROUP_ID,
      inputs: [topics.resolvedEvents],
      outputs: [topics.enrichedEvents],
      process: (value) => {
        const enriched = enrichEvent(value as CdpIdentity.ResolvedEvent, catalogue, parseUserAgent);
        const envelope = Object.values(enriched.event)[0]!.envelope;
        return ok([{ topic: topics.enrichedEvents, key: enriched.personId ?? envelope.eventId, value: enriched }]);
      },
    },
    { clients, codec, logger, registry: telemetry.registry },
  );
  ready = true;
  logger.info({ input: topics.resolvedEvents.name, products: catalogue.size }, 'enrichment running');
  onShutdown(logger, [
    { name: 'consumer', run: () => processor.stop() },
    { name: 'catalogue', run: () => table.close() },
    { name: 'telemetry', run: () => telemetry.close() },
  ]);
}

main().catch((error: unknown) => {
  process.stderr.write(`enrichment failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
