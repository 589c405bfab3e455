import type { CdpIdentity, CdpStore, CdpWeb } from '@cdp/plumbing';
import { enrichEvent } from './enrich';
import { Catalogue, skusOf } from './products';
import { createUserAgentParser, USER_AGENT_SOURCE } from './user-agent';

const envelope = { eventId: 'e1', eventTime: 1, receivedTime: 1, source: 's', tenant: 't', schemaVersion: 1 };
const context = { ip: null, userAgent: null, locale: null, timezone: null, libraryName: null, libraryVersion: null, pageUrl: null, pagePath: null, pageReferrer: null, pageTitle: null, pageSearch: null, campaignName: null, campaignSource: null, campaignMedium: null, campaignTerm: null, campaignContent: null, appName: null, appVersion: null, deviceId: null, deviceType: null, osName: null, osVersion: null, extra: null };
const track = (properties: object, userAgent: string | null = null): CdpWeb.SegmentEvent => ({
  envelope, type: 'TRACK', channel: 'WEB', anonymousId: 'a', userId: null, event: 'Order Completed', name: null, category: null, previousId: null, groupId: null,
  properties: JSON.stringify(properties), traits: null, integrations: null, sentAt: null, originalTimestamp: null, context: { ...context, userAgent },
});
const pos = (skus: string[]): CdpStore.PosTransaction => ({
  envelope, storeId: 'S', receiptId: 'R', registerId: null, kind: 'SALE', loyaltyCard: null, customerId: null, currency: 'EUR', totalMinor: 100, paymentMethod: null,
  lines: skus.map((sku, i) => ({ lineNumber: i + 1, sku, quantity: 1, unitPriceMinor: 50, discountMinor: 0, totalMinor: 50 })),
});

const catalogue = new Catalogue();
catalogue.upsert({ sku: 'SKU-1', name: 'Trail shoe', category: 'Shoes > Outdoor', brand: 'Kuura', priceMinor: 12990, currency: 'EUR', updatedAt: 1, sourceName: 'pim-export', sourceVersion: 'v7' });

describe('enrichment', () => {
  it('adds catalogue data for known skus and keeps unknown ones, marked not found', () => {
    const resolved: CdpIdentity.ResolvedEvent = { personId: 'p1', identifiers: [{ type: 'anonymous_id', value: 'a' }], event: { 'cdp.store.PosTransaction': pos(['SKU-1', 'NOPE']) } };
    const e = enrichEvent(resolved, catalogue, createUserAgentParser());
    expect(e.products).toEqual([
      { sku: 'SKU-1', found: true, name: 'Trail shoe', category: 'Shoes > Outdoor', brand: 'Kuura', priceMinor: 12990, source: 'pim-export@v7' },
      { sku: 'NOPE', found: false, name: null, category: null, brand: null, priceMinor: null, source: null },
    ]);
    expect(e).toMatchObject({ personId: 'p1', device: null, event: resolved.event });
  });

  it('finds skus in Segment e-commerce properties', () => {
    expect(skusOf({ 'cdp.web.SegmentEvent': track({ products: [{ product_id: 'A' }, { sku: 'B' }, { sku: 'A' }] }) })).toEqual(['A', 'B']);
    expect(skusOf({ 'cdp.web.SegmentEvent': track({ sku: 'C', price: 1 }) })).toEqual(['C']);
  });

  it('parses a user agent into browser, OS and device type, naming its source', () => {
    const parse = createUserAgentParser();
    const ua = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';
    expect(parse(ua)).toEqual({ browserName: 'Safari', browserVersion: '17.1', osName: 'iOS', osVersion: '17.1', deviceType: 'mobile', source: USER_AGENT_SOURCE });
    expect(parse('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)')?.deviceType).toBe('bot');
    expect(parse(null)).toBeNull();
  });

  it('applies a catalogue update and a deletion', () => {
    const c = new Catalogue();
    c.upsert({ sku: 'X', name: 'Old', category: null, brand: null, priceMinor: null, currency: null, updatedAt: 1, sourceName: 'pim', sourceVersion: '1' });
    c.upsert({ sku: 'X', name: 'New', category: null, brand: null, priceMinor: null, currency: null, updatedAt: 2, sourceName: 'pim', sourceVersion: '2' });
    expect(c.lookup('X').name).toBe('New');
    c.remove('X');
    expect(c.lookup('X').found).toBe(false);
  });
});
