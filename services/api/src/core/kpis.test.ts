import { checkoutFunnelOf, technologyMixOf } from './kpis';

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
