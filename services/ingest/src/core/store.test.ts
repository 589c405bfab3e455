import { normalizeBeaconSighting, normalizePosTransaction, toMinor } from './store';
import { parseSources, type Source } from './sources';

const source: Source = { id: 'store-gateway', writeKey: 'local-store', kind: 'store', channel: 'STORE', tenant: 'demo' };
const stores = parseSources({ sources: [source], stores: [{ id: 'HEL-1', tenant: 'demo' }] }, 'test');
const ctx = { source, receivedAt: Date.parse('2026-11-23T12:00:00Z'), salt: 'test-salt-0123456789', stores };

describe('store events', () => {
  it('turns money into exact minor units and refuses amounts finer than the currency allows', () => {
    expect(toMinor(19.9, 'EUR', 'total')).toBe(1990);
    expect(toMinor(0.1 + 0.2, 'EUR', 'total')).toBe(30);
    expect(toMinor(1500, 'JPY', 'total')).toBe(1500);
    expect(() => toMinor(19.999, 'EUR', 'batch[0].total')).toThrow('batch[0].total: has more decimals than EUR allows (2)');
    expect(() => toMinor(19.999, 'EUR', 'total')).toThrow(expect.objectContaining({ code: 'ingest.bad_amount' }));
  });

  it('gives a receipt without messageId an id derived from store and receipt, so a re-sent receipt counts once', () => {
    const input = {
      type: 'pos_transaction' as const, timestamp: '2026-11-23T11:59:00Z', storeId: 'HEL-1', receiptId: 'R-77', currency: 'eur', total: 23.8, loyaltyCard: ' LC-9 ',
      lines: [{ sku: 'SKU-1', quantity: 2, price: 9.9 }, { sku: 'SKU-2', quantity: 1, price: 5, discount: 1 }],
    };
    const a = normalizePosTransaction(input, ctx, 'batch[0]');
    const b = normalizePosTransaction(input, { ...ctx, receivedAt: ctx.receivedAt + 5000 }, 'batch[0]');
    expect(a.envelope.eventId).toBe('pos:HEL-1:R-77');
    expect(b.envelope.eventId).toBe(a.envelope.eventId);
    expect(a).toMatchObject({ currency: 'EUR', totalMinor: 2380, loyaltyCard: 'LC-9', kind: 'SALE' });
    expect(a.lines).toEqual([
      { lineNumber: 1, sku: 'SKU-1', quantity: 2, unitPriceMinor: 990, discountMinor: 0, totalMinor: 1980 },
      { lineNumber: 2, sku: 'SKU-2', quantity: 1, unitPriceMinor: 500, discountMinor: 100, totalMinor: 400 },
    ]);
  });

  it('keeps the loyalty terms a till sends with a receipt, and refuses a malformed answer by its place', () => {
    const input = {
      type: 'pos_transaction' as const, timestamp: '2026-11-23T11:59:00Z', storeId: 'HEL-1', receiptId: 'R-78', currency: 'EUR', total: 5, loyaltyCard: 'LC-9',
      lines: [{ sku: 'SKU-1', quantity: 1, price: 5 }],
    };
    expect(normalizePosTransaction({ ...input, consent: { categoryPreferences: { 'loyalty-marketing': true } } }, ctx, 'batch[0]').consent).toEqual({ categoryPreferences: { 'loyalty-marketing': true } });
    expect(normalizePosTransaction(input, ctx, 'batch[0]').consent).toBeNull();
    expect(() => normalizePosTransaction({ ...input, consent: { categoryPreferences: { 'loyalty-marketing': 'ok' } } }, ctx, 'batch[1]')).toThrow('batch[1].consent.categoryPreferences.loyalty-marketing: must be true or false, not "ok"');
  });

  it('normalises a beacon sighting', () => {
    const b = normalizeBeaconSighting(
      { type: 'beacon_sighting', timestamp: '2026-11-23T11:59:00Z', storeId: 'HEL-1', appInstallId: 'app-1', beaconUuid: 'F7826DA6-4FA2-4E98-8024-BC5B71E0893E', major: 1, minor: 2, rssi: -60, proximity: 'near' },
      ctx, 'batch[0]',
    );
    expect(b).toMatchObject({ storeId: 'HEL-1', appInstallId: 'app-1', userId: null, beaconUuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', proximity: 'NEAR', accuracyMeters: null });
  });
});
