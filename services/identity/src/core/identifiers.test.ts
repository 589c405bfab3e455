import type { CdpWeb } from '@cdp/plumbing';
import { extractIdentifiers as extract, PREVIOUS_ID, type InputEvent } from './identifiers';
import { DEFAULT_RULES, isBlocked, parseRules } from './rules';

const extractIdentifiers = (event: InputEvent) => extract(event, DEFAULT_RULES);

const context = { ip: null, userAgent: null, locale: null, timezone: null, libraryName: null, libraryVersion: null, pageUrl: null, pagePath: null, pageReferrer: null, pageTitle: null, pageSearch: null, campaignName: null, campaignSource: null, campaignMedium: null, campaignTerm: null, campaignContent: null, appName: null, appVersion: null, deviceId: null, deviceType: null, osName: null, osVersion: null, consent: null, extra: null };
const segment = (over: Partial<CdpWeb.SegmentEvent>): { 'cdp.web.SegmentEvent': CdpWeb.SegmentEvent } => ({
  'cdp.web.SegmentEvent': {
    envelope: { eventId: 'e', eventTime: 1, receivedTime: 1, source: 's', tenant: 't', schemaVersion: 1 },
    type: 'IDENTIFY', channel: 'WEB', anonymousId: null, userId: null, event: null, name: null, category: null, previousId: null, groupId: null,
    properties: null, traits: null, integrations: null, sentAt: null, originalTimestamp: null, context, ...over,
  },
});

describe('extractIdentifiers', () => {
  it('reads user id, loyalty card and hashed e-mail from an identify, and the anonymous id', () => {
    expect(extractIdentifiers(segment({ userId: 'u1', anonymousId: 'a1', traits: JSON.stringify({ loyaltyCard: 'LC1', emailHash: 'h1', name: 'Anna' }) }))).toEqual([
      { type: 'user_id', value: 'u1' },
      { type: 'loyalty_card', value: 'LC1' },
      { type: 'email_hash', value: 'h1' },
      { type: 'anonymous_id', value: 'a1' },
    ]);
  });

  it('reads an identify with only a user id and traits (the hashes ingest made of email and phone)', () => {
    expect(extractIdentifiers(segment({ userId: 'u1', traits: JSON.stringify({ emailHash: 'h1', phoneHash: 'ph1', name: 'Anna' }) }))).toEqual([
      { type: 'user_id', value: 'u1' },
      { type: 'email_hash', value: 'h1' },
      { type: 'phone_hash', value: 'ph1' },
    ]);
  });

  it('takes no person identifier from a group: not its group id, traits or accounts, only the person\'s own context.traits', () => {
    const extra = JSON.stringify({
      traits: { emailHash: 'h-person' },
      externalIds: [{ id: 'ACME-1', type: 'salesforce_id', collection: 'accounts', encoding: 'none' }, { id: 'CRM-77', type: 'crm_id', collection: 'users', encoding: 'none' }],
    });
    const group = segment({ type: 'GROUP', userId: 'u1', anonymousId: 'a1', groupId: 'g1', traits: JSON.stringify({ name: 'Villasukka Oy', emailHash: 'h-company', phoneHash: 'ph-company', customerId: 'CRM-COMPANY' }), context: { ...context, extra } });
    expect(extractIdentifiers(group)).toEqual([
      { type: 'user_id', value: 'u1' },
      { type: 'email_hash', value: 'h-person' },
      { type: 'external:crm_id', value: 'CRM-77' },
      { type: 'anonymous_id', value: 'a1' },
    ]);
  });

  it('never turns placeholder values into identifiers', () => {
    expect(extractIdentifiers(segment({ userId: 'undefined', anonymousId: ' guest ', traits: JSON.stringify({ loyaltyCard: '0' }) }))).toEqual([]);
    for (const placeholder of ['Anonymous', 'NULL', '"null"', "'guest'", '[object Object]', 'NaN', '  ', '00000000-0000-0000-0000-000000000000', '----', '0000']) expect({ placeholder, blocked: isBlocked(DEFAULT_RULES, placeholder) }).toEqual({ placeholder, blocked: true });
    expect(isBlocked(DEFAULT_RULES, 'u-17')).toBe(false);
    expect(isBlocked(DEFAULT_RULES, '0a1')).toBe(false);
  });

  it('reads the loyalty card of a receipt and the app install of a beacon sighting', () => {
    const envelope = { eventId: 'e', eventTime: 1, receivedTime: 1, source: 's', tenant: 't', schemaVersion: 1 };
    expect(extractIdentifiers({ 'cdp.store.PosTransaction': { envelope, storeId: 'S', receiptId: 'R', registerId: null, kind: 'SALE', loyaltyCard: 'LC9', customerId: null, consent: null, currency: 'EUR', totalMinor: 1, paymentMethod: null, lines: [] } })).toEqual([{ type: 'loyalty_card', value: 'LC9' }]);
    // A till that knows the customer links the card to the customer number, the stronger of the two.
    expect(extractIdentifiers({ 'cdp.store.PosTransaction': { envelope, storeId: 'S', receiptId: 'R', registerId: null, kind: 'SALE', loyaltyCard: 'LC9', customerId: 'CRM-7', consent: null, currency: 'EUR', totalMinor: 1, paymentMethod: null, lines: [] } })).toEqual([{ type: 'customer_id', value: 'CRM-7' }, { type: 'loyalty_card', value: 'LC9' }]);
    expect(extractIdentifiers(segment({ userId: 'u1', traits: JSON.stringify({ customerNumber: 'CRM-7' }) }))).toEqual([{ type: 'user_id', value: 'u1' }, { type: 'customer_id', value: 'CRM-7' }]);
    expect(extractIdentifiers({ 'cdp.store.BeaconSighting': { envelope, storeId: 'S', appInstallId: 'app-1', userId: null, beaconUuid: 'b', major: 1, minor: 1, rssi: -50, proximity: null, accuracyMeters: null, apMac: null, clientMacHash: null, randomizedMac: false } })).toEqual([{ type: 'anonymous_id', value: 'app-1' }]);
  });

  it('orders identifiers by the tenant\'s priority and honours its blocked values and patterns', () => {
    const book = parseRules({ default: { priority: ['email_hash', 'user_id', 'anonymous_id'] }, tenants: { t: { blockedValues: ['kiosk-1'], blockedPatterns: ['^test-'] } } }, 'rules.json');
    const event = segment({ userId: 'u1', anonymousId: 'kiosk-1', traits: JSON.stringify({ emailHash: 'h1' }) });
    expect(extract(event, book.rulesOf('t'))).toEqual([{ type: 'email_hash', value: 'h1' }, { type: 'user_id', value: 'u1' }]);
    expect(extract(segment({ userId: 'test-user' }), book.rulesOf('t'))).toEqual([]);
    // Another tenant has only the defaults.
    expect(extract(event, book.rulesOf('other')).map((i) => i.value)).toEqual(['h1', 'u1', 'kiosk-1']);
    expect(() => parseRules({ default: { priority: [] } }, 'rules.json')).toThrow('rules.json: default.priority');
    expect(() => parseRules({ default: { priority: ['user_id'], blockedPatterns: ['('] } }, 'rules.json')).toThrow('default.blockedPatterns[0]: not a regular expression');
  });

  it('reads the app device and custom external ids', () => {
    const app = segment({ channel: 'APP', anonymousId: 'install-1', userId: 'u1', context: { ...context, deviceId: 'dev-1', extra: JSON.stringify({ externalIds: [{ id: 'CRM-77', type: 'crm_id', collection: 'users', encoding: 'none' }, { id: 'x', type: 'bad type!' }] }) } });
    expect(extractIdentifiers(app)).toEqual([
      { type: 'user_id', value: 'u1' },
      { type: 'external:crm_id', value: 'CRM-77' },
      { type: 'device_id', value: 'dev-1' },
      { type: 'anonymous_id', value: 'install-1' },
    ]);
  });

  it('types an alias\'s previous id when the event says what it is, and leaves it to the graph writer when not', () => {
    // analytics.js in the browser: the visitor's own anonymous id, or the user id itself (1.84.3 after identify).
    expect(extractIdentifiers(segment({ type: 'ALIAS', userId: 'u2', previousId: 'a9', anonymousId: 'a9' }))).toEqual([{ type: 'user_id', value: 'u2' }, { type: 'anonymous_id', value: 'a9' }]);
    expect(extractIdentifiers(segment({ type: 'ALIAS', userId: 'u2', previousId: 'u2', anonymousId: 'a9' }))).toEqual([{ type: 'user_id', value: 'u2' }, { type: 'anonymous_id', value: 'a9' }]);
    // analytics-node on a server: no anonymous id; previousId may be the browser's anonymous id or a former user id.
    expect(extractIdentifiers(segment({ type: 'ALIAS', userId: 'u2', previousId: 'a9' }))).toEqual([{ type: 'user_id', value: 'u2' }, { type: PREVIOUS_ID, value: 'a9' }]);
    expect(extractIdentifiers(segment({ type: 'ALIAS', userId: 'u2', previousId: 'u1', anonymousId: 'a9' }))).toEqual([{ type: 'user_id', value: 'u2' }, { type: 'anonymous_id', value: 'a9' }, { type: PREVIOUS_ID, value: 'u1' }]);
    expect(extractIdentifiers(segment({ type: 'ALIAS', userId: 'u2', previousId: 'guest' }))).toEqual([{ type: 'user_id', value: 'u2' }]);
    // Only an alias has a previous id.
    expect(extractIdentifiers(segment({ type: 'TRACK', userId: 'u2', previousId: 'a9' }))).toEqual([{ type: 'user_id', value: 'u2' }]);
  });

  it('links a Wi-Fi device to a captive-portal login, but never on a randomised MAC', () => {
    const envelope = { eventId: 'e', eventTime: 1, receivedTime: 1, source: 's', tenant: 't', schemaVersion: 1 };
    const wifi = (randomizedMac: boolean) => ({ 'cdp.store.WifiObservation': { envelope, storeId: 'S', apMac: 'ap', clientMacHash: 'm1', randomizedMac, rssi: -60, ssid: null, manufacturer: null, os: null, lat: null, lng: null, uncertaintyMeters: null, floorplanId: null, emailHash: 'h1', phoneHash: null, loginHash: null } });
    expect(extractIdentifiers(wifi(false))).toEqual([{ type: 'email_hash', value: 'h1' }, { type: 'wifi_mac_hash', value: 'm1' }]);
    expect(extractIdentifiers(wifi(true))).toEqual([{ type: 'email_hash', value: 'h1' }]);
  });
});
