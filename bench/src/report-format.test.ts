import { duration, fixed, formatTable, int, percentileOfSorted, spreadOf } from './report-format';

describe('percentiles', () => {
  it('are nearest-rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentileOfSorted(values, 0.5)).toBe(50);
    expect(percentileOfSorted(values, 0.95)).toBe(95);
    expect(percentileOfSorted(values, 0.99)).toBe(99);
    expect(percentileOfSorted(values, 1)).toBe(100);
    expect(percentileOfSorted([7], 0.99)).toBe(7);
    expect(percentileOfSorted([], 0.5)).toBeNaN();
  });

  it('sort what they are given', () => {
    expect(spreadOf([30, 10, 20, 40])).toEqual({ n: 4, p50: 20, p95: 40, p99: 40, max: 40 });
    expect(spreadOf([]).n).toBe(0);
  });
});

describe('numbers', () => {
  it('print with separators, and "-" when missing', () => {
    expect(int(12345.6)).toBe('12,346');
    expect(int(NaN)).toBe('-');
    expect(int(undefined)).toBe('-');
    expect(fixed(1234.567, 1)).toBe('1,234.6');
    expect(fixed(0.1, 2)).toBe('0.10');
    expect(fixed(Infinity, 2)).toBe('-');
    expect(duration(850.4)).toBe('850 ms');
    expect(duration(12_345)).toBe('12.3 s');
  });
});

describe('formatTable', () => {
  it('aligns numeric columns right and text left, under an underlined header', () => {
    const text = formatTable([
      ['process', 'CPU s', 'note'],
      ['ingest', '1.25', 'ok'],
      ['clickhouse', '12.50', 'shared'],
      ['load generator', '-', 'x'],
    ]);
    expect(text.split('\n')).toEqual([
      '  process         CPU s  note',
      '  --------------  -----  ------',
      '  ingest           1.25  ok',
      '  clickhouse      12.50  shared',
      '  load generator      -  x',
    ]);
  });

  it('takes units and compact counts as numbers, leaves no trailing spaces, and fills short rows', () => {
    const text = formatTable([['stage', 'a', 'b'], ['x', '12.3k', '40 ms'], ['longer', '7']], { indent: 0, gap: 1 });
    expect(text.split('\n')).toEqual(['stage      a     b', '------ ----- -----', 'x      12.3k 40 ms', 'longer     7']);
    expect(formatTable([])).toBe('');
  });
});
