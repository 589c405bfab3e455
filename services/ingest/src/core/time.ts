/** The time rules every ingest route applies to the times clients send. */
import { REJECTION_CODES as R, rejectItem } from './errors';

/** Events dated further ahead than this are refused: a client clock that wrong is a bug. */
export const MAX_FUTURE_MS = 24 * 3600 * 1000;

/** Epoch ms of an ISO-8601 date-time, or an item rejection naming the field. */
export function parseTime(field: string, value: string, what = 'an ISO-8601 date-time'): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw rejectItem(field, R.badTimestamp, `must be ${what}, got ${JSON.stringify(value).slice(0, 60)}`);
  return ms;
}

export function notInFuture(ms: number, field: string, receivedAt: number): number {
  if (ms > receivedAt + MAX_FUTURE_MS) throw rejectItem(field, R.futureTimestamp, 'is more than a day in the future');
  return ms;
}
