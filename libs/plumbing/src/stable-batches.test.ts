import fc from 'fast-check';
import type { IncomingRecord } from './kafka';
import { intentOf, planBatch, rangeMetadata } from './stable-batches';

const rec = (offset: number): IncomingRecord => ({ topic: 't', partition: 0, offset: String(offset), key: null, value: null, timestamp: '0', headers: {} });
const recs = (...offsets: number[]) => offsets.map(rec);
const offsets = (rs: IncomingRecord[] | undefined) => rs?.map((r) => Number(r.offset));

describe('intentOf', () => {
  it('reads the range committed as metadata at its first offset', () => {
    expect(intentOf('120', rangeMetadata('120', '175'))).toEqual({ first: 120n, last: 175n });
  });

  it('ignores metadata that does not start at the committed offset, is foreign or malformed', () => {
    expect(intentOf('176', rangeMetadata('120', '175'))).toBeUndefined();
    expect(intentOf('120', null)).toBeUndefined();
    expect(intentOf('120', '')).toBeUndefined();
    expect(intentOf('120', 'written by another tool')).toBeUndefined();
    expect(intentOf('120', 'cdp-range:120-')).toBeUndefined();
    expect(intentOf('120', 'cdp-range:120-119')).toBeUndefined();
  });
});

describe('planBatch', () => {
  it('hands a batch over whole when no intent is pending', () => {
    expect(planBatch(undefined, [], recs(5, 6, 7))).toEqual({ kind: 'hand', replay: undefined, fresh: recs(5, 6, 7) });
  });

  it('cuts a longer re-read at the end of the intended range, the rest as a new batch', () => {
    const plan = planBatch({ first: 5n, last: 7n }, [], recs(5, 6, 7, 8, 9));
    expect(plan.kind === 'hand' && [offsets(plan.replay), offsets(plan.fresh)]).toEqual([[5, 6, 7], [8, 9]]);
  });

  it('holds a shorter re-read until the range is whole', () => {
    const first = planBatch({ first: 5n, last: 9n }, [], recs(5, 6));
    expect(first).toEqual({ kind: 'hold', held: recs(5, 6) });
    const second = planBatch({ first: 5n, last: 9n }, recs(5, 6), recs(7, 8, 9, 10));
    expect(second.kind === 'hand' && [offsets(second.replay), offsets(second.fresh)]).toEqual([[5, 6, 7, 8, 9], [10]]);
  });

  it('closes a range whose last records were compacted away at the first record past it', () => {
    const plan = planBatch({ first: 5n, last: 9n }, [], recs(5, 7, 12));
    expect(plan.kind === 'hand' && [offsets(plan.replay), offsets(plan.fresh)]).toEqual([[5, 7], [12]]);
    // Nothing of the range left at all: no empty replay.
    expect(planBatch({ first: 5n, last: 9n }, [], recs(11))).toEqual({ kind: 'hand', replay: undefined, fresh: recs(11) });
  });

  it('whatever the fetches return, the replay is the intended range and nothing is lost or repeated', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 30 }), fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 12 }), (rangeLength, after, fetchSizes) => {
        const log = recs(...Array.from({ length: rangeLength + after }, (_, i) => 100 + i));
        const intent = { first: 100n, last: BigInt(100 + rangeLength - 1) };
        let held: IncomingRecord[] = [];
        let at = 0;
        const handed: number[][] = [];
        let pending: typeof intent | undefined = intent;
        for (const size of fetchSizes) {
          if (at >= log.length) break;
          const fetched = log.slice(at, at + size);
          at += fetched.length;
          const plan = planBatch(pending, held, fetched);
          if (plan.kind === 'hold') {
            held = plan.held;
            continue;
          }
          held = [];
          if (plan.replay) handed.push(offsets(plan.replay)!);
          if (plan.fresh.length > 0) handed.push(offsets(plan.fresh)!);
          pending = undefined;
        }
        const seen = log.slice(0, at).map((r) => Number(r.offset));
        if (pending) {
          // Not yet whole: nothing handed, everything held.
          expect(handed).toEqual([]);
          expect(offsets(held)).toEqual(seen);
        } else {
          expect(handed[0]).toEqual(Array.from({ length: rangeLength }, (_, i) => 100 + i));
          expect(handed.flat()).toEqual(seen);
        }
      }),
    );
  });
});
