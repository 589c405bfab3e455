// Marketing: the campaign funnel (session, product view, cart, checkout, order) by campaign, and
// how many persons each partner segment reaches.
import { barsOption, chart, money, num, panel, pct, ratio, readPanels, sum, table, tiles } from '../ui.js';

const campaignName = (c) => (c.campaignName ? `${c.campaignName} (${c.campaignSource || c.marketingMedium})` : c.marketingMedium || 'direct');

export async function mount(root, ctx) {
  ctx.rangeControls();
  const summary = panel(root, { id: 'summary', title: 'Campaign traffic in the period', wide: true });
  const funnel = panel(root, { id: 'campaign-funnel', title: 'Campaign funnel', about: 'Sessions by arrival medium and campaign, and how many of them viewed a product, added to a cart, began a checkout and ordered (crawlers left out).', wide: true });
  const funnelChart = chart(funnel.body, { id: 'campaign-funnel', tall: true });
  const funnelTable = document.createElement('div');
  funnel.body.append(funnelTable);
  const reach = panel(root, { id: 'partner-reach', title: 'Partner-segment reach', about: 'Identifiers each partner delivered, the persons they matched, and those whose consent allows the partner\'s terms.', wide: true });
  const reachChart = chart(reach.body, { id: 'partner-reach' });

  return {
    refresh() {
      const funnelRead = ctx.get('kpis/campaigns/funnel', ctx.range);
      return readPanels([
        [
          summary,
          async () => {
            const { campaigns } = await funnelRead;
            tiles(summary.body, [
              { id: 'sessions', label: 'Sessions', value: num(sum(campaigns, 'sessions')) },
              { id: 'orders', label: 'Sessions that ordered', value: num(sum(campaigns, 'ordered')) },
              { id: 'conversion', label: 'Conversion', value: pct(ratio(sum(campaigns, 'ordered'), sum(campaigns, 'sessions'))) },
              { id: 'campaign-revenue', label: 'Revenue of campaign sessions', value: money(sum(campaigns.filter((c) => c.campaignName), 'revenueMinor')) },
            ]);
          },
        ],
        [
          funnel,
          async () => {
            const { campaigns } = await funnelRead;
            const top = campaigns.slice(0, 10);
            funnelChart.set(
              barsOption({
                categories: top.map(campaignName),
                series: [
                  { name: 'Sessions', data: top.map((c) => c.sessions) },
                  { name: 'Viewed a product', data: top.map((c) => c.viewedProduct) },
                  { name: 'Added to cart', data: top.map((c) => c.addedToCart) },
                  { name: 'Began checkout', data: top.map((c) => c.startedCheckout) },
                  { name: 'Ordered', data: top.map((c) => c.ordered) },
                ],
                x: 'Sessions',
                y: 'Sessions',
                horizontal: true,
              }),
            );
            table(funnelTable, [
              { label: 'Medium', value: (c) => c.marketingMedium || '(direct)' },
              { label: 'Source', value: (c) => c.campaignSource || '–' },
              { label: 'Campaign', value: (c) => c.campaignName || '–' },
              { label: 'Sessions', value: (c) => num(c.sessions), num: true },
              { label: 'Carts', value: (c) => num(c.addedToCart), num: true },
              { label: 'Orders', value: (c) => num(c.ordered), num: true },
              { label: 'Conversion', value: (c) => pct(ratio(c.ordered, c.sessions)), num: true },
              { label: 'Revenue', value: (c) => money(c.revenueMinor), num: true },
            ], campaigns, { id: 'campaigns' });
          },
        ],
        [
          reach,
          async () => {
            const { segments } = await ctx.get('kpis/partner-segments/reach');
            reachChart.set(
              barsOption({
                categories: segments.map((s) => `${s.partner}: ${s.segment}`),
                series: [
                  { name: 'Identifiers delivered', data: segments.map((s) => s.identifiers) },
                  { name: 'Persons matched', data: segments.map((s) => s.persons) },
                  { name: 'Persons with consent', data: segments.map((s) => s.consentingPersons) },
                ],
                x: 'Count',
                y: 'Count',
                horizontal: true,
              }),
            );
          },
        ],
      ]);
    },
  };
}
