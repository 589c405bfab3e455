import { ok, rejected, type CdpStore, type IncomingRecord, type Outcome, type OutputRecord, type TopicSpec, type CdpIdentity } from '@cdp/plumbing';
import { enrichEvent, EnrichmentError, type Enrichments, type EnrichmentInput, type MissingData } from './enrich';

/**
 * The stream processor's step: an input record's value to the enriched event (keyed by person,
 * else event id), or a typed rejection (enrichment.<step>_failed) that sends the original to the
 * dead-letter topic, replayable once the cause is fixed.
 */
export function processEnrichment(
  enrichments: Enrichments,
  topics: { peopleCounts: string; enriched: TopicSpec },
  onMissing: (dataset: MissingData) => void = () => undefined,
) {
  return (value: unknown, record: IncomingRecord): Outcome<OutputRecord[]> => {
    const input: EnrichmentInput =
      record.topic === topics.peopleCounts
        ? { personId: null, identifiers: [], event: { 'cdp.store.PeopleCount': value as CdpStore.PeopleCount } }
        : (value as CdpIdentity.ResolvedEvent);
    try {
      const { enriched, missing, eventId } = enrichEvent(input, enrichments);
      for (const m of missing) onMissing(m);
      return ok([{ topic: topics.enriched, key: enriched.personId ?? eventId, value: enriched }]);
    } catch (error) {
      if (error instanceof EnrichmentError) return rejected(`enrichment.${error.step}_failed`, error.step, error.message);
      // Anything else is a fault of this code with this event: the event is kept, not re-read forever.
      return rejected('enrichment.failed', 'enrichEvent', (error as Error).message);
    }
  };
}
