// The console's shell: the session, the navigation, the page's module, the period it shows, and
// live updates. The API's push channel (/api/stream) says when the tenant's data landed; the page
// then reads its figures again, at most one read at a time, the last change never skipped.
import { ago, el } from './ui.js';

const DAY_MS = 86_400_000;
const isoDay = (t) => new Date(t).toISOString().slice(0, 10);
const freshness = document.getElementById('freshness');
const params = new URLSearchParams(location.search);

class ApiFailure extends Error {}

async function getJson(url) {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (res.status === 401) {
    location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new ApiFailure('signed out');
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiFailure(res.status === 403 ? `Not allowed with this sign-in: ${body.message ?? 'forbidden'}` : (body.message ?? `the console answered ${res.status}`));
  return body;
}

const context = {
  params,
  /** A customer-API read: get('kpis/web/searches', { from, to }). */
  get: (path, query = {}) => {
    const q = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== ''));
    return getJson(`/api/v1/${path}${q.size ? `?${q}` : ''}`);
  },
  ops: () => getJson('/api/ops'),
  toolbar: document.getElementById('toolbar'),
  /** The period the page shows (UTC days), from the address or the last 14 days. */
  range: { from: params.get('from') ?? isoDay(Date.now() - 13 * DAY_MS), to: params.get('to') ?? isoDay(Date.now()) },
  /** Keeps a choice in the address, so a reload or a shared link shows the same. */
  setParam(key, value) {
    if (value) params.set(key, value);
    else params.delete(key);
    history.replaceState(null, '', `${location.pathname}?${params}`);
  },
  /** From/to inputs in the toolbar; a change reads the page again. */
  rangeControls() {
    const input = (key) =>
      el('input', {
        type: 'date',
        value: context.range[key],
        'data-range': key,
        onchange: (e) => {
          if (!e.target.value) return;
          context.range[key] = e.target.value;
          context.setParam(key, e.target.value);
          schedule();
        },
      });
    context.toolbar.append(el('label', {}, 'From (UTC day)', input('from')), el('label', {}, 'To', input('to')));
  },
  refreshNow: () => schedule(),
};

let view;
let running;
let again = false;
let refreshes = 0;
let readAt;
let landedAt;
let live = false;

/** Reads the page again; a call while a read runs makes one more read after it. */
function schedule() {
  if (!view) return;
  if (running) {
    again = true;
    return;
  }
  running = view
    .refresh()
    .catch((error) => console.error(error))
    .finally(() => {
      running = undefined;
      readAt = Date.now();
      refreshes += 1;
      document.body.dataset.refreshes = String(refreshes);
      if (refreshes === 1) {
        document.body.dataset.state = 'ready';
        performance.mark('console:first-view');
      }
      showFreshness();
      if (again) {
        again = false;
        schedule();
      }
    });
}

function showFreshness() {
  const parts = [live ? 'Live' : 'Not live (reconnecting)'];
  parts.push(landedAt ? `data landed ${ago(Date.now() - landedAt)}` : 'no data landed yet');
  if (readAt) parts.push(`read ${new Date(readAt).toLocaleTimeString([], { hour12: false })}`);
  freshness.textContent = parts.join(' · ');
  freshness.dataset.live = live ? 'yes' : 'no';
  if (landedAt) freshness.dataset.landedAt = new Date(landedAt).toISOString();
}

function follow() {
  const stream = new EventSource('/api/stream');
  let first = true;
  stream.addEventListener('open', () => {
    live = true;
    showFreshness();
  });
  stream.addEventListener('landed', (event) => {
    const { landedAt: at } = JSON.parse(event.data);
    if (at) landedAt = Math.max(landedAt ?? 0, Date.parse(at));
    // The first event says when data last landed, which the first read already has.
    if (!first) schedule();
    first = false;
    showFreshness();
  });
  stream.addEventListener('error', () => {
    live = false;
    first = true;
    showFreshness();
  });
}

async function main() {
  // The server answers /app/<page> for known pages only: the page's script loads beside the session.
  const pageId = location.pathname.split('/')[2];
  const [session, module] = await Promise.all([getJson('/api/session'), import(`./pages/${pageId}.js`)]);
  const page = session.pages.find((p) => p.id === pageId);
  document.title = `${page.title} · CDP console`;
  document.getElementById('nav').replaceChildren(...session.pages.map((p) => el('a', { href: `/app/${p.id}`, 'aria-current': p.id === page.id ? 'page' : undefined, title: p.about }, p.title)));
  document.getElementById('user').textContent = session.tenant ? `${session.user} (${session.tenant})` : session.user;
  document.getElementById('logout').addEventListener('click', async () => {
    await fetch('/logout', { method: 'POST' });
    location.assign('/login');
  });
  // When data last landed, for the header, before the push channel says more.
  context
    .get('kpis/freshness')
    .then((f) => {
      if (f.lastLandedAt) landedAt = Math.max(landedAt ?? 0, Date.parse(f.lastLandedAt));
      showFreshness();
    })
    .catch(() => undefined);
  view = await module.mount(document.getElementById('page'), context);
  schedule();
  follow();
  setInterval(showFreshness, 1000);
}

main().catch((error) => {
  document.body.dataset.state = 'failed';
  document.getElementById('page').replaceChildren(el('p', { class: 'error', role: 'alert' }, `The console could not start: ${error.message}`));
});
