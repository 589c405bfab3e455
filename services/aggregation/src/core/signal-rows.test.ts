import type { CdpAggregation } from '@cdp/plumbing';
import { signalRow } from './signal-rows';

const entered: CdpAggregation.Signal = {
  signalId: '0a1b2c3d4e5f60718293a4b5c6d7e8f9', tenant: 'demo', kind: 'KNOWN_CUSTOMER_ENTERED_STORE', personId: 'p_anna', firedAt: 1_764_583_200_456, occurredAt: 1_764_583_200_123,
  sourceEventIds: ['beacon-a1'], channel: 'store', storeId: 'HEL-1', storeName: 'Helsinki Kamppi', skus: [], segments: [{ partner: 'nordic-loyalty', segment: 'outdoor' }],
  valueMinor: null, currency: null, orderId: null,
};

describe('signal rows', () => {
  it('writes a store signal with its segments, times as seconds and empty strings for what does not apply', () => {
    expect(signalRow(entered, 1_764_583_201_000)).toEqual({
      tenant: 'demo', signal_id: '0a1b2c3d4e5f60718293a4b5c6d7e8f9', kind: 'known_customer_entered_store', person_id: 'p_anna', fired_at: 1_764_583_200.456, occurred_at: 1_764_583_200.123,
      source_event_ids: ['beacon-a1'], channel: 'store', store_id: 'HEL-1', store_name: 'Helsinki Kamppi', skus: [], segments: [{ partner: 'nordic-loyalty', segment: 'outdoor' }],
      value_minor: null, currency: '', order_id: '', ingested_at: 1_764_583_201,
    });
  });

  it('keeps a cart\'s value and currency, and no store', () => {
    const abandoned: CdpAggregation.Signal = { ...entered, kind: 'CART_ABANDONED', channel: 'web', storeId: null, storeName: null, segments: [], skus: ['SKU-1', 'SKU-2'], sourceEventIds: ['c2', 'c1'], valueMinor: 13985, currency: 'EUR' };
    expect(signalRow(abandoned, 0)).toMatchObject({ kind: 'cart_abandoned', channel: 'web', store_id: '', store_name: '', skus: ['SKU-1', 'SKU-2'], source_event_ids: ['c2', 'c1'], segments: [], value_minor: 13985, currency: 'EUR' });
  });
});
