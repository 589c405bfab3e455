/**
 * identity: links identifiers into persons; every event goes on with its person id. Runs the
 * stitcher and the graph writer (IDENTITY_ROLES); see the README for how they scale.
 */
import { readFileSync } from 'node:fs';
import { createAvroCodec, createKafkaClients, createLogger, createTelemetry, loadConfigOrExit, onShutdown, startStreamProcessor, topicsWithPrefix, type RunningProcessor, type TableReader } from '@cdp/plumbing';
import { followTable, graphProcess, rebuildGraph, stitchProcess, type IdentityTopics } from './adapters/kafka';
import { identityConfigSchema } from './config';
import { IdentityGraph } from './core/graph';
import { parseRules } from './core/rules';
import { IdentityTable } from './core/stitch';

async function main(): Promise<void> {
  const config = loadConfigOrExit(identityConfigSchema);
  const logger = createLogger('identity', config.LOG_LEVEL);
  const rules = parseRules(JSON.parse(readFileSync(config.IDENTITY_RULES_FILE, 'utf8')), config.IDENTITY_RULES_FILE);
  const roles = new Set(config.IDENTITY_ROLES.split(',').map((r) => r.trim()));
  const t = topicsWithPrefix(config.TOPIC_PREFIX);
  const topics: IdentityTopics = {
    inputs: [t.webEvents, t.posTransactions, t.beaconSightings, t.wifiObservations],
    resolved: t.resolvedEvents,
    links: t.identityLinks,
    assignments: t.identifierAssignments,
    merges: t.personMerges,
    conflicts: t.identityConflicts,
    history: t.identityHistory,
  };
  const clients = createKafkaClients({ brokers: config.KAFKA_BROKERS, clientId: 'identity', logger });
  const codec = createAvroCodec({ url: config.SCHEMA_REGISTRY_URL });
  const graph = new IdentityGraph((tenant) => rules.rulesOf(tenant));
  const table = new IdentityTable();
  let ready = false;
  const telemetry = createTelemetry('identity', () => ({ healthy: ready, detail: { roles: [...roles], graph: graph.size, table: table.size } }));
  await telemetry.listen(config.METRICS_PORT);

  const processors: RunningProcessor[] = [];
  const readers: TableReader[] = [];
  if (roles.has('graph')) {
    await rebuildGraph(graph, topics, clients, codec, logger);
    processors.push(
      await startStreamProcessor(
        { service: 'identity-graph', groupId: `${config.IDENTITY_GROUP_ID}-graph`, inputs: [topics.links], outputs: [topics.history, topics.assignments, topics.merges, topics.conflicts], process: graphProcess(graph, topics), stateful: true },
        { clients, codec, logger, registry: telemetry.registry },
      ),
    );
  }
  if (roles.has('stitch')) {
    readers.push(...(await followTable(table, topics, clients, codec, logger)));
    processors.push(
      await startStreamProcessor(
        { service: 'identity', groupId: config.IDENTITY_GROUP_ID, inputs: topics.inputs, outputs: [topics.resolved, topics.links], process: stitchProcess(table, rules, topics) },
        { clients, codec, logger, registry: telemetry.registry },
      ),
    );
  }
  ready = true;
  logger.info({ roles: [...roles], inputs: topics.inputs.map((i) => i.name), groupId: config.IDENTITY_GROUP_ID }, 'identity running');
  onShutdown(logger, [
    ...processors.map((p, i) => ({ name: `consumer-${i}`, run: () => p.stop() })),
    ...readers.map((r, i) => ({ name: `table-${i}`, run: () => r.close() })),
    { name: 'telemetry', run: () => telemetry.close() },
  ]);
}

main().catch((error: unknown) => {
  process.stderr.write(`identity failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
