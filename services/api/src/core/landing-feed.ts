/**
 * When each tenant's data last changed, from aggregation's change feed (a batch landed in
 * ClickHouse), for the push channel (GET /v1/stream): a page that shows live figures subscribes
 * and reads again when told. Each subscriber hears at most once per `intervalMs`: a busy shop lands
 * many batches a second and a chart need not redraw for each; the last landing of an interval is
 * never lost, it comes at the interval's end.
 */
export interface Landing {
  tenant: string;
  /** When the newest batch's rows became queryable (epoch ms). */
  landedAt: number;
  /** Persons whose rows changed since the subscriber was last told (0 for sensor counts and anonymous receipts). */
  persons: number;
}

type Listener = (landing: Landing) => void;

interface Subscriber {
  listener: Listener;
  lastSent: number;
  pending: Landing | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class LandingFeed {
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly latest = new Map<string, number>();

  constructor(
    private readonly intervalMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** When the tenant's data last landed, as far as this process has heard. */
  lastLandedAt(tenant: string): number | undefined {
    return this.latest.get(tenant);
  }

  get size(): number {
    let n = 0;
    for (const set of this.subscribers.values()) n += set.size;
    return n;
  }

  landed(tenant: string, landedAt: number, persons: number): void {
    this.latest.set(tenant, Math.max(landedAt, this.latest.get(tenant) ?? 0));
    for (const s of this.subscribers.get(tenant) ?? []) {
      s.pending = { tenant, landedAt: Math.max(landedAt, s.pending?.landedAt ?? 0), persons: (s.pending?.persons ?? 0) + persons };
      const wait = s.lastSent + this.intervalMs - this.now();
      if (wait <= 0) this.flush(s);
      else s.timer ??= setTimeout(() => this.flush(s), wait);
    }
  }

  /** Returns the unsubscribe. */
  subscribe(tenant: string, listener: Listener): () => void {
    const s: Subscriber = { listener, lastSent: 0, pending: undefined, timer: undefined };
    let set = this.subscribers.get(tenant);
    if (!set) {
      set = new Set();
      this.subscribers.set(tenant, set);
    }
    set.add(s);
    return () => {
      if (s.timer) clearTimeout(s.timer);
      set.delete(s);
      if (set.size === 0) this.subscribers.delete(tenant);
    };
  }

  private flush(s: Subscriber): void {
    s.timer = undefined;
    const landing = s.pending;
    if (!landing) return;
    s.pending = undefined;
    s.lastSent = this.now();
    s.listener(landing);
  }
}
