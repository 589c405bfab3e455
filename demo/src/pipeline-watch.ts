/** What the demo and the benchmark watch while traffic flows: rows landed and consumer lag. */
import { createClickHouse, createKafkaClients, createLogger, topicsWithPrefix, type ClickHouse, type TopicAdmin } from '@cdp/plumbing';

export interface PipelineWatch {
  /** Distinct event ids of this run that are visible in ClickHouse. */
  landed(runPrefix: string): Promise<number>;
  /** Records not yet processed, summed over every consumer group of the pipeline and its input topics. */
  lag(): Promise<number>;
  /** retention.ms of the web events topic, in hours, as the broker has it (null: unset). */
  eventTopicRetentionHours(): Promise<number | null>;
  readonly ch: ClickHouse;
  close(): Promise<void>;
}

export async function watchPipeline({ database = 'cdp', prefix = '', groups = { identity: 'identity', enrichment: 'enrichment', aggregation: 'aggregation' } } = {}): Promise<PipelineWatch> {
  const ch = createClickHouse({ url: process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123', database });
  const clients = createKafkaClients({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'demo-watch', logger: createLogger('demo', 'silent') });
  const admin: TopicAdmin = await clients.admin();
  const t = topicsWithPrefix(prefix);
  const watched: [string, string][] = [
    [groups.identity, t.webEvents.name], [groups.identity, t.posTransactions.name], [groups.identity, t.beaconSightings.name], [groups.identity, t.wifiObservations.name],
    // The graph writer and the tables it feeds: a report before they settle would miss merges.
    [`${groups.identity}-graph`, t.identityLinks.name],
    [groups.enrichment, t.resolvedEvents.name], [groups.enrichment, t.peopleCounts.name],
    [groups.aggregation, t.enrichedEvents.name], [groups.aggregation, t.identifierAssignments.name], [groups.aggregation, t.personMerges.name], [groups.aggregation, t.identityConflicts.name],
  ];
  return {
    ch,
    async landed(runPrefix) {
      // Store sensor traffic lands in tables of its own.
      const [row] = await ch.query<{ n: number }>(
        `SELECT (SELECT uniqExact(event_id) FROM events_raw WHERE startsWith(event_id, {p:String}) OR startsWith(order_id, {r:String}))
              + (SELECT uniqExact(event_id) FROM store_wifi_observations WHERE startsWith(event_id, {p:String}))
              + (SELECT uniqExact(event_id) FROM store_people_counts WHERE startsWith(event_id, {p:String})) AS n`,
        { p: runPrefix, r: `R-${runPrefix}` },
      );
      return Number(row?.n ?? 0);
    },
    async lag() {
      const lags = await Promise.all(watched.map(([group, topic]) => admin.groupLag(group, topic).catch(() => 0)));
      return lags.reduce((a, b) => a + b, 0);
    },
    async eventTopicRetentionHours() {
      const [topic] = await admin.describeTopics([t.webEvents.name]);
      const ms = topic?.config['retention.ms'];
      return ms === undefined ? null : Number(ms) / 3_600_000;
    },
    async close() {
      await admin.close();
      await ch.close();
    },
  };
}
