// Management: the digital share of sales, revenue online and in stores by day, segments growing
// and shrinking, and the best and worst product groups.
import { barsOption, chart, major, money, num, panel, pct, ratio, readPanels, sum, table, tiles } from '../ui.js';

export async function mount(root, ctx) {
  ctx.rangeControls();
  const summary = panel(root, { id: 'summary', title: 'Sales in the period', wide: true });
  const revenue = panel(root, { id: 'revenue', title: 'Revenue by day', about: 'Web and app orders against store receipts (net of returns), per UTC day; the line is the digital share.', wide: true });
  const revenueChart = chart(revenue.body, { id: 'revenue-by-day' });
  const segments = panel(root, { id: 'segments', title: 'Growing and shrinking segments', about: 'Persons in each segment now (last 30 days) against a week ago.' });
  const segmentsChart = chart(segments.body, { id: 'segment-growth' });
  const best = panel(root, { id: 'best-groups', title: 'Best product groups', about: 'Revenue online and in stores, top level of the catalogue.' });
  const bestChart = chart(best.body, { id: 'best-groups' });
  const worst = panel(root, { id: 'worst-groups', title: 'Worst product groups' });
  const worstTable = worst.body;

  const groupsOption = (groups) =>
    barsOption({
      categories: groups.map((g) => g.productGroup),
      series: [
        { name: 'Online', data: groups.map((g) => major(g.onlineRevenueMinor)), stack: 'revenue' },
        { name: 'Stores', data: groups.map((g) => major(g.storeRevenueMinor)), stack: 'revenue' },
      ],
      x: 'Revenue (EUR)',
      y: 'Revenue (EUR)',
      horizontal: true,
    });

  return {
    refresh() {
      const share = ctx.get('kpis/digital-share', ctx.range);
      return readPanels([
        [
          summary,
          async () => {
            const { days } = await share;
            const digital = sum(days, 'digitalRevenueMinor');
            const store = sum(days, 'storeRevenueMinor');
            const currency = days[0]?.currency ?? 'EUR';
            tiles(summary.body, [
              { id: 'digital-share', label: 'Digital share of sales', value: pct(ratio(digital, digital + store)), note: 'web and app of all revenue' },
              { id: 'digital-revenue', label: 'Revenue online', value: money(digital, currency) },
              { id: 'store-revenue', label: 'Revenue in stores', value: money(store, currency) },
              { id: 'digital-orders', label: 'Orders online', value: num(sum(days, 'digitalOrders')) },
              { id: 'store-receipts', label: 'Store receipts', value: num(sum(days, 'storeOrders')) },
            ]);
          },
        ],
        [
          revenue,
          async () => {
            const { days } = await share;
            const currency = days[0]?.currency ?? 'EUR';
            revenueChart.set(
              barsOption({
                categories: days.map((d) => d.day),
                series: [
                  { name: 'Online (web and app)', data: days.map((d) => major(d.digitalRevenueMinor)), stack: 'revenue' },
                  { name: 'Stores', data: days.map((d) => major(d.storeRevenueMinor)), stack: 'revenue' },
                  { name: 'Digital share', type: 'line', axis: 1, data: days.map((d) => d.digitalShare) },
                ],
                x: 'Day (UTC)',
                y: `Revenue (${currency})`,
                y2: 'Digital share',
                percentY2: true,
              }),
            );
          },
        ],
        [
          segments,
          async () => {
            const { segments: rows } = await ctx.get('kpis/segments/growth', { days: 30, compareDays: 7 });
            segmentsChart.set(
              barsOption({
                categories: rows.map((s) => s.segment),
                series: [
                  { name: 'A week ago', data: rows.map((s) => s.personsBefore) },
                  { name: 'Now', data: rows.map((s) => s.persons) },
                ],
                x: 'Persons',
                y: 'Persons',
                horizontal: true,
              }),
            );
          },
        ],
        [
          best,
          async () => {
            const { groups } = await ctx.get('kpis/product-groups', { ...ctx.range, order: 'top', limit: 6 });
            bestChart.set(groupsOption(groups));
          },
        ],
        [
          worst,
          async () => {
            const { groups } = await ctx.get('kpis/product-groups', { ...ctx.range, order: 'bottom', limit: 6 });
            table(worstTable, [
              { label: 'Product group', value: (g) => g.productGroup },
              { label: 'Revenue', value: (g) => money(g.revenueMinor), num: true },
              { label: 'Units', value: (g) => num(g.units), num: true },
              { label: 'Views', value: (g) => num(g.views), num: true },
            ], groups, { id: 'worst-groups' });
          },
        ],
      ]);
    },
  };
}
