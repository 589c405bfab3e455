/** The web and app sessions still open, from ClickHouse, so a restart continues them. */
import type { ClickHouse } from '@cdp/plumbing';
import type { OpenSession } from '../core/sessions';

/**
 * The sessions of the rows inserted in the last hours (ingested_at), whatever their event time:
 * the sessionizer decides by event time whether the next event joins one.
 */
export async function openSessions(ch: ClickHouse, lookBackHours = 6): Promise<{ deviceKey: string; session: OpenSession }[]> {
  const rows = await ch.query<{ tenant: string; device: string; newest_session: string; started: number; last: number }>(
    `SELECT tenant, if(anonymous_id != '', anonymous_id, concat('user:', user_id)) AS device, session_id AS newest_session,
            toUnixTimestamp64Milli(assumeNotNull(any(session_started_at))) AS started,
            toUnixTimestamp64Milli(max(event_time)) AS last
     FROM events_raw
     WHERE session_id != '' AND ingested_at > now64(3) - toIntervalHour({hours:UInt32})
     GROUP BY tenant, device, session_id`,
    { hours: lookBackHours },
  );
  return rows.map((r) => ({ deviceKey: `${r.tenant}\u0000${r.device}`, session: { sessionId: r.newest_session, startedAt: Number(r.started), lastAt: Number(r.last) } }));
}
