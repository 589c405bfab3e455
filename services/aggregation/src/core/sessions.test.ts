import { isSessionEvent, Sessionizer } from './sessions';

const MIN = 60_000;
const T0 = Date.parse('2026-12-01T23:50:00Z');

describe('Sessionizer', () => {
  it('keeps events within the timeout in one session named after its first event, across midnight', () => {
    const s = new Sessionizer(30 * MIN);
    expect(s.assign('demo|a', 'e1', T0)).toEqual({ sessionId: 'e1', startedAt: T0 });
    expect(s.assign('demo|a', 'e2', T0 + 20 * MIN)).toEqual({ sessionId: 'e1', startedAt: T0 });
    expect(s.assign('demo|a', 'e3', T0 + 49 * MIN)).toEqual({ sessionId: 'e1', startedAt: T0 });
  });

  it('opens a new session after more than the timeout without an event, and keeps devices apart', () => {
    const s = new Sessionizer(30 * MIN);
    s.assign('demo|a', 'e1', T0);
    expect(s.assign('demo|b', 'f1', T0 + MIN).sessionId).toBe('f1');
    expect(s.assign('demo|a', 'e2', T0 + 30 * MIN).sessionId).toBe('e1');
    expect(s.assign('demo|a', 'e3', T0 + 60 * MIN + 1).sessionId).toBe('e3');
  });

  it('puts an event that arrives a little out of order in the open session, and a very late one in its own', () => {
    const s = new Sessionizer(30 * MIN);
    s.assign('demo|a', 'e1', T0);
    expect(s.assign('demo|a', 'early', T0 - 10 * MIN)).toEqual({ sessionId: 'e1', startedAt: T0 });
    expect(s.assign('demo|a', 'stale', T0 - 3 * 60 * MIN)).toEqual({ sessionId: 'stale', startedAt: T0 - 3 * 60 * MIN });
    // The stale one did not replace the open session.
    expect(s.assign('demo|a', 'e2', T0 + MIN).sessionId).toBe('e1');
  });

  it("keeps an earlier day's session for the rest of its events when they arrive after the next day's", () => {
    const s = new Sessionizer(30 * MIN);
    const DAY = 24 * 60 * MIN;
    expect(s.assign('demo|a', 'd2-1', T0 + DAY).sessionId).toBe('d2-1');
    expect(s.assign('demo|a', 'd1-1', T0).sessionId).toBe('d1-1');
    expect(s.assign('demo|a', 'd1-2', T0 + 5 * MIN).sessionId).toBe('d1-1');
    expect(s.assign('demo|a', 'd2-2', T0 + DAY + 5 * MIN).sessionId).toBe('d2-1');
    expect(s.assign('demo|a', 'd1-3', T0 + 20 * MIN).sessionId).toBe('d1-1');
  });

  it('continues a session restored from storage, and forgets idle ones', () => {
    const s = new Sessionizer(30 * MIN);
    s.restore('demo|a', { sessionId: 'stored', startedAt: T0 - 10 * MIN, lastAt: T0 });
    expect(s.assign('demo|a', 'e9', T0 + 5 * MIN)).toEqual({ sessionId: 'stored', startedAt: T0 - 10 * MIN });
    s.assign('demo|b', 'f1', T0 + 40 * MIN);
    expect(s.closeBefore(T0 + 40 * MIN)).toBe(1);
    expect(s.size).toBe(1);
  });

  it('counts page, screen and track of web and app as activity, not identify or store events', () => {
    expect(isSessionEvent('web', 'page')).toBe(true);
    expect(isSessionEvent('app', 'screen')).toBe(true);
    expect(isSessionEvent('web', 'identify')).toBe(false);
    expect(isSessionEvent('store', 'track')).toBe(false);
  });
});
