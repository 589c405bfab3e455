// E-commerce: zero-result searches, the checkout funnel and its abandonment, and the products
// viewed most that nobody bought.
import { chart, num, panel, pct, readPanels, table, tiles } from '../ui.js';

export async function mount(root, ctx) {
  ctx.rangeControls();
  const summary = panel(root, { id: 'summary', title: 'Checkout in the period', wide: true });
  const funnel = panel(root, { id: 'checkout-funnel', title: 'Checkout funnel', about: 'Web and app sessions (crawlers left out) at each step.' });
  const funnelChart = chart(funnel.body, { id: 'checkout-funnel' });
  const channels = document.createElement('div');
  funnel.body.append(channels);
  const searches = panel(root, { id: 'zero-results', title: 'Searches that found nothing', about: 'Site searches with no result, the most frequent first.' });
  const notBought = panel(root, { id: 'viewed-not-bought', title: 'Viewed, not bought', about: 'Products viewed most that nobody bought online or in a store.', wide: true });

  return {
    refresh() {
      const checkout = ctx.get('kpis/web/checkout-funnel', ctx.range);
      const zero = ctx.get('kpis/web/searches', { ...ctx.range, zeroResults: true, limit: 15 });
      return readPanels([
        [
          summary,
          async () => {
            const f = await checkout;
            const { searches: rows } = await zero;
            tiles(summary.body, [
              { id: 'conversion', label: 'Conversion', value: pct(f.conversion), note: 'sessions that ordered' },
              { id: 'cart-abandonment', label: 'Cart abandonment', value: pct(f.cartAbandonment), note: `${num(f.total.abandonedCart)} of ${num(f.total.addedToCart)} carts` },
              { id: 'checkout-abandonment', label: 'Checkout abandonment', value: pct(f.checkoutAbandonment), note: `${num(f.total.abandonedCheckout)} of ${num(f.total.startedCheckout)} checkouts` },
              { id: 'zero-result-searches', label: 'Searches with no result', value: num(rows.reduce((s, r) => s + Number(r.zeroResults), 0)) },
            ]);
          },
        ],
        [
          funnel,
          async () => {
            const f = await checkout;
            const steps = [
              ['Sessions', f.total.sessions],
              ['Viewed a product', f.total.viewedProduct],
              ['Added to cart', f.total.addedToCart],
              ['Began checkout', f.total.startedCheckout],
              ['Ordered', f.total.ordered],
            ];
            funnelChart.set({
              tooltip: { trigger: 'item', formatter: (p) => `${p.name}: ${num(p.value)} sessions (${pct(f.total.sessions ? p.value / f.total.sessions : null)} of all)` },
              series: [{ type: 'funnel', name: 'Sessions', sort: 'none', left: '8%', width: '84%', minSize: '8%', label: { position: 'inside', formatter: (p) => `${p.name}: ${num(p.value)}` }, data: steps.map(([name, value]) => ({ name, value })) }],
            });
            table(channels, [
              { label: 'Channel', value: (c) => c.channel },
              { label: 'Sessions', value: (c) => num(c.sessions), num: true },
              { label: 'Carts', value: (c) => num(c.addedToCart), num: true },
              { label: 'Checkouts', value: (c) => num(c.startedCheckout), num: true },
              { label: 'Orders', value: (c) => num(c.ordered), num: true },
              { label: 'Carts abandoned', value: (c) => num(c.abandonedCart), num: true },
            ], f.byChannel, { id: 'checkout-by-channel' });
          },
        ],
        [
          searches,
          async () => {
            const { searches: rows } = await zero;
            table(searches.body, [
              { label: 'Query', value: (r) => r.query },
              { label: 'No result', value: (r) => num(r.zeroResults), num: true },
              { label: 'Searched', value: (r) => num(r.searches), num: true },
            ], rows, { id: 'zero-results', empty: 'Every search found something.' });
          },
        ],
        [
          notBought,
          async () => {
            const { products } = await ctx.get('kpis/products/viewed-not-bought', { ...ctx.range, limit: 10 });
            table(notBought.body, [
              { label: 'SKU', value: (p) => p.sku },
              { label: 'Product', value: (p) => p.name || '(not in catalogue)' },
              { label: 'Category', value: (p) => p.category || '–' },
              { label: 'Views', value: (p) => num(p.views), num: true },
              { label: 'Added to cart', value: (p) => num(p.cartAdds), num: true },
            ], products, { id: 'viewed-not-bought', empty: 'Everything viewed was bought.' });
          },
        ],
      ]);
    },
  };
}
