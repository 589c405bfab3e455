/**
 * Web and app sessions by inactivity, per device (anonymous id), in arrival order. Pure.
 *
 * An event more than `timeoutMs` after the device's last one opens a new session whose id is the
 * event's id; others join the open session. An event that arrives late, more than the timeout
 * before the open session began, cannot be placed without rewriting stored rows: it gets a
 * session of its own. The session's start as assigned (its first event's time) is carried on
 * every event of it, so the session keeps one key in ClickHouse whatever arrives later.
 */

export interface OpenSession {
  sessionId: string;
  /** Event time of the event that opened it (ms). */
  startedAt: number;
  /** Latest event time seen in it (ms). */
  lastAt: number;
}

/** Event types that are a visitor's activity; identify, alias and group only say who it is. */
const ACTIVITY = new Set(['page', 'screen', 'track']);

export const isSessionEvent = (channel: string, eventType: string): boolean => (channel === 'web' || channel === 'app') && ACTIVITY.has(eventType);

export class Sessionizer {
  private readonly open = new Map<string, OpenSession>();

  constructor(private readonly timeoutMs: number) {}

  /** The session of an event of device `deviceKey` (tenant and anonymous id). */
  assign(deviceKey: string, eventId: string, eventTime: number): { sessionId: string; startedAt: number } {
    const current = this.open.get(deviceKey);
    if (current && eventTime <= current.lastAt + this.timeoutMs && eventTime >= current.startedAt - this.timeoutMs) {
      if (eventTime > current.lastAt) current.lastAt = eventTime;
      return { sessionId: current.sessionId, startedAt: current.startedAt };
    }
    const session = { sessionId: eventId, startedAt: eventTime, lastAt: eventTime };
    // A late event's own session does not replace the open one.
    if (!current || eventTime > current.lastAt) this.open.set(deviceKey, session);
    return { sessionId: session.sessionId, startedAt: session.startedAt };
  }

  /** A device's open session as stored (at start, from ClickHouse). */
  restore(deviceKey: string, session: OpenSession): void {
    const current = this.open.get(deviceKey);
    if (!current || session.lastAt > current.lastAt) this.open.set(deviceKey, session);
  }

  /** Forgets sessions whose last event is older than `eventTime` minus the timeout. */
  closeBefore(eventTime: number): number {
    let closed = 0;
    for (const [key, s] of this.open) {
      if (s.lastAt + this.timeoutMs < eventTime) {
        this.open.delete(key);
        closed++;
      }
    }
    return closed;
  }

  get size(): number {
    return this.open.size;
  }
}

/**
 * Gives each web and app activity row of events_raw (rows.ts) its session, in the order given
 * (a partition's offset order). Returns the newest event time seen, for closeBefore().
 */
export function assignSessions(sessionizer: Sessionizer, rows: readonly Record<string, unknown>[]): number {
  let newest = 0;
  for (const row of rows) {
    if (!isSessionEvent(row.channel as string, row.event_type as string)) continue;
    const device = (row.anonymous_id as string) || (row.user_id ? `user:${row.user_id as string}` : '');
    if (!device) continue;
    // Rows carry times as seconds with a millisecond fraction (toDateTime64).
    const eventTime = Math.round((row.event_time as number) * 1000);
    const s = sessionizer.assign(`${row.tenant as string}\u0000${device}`, row.event_id as string, eventTime);
    row.session_id = s.sessionId;
    row.session_started_at = s.startedAt / 1000;
    if (eventTime > newest) newest = eventTime;
  }
  return newest;
}
