/**
 * enrichment: adds device, bot flag, geo, campaign, store/zone and catalogue data to every event
 * (resolved events from identity, people counts straight from ingest).
 */
import { Counter, createAvroCodec, createKafkaClients, createLogger, createTelemetry, loadConfigOrExit, onShutdown, startStreamProcessor, topicsWithPrefix } from '@cdp/plumbing';
import { followReferenceTables } from './adapters/reference-tables';
import { enrichmentConfigSchema } from './config';
import { processEnrichment } from './core/process';
import { classifyCampaign } from './core/campaign';
import { openGeoDatabase } from './core/geo';
import { Catalogue } from './core/products';
import { StoreDirectory } from './core/store-directory';
import { createUserAgentParser } from './core/user-agent';

async function main(): Promise<void> {
  const config = loadConfigOrExit(enrichmentConfigSchema);
  const logger = createLogger('enrichment', config.LOG_LEVEL);
  const topics = topicsWithPrefix(config.TOPIC_PREFIX);
  const clients = createKafkaClients({ brokers: config.KAFKA_BROKERS, clientId: 'enrichment', logger });
  const codec = createAvroCodec({ url: config.SCHEMA_REGISTRY_URL });
  const catalogue = new Catalogue();
  const stores = new StoreDirectory();
  let ready = false;
  const telemetry = createTelemetry('enrichment', () => ({ healthy: ready, detail: { products: catalogue.size, ...stores.size } }));
  await telemetry.listen(config.METRICS_PORT);
  const missing = new Counter({ name: 'enrichment_reference_missing_total', help: 'Events that went on without data a reference dataset did not have', labelNames: ['dataset'], registers: [telemetry.registry] });

  const geo = await openGeoDatabase();
  const readers = await followReferenceTables({ products: topics.products, stores: topics.stores }, { catalogue, stores }, clients, codec, logger);
  const processor = await startStreamProcessor(
    {
      service: 'enrichment',
      groupId: config.ENRICHMENT_GROUP_ID,
      inputs: [topics.resolvedEvents, topics.peopleCounts],
      outputs: [topics.enrichedEvents],
      process: processEnrichment(
        { catalogue, stores, parseUserAgent: createUserAgentParser(), lookupGeo: (ip) => geo.lookup(ip), classifyCampaign },
        { peopleCounts: topics.peopleCounts.name, enriched: topics.enrichedEvents },
        (dataset) => missing.inc({ dataset }),
      ),
    },
    { clients, codec, logger, registry: telemetry.registry },
  );
  ready = true;
  logger.info({ inputs: [topics.resolvedEvents.name, topics.peopleCounts.name], geo: geo.source, products: catalogue.size, ...stores.size }, 'enrichment running');
  onShutdown(logger, [
    { name: 'consumer', run: () => processor.stop() },
    ...readers.map((r, i) => ({ name: `reference-table-${i}`, run: () => r.close() })),
    { name: 'telemetry', run: () => telemetry.close() },
  ]);
}

main().catch((error: unknown) => {
  process.stderr.write(`enrichment failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
