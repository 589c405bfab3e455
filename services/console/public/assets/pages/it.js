// IT: page-load times, the device, OS and browser mix, and ingest health from the services'
// Prometheus metrics and Kafka (accepted, dead-lettered by reason, lag per consumer group).
import { barsOption, chart, el, num, panel, pieOption, readPanels, table, tiles } from '../ui.js';

const uptime = (s) => (s === undefined ? '–' : s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`);

export async function mount(root, ctx) {
  ctx.rangeControls();
  const health = panel(root, { id: 'ingest-health', title: 'Ingest health', about: 'Since each service started (its Prometheus counters), and Kafka now.', wide: true });
  const healthTiles = el('div');
  const healthTables = el('div', { class: 'grid', style: 'padding:10px 0 0' });
  health.body.append(healthTiles, healthTables);
  const sub = (id, title) => {
    const box = el('div', { 'data-part': id }, el('h3', { class: 'about' }, title));
    healthTables.append(box);
    return box;
  };
  const servicesBox = sub('services', 'Services');
  const deadBox = sub('dead-lettered', 'Dead-lettered at ingest, by reason');
  // Kafka's own count, as its consumer-groups tool shows it: after transactional writes an idle
  // partition keeps the last commit marker as a lag of 1.
  const lagBox = sub('lag', 'Consumer lag: records not yet read (an idle topic written in transactions shows its last commit marker as 1 per partition)');
  const dlqBox = sub('dlq', 'Dead-letter topics (records held)');
  const load = panel(root, { id: 'page-load', title: 'Page-load times', about: 'Percentiles of the page-load time the browser reported, by hour (UTC).', wide: true });
  const loadChart = chart(load.body, { id: 'page-load' });
  const slowest = panel(root, { id: 'slowest-pages', title: 'Slowest pages', about: 'By their 90th percentile.' });
  const tech = panel(root, { id: 'technology', title: 'Devices, systems and browsers', about: 'Sessions in the period (crawlers left out).', wide: true });
  const techRow = el('div', { class: 'grid', style: 'padding:0' });
  tech.body.append(techRow);
  const pies = Object.fromEntries(['device', 'os', 'browser'].map((d) => [d, chart(techRow.appendChild(el('div')), { id: `technology-${d}` })]));

  return {
    refresh() {
      const pageLoad = ctx.get('kpis/web/page-load', { ...ctx.range, limit: 10 });
      return readPanels([
        [
          health,
          async () => {
            const ops = await ctx.ops();
            const up = ops.services.filter((s) => s.up).length;
            const accepted = ops.ingest.accepted.reduce((s, r) => s + r.events, 0);
            const dead = ops.ingest.deadLettered.reduce((s, r) => s + r.events, 0);
            const lag = ops.lag.reduce((s, r) => s + r.lag, 0);
            tiles(healthTiles, [
              { id: 'services-up', label: 'Services answering', value: `${up} of ${ops.services.length}`, note: `health read ${new Date(ops.at).toLocaleTimeString([], { hour12: false })}` },
              { id: 'accepted', label: 'Events accepted', value: num(accepted) },
              { id: 'dead-lettered', label: 'Dead-lettered at ingest', value: num(dead) },
              { id: 'rejected', label: 'Rejected by a stage', value: num(ops.rejected.reduce((s, r) => s + r.records, 0)) },
              { id: 'lag', label: 'Consumer lag', value: num(lag), note: 'records' },
            ]);
            const part = (box, columns, rows, id, empty) => {
              const holder = el('div');
              table(holder, columns, rows, { id, empty });
              box.replaceChildren(box.firstChild, holder);
            };
            part(servicesBox, [
              { label: 'Service', value: (s) => s.service },
              { label: 'State', value: (s) => (s.up ? 'up' : `down: ${s.error}`) },
              { label: 'Up for', value: (s) => uptime(s.uptimeSeconds), num: true },
              { label: 'Memory', value: (s) => (s.residentMb === undefined ? '–' : `${s.residentMb} MB`), num: true },
              { label: 'Records ok', value: (s) => num(s.recordsOk), num: true },
              { label: 'Rejected', value: (s) => num(s.recordsRejected), num: true },
            ], ops.services, 'services');
            part(deadBox, [{ label: 'Source', value: (r) => r.source }, { label: 'Reason', value: (r) => r.reason }, { label: 'Events', value: (r) => num(r.events), num: true }], ops.ingest.deadLettered, 'dead-lettered', 'Nothing dead-lettered.');
            part(lagBox, [{ label: 'Consumer group', value: (r) => r.group }, { label: 'Topic', value: (r) => r.topic }, { label: 'Lag', value: (r) => num(r.lag), num: true }], ops.lag, 'lag', 'No consumer group has committed yet.');
            part(dlqBox, [{ label: 'Topic', value: (r) => r.topic }, { label: 'Records', value: (r) => num(r.messages), num: true }], ops.deadLetterTopics, 'dlq', 'Every dead-letter topic is empty.');
          },
        ],
        [
          load,
          async () => {
            const { hours } = await pageLoad;
            loadChart.set(
              barsOption({
                categories: hours.map((h) => h.hourUtc.slice(5, 16).replace('T', ' ')),
                series: [
                  { name: 'p50', type: 'line', data: hours.map((h) => h.p50Ms) },
                  { name: 'p90', type: 'line', data: hours.map((h) => h.p90Ms) },
                  { name: 'p99', type: 'line', data: hours.map((h) => h.p99Ms) },
                ],
                x: 'Hour (UTC)',
                y: 'Page load (ms)',
              }),
            );
          },
        ],
        [
          slowest,
          async () => {
            const { pages } = await pageLoad;
            table(slowest.body, [
              { label: 'Page', value: (p) => p.pagePath },
              { label: 'Loads', value: (p) => num(p.loads), num: true },
              { label: 'p50 ms', value: (p) => num(p.p50Ms), num: true },
              { label: 'p90 ms', value: (p) => num(p.p90Ms), num: true },
            ], pages, { id: 'slowest-pages' });
          },
        ],
        [
          tech,
          async () => {
            const mix = await ctx.get('kpis/web/technology', ctx.range);
            for (const [dimension, title] of [['device', 'Device type'], ['os', 'Operating system'], ['browser', 'Browser']]) {
              pies[dimension].set({ title: { text: title, textStyle: { fontSize: 13 } }, ...pieOption(title, mix[dimension].map((e) => ({ name: e.value, value: e.sessions }))) });
            }
          },
        ],
      ]);
    },
  };
}
