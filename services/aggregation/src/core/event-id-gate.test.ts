import { EventIdGate, type GateRow } from './event-id-gate';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const row = (eventId: string, eventTime = NOW - 1000, tenant = 'demo'): GateRow => ({ tenant, eventId, eventTime, receivedTime: NOW });
const gate = (completeAfter = NOW - 3600_000) => new EventIdGate({ generationSize: 1000, marginMs: 60_000, completeAfter });

describe('EventIdGate', () => {
  it('lets new ids through without asking ClickHouse', () => {
    const g = gate();
    const s = g.screen([row('a'), row('b')]);
    expect(s).toMatchObject({ fresh: [0, 1], ask: [], copies: [] });
  });

  it('drops the second copy of an id within one batch, per tenant', () => {
    const g = gate();
    const s = g.screen([row('a'), row('a'), row('a', NOW - 5000, 'other')]);
    expect(s).toMatchObject({ fresh: [0, 2], copies: [1] });
  });

  it('treats an id held by a batch in flight as a copy, and frees it when that batch settles', () => {
    const g = gate();
    const first = g.screen([row('a')]);
    expect(g.screen([row('a')]).copies).toEqual([0]);
    g.settle(first.held, []); // the first batch failed: nothing stored
    const again = g.screen([row('a')]);
    expect(again.fresh).toEqual([0]);
  });

  it('asks ClickHouse about an id it has stored (a hit may be a hash collision)', () => {
    const g = gate();
    const first = g.screen([row('a')]);
    g.settle(first.held, [row('a')]);
    expect(g.screen([row('a')])).toMatchObject({ fresh: [], ask: [0] });
  });

  it('asks about events older than the recent set vouches for, across midnight too', () => {
    const g = gate(Date.parse('2026-12-01T00:00:00Z'));
    const s = g.screen([row('late', Date.parse('2026-11-30T23:59:59.900Z')), row('edge', Date.parse('2026-12-01T00:00:30Z')), row('new', NOW - 10)]);
    expect(s).toMatchObject({ ask: [0, 1], fresh: [2] });
  });

  it('asks about an event time ahead of its arrival, and never lets it advance what the set vouches for', () => {
    const g = gate();
    const future = row('f', NOW + 3600_000);
    const s = g.screen([future]);
    expect(s.ask).toEqual([0]);
    g.settle(s.held, [future]);
    expect(g.stats.ids).toBe(1);
  });
});
