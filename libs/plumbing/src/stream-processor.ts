/**
 * The consume -> process -> produce loop every stream service shares. A service supplies a
 * pure function from one decoded input to its outputs (or a rejection); this module decodes
 * with the registry, encodes outputs, routes rejections and undecodable records to the input's
 * dead-letter topic with their original bytes, sends everything with acks=all, and only then
 * commits the batch's offsets. A crash anywhere re-reads the batch: outputs may repeat (every
 * consumer downstream deduplicates by event id), nothing is lost.
 */
import type { Logger } from 'pino';
import { Histogram, type Registry } from 'prom-client';
import type { AvroCodec } from './avro';
import type { AvroSchema } from './schemas';
import { loadSchemaCatalog } from './schemas';
import { deadLetterTopicOf, valueSubjectOf, type TopicSpec } from './topics';
import { partitionFor, type EventConsumer, type EventProducer, type IncomingRecord, type KafkaClients, type OutgoingRecord, type RecordBatch } from './kafka';
import { createOutcomeCounter, deadLetterOf, decodeRecord, encodeDeadLetter, type Outcome } from './outcome';

export interface OutputRecord {
  topic: TopicSpec;
  key: string | null;
  /** null writes a tombstone (compacted topics). */
  value: unknown | null;
}

export interface StreamProcessorSpec {
  service: string;
  groupId: string;
  inputs: readonly TopicSpec[];
  /** Outputs the service may write, resolved to schema ids before the first record. */
  outputs: readonly TopicSpec[];
  /**
   * Mostly synchronous; a rare record may need I/O (the graph writer reading the history for an
   * erasure) and return a promise. Records of one partition are still processed in order.
   */
  process(value: unknown, record: IncomingRecord): Outcome<OutputRecord[]> | Promise<Outcome<OutputRecord[]>>;
  /**
   * process() changes in-memory state that only Kafka can restore. When a batch fails (its
   * outputs cannot be sent, the registry is unreachable...), re-reading it in this process would
   * see state that is ahead of the topics, so the process exits (code 70) and a new one
   * rebuilds from the topics.
   */
  stateful?: boolean;
}

export interface RunningProcessor {
  /** Stops fetching, finishes the batch in hand, commits, leaves the group. */
  stop(): Promise<void>;
}

export async function startStreamProcessor(
  spec: StreamProcessorSpec,
  deps: { clients: KafkaClients; codec: AvroCodec; logger: Logger; registry: Registry; producer?: EventProducer },
): Promise<RunningProcessor> {
  const { clients, codec, logger, registry } = deps;
  const catalog = loadSchemaCatalog();
  const readers = new Map<string, AvroSchema>(spec.inputs.map((t) => [t.name, catalog.resolve(t.valueType)]));
  const schemaIds = new Map<string, number>();
  for (const topic of [...spec.outputs, ...spec.inputs.map(deadLetterTopicOf)]) {
    schemaIds.set(topic.name, await codec.idOf(valueSubjectOf(topic.name), catalog.resolve(topic.valueType)));
  }
  const deadLetterId = (input: string) => schemaIds.get(`${input}.dlq`)!;

  const outcomes = createOutcomeCounter(registry);
  const batchSeconds =
    (registry.getSingleMetric('cdp_batch_seconds') as Histogram | undefined) ??
    new Histogram({ name: 'cdp_batch_seconds', help: 'Time to process, produce and commit one batch', buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry] });

  const producer = deps.producer ?? (await clients.producer());
  // A stateful processor's state is current only for the partitions it has owned since it
  // started: giving some up is harmless, but a partition it gains was written by another member
  // meanwhile. Then it exits, and the next process rebuilds the state from Kafka.
  let owned: Set<string> | undefined;
  const onAssignment = (assignment: Record<string, number[]>) => {
    const now = new Set(Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}/${p}`)));
    const gained = owned ? [...now].filter((p) => !owned!.has(p)) : [];
    owned = now;
    if (spec.stateful && gained.length > 0) {
      logger.fatal({ gained }, 'gained partitions another member was writing; exiting so that state is rebuilt from Kafka');
      process.exit(70);
    }
  };
  const consumer: EventConsumer = await clients.consumer({ groupId: spec.groupId, topics: spec.inputs.map((t) => t.name), concurrency: 4, maxBytesPerPartition: 8 * 1024 * 1024, minBytes: 256 * 1024, maxWaitMs: 50, onAssignment });

  const handle = async (batch: RecordBatch) => {
    const timer = batchSeconds.startTimer();
    const out = new Map<string, OutgoingRecord[]>();
    const push = (topic: string, record: OutgoingRecord) => {
      const list = out.get(topic) ?? [];
      list.push(record);
      out.set(topic, list);
    };
    const reader = readers.get(batch.topic);
    let okCount = 0;
    for (const record of batch.records) {
      const decoded = await decodeRecord(codec, record, reader);
      let processed = decoded.kind === 'ok' ? spec.process(decoded.value, record) : decoded;
      if (processed instanceof Promise) processed = await processed;
      const outcome: Outcome<OutputRecord[]> = processed;
      if (outcome.kind === 'ok') {
        for (const o of outcome.value) {
          const encoded: OutgoingRecord = { key: o.key, value: o.value === null ? null : codec.encode(schemaIds.get(o.topic.name)!, o.value) };
          const partition = o.topic.partitionBy && partitionFor(o.topic, o.key);
          if (partition !== undefined) encoded.partition = partition;
          push(o.topic.name, encoded);
        }
        okCount++;
      } else {
        push(`${batch.topic}.dlq`, encodeDeadLetter(codec, deadLetterId(batch.topic), deadLetterOf(record, spec.service, outcome.rejection)));
        outcomes.inc({ topic: batch.topic, outcome: 'rejected', code: outcome.rejection.code });
        logger.warn({ topic: batch.topic, partition: batch.partition, offset: record.offset, ...outcome.rejection }, 'record rejected to dead-letter topic');
      }
    }
    outcomes.inc({ topic: batch.topic, outcome: 'ok', code: '' }, okCount);
    // A failed send throws: the batch is not committed and comes again.
    await producer.sendBatches([...out].map(([topic, records]) => ({ topic, records })));
    timer();
  };

  const running = consumer.run(async (batch) => {
    try {
      await handle(batch);
    } catch (error) {
      if (spec.stateful) {
        // Part of the batch may already be in the in-memory state: re-reading it here would
        // not publish those changes again. A new process rebuilds the state from the topics.
        logger.fatal({ err: error }, 'a batch failed after state was updated; exiting so that state is rebuilt from Kafka on restart');
        process.exit(70);
      }
      throw error;
    }
  });
  running.catch((error: unknown) => logger.error({ err: error }, 'consumer stopped'));

  return {
    async stop() {
      await consumer.close();
      if (!deps.producer) await producer.close();
    },
  };
}
