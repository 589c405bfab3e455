import { InsertCoalescer } from './insert-coalescer';

type Call = { table: string; rows: string[]; token: string };

function setUp(options: { maxRows?: number; maxWaitMs?: number; fail?: (call: Call) => boolean } = {}) {
  const calls: Call[] = [];
  const release: (() => void)[] = [];
  let hold = false;
  const coalescer = new InsertCoalescer<{ rows: string[]; token: string }>({
    insert: async (table, parts, token) => {
      const call = { table, rows: parts.flatMap((p) => p.rows), token };
      calls.push(call);
      if (hold) await new Promise<void>((r) => release.push(r));
      if (options.fail?.(call)) throw new Error(`refused ${table}`);
    },
    maxRows: options.maxRows ?? 1000,
    maxWaitMs: options.maxWaitMs ?? 60_000,
  });
  return { coalescer, calls, holdInserts: () => (hold = true), releaseAll: () => release.splice(0).forEach((r) => r()) };
}

const part = (token: string, ...rows: string[]) => ({ rows, token });

test('handlers that began together are inserted as one insert per table, once the last has added', async () => {
  const { coalescer, calls } = setUp();
  coalescer.begin();
  coalescer.begin();
  coalescer.begin();
  const first = coalescer.add(new Map([['events_raw', part('p1', 'a', 'b')], ['store_people_counts', part('p1:c', 'c')]]));
  const second = coalescer.add(new Map([['events_raw', part('p0', 'd')]]));
  await new Promise((r) => setImmediate(r));
  expect(calls).toEqual([]); // the third has neither added nor abandoned
  coalescer.abandon();
  await Promise.all([first, second]);
  expect(calls).toEqual([
    { table: 'events_raw', rows: ['a', 'b', 'd'], token: 'p0|p1' },
    { table: 'store_people_counts', rows: ['c'], token: 'p1:c' },
  ]);
  expect(coalescer.stats).toEqual({ groups: 1, parts: 2 });
});

test('a handler that never adds holds the group no longer than maxWaitMs', async () => {
  const { coalescer, calls } = setUp({ maxWaitMs: 20 });
  coalescer.begin();
  coalescer.begin();
  const added = coalescer.add(new Map([['events_raw', part('p0', 'a')]]));
  await new Promise((r) => setImmediate(r));
  expect(calls).toEqual([]); // waiting for the other handler
  await added; // the timer went off
  expect(calls).toEqual([{ table: 'events_raw', rows: ['a'], token: 'p0' }]);
});

test('maxRows inserts at once', async () => {
  const { coalescer, calls } = setUp({ maxRows: 3 });
  coalescer.begin();
  coalescer.begin();
  await coalescer.add(new Map([['events_raw', part('p0', 'a', 'b', 'c')]]));
  expect(calls).toHaveLength(1);
});

test('a failed insert rejects every handler of its group, and the next group goes on', async () => {
  const { coalescer, calls } = setUp({ fail: (c) => c.rows.includes('bad') });
  coalescer.begin();
  coalescer.begin();
  const a = coalescer.add(new Map([['events_raw', part('p0', 'bad')]]));
  const b = coalescer.add(new Map([['events_raw', part('p1', 'ok')]]));
  await expect(a).rejects.toThrow('refused events_raw');
  await expect(b).rejects.toThrow('refused events_raw');
  coalescer.begin();
  await coalescer.add(new Map([['events_raw', part('p1', 'ok')]]));
  expect(calls.map((c) => c.rows)).toEqual([['bad', 'ok'], ['ok']]);
});

test('a handler that begins while a group is being inserted joins the next group', async () => {
  const { coalescer, calls, holdInserts, releaseAll } = setUp();
  holdInserts();
  coalescer.begin();
  const first = coalescer.add(new Map([['events_raw', part('p0', 'a')]]));
  await new Promise((r) => setImmediate(r));
  expect(calls).toHaveLength(1);
  coalescer.begin();
  const second = coalescer.add(new Map([['events_raw', part('p1', 'b')]]));
  await new Promise((r) => setImmediate(r));
  releaseAll();
  await first;
  await new Promise((r) => setImmediate(r));
  releaseAll();
  await second;
  expect(calls.map((c) => c.rows)).toEqual([['a'], ['b']]);
});
