/**
 * The signals processor alone, as a process of its own, for the integration test that kills it
 * inside a transaction (CDP_FAILPOINTS). Settings come as JSON in SIGNALS_CHILD.
 */
import { createAvroCodec, createKafkaClients, createLogger, Registry, topicsWithPrefix } from '@cdp/plumbing';
import { startSignalsProcessor } from '../src/adapters/signals-processor';
import { DEFAULT_VISIT_RULES } from '../src/config';
import { testConsentPolicy } from './consent-policy';

interface ChildSettings {
  prefix: string;
  database: string;
  groupId: string;
  cartAbandonMs: number;
  tickMs: number;
  sessionTimeoutMs: number;
}

async function main(): Promise<void> {
  const settings = JSON.parse(process.env.SIGNALS_CHILD ?? '') as ChildSettings;
  const topics = topicsWithPrefix(settings.prefix);
  const logger = createLogger('signals-child', 'warn');
  await startSignalsProcessor({
    clients: createKafkaClients({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'signals-child', logger }),
    codec: createAvroCodec({ url: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7' }),
    connection: { url: process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123', database: settings.database },
    topics: { events: topics.enrichedEvents, signals: topics.signals, state: topics.signalState },
    groupId: settings.groupId,
    rules: { cartAbandonMs: settings.cartAbandonMs, browseWindowMs: 7 * 24 * 3_600_000, maxDelayMs: 3_600_000, defaultVisit: DEFAULT_VISIT_RULES },
    tickMs: settings.tickMs,
    sessionTimeoutMs: settings.sessionTimeoutMs,
    logger,
    registry: new Registry(),
    consent: testConsentPolicy('opt-out'),
  });
  // Stdout, for the test: the processor is in its group and consuming.
  process.stdout.write('signals processor running\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`signals child failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
