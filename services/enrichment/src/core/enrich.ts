import type { CdpEnrichment, CdpIdentity } from '@cdp/plumbing';
import type { Catalogue } from './products';
import { skusOf } from './products';

export type ParseUserAgent = (ua: string | null) => CdpEnrichment.DeviceInfo | null;

/** A resolved event with device and product data; never fails for lack of reference data. */
export function enrichEvent(resolved: CdpIdentity.ResolvedEvent, catalogue: Catalogue, parseUserAgent: ParseUserAgent): CdpEnrichment.EnrichedEvent {
  const event = resolved.event as CdpEnrichment.EnrichedEvent['event'];
  const web = event['cdp.web.SegmentEvent'];
  const device = web ? parseUserAgent(web.context.userAgent) : null;
  return {
    personId: resolved.personId,
    identifiers: resolved.identifiers,
    event,
    device,
    products: skusOf(event).map((sku) => catalogue.lookup(sku)),
  };
}
