import type { CdpEnrichment } from '@cdp/plumbing';
import {
  beaconAt, orderCompleted, pageView, productAdded, productRemoved, productViewed, shopper, storeReturn, storeSale, wifiAt,
} from '../../test/signal-events';
import { applyEvent, dueSignals, fireDue, needsHistory, nextDueAt, signalIdOf, type PersonHistory, type SignalResult, type SignalRules, type SignalState } from './signals';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const T = Date.parse('2026-12-01T10:00:00Z');
const rules: SignalRules = {
  cartAbandonMs: 30 * MIN,
  browseWindowMs: 7 * DAY,
  maxDelayMs: 60 * MIN,
  visitRules: (tenant) => (tenant === 'strict' ? { openRssi: -60, holdRssi: -70, gapMs: 5 * MIN } : { openRssi: -70, holdRssi: -80, gapMs: 15 * MIN }),
};
const NEW_CUSTOMER: PersonHistory = { purchasedBefore: false, known: false };
const KNOWN_BUYER: PersonHistory = { purchasedBefore: true, known: true };

/** Applies the events in order, each processed `lag` after it happened; returns every step. */
function run(events: CdpEnrichment.EnrichedEvent[], start?: SignalState, options: { lag?: number; history?: PersonHistory } = {}): { state: SignalState | undefined; steps: SignalResult[] } {
  let state = start;
  const steps: SignalResult[] = [];
  for (const e of events) {
    const at = Object.values(e.event)[0]!.envelope.eventTime;
    const now = at + (options.lag ?? 1000);
    const history = needsHistory(state, e, rules, now) ? options.history : undefined;
    const r = applyEvent(state, e, { now, partition: 2, ...(history ? { history } : {}) }, rules);
    steps.push(r);
    state = r.state;
  }
  return { state, steps };
}
const kinds = (r: SignalResult) => r.signals.map((s) => s.kind);

const ann = shopper('p_ann');

describe('signal ids', () => {
  it('are the same for the same kind, tenant, person and triggering event, and differ otherwise', () => {
    const id = signalIdOf('CART_ABANDONED', 'demo', 'p1', 'e1');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(signalIdOf('CART_ABANDONED', 'demo', 'p1', 'e1')).toBe(id);
    expect(new Set([id, signalIdOf('FIRST_PURCHASE', 'demo', 'p1', 'e1'), signalIdOf('CART_ABANDONED', 'other', 'p1', 'e1'), signalIdOf('CART_ABANDONED', 'demo', 'p2', 'e1'), signalIdOf('CART_ABANDONED', 'demo', 'p1', 'e2')]).size).toBe(5);
  });
});

describe('cart abandoned', () => {
  it('fires once the abandon time after the last change, with the cart, and never again for that occasion', () => {
    const { state } = run([productAdded(ann, 'c1', T, 'SKU-1', 129.9), productAdded(ann, 'c2', T + 5 * MIN, 'SKU-2', 9.95, 2), productRemoved(ann, 'c3', T + 6 * MIN, 'SKU-2', 1)]);
    expect(nextDueAt(state!, rules)).toBe(T + 36 * MIN);
    expect(fireDue(state!, T + 36 * MIN - 1, rules).changed).toBe(false);

    const due = fireDue(state!, T + 36 * MIN, rules);
    expect(due.signals).toEqual([{
      signalId: signalIdOf('CART_ABANDONED', 'demo', 'p_ann', 'c3'), tenant: 'demo', kind: 'CART_ABANDONED', personId: 'p_ann', firedAt: T + 36 * MIN, occurredAt: T + 6 * MIN,
      sourceEventIds: ['c3', 'c2', 'c1'], channel: 'web', storeId: null, storeName: null, skus: ['SKU-1', 'SKU-2'], segments: [], valueMinor: 12990 + 995, currency: 'EUR', orderId: null,
    }]);
    expect(nextDueAt(due.state!, rules)).toBeUndefined();
    expect(fireDue(due.state!, T + 90 * MIN, rules).changed).toBe(false);
  });

  it('starts a new occasion with a later change, keeping what is in the cart', () => {
    const first = run([productAdded(ann, 'c1', T, 'SKU-1', 129.9)]).state!;
    const fired = fireDue(first, T + 31 * MIN, rules).state!;
    const { state } = run([productAdded(ann, 'c4', T + 50 * MIN, 'SKU-3', 59.9)], fired);
    const again = fireDue(state!, T + 80 * MIN, rules);
    expect(again.signals).toEqual([expect.objectContaining({ signalId: signalIdOf('CART_ABANDONED', 'demo', 'p_ann', 'c4'), sourceEventIds: ['c4'], skus: ['SKU-1', 'SKU-3'], valueMinor: 12990 + 5990 })]);
  });

  it('does not fire when the order follows in time, nor for a cart emptied again', () => {
    const ordered = run([productAdded(ann, 'c1', T, 'SKU-1', 129.9), orderCompleted(ann, 'o1', T + 20 * MIN, 'O-1', [['SKU-1', 1, 129.9]])], undefined, { history: KNOWN_BUYER }).state!;
    expect(ordered.cart).toBeNull();
    expect(fireDue(ordered, T + 5 * 60 * MIN, rules).signals).toEqual([]);
    const emptied = run([productAdded(ann, 'c1', T, 'SKU-1', 129.9), productRemoved(ann, 'c2', T + MIN, 'SKU-1')]).state!;
    expect(emptied.cart).toBeNull();
    expect(nextDueAt(emptied, rules)).toBeUndefined();
  });

  it('takes a replayed change as nothing, and passes over a trigger fired before', () => {
    const { state, steps } = run([productAdded(ann, 'c1', T, 'SKU-1', 129.9), productAdded(ann, 'c1', T, 'SKU-1', 129.9)]);
    expect(steps[1]!.changed).toBe(false);
    expect(state!.cart!.lines).toEqual([{ sku: 'SKU-1', quantity: 1, unitPriceMinor: 12990 }]);
    const fired = fireDue(state!, T + 31 * MIN, rules).state!;
    // The copy comes back after the state forgot the event (more than 64 changes later).
    const forgetful = { ...fired, recentEventIds: [] };
    const replay = run([productAdded(ann, 'c1', T, 'SKU-1', 129.9)], forgetful, { lag: 40 * MIN }).state!;
    const again = fireDue(replay, T + 41 * MIN, rules);
    expect(again.signals).toEqual([]);
    expect(again.passedOver).toEqual([{ kind: 'CART_ABANDONED', signalId: signalIdOf('CART_ABANDONED', 'demo', 'p_ann', 'c1'), reason: 'fired_before' }]);
  });

  it('passes over a cart abandoned longer ago than the maximum delay, closing the occasion', () => {
    const { state } = run([productAdded(ann, 'c1', T, 'SKU-1', 129.9)]);
    const late = fireDue(state!, T + 30 * MIN + 61 * MIN, rules);
    expect(late.signals).toEqual([]);
    expect(late.passedOver).toEqual([expect.objectContaining({ kind: 'CART_ABANDONED', reason: 'too_late' })]);
    expect(nextDueAt(late.state!, rules)).toBeUndefined();
  });

  it('fires the due ones among many states', () => {
    const a = run([productAdded(ann, 'c1', T, 'SKU-1', 10)]).state!;
    const b = run([productAdded(shopper('p_bo'), 'b1', T + 10 * MIN, 'SKU-2', 20)]).state!;
    const none = run([productViewed(shopper('p_cy'), 'v1', T, 'SKU-3')]).state!;
    expect(dueSignals([a, b, none], T + 35 * MIN, rules).flatMap((r) => r.signals.map((s) => s.personId))).toEqual(['p_ann']);
    expect(dueSignals([a, b, none], T + 45 * MIN, rules).flatMap((r) => r.signals.map((s) => s.personId))).toEqual(['p_ann', 'p_bo']);
  });
});

describe('known customer entered a store', () => {
  it('fires on the first strong sighting of a visit, once, and again after the gap', () => {
    const { steps } = run([
      beaconAt('p_ann', 'b1', T, 'HEL-1', -75, 'user-ann'), // hold strength: the visit is alive, no entry yet
      beaconAt('p_ann', 'b2', T + MIN, 'HEL-1', -65, 'user-ann'), // the entry
      beaconAt('p_ann', 'b3', T + 5 * MIN, 'HEL-1', -60, 'user-ann'),
      beaconAt('p_ann', 'b4', T + 19 * MIN, 'HEL-1', -78, 'user-ann'), // within the gap at hold strength: the same visit
      beaconAt('p_ann', 'b5', T + 30 * MIN, 'HEL-1', -62, 'user-ann'),
      beaconAt('p_ann', 'b6', T + 50 * MIN, 'HEL-1', -64, 'user-ann'), // 20 minutes without a sighting: a new visit
      beaconAt('p_ann', 'b7', T + 51 * MIN, 'ESP-2', -60, 'user-ann'), // another store
    ]);
    expect(steps.map(kinds)).toEqual([[], ['KNOWN_CUSTOMER_ENTERED_STORE'], [], [], [], ['KNOWN_CUSTOMER_ENTERED_STORE'], ['KNOWN_CUSTOMER_ENTERED_STORE']]);
    expect(steps[1]!.signals[0]).toEqual({
      signalId: signalIdOf('KNOWN_CUSTOMER_ENTERED_STORE', 'demo', 'p_ann', 'b2'), tenant: 'demo', kind: 'KNOWN_CUSTOMER_ENTERED_STORE', personId: 'p_ann', firedAt: T + MIN + 1000, occurredAt: T + MIN,
      sourceEventIds: ['b2'], channel: 'store', storeId: 'HEL-1', storeName: 'Helsinki Kamppi', skus: [], segments: [], valueMinor: null, currency: null, orderId: null,
    });
  });

  it('uses the tenant\'s thresholds', () => {
    const strict = (id: string, at: number, rssi: number) => {
      const e = beaconAt('p_ann', id, at, 'HEL-1', rssi, 'user-ann');
      e.event['cdp.store.BeaconSighting']!.envelope.tenant = 'strict';
      return e;
    };
    expect(run([strict('s1', T, -65), strict('s2', T + MIN, -58), strict('s3', T + 7 * MIN, -59)]).steps.map(kinds)).toEqual([[], ['KNOWN_CUSTOMER_ENTERED_STORE'], ['KNOWN_CUSTOMER_ENTERED_STORE']]);
  });

  it('asks who an anonymous device\'s person is, once, and fires only for a known one', () => {
    const seen = wifiAt('p_dev', 'w1', T, 'HEL-1', -60);
    expect(needsHistory(undefined, seen, rules, T + MIN)).toBe(true);
    expect(needsHistory(undefined, wifiAt('p_dev', 'w0', T, 'HEL-1', -75), rules, T + MIN)).toBe(false);
    // Too old to be signalled: not worth asking.
    expect(needsHistory(undefined, seen, rules, T + 61 * MIN)).toBe(false);
    expect(run([seen], undefined, { history: { purchasedBefore: false, known: false } }).steps.map(kinds)).toEqual([[]]);
    const known = run([seen, wifiAt('p_dev', 'w2', T + 20 * MIN, 'HEL-1', -60)], undefined, { history: { purchasedBefore: false, known: true } });
    expect(known.steps.map(kinds)).toEqual([['KNOWN_CUSTOMER_ENTERED_STORE'], ['KNOWN_CUSTOMER_ENTERED_STORE']]);
    expect(needsHistory(known.state, wifiAt('p_dev', 'w3', T + 60 * MIN, 'HEL-1', -60), rules, T + 61 * MIN)).toBe(false);
    // Someone who bought before is known.
    expect(run([seen], undefined, { history: { purchasedBefore: true, known: false } }).steps.map(kinds)).toEqual([['KNOWN_CUSTOMER_ENTERED_STORE']]);
  });

  it('learns that a person is known from their events, and never sees a randomised MAC', () => {
    const { steps } = run([pageView(shopper('p_dev', 'user-dev'), 'x1', T - MIN), wifiAt('p_dev', 'w1', T, 'HEL-1', -60)]);
    expect(steps.map(kinds)).toEqual([[], ['KNOWN_CUSTOMER_ENTERED_STORE']]);
    expect(run([wifiAt('p_anon', 'r1', T, 'HEL-1', -50, true)]).state).toBeUndefined();
  });

  it('fires nothing for a sighting older than the maximum delay, but remembers the visit', () => {
    const old = beaconAt('p_ann', 'b1', T, 'HEL-1', -60, 'user-ann');
    const r = applyEvent(undefined, old, { now: T + 61 * MIN, partition: 0 }, rules);
    expect(r.signals).toEqual([]);
    expect(r.passedOver).toEqual([expect.objectContaining({ kind: 'KNOWN_CUSTOMER_ENTERED_STORE', reason: 'too_late' })]);
    expect(r.state!.stores).toEqual([{ storeId: 'HEL-1', visitStartedAt: T, lastSeenAt: T, entryEventId: 'b1' }]);
  });
});

describe('first purchase', () => {
  it('asks ClickHouse once and fires for the first order of a new customer only', () => {
    const first = orderCompleted(ann, 'o1', T, 'O-1', [['SKU-1', 1, 129.9], ['SKU-2', 2, 9.95]]);
    expect(needsHistory(undefined, first, rules, T + MIN)).toBe(true);
    const { state, steps } = run([first, orderCompleted(ann, 'o2', T + DAY, 'O-2', [['SKU-3', 1, 59.9]])], undefined, { history: NEW_CUSTOMER });
    expect(steps.map(kinds)).toEqual([['FIRST_PURCHASE'], []]);
    expect(steps[0]!.signals[0]).toEqual({
      signalId: signalIdOf('FIRST_PURCHASE', 'demo', 'p_ann', 'o1'), tenant: 'demo', kind: 'FIRST_PURCHASE', personId: 'p_ann', firedAt: T + 1000, occurredAt: T,
      sourceEventIds: ['o1'], channel: 'web', storeId: null, storeName: null, skus: ['SKU-1', 'SKU-2'], segments: [], valueMinor: 14980, currency: 'EUR', orderId: 'O-1',
    });
    expect(state).toMatchObject({ purchased: true, known: true });
    expect(needsHistory(state, orderCompleted(ann, 'o3', T + 2 * DAY, 'O-3', [['SKU-3', 1, 59.9]]), rules, T + 2 * DAY + MIN)).toBe(false);
  });

  it('fires nothing for a customer who bought before, or whose past nobody could tell', () => {
    const order = orderCompleted(ann, 'o1', T, 'O-1', [['SKU-1', 1, 129.9]]);
    expect(run([order], undefined, { history: KNOWN_BUYER }).steps.map(kinds)).toEqual([[]]);
    expect(run([order]).steps.map(kinds)).toEqual([[]]);
  });

  it('fires for a store sale, with the store; a return means a purchase before', () => {
    const sale = storeSale('p_lc', 'R-1', T, 'HEL-1', [['SKU-1', 1, 12990]], 'LC-1');
    const { steps } = run([sale], undefined, { history: NEW_CUSTOMER });
    expect(steps[0]!.signals).toEqual([expect.objectContaining({ kind: 'FIRST_PURCHASE', sourceEventIds: ['pos:HEL-1:R-1'], channel: 'store', storeId: 'HEL-1', storeName: 'Helsinki Kamppi', orderId: 'R-1', valueMinor: 12990, currency: 'EUR', skus: ['SKU-1'] })]);
    const returned = run([storeReturn('p_lc', 'R-2', T, 'HEL-1', [['SKU-1', 1, 12990]], 'LC-1')]).state!;
    expect(returned).toMatchObject({ purchased: true, known: true });
    expect(run([sale], returned).steps.map(kinds)).toEqual([[]]);
  });

  it('makes no second signal from a replayed order', () => {
    const order = orderCompleted(ann, 'o1', T, 'O-1', [['SKU-1', 1, 129.9]]);
    const { steps } = run([order, order], undefined, { history: NEW_CUSTOMER });
    expect(steps.map(kinds)).toEqual([['FIRST_PURCHASE'], []]);
  });
});

describe('store visit after browsing', () => {
  it('carries the skus viewed online within the window before the entry, newest first', () => {
    const { steps } = run([
      productViewed(ann, 'v0', T - 8 * DAY, 'SKU-0'),
      productViewed(ann, 'v1', T - 3 * DAY, 'SKU-1'),
      productViewed(ann, 'v2', T - DAY, 'SKU-2'),
      productViewed(ann, 'v3', T - DAY + MIN, 'SKU-1'),
      beaconAt('p_ann', 'b1', T, 'HEL-1', -65),
      productViewed(ann, 'v4', T + MIN, 'SKU-9'), // browsing in the store: not before the visit
      beaconAt('p_ann', 'b2', T + 2 * MIN, 'HEL-1', -60),
    ], undefined, { lag: 0, history: NEW_CUSTOMER });
    // Anonymous (no user id, no purchase): no known-customer entry, but the visit after browsing.
    expect(steps.map(kinds)).toEqual([[], [], [], [], ['STORE_VISIT_AFTER_BROWSING'], [], []]);
    expect(steps[4]!.signals[0]).toEqual(expect.objectContaining({
      signalId: signalIdOf('STORE_VISIT_AFTER_BROWSING', 'demo', 'p_ann', 'b1'), storeId: 'HEL-1', skus: ['SKU-1', 'SKU-2'], sourceEventIds: ['b1', 'v3', 'v2'], occurredAt: T, valueMinor: null,
    }));
  });

  it('comes with the known-customer entry for a known person, and not without views', () => {
    const known = shopper('p_ann', 'user-ann');
    expect(run([productViewed(known, 'v1', T - DAY, 'SKU-1'), beaconAt('p_ann', 'b1', T, 'HEL-1', -65)]).steps.map(kinds)).toEqual([[], ['KNOWN_CUSTOMER_ENTERED_STORE', 'STORE_VISIT_AFTER_BROWSING']]);
    expect(run([pageView(known, 'p1', T - DAY), beaconAt('p_ann', 'b1', T, 'HEL-1', -65)]).steps.map(kinds)).toEqual([[], ['KNOWN_CUSTOMER_ENTERED_STORE']]);
  });
});

describe('state', () => {
  it('is left alone by events that mean nothing for signals, and by events without a person', () => {
    expect(run([pageView(ann, 'p1', T)]).state).toBeUndefined();
    const carted = run([productAdded(ann, 'c1', T, 'SKU-1', 10)]).state!;
    expect(applyEvent(carted, pageView(ann, 'p2', T + MIN), { now: T + MIN, partition: 2 }, rules)).toEqual({ state: carted, changed: false, signals: [], passedOver: [] });
    const nobody = wifiAt(null, 'w1', T, 'HEL-1', -50, true);
    expect(applyEvent(carted, nobody, { now: T, partition: 2 }, rules).changed).toBe(false);
  });

  it('remembers the partition, the events it took and the signals it fired, within bounds', () => {
    let state: SignalState | undefined;
    for (let i = 0; i < 80; i++) state = applyEvent(state, productAdded(ann, `c${i}`, T + i * 1000, 'SKU-1', 1), { now: T + i * 1000, partition: 3 }, rules).state;
    expect(state!.partition).toBe(3);
    expect(state!.recentEventIds).toHaveLength(64);
    expect(state!.recentEventIds[0]).toBe('c79');
    expect(state!.cart!.changeEventIds).toHaveLength(20);
    expect(state!.cart!.lines).toEqual([{ sku: 'SKU-1', quantity: 80, unitPriceMinor: 100 }]);
  });
});
