import { checkoutFunnelOf, dwellDistributionOf, freshnessOf, partnerReachOf, segmentGrowthOf, storeDirectoryOf, technologyMixOf } from './kpis';

describe('checkoutFunnelOf', () => {
  it('adds the channels up and gives the abandonment of carts and checkouts', () => {
    const funnel = checkoutFunnelOf([
      { channel: 'app', sessions: '10', viewed_product: '6', added_to_cart: '4', started_checkout: '2', ordered: '1', revenue_minor: '5000', abandoned_cart: '3', abandoned_checkout: '1' },
      { channel: 'web', sessions: 30, viewed_product: 20, added_to_cart: 6, started_checkout: 4, ordered: 3, revenue_minor: 12000, abandoned_cart: 3, abandoned_checkout: 1 },
    ]);
    expect(funnel.total).toEqual({ sessions: 40, viewedProduct: 26, addedToCart: 10, startedCheckout: 6, ordered: 4, revenueMinor: 17000, abandonedCart: 6, abandonedCheckout: 2 });
    expect(funnel.byChannel.map((c) => [c.channel, c.ordered])).toEqual([['app', 1], ['web', 3]]);
    expect(funnel.cartAbandonment).toBeCloseTo(0.6);
    expect(funnel.checkoutAbandonment).toBeCloseTo(2 / 6);
    expect(funnel.conversion).toBeCloseTo(0.1);
  });

  it('has no rates without sessions', () => {
    expect(checkoutFunnelOf([])).toMatchObject({ cartAbandonment: null, checkoutAbandonment: null, conversion: null });
  });
});

describe('technologyMixOf', () => {
  it('gives each dimension its values by sessions, with their shares', () => {
    const mix = technologyMixOf([
      { dimension: 'device', value: 'desktop', sessions: '3' },
      { dimension: 'device', value: 'mobile', sessions: '9' },
      { dimension: 'browser', value: 'Firefox', sessions: 2 },
      { dimension: 'unknown', value: 'x', sessions: 1 },
    ]);
    expect(mix.device).toEqual([{ value: 'mobile', sessions: 9, share: 0.75 }, { value: 'desktop', sessions: 3, share: 0.25 }]);
    expect(mix.browser).toEqual([{ value: 'Firefox', sessions: 2, share: 1 }]);
    expect(mix.os).toEqual([]);
  });
});

describe('storeDirectoryOf', () => {
  it('names every field, texts the directory left empty null, the zones by their names', () => {
    expect(
      storeDirectoryOf([
        { store_id: 'HEL-1', name: 'Kamppi', city: 'Helsinki', postal_code: '00100', country_code: 'FI', time_zone: 'Europe/Helsinki', zones: [{ zone_id: 'entrance', name: 'Entrance', kind: 'entrance' }] },
        { store_id: 'POP-9', name: 'Pop-up', city: '', postal_code: '', country_code: '', time_zone: '', zones: [] },
      ]),
    ).toEqual([
      { storeId: 'HEL-1', name: 'Kamppi', city: 'Helsinki', postalCode: '00100', countryCode: 'FI', timeZone: 'Europe/Helsinki', zones: [{ zoneId: 'entrance', name: 'Entrance', kind: 'entrance' }] },
      { storeId: 'POP-9', name: 'Pop-up', city: null, postalCode: null, countryCode: null, timeZone: 'UTC', zones: [] },
    ]);
  });
});

describe('dwellDistributionOf', () => {
  it('puts each dwell in the bucket it starts at or after (the upper edge belongs to the next), the last open', () => {
    const { visitors, buckets } = dwellDistributionOf([
      [4, 1],
      [5, 2],
      [9, '3'],
      [10, 1],
      [59, 1],
      [60, 4],
      [600, 1],
    ]);
    expect(buckets).toEqual([
      { fromMinutes: 0, toMinutes: 5, visitors: 1 },
      { fromMinutes: 5, toMinutes: 10, visitors: 5 },
      { fromMinutes: 10, toMinutes: 20, visitors: 1 },
      { fromMinutes: 20, toMinutes: 30, visitors: 0 },
      { fromMinutes: 30, toMinutes: 60, visitors: 1 },
      { fromMinutes: 60, toMinutes: null, visitors: 5 },
    ]);
    expect(visitors).toBe(13);
  });

  it('has every bucket, empty, on a day without visitors; takes other edges', () => {
    expect(dwellDistributionOf([]).buckets.map((b) => b.visitors)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(dwellDistributionOf([[3, 1], [15, 2]], [5, 15])).toEqual({ visitors: 2, buckets: [{ fromMinutes: 5, toMinutes: 15, visitors: 0 }, { fromMinutes: 15, toMinutes: null, visitors: 2 }] });
  });
});

describe('segmentGrowthOf', () => {
  const segments = ['a', 'b', 'c', 'd'].map((segment) => ({ segment, description: `segment ${segment}` }));
  it('gives each segment its change, the largest growth first, ties by name', () => {
    const growth = segmentGrowthOf(segments, { a: 10, b: '4', c: 3, d: 0 }, { a: 12, b: 2, c: 0, d: 0 });
    expect(growth).toEqual([
      { segment: 'c', description: 'segment c', persons: 3, personsBefore: 0, change: 3, relativeChange: null },
      { segment: 'b', description: 'segment b', persons: 4, personsBefore: 2, change: 2, relativeChange: 1 },
      { segment: 'd', description: 'segment d', persons: 0, personsBefore: 0, change: 0, relativeChange: null },
      { segment: 'a', description: 'segment a', persons: 10, personsBefore: 12, change: -2, relativeChange: -2 / 12 },
    ]);
  });
});

describe('partnerReachOf', () => {
  it('keeps every delivered segment, with its matches by partner and segment, 0 where none matched', () => {
    const reach = partnerReachOf(
      [
        { partner: 'p1', segment: 's', identifiers: 3 },
        { partner: 'p2', segment: 's', identifiers: '5' },
        { partner: 'p2', segment: 't', identifiers: 1 },
      ],
      [
        { partner: 'p2', segment: 's', persons: 4, consenting_persons: '1' },
        { partner: 'p1', segment: 's', persons: 2, consenting_persons: 2 },
      ],
      (partner) => (partner === 'p2' ? ['analytics', 'marketing'] : ['marketing']),
    );
    expect(reach).toEqual([
      { partner: 'p1', segment: 's', identifiers: 3, persons: 2, consentingPersons: 2, purposes: ['marketing'] },
      { partner: 'p2', segment: 's', identifiers: 5, persons: 4, consentingPersons: 1, purposes: ['analytics', 'marketing'] },
      { partner: 'p2', segment: 't', identifiers: 1, persons: 0, consentingPersons: 0, purposes: ['analytics', 'marketing'] },
    ]);
  });
});

describe('freshnessOf', () => {
  const now = Date.parse('2026-12-02T12:00:00Z');
  it('gives the times as ISO', () => {
    expect(freshnessOf({ events: 7, newest_event_time: Date.parse('2026-12-02T11:59:00.250Z'), last_landed_at: String(Date.parse('2026-12-02T11:59:30Z')), landed_since: '3' }, now)).toEqual({
      newestEventTime: '2026-12-02T11:59:00.250Z',
      lastLandedAt: '2026-12-02T11:59:30.000Z',
      eventsLandedLast5Minutes: 3,
      asOf: '2026-12-02T12:00:00.000Z',
    });
  });

  it('has null times without events (not the epoch an empty max gives)', () => {
    expect(freshnessOf({ events: 0, newest_event_time: 0, last_landed_at: 0, landed_since: 0 }, now)).toEqual({ newestEventTime: null, lastLandedAt: null, eventsLandedLast5Minutes: 0, asOf: '2026-12-02T12:00:00.000Z' });
  });
});
