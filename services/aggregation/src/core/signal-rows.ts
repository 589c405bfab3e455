/**
 * A signal (aggregation.signals.v1) -> its row in the `signals` table (migration 0011). Pure.
 * Kinds go out in lower case like every other kind column; absent values as empty strings,
 * except the value, which is null where it does not apply (0 would be a price).
 */
import { toDateTime64, type CdpAggregation } from '@cdp/plumbing';

export function signalRow(s: CdpAggregation.Signal, ingestedAt: number) {
  return {
    tenant: s.tenant,
    signal_id: s.signalId,
    kind: s.kind.toLowerCase(),
    person_id: s.personId,
    fired_at: toDateTime64(s.firedAt),
    occurred_at: toDateTime64(s.occurredAt),
    source_event_ids: s.sourceEventIds,
    channel: s.channel,
    store_id: s.storeId ?? '',
    store_name: s.storeName ?? '',
    skus: s.skus,
    segments: s.segments.map((x) => ({ partner: x.partner, segment: x.segment })),
    value_minor: s.valueMinor,
    currency: s.currency ?? '',
    order_id: s.orderId ?? '',
    ingested_at: toDateTime64(ingestedAt),
  };
}
