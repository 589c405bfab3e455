/**
 * The API's answers, shaped from what the directory and ClickHouse hold. Pure: no I/O. Times are
 * ISO 8601 in UTC; money is in minor units (cents) with the currency where the row has one.
 */
import type { CdpIdentity, Purpose } from '@cdp/plumbing';
import { consentView, type Consent } from './consent';
import type { AreaFacts } from './reference-data';
import type { ActivityRow, ConflictRow, EventSummaryRow, HistoryRow, IdentifierRow, TimelineRow } from './read-rows';
import type { PersonIdentity } from './person-directory';

const iso = (epochMs: number) => new Date(epochMs).toISOString();
const ident = ({ type, value }: IdentifierRow): CdpIdentity.Identifier => ({ type, value });
const said = (ids: readonly CdpIdentity.Identifier[]) => ids.map((i) => `${i.type}=${i.value}`).join(', ');

/**
 * The profile. Without analytics consent (`withheld` holds analytics) its figures are withheld:
 * counts and money null, lists empty, times and the home area null; the identifiers and the
 * consent are always there (the person may ask what is held about them). `a` is then not read.
 */
export function profileOf(
  identity: PersonIdentity,
  a: ActivityRow | undefined,
  partnerSegments: { partner: string; segments: string[] }[],
  area: AreaFacts | undefined,
  now: number,
  consent: { decisions: Consent; withheld: Purpose[] },
) {
  const base = { personId: identity.personId, mergedPersonIds: identity.members.slice(1), identifiers: identity.identifiers, consent: consentView(consent.decisions), withheld: consent.withheld };
  if (consent.withheld.includes('analytics')) {
    return {
      ...base,
      firstSeen: null, lastSeen: null, channels: [],
      events: null, webPageViews: null, appScreenViews: null, sessions: null, storeVisitDays: null,
      onlineOrders: null, onlineRevenueMinor: null, storeReceipts: null, storeRevenueMinor: null, revenueMinor: null, averageOrderMinor: null,
      lastViewedSkus: [], lastCartedSkus: [], favouriteCategories: [],
      partnerSegments,
      homeArea: null,
      asOf: iso(now),
    };
  }
  const online = a?.online_revenue_minor ?? 0;
  const store = a?.store_revenue_minor ?? 0;
  const orders = (a?.online_orders ?? 0) + (a?.store_orders ?? 0);
  return {
    ...base,
    firstSeen: a ? iso(a.first_seen) : null,
    lastSeen: a ? iso(a.last_seen) : null,
    channels: a?.channels ?? [],
    events: a?.events ?? 0,
    webPageViews: a?.web_page_views ?? 0,
    appScreenViews: a?.app_screen_views ?? 0,
    sessions: a?.sessions ?? 0,
    storeVisitDays: a?.store_visits ?? 0,
    onlineOrders: a?.online_orders ?? 0,
    onlineRevenueMinor: online,
    storeReceipts: a?.store_orders ?? 0,
    storeRevenueMinor: store,
    revenueMinor: online + store,
    averageOrderMinor: orders > 0 ? Math.trunc((online + store) / orders) : 0,
    lastViewedSkus: a?.last_viewed_skus ?? [],
    lastCartedSkus: a?.last_carted_skus ?? [],
    favouriteCategories: a?.favourite_categories ?? [],
    partnerSegments,
    homeArea: a && a.home_postal_code !== ''
      ? { countryCode: a.home_country, postalCode: a.home_postal_code, name: area?.name ?? null, municipality: area?.municipality ?? null, population: area?.population ?? null, medianAge: area?.medianAge ?? null, medianIncomeEur: area?.medianIncomeEur ?? null }
      : null,
    asOf: iso(now),
  };
}

export function timelineEventOf(r: TimelineRow) {
  return {
    eventId: r.event_id,
    time: iso(r.time),
    personIdAtIngest: r.person_id,
    channel: r.channel,
    source: r.source,
    type: r.event_type,
    name: r.event_name,
    sessionId: r.session_id || null,
    pagePath: r.page_path || null,
    storeId: r.store_id || null,
    orderId: r.order_id || null,
    currency: r.currency || null,
    revenueMinor: r.revenue_minor,
    skus: r.skus,
  };
}

/**
 * Why these identifiers are one person: each merge, oldest first, with the event whose
 * identifiers arrived together and made it, the identifiers the absorbed person brought, and the
 * links the rules refused. An identifier's first sighting is listed too: where each came from.
 * An operator's block of a value that glued people together (a split) and its undo are listed
 * with who asked, why and the persons before and after; `steps` tells merges and splits in the
 * order the graph applied them (a merge a later block undid stays in the history, before it).
 */
export function explanationOf(identity: PersonIdentity, history: HistoryRow[], conflicts: ConflictRow[], events: EventSummaryRow[]) {
  const eventOf = new Map(events.map((e) => [e.event_id, { channel: e.channel, source: e.source, type: e.event_type, name: e.event_name }]));
  const describe = (eventId: string) => {
    const e = eventOf.get(eventId);
    return e ? `event ${eventId} (${e.type}${e.name ? ` "${e.name}"` : ''}, ${e.channel})` : `event ${eventId}`;
  };
  const mergesOf = (h: HistoryRow) =>
    h.joins.map(({ survivor_person_id: survivor, absorbed_person_id: absorbed, identifiers, carried_person_ids: carried }) => {
      const link = h.identifiers.map(ident);
      const joined = identifiers.map(ident);
      return {
        mergedAt: iso(h.applied_at),
        eventId: h.event_id,
        eventTime: iso(h.event_time),
        event: eventOf.get(h.event_id) ?? null,
        link,
        survivorPersonId: survivor,
        absorbedPersonId: absorbed,
        joinedIdentifiers: joined,
        carriedPersonIds: carried,
        summary: `${describe(h.event_id)} carried ${said(link)} together: person ${absorbed}${joined.length ? ` (${said(joined)})` : ''} joined person ${survivor}`,
      };
    });
  const splitOf = (h: HistoryRow) => {
    const { action, blocked, reason, requested_by: requestedBy, person_before: before, persons_after: after } = h.split;
    const persons = after.length ? after.join(', ') : 'no person';
    const what = action === 'BLOCKED' ? `person ${before} was split into ${persons}` : `person ${before} holds it again, joined with ${persons}`;
    return {
      appliedAt: iso(h.applied_at),
      action: action as 'BLOCKED' | 'UNBLOCKED',
      blocked: ident(blocked),
      reason,
      requestedBy,
      personBefore: before,
      personsAfter: after,
      summary: `${said([ident(blocked)])} was ${action === 'BLOCKED' ? 'blocked' : 'unblocked'} by ${requestedBy} (${JSON.stringify(reason)}): ${what}`,
    };
  };
  const merges: ReturnType<typeof mergesOf> = [];
  const splits: ReturnType<typeof splitOf>[] = [];
  const steps: { kind: 'merge' | 'blocked' | 'unblocked'; at: string; summary: string }[] = [];
  for (const h of history) {
    if (h.split.action !== '') {
      const split = splitOf(h);
      splits.push(split);
      steps.push({ kind: split.action === 'BLOCKED' ? 'blocked' : 'unblocked', at: split.appliedAt, summary: split.summary });
      continue;
    }
    for (const m of mergesOf(h)) {
      merges.push(m);
      steps.push({ kind: 'merge', at: m.mergedAt, summary: m.summary });
    }
  }
  const firstSeen = history.flatMap((h) => h.first_seen.map((id) => ({ identifier: ident(id), eventId: h.event_id, eventTime: iso(h.event_time), event: eventOf.get(h.event_id) ?? null })));
  const refused = conflicts.map((c) => ({
    conflictId: c.conflict_id,
    rule: c.rule,
    reason: c.reason,
    eventId: c.event_id,
    eventTime: iso(c.event_time),
    detectedAt: iso(c.detected_at),
    link: c.identifiers.map(ident),
    refused: ident(c.refused),
    personId: c.person_id,
    otherPersonId: c.other_person_id,
  }));
  return { personId: identity.personId, mergedPersonIds: identity.members.slice(1), identifiers: identity.identifiers, merges, splits, steps, firstSeen, refused };
}

const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** KPI rows as ClickHouse names their columns (snake_case), in the API's camelCase. */
export const camelRows = (rows: readonly Record<string, unknown>[]): Record<string, unknown>[] =>
  rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [camel(k), v])));
