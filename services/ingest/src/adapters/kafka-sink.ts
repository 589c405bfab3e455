import { createBatchingProducer, loadSchemaCatalog, valueSubjectOf, type AvroCodec, type CdpStore, type CdpWeb, type EventProducer, type TopicSpec } from '@cdp/plumbing';

export type Accepted =
  | { kind: 'segment'; key: string; value: CdpWeb.SegmentEvent }
  | { kind: 'pos'; key: string; value: CdpStore.PosTransaction }
  | { kind: 'beacon'; key: string; value: CdpStore.BeaconSighting };

export interface EventSink {
  /** Resolves once Kafka has acknowledged every event (acks=all). */
  publish(events: Accepted[]): Promise<void>;
  flush(): Promise<void>;
}

/** Encodes accepted events with their topic's registered schema and sends them in shared batches. */
export async function createKafkaSink(
  producer: EventProducer,
  codec: AvroCodec,
  topics: { segment: TopicSpec; pos: TopicSpec; beacon: TopicSpec },
  lingerMs: number,
): Promise<EventSink> {
  const catalog = loadSchemaCatalog();
  const ids = {
    segment: await codec.idOf(valueSubjectOf(topics.segment.name), catalog.resolve(topics.segment.valueType)),
    pos: await codec.idOf(valueSubjectOf(topics.pos.name), catalog.resolve(topics.pos.valueType)),
    beacon: await codec.idOf(valueSubjectOf(topics.beacon.name), catalog.resolve(topics.beacon.valueType)),
  };
  const batching = createBatchingProducer(producer, { lingerMs });
  return {
    async publish(events) {
      const byTopic = new Map<string, { key: string; value: Buffer }[]>();
      for (const e of events) {
        const topic = topics[e.kind].name;
        const list = byTopic.get(topic) ?? [];
        list.push({ key: e.key, value: codec.encode(ids[e.kind], e.value) });
        byTopic.set(topic, list);
      }
      await Promise.all([...byTopic].map(([topic, records]) => batching.send(topic, records)));
    },
    flush: () => batching.flush(),
  };
}
