import { planVersion } from './plan';

const scope = { id: 'demo.p1', keyPrefix: 'demo|p1|' };
const records = (...keys: string[]) => keys.map((key) => ({ key, value: {} }));
const live = (entries: [string, string][]) => new Map(entries);

describe('planVersion', () => {
  it('publishes everything into an empty scope', () => {
    expect(planVersion(live([]), scope, 'v1', records('demo|p1|a', 'demo|p1|b'))).toEqual({ kind: 'publish', upserts: 2, tombstones: [] });
  });

  it('publishes nothing when the scope holds exactly this version with the same keys', () => {
    expect(planVersion(live([['demo|p1|a', 'v1'], ['demo|p1|b', 'v1'], ['demo|p2|a', 'v9']]), scope, 'v1', records('demo|p1|b', 'demo|p1|a'))).toEqual({ kind: 'unchanged', records: 2 });
  });

  it('tombstones live keys of the scope the new version lacks, and only of this scope', () => {
    const now = live([['demo|p1|a', 'v1'], ['demo|p1|b', 'v1'], ['demo|p1|c', 'v1'], ['demo|p2|c', 'v1'], ['demo|p10|x', 'v1']]);
    expect(planVersion(now, scope, 'v2', records('demo|p1|a'))).toEqual({ kind: 'publish', upserts: 1, tombstones: ['demo|p1|b', 'demo|p1|c'] });
  });

  it('republishes the whole version when the live scope mixes versions or lacks keys', () => {
    expect(planVersion(live([['demo|p1|a', 'v1'], ['demo|p1|b', 'v0']]), scope, 'v1', records('demo|p1|a', 'demo|p1|b'))).toEqual({ kind: 'publish', upserts: 2, tombstones: [] });
    expect(planVersion(live([['demo|p1|a', 'v1']]), scope, 'v1', records('demo|p1|a', 'demo|p1|b'))).toEqual({ kind: 'publish', upserts: 2, tombstones: [] });
  });
});
