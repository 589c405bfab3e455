import { PersonCache } from './person-cache';

const cacheAt = (clock: { t: number }, maxEntries = 10) => {
  const c = new PersonCache<string>({ maxEntries, maxAgeMs: 60_000, now: () => clock.t });
  c.enable();
  return c;
};

describe('PersonCache', () => {
  it('serves a second read of the same persons from memory', async () => {
    const clock = { t: 0 };
    const cache = cacheAt(clock);
    let loads = 0;
    const load = async () => `v${++loads}`;
    expect(await cache.read('t', ['p1'], load)).toBe('v1');
    expect(await cache.read('t', ['p1'], load)).toBe('v1');
    expect([cache.hits, cache.misses]).toEqual([1, 1]);
  });

  it('never answers a merged person with what was read before the merge: the members are the key', async () => {
    const cache = cacheAt({ t: 0 });
    await cache.read('t', ['p1'], async () => 'before the merge');
    expect(await cache.read('t', ['p1', 'p2'], async () => 'after')).toBe('after');
  });

  it('forgets a person whose rows changed, as a member of any entry', async () => {
    const cache = cacheAt({ t: 0 });
    await cache.read('t', ['p1', 'p2'], async () => 'old');
    cache.changed('t', ['p2']);
    expect(await cache.read('t', ['p1', 'p2'], async () => 'new')).toBe('new');
    // Another tenant's person of the same id is another person.
    cache.changed('u', ['p1']);
    expect(await cache.read('t', ['p1', 'p2'], async () => 'newer')).toBe('new');
  });

  it('does not keep a read that a change overtook', async () => {
    const cache = cacheAt({ t: 0 });
    let release!: () => void;
    const slow = cache.read('t', ['p1'], () => new Promise<string>((r) => (release = () => r('read before the change'))));
    cache.changed('t', ['p1']);
    release();
    expect(await slow).toBe('read before the change');
    expect(await cache.read('t', ['p1'], async () => 'fresh')).toBe('fresh');
  });

  it('shares one read between concurrent misses, but not one a change overtook', async () => {
    const cache = cacheAt({ t: 0 });
    let loads = 0;
    const releases: (() => void)[] = [];
    const load = () => new Promise<string>((r) => releases.push(() => r(`v${++loads}`)));
    const a = cache.read('t', ['p1'], load);
    const b = cache.read('t', ['p1'], load);
    expect(releases).toHaveLength(1);
    cache.changed('t', ['p1']);
    const c = cache.read('t', ['p1'], load);
    expect(releases).toHaveLength(2);
    releases.forEach((r) => r());
    expect(await Promise.all([a, b, c])).toEqual(['v1', 'v1', 'v2']);
    expect(await cache.read('t', ['p1'], load)).toBe('v2');
  });

  it('keeps nothing until enabled, drops everything when disabled, and expires by age', async () => {
    const clock = { t: 0 };
    const cache = new PersonCache<string>({ maxEntries: 10, maxAgeMs: 1000, now: () => clock.t });
    await cache.read('t', ['p1'], async () => 'a');
    expect(await cache.read('t', ['p1'], async () => 'b')).toBe('b');
    cache.enable();
    await cache.read('t', ['p1'], async () => 'c');
    expect(await cache.read('t', ['p1'], async () => 'd')).toBe('c');
    clock.t = 1001;
    expect(await cache.read('t', ['p1'], async () => 'e')).toBe('e');
    cache.disable();
    expect(cache.size).toBe(0);
  });

  it('holds at most maxEntries, dropping the least recently used', async () => {
    const cache = cacheAt({ t: 0 }, 2);
    await cache.read('t', ['a'], async () => 'a');
    await cache.read('t', ['b'], async () => 'b');
    await cache.read('t', ['a'], async () => 'a2');
    await cache.read('t', ['c'], async () => 'c');
    expect(cache.size).toBe(2);
    expect(await cache.read('t', ['a'], async () => 'reloaded')).toBe('a');
    expect(await cache.read('t', ['b'], async () => 'reloaded')).toBe('reloaded');
  });
});
