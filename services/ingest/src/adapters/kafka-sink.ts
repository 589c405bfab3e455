/**
 * Accepted items to their raw topics and rejected items to those topics' dead-letter topics,
 * encoded with the registered schemas and sent in shared batches. publish resolves only when
 * Kafka has acknowledged every record (idempotent producer, acks=all).
 */
import { createBatchingProducer, deadLetterMessage, deadLetterTopicOf, loadSchemaCatalog, valueSubjectOf, type AvroCodec, type CdpOps, type EventProducer, type TopicKey, type TopicSpec } from '@cdp/plumbing';
import type { Accepted, Rejected, Target } from '../core/intake';

export interface EventSink {
  /** `signal` aborted: the caller gave up; records not yet handed to Kafka are dropped. */
  publish(accepted: Accepted[], rejected?: Rejected[], signal?: AbortSignal): Promise<void>;
  flush(): Promise<void>;
}

export type SinkTopics = Record<Target, TopicSpec>;

/** The raw topic of each kind of item, from the topic catalogue (under its prefix). */
export const sinkTopicsOf = (t: Record<TopicKey, TopicSpec>): SinkTopics => ({
  segment: t.webEvents,
  pos: t.posTransactions,
  beacon: t.beaconSightings,
  wifi: t.wifiObservations,
  peopleCount: t.peopleCounts,
});

/** The dead letter of an item refused at the door: its JSON (PII already hashed), source and route. */
export function deadLetterOfItem(r: Rejected, topic: string, now = Date.now()): CdpOps.DeadLetter {
  const payload = { source: r.source, route: r.route, routeContext: r.routeContext ?? null, receivedAt: r.receivedAt, field: r.field, item: r.item };
  return {
    originalTopic: topic,
    originalPartition: -1,
    originalOffset: -1,
    originalKey: null,
    originalValue: Buffer.from(JSON.stringify(payload)),
    service: 'ingest',
    step: r.route,
    code: r.code,
    message: deadLetterMessage(`${r.field}: ${r.reason}`),
    failedAt: now,
    originalFormat: 'ingest-json',
  };
}

export async function createKafkaSink(producer: EventProducer, codec: AvroCodec, topics: SinkTopics, lingerMs: number): Promise<EventSink> {
  const catalog = loadSchemaCatalog();
  const targets = Object.keys(topics) as Target[];
  const ids = {} as Record<Target, number>;
  const dlqIds = {} as Record<Target, number>;
  for (const target of targets) {
    const topic = topics[target];
    const dlq = deadLetterTopicOf(topic);
    ids[target] = await codec.idOf(valueSubjectOf(topic.name), catalog.resolve(topic.valueType));
    dlqIds[target] = await codec.idOf(valueSubjectOf(dlq.name), catalog.resolve(dlq.valueType));
  }
  const batching = createBatchingProducer(producer, { lingerMs });
  return {
    async publish(accepted, rejected = [], signal) {
      const byTopic = new Map<string, { key: string | null; value: Buffer; headers?: Record<string, string> }[]>();
      const add = (topic: string, record: { key: string | null; value: Buffer; headers?: Record<string, string> }) => {
        const list = byTopic.get(topic);
        if (list) list.push(record);
        else byTopic.set(topic, [record]);
      };
      for (const e of accepted) add(topics[e.kind].name, { key: e.key, value: codec.encode(ids[e.kind], e.value) });
      for (const r of rejected) {
        const topic = topics[r.target].name;
        add(`${topic}.dlq`, { key: null, value: codec.encode(dlqIds[r.target], deadLetterOfItem(r, topic)), headers: { 'cdp-rejection-code': r.code } });
      }
      await Promise.all([...byTopic].map(([topic, records]) => batching.send(topic, records, { signal })));
    },
    flush: () => batching.flush(),
  };
}
