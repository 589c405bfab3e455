/**
 * An instant as a store's wall clock: epoch milliseconds shifted by the zone's UTC offset at that
 * instant, so ClickHouse can bucket by local hour and day without a per-row time-zone function.
 * Offsets change only at DST switches (on the quarter hour everywhere), so the offset is cached
 * per zone and quarter hour: Intl formatting runs once per zone per quarter, not per event.
 */
const QUARTER = 15 * 60 * 1000;
const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();

function offsetAt(timeZone: string, quarterStart: number): number {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(quarterStart)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - quarterStart;
}

/** Local wall-clock time of `epochMs` in `timeZone` (an IANA name); throws on an unknown zone. */
export function localTimeOf(epochMs: number, timeZone: string): number {
  const quarterStart = Math.floor(epochMs / QUARTER) * QUARTER;
  const key = `${timeZone}|${quarterStart}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    offset = offsetAt(timeZone, quarterStart);
    if (offsets.size >= 100_000) offsets.clear();
    offsets.set(key, offset);
  }
  return epochMs + offset;
}
