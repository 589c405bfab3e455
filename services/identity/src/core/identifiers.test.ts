import type { CdpWeb } from '@cdp/plumbing';
import { extractIdentifiers, isBlocked } from './identifiers';

const context = { ip: null, userAgent: null, locale: null, timezone: null, libraryName: null, libraryVersion: null, pageUrl: null, pagePath: null, pageReferrer: null, pageTitle: null, pageSearch: null, campaignName: null, campaignSource: null, campaignMedium: null, campaignTerm: null, campaignContent: null, appName: null, appVersion: null, deviceId: null, deviceType: null, osName: null, osVersion: null, extra: null };
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

  it('never turns placeholder values into identifiers', () => {
    expect(extractIdentifiers(segment({ userId: 'undefined', anonymousId: ' guest ', traits: JSON.stringify({ loyaltyCard: '0' }) }))).toEqual([]);
    expect(isBlocked('Anonymous')).toBe(true);
    expect(isBlocked('u-17')).toBe(false);
  });

  it('reads the loyalty card of a receipt and the app install of a beacon sighting', () => {
    const envelope = { eventId: 'e', eventTime: 1, receivedTime: 1, source: 's', tenant: 't', schemaVersion: 1 };
    expect(extractIdentifiers({ 'cdp.store.PosTransaction': { envelope, storeId: 'S', receiptId: 'R', registerId: null, kind: 'SALE', loyaltyCard: 'LC9', currency: 'EUR', totalMinor: 1, paymentMethod: null, lines: [] } })).toEqual([{ type: 'loyalty_card', value: 'LC9' }]);
    expect(extractIdentifiers({ 'cdp.store.BeaconSighting': { envelope, storeId: 'S', appInstallId: 'app-1', userId: null, beaconUuid: 'b', major: 1, minor: 1, rssi: -50, proximity: null, accuracyMeters: null, apMac: null, clientMacHash: null, randomizedMac: false } })).toEqual([{ type: 'anonymous_id', value: 'app-1' }]);
  });
});
