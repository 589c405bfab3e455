import { personIdOf, type CdpEnrichment, type CdpWeb } from '@cdp/plumbing';
import { conflictRow, enrichedRow, eventRow, historyRow, identityRow, keyParts, overrideRow, partnerSegmentRefRow, productRefRow } from './rows';

const envelope = { eventId: 'e1', eventTime: 1_763_900_000_123, receivedTime: 1_763_900_000_500, source: 'web-shop', tenant: 'demo', schemaVersion: 1 };
const context = { ip: null, userAgent: null, locale: null, timezone: null, libraryName: null, libraryVersion: null, pageUrl: null, pagePath: '/checkout', pageReferrer: null, pageTitle: null, pageSearch: null, campaignName: 'winter', campaignSource: 'newsletter', campaignMedium: 'email', campaignTerm: null, campaignContent: null, appName: null, appVersion: null, deviceId: null, deviceType: null, osName: null, osVersion: null, consent: null, extra: null };
const order: CdpWeb.SegmentEvent = {
  envelope, type: 'TRACK', channel: 'WEB', anonymousId: 'a1', userId: 'u1', event: 'Order Completed', name: null, category: null, previousId: null, groupId: null,
  properties: JSON.stringify({ order_id: 'O-1', total: 149.8, currency: 'eur', products: [{ sku: 'SKU-1', price: 129.9, quantity: 1 }, { sku: 'X', price: 9.95, quantity: 2 }] }),
  traits: null, integrations: null, sentAt: null, originalTimestamp: null, context,
};
const products: CdpEnrichment.ProductInfo[] = [
  { sku: 'SKU-1', found: true, name: 'Trail shoe', category: 'Shoes', brand: 'Kuura', priceMinor: 12990, source: 'pim@1', categoryPath: ['Shoes'], marginRate: 0.4 },
  { sku: 'X', found: false, name: null, category: null, brand: null, priceMinor: null, source: null, categoryPath: [], marginRate: null },
];
const campaign: CdpEnrichment.CampaignInfo = { campaignSource: 'newsletter', campaignMedium: 'email', campaignName: 'winter', campaignTerm: null, campaignContent: null, clickIdType: null, clickId: null, referrerHost: null, medium: 'email', source: 'rules 1' };
const enrichedBlanks = { geo: null, campaign: null, store: null, missing: [] };

describe('ClickHouse rows', () => {
  it('turns an online order into one row with exact revenue and its lines', () => {
    const row = eventRow({
      personId: 'p1', identifiers: [{ type: 'user_id', value: 'u1' }], event: { 'cdp.web.SegmentEvent': order }, device: { browserName: 'Chrome', browserVersion: '142', osName: 'Windows', osVersion: '10', deviceType: 'desktop', isBot: false, source: 'bowser' }, products,
      geo: { countryCode: 'FI', region: 'Uusimaa', city: 'Helsinki', source: 'dbip 2026-06' }, campaign, store: null, missing: ['catalogue'],
    }, 1_763_900_001_000);
    expect(row).toMatchObject({
      tenant: 'demo', event_id: 'e1', event_time: 1_763_900_000.123, received_time: 1_763_900_000.5, ingested_at: 1_763_900_001, channel: 'web', event_type: 'track', event_name: 'Order Completed',
      person_id: personIdOf('demo', { type: 'user_id', value: 'u1' }), identifiers: [{ type: 'user_id', value: 'u1' }], order_id: 'O-1', currency: 'EUR', revenue_minor: 14980, browser: 'Chrome', device_type: 'desktop', page_path: '/checkout', campaign_source: 'newsletter',
      'items.sku': ['SKU-1', 'X'], 'items.quantity': [1, 2], 'items.unit_price_minor': [12990, 995], 'items.total_minor': [12990, 1990], 'items.product_name': ['Trail shoe', ''], 'items.in_catalogue': [1, 0],
      geo_country: 'FI', geo_city: 'Helsinki', marketing_medium: 'email', is_bot: 0, store_local_time: null, enrichment_missing: ['catalogue'],
      enrichment_sources: { device: 'bowser', geo: 'dbip 2026-06', campaign: 'rules 1', catalogue: 'pim@1' },
    });
  });

  it('files an event under its strongest identifier\'s first person, not the survivor identity resolved', () => {
    // u1's person was absorbed into p-survivor: the row keeps u1's own person, which
    // person_overrides resolves to the survivor now, and to whomever a split leaves it with later.
    const ids = [{ type: 'user_id', value: 'u1' }, { type: 'anonymous_id', value: 'a1' }];
    const e: CdpEnrichment.EnrichedEvent = { personId: 'p-survivor', identifiers: ids, event: { 'cdp.web.SegmentEvent': order }, device: null, products: [], ...enrichedBlanks };
    expect(eventRow(e, 0).person_id).toBe(personIdOf('demo', ids[0]!));
    expect(eventRow(e, 0).person_id).not.toBe('p-survivor');
    // Another tenant's same identifier is another person.
    expect(eventRow({ ...e, event: { 'cdp.web.SegmentEvent': { ...order, envelope: { ...envelope, tenant: 'north' } } } }, 0).person_id).toBe(personIdOf('north', ids[0]!));
    const mac = { type: 'wifi_mac_hash', value: 'h' };
    const wifi = enrichedRow({
      personId: 'p-survivor', identifiers: [mac], device: null, products: [], ...enrichedBlanks,
      event: { 'cdp.store.WifiObservation': { envelope, storeId: 'S', apMac: '00:18:0a:01:00:01', clientMacHash: 'h', randomizedMac: false, rssi: -60, ssid: null, manufacturer: null, os: null, lat: null, lng: null, uncertaintyMeters: null, floorplanId: null, emailHash: null, phoneHash: null, loginHash: null } },
    }, 0);
    expect(wifi.row.person_id).toBe(personIdOf('demo', mac));
  });

  it('books a store return as negative revenue and keeps a receipt without person', () => {
    const row = eventRow({
      personId: null, identifiers: [], device: null, products: [], ...enrichedBlanks,
      event: { 'cdp.store.PosTransaction': { envelope: { ...envelope, eventId: 'pos:S:R' }, storeId: 'S', receiptId: 'R', registerId: null, kind: 'RETURN', loyaltyCard: null, customerId: null, consent: null, currency: 'EUR', totalMinor: 1990, paymentMethod: null, lines: [{ lineNumber: 1, sku: 'A', quantity: 1, unitPriceMinor: 1990, discountMinor: 0, totalMinor: 1990 }] } },
    }, 0);
    expect(row).toMatchObject({ channel: 'store', event_type: 'pos_transaction', event_name: 'return', person_id: '', revenue_minor: -1990, store_id: 'S', order_id: 'R', 'items.sku': ['A'] });
  });

  it('writes identities and overrides with their times', () => {
    expect(identityRow({ tenant: 'demo', identifier: { type: 'loyalty_card', value: 'LC1' }, personId: 'p1', firstSeen: 1000, updatedAt: 2500 })).toEqual({ tenant: 'demo', id_type: 'loyalty_card', id_value: 'LC1', person_id: 'p1', first_seen: 1, updated_at: 2.5 });
    expect(overrideRow({ tenant: 'demo', fromPersonId: 'p2', toPersonId: 'p1', mergedAt: 3000, causeEventId: 'e9', link: [], viaPersonId: null })).toEqual({ tenant: 'demo', old_person_id: 'p2', person_id: 'p1', merged_at: 3, cause_event_id: 'e9', via_person_id: '' });
    // Moved along with a newer merge: the person it had been absorbed into.
    expect(overrideRow({ tenant: 'demo', fromPersonId: 'p3', toPersonId: 'p1', mergedAt: 3000, causeEventId: 'e9', link: [], viaPersonId: 'p2' })).toMatchObject({ old_person_id: 'p3', via_person_id: 'p2' });
  });

  it('writes a history entry as one row naming every person it mentions once', () => {
    const anon = { type: 'anonymous_id', value: 'a1' };
    const user = { type: 'user_id', value: 'u1' };
    const row = historyRow({
      tenant: 'demo', entryId: 'h1', eventId: 'e7', eventTime: 1_763_900_000_123, appliedAt: 1_763_900_000_500,
      identifiers: [user, anon], personId: 'p1', firstSeen: [user],
      joins: [{ survivorPersonId: 'p1', absorbedPersonId: 'p2', identifiers: [anon], carriedPersonIds: ['p3', 'p4'] }],
      refusals: [{ conflictId: 'c1', rule: 'identity.limit_exceeded', reason: 'user_id: p1 has 1 and p9 has 1, at most 1 per person', refused: { type: 'user_id', value: 'u9' }, personId: 'p1', otherPersonId: 'p9' }],
      split: null,
    }, 42, 1_763_900_001_000);
    // toEqual: a column the row lacks or adds would make the insert fail.
    expect(row).toEqual({
      tenant: 'demo', entry_id: 'h1', event_id: 'e7', event_time: 1_763_900_000.123, applied_at: 1_763_900_000.5, history_offset: 42,
      identifiers: [user, anon], person_id: 'p1', first_seen: [user],
      joins: [{ survivor_person_id: 'p1', absorbed_person_id: 'p2', identifiers: [anon], carried_person_ids: ['p3', 'p4'] }],
      refusals: [{ conflict_id: 'c1', rule: 'identity.limit_exceeded', reason: 'user_id: p1 has 1 and p9 has 1, at most 1 per person', refused: { type: 'user_id', value: 'u9' }, person_id: 'p1', other_person_id: 'p9' }],
      split: { action: '', blocked: { type: '', value: '' }, reason: '', requested_by: '', person_before: '', persons_after: [] },
      persons: ['p1', 'p2', 'p3', 'p4', 'p9'],
      ingested_at: 1_763_900_001,
    });
  });

  it('writes a split entry with its block, filed under the person before and every person after', () => {
    const email = { type: 'email_hash', value: 'family' };
    const row = historyRow({
      tenant: 'demo', entryId: 'h9', eventId: 'block:demo|email_hash|family', eventTime: 1_763_900_000_000, appliedAt: 1_763_900_000_200,
      identifiers: [], personId: 'p1', firstSeen: [], joins: [], refusals: [],
      split: { action: 'BLOCKED', blocked: email, reason: 'shared family e-mail', requestedBy: 'key-ops', personBefore: 'p1', personsAfter: ['p1', 'p2'] },
    }, 7, 1_763_900_001_000);
    expect(row).toMatchObject({
      identifiers: [], joins: [], refusals: [],
      split: { action: 'BLOCKED', blocked: email, reason: 'shared family e-mail', requested_by: 'key-ops', person_before: 'p1', persons_after: ['p1', 'p2'] },
      persons: ['p1', 'p2'],
    });
  });

  it('writes a refused link as one conflict row keyed by its conflict id', () => {
    const row = conflictRow({
      tenant: 'demo', conflictId: 'c0ffee', rule: 'identity.limit_exceeded', reason: 'user_id: p1 has 1 and p2 has 1, at most 1 per person',
      eventId: 'e7', eventTime: 1_763_900_000_123, detectedAt: 1_763_900_000_500,
      identifiers: [{ type: 'anonymous_id', value: 'kiosk-1' }, { type: 'user_id', value: 'u2' }], refused: { type: 'user_id', value: 'u2' },
      personId: 'p1', otherPersonId: 'p2',
    }, 1_763_900_001_000);
    // toEqual, not toMatchObject: a column the row lacks or adds would make the insert fail.
    expect(row).toEqual({
      tenant: 'demo', conflict_id: 'c0ffee', rule: 'identity.limit_exceeded', reason: 'user_id: p1 has 1 and p2 has 1, at most 1 per person',
      event_id: 'e7', event_time: 1_763_900_000.123, identifiers: [{ type: 'anonymous_id', value: 'kiosk-1' }, { type: 'user_id', value: 'u2' }], refused: { type: 'user_id', value: 'u2' },
      person_id: 'p1', other_person_id: 'p2', detected_at: 1_763_900_000.5, ingested_at: 1_763_900_001,
    });
  });

  it('sends Wi-Fi observations and people counts to their own tables, placed in store and zone on the store clock', () => {
    const store: CdpEnrichment.StoreInfo = { storeId: 'HEL-1', found: true, storeName: 'Helsinki', city: 'Helsinki', postalCode: '00100', timeZone: 'Europe/Helsinki', zoneId: 'entrance', zoneName: 'Entrance', entrance: 'main', localTime: 1_763_907_200_000, source: 'stores.json@abc' };
    const wifi = enrichedRow({
      personId: null, identifiers: [], device: null, products: [], ...enrichedBlanks, store,
      event: { 'cdp.store.WifiObservation': { envelope, storeId: null, apMac: '00:18:0a:01:00:01', clientMacHash: 'h', randomizedMac: true, rssi: -71, ssid: null, manufacturer: 'Apple', os: null, lat: null, lng: null, uncertaintyMeters: null, floorplanId: null, emailHash: null, phoneHash: null, loginHash: null } },
    }, 0);
    expect(wifi.table).toBe('store_wifi_observations');
    expect(wifi.row).toMatchObject({ store_id: 'HEL-1', zone_id: 'entrance', store_local_time: 1_763_907_200, in_directory: 1, randomized_mac: 1, rssi: -71, client_mac_hash: 'h', enrichment_sources: { store: 'stores.json@abc' } });
    const counts = enrichedRow({
      personId: null, identifiers: [], device: null, products: [], ...enrichedBlanks, store: { ...store, found: false, localTime: null, entrance: null, zoneId: null, source: null },
      event: { 'cdp.store.PeopleCount': { envelope, storeId: 'HEL-1', sensorId: 'door-9', zoneId: null, kind: 'LINE_CROSSING', periodSeconds: 60, countIn: 4, countOut: 2, occupancy: null, queueLength: null } },
    }, 0);
    expect(counts.table).toBe('store_people_counts');
    expect(counts.row).toMatchObject({ sensor_id: 'door-9', kind: 'line_crossing', count_in: 4, count_out: 2, occupancy: null, in_directory: 0, store_local_time: null, entrance: '' });
  });

  it('writes reference records with their lineage and tombstones from their key alone', () => {
    const product = { tenant: 'demo', sku: 'S|1', name: 'N', category: 'A > B', categoryPath: ['A', 'B'], brand: null, priceMinor: 100, currency: 'EUR', marginRate: 0.3, sourceName: 'c.csv', sourceVersion: 'v2', loadedAt: 5000 };
    expect(productRefRow('demo|S|1', product, 0)).toMatchObject({ tenant: 'demo', sku: 'S|1', category_path: ['A', 'B'], margin_rate: 0.3, source_version: 'v2', loaded_at: 5, is_deleted: 0 });
    expect(productRefRow('demo|S|1', null, 9000)).toMatchObject({ tenant: 'demo', sku: 'S|1', loaded_at: 9, is_deleted: 1 });
    expect(partnerSegmentRefRow('demo|nordic|email_hash|abc', null, 1000)).toMatchObject({ tenant: 'demo', partner: 'nordic', id_type: 'email_hash', id_value: 'abc', is_deleted: 1 });
    expect(() => keyParts('only-one', 2)).toThrow(/2/);
  });
});
