/**
 * The erasure requests topic (privacy.erasure-requests.v1) for the API and the `pnpm erase`
 * command: followed into an ErasureBook (plumbing's readKeyedTable, as the reference topics), and
 * written with the plumbing producer, Avro-encoded under the topic's value subject, on the
 * partition of the tenant (the topic's partitionBy: where the graph writer of the tenant's links
 * reads it, and where every later state of the request is written). A write
 * resolves once the record has come back through the reader, so that a read right after it
 * (GET after POST) already sees it.
 */
import { loadSchemaCatalog, partitionFor, readKeyedTable, valueSubjectOf, type AvroCodec, type CdpPrivacy, type EventProducer, type KafkaClients, type KeyedTableReader, type Logger, type TopicSpec } from '@cdp/plumbing';
import { ErasureBook, erasureKey } from '../core/erasures';

export interface ErasureTopic {
  readonly book: ErasureBook;
  /** Resolves once the topic's content when reading began is in the book. */
  readonly caughtUp: Promise<void>;
  /**
   * Writes the record (acked by every in-sync replica) and waits up to `echoTimeoutMs` for it
   * to come back through the reader; resolves true when it did.
   */
  write(record: CdpPrivacy.ErasureRequest, echoTimeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function openErasureTopic({
  clients,
  codec,
  topic,
  logger,
  follow = true,
  book = new ErasureBook(),
}: {
  clients: KafkaClients;
  codec: AvroCodec;
  topic: TopicSpec;
  logger: Logger;
  /** false: read what the topic holds now, then stop (a write then does not wait for its echo). */
  follow?: boolean;
  book?: ErasureBook;
}): Promise<ErasureTopic> {
  const reader: KeyedTableReader = await readKeyedTable<CdpPrivacy.ErasureRequest>(clients, codec, topic, { upsert: (key, r) => book.upsert(key, r), remove: (key) => book.remove(key) }, { follow, logger });
  let producer: Promise<EventProducer> | undefined;
  let schemaId: Promise<number> | undefined;
  return {
    book,
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
      const key = erasureKey(record.tenant, record.requestId);
      const value = codec.encode(await schemaId, record);
      // Waiting starts before the send: the record may come back before send() resolves.
      const echo = follow ? book.waitFor(key, (r) => r.state === record.state && r.updatedAt === record.updatedAt && r.requestedAt === record.requestedAt, echoTimeoutMs) : undefined;
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
