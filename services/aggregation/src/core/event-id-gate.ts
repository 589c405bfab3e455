/**
 * Every event once by its id alone, before it reaches ClickHouse, so that the materialized views
 * that sum and count can trust each inserted row to be the only one. Copies come from clients that
 * re-send (Segment's retries keep the messageId), from a replay of a Kafka batch, and from
 * re-sends whose corrected event time fell on another day than the first copy's (which
 * ReplacingMergeTree, keyed by day and id, cannot collapse).
 *
 * Pure: the adapter asks ClickHouse about the rows the gate cannot decide alone.
 *  - the same id twice in one batch, or in a batch still in flight: the later one is a copy;
 *  - an id the recent set has never held, with an event time it is complete for: certainly new;
 *  - anything else (a recent-set hit, which may be a hash collision; an event older than the set
 *    covers; an event time ahead of its arrival): ClickHouse decides.
 */
import { RecentIds } from './recent-ids';

export interface GateRow {
  tenant: string;
  eventId: string;
  /** Event and receive time, ms since epoch. */
  eventTime: number;
  receivedTime: number;
}

export interface Screened {
  /** Indexes of rows certainly not stored yet. */
  fresh: number[];
  /** Indexes of rows ClickHouse must be asked about. */
  ask: number[];
  /** Indexes of copies of an earlier row of this batch or of a batch in flight. */
  copies: number[];
  /** Keys this batch holds in flight; hand them back to settle(). */
  held: string[];
}

export interface GateOptions {
  /** Ids per generation of the recent set (two are kept). */
  generationSize: number;
  /**
   * How far a copy's corrected event time may lie after the first copy's (clients' transit times
   * differ between sends), and how far ahead of its arrival an event time may be before the
   * recent set no longer vouches for it.
   */
  marginMs: number;
  /** The recent set starts complete for event times after this (what it was loaded with). */
  completeAfter: number;
}

export const keyOf = (tenant: string, eventId: string): string => `${tenant}\u0000${eventId}`;

export class EventIdGate {
  private readonly recent: RecentIds;
  /** Ids held by a batch between screen() and settle(); one batch at a time holds an id. */
  private readonly inFlight = new Set<string>();

  constructor(private readonly options: GateOptions) {
    this.recent = new RecentIds(options.generationSize, options.completeAfter);
  }

  /** Sorts a batch's rows and marks every row that is not a copy as in flight until settle(). */
  screen(rows: readonly GateRow[]): Screened {
    const out: Screened = { fresh: [], ask: [], copies: [], held: [] };
    const inBatch = new Set<string>();
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const key = keyOf(r.tenant, r.eventId);
      if (inBatch.has(key) || this.inFlight.has(key)) {
        out.copies.push(i);
        continue;
      }
      inBatch.add(key);
      const vouched = r.eventTime <= r.receivedTime + this.options.marginMs && r.eventTime > this.recent.completeAfter + this.options.marginMs;
      if (vouched && !this.recent.has(key)) out.fresh.push(i);
      else out.ask.push(i);
    }
    for (const key of inBatch) this.inFlight.add(key);
    out.held = [...inBatch];
    return out;
  }

  /**
   * After the batch: rows stored are remembered, and every row screened leaves the in-flight set,
   * stored or not (a failed batch is read again and screened again).
   */
  settle(held: readonly string[], stored: readonly GateRow[]): void {
    for (const r of stored) this.remember(r);
    for (const key of held) this.inFlight.delete(key);
  }

  /** An id known to be stored (loaded at start, or inserted). */
  remember(r: GateRow): void {
    // An event time ahead of its arrival is always asked about, so it must not advance what the
    // set vouches for.
    this.recent.add(keyOf(r.tenant, r.eventId), Math.min(r.eventTime, r.receivedTime));
  }

  get stats(): { ids: number; bytes: number; completeAfter: number; inFlight: number } {
    return { ids: this.recent.size, bytes: this.recent.bytes, completeAfter: this.recent.completeAfter, inFlight: this.inFlight.size };
  }
}
