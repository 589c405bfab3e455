/**
 * Enriched events for the signals tests (unit and integration), built on the fixture's shop:
 * a cart, an order, product views, store sightings at a chosen signal strength and receipts.
 */
import { personIdOf, type CdpEnrichment } from '@cdp/plumbing';
import { device, envelope, receipt, segment, storeEvent, storeInfo, TENANT, type Visitor } from './fixture';

export { TENANT } from './fixture';

/** A web shopper who is a person of their own; userId makes them known. */
export const shopper = (person: string, userId: string | null = null): Visitor => ({
  person, anonymousId: `anon-${person}`, userId, channel: 'WEB', device: device('Chrome', 'Windows', 'desktop'), geo: null, campaign: null,
});

/**
 * A shopper named `name` whose person is the one the graph derives from their cookie, as it is for
 * a new visitor: their events are stored under the person identity resolves them to.
 */
export const newVisitor = (name: string, tenant = TENANT): Visitor => ({ ...shopper(name), person: personIdOf(tenant, { type: 'anonymous_id', value: `anon-${name}` }) });

export const productAdded = (v: Visitor, eventId: string, at: number, sku: string, price: number, quantity = 1) =>
  segment(v, eventId, at, { type: 'TRACK', event: 'Product Added', properties: { sku, price, quantity, currency: 'eur' } });

export const productRemoved = (v: Visitor, eventId: string, at: number, sku: string, quantity?: number) =>
  segment(v, eventId, at, { type: 'TRACK', event: 'Product Removed', properties: quantity === undefined ? { sku } : { sku, quantity } });

export const productViewed = (v: Visitor, eventId: string, at: number, sku: string) => segment(v, eventId, at, { type: 'TRACK', event: 'Product Viewed', properties: { sku } });

export const orderCompleted = (v: Visitor, eventId: string, at: number, orderId: string, lines: [sku: string, quantity: number, price: number][]) =>
  segment(v, eventId, at, {
    type: 'TRACK', event: 'Order Completed',
    properties: { order_id: orderId, total: Math.round(lines.reduce((sum, [, q, p]) => sum + q * p, 0) * 100) / 100, currency: 'eur', products: lines.map(([sku, quantity, price]) => ({ sku, quantity, price })) },
  });

export const pageView = (v: Visitor, eventId: string, at: number) => segment(v, eventId, at, { type: 'PAGE', name: '/', pagePath: '/' });

/** The event with a consent statement, as a consent manager puts it in Segment's context.consent. */
export function withConsent(e: CdpEnrichment.EnrichedEvent, categoryPreferences: Record<string, boolean>): CdpEnrichment.EnrichedEvent {
  const web = e.event['cdp.web.SegmentEvent']!;
  return { ...e, event: { 'cdp.web.SegmentEvent': { ...web, context: { ...web.context, consent: { categoryPreferences } } } } };
}

/** The retailer's app saw an in-store beacon; userId when the app is logged in. */
export function beaconAt(person: string, eventId: string, at: number, storeId: string, rssi: number, userId: string | null = null): CdpEnrichment.EnrichedEvent {
  const appInstallId = `app-${person}`;
  return {
    ...storeEvent(storeInfo(storeId, at, { zoneId: 'entrance' }), person, [{ type: 'anonymous_id', value: appInstallId }, ...(userId ? [{ type: 'user_id', value: userId }] : [])]),
    event: {
      'cdp.store.BeaconSighting': {
        envelope: envelope(eventId, at, 'store-gateway'), storeId, appInstallId, userId, beaconUuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', major: 1, minor: 1, rssi,
        proximity: 'NEAR', accuracyMeters: 2, apMac: null, clientMacHash: null, randomizedMac: false,
      },
    },
  };
}

/** A store access point heard a phone. A randomised MAC has no person. */
export function wifiAt(person: string | null, eventId: string, at: number, storeId: string, rssi: number, randomized = false): CdpEnrichment.EnrichedEvent {
  const macHash = `mac-${person ?? eventId}`;
  return {
    ...storeEvent(storeInfo(storeId, at, { zoneId: 'entrance' }), randomized ? null : person, randomized ? [] : [{ type: 'wifi_mac_hash', value: macHash }]),
    event: {
      'cdp.store.WifiObservation': {
        envelope: envelope(eventId, at, 'store-gateway'), storeId, apMac: '00:18:0a:01:00:01', clientMacHash: macHash, randomizedMac: randomized, rssi, ssid: null,
        manufacturer: null, os: null, lat: null, lng: null, uncertaintyMeters: null, floorplanId: null, emailHash: null, phoneHash: null, loginHash: null,
      },
    },
  };
}

export const storeSale = (person: string, eventId: string, at: number, storeId: string, lines: [sku: string, quantity: number, unitMinor: number][], loyaltyCard: string) =>
  receipt(`pos:${storeId}:${eventId}`, at, storeId, 'SALE', lines, person, loyaltyCard);

export const storeReturn = (person: string, eventId: string, at: number, storeId: string, lines: [sku: string, quantity: number, unitMinor: number][], loyaltyCard: string) =>
  receipt(`pos:${storeId}:${eventId}`, at, storeId, 'RETURN', lines, person, loyaltyCard);

/** The event id of an enriched event, whatever its family. */
export const eventIdOf = (e: CdpEnrichment.EnrichedEvent): string => Object.values(e.event)[0]!.envelope.eventId;
