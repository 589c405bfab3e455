/** identity: links identifiers into persons; every event goes on with its person id. */
import { createAvroCodec, createKafkaClients, createLogger, createTelemetry, loadConfigOrExit, onShutdown, startStreamProcessor, topicsWithPrefix } from '@cdp/plumbing';
import { identityProcess, rebuildGraph, type IdentityTopics } from './adapters/kafka';
import { identityConfigSchema } from './config';
import { IdentityGraph } from './core/graph';

async function main(): Promise<void> {
  const config = loadConfigOrExit(identityConfigSchema);
  const logger = createLogger('identity', config.LOG_LEVEL);
  const t = topicsWithPrefix(config.TOPIC_PREFIX);
  const topics: IdentityTopics = {
    inputs: [t.webEvents, t.posTransactions, t.beaconSightings],
    resolved: t.resolvedEvents,
    assignments: t.identifierAssignments,
    merges: t.personMerges,
  };
  const clients = createKafkaClients({ brokers: config.KAFKA_BROKERS, clientId: 'identity', logger });
  const codec = createAvroCodec({ url: config.SCHEMA_REGISTRY_URL });
  const graph = new IdentityGraph();
  let ready = false;
  const telemetry = createTelemetry('identity', () => ({ healthy: ready, detail: { ...graph.size } }));
  await telemetry.listen(config.METRICS_PORT);

  await rebuildGraph(graph, topics, clients, codec, logger);
  const processor = await startStreamProcessor(
    { service: 'identity', groupId: config.IDENTITY_GROUP_ID, inputs: topics.inputs, outputs: [topics.resolved, topics.assignments, topics.merges], process: identityProcess(graph, topics), stateful: true },
    { clients, codec, logger, registry: telemetry.registry },
  );
  ready = true;
  logger.info({ inputs: topics.inputs.map((i) => i.name), groupId: config.IDENTITY_GROUP_ID }, 'identity running');
  onShutdown(logger, [
    { name: 'consumer', run: () => processor.stop() },
    { name: 'telemetry', run: () => telemetry.close() },
  ]);
}

main().catch((error: unknown) => {
  process.stderr.write(`identity failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
