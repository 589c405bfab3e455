/**
 * What the API read from ClickHouse for one surviving person, kept until it can be wrong:
 *
 * - Keyed by the survivor *and* every person merged into it: a merge changes the key, so an
 *   answer from before a merge is never found again.
 * - Dropped when aggregation says any of those persons' rows changed in ClickHouse (its feed
 *   aggregation.person-updates.v1 is published after the rows are stored).
 * - A read that began before such a change is not kept: it may have read the rows before it.
 * - Until the feed is being followed (enable()), nothing is kept; when following it stops
 *   (disable()), everything is dropped.
 *
 * Concurrent misses of the same persons share one read (a page's several requests for one
 * visitor). A maximum age bounds what a lost feed record could cost; entries beyond maxEntries
 * go, least recently used first.
 */

export interface PersonCacheOptions {
  maxEntries: number;
  maxAgeMs: number;
  now?: () => number;
}

interface Entry<T> {
  value: T;
  storedAt: number;
  members: readonly string[];
}

/** How long a read may take and still be refused for a change during it. */
const READ_WINDOW_MS = 60_000;

export class PersonCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  /** Reads running now, by key, with the change counter they began at. */
  private readonly inFlight = new Map<string, { value: Promise<T>; startedTick: number }>();
  /** tenant|person -> keys of the entries that person is a member of. */
  private readonly byPerson = new Map<string, Set<string>>();
  /** tenant|person -> the change counter when it last changed (kept READ_WINDOW_MS). */
  private readonly changedAt = new Map<string, { tick: number; at: number }>();
  private tick = 0;
  private enabled = false;
  private readonly now: () => number;
  hits = 0;
  misses = 0;

  constructor(private readonly options: PersonCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  enable(): void {
    this.enabled = true;
  }

  disable(): void {
    this.enabled = false;
    this.clear();
  }

  /** Forget every entry (a change notification could not be read). */
  clear(): void {
    this.entries.clear();
    this.byPerson.clear();
  }

  /** The cached value, or a fresh read stored unless a member changed while it ran. */
  async read(tenant: string, members: readonly string[], load: () => Promise<T>): Promise<T> {
    const key = `${tenant}\u0000${members.join('\u0000')}`;
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.storedAt <= this.options.maxAgeMs) {
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(key);
      this.entries.set(key, hit);
      this.hits++;
      return hit.value;
    }
    if (hit) this.drop(key);
    this.misses++;
    const overtaken = (startedTick: number) => members.some((m) => (this.changedAt.get(`${tenant}|${m}`)?.tick ?? -1) > startedTick);
    const running = this.inFlight.get(key);
    // A read already running is shared unless a change overtook it.
    if (running && !overtaken(running.startedTick)) return running.value;
    const startedTick = this.tick;
    const started = this.now();
    const value = load();
    const flight = { value, startedTick };
    this.inFlight.set(key, flight);
    try {
      const result = await value;
      if (this.enabled && this.now() - started < READ_WINDOW_MS && !overtaken(startedTick)) this.store(tenant, key, members, result);
      return result;
    } finally {
      if (this.inFlight.get(key) === flight) this.inFlight.delete(key);
    }
  }

  /** The persons' rows changed: forget every entry any of them is a member of. */
  changed(tenant: string, personIds: readonly string[]): void {
    const at = this.now();
    this.tick++;
    for (const p of personIds) {
      const pk = `${tenant}|${p}`;
      this.changedAt.set(pk, { tick: this.tick, at });
      for (const key of [...(this.byPerson.get(pk) ?? [])]) this.drop(key);
    }
    this.prune(at);
  }

  private store(tenant: string, key: string, members: readonly string[], value: T): void {
    this.entries.set(key, { value, storedAt: this.now(), members });
    for (const m of members) {
      const pk = `${tenant}|${m}`;
      let keys = this.byPerson.get(pk);
      if (!keys) this.byPerson.set(pk, (keys = new Set()));
      keys.add(key);
    }
    while (this.entries.size > this.options.maxEntries) {
      this.drop(this.entries.keys().next().value as string);
    }
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    const tenant = key.slice(0, key.indexOf('\u0000'));
    for (const m of entry.members) {
      const pk = `${tenant}|${m}`;
      const keys = this.byPerson.get(pk);
      keys?.delete(key);
      if (keys?.size === 0) this.byPerson.delete(pk);
    }
  }

  /** Changes older than any read still running are no longer needed. */
  private prune(now: number): void {
    if (this.changedAt.size < 10_000) return;
    for (const [pk, c] of this.changedAt) if (now - c.at > READ_WINDOW_MS) this.changedAt.delete(pk);
  }
}
