/**
 * A small shop over two days, as aggregation receives it: enriched events (web, app, store
 * sensors and tills), identity records (assignments, a merge, a refused link, their history) and reference
 * records. Used by the docs test (straight into ClickHouse through the row functions) and the
 * views test (through Kafka and the running sink).
 */
import {
  DEVELOPMENT_SALT,
  hashEmail,
  hashMac,
  rowPersonIdOf,
  type CdpAggregation,
  type CdpEnrichment,
  type CdpIdentity,
  type CdpReference,
  type CdpWeb,
} from '@cdp/plumbing';
import { localTimeOf } from '../../enrichment/src/core/local-time';
import { conflictRow, demographicsRefRow, enrichedRow, historyRow, identityRow, overrideRow, partnerSegmentRefRow, productRefRow, storeRefRow } from '../src/core/rows';
import { assignSessions, Sessionizer } from '../src/core/sessions';
import { signalRow } from '../src/core/signal-rows';
import { signalIdOf } from '../src/core/signals';

// The fixture: two days of a small shop, two stores, a merge and a refused link

export const TENANT = 'demo';
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/**
 * 08:00 UTC two days ago (10:00 or 11:00 in Helsinki): inside every "last 7 days" of the examples,
 * and the store events a day later fall in opening hours, whatever time the test runs.
 */
export const T0 = Math.floor((Date.now() - 2 * DAY) / DAY) * DAY + 8 * HOUR;
export const LOADED = T0 - DAY;
export const CATALOGUE = { sourceName: 'catalogue.csv', sourceVersion: 'ac3a52e2c68c', loadedAt: LOADED };
export const STORE_DIRECTORY = { sourceName: 'stores.json', sourceVersion: '1bc398f96275', loadedAt: LOADED };
export const SEGMENTS = { sourceName: 'upload:nordic-loyalty', sourceVersion: '5e6d0a41b2c9', loadedAt: LOADED };
export const DEMOGRAPHICS = { sourceName: 'demographics.csv', sourceVersion: 'e14e21eccb30', loadedAt: LOADED };
export const ZONE = 'Europe/Helsinki';

export const ANNA_EMAIL = hashEmail(DEVELOPMENT_SALT, 'anna@example.com');
export const BEN_EMAIL = hashEmail(DEVELOPMENT_SALT, 'ben@example.com');
export const ANNA_PHONE_MAC = hashMac(DEVELOPMENT_SALT, 'a4:83:e7:12:34:56');

export const PRODUCTS: CdpReference.Product[] = [
  { sku: 'SKU-1001', name: 'Fell running shoe', categoryPath: ['Shoes', 'Running'], brand: 'Kuura', priceMinor: 12990, marginRate: 0.38 },
  { sku: 'SKU-1002', name: 'Summit running shoe', categoryPath: ['Shoes', 'Running'], brand: 'Polku', priceMinor: 11990, marginRate: 0.41 },
  { sku: 'SKU-2001', name: 'Merino socks', categoryPath: ['Clothing', 'Socks'], brand: 'Kuura', priceMinor: 995, marginRate: 0.55 },
  { sku: 'SKU-3001', name: 'Trail headlamp', categoryPath: ['Equipment', 'Lights'], brand: 'Valo', priceMinor: 5990, marginRate: 0.3 },
].map((p) => ({ tenant: TENANT, ...p, category: p.categoryPath.join(' > '), currency: 'EUR', ...CATALOGUE }));

export const STORES: CdpReference.Store[] = [
  {
    tenant: TENANT, storeId: 'HEL-1', name: 'Helsinki Kamppi', city: 'Helsinki', postalCode: '00100', countryCode: 'FI', latitude: 60.1689, longitude: 24.9326, timeZone: ZONE,
    openingHours: [1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, opens: '09:00', closes: '21:00' })),
    zones: [
      { zoneId: 'entrance', name: 'Entrance', kind: 'entrance' },
      { zoneId: 'footwear', name: 'Footwear', kind: 'sales_floor' },
      { zoneId: 'checkout', name: 'Checkout', kind: 'checkout' },
    ],
    beacons: [
      { uuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', major: 1, minor: 1, zoneId: 'entrance' },
      { uuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', major: 1, minor: 2, zoneId: 'footwear' },
    ],
    accessPoints: [
      { mac: '00:18:0a:01:00:01', zoneId: 'entrance' },
      { mac: '00:18:0a:01:00:02', zoneId: 'footwear' },
    ],
    sensors: [
      { sensorId: 'HEL-1-door-1', entrance: 'main', zoneId: 'entrance' },
      { sensorId: 'HEL-1-queue-1', entrance: null, zoneId: 'checkout' },
    ],
    ...STORE_DIRECTORY,
  },
  {
    tenant: TENANT, storeId: 'ESP-2', name: 'Espoo Tapiola', city: 'Espoo', postalCode: '02100', countryCode: 'FI', latitude: 60.1756, longitude: 24.805, timeZone: ZONE,
    openingHours: [1, 2, 3, 4, 5, 6, 7].map((dayOfWeek) => ({ dayOfWeek, opens: '10:00', closes: dayOfWeek === 7 ? '18:00' : '20:00' })),
    zones: [{ zoneId: 'footwear', name: 'Footwear', kind: 'sales_floor' }],
    beacons: [],
    accessPoints: [],
    sensors: [{ sensorId: 'ESP-2-zone-1', entrance: null, zoneId: 'footwear' }],
    ...STORE_DIRECTORY,
  },
];

export const envelope = (eventId: string, at: number, source: string): CdpWeb.SegmentEvent['envelope'] => ({ eventId, eventTime: at, receivedTime: at + 400, source, tenant: TENANT, schemaVersion: 1 });

export const context = (over: Partial<CdpWeb.SegmentContext>): CdpWeb.SegmentContext => ({
  ip: null, userAgent: null, locale: 'fi-FI', timezone: ZONE, libraryName: 'analytics.js', libraryVersion: '5.2.0', pageUrl: null, pagePath: null, pageReferrer: null, pageTitle: null, pageSearch: null,
  campaignName: null, campaignSource: null, campaignMedium: null, campaignTerm: null, campaignContent: null, appName: null, appVersion: null, deviceId: null, deviceType: null, osName: null, osVersion: null, consent: null, extra: null,
  ...over,
});

export const productInfo = (sku: string): CdpEnrichment.ProductInfo => {
  const p = PRODUCTS.find((x) => x.sku === sku);
  return p
    ? { sku, found: true, name: p.name, category: p.category, brand: p.brand, priceMinor: p.priceMinor, source: `${CATALOGUE.sourceName}@${CATALOGUE.sourceVersion}`, categoryPath: p.categoryPath, marginRate: p.marginRate }
    : { sku, found: false, name: null, category: null, brand: null, priceMinor: null, source: null, categoryPath: [], marginRate: null };
};

export const device = (browserName: string | null, osName: string, deviceType: string, isBot = false): CdpEnrichment.DeviceInfo => ({ browserName, browserVersion: null, osName, osVersion: null, deviceType, isBot, source: 'bowser 2.15.0, isbot 5.2.3' });
export const geo = (countryCode: string, region: string, city: string): CdpEnrichment.GeoInfo => ({ countryCode, region, city, source: 'dbip-city-lite 2026-06' });
export const campaign = (medium: string, over: Partial<CdpEnrichment.CampaignInfo> = {}): CdpEnrichment.CampaignInfo => ({
  campaignSource: null, campaignMedium: null, campaignName: null, campaignTerm: null, campaignContent: null, clickIdType: null, clickId: null, referrerHost: null, medium, source: 'cdp-campaign-rules 1', ...over,
});

/** Who is browsing: the person identity resolved, the client's ids and what enrichment found. */
export interface Visitor {
  person: string;
  anonymousId: string;
  userId: string | null;
  channel: 'WEB' | 'APP';
  deviceId?: string;
  device: CdpEnrichment.DeviceInfo;
  geo: CdpEnrichment.GeoInfo | null;
  campaign: CdpEnrichment.CampaignInfo | null;
}

export function segment(
  v: Visitor,
  eventId: string,
  at: number,
  e: { type: CdpWeb.SegmentEvent['type']; event?: string; name?: string; properties?: object; traits?: object; pagePath?: string; pageUrl?: string; referrer?: string; userId?: string },
): CdpEnrichment.EnrichedEvent {
  const userId = e.userId ?? v.userId;
  const props = (e.properties ?? {}) as { sku?: string; products?: { sku: string }[] };
  const skus = [...(props.products ?? []).map((p) => p.sku), ...(props.sku ? [props.sku] : [])];
  const traits = e.traits as { emailHash?: string } | undefined;
  return {
    personId: v.person,
    identifiers: [
      { type: 'anonymous_id', value: v.anonymousId },
      ...(userId ? [{ type: 'user_id', value: userId }] : []),
      ...(v.deviceId ? [{ type: 'device_id', value: v.deviceId }] : []),
      ...(traits?.emailHash ? [{ type: 'email_hash', value: traits.emailHash }] : []),
    ],
    event: {
      'cdp.web.SegmentEvent': {
        envelope: envelope(eventId, at, v.channel === 'WEB' ? 'web-shop' : 'mobile-app'),
        type: e.type, channel: v.channel, anonymousId: v.anonymousId, userId, event: e.event ?? null, name: e.name ?? null, category: null, previousId: null, groupId: null,
        properties: e.properties ? JSON.stringify(e.properties) : null, traits: e.traits ? JSON.stringify(e.traits) : null, integrations: null, sentAt: at, originalTimestamp: at,
        context: context({ pagePath: e.pagePath ?? null, pageUrl: e.pageUrl ?? null, pageReferrer: e.referrer ?? null, deviceId: v.deviceId ?? null }),
      },
    },
    device: v.device,
    products: skus.map(productInfo),
    geo: v.geo,
    campaign: v.campaign,
    store: null,
    missing: [...(v.geo ? [] : ['geo']), ...(skus.some((s) => !productInfo(s).found) ? ['catalogue'] : [])],
  };
}

export const order = (orderId: string, lines: [sku: string, quantity: number, price: number][]) => ({
  order_id: orderId,
  total: Math.round(lines.reduce((sum, [, q, p]) => sum + q * p, 0) * 100) / 100,
  currency: 'eur',
  products: lines.map(([sku, quantity, price]) => ({ sku, quantity, price })),
});

/** The store directory's answer for a store event at `at`: placed (zone, wall clock) or not. */
export function storeInfo(storeId: string, at: number, placed: { zoneId: string | null; entrance?: string } | null): CdpEnrichment.StoreInfo {
  const s = STORES.find((x) => x.storeId === storeId);
  if (!s) return { storeId, found: false, storeName: null, city: null, postalCode: null, timeZone: null, zoneId: null, zoneName: null, entrance: null, localTime: null, source: null };
  // A device the directory does not list, in a store it does: unplaced, on the store's clock.
  if (!placed) return { storeId, found: false, storeName: s.name, city: s.city, postalCode: s.postalCode, timeZone: s.timeZone, zoneId: null, zoneName: null, entrance: null, localTime: localTimeOf(at, s.timeZone), source: `${STORE_DIRECTORY.sourceName}@${STORE_DIRECTORY.sourceVersion}` };
  return {
    storeId, found: true, storeName: s.name, city: s.city, postalCode: s.postalCode, timeZone: s.timeZone, zoneId: placed.zoneId, zoneName: s.zones.find((z) => z.zoneId === placed.zoneId)?.name ?? null,
    entrance: placed.entrance ?? null, localTime: localTimeOf(at, s.timeZone), source: `${STORE_DIRECTORY.sourceName}@${STORE_DIRECTORY.sourceVersion}`,
  };
}

export const storeEvent = (store: CdpEnrichment.StoreInfo, person: string | null, identifiers: CdpIdentity.Identifier[], products: CdpEnrichment.ProductInfo[] = []) => ({
  personId: person, identifiers, device: null, products, geo: null, campaign: null, store,
  missing: [...(store.found ? [] : ['store_directory']), ...(products.some((p) => !p.found) ? ['catalogue'] : [])],
});

export function receipt(eventId: string, at: number, storeId: string, kind: 'SALE' | 'RETURN', lines: [sku: string, quantity: number, unitMinor: number][], person: string | null, loyaltyCard: string | null): CdpEnrichment.EnrichedEvent {
  const posLines = lines.map(([sku, quantity, unitPriceMinor], i) => ({ lineNumber: i + 1, sku, quantity, unitPriceMinor, discountMinor: 0, totalMinor: quantity * unitPriceMinor }));
  return {
    ...storeEvent(storeInfo(storeId, at, { zoneId: 'checkout' }), person, loyaltyCard ? [{ type: 'loyalty_card', value: loyaltyCard }] : [], lines.map(([sku]) => productInfo(sku))),
    event: {
      'cdp.store.PosTransaction': {
        envelope: envelope(eventId, at, 'store-gateway'), storeId, receiptId: eventId.split(':').at(-1)!, registerId: '3', kind, loyaltyCard, customerId: null, consent: null, currency: 'EUR',
        totalMinor: posLines.reduce((sum, l) => sum + l.totalMinor, 0), paymentMethod: 'card', lines: posLines,
      },
    },
  };
}

export function beaconSighting(eventId: string, at: number, storeId: string, zoneId: string | null, person: string, appInstallId: string, userId: string): CdpEnrichment.EnrichedEvent {
  return {
    ...storeEvent(storeInfo(storeId, at, zoneId ? { zoneId } : null), person, [{ type: 'anonymous_id', value: appInstallId }, { type: 'user_id', value: userId }]),
    event: {
      'cdp.store.BeaconSighting': {
        envelope: envelope(eventId, at, 'store-gateway'), storeId, appInstallId, userId, beaconUuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', major: 1, minor: 2, rssi: -64,
        proximity: 'NEAR', accuracyMeters: 1.8, apMac: null, clientMacHash: null, randomizedMac: false,
      },
    },
  };
}

export function wifi(eventId: string, at: number, storeId: string, apMac: string, client: { macHash: string; randomized: boolean; person: string | null }, rssi = -58): CdpEnrichment.EnrichedEvent {
  const zoneId = STORES.find((s) => s.storeId === storeId)?.accessPoints.find((a) => a.mac === apMac)?.zoneId;
  return {
    ...storeEvent(storeInfo(storeId, at, zoneId ? { zoneId } : null), client.person, client.randomized ? [] : [{ type: 'wifi_mac_hash', value: client.macHash }]),
    event: {
      'cdp.store.WifiObservation': {
        envelope: envelope(eventId, at, 'store-gateway'), storeId, apMac, clientMacHash: client.macHash, randomizedMac: client.randomized, rssi, ssid: client.randomized ? null : 'Shop-Guest',
        manufacturer: 'Apple', os: null, lat: null, lng: null, uncertaintyMeters: null, floorplanId: null, emailHash: null, phoneHash: null, loginHash: null,
      },
    },
  };
}

/** A device seen once a minute, at the access points given per minute (the last one repeats). */
export function wifiMinutes(idPrefix: string, from: number, minutes: number, storeId: string, apMacs: string[], client: { macHash: string; randomized: boolean; person: string | null }, rssi: number): CdpEnrichment.EnrichedEvent[] {
  return Array.from({ length: minutes }, (_, i) => wifi(`${idPrefix}-${i}`, from + i * MINUTE + 5_000, storeId, apMacs[Math.min(i, apMacs.length - 1)]!, client, rssi));
}

export function peopleCount(eventId: string, at: number, storeId: string, sensorId: string, reading: { kind: 'LINE_CROSSING' | 'ZONE_OCCUPANCY' | 'QUEUE_LENGTH'; periodSeconds: number; countIn?: number; countOut?: number; occupancy?: number; queueLength?: number }): CdpEnrichment.EnrichedEvent {
  const sensor = STORES.find((s) => s.storeId === storeId)?.sensors.find((x) => x.sensorId === sensorId);
  return {
    ...storeEvent(storeInfo(storeId, at, sensor ? { zoneId: sensor.zoneId, ...(sensor.entrance ? { entrance: sensor.entrance } : {}) } : null), null, []),
    event: {
      'cdp.store.PeopleCount': {
        envelope: envelope(eventId, at, 'store-gateway'), storeId, sensorId, zoneId: sensor?.zoneId ?? null, kind: reading.kind, periodSeconds: reading.periodSeconds,
        countIn: reading.countIn ?? null, countOut: reading.countOut ?? null, occupancy: reading.occupancy ?? null, queueLength: reading.queueLength ?? null,
      },
    },
  };
}

export const anna: Visitor = { person: 'p_anna', anonymousId: 'anon-anna', userId: null, channel: 'WEB', device: device('Chrome', 'Windows', 'desktop'), geo: geo('FI', 'Uusimaa', 'Helsinki'), campaign: campaign('email', { campaignSource: 'newsletter', campaignMedium: 'email', campaignName: 'winter-sale' }) };
// Anna's phone app started as a person of its own; her login in the app merged it into p_anna.
export const annaApp: Visitor = { person: 'p_anna_app', anonymousId: 'app-install-anna', userId: null, channel: 'APP', deviceId: 'dev-anna', device: device(null, 'iOS', 'mobile'), geo: geo('FI', 'Uusimaa', 'Helsinki'), campaign: null };
export const ben: Visitor = {
  person: 'p_ben', anonymousId: 'anon-ben', userId: null, channel: 'WEB', device: device('Safari', 'iOS', 'mobile'), geo: geo('SE', 'Stockholm', 'Stockholm'),
  campaign: campaign('paid', { campaignSource: 'google', campaignMedium: 'cpc', campaignName: 'spring-running', clickIdType: 'gclid', clickId: 'Cj0KCQ-1', referrerHost: 'google.com' }),
};
// An IP the geo database does not know: the events go on without geo.
export const carl: Visitor = { person: 'p_carl', anonymousId: 'anon-carl', userId: null, channel: 'WEB', device: device('Firefox', 'Linux', 'desktop'), geo: null, campaign: campaign('social', { campaignSource: 'instagram', referrerHost: 'instagram.com' }) };
export const crawler: Visitor = { person: 'p_crawler', anonymousId: 'crawler-1', userId: null, channel: 'WEB', device: device('Googlebot', 'Linux', 'bot', true), geo: geo('US', 'California', 'Mountain View'), campaign: campaign('direct') };

export const ENRICHED: CdpEnrichment.EnrichedEvent[] = [
  segment(anna, 'web-a1', T0, { type: 'PAGE', name: '/', pagePath: '/', properties: { load_time_ms: 1250 }, pageUrl: 'https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=winter-sale' }),
  segment({ ...anna, campaign: campaign('internal', { referrerHost: 'shop.example' }) }, 'web-a2', T0 + 2 * MINUTE, { type: 'PAGE', name: '/c/shoes', pagePath: '/c/shoes', pageUrl: 'https://shop.example/c/shoes', referrer: 'https://shop.example/' }),
  segment(anna, 'web-a3', T0 + 3 * MINUTE, { type: 'TRACK', event: 'Product Viewed', properties: { sku: 'SKU-1001', name: 'Fell running shoe', price: 129.9 } }),
  segment(anna, 'web-a4', T0 + 4 * MINUTE, { type: 'IDENTIFY', userId: 'user-anna', traits: { emailHash: ANNA_EMAIL, address: { postalCode: '00100', country: 'FI' } } }),
  segment({ ...anna, userId: 'user-anna' }, 'web-a5', T0 + 6 * MINUTE, { type: 'TRACK', event: 'Order Completed', properties: order('O-1001', [['SKU-1001', 1, 129.9], ['SKU-2001', 2, 9.95]]) }),
  segment(ben, 'web-b1', T0 + 10 * MINUTE, { type: 'PAGE', name: '/c/shoes', pagePath: '/c/shoes', pageUrl: 'https://shop.example/c/shoes?gclid=Cj0KCQ-1', referrer: 'https://www.google.com/' }),
  segment(ben, 'web-b1s', T0 + 10 * MINUTE + 30_000, { type: 'TRACK', event: 'Products Searched', properties: { query: 'running shoes', results: 14 } }),
  segment(ben, 'web-b2', T0 + 11 * MINUTE, { type: 'TRACK', event: 'Product Viewed', properties: { sku: 'SKU-1002', name: 'Summit running shoe', price: 119.9 } }),
  segment(ben, 'web-b3', T0 + 12 * MINUTE, { type: 'IDENTIFY', userId: 'user-ben', traits: { emailHash: BEN_EMAIL, address: { postalCode: '02100' } } }),
  segment({ ...ben, userId: 'user-ben' }, 'web-b4', T0 + 15 * MINUTE, { type: 'TRACK', event: 'Order Completed', properties: order('O-1003', [['SKU-1002', 2, 119.9]]) }),
  segment(crawler, 'web-x1', T0 + 20 * MINUTE, { type: 'PAGE', name: '/', pagePath: '/', pageUrl: 'https://shop.example/' }),
  segment(carl, 'web-c1', T0 + 30 * MINUTE, { type: 'PAGE', name: '/c/clothing', pagePath: '/c/clothing', pageUrl: 'https://shop.example/c/clothing', referrer: 'https://instagram.com/' }),
  segment(carl, 'web-c2', T0 + 32 * MINUTE, { type: 'IDENTIFY', userId: 'user-carl', traits: { address: { postalCode: '99999' } } }),
  // Carl searches, finds nothing, carts socks and leaves at the checkout.
  segment(carl, 'web-c3', T0 + 33 * MINUTE, { type: 'TRACK', event: 'Products Searched', properties: { query: 'Trail  Shoes ', results: 0 } }),
  segment(carl, 'web-c4', T0 + 34 * MINUTE, { type: 'TRACK', event: 'Product Added', properties: { sku: 'SKU-2001', name: 'Merino socks', price: 9.95, quantity: 1 } }),
  segment(carl, 'web-c5', T0 + 35 * MINUTE, { type: 'TRACK', event: 'Checkout Started', properties: { value: 9.95, currency: 'EUR' } }),
  segment(annaApp, 'app-a1', T0 + DAY, { type: 'SCREEN', name: 'Home' }),
  segment(annaApp, 'app-a2', T0 + DAY + 5 * MINUTE, { type: 'TRACK', event: 'Order Completed', properties: order('O-1002', [['SKU-3001', 1, 59.9]]) }),
  segment({ ...annaApp, person: 'p_anna' }, 'app-a3', T0 + DAY + 6 * MINUTE, { type: 'IDENTIFY', userId: 'user-anna' }),
  beaconSighting('beacon-a1', T0 + DAY + 3 * HOUR, 'HEL-1', 'footwear', 'p_anna', 'app-install-anna', 'user-anna'),
  receipt('pos:HEL-1:R-1001', T0 + DAY + 3 * HOUR + 20 * MINUTE, 'HEL-1', 'SALE', [['SKU-1001', 1, 12990]], 'p_anna', 'LC-1001'),
  receipt('pos:HEL-1:R-1002', T0 + DAY + 4 * HOUR, 'HEL-1', 'RETURN', [['SKU-2001', 2, 995]], null, null),
  receipt('pos:ESP-2:R-2001', T0 + DAY + 5 * HOUR, 'ESP-2', 'SALE', [['SKU-1002', 1, 11990], ['SKU-9999', 1, 1500]], null, null),
  // A store the directory does not list yet: no zone, no local time.
  beaconSighting('beacon-b1', T0 + DAY + 6 * HOUR, 'TKU-9', null, 'p_ben', 'app-install-ben', 'user-ben'),
  wifi('wifi-1', T0 + DAY + 2 * HOUR + 55 * MINUTE, 'HEL-1', '00:18:0a:01:00:01', { macHash: hashMac(DEVELOPMENT_SALT, '3a:11:22:33:44:55'), randomized: true, person: null }),
  wifi('wifi-2', T0 + DAY + 3 * HOUR + MINUTE, 'HEL-1', '00:18:0a:01:00:02', { macHash: ANNA_PHONE_MAC, randomized: false, person: 'p_anna' }),
  wifi('wifi-3', T0 + DAY + 3 * HOUR + 2 * MINUTE, 'HEL-1', '00:18:0a:01:00:99', { macHash: hashMac(DEVELOPMENT_SALT, '7e:aa:bb:cc:dd:ee'), randomized: true, person: null }),
  // Visits: Anna's phone from the entrance to footwear for 12 minutes (with her app's beacon: one
  // visitor); an anonymous phone (randomised MAC) for 9 minutes at the entrance; a phone passing
  // the window, weak, for 3 minutes; one strong but for 2 minutes only. The last two pass by.
  ...wifiMinutes('wifi-anna', T0 + DAY + 3 * HOUR + 2 * MINUTE, 12, 'HEL-1', ['00:18:0a:01:00:01', '00:18:0a:01:00:01', '00:18:0a:01:00:02'], { macHash: ANNA_PHONE_MAC, randomized: false, person: 'p_anna' }, -61),
  ...wifiMinutes('wifi-anon', T0 + DAY + 2 * HOUR + 56 * MINUTE, 9, 'HEL-1', ['00:18:0a:01:00:01'], { macHash: hashMac(DEVELOPMENT_SALT, '3a:11:22:33:44:55'), randomized: true, person: null }, -64),
  ...wifiMinutes('wifi-window', T0 + DAY + 3 * HOUR + 20 * MINUTE, 3, 'HEL-1', ['00:18:0a:01:00:01'], { macHash: hashMac(DEVELOPMENT_SALT, '5e:01:02:03:04:05'), randomized: true, person: null }, -86),
  ...wifiMinutes('wifi-brief', T0 + DAY + 3 * HOUR + 30 * MINUTE, 2, 'HEL-1', ['00:18:0a:01:00:02'], { macHash: hashMac(DEVELOPMENT_SALT, '6e:01:02:03:04:05'), randomized: true, person: null }, -60),
  peopleCount('count-1', T0 + DAY + 3 * HOUR, 'HEL-1', 'HEL-1-door-1', { kind: 'LINE_CROSSING', periodSeconds: 3600, countIn: 19, countOut: 15 }),
  peopleCount('count-2', T0 + DAY + 4 * HOUR, 'HEL-1', 'HEL-1-door-1', { kind: 'LINE_CROSSING', periodSeconds: 3600, countIn: 7, countOut: 11 }),
  peopleCount('count-3', T0 + DAY + 3 * HOUR + 30 * MINUTE, 'HEL-1', 'HEL-1-queue-1', { kind: 'QUEUE_LENGTH', periodSeconds: 0, queueLength: 4 }),
  peopleCount('count-4', T0 + DAY + 5 * HOUR, 'ESP-2', 'ESP-2-zone-1', { kind: 'ZONE_OCCUPANCY', periodSeconds: 0, occupancy: 12 }),
  peopleCount('count-5', T0 + DAY + 4 * HOUR, 'HEL-1', 'HEL-1-door-9', { kind: 'LINE_CROSSING', periodSeconds: 3600, countIn: 3, countOut: 2 }),
];

export const assignment = (type: string, value: string, personId: string, firstSeen: number): CdpIdentity.IdentifierAssignment => ({ tenant: TENANT, identifier: { type, value }, personId, firstSeen, updatedAt: firstSeen + 500 });
export const ASSIGNMENTS: CdpIdentity.IdentifierAssignment[] = [
  assignment('anonymous_id', 'anon-anna', 'p_anna', T0),
  assignment('user_id', 'user-anna', 'p_anna', T0 + 4 * MINUTE),
  assignment('email_hash', ANNA_EMAIL, 'p_anna', T0 + 4 * MINUTE),
  assignment('anonymous_id', 'app-install-anna', 'p_anna_app', T0 + DAY),
  assignment('device_id', 'dev-anna', 'p_anna_app', T0 + DAY),
  assignment('loyalty_card', 'LC-1001', 'p_anna', T0 + DAY + 3 * HOUR + 20 * MINUTE),
  assignment('wifi_mac_hash', ANNA_PHONE_MAC, 'p_anna', T0 + DAY + 3 * HOUR + MINUTE),
  assignment('anonymous_id', 'anon-ben', 'p_ben', T0 + 10 * MINUTE),
  assignment('user_id', 'user-ben', 'p_ben', T0 + 12 * MINUTE),
  assignment('email_hash', BEN_EMAIL, 'p_ben', T0 + 12 * MINUTE),
  assignment('anonymous_id', 'crawler-1', 'p_crawler', T0 + 20 * MINUTE),
  assignment('anonymous_id', 'anon-carl', 'p_carl', T0 + 30 * MINUTE),
  assignment('user_id', 'user-carl', 'p_carl', T0 + 32 * MINUTE),
  assignment('anonymous_id', 'kiosk-1', 'p_kiosk', T0 + 40 * MINUTE),
];
export const MERGES: CdpIdentity.PersonMerge[] = [
  { tenant: TENANT, fromPersonId: 'p_anna_app', toPersonId: 'p_anna', mergedAt: T0 + DAY + 6 * MINUTE + 300, causeEventId: 'app-a3', link: [{ type: 'user_id', value: 'user-anna' }, { type: 'device_id', value: 'dev-anna' }], viaPersonId: null },
];
/**
 * The merge records the graph writer had published for these events: the sink files an event under
 * its strongest identifier's first person, and identity resolved it to `personId` only because
 * that first person was merged into it. Flat, like the graph's: each points at the survivor
 * through `merges`. One per first person, as of its earliest event.
 */
export function graphMergesOf(events: readonly CdpEnrichment.EnrichedEvent[], merges: readonly CdpIdentity.PersonMerge[] = []): CdpIdentity.PersonMerge[] {
  const out = new Map<string, CdpIdentity.PersonMerge>();
  for (const e of events) {
    if (!e.personId || e.identifiers.length === 0) continue;
    const envelope = Object.values(e.event)[0]!.envelope;
    const from = rowPersonIdOf(envelope.tenant, e.identifiers);
    const to = merges.find((m) => m.tenant === envelope.tenant && m.fromPersonId === e.personId)?.toPersonId ?? e.personId;
    const key = `${envelope.tenant}|${from}`;
    if (from === to || (out.has(key) && out.get(key)!.mergedAt <= envelope.eventTime)) continue;
    out.set(key, { tenant: envelope.tenant, fromPersonId: from, toPersonId: to, mergedAt: envelope.eventTime, causeEventId: envelope.eventId, link: e.identifiers.map(({ type, value }) => ({ type, value })), viaPersonId: null });
  }
  return [...out.values()];
}

// Ben logged in on a shop kiosk that already belonged to another person: refused, and detected
// again later (a second copy of the same conflict id, which FINAL collapses).
export const conflict = (eventId: string, detectedAt: number): CdpIdentity.IdentityConflict => ({
  tenant: TENANT, conflictId: 'c-3f9a', rule: 'identity.limit_exceeded', reason: 'user_id: p_kiosk has 1 and p_ben has 1, at most 1 per person', eventId, eventTime: detectedAt - 300,
  identifiers: [{ type: 'anonymous_id', value: 'kiosk-1' }, { type: 'user_id', value: 'user-ben' }], refused: { type: 'user_id', value: 'user-ben' }, personId: 'p_kiosk', otherPersonId: 'p_ben', detectedAt,
});


/** The identity history of Anna's web login, her app, the app login that merged them, and Ben's refused kiosk login. */
const id = (type: string, value: string): CdpIdentity.Identifier => ({ type, value });
const entry = (entryId: string, eventId: string, eventTime: number, identifiers: CdpIdentity.Identifier[], personId: string, over: Partial<CdpIdentity.IdentityHistoryEntry>): CdpIdentity.IdentityHistoryEntry => ({
  tenant: TENANT, entryId, eventId, eventTime, appliedAt: eventTime + 400, identifiers, personId, firstSeen: [], joins: [], refusals: [], ...over, split: over.split ?? null,
});
export const HISTORY: CdpIdentity.IdentityHistoryEntry[] = [
  entry('h-web-a1', 'web-a1', T0, [id('anonymous_id', 'anon-anna')], 'p_anna', { firstSeen: [id('anonymous_id', 'anon-anna')] }),
  entry('h-web-a4', 'web-a4', T0 + 4 * MINUTE, [id('user_id', 'user-anna'), id('email_hash', ANNA_EMAIL), id('anonymous_id', 'anon-anna')], 'p_anna', { firstSeen: [id('user_id', 'user-anna'), id('email_hash', ANNA_EMAIL)] }),
  entry('h-app-a1', 'app-a1', T0 + DAY, [id('device_id', 'dev-anna'), id('anonymous_id', 'app-install-anna')], 'p_anna_app', { firstSeen: [id('device_id', 'dev-anna'), id('anonymous_id', 'app-install-anna')] }),
  entry('h-app-a3', 'app-a3', T0 + DAY + 6 * MINUTE, [id('user_id', 'user-anna'), id('device_id', 'dev-anna')], 'p_anna', {
    joins: [{ survivorPersonId: 'p_anna', absorbedPersonId: 'p_anna_app', identifiers: [id('device_id', 'dev-anna'), id('anonymous_id', 'app-install-anna')], carriedPersonIds: [] }],
  }),
  entry('h-kiosk-e1', 'kiosk-e1', T0 + DAY + 7 * HOUR - 300, [id('anonymous_id', 'kiosk-1'), id('user_id', 'user-ben')], 'p_kiosk', {
    refusals: [{ conflictId: 'c-3f9a', rule: 'identity.limit_exceeded', reason: 'user_id: p_kiosk has 1 and p_ben has 1, at most 1 per person', refused: id('user_id', 'user-ben'), personId: 'p_kiosk', otherPersonId: 'p_ben' }],
  }),
];

export const membership = (value: string, segments: string[]): CdpReference.PartnerSegmentMembership => ({ tenant: TENANT, partner: 'nordic-loyalty', identifier: { type: 'email_hash', value }, segments, ...SEGMENTS });
export const area = (postalCode: string, areaName: string, municipality: string, population: number, medianIncome: number, over65: number, families: number): CdpReference.AreaDemographics => ({
  countryCode: 'FI', postalCode, areaName, municipality, population, medianAge: 38.5, medianIncome, households: Math.round(population / 1.9), statisticsYear: 2024,
  // Shares of 1: the bands and types the examples read are the arguments, the rest fill up.
  ageShares: { '0-14': 0.12, '15-24': 0.11, '25-34': 0.2, '35-44': 0.17, '45-54': 0.12, '55-64': Math.round((0.28 - over65) * 100) / 100, '65+': over65 },
  householdShares: { single: 0.5, couple: Math.round((0.42 - families) * 100) / 100, family_with_children: families, other: 0.08 }, ...DEMOGRAPHICS,
});

/** The signals the fixture's events make (core/signals.ts), as the signals processor would have published them. */
const signal = (kind: CdpAggregation.SignalKind, personId: string, sourceEventIds: string[], occurredAt: number, firedAt: number, over: Partial<CdpAggregation.Signal>): CdpAggregation.Signal => ({
  signalId: signalIdOf(kind, TENANT, personId, sourceEventIds[0]!), tenant: TENANT, kind, personId, firedAt, occurredAt, sourceEventIds, channel: 'store',
  storeId: null, storeName: null, skus: [], segments: [], valueMinor: null, currency: null, orderId: null, ...over,
});
const annaSegments = [{ partner: 'nordic-loyalty', segment: 'family-shopper' }, { partner: 'nordic-loyalty', segment: 'outdoor' }];
const annaInStore = T0 + DAY + 3 * HOUR;
const benInStore = T0 + DAY + 6 * HOUR;
export const SIGNALS: CdpAggregation.Signal[] = [
  signal('FIRST_PURCHASE', 'p_anna', ['web-a5'], T0 + 6 * MINUTE, T0 + 6 * MINUTE + 900, { channel: 'web', skus: ['SKU-1001', 'SKU-2001'], valueMinor: 14980, currency: 'EUR', orderId: 'O-1001' }),
  signal('FIRST_PURCHASE', 'p_ben', ['web-b4'], T0 + 15 * MINUTE, T0 + 15 * MINUTE + 700, { channel: 'web', skus: ['SKU-1002'], valueMinor: 23980, currency: 'EUR', orderId: 'O-1003' }),
  // Carl carted socks and left at the checkout: 30 minutes later his cart was abandoned.
  signal('CART_ABANDONED', 'p_carl', ['web-c4'], T0 + 34 * MINUTE, T0 + 64 * MINUTE + 2_100, { channel: 'web', skus: ['SKU-2001'], valueMinor: 995 }),
  signal('KNOWN_CUSTOMER_ENTERED_STORE', 'p_anna', ['beacon-a1'], annaInStore, annaInStore + 600, { storeId: 'HEL-1', storeName: 'Helsinki Kamppi', segments: annaSegments }),
  signal('STORE_VISIT_AFTER_BROWSING', 'p_anna', ['beacon-a1', 'web-a3'], annaInStore, annaInStore + 600, { storeId: 'HEL-1', storeName: 'Helsinki Kamppi', skus: ['SKU-1001'], segments: annaSegments }),
  signal('KNOWN_CUSTOMER_ENTERED_STORE', 'p_ben', ['beacon-b1'], benInStore, benInStore + 500, { storeId: 'TKU-9', segments: [{ partner: 'nordic-loyalty', segment: 'young-urban' }] }),
  signal('STORE_VISIT_AFTER_BROWSING', 'p_ben', ['beacon-b1', 'web-b2'], benInStore, benInStore + 500, { storeId: 'TKU-9', skus: ['SKU-1002'], segments: [{ partner: 'nordic-loyalty', segment: 'young-urban' }] }),
];

/** Each table's rows, in the order they are inserted; one entry is one insert. */
export function fixtureInserts(): { table: string; rows: Record<string, unknown>[] }[] {
  const ingestedAt = Date.now();
  const byTable = new Map<string, Record<string, unknown>[]>();
  for (const e of ENRICHED) {
    const { table, row } = enrichedRow(e, ingestedAt);
    byTable.set(table, [...(byTable.get(table) ?? []), row]);
  }
  assignSessions(new Sessionizer(30 * MINUTE), byTable.get('events_raw') ?? []);
  const retired: CdpReference.Product = { ...PRODUCTS[0]!, sku: 'SKU-0999', name: 'Retired shoe', sourceVersion: '0ld0ld0ld0ld', loadedAt: LOADED - 10 * DAY };
  return [
    ...[...byTable].map(([table, rows]) => ({ table, rows })),
    { table: 'identities', rows: ASSIGNMENTS.map(identityRow) },
    { table: 'person_overrides', rows: [...MERGES, ...graphMergesOf(ENRICHED, MERGES)].map(overrideRow) },
    { table: 'identity_history', rows: HISTORY.map((e, offset) => historyRow(e, offset, ingestedAt)) },
    { table: 'identity_conflicts', rows: [conflictRow(conflict('kiosk-e1', T0 + DAY + 7 * HOUR), ingestedAt)] },
    { table: 'identity_conflicts', rows: [conflictRow(conflict('kiosk-e2', T0 + DAY + 8 * HOUR), ingestedAt)] },
    // A product of an older version, then its tombstone from the current load: FINAL hides it.
    { table: 'ref_products', rows: [productRefRow(`${TENANT}|${retired.sku}`, retired, retired.loadedAt)] },
    { table: 'ref_products', rows: [...PRODUCTS.map((p) => productRefRow(`${TENANT}|${p.sku}`, p, LOADED)), productRefRow(`${TENANT}|${retired.sku}`, null, LOADED)] },
    { table: 'ref_stores', rows: STORES.map((s) => storeRefRow(`${TENANT}|${s.storeId}`, s, LOADED)) },
    {
      table: 'ref_partner_segments',
      rows: [
        membership(ANNA_EMAIL, ['family-shopper', 'outdoor']),
        membership(BEN_EMAIL, ['young-urban']),
        // Someone the shop has not seen: stays out of person_partner_segments.
        membership(hashEmail(DEVELOPMENT_SALT, 'stranger@example.com'), ['young-urban']),
      ].map((m) => partnerSegmentRefRow(`${TENANT}|${m.partner}|${m.identifier.type}|${m.identifier.value}`, m, LOADED)),
    },
    {
      table: 'ref_area_demographics',
      rows: [area('00100', 'Helsinki keskusta - Etu-Töölö', 'Helsinki', 18_900, 32_500, 0.14, 0.11), area('02100', 'Tapiola', 'Espoo', 9_800, 36_200, 0.24, 0.22)].map((d) =>
        demographicsRefRow(`${d.countryCode}|${d.postalCode}`, d, LOADED),
      ),
    },
    { table: 'signals', rows: SIGNALS.map((x) => signalRow(x, ingestedAt)) },
  ];
}

