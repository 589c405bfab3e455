/**
 * A compacted topic the API (or a command) both follows into memory and writes: erasure requests,
 * identifier blocks. Followed with plumbing's readKeyedTable; written with the plumbing producer,
 * Avro-encoded under the topic's value subject, on the partition its partitionBy names (the
 * tenant's: where the identity graph writer of the tenant's links reads it, and where every later
 * state of the record is written). A write resolves once the record has come back through the
 * reader, so that a read right after it (GET after POST) already sees it.
 */
import { loadSchemaCatalog, partitionFor, readKeyedTable, valueSubjectOf, type AvroCodec, type EventProducer, type KafkaClients, type KeyedTableHandlers, type Logger, type TopicSpec } from '@cdp/plumbing';

export interface FollowedTopic<T> {
  /** Resolves once the topic's content when reading began is applied. */
  readonly caughtUp: Promise<void>;
  /**
   * Writes the record (acked by every in-sync replica) and waits up to `echoTimeoutMs` for it
   * to come back through the reader; resolves true when it did (false when not following).
   */
  write(record: T, echoTimeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Where a followed topic is, and whether to follow it. */
export interface TopicAccess {
  clients: KafkaClients;
  codec: AvroCodec;
  topic: TopicSpec;
  logger: Logger;
  /** false: read what the topic holds now, then stop (a write then does not wait for its echo). */
  follow?: boolean;
}

export async function openFollowedTopic<T>({
  clients,
  codec,
  topic,
  logger,
  follow = true,
  apply,
  keyOf,
  echoOf,
}: TopicAccess & {
  /** Where the topic's records go (the book). */
  apply: KeyedTableHandlers<T>;
  keyOf: (record: T) => string;
  /** Resolves with the record once the book has applied it (or undefined after the timeout). */
  echoOf: (record: T, timeoutMs: number) => Promise<T | undefined>;
}): Promise<FollowedTopic<T>> {
  const reader = await readKeyedTable<T>(clients, codec, topic, apply, { follow, logger });
  let producer: Promise<EventProducer> | undefined;
  let schemaId: Promise<number> | undefined;
  return {
    caughtUp: reader.caughtUp,
    async write(record, echoTimeoutMs = 10_000) {
      producer ??= clients.producer().catch((error: unknown) => {
        producer = undefined;
        throw error;
      });
      schemaId ??= codec.idOf(valueSubjectOf(topic.name), loadSchemaCatalog().resolve(topic.valueType)).catch((error: unknown) => {
        schemaId = undefined;
        throw error;
      });
      const key = keyOf(record);
      const value = codec.encode(await schemaId, record);
      // Waiting starts before the send: the record may come back before send() resolves.
      const echo = follow ? echoOf(record, echoTimeoutMs) : undefined;
      const partition = partitionFor(topic, key);
      await (await producer).send(topic.name, [{ key, value, ...(partition === undefined ? {} : { partition }) }]);
      return echo ? (await echo) !== undefined : false;
    },
    async close() {
      await reader.close();
      if (producer) await (await producer.catch(() => undefined))?.close();
    },
  };
}
