import type { AvroCodec, CdpReference, KafkaClients, Logger, TableReader } from '@cdp/plumbing';
import type { Catalogue } from '../core/products';

/**
 * Keeps the catalogue in memory from the compacted products topic: read whole before the first
 * event, then followed live, so a PIM update applies to the next event without a restart.
 */
export async function followCatalogue(topic: string, catalogue: Catalogue, clients: KafkaClients, codec: AvroCodec, logger: Logger): Promise<TableReader> {
  let chain = Promise.resolve();
  const reader = await clients.readTable(topic, (record) => {
    const sku = record.key?.toString('utf8');
    // Decoding is async only the first time a schema id is seen; keep updates in order anyway.
    chain = chain.then(async () => {
      if (!record.value) {
        if (sku) catalogue.remove(sku);
        return;
      }
      catalogue.upsert(await codec.decode<CdpReference.Product>(record.value));
    }).catch((error: unknown) => logger.error({ err: error, offset: record.offset }, 'catalogue record could not be read; skipped'));
  });
  await reader.caughtUp;
  await chain;
  logger.info({ products: catalogue.size }, 'catalogue loaded');
  return reader;
}
