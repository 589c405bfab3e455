// Customer lookup: a person by any identifier; their profile, their events across web, app and
// store, recommendations, and why these identifiers are one person.
import { el, money, num, panel, readPanels, table, tiles, wallTime } from '../ui.js';

const TYPES = [
  ['loyalty_card', 'Loyalty card'],
  ['email', 'E-mail'],
  ['phone', 'Phone'],
  ['user_id', 'User id'],
  ['customer_id', 'Customer id'],
  ['anonymous_id', 'Anonymous id'],
  ['device_id', 'Device id'],
  ['mac', 'Wi-Fi MAC'],
  ['person_id', 'Person id'],
];
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const when = (iso) => wallTime(iso, zone, true);

export async function mount(root, ctx) {
  const typeSelect = el('select', { 'data-control': 'type' }, TYPES.map(([v, label]) => el('option', { value: v, selected: v === (ctx.params.get('type') ?? 'loyalty_card') }, label)));
  const valueInput = el('input', { 'data-control': 'value', value: ctx.params.get('value') ?? '', placeholder: 'e.g. LC-100042', size: 32, required: true });
  const form = el('form', { class: 'search', onsubmit: (e) => { e.preventDefault(); ctx.setParam('type', typeSelect.value); ctx.setParam('value', valueInput.value.trim()); ctx.refreshNow(); } }, el('label', {}, 'Identifier', typeSelect), el('label', {}, 'Value', valueInput), el('button', { type: 'submit' }, 'Find'));
  ctx.toolbar.append(form);

  const profile = panel(root, { id: 'profile', title: 'Profile', wide: true });
  const timeline = panel(root, { id: 'timeline', title: 'Timeline', about: `Events across web, app and stores, newest first (times in ${zone}).`, wide: true });
  const merges = panel(root, { id: 'explain', title: 'Why these identifiers are one person', about: 'Every merge that built this person, with the event that carried the identifiers together.' });
  const recs = panel(root, { id: 'recommendations', title: 'Recommendations', about: 'By lift over everyone\'s purchases.' });

  return {
    refresh() {
      const type = ctx.params.get('type');
      const value = ctx.params.get('value');
      if (!type || !value) {
        profile.body.replaceChildren(el('p', { class: 'empty' }, 'Look a customer up by any identifier above.'));
        return Promise.resolve();
      }
      const base = `profiles/${encodeURIComponent(type)}/${encodeURIComponent(value)}`;
      const person = ctx.get(base);
      // Only the profile says a person is unknown; the other panels then stay empty.
      const known = person.then(() => true, () => false);
      return readPanels([
        [
          profile,
          async () => {
            const p = await person;
            tiles(profile.body, [
              { id: 'person', label: 'Person', value: p.personId, note: p.mergedPersonIds.length ? `${p.mergedPersonIds.length} merged into it` : 'never merged' },
              { id: 'channels', label: 'Channels', value: p.channels.join(', ') || '–' },
              { id: 'revenue', label: 'Revenue', value: money(p.revenueMinor), note: `${num(p.onlineOrders)} orders online, ${num(p.storeReceipts)} receipts in stores` },
              { id: 'sessions', label: 'Sessions', value: num(p.sessions), note: `${num(p.webPageViews)} page views, ${num(p.appScreenViews)} app screens` },
              { id: 'seen', label: 'Seen', value: when(p.lastSeen), note: `first ${when(p.firstSeen)}` },
            ]);
            profile.body.append(
              el('h3', { class: 'about' }, 'Identifiers'),
              el('div', { class: 'chips', 'data-part': 'identifiers' }, p.identifiers.map((i) => el('span', { class: 'chip' }, `${i.type}: ${i.value}`))),
              el('h3', { class: 'about' }, 'Consent'),
              el('div', { class: 'chips', 'data-part': 'consent' }, Object.entries(p.consent).map(([purpose, c]) => el('span', { class: 'chip' }, `${purpose}: ${c.granted ? 'yes' : 'no'}${c.stated ? ` (${c.source}, ${when(c.statedAt)})` : ' (policy default)'}`))),
              p.favouriteCategories?.length ? el('p', {}, `Favourite categories: ${p.favouriteCategories.join(', ')}`) : null,
              p.partnerSegments?.length ? el('p', {}, `Partner segments: ${p.partnerSegments.map((s) => `${s.partner}: ${s.segments.join(', ')}`).join('; ')}`) : null,
              p.homeArea ? el('p', {}, `Home area: ${p.homeArea.name} (${p.homeArea.postalCode}, ${p.homeArea.municipality})`) : null,
              p.withheld?.length ? el('p', { class: 'muted' }, `Withheld for lack of consent: ${p.withheld.join(', ')}`) : null,
            );
          },
        ],
        [
          timeline,
          async () => {
            if (!(await known)) return void timeline.body.replaceChildren();
            const t = await ctx.get(`${base}/timeline`, { limit: 50 });
            table(timeline.body, [
              { label: 'When', value: (e) => when(e.time) },
              { label: 'Channel', value: (e) => e.channel },
              { label: 'Event', value: (e) => (e.name ? `${e.type}: ${e.name}` : e.type) },
              { label: 'Where', value: (e) => e.pagePath || (e.storeId ? `store ${e.storeId}` : '–') },
              { label: 'Products', value: (e) => (e.skus ?? []).join(', ') },
              { label: 'Revenue', value: (e) => (e.revenueMinor ? money(e.revenueMinor, e.currency || 'EUR') : ''), num: true },
            ], t.events, { id: 'timeline', empty: t.withheld?.length ? 'Withheld: the person has not consented to analytics.' : 'No events.' });
          },
        ],
        [
          merges,
          async () => {
            if (!(await known)) return void merges.body.replaceChildren();
            const x = await ctx.get(`${base}/explain`);
            const items = [
              ...x.merges.map((m) => el('li', { 'data-merge': m.eventId }, m.summary, el('div', { class: 'muted' }, when(m.eventTime)))),
              ...(x.splits ?? []).map((s) => el('li', { 'data-split': s.value ?? '' }, `${s.action ?? 'split'}: ${s.reason ?? ''}`)),
            ];
            merges.body.replaceChildren(
              items.length ? el('ol', { class: 'steps' }, items) : el('p', { class: 'empty' }, 'One person from the start: no merge.'),
              x.refused?.length ? el('div', {}, el('h3', { class: 'about' }, 'Links the rules refused'), el('ul', {}, x.refused.map((r) => el('li', {}, `${r.rule}: ${r.reason}`)))) : null,
            );
          },
        ],
        [
          recs,
          async () => {
            if (!(await known)) return void recs.body.replaceChildren();
            const r = await ctx.get(`${base}/recommendations`, { limit: 6 });
            table(recs.body, [
              { label: 'SKU', value: (i) => i.sku },
              { label: 'Why', value: (i) => (i.because?.length ? `bought with ${i.because.map((b) => b.sku).join(', ')}` : i.reason.replace('_', ' ')) },
              { label: 'Score', value: (i) => Number(i.score).toFixed(2), num: true },
            ], r.items, { id: 'recommendations', empty: r.withheld?.length ? 'Withheld: the person has not consented to personalisation.' : 'Nothing to recommend yet.' });
          },
        ],
      ]);
    },
  };
}
