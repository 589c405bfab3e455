/**
 * The shapes of the KPI answers the console's pages read (the checkout funnel, the technology mix),
 * from ClickHouse's rows. Pure. Counts arrive as numbers or as strings (UInt64 over JSON): both are
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
