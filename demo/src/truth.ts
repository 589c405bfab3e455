/**
 * What really happened in a simulated run, written down by the simulator as it sends: the
 * yardstick the end-to-end test and the demo hold the views against. Kept independent of the
 * pipeline's code on purpose (its own session rule, its own wall clock), so that a bug there
 * shows as a difference here.
 */

export const SESSION_TIMEOUT_MS = 30 * 60_000;

export interface FunnelCounts {
  sessions: number;
  viewed: number;
  carted: number;
  checkedOut: number;
  ordered: number;
  revenueMinor: number;
}

type Step = 'page' | 'view' | 'cart' | 'checkout' | 'order' | 'other';

interface OpenSession {
  lastAt: number;
  /** Arrival medium of a web session begun by a page; null for app sessions and others. */
  medium: string | null;
  steps: Set<Step>;
  revenueMinor: number;
}

/** Store-local hour as 'YYYY-MM-DD HH:00' in the store's time zone. */
export function localHour(epochMs: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(epochMs));
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:00`;
}

/** The UTC instant of a wall-clock time in a time zone (the zone's offset at that day). */
export function utcOfLocal(day: string, hour: number, minute: number, timeZone: string): number {
  const guess = Date.parse(`${day}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00Z`);
  const local = localHour(guess, timeZone);
  const shownHour = Number(local.slice(11, 13));
  const shownDay = local.slice(0, 10);
  let offsetHours = shownHour - hour;
  if (shownDay > day) offsetHours += 24;
  if (shownDay < day) offsetHours -= 24;
  return guess - offsetHours * 3_600_000;
}

export class GroundTruth {
  private readonly open = new Map<string, OpenSession>();
  private readonly closed: OpenSession[] = [];
  /** store -> local hour -> counts. */
  readonly stores = new Map<string, Map<string, { visitors: number; receipts: number; footfallIn: number; footfallOut: number }>>();
  /** Client MACs of phones that only passed by (weakly, or for a minute or two). */
  readonly passerbyMacs = new Set<string>();
  /** Client MACs of phones in a visit, per store. */
  readonly visitorMacs = new Map<string, Set<string>>();
  /** Signals the live part of the run must make, by kind (the rest happened too long ago). */
  readonly signals = { cart_abandoned: 0, known_customer_entered_store: 0, first_purchase: 0, store_visit_after_browsing: 0 };
  searches = 0;
  zeroResultSearches = 0;
  revenueByCustomerMinor = new Map<string, number>();

  /** A web or app activity event (page, screen, track) of a device, in time order per device. */
  activity(device: string, at: number, step: Step, options: { medium?: string | null; revenueMinor?: number } = {}): void {
    let s = this.open.get(device);
    if (!s || at - s.lastAt > SESSION_TIMEOUT_MS) {
      if (s) this.closed.push(s);
      s = { lastAt: at, medium: step === 'page' ? (options.medium ?? null) : null, steps: new Set(), revenueMinor: 0 };
      this.open.set(device, s);
    }
    s.lastAt = Math.max(s.lastAt, at);
    s.steps.add(step);
    s.revenueMinor += options.revenueMinor ?? 0;
  }

  private get sessionList(): OpenSession[] {
    return [...this.closed, ...this.open.values()];
  }

  get sessions(): number {
    return this.sessionList.length;
  }

  /** Web sessions begun by a page, by arrival medium. */
  get funnel(): Record<string, FunnelCounts> {
    const out: Record<string, FunnelCounts> = {};
    for (const s of this.sessionList) {
      if (s.medium === null) continue;
      const f = (out[s.medium] ??= { sessions: 0, viewed: 0, carted: 0, checkedOut: 0, ordered: 0, revenueMinor: 0 });
      f.sessions++;
      if (s.steps.has('view')) f.viewed++;
      if (s.steps.has('cart')) f.carted++;
      if (s.steps.has('checkout')) f.checkedOut++;
      if (s.steps.has('order')) f.ordered++;
      f.revenueMinor += s.revenueMinor;
    }
    return out;
  }

  private hour(store: string, hour: string) {
    const byHour = this.stores.get(store) ?? new Map();
    this.stores.set(store, byHour);
    const h = byHour.get(hour) ?? { visitors: 0, receipts: 0, footfallIn: 0, footfallOut: 0 };
    byHour.set(hour, h);
    return h;
  }

  visit(store: string, enteredHour: string, leftHour: string, mac: string): void {
    this.hour(store, enteredHour).visitors++;
    this.hour(store, enteredHour).footfallIn++;
    this.hour(store, leftHour).footfallOut++;
    const macs = this.visitorMacs.get(store) ?? new Set<string>();
    macs.add(mac);
    this.visitorMacs.set(store, macs);
  }

  receipt(store: string, hour: string): void {
    this.hour(store, hour).receipts++;
  }
}
