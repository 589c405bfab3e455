/** Pure helpers a benchmark prints with: nearest-rank percentiles, aligned text tables, numbers. */

/** The nearest-rank p-quantile (0 < p <= 1) of values sorted ascending; NaN when there are none. */
export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(p * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface Spread {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** p50/p95/p99/max of unsorted values (nearest rank). */
export function spreadOf(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentileOfSorted(sorted, 0.5),
    p95: percentileOfSorted(sorted, 0.95),
    p99: percentileOfSorted(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
  };
}

/** 12,345 (rounded), or "-" for a missing figure. */
export function int(x: number | undefined | null): string {
  return x === undefined || x === null || !Number.isFinite(x) ? '-' : Math.round(x).toLocaleString('en');
}

/** x with `digits` decimals (and thousands separators), or "-" for a missing figure. */
export function fixed(x: number | undefined | null, digits: number): string {
  return x === undefined || x === null || !Number.isFinite(x) ? '-' : x.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Milliseconds as "850 ms" below 10 s, else "12.3 s". */
export function duration(ms: number | undefined | null): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '-';
  return ms < 10_000 ? `${Math.round(ms).toLocaleString('en')} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A cell that looks like a number (12,345, 1.5 s, 12.3k, 40 %), or "-" or "?" for a missing one. */
const numeric = (cell: string) => /^[-+]?[\d,.]+( ?(%|ms|s|MB|µs|x|k|M))?$/.test(cell) || cell === '-' || cell === '?';

/**
 * Rows as aligned text: the first row is the header, underlined; a column whose cells all look
 * like numbers (or "-") is right-aligned, header included; the first column and text columns are
 * left-aligned; `indent` spaces before every line; no trailing spaces.
 */
export function formatTable(rows: readonly (readonly string[])[], { indent = 2, gap = 2 }: { indent?: number; gap?: number } = {}): string {
  if (rows.length === 0) return '';
  const [header, ...body] = rows;
  const columns = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const right = widths.map((_, i) => i > 0 && body.length > 0 && body.every((r) => numeric(r[i] ?? '-')));
  const line = (row: readonly string[]) =>
    ' '.repeat(indent) +
    widths
      .map((w, i) => (right[i] ? (row[i] ?? '').padStart(w) : (row[i] ?? '').padEnd(w)))
      .join(' '.repeat(gap))
      .trimEnd();
  return [line(header!), ' '.repeat(indent) + widths.map((w) => '-'.repeat(w)).join(' '.repeat(gap)), ...body.map(line)].join('\n');
}
