import avro from 'avsc';
import { loadSchemaCatalog, projectSchema, type CdpEnrichment } from '@cdp/plumbing';
import { beaconAt, orderCompleted, pageView, productAdded, productRemoved, productViewed, shopper, storeReturn, storeSale, wifiAt } from '../../test/signal-events';
import { applyEvent, needsHistory, SIGNAL_EVENT_FIELDS, type SignalResult, type SignalRules, type SignalState } from './signals';

// The signals processor decodes enriched events with SIGNAL_EVENT_FIELDS only. Here the same
// events go through the signals decoded whole and decoded with the projection: every state,
// signal and question for ClickHouse must come out the same.
const catalog = loadSchemaCatalog();
const full = catalog.resolve('cdp.enrichment.EnrichedEvent');
const writer = avro.Type.forSchema(full as avro.Schema);
const reader = avro.Type.forSchema(projectSchema(full, SIGNAL_EVENT_FIELDS) as avro.Schema);
const resolver = reader.createResolver(writer);
const roundTrip = (e: CdpEnrichment.EnrichedEvent) => writer.fromBuffer(writer.toBuffer(e)) as CdpEnrichment.EnrichedEvent;
const projected = (e: CdpEnrichment.EnrichedEvent) => reader.fromBuffer(writer.toBuffer(e), resolver, true) as CdpEnrichment.EnrichedEvent;

const MIN = 60_000;
const T = Date.parse('2026-12-01T10:00:00Z');
const rules: SignalRules = {
  cartAbandonMs: 30 * MIN,
  browseWindowMs: 7 * 24 * 60 * MIN,
  maxDelayMs: 60 * MIN,
  visitRules: () => ({ openRssi: -70, holdRssi: -80, gapMs: 15 * MIN }),
};

function run(events: CdpEnrichment.EnrichedEvent[]) {
  let state: SignalState | undefined;
  const steps: (SignalResult & { asked: boolean })[] = [];
  for (const e of events) {
    const now = Object.values(e.event)[0]!.envelope.eventTime + 1000;
    const asked = needsHistory(state, e, rules, now);
    const r = applyEvent(state, e, { now, partition: 1, ...(asked ? { history: { purchasedBefore: false, known: false } } : {}) }, rules);
    steps.push({ ...r, asked });
    state = r.state;
  }
  return steps;
}

const ann = shopper('p_ann');
const bo = shopper('p_bo', 'user-bo');
const stories: Record<string, CdpEnrichment.EnrichedEvent[]> = {
  'a web cart left, then bought': [pageView(ann, 'w1', T), productViewed(ann, 'w2', T + MIN, 'SKU-1'), productAdded(ann, 'w3', T + 2 * MIN, 'SKU-1', 129.9, 2), productRemoved(ann, 'w4', T + 3 * MIN, 'SKU-1', 1), orderCompleted(ann, 'w5', T + 4 * MIN, 'o-1', [['SKU-1', 1, 129.9]])],
  'a known shopper browsing, then in the store': [productViewed(bo, 'k1', T, 'SKU-2'), beaconAt('p_bo', 'k2', T + 10 * MIN, 'HEL-1', -60, 'user-bo'), beaconAt('p_bo', 'k3', T + 11 * MIN, 'HEL-1', -65, 'user-bo')],
  'Wi-Fi sightings, one randomised': [wifiAt('p_cy', 'f1', T, 'HEL-1', -55), wifiAt('p_cy', 'f2', T + MIN, 'HEL-1', -50, true), wifiAt(null, 'f3', T + 2 * MIN, 'HEL-1', -50)],
  'a store sale and a return': [storeSale('p_di', 's1', T, 'OUL-4', [['SKU-3', 2, 1250]], 'LC-1'), storeReturn('p_di', 's2', T + MIN, 'OUL-4', [['SKU-3', 1, 1250]], 'LC-1')],
};

describe('the signals on projected events', () => {
  it.each(Object.keys(stories))('%s: the same states, signals and history questions as on whole events', (name) => {
    const events = stories[name]!;
    const whole = run(events.map(roundTrip));
    expect(run(events.map(projected))).toEqual(whole);
    // Not a story where nothing happens: something changed or fired.
    expect(whole.some((s) => s.changed)).toBe(true);
  });

  it('leaves out what the signals do not read', () => {
    const web = projected(productAdded(ann, 'x1', T, 'SKU-1', 10)) as unknown as { event: { 'cdp.web.SegmentEvent': Record<string, unknown> }; device?: unknown };
    expect(Object.keys(web.event['cdp.web.SegmentEvent']).sort()).toEqual(['channel', 'context', 'envelope', 'event', 'properties', 'type']);
    expect(web.device).toBeUndefined();
    // Of the context, only the consent (an answer decides a signal before ClickHouse has it).
    expect(Object.keys(web.event['cdp.web.SegmentEvent'].context as object)).toEqual(['consent']);
  });

  it('refuses a field the event does not have', () => {
    expect(() => projectSchema(full, { personId: true, persnoId: true })).toThrow(/no field "persnoId"/);
  });
});
