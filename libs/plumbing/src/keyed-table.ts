/**
 * A compacted topic as a keyed table in memory: the table side of a stream-table join, and what
 * the reference-data loader compares a new version with. Values are decoded with the topic's
 * reader schema; a tombstone (null value) deletes its key. Records are applied in offset order
 * even though a value's first decode may wait for the registry.
 */
import type { Logger } from 'pino';
import type { AvroCodec } from './avro';
import type { IncomingRecord, KafkaClients, TableReader } from './kafka';
import { loadSchemaCatalog } from './schemas';
import type { TopicSpec } from './topics';

export interface KeyedTableHandlers<T> {
  upsert(key: string, value: T, record: IncomingRecord): void;
  remove(key: string, record: IncomingRecord): void;
}

export interface KeyedTableReader extends TableReader {
  /** Resolves when every record handed over so far has been applied. */
  settled(): Promise<void>;
}

/**
 * Reads `topic` from the beginning into the handlers; `caughtUp` resolves once everything the
 * topic held when reading began is applied. With follow (the default) it goes on applying
 * updates live until closed. Consumers read committed records only (read_committed), so a
 * version the loader publishes in a transaction appears whole or not at all.
 */
export async function readKeyedTable<T>(
  clients: KafkaClients,
  codec: AvroCodec,
  topic: TopicSpec,
  handlers: KeyedTableHandlers<T>,
  options: { follow?: boolean; logger?: Logger } = {},
): Promise<KeyedTableReader> {
  const reader = loadSchemaCatalog().resolve(topic.valueType);
  let chain = Promise.resolve();
  const table = await clients.readTable(
    topic.name,
    (record) => {
      const key = record.key?.toString('utf8');
      if (key === undefined) return;
      if (!record.value) {
        chain = chain.then(() => handlers.remove(key, record));
        return;
      }
      const bytes = record.value;
      chain = chain
        .then(async () => handlers.upsert(key, codec.decodeCached<T>(bytes, reader) ?? (await codec.decode<T>(bytes, reader)), record))
        .catch((error: unknown) => options.logger?.error({ err: error, topic: topic.name, offset: record.offset }, 'table record could not be read; skipped'));
    },
    { follow: options.follow ?? true },
  );
  const caughtUp = table.caughtUp.then(() => chain);
  return { caughtUp, settled: () => chain, close: () => table.close() };
}
