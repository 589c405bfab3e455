import { hash52, RecentIds } from './recent-ids';

describe('hash52', () => {
  it('gives 52-bit, non-zero, stable hashes that differ for near-identical ids', () => {
    const ids = Array.from({ length: 200_000 }, (_, i) => `demo\u0000ev-${i}`);
    const hashes = new Set(ids.map(hash52));
    expect(hashes.size).toBe(ids.length);
    for (const h of [...hashes].slice(0, 1000)) {
      expect(Number.isSafeInteger(h)).toBe(true);
      expect(h).toBeGreaterThan(0);
      expect(h).toBeLessThan(2 ** 52);
    }
    expect(hash52('demo\u0000ev-1')).toBe(hash52('demo\u0000ev-1'));
  });
});

describe('RecentIds', () => {
  it('holds what was added and grows past its first capacity', () => {
    const set = new RecentIds(1_000_000, 0);
    for (let i = 0; i < 100_000; i++) set.add(`id-${i}`, 1000 + i);
    expect(set.size).toBe(100_000);
    expect(set.has('id-0')).toBe(true);
    expect(set.has('id-99999')).toBe(true);
    expect(set.has('id-100000')).toBe(false);
    expect(set.completeAfter).toBe(0);
  });

  it('drops the older generation and stops vouching for the event times it held', () => {
    const set = new RecentIds(10, 0);
    for (let i = 0; i < 10; i++) set.add(`a-${i}`, 100 + i); // generation 1: times 100..109
    for (let i = 0; i < 10; i++) set.add(`b-${i}`, 200 + i); // generation 2: times 200..209
    expect(set.has('a-3')).toBe(true);
    expect(set.completeAfter).toBe(0);
    set.add('c-0', 300); // a third generation starts: generation 1 goes
    expect(set.has('a-3')).toBe(false);
    expect(set.has('b-3')).toBe(true);
    expect(set.has('c-0')).toBe(true);
    expect(set.completeAfter).toBe(109);
  });
});
