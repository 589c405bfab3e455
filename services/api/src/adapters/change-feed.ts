/**
 * Aggregation's change feed (aggregation.person-updates.v1) into the per-person caches and the
 * push channel's landing feed: read from its end, so that every notification published from now on
 * is seen, and only then may the caches keep reads.
 */
import type { AvroCodec, CdpAggregation, KafkaClients, Logger, TableReader } from '@cdp/plumbing';
import type { LandingFeed } from '../core/landing-feed';
import type { PersonCache } from '../core/person-cache';

/** `feed` hears of every landing too (the push channel's source). */
export async function followPersonUpdates(topic: string, caches: PersonCache<unknown>[], clients: KafkaClients, codec: AvroCodec, logger: Logger, feed?: LandingFeed): Promise<TableReader> {
  const reader = await clients.readTable(
    topic,
    (r) => {
      if (!r.value) return;
      const bytes = r.value;
      void (async () => {
        const u = codec.decodeCached<CdpAggregation.PersonUpdates>(bytes) ?? (await codec.decode<CdpAggregation.PersonUpdates>(bytes));
        for (const cache of caches) cache.changed(u.tenant, u.personIds);
        feed?.landed(u.tenant, u.landedAt, u.personIds.length);
      })().catch((error: unknown) => {
        // A notification that cannot be read could leave a stale entry: keep nothing rather than that.
        logger.error({ err: error, offset: r.offset }, 'person update could not be read; dropping every cached read');
        for (const cache of caches) cache.clear();
      });
    },
    { follow: true, from: 'end' },
  );
  for (const cache of caches) cache.enable();
  return reader;
}
