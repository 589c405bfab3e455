/** aggregation: enriched events, the identity tables, conflicts and history into ClickHouse, exactly once per event id; which persons changed and real-time signals to Kafka. */
import { createAvroCodec, createKafkaClients, createLogger, createTelemetry, loadConfigOrExit, loadConsentPolicy, onShutdown, topicsWithPrefix } from '@cdp/plumbing';
import { applyConsentPolicy, applyRetention, migrateDatabase, startClickHouseSink } from './adapters/clickhouse-sink';
import { startErasureExecutor } from './adapters/erasure-executor';
import { startSignalsProcessor } from './adapters/signals-processor';
import { startSplitExecutor } from './adapters/split-executor';
import { ErasedPersons } from './core/erasure';
import { aggregationConfigSchema, cartAbandonMsOf, DEFAULT_VISIT_RULES } from './config';

async function main(): Promise<void> {
  const config = loadConfigOrExit(aggregationConfigSchema);
  const logger = createLogger('aggregation', config.LOG_LEVEL);
  const t = topicsWithPrefix(config.TOPIC_PREFIX);
  const connection = { url: config.CLICKHOUSE_URL, username: config.CLICKHOUSE_USER, password: config.CLICKHOUSE_PASSWORD, database: config.CLICKHOUSE_DATABASE };
  let ready = false;
  const telemetry = createTelemetry('aggregation', () => ({ healthy: ready }));
  await telemetry.listen(config.METRICS_PORT);

  await migrateDatabase(connection, logger);
  const consent = loadConsentPolicy(config.CONSENT_POLICY_FILE);
  await applyConsentPolicy(connection, consent, logger);
  await applyRetention(connection, { person: config.AGGREGATION_RETENTION_PERSON_DAYS, aggregate: config.AGGREGATION_RETENTION_AGGREGATE_DAYS }, logger);
  const clients = createKafkaClients({ brokers: config.KAFKA_BROKERS, clientId: 'aggregation', logger });
  const codec = createAvroCodec({ url: config.SCHEMA_REGISTRY_URL });
  const producer = await clients.producer();
  const erased = new ErasedPersons();
  const sink = await startClickHouseSink({
    clients, codec, producer, connection, logger, registry: telemetry.registry,
    topics: {
      events: t.enrichedEvents, assignments: t.identifierAssignments, merges: t.personMerges, conflicts: t.identityConflicts, history: t.identityHistory,
      products: t.products, stores: t.stores, partnerSegments: t.partnerSegments, areaDemographics: t.areaDemographics, signals: t.signals,
      personUpdates: t.personUpdates,
    },
    groupId: config.AGGREGATION_GROUP_ID,
    fetchBytes: config.AGGREGATION_FETCH_BYTES,
    sessionTimeoutMs: config.AGGREGATION_SESSION_TIMEOUT_MINUTES * 60_000,
    dedup: { idsPerGeneration: config.AGGREGATION_DEDUP_IDS, loadHours: config.AGGREGATION_DEDUP_LOAD_HOURS, marginMs: config.AGGREGATION_DEDUP_MARGIN_MS },
    erased,
  });
  // Its own consumer group: signals neither wait for ClickHouse inserts nor hold them up.
  const signals = await startSignalsProcessor({
    clients, codec, connection, logger, registry: telemetry.registry,
    topics: { events: t.enrichedEvents, signals: t.signals, state: t.signalState },
    groupId: `${config.AGGREGATION_GROUP_ID}-signals`,
    rules: {
      cartAbandonMs: cartAbandonMsOf(config),
      browseWindowMs: config.AGGREGATION_BROWSE_WINDOW_DAYS * 24 * 3_600_000,
      maxDelayMs: config.AGGREGATION_SIGNAL_MAX_DELAY_MINUTES * 60_000,
      defaultVisit: DEFAULT_VISIT_RULES,
    },
    tickMs: config.AGGREGATION_SIGNAL_TICK_MS,
    erased,
    consent,
  });
  const erasures = await startErasureExecutor({
    clients, codec, producer, ch: sink.ch, logger, registry: telemetry.registry,
    topics: { requests: t.erasureRequests, signalState: t.signalState },
    groupId: `${config.AGGREGATION_GROUP_ID}-erasure`,
    erased,
    forgetSignalStates: (keys) => signals.forget(keys),
    settleMs: config.AGGREGATION_ERASURE_SETTLE_MS,
  });
  const splits = await startSplitExecutor({
    clients, codec, ch: sink.ch, logger, registry: telemetry.registry,
    topic: t.identifierBlocks,
    groupId: `${config.AGGREGATION_GROUP_ID}-blocks`,
    settleMs: config.AGGREGATION_SPLIT_SETTLE_MS,
  });
  ready = true;
  logger.info({ database: config.CLICKHOUSE_DATABASE, groupId: config.AGGREGATION_GROUP_ID }, 'aggregation running');
  onShutdown(logger, [
    // The transaction in hand commits (or aborts) before the signals consumer leaves its group.
    { name: 'erasures', run: () => erasures.stop() },
    { name: 'splits', run: () => splits.stop() },
    { name: 'signals', run: () => signals.stop() },
    // The batch in hand is inserted and committed before the consumer leaves the group.
    { name: 'consumer', run: () => sink.stop() },
    { name: 'producer', run: () => producer.close() },
    { name: 'telemetry', run: () => telemetry.close() },
  ]);
}

main().catch((error: unknown) => {
  process.stderr.write(`aggregation failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
