/**
 * Batches that keep their boundaries when they are read again. A sink that makes its writes
 * idempotent with a token derived from the batch (ClickHouse's insert_deduplication_token of
 * topic, partition and offsets) drops a replayed batch only if the replay has the same first and
 * last offset. After a crash between the write and the offset commit, a plain consumer re-reads
 * from the committed offset as far as the log now reaches, so the replay is usually longer than
 * the write it repeats, its token differs, and every row of it is stored twice.
 *
 * So before the sink sees a batch, the consumer commits the batch's first offset again with the
 * range as offset metadata (an intent: "records first..last are being written as one batch").
 * After a restart the first batch of a partition whose committed offset carries an intent is cut
 * to exactly that range, waiting for more records if the fetch returned fewer; the rest follows
 * as a batch of its own. The pure parts are here; the consumer in kafka.ts does the I/O.
 */
import type { IncomingRecord } from './kafka';

const PREFIX = 'cdp-range:';

export interface OffsetRange {
  first: bigint;
  last: bigint;
}

export const rangeMetadata = (first: string | bigint, last: string | bigint): string => `${PREFIX}${first}-${last}`;

/**
 * The intent a committed offset carries, if any. It counts only when it starts at the committed
 * offset: metadata written by another tool, or left over from an older commit, never cuts a batch.
 */
export function intentOf(committedOffset: string, metadata: string | null | undefined): OffsetRange | undefined {
  if (!metadata?.startsWith(PREFIX)) return undefined;
  const match = /^(\d+)-(\d+)$/.exec(metadata.slice(PREFIX.length));
  if (!match) return undefined;
  const first = BigInt(match[1]!);
  const last = BigInt(match[2]!);
  if (last < first || String(first) !== committedOffset) return undefined;
  return { first, last };
}

export type BatchPlan =
  /** The intended range is not complete yet: keep these records and fetch on. */
  | { kind: 'hold'; held: IncomingRecord[] }
  /** `replay`: exactly the intended range, once; `fresh`: what follows it, as a new batch. */
  | { kind: 'hand'; replay: IncomingRecord[] | undefined; fresh: IncomingRecord[] };

/**
 * How to hand over what a partition has delivered (records held so far, then the new batch),
 * given the intent found at the committed offset. Offsets only grow within a partition.
 */
export function planBatch(intent: OffsetRange | undefined, held: readonly IncomingRecord[], records: IncomingRecord[]): BatchPlan {
  // The common case, no intent and nothing held, hands the fetched array on without a copy.
  const all = held.length === 0 ? records : [...held, ...records];
  if (!intent) return { kind: 'hand', replay: undefined, fresh: all };
  const last = all.length === 0 ? -1n : BigInt(all[all.length - 1]!.offset);
  // A compacted topic may have lost the range's last records since: whatever is at or past the
  // end of the range closes it.
  if (last < intent.last) return { kind: 'hold', held: all };
  const cut = all.findIndex((r) => BigInt(r.offset) > intent.last);
  const replay = cut === -1 ? all : all.slice(0, cut);
  return { kind: 'hand', replay: replay.length > 0 ? replay : undefined, fresh: cut === -1 ? [] : all.slice(cut) };
}
