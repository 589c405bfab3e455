/**
 * Web and app sessions by inactivity, per device (anonymous id), in arrival order. Pure.
 *
 * An event within the timeout of one of the device's sessions joins it; any other opens a new
 * session whose id is the event's id. Several sessions per device are kept, so that events
 * arriving out of order (a device's events move to another Kafka partition when its person is
 * merged, and partitions are processed side by side) still find theirs. Two sessions that a late
 * event would bridge stay two: joining them would rewrite stored rows. The session's start as
 * assigned (its first event's time) is carried on every event of it, so the session keeps one key
 * in ClickHouse whatever arrives later.
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
  /** Per device, its sessions still able to take an event, newest last. */
  private readonly open = new Map<string, OpenSession[]>();

  /** `keepPerDevice`: sessions kept per device for events that arrive out of order. */
  constructor(private readonly timeoutMs: number, private readonly keepPerDevice = 8) {}

  /** The session of an event of device `deviceKey` (tenant and anonymous id). */
  assign(deviceKey: string, eventId: string, eventTime: number): { sessionId: string; startedAt: number } {
    const sessions = this.open.get(deviceKey) ?? [];
    // The session the event falls in, or within the timeout of; the nearest when several.
    let best: OpenSession | undefined;
    let bestDistance = Infinity;
    for (const s of sessions) {
      if (eventTime > s.lastAt + this.timeoutMs || eventTime < s.startedAt - this.timeoutMs) continue;
      const distance = eventTime > s.lastAt ? eventTime - s.lastAt : eventTime < s.startedAt ? s.startedAt - eventTime : 0;
      if (distance < bestDistance) {
        best = s;
        bestDistance = distance;
      }
    }
    if (best) {
      if (eventTime > best.lastAt) best.lastAt = eventTime;
      return { sessionId: best.sessionId, startedAt: best.startedAt };
    }
    const session = { sessionId: eventId, startedAt: eventTime, lastAt: eventTime };
    this.keep(deviceKey, sessions, session);
    return { sessionId: session.sessionId, startedAt: session.startedAt };
  }

  /** A device's session as stored (at start, from ClickHouse). */
  restore(deviceKey: string, session: OpenSession): void {
    const sessions = this.open.get(deviceKey) ?? [];
    if (!sessions.some((s) => s.sessionId === session.sessionId)) this.keep(deviceKey, sessions, { ...session });
  }

  /** Forgets sessions whose last event is older than `eventTime` minus the timeout. */
  closeBefore(eventTime: number): number {
    let closed = 0;
    for (const [key, sessions] of this.open) {
      const alive = sessions.filter((s) => s.lastAt + this.timeoutMs >= eventTime);
      closed += sessions.length - alive.length;
      if (alive.length === 0) this.open.delete(key);
      else this.open.set(key, alive);
    }
    return closed;
  }

  /** Devices with a session held. */
  get size(): number {
    return this.open.size;
  }

  private keep(deviceKey: string, sessions: OpenSession[], session: OpenSession): void {
    sessions.push(session);
    sessions.sort((a, b) => a.lastAt - b.lastAt);
    if (sessions.length > this.keepPerDevice) sessions.splice(0, sessions.length - this.keepPerDevice);
    this.open.set(deviceKey, sessions);
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
