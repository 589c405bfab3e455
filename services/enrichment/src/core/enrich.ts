/**
 * One event in, the same event out with what external and partner data add. Each enrichment is
 * its own step: missing reference data leaves its block empty and names the dataset in
 * `missing`; a step that throws becomes an EnrichmentError naming the step, so the service can
 * send the event to the dead-letter topic with a typed reason instead of losing or stopping.
 */
import type { CdpEnrichment, CdpIdentity, CdpStore, CdpWeb } from '@cdp/plumbing';
import { campaignInputOf, type CampaignInput } from './campaign';
import { classifyIp } from './geo';
import type { Catalogue } from './products';
import { skusOf } from './products';
import type { StoreDirectory, StoreRef } from './store-directory';

export type ParseUserAgent = (ua: string | null) => CdpEnrichment.DeviceInfo | null;
export type LookupGeo = (ip: string | null) => CdpEnrichment.GeoInfo | null;
export type ClassifyCampaign = (input: CampaignInput) => CdpEnrichment.CampaignInfo | null;

export interface Enrichments {
  catalogue: Catalogue;
  stores: StoreDirectory;
  parseUserAgent: ParseUserAgent;
  lookupGeo: LookupGeo;
  classifyCampaign: ClassifyCampaign;
}

/** The reference datasets that can be missing, as named in EnrichedEvent.missing and metrics. */
export type MissingData = 'catalogue' | 'store_directory' | 'geo';

export class EnrichmentError extends Error {
  constructor(
    readonly step: 'device' | 'geo' | 'campaign' | 'products' | 'store',
    cause: unknown,
  ) {
    super(`${step} enrichment failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'EnrichmentError';
  }
}

export type EnrichmentInput = CdpIdentity.ResolvedEvent | { personId: null; identifiers: []; event: { 'cdp.store.PeopleCount': CdpStore.PeopleCount } };

const step = <T>(name: EnrichmentError['step'], fn: () => T): T => {
  try {
    return fn();
  } catch (error) {
    throw new EnrichmentError(name, error);
  }
};

/** What in a store event points at a store and zone. */
function storeRefOf(event: CdpEnrichment.EnrichedEvent['event']): StoreRef | null {
  const beacon = event['cdp.store.BeaconSighting'];
  if (beacon) {
    if (beacon.beaconUuid && beacon.major !== null && beacon.minor !== null) return { kind: 'beacon', storeId: beacon.storeId, uuid: beacon.beaconUuid, major: beacon.major, minor: beacon.minor };
    if (beacon.apMac) return { kind: 'access_point', storeId: beacon.storeId, mac: beacon.apMac };
    return beacon.storeId ? { kind: 'store', storeId: beacon.storeId } : null;
  }
  const wifi = event['cdp.store.WifiObservation'];
  if (wifi) return { kind: 'access_point', storeId: wifi.storeId, mac: wifi.apMac };
  const count = event['cdp.store.PeopleCount'];
  if (count) return { kind: 'sensor', storeId: count.storeId, sensorId: count.sensorId, zoneId: count.zoneId };
  const receipt = event['cdp.store.PosTransaction'];
  if (receipt) return { kind: 'store', storeId: receipt.storeId };
  return null;
}

const envelopeOf = (event: CdpEnrichment.EnrichedEvent['event']) => Object.values(event)[0]!.envelope as CdpWeb.SegmentEvent['envelope'];

export function enrichEvent(input: EnrichmentInput, e: Enrichments): { enriched: CdpEnrichment.EnrichedEvent; missing: MissingData[]; eventId: string } {
  const event = input.event as CdpEnrichment.EnrichedEvent['event'];
  const envelope = envelopeOf(event);
  const missing: MissingData[] = [];
  const web = event['cdp.web.SegmentEvent'];

  let device: CdpEnrichment.DeviceInfo | null = null;
  let geo: CdpEnrichment.GeoInfo | null = null;
  let campaign: CdpEnrichment.CampaignInfo | null = null;
  if (web) {
    const c = web.context;
    device = step('device', () => e.parseUserAgent(c.userAgent));
    geo = step('geo', () => e.lookupGeo(c.ip));
    // A public address the database does not place is missing data; no address (or a private one) is not.
    if (!geo && c.ip && classifyIp(c.ip).kind === 'public') missing.push('geo');
    campaign = step('campaign', () => e.classifyCampaign(campaignInputOf(web)));
  }

  const products = step('products', () => skusOf(event).map((sku) => e.catalogue.lookup(envelope.tenant, sku)));
  if (products.some((p) => !p.found)) missing.push('catalogue');

  const ref = storeRefOf(event);
  const store = ref ? step('store', () => e.stores.place(envelope.tenant, ref, envelope.eventTime)) : null;
  if (ref && !store?.found) missing.push('store_directory');

  return {
    enriched: { personId: input.personId, identifiers: input.identifiers, event, device, products, geo, campaign, store, missing },
    missing,
    eventId: envelope.eventId,
  };
}
