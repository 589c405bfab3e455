/**
 * identity: links identifiers into persons; every event goes on with its person id. Runs the
 * stitcher and the graph writer (IDENTITY_ROLES); see the README for how they scale.
 */
import { readFileSync } from 'node:fs';
import { Counter, createAvroCodec, createKafkaClients, createLogger, createTelemetry, followIdentifierBlocks, followSuppressions, IdentifierBlockList, loadConfigOrExit, onShutdown, startStreamProcessor, SuppressionList, topicsWithPrefix, type RunningProcessor, type TableReader } from '@cdp/plumbing';
import { followTable, graphProcess, historyReader, rebuildGraph, stitchProcess, type IdentityTopics } from './adapters/kafka';
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
    erasureRequests: t.erasureRequests,
    suppressions: t.suppressions,
    blocks: t.identifierBlocks,
  };
  const clients = createKafkaClients({ brokers: config.KAFKA_BROKERS, clientId: 'identity', logger });
  const codec = createAvroCodec({ url: config.SCHEMA_REGISTRY_URL });
  const graph = new IdentityGraph((tenant) => rules.rulesOf(tenant));
  const table = new IdentityTable();
  const suppressions = new SuppressionList();
  const blocks = new IdentifierBlockList();
  let ready = false;
  const telemetry = createTelemetry('identity', () => ({ healthy: ready, detail: { roles: [...roles], graph: graph.size, table: table.size, suppressed: suppressions.size, blocked: blocks.size } }));
  await telemetry.listen(config.METRICS_PORT);
  const suppressed = new Counter({ name: 'identity_suppressed_events_total', help: 'Events (stitch) and links (graph) dropped because they carry an erased person\'s identifier', labelNames: ['role'], registers: [telemetry.registry] });

  const processors: RunningProcessor[] = [];
  // Both roles drop what erased persons send; read before the first record is processed.
  const readers: TableReader[] = [await followSuppressions(clients, codec, topics.suppressions, suppressions, logger)];
  // Both roles leave blocked values out of links; the graph writer also applies the requests in order with its links.
  readers.push(await followIdentifierBlocks(clients, codec, topics.blocks, blocks, logger));
  if (roles.has('graph')) {
    await rebuildGraph(graph, topics, clients, codec, logger);
    const deps = { suppressions, suppressed, readHistory: historyReader(topics.history, clients, codec), blocks, rulesOf: (tenant: string) => rules.rulesOf(tenant) };
    processors.push(
      await startStreamProcessor(
        {
          service: 'identity-graph',
          groupId: `${config.IDENTITY_GROUP_ID}-graph`,
          // Erasure requests and blocks are partitioned by tenant like the links, so that the writer of a tenant's links erases and splits its persons.
          inputs: [topics.links, topics.erasureRequests, topics.blocks],
          outputs: [topics.history, topics.assignments, topics.merges, topics.conflicts, topics.suppressions, topics.erasureRequests, topics.blocks],
          process: graphProcess(graph, topics, deps),
          stateful: true,
        },
        { clients, codec, logger, registry: telemetry.registry },
      ),
    );
  }
  if (roles.has('stitch')) {
    readers.push(...(await followTable(table, topics, clients, codec, logger)));
    processors.push(
      await startStreamProcessor(
        { service: 'identity', groupId: config.IDENTITY_GROUP_ID, inputs: topics.inputs, outputs: [topics.resolved, topics.links], process: stitchProcess(table, rules, topics, suppressions, suppressed, blocks) },
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
