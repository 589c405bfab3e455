import { readKeyedTable, type AvroCodec, type CdpReference, type KafkaClients, type KeyedTableReader, type Logger, type TopicSpec } from '@cdp/plumbing';
import type { Catalogue } from '../core/products';
import type { StoreDirectory } from '../core/store-directory';

/**
 * The reference tables enrichment joins with, from their compacted topics: each read to its end
 * before the first event, then followed live, so a catalogue price or a new beacon applies to the
 * next event without a restart, and a tombstone removes the row.
 */
export async function followReferenceTables(
  topics: { products: TopicSpec; stores: TopicSpec },
  tables: { catalogue: Catalogue; stores: StoreDirectory },
  clients: KafkaClients,
  codec: AvroCodec,
  logger: Logger,
): Promise<KeyedTableReader[]> {
  const started = Date.now();
  const readers = await Promise.all([
    readKeyedTable<CdpReference.Product>(clients, codec, topics.products, { upsert: (_, p) => tables.catalogue.upsert(p), remove: (key) => tables.catalogue.remove(key) }, { logger }),
    readKeyedTable<CdpReference.Store>(clients, codec, topics.stores, { upsert: (_, s) => tables.stores.upsert(s), remove: (key) => tables.stores.remove(key) }, { logger }),
  ]);
  await Promise.all(readers.map((r) => r.caughtUp));
  logger.info({ products: tables.catalogue.size, ...tables.stores.size, ms: Date.now() - started }, 'reference tables read; following them');
  return readers;
}
