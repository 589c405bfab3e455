// Stores: one store's day by its own clock: footfall, visitors and passers-by, capture rate,
// conversion, dwell, and zone heat by hour.
import { barsOption, chart, el, num, panel, pct, ratio, readPanels, sum, table, tiles, todayIn } from '../ui.js';

const hourOf = (row) => row.hourLocal.slice(11, 16);
const bucketOf = (b) => (b.toMinutes === null ? `${b.fromMinutes}+` : `${b.fromMinutes}–${b.toMinutes}`);

export async function mount(root, ctx) {
  const { stores } = await ctx.get('kpis/stores');
  if (stores.length === 0) {
    root.append(el('p', { class: 'empty' }, 'No store in the store directory yet: load one with pnpm load stores.'));
    return { refresh: async () => undefined };
  }
  let store = stores.find((s) => s.storeId === ctx.params.get('store')) ?? stores[0];
  let day = ctx.params.get('day') ?? todayIn(store.timeZone);
  const dayInput = el('input', { type: 'date', value: day, 'data-control': 'day', onchange: (e) => e.target.value && choose(store, e.target.value) });
  const storeSelect = el(
    'select',
    { 'data-control': 'store', onchange: (e) => choose(stores.find((s) => s.storeId === e.target.value), dayInput.value) },
    stores.map((s) => el('option', { value: s.storeId, selected: s.storeId === store.storeId }, `${s.name || s.storeId}${s.city ? `, ${s.city}` : ''}`)),
  );
  const zoneNote = el('span', { class: 'muted' });
  ctx.toolbar.append(el('label', {}, 'Store', storeSelect), el('label', {}, "Day (the store's own)", dayInput), zoneNote);
  function choose(next, nextDay) {
    store = next;
    day = nextDay;
    ctx.setParam('store', store.storeId);
    ctx.setParam('day', day);
    ctx.refreshNow();
  }

  const summary = panel(root, { id: 'summary', title: 'The day', wide: true });
  const hours = panel(root, { id: 'hours', title: 'Footfall, visitors and passers-by by hour', about: 'Visitors: phones heard inside for long enough; passers-by: heard only outside or briefly. Conversion: receipts per visitor.', wide: true });
  const hoursChart = chart(hours.body, { id: 'store-hours', tall: true });
  const dwell = panel(root, { id: 'dwell', title: 'Dwell time', about: 'Visitors by how long they stayed.' });
  const dwellChart = chart(dwell.body, { id: 'dwell' });
  const heat = panel(root, { id: 'zones', title: 'Zone heat by hour', about: 'Visitors heard in each zone.' });
  const heatChart = chart(heat.body, { id: 'zone-heat' });
  const hourTable = panel(root, { id: 'hour-table', title: 'Hour by hour', wide: true });

  return {
    refresh() {
      zoneNote.textContent = `Times are ${store.timeZone}`;
      const hourRows = ctx.get(`kpis/stores/${encodeURIComponent(store.storeId)}/hours`, { day });
      return readPanels([
        [
          summary,
          async () => {
            const { hours: rows } = await hourRows;
            const visitors = sum(rows, 'visitors');
            const passers = sum(rows, 'passersby');
            const receipts = sum(rows, 'receipts');
            tiles(summary.body, [
              { id: 'footfall', label: 'Footfall (counted in)', value: num(sum(rows, 'footfallIn')) },
              { id: 'visitors', label: 'Visitors', value: num(visitors), note: 'summed by hour' },
              { id: 'passersby', label: 'Passers-by', value: num(passers) },
              { id: 'capture-rate', label: 'Capture rate', value: pct(ratio(visitors, visitors + passers)), note: 'visitors of everyone heard' },
              { id: 'receipts', label: 'Receipts', value: num(receipts) },
              { id: 'conversion', label: 'Conversion', value: pct(ratio(receipts, visitors)), note: 'receipts per visitor' },
            ]);
          },
        ],
        [
          hours,
          async () => {
            const { hours: rows } = await hourRows;
            hoursChart.set(
              barsOption({
                categories: rows.map(hourOf),
                series: [
                  { name: 'Footfall in', data: rows.map((r) => r.footfallIn) },
                  { name: 'Visitors', data: rows.map((r) => r.visitors) },
                  { name: 'Passers-by', data: rows.map((r) => r.passersby) },
                  { name: 'Capture rate', type: 'line', axis: 1, data: rows.map((r) => r.captureRate) },
                  { name: 'Conversion', type: 'line', axis: 1, data: rows.map((r) => r.conversion) },
                ],
                x: `Hour (${store.timeZone})`,
                y: 'People',
                y2: 'Rate',
                percentY2: true,
              }),
            );
          },
        ],
        [
          hourTable,
          async () => {
            const { hours: rows } = await hourRows;
            table(hourTable.body, [
              { label: 'Hour', value: hourOf },
              { label: 'Footfall in', value: (r) => num(r.footfallIn), num: true },
              { label: 'Visitors', value: (r) => num(r.visitors), num: true },
              { label: 'Passers-by', value: (r) => num(r.passersby), num: true },
              { label: 'Capture', value: (r) => pct(r.captureRate), num: true },
              { label: 'Receipts', value: (r) => num(r.receipts), num: true },
              { label: 'Conversion', value: (r) => pct(r.conversion), num: true },
              { label: 'Median dwell', value: (r) => (r.medianDwellMinutes === null ? '–' : `${num(r.medianDwellMinutes)} min`), num: true },
            ], rows, { id: 'store-hours', empty: 'Nothing heard or sold in this store on this day.' });
          },
        ],
        [
          dwell,
          async () => {
            const { buckets } = await ctx.get(`kpis/stores/${encodeURIComponent(store.storeId)}/dwell`, { day });
            dwellChart.set(barsOption({ categories: buckets.map(bucketOf), series: [{ name: 'Visitors', data: buckets.map((b) => b.visitors) }], x: 'Minutes in the store', y: 'Visitors' }));
          },
        ],
        [
          heat,
          async () => {
            const { zones } = await ctx.get(`kpis/stores/${encodeURIComponent(store.storeId)}/zones`, { day });
            const hoursSeen = [...new Set(zones.map(hourOf))].sort();
            const zoneIds = store.zones?.length ? store.zones.map((z) => z.zoneId) : [...new Set(zones.map((z) => z.zoneId))].sort();
            const zoneName = (id) => store.zones?.find((z) => z.zoneId === id)?.name ?? id;
            const max = Math.max(1, ...zones.map((z) => Number(z.visitors)));
            heatChart.set({
              tooltip: { position: 'top', formatter: (p) => `${zoneName(zoneIds[p.value[1]])}, ${hoursSeen[p.value[0]]}: ${p.value[2]} visitors` },
              grid: { left: 120, right: 20, top: 10, bottom: 80 },
              xAxis: { type: 'category', data: hoursSeen, name: `Hour (${store.timeZone})`, nameLocation: 'middle', nameGap: 30, splitArea: { show: true } },
              yAxis: { type: 'category', data: zoneIds.map(zoneName), splitArea: { show: true } },
              visualMap: { min: 0, max, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, text: ['visitors', ''], inRange: { color: ['#f3f6fb', '#f7b267', '#c43d20'] } },
              series: [{ type: 'heatmap', name: 'Visitors', data: zones.filter((z) => zoneIds.includes(z.zoneId)).map((z) => [hoursSeen.indexOf(hourOf(z)), zoneIds.indexOf(z.zoneId), Number(z.visitors)]), label: { show: true } }],
            });
          },
        ],
      ]);
    },
  };
}
