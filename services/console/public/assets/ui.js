// What every page builds with: panels, figure tiles, tables, ECharts charts and number formats.
// Charts come from Apache ECharts (window.echarts, loaded by the page before this module runs).

export const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
};

/** A titled panel on the page; `body` is where its content goes, `fail` shows why it has none. */
export function panel(root, { id, title, about, wide = false }) {
  const body = el('div', { class: 'body' });
  const failure = el('p', { class: 'failure', role: 'alert', hidden: true });
  const node = el('section', { class: `panel${wide ? ' wide' : ''}`, 'data-panel': id }, el('h2', {}, title), about ? el('p', { class: 'about' }, about) : null, failure, body);
  root.append(node);
  return {
    node,
    body,
    ok() {
      failure.hidden = true;
    },
    fail(error) {
      failure.textContent = error.message;
      failure.hidden = false;
    },
  };
}

/** Figure tiles, each marked data-kpi so a test (or a screen reader) finds it by name. */
export function tiles(container, items) {
  container.replaceChildren(
    el('div', { class: 'tiles' }, items.map((t) => el('div', { class: 'tile', 'data-kpi': t.id }, el('div', { class: 'label' }, t.label), el('div', { class: 'value' }, t.value), t.note ? el('div', { class: 'note' }, t.note) : null))),
  );
}

/** A table: columns [{ label, value: row => text, num }]. */
export function table(container, columns, rows, { empty = 'Nothing in this period.', id } = {}) {
  if (rows.length === 0) {
    container.replaceChildren(el('p', { class: 'empty' }, empty));
    return;
  }
  container.replaceChildren(
    el(
      'div',
      { class: 'scroll' },
      el(
        'table',
        { 'data-table': id },
        el('thead', {}, el('tr', {}, columns.map((c) => el('th', { class: c.num ? 'num' : undefined }, c.label)))),
        el('tbody', {}, rows.map((r) => el('tr', {}, columns.map((c) => el('td', { class: c.num ? 'num' : undefined }, c.value(r)))))),
      ),
    ),
  );
}

/** An ECharts chart in `container`, resized with it; `set(option)` replaces what it shows. */
export function chart(container, { tall = false, id } = {}) {
  const box = el('div', { class: `chart${tall ? ' tall' : ''}`, 'data-chart': id });
  container.append(box);
  const instance = window.echarts.init(box, null, { renderer: 'canvas' });
  new ResizeObserver(() => instance.resize()).observe(box);
  return {
    set(option) {
      instance.setOption({ animation: false, textStyle: { fontFamily: 'system-ui, sans-serif' }, ...option }, { notMerge: true });
    },
  };
}

const axisName = (name) => ({ name, nameLocation: 'middle', nameGap: 38, nameTextStyle: { color: '#5d6678' } });

/** Bars (and lines) by category: series [{ name, data, type, stack, axis: 1 for the right axis }]. */
export function barsOption({ categories, series, x, y, y2, horizontal = false, percentY2 = false }) {
  const categoryAxis = { type: 'category', data: categories, ...axisName(x), axisLabel: { hideOverlap: true } };
  const valueAxis = [{ type: 'value', ...axisName(y) }, ...(y2 ? [{ type: 'value', ...axisName(y2), splitLine: { show: false }, ...(percentY2 ? { axisLabel: { formatter: (v) => `${Math.round(v * 100)} %` }, min: 0 } : {}) }] : [])];
  return {
    grid: { left: horizontal ? 150 : 64, right: y2 ? 64 : 20, top: 36, bottom: 56 },
    legend: { top: 0, type: 'scroll' },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: horizontal ? valueAxis[0] : categoryAxis,
    yAxis: horizontal ? { ...categoryAxis, inverse: true, nameGap: 130 } : valueAxis,
    series: series.map((s) => ({ type: s.type ?? 'bar', name: s.name, data: s.data, stack: s.stack, yAxisIndex: s.axis ?? 0, smooth: false, emphasis: { focus: 'series' } })),
  };
}

export function pieOption(name, entries) {
  return {
    tooltip: { trigger: 'item', valueFormatter: (v) => `${v} sessions` },
    legend: { bottom: 0, type: 'scroll' },
    series: [{ type: 'pie', name, radius: ['38%', '68%'], center: ['50%', '44%'], data: entries, label: { formatter: '{b}: {d} %' } }],
  };
}

// --- Formats (the browser's language for numbers; money in the row's currency) ---
const numbers = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
export const num = (v) => (v === null || v === undefined ? '–' : numbers.format(Number(v)));
export const pct = (v, digits = 1) => (v === null || v === undefined || !Number.isFinite(Number(v)) ? '–' : `${(Number(v) * 100).toFixed(digits)} %`);
export const money = (minor, currency = 'EUR') =>
  minor === null || minor === undefined ? '–' : new Intl.NumberFormat(undefined, { style: 'currency', currency, maximumFractionDigits: 0 }).format(Number(minor) / 100);
export const major = (minor) => Math.round(Number(minor)) / 100;
export const ratio = (part, whole) => (whole > 0 ? part / whole : null);
export const sum = (rows, key) => rows.reduce((s, r) => s + Number(r[key] ?? 0), 0);

/** A UTC instant as the wall time of a zone (a store's), e.g. "14:05" or "2 Dec 14:05". */
export function wallTime(iso, timeZone, withDay = false) {
  if (!iso) return '–';
  return new Intl.DateTimeFormat(undefined, { timeZone, hour: '2-digit', minute: '2-digit', hour12: false, ...(withDay ? { day: 'numeric', month: 'short' } : {}) }).format(new Date(iso));
}

/** Today's date (YYYY-MM-DD) in a zone. */
export function todayIn(timeZone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date()).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

export const ago = (ms) => (ms < 1500 ? 'just now' : ms < 90_000 ? `${Math.round(ms / 1000)} s ago` : ms < 5_400_000 ? `${Math.round(ms / 60_000)} min ago` : `${Math.round(ms / 3_600_000)} h ago`);

/** Runs each panel's read; a failed read shows in its panel and leaves the others alone. */
export const readPanels = (jobs) => Promise.all(jobs.map(([p, job]) => job().then(() => p.ok(), (error) => p.fail(error))));
