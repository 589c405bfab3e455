/**
 * Kafka batches into ClickHouse. One consumer group reads the enriched events, the two
 * identity tables and the identity conflicts; each batch is inserted with a deduplication token
 * made of its topic, partition and offsets, and its offsets are committed only after ClickHouse
 * accepted it.
 * ClickHouse down: the insert throws, the batch is not committed and is read again later.
 */
import { join } from 'node:path';
import {
  createClickHouse,
  deadLetterOf,
  decodeRecord,
  encodeDeadLetter,
  loadMigrations,
  loadSchemaCatalog,
  migrate,
  valueSubjectOf,
  type AvroCodec,
  type CdpEnrichment,
  type CdpIdentity,
  type ClickHouse,
  type ClickHouseOptions,
  type EventProducer,
  type IncomingRecord,
  type KafkaClients,
  type Logger,
  type RecordBatch,
  type Registry,
  type TopicSpec,
  Counter,
  Gauge,
  isRetriable,
} from '@cdp/plumbing';
import { conflictRow, eventRow, identityRow, overrideRow } from '../core/rows';

export const MIGRATIONS_DIR = join(__dirname, '..', '..', 'migrations');

export interface AggregationTopics {
  events: TopicSpec;
  assignments: TopicSpec;
  merges: TopicSpec;
  conflicts: TopicSpec;
}

export async function migrateDatabase(connection: ClickHouseOptions & { database: string }, logger: Logger): Promise<void> {
  const result = await migrate(connection, loadMigrations(MIGRATIONS_DIR));
  logger.info(result, 'ClickHouse schema up to date');
}

export async function startClickHouseSink(deps: {
  clients: KafkaClients;
  codec: AvroCodec;
  producer: EventProducer;
  connection: ClickHouseOptions & { database: string };
  topics: AggregationTopics;
  groupId: string;
  fetchBytes: number;
  logger: Logger;
  registry: Registry;
}): Promise<{ stop(): Promise<void>; ch: ClickHouse }> {
  const { clients, codec, producer, topics, logger } = deps;
  const ch = createClickHouse(deps.connection);
  const catalog = loadSchemaCatalog();
  const inputs = [topics.events, topics.assignments, topics.merges, topics.conflicts];
  const readers = new Map(inputs.map((t) => [t.name, catalog.resolve(t.valueType)]));
  const dlqIds = new Map<string, number>();
  for (const t of inputs) {
    dlqIds.set(t.name, await codec.idOf(valueSubjectOf(`${t.name}.dlq`), catalog.resolve('cdp.ops.DeadLetter')));
  }
  const rows = new Counter({ name: 'aggregation_rows_inserted_total', help: 'Rows inserted into ClickHouse by table', labelNames: ['table'], registers: [deps.registry] });
  const rejected = new Counter({ name: 'aggregation_records_rejected_total', help: 'Records sent to a dead-letter topic', labelNames: ['topic'], registers: [deps.registry] });
  const lastInsert = new Gauge({ name: 'aggregation_last_insert_timestamp_seconds', help: 'When the last insert was accepted', registers: [deps.registry] });

  const decodeAll = async (batch: RecordBatch) => {
    const values: { record: IncomingRecord; value: unknown }[] = [];
    const letters = [];
    const reader = readers.get(batch.topic);
    for (const record of batch.records) {
      const decoded = await decodeRecord(codec, record, reader);
      if (decoded.kind === 'ok') values.push({ record, value: decoded.value });
      else letters.push(encodeDeadLetter(codec, dlqIds.get(batch.topic)!, deadLetterOf(record, 'aggregation', decoded.rejection)));
    }
    if (letters.length > 0) {
      await producer.send(`${batch.topic}.dlq`, letters);
      rejected.inc({ topic: batch.topic }, letters.length);
      logger.warn({ topic: batch.topic, count: letters.length }, 'undecodable records sent to the dead-letter topic');
    }
    return values;
  };

  // Rows as arrays under one column list: about a quarter faster to encode and parse than
  // objects that repeat every key (STACK.md figures for JSONCompactEachRow).
  const insertCompact = async (table: string, tableRows: Record<string, unknown>[], token: string) => {
    const columns = Object.keys(tableRows[0]!);
    await ch.insert(table, tableRows.map((r) => columns.map((c) => r[c])), { dedupToken: token, format: 'JSONCompactEachRow', columns });
  };

  const insertOneByOne = async (batch: RecordBatch, table: string, tableRows: unknown[], records: IncomingRecord[], token: string, cause: Error) => {
    logger.warn({ topic: batch.topic, partition: batch.partition, table, err: cause }, 'ClickHouse refused a batch; inserting its rows one by one');
    const letters = [];
    for (const [i, row] of tableRows.entries()) {
      try {
        await insertCompact(table, [row as Record<string, unknown>], `${token}:${i}`);
      } catch (error) {
        if (isRetriable(error)) throw error;
        const record = records[i]!;
        letters.push(encodeDeadLetter(codec, dlqIds.get(batch.topic)!, deadLetterOf(record, 'aggregation', { code: 'aggregation.insert_refused', step: `insert ${table}`, message: (error as Error).message })));
      }
    }
    if (letters.length > 0) {
      await producer.send(`${batch.topic}.dlq`, letters);
      rejected.inc({ topic: batch.topic }, letters.length);
    }
  };

  const tableOf: Record<string, { table: string; row: (v: unknown, now: number) => unknown }> = {
    [topics.events.name]: { table: 'events_raw', row: (v, now) => eventRow(v as CdpEnrichment.EnrichedEvent, now) },
    [topics.assignments.name]: { table: 'identities', row: (v) => identityRow(v as CdpIdentity.IdentifierAssignment) },
    [topics.merges.name]: { table: 'person_overrides', row: (v) => overrideRow(v as CdpIdentity.PersonMerge) },
    [topics.conflicts.name]: { table: 'identity_conflicts', row: (v, now) => conflictRow(v as CdpIdentity.IdentityConflict, now) },
  };

  const consumer = await clients.consumer({ groupId: deps.groupId, topics: Object.keys(tableOf), maxBytesPerPartition: deps.fetchBytes, concurrency: 4, minBytes: 512 * 1024, maxWaitMs: 200, stableBatches: true });
  const running = consumer.run(async (batch) => {
    const target = tableOf[batch.topic]!;
    const values = await decodeAll(batch);
    if (values.length === 0) return;
    const now = Date.now();
    const tableRows = values.map((v) => target.row(v.value, now) as Record<string, unknown>);
    const token = `${batch.topic}:${batch.partition}:${batch.firstOffset}-${batch.lastOffset}`;
    try {
      // The same batch read again after a crash has the same range (stableBatches), so the same
      // token, and ClickHouse drops it instead of storing its rows twice.
      await insertCompact(target.table, tableRows, token);
    } catch (error) {
      if (isRetriable(error)) throw error;
      // ClickHouse refused the data itself: find the rows it refuses, one by one, and send those
      // to the dead-letter topic, so one bad record cannot stop the partition.
      await insertOneByOne(batch, target.table, tableRows, values.map((v) => v.record), token, error as Error);
    }
    rows.inc({ table: target.table }, values.length);
    lastInsert.set(Date.now() / 1000);
  });
  running.catch((error: unknown) => logger.error({ err: error }, 'consumer stopped'));

  return {
    ch,
    async stop() {
      await consumer.close();
      await ch.close();
    },
  };
}
