import type { CdpEnrichment, CdpIdentity, CdpReference, CdpStore, CdpWeb, IncomingRecord } from '@cdp/plumbing';
import { enrichEvent, type Enrichments } from './enrich';
import { localTimeOf } from './local-time';
import { processEnrichment } from './process';
import { Catalogue, skusOf } from './products';
import { StoreDirectory } from './store-directory';

const envelope = { eventId: 'e1', eventTime: Date.UTC(2026, 0, 15, 10, 0), receivedTime: 1, source: 's', tenant: 't', schemaVersion: 1 };
const context = { ip: null, userAgent: null, locale: null, timezone: null, libraryName: null, libraryVersion: null, pageUrl: null, pagePath: null, pageReferrer: null, pageTitle: null, pageSearch: null, campaignName: null, campaignSource: null, campaignMedium: null, campaignTerm: null, campaignContent: null, appName: null, appVersion: null, deviceId: null, deviceType: null, osName: null, osVersion: null, consent: null, extra: null };
const track = (properties: object, ctx: Partial<CdpWeb.SegmentEvent['context']> = {}): CdpWeb.SegmentEvent => ({
  envelope, type: 'TRACK', channel: 'WEB', anonymousId: 'a', userId: null, event: 'Order Completed', name: null, category: null, previousId: null, groupId: null,
  properties: JSON.stringify(properties), traits: null, integrations: null, sentAt: null, originalTimestamp: null, context: { ...context, ...ctx },
});
const pos = (skus: string[], storeId = 'HEL-1'): CdpStore.PosTransaction => ({
  envelope, storeId, receiptId: 'R', registerId: null, kind: 'SALE', loyaltyCard: null, customerId: null, consent: null, currency: 'EUR', totalMinor: 100, paymentMethod: null,
  lines: skus.map((sku, i) => ({ lineNumber: i + 1, sku, quantity: 1, unitPriceMinor: 50, discountMinor: 0, totalMinor: 50 })),
});
const beacon = (minor: number, storeId: string | null = null): CdpStore.BeaconSighting => ({
  envelope, storeId, appInstallId: 'app-1', userId: null, beaconUuid: 'F7826DA6-4FA2-4E98-8024-BC5B71E0893E', major: 1, minor, rssi: -60, proximity: 'NEAR', accuracyMeters: null, apMac: null, clientMacHash: null, randomizedMac: false,
});
const wifi = (apMac: string): CdpStore.WifiObservation => ({
  envelope, storeId: null, apMac, clientMacHash: 'm', randomizedMac: true, rssi: -70, ssid: null, manufacturer: null, os: null, lat: null, lng: null, uncertaintyMeters: null, floorplanId: null, emailHash: null, phoneHash: null, loginHash: null,
});
const count = (sensorId: string): CdpStore.PeopleCount => ({ envelope, storeId: 'HEL-1', sensorId, zoneId: null, kind: 'LINE_CROSSING', periodSeconds: 60, countIn: 3, countOut: 1, occupancy: null, queueLength: null });

const lineage = { sourceName: 'file', sourceVersion: 'v1', loadedAt: 1 };
const product = (sku: string, priceMinor: number, tenant = 't'): CdpReference.Product => ({ tenant, sku, name: `Name ${sku}`, category: 'Shoes > Outdoor', categoryPath: ['Shoes', 'Outdoor'], brand: 'Kuura', priceMinor, currency: 'EUR', marginRate: 0.4, ...lineage });
const store: CdpReference.Store = {
  tenant: 't', storeId: 'HEL-1', name: 'Helsinki centre', city: 'Helsinki', postalCode: '00100', countryCode: 'FI', latitude: 60.17, longitude: 24.94, timeZone: 'Europe/Helsinki', openingHours: [],
  zones: [{ zoneId: 'entrance', name: 'Entrance', kind: 'entrance' }, { zoneId: 'shoes', name: 'Shoes', kind: 'sales_floor' }],
  beacons: [{ uuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', major: 1, minor: 1, zoneId: 'shoes' }],
  accessPoints: [{ mac: '00:18:0a:01:00:01', zoneId: 'entrance' }],
  sensors: [{ sensorId: 'door-1', entrance: 'main', zoneId: 'entrance' }],
  ...lineage,
};

const fakeDevice: CdpEnrichment.DeviceInfo = { browserName: 'Safari', browserVersion: '18', osName: 'iOS', osVersion: '18', deviceType: 'mobile', isBot: false, source: 'ua 1' };
function enrichments(over: Partial<Enrichments> = {}): Enrichments {
  const catalogue = new Catalogue();
  catalogue.upsert(product('SKU-1', 12990));
  const stores = new StoreDirectory();
  stores.upsert(store);
  return {
    catalogue, stores,
    parseUserAgent: (ua) => (ua ? fakeDevice : null),
    lookupGeo: (ip) => (ip === '81.0.0.0' ? { countryCode: 'FI', region: 'Uusimaa', city: 'Helsinki', source: 'geo 1' } : null),
    classifyCampaign: ({ pageUrl }) => (pageUrl ? { campaignSource: null, campaignMedium: null, campaignName: null, campaignTerm: null, campaignContent: null, clickIdType: null, clickId: null, referrerHost: null, medium: 'direct', source: 'rules 1' } : null),
    ...over,
  };
}
const resolved = (event: CdpIdentity.ResolvedEvent['event']): CdpIdentity.ResolvedEvent => ({ personId: 'p1', identifiers: [{ type: 'anonymous_id', value: 'a' }], event });

describe('enrichment', () => {
  it('adds catalogue data for known skus of the event\'s tenant and marks the catalogue missing for the rest', () => {
    const e = enrichments();
    e.catalogue.upsert(product('SKU-2', 500, 'other-tenant'));
    const { enriched, missing } = enrichEvent(resolved({ 'cdp.store.PosTransaction': pos(['SKU-1', 'SKU-2']) }), e);
    expect(enriched.products.map((p) => [p.sku, p.found, p.priceMinor, p.source, p.marginRate])).toEqual([['SKU-1', true, 12990, 'file@v1', 0.4], ['SKU-2', false, null, null, null]]);
    expect(missing).toEqual(['catalogue']);
    expect(enriched.missing).toEqual(['catalogue']);
    expect(enriched.store).toMatchObject({ storeId: 'HEL-1', found: true, storeName: 'Helsinki centre', zoneId: null, source: 'file@v1' });
  });

  it('gives web events device, geo and campaign, and names a public address the database cannot place', () => {
    const { enriched, missing } = enrichEvent(resolved({ 'cdp.web.SegmentEvent': track({}, { userAgent: 'x', ip: '81.0.0.0', pageUrl: 'https://shop.example/' }) }), enrichments());
    expect(enriched.device).toEqual(fakeDevice);
    expect(enriched.geo?.countryCode).toBe('FI');
    expect(enriched.campaign?.medium).toBe('direct');
    expect(enriched.store).toBeNull();
    expect(missing).toEqual([]);
    expect(enrichEvent(resolved({ 'cdp.web.SegmentEvent': track({}, { ip: '193.0.0.0' }) }), enrichments()).missing).toEqual(['geo']);
    expect(enrichEvent(resolved({ 'cdp.web.SegmentEvent': track({}, { ip: '10.1.2.0' }) }), enrichments()).missing).toEqual([]);
  });

  it('places a beacon, an access point and a people-counting sensor in store and zone, on the store\'s wall clock', () => {
    const e = enrichments();
    const b = enrichEvent(resolved({ 'cdp.store.BeaconSighting': beacon(1) }), e).enriched;
    expect(b.store).toMatchObject({ storeId: 'HEL-1', found: true, zoneId: 'shoes', zoneName: 'Shoes', timeZone: 'Europe/Helsinki' });
    // 10:00 UTC in January is 12:00 in Helsinki (UTC+2).
    expect(b.store!.localTime).toBe(Date.UTC(2026, 0, 15, 12, 0));
    const w = enrichEvent(resolved({ 'cdp.store.WifiObservation': wifi('00-18-0A-01-00-01') }), e).enriched;
    expect(w.store).toMatchObject({ storeId: 'HEL-1', zoneId: 'entrance', found: true });
    const c = enrichEvent({ personId: null, identifiers: [], event: { 'cdp.store.PeopleCount': count('door-1') } }, e).enriched;
    expect(c.store).toMatchObject({ storeId: 'HEL-1', entrance: 'main', zoneId: 'entrance', found: true });
  });

  it('keeps an unknown beacon, access point or sensor with the store id the event carried, marked missing, on the store clock when the store is known', () => {
    const e = enrichments();
    const unknown = enrichEvent(resolved({ 'cdp.store.BeaconSighting': beacon(8, 'HEL-1') }), e);
    expect(unknown.enriched.store).toMatchObject({ storeId: 'HEL-1', found: false, zoneId: null, timeZone: 'Europe/Helsinki' });
    expect(unknown.enriched.store!.localTime).toBe(localTimeOf(unknown.enriched.event['cdp.store.BeaconSighting']!.envelope.eventTime, 'Europe/Helsinki'));
    const elsewhere = enrichEvent(resolved({ 'cdp.store.BeaconSighting': beacon(8, 'XYZ-9') }), e);
    expect(elsewhere.enriched.store).toMatchObject({ storeId: 'XYZ-9', found: false, localTime: null });
    expect(unknown.missing).toEqual(['store_directory']);
    const nowhere = enrichEvent(resolved({ 'cdp.store.WifiObservation': wifi('aa:bb:cc:dd:ee:ff') }), e);
    expect(nowhere.enriched.store).toBeNull();
    expect(nowhere.missing).toEqual(['store_directory']);
    expect(enrichEvent({ personId: null, identifiers: [], event: { 'cdp.store.PeopleCount': count('door-9') } }, e).missing).toEqual(['store_directory']);
  });

  it('applies a store update whole and a tombstone', () => {
    const e = enrichments();
    e.stores.upsert({ ...store, beacons: [{ uuid: store.beacons[0]!.uuid, major: 1, minor: 2, zoneId: 'entrance' }] });
    expect(enrichEvent(resolved({ 'cdp.store.BeaconSighting': beacon(1) }), e).enriched.store).toBeNull();
    expect(enrichEvent(resolved({ 'cdp.store.BeaconSighting': beacon(2) }), e).enriched.store?.zoneId).toBe('entrance');
    e.stores.remove('t|HEL-1');
    expect(e.stores.size).toEqual({ stores: 0, beacons: 0, accessPoints: 0, sensors: 0 });
  });

  it('applies a catalogue update and a tombstone', () => {
    const c = new Catalogue();
    c.upsert(product('X', 100));
    c.upsert(product('X', 200));
    expect(c.lookup('t', 'X').priceMinor).toBe(200);
    c.remove('t|X');
    expect(c.lookup('t', 'X').found).toBe(false);
  });

  it('finds skus in Segment e-commerce properties', () => {
    expect(skusOf({ 'cdp.web.SegmentEvent': track({ products: [{ product_id: 'A' }, { sku: 'B' }, { sku: 'A' }] }) })).toEqual(['A', 'B']);
    expect(skusOf({ 'cdp.web.SegmentEvent': track({ sku: 'C', price: 1 }) })).toEqual(['C']);
    expect(skusOf({ 'cdp.web.SegmentEvent': track({ path: '/' }) })).toEqual([]);
  });

  it('turns a step that throws into a dead letter naming the step, and one that misses data into a count', () => {
    const seen: string[] = [];
    const topics = { peopleCounts: 'store.people-counts.v1', enriched: { name: 'enriched' } as never };
    const record = { topic: 'identity.resolved-events.v1' } as IncomingRecord;
    const failing = processEnrichment(enrichments({ lookupGeo: () => { throw new Error('database closed'); } }), topics, (d) => seen.push(d));
    expect(failing(resolved({ 'cdp.web.SegmentEvent': track({}, { ip: '81.0.0.0' }) }), record)).toEqual({ kind: 'rejected', rejection: { code: 'enrichment.geo_failed', step: 'geo', message: 'geo enrichment failed: database closed' } });
    const working = processEnrichment(enrichments(), topics, (d) => seen.push(d));
    const out = working(count('door-9'), { topic: 'store.people-counts.v1' } as IncomingRecord);
    expect(out.kind).toBe('ok');
    expect(out.kind === 'ok' && out.value[0]!.key).toBe('e1');
    expect(seen).toEqual(['store_directory']);
  });

  it('reads local time across a daylight-saving switch', () => {
    // Helsinki goes from UTC+2 to UTC+3 at 01:00 UTC on the last Sunday of March (2026-03-29).
    expect(localTimeOf(Date.UTC(2026, 2, 29, 0, 59), 'Europe/Helsinki')).toBe(Date.UTC(2026, 2, 29, 2, 59));
    expect(localTimeOf(Date.UTC(2026, 2, 29, 1, 0), 'Europe/Helsinki')).toBe(Date.UTC(2026, 2, 29, 4, 0));
    expect(localTimeOf(Date.UTC(2026, 6, 1, 12, 0), 'America/New_York')).toBe(Date.UTC(2026, 6, 1, 8, 0));
    expect(() => localTimeOf(0, 'Mars/Olympus')).toThrow();
  });
});
