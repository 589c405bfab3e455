/**
 * Opaque page cursors: the position after the last item of a page, as base64url JSON. A cursor
 * that does not decode, or holds the wrong shape, is the caller's error (400 naming `cursor`).
 */
import { LookupError } from './lookup';

export interface TimelinePosition {
  /** Event time, epoch milliseconds. */
  t: number;
  /** Event id: breaks ties between events of the same millisecond. */
  id: string;
}

export interface PersonPosition {
  /** The last person id of the page. */
  p: string;
}

export const encodeCursor = (position: TimelinePosition | PersonPosition): string => Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');

function decode(cursor: string): Record<string, unknown> {
  if (cursor.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new LookupError('cursor', 'is not a cursor this API gave out');
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // falls through to the error below
  }
  throw new LookupError('cursor', 'is not a cursor this API gave out');
}

export function timelineCursor(cursor: string): TimelinePosition {
  const v = decode(cursor);
  if (typeof v.t !== 'number' || !Number.isInteger(v.t) || typeof v.id !== 'string') throw new LookupError('cursor', 'is not a timeline cursor');
  return { t: v.t, id: v.id };
}

export function personCursor(cursor: string): PersonPosition {
  const v = decode(cursor);
  if (typeof v.p !== 'string') throw new LookupError('cursor', 'is not a segment cursor');
  return { p: v.p };
}
