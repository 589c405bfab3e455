/**
 * The shapes of the KPI answers the console's pages read (the checkout funnel, the technology mix,
 * the store directory, dwell times, segment growth, partner reach, freshness), from ClickHouse's rows. Pure. Counts arrive as numbers or as strings (UInt64 over JSON): both are
 * read as numbers.
 */
const n = (x: unknown): number => (typeof x === 'number' ? x : Number(x ?? 0));
const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

export interface FunnelStage {
  sessions: number;
  viewedProduct: number;
  addedToCart: number;
  startedCheckout: number;
  ordered: number;
  revenueMinor: number;
  /** Sessions that added to a cart and did not order. */
  abandonedCart: number;
  /** Sessions that began a checkout and did not order. */
  abandonedCheckout: number;
}

export interface CheckoutFunnel {
  total: FunnelStage;
  byChannel: (FunnelStage & { channel: string })[];
  /** Sessions that added to a cart and did not order, of those that added; null without carts. */
  cartAbandonment: number | null;
  /** Sessions that began a checkout and did not order, of those that began one; null without checkouts. */
  checkoutAbandonment: number | null;
  /** Sessions that ordered, of all sessions. */
  conversion: number | null;
}

const stageOf = (row: Record<string, unknown>): FunnelStage => ({
  sessions: n(row.sessions),
  viewedProduct: n(row.viewed_product),
  addedToCart: n(row.added_to_cart),
  startedCheckout: n(row.started_checkout),
  ordered: n(row.ordered),
  revenueMinor: n(row.revenue_minor),
  abandonedCart: n(row.abandoned_cart),
  abandonedCheckout: n(row.abandoned_checkout),
});

/** The funnel per channel (web, app) and over both, with its abandonment rates. */
export function checkoutFunnelOf(rows: readonly Record<string, unknown>[]): CheckoutFunnel {
  const byChannel = rows.map((r) => ({ channel: String(r.channel), ...stageOf(r) }));
  const zero: FunnelStage = { sessions: 0, viewedProduct: 0, addedToCart: 0, startedCheckout: 0, ordered: 0, revenueMinor: 0, abandonedCart: 0, abandonedCheckout: 0 };
  const total = byChannel.reduce<FunnelStage>((sum, c) => {
    const next = { ...sum };
    for (const k of Object.keys(zero) as (keyof FunnelStage)[]) next[k] += c[k];
    return next;
  }, zero);
  return { total, byChannel, cartAbandonment: ratio(total.abandonedCart, total.addedToCart), checkoutAbandonment: ratio(total.abandonedCheckout, total.startedCheckout), conversion: ratio(total.ordered, total.sessions) };
}

export interface MixEntry {
  value: string;
  sessions: number;
  /** Of the dimension's sessions. */
  share: number;
}

export type TechnologyMix = Record<'device' | 'os' | 'browser', MixEntry[]>;

/** Sessions per device type, operating system and browser, each with its share of the dimension's sessions. */
export function technologyMixOf(rows: readonly Record<string, unknown>[]): TechnologyMix {
  const mix: TechnologyMix = { device: [], os: [], browser: [] };
  for (const r of rows) {
    const dimension = r.dimension as keyof TechnologyMix;
    if (mix[dimension]) mix[dimension].push({ value: String(r.value), sessions: n(r.sessions), share: 0 });
  }
  for (const entries of Object.values(mix)) {
    const all = entries.reduce((s, e) => s + e.sessions, 0);
    for (const e of entries) e.share = all > 0 ? e.sessions / all : 0;
    entries.sort((a, b) => b.sessions - a.sessions || (a.value < b.value ? -1 : 1));
  }
  return mix;
}

/** Text the directory may leave empty: null then. */
const text = (x: unknown): string | null => (typeof x === 'string' && x !== '' ? x : null);
const isoOf = (epochMs: unknown): string => new Date(n(epochMs)).toISOString();

export interface StoreZone {
  zoneId: string;
  name: string;
  kind: string;
}

export interface StoreEntry {
  storeId: string;
  name: string;
  city: string | null;
  postalCode: string | null;
  countryCode: string | null;
  /** IANA zone the store's figures are counted in; UTC when the directory names none. */
  timeZone: string;
  zones: StoreZone[];
}

/** The store directory's rows as the console lists them: empty texts null, zones by their names. */
export function storeDirectoryOf(rows: readonly Record<string, unknown>[]): StoreEntry[] {
  return rows.map((r) => ({
    storeId: String(r.store_id),
    name: String(r.name ?? ''),
    city: text(r.city),
    postalCode: text(r.postal_code),
    countryCode: text(r.country_code),
    timeZone: text(r.time_zone) ?? 'UTC',
    zones: ((r.zones ?? []) as Record<string, unknown>[]).map((z) => ({ zoneId: String(z.zone_id), name: String(z.name), kind: String(z.kind) })),
  }));
}

/**
 * Where the dwell buckets start, in minutes; the last is open. A visitor stays 5 minutes at least
 * under the default store_visit_rules (shorter visits are passers-by), so the first bucket fills
 * only for a tenant whose own minimum is shorter.
 */
export const DWELL_EDGES: readonly number[] = [0, 5, 10, 20, 30, 60];

export interface DwellBucket {
  /** From this many minutes (inclusive). */
  fromMinutes: number;
  /** To this many (exclusive); null for the last, open bucket. */
  toMinutes: number | null;
  visitors: number;
}

/** Visits by dwell ([minutes, visits] pairs) into the buckets of `edges`, with the total. */
export function dwellDistributionOf(pairs: readonly (readonly [unknown, unknown])[], edges: readonly number[] = DWELL_EDGES): { visitors: number; buckets: DwellBucket[] } {
  const buckets: DwellBucket[] = edges.map((from, i) => ({ fromMinutes: from, toMinutes: edges[i + 1] ?? null, visitors: 0 }));
  let visitors = 0;
  for (const [minutes, visits] of pairs) {
    const at = buckets.filter((b) => n(minutes) >= b.fromMinutes).pop();
    if (!at) continue;
    at.visitors += n(visits);
    visitors += n(visits);
  }
  return { visitors, buckets };
}

export interface SegmentGrowth {
  segment: string;
  /** Persons in it over the window ending now. */
  persons: number;
  /** Persons in it over the window as long that ended compareDays ago. */
  personsBefore: number;
  change: number;
  /** change / personsBefore; null when there was no one before. */
  relativeChange: number | null;
}

/** Each segment's size now and before (by its name), with the change; the largest growth first (then by name). */
export function segmentGrowthOf(segments: readonly { segment: string; description: string }[], now: Record<string, unknown>, before: Record<string, unknown>): (SegmentGrowth & { description: string })[] {
  return segments
    .map(({ segment, description }) => {
      const persons = n(now[segment]);
      const personsBefore = n(before[segment]);
      return { segment, description, persons, personsBefore, change: persons - personsBefore, relativeChange: ratio(persons - personsBefore, personsBefore) };
    })
    .sort((a, b) => b.change - a.change || (a.segment < b.segment ? -1 : 1));
}

export interface PartnerReach {
  partner: string;
  segment: string;
  /** Identifiers the partner delivered in the segment. */
  identifiers: number;
  /** Surviving persons those identifiers name. */
  persons: number;
  /** Of those, the persons whose consent allows every purpose in `purposes`: the segment's export. */
  consentingPersons: number;
  /** What the partner's terms need. */
  purposes: string[];
}

/** The partner segments as delivered, each with the persons matched and consenting (0 where nothing matched). */
export function partnerReachOf(
  delivered: readonly { partner: string; segment: string; identifiers: unknown }[],
  matched: readonly { partner: string; segment: string; persons: unknown; consenting_persons: unknown }[],
  purposesOf: (partner: string) => string[],
): PartnerReach[] {
  const key = (r: { partner: string; segment: string }) => JSON.stringify([r.partner, r.segment]);
  const byKey = new Map(matched.map((m) => [key(m), m]));
  return delivered.map((d) => {
    const m = byKey.get(key(d));
    return { partner: d.partner, segment: d.segment, identifiers: n(d.identifiers), persons: n(m?.persons), consentingPersons: n(m?.consenting_persons), purposes: purposesOf(d.partner) };
  });
}

export interface Freshness {
  /** The newest event's time (when it happened); null without events. */
  newestEventTime: string | null;
  /** When an event of the tenant last landed in ClickHouse; null without events. */
  lastLandedAt: string | null;
  eventsLandedLast5Minutes: number;
  asOf: string;
}

/** The tenant's freshness from its events_raw figures (epoch ms), at `now`. */
export function freshnessOf(row: { events: unknown; newest_event_time: unknown; last_landed_at: unknown; landed_since: unknown } | undefined, now: number): Freshness {
  const any = n(row?.events) > 0;
  return {
    newestEventTime: any ? isoOf(row!.newest_event_time) : null,
    lastLandedAt: any ? isoOf(row!.last_landed_at) : null,
    eventsLandedLast5Minutes: n(row?.landed_since),
    asOf: isoOf(now),
  };
}
