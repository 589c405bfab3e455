/**
 * Partition batches handled side by side, inserted together: one insert per table for all of
 * them instead of one per partition batch.
 *
 * Why: every insert into events_raw runs its materialized views and writes a new part into each
 * of their tables, and ClickHouse's cost per insert hardly depends on its size. At a steady, not
 * saturating rate the consumer hands over small batches of 4 partitions at once, and ClickHouse
 * spent 4 times as much CPU per event as at full speed.
 *
 * A handler announces itself with begin() as soon as its batch arrives, and later either adds its
 * rows (and waits for the insert) or abandons. A group is inserted once every handler that began
 * has added or abandoned, or maxWaitMs after its first rows, or at maxRows: a slow handler never
 * holds the others for long. A handler that begins while a group is being inserted joins the next.
 *
 * Each part keeps its own token; the group's token joins them. Read again after a failure, the
 * same batches can group differently, so the token alone does not catch a repeat: the event-id
 * gate asks ClickHouse about ids of a failed insert (event-id-gate.ts).
 */

/** One handler's rows of one table, with the token of its batch; P may carry more beside them. */
export interface CoalescedPart {
  rows: readonly unknown[];
  token: string;
}

export interface CoalescerOptions<P extends CoalescedPart> {
  /** Inserts one table's parts of the whole group (in the order added) under the joined token. */
  insert(table: string, parts: P[], token: string): Promise<void>;
  maxRows: number;
  maxWaitMs: number;
}

interface Group<P> {
  tables: Map<string, P[]>;
  rows: number;
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
  timer?: NodeJS.Timeout;
}

export class InsertCoalescer<P extends CoalescedPart> {
  private group: Group<P> = InsertCoalescer.emptyGroup<P>();
  /** Handlers that began and have neither added nor abandoned. */
  private expected = 0;
  /** Groups inserted so far, and the parts they held: what the grouping saves. */
  readonly stats = { groups: 0, parts: 0 };

  constructor(private readonly options: CoalescerOptions<P>) {}

  private static emptyGroup<P>(): Group<P> {
    return { tables: new Map(), rows: 0, waiters: [] };
  }

  begin(): void {
    this.expected++;
  }

  /** The handler that began will add nothing (no rows left, or it failed before). */
  abandon(): void {
    this.expected--;
    this.flushIfComplete();
  }

  /** Adds a handler's part per table; resolves once every table of its group is inserted. */
  add(tables: ReadonlyMap<string, P>): Promise<void> {
    this.expected--;
    const group = this.group;
    const done = new Promise<void>((resolve, reject) => group.waiters.push({ resolve, reject }));
    for (const [table, part] of tables) {
      const parts = group.tables.get(table) ?? [];
      parts.push(part);
      group.tables.set(table, parts);
      group.rows += part.rows.length;
    }
    if (group.rows >= this.options.maxRows) this.flush();
    else {
      group.timer ??= setTimeout(() => this.flush(), this.options.maxWaitMs);
      this.flushIfComplete();
    }
    return done;
  }

  private flushIfComplete(): void {
    if (this.expected <= 0 && this.group.waiters.length > 0) this.flush();
  }

  private flush(): void {
    const group = this.group;
    if (group.waiters.length === 0) return;
    this.group = InsertCoalescer.emptyGroup<P>();
    if (group.timer) clearTimeout(group.timer);
    this.stats.groups++;
    this.stats.parts += group.waiters.length;
    void this.insertGroup(group);
  }

  private async insertGroup(group: Group<P>): Promise<void> {
    try {
      for (const [table, parts] of group.tables) {
        // Sorted: the same parts give the same token, whichever handler came first.
        await this.options.insert(table, parts, parts.length === 1 ? parts[0]!.token : parts.map((p) => p.token).sort().join('|'));
      }
      for (const w of group.waiters) w.resolve();
    } catch (error) {
      for (const w of group.waiters) w.reject(error);
    }
  }
}
