/**
 * The person-updates feed through the real sink: enriched events go into Kafka as Avro, the sink
 * (in this process) lands them in ClickHouse and names their persons on the feed. A reader of the
 * feed queries ClickHouse the moment each record arrives: the persons it names must have their
 * rows in events_raw and person_activity already. The same records sent again are dropped by the
 * event-id gate and still notified (a batch read again after a crash must notify again).
 */
import { type CdpAggregation, type CdpEnrichment, type ClickHouse, type EventConsumer } from '@cdp/plumbing';
import { createAggregationTestStack, type AggregationTestStack } from './harness';
import { newVisitor, orderCompleted, pageView, shopper, TENANT } from './signal-events';

const OTHER_TENANT = 'north';
const T = Date.now() - 60 * 60_000;

let stack: AggregationTestStack;
let ch: ClickHouse;
let sink: { stop(): Promise<void> } | undefined;
let reader: EventConsumer | undefined;

/** A feed record as read, with what ClickHouse held for its persons when it was read. */
interface Seen {
  key: string;
  offset: number;
  update: CdpAggregation.PersonUpdates;
  readAt: number;
  /** person -> [events_raw rows, person_activity events] at read time. */
  stored: Record<string, [number, number]>;
}
const seen: Seen[] = [];

const inTenant = (tenant: string, e: CdpEnrichment.EnrichedEvent): CdpEnrichment.EnrichedEvent => {
  const copy = structuredClone(e);
  copy.event['cdp.web.SegmentEvent']!.envelope.tenant = tenant;
  return copy;
};
// New visitors: identity resolves each event to its cookie's person, the person its row is filed under.
const anna = newVisitor('anna');
const ben = newVisitor('ben');
const carl = newVisitor('carl', OTHER_TENANT);
const nobody = { ...shopper('p_nobody'), person: '' };
// Identity attributes no one only to an event without identifiers.
const anonymous = (eventId: string) => ({ ...pageView(nobody, eventId, T), personId: null, identifiers: [] });

const EVENTS: CdpEnrichment.EnrichedEvent[] = [
  pageView(anna, 'pu-a1', T),
  orderCompleted(anna, 'pu-a2', T + 1_000, 'PU-1', [['SKU-1001', 1, 129.9]]),
  pageView(ben, 'pu-b1', T + 2_000),
  inTenant(OTHER_TENANT, pageView(carl, 'pu-c1', T + 3_000)),
  anonymous('pu-x2'),
];
const EXPECTED = { [TENANT]: [anna.person, ben.person].sort(), [OTHER_TENANT]: [carl.person] };

async function waitFor(what: string, done: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; feed records read: ${JSON.stringify(seen.map((s) => s.update))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The sink committed every enriched event sent so far: it published whatever it had to. */
async function sinkCommitted(): Promise<void> {
  const admin = await stack.clients.admin();
  try {
    await waitFor('the sink to commit every enriched event', async () => (await admin.groupLag(`aggregation-${stack.run}`, stack.topics.enrichedEvents.name)) === 0);
  } finally {
    await admin.close();
  }
}

/** Per tenant, the persons the records from `from` on name, sorted. */
const personsSince = (from: number): Record<string, string[]> => {
  const out: Record<string, Set<string>> = {};
  for (const s of seen.slice(from)) for (const p of s.update.personIds) (out[s.update.tenant] ??= new Set()).add(p);
  return Object.fromEntries(Object.entries(out).map(([t, ps]) => [t, [...ps].sort()]));
};
const covers = (from: number) => JSON.stringify(personsSince(from)) === JSON.stringify(EXPECTED);

async function storedFor(tenant: string, persons: string[]): Promise<Record<string, [number, number]>> {
  const params = { t: tenant, ps: persons };
  const raw = await ch.query<{ person_id: string; n: string }>('SELECT person_id, count() AS n FROM events_raw WHERE tenant = {t:String} AND person_id IN {ps:Array(String)} GROUP BY person_id', params);
  const activity = await ch.query<{ person_id: string; n: string }>('SELECT person_id, sum(events) AS n FROM person_activity WHERE tenant = {t:String} AND person_id IN {ps:Array(String)} GROUP BY person_id', params);
  const countOf = (rows: { person_id: string; n: string }[], p: string) => Number(rows.find((r) => r.person_id === p)?.n ?? 0);
  return Object.fromEntries(persons.map((p) => [p, [countOf(raw, p), countOf(activity, p)]]));
}

beforeAll(async () => {
  stack = await createAggregationTestStack('updates');
  ch = stack.ch;
  sink = await stack.startSink();
}, 120_000);

afterAll(async () => {
  await reader?.close();
  await sink?.stop();
  await stack?.close();
});

describe('person-updates feed', () => {
  it('tells of a batch whose events name no one with a record without persons (the console refreshes on it)', async () => {
    await stack.sendEvents([anonymous('pu-x1')]);
    await sinkCommitted();
    expect(await ch.query('SELECT event_id, person_id FROM events_raw')).toEqual([{ event_id: 'pu-x1', person_id: '' }]);
    const admin = await stack.clients.admin();
    expect(await admin.endOffsetTotal(stack.topics.personUpdates.name)).toBe(1);
    await admin.close();
  });

  it('names exactly the persons of the landed events per tenant, once their rows are in ClickHouse', async () => {
    reader = await stack.clients.consumer({ groupId: `updates-reader-${stack.run}`, topics: [stack.topics.personUpdates.name], fromBeginning: true, maxWaitMs: 50 });
    void reader.run(async (batch) => {
      for (const record of batch.records) {
        const update = await stack.codec.decode<CdpAggregation.PersonUpdates>(record.value!);
        // Asked before anything else: what a cache reloading now would find.
        const stored = await storedFor(update.tenant, update.personIds);
        seen.push({ key: record.key!.toString('utf8'), offset: Number(record.offset), update, readAt: Date.now(), stored });
      }
    });
    const sentAt = Date.now();
    await stack.sendEvents(EVENTS);
    await waitFor('the feed to name every person sent', () => covers(0));
    await sinkCommitted();

    expect(personsSince(0)).toEqual(EXPECTED);
    // The first record is the anonymous batch's above, sent before these events; a batch of these
    // whose events named no one (an anonymous one among them) may say so too.
    expect(seen.find((s) => s.offset === 0 && s.key === TENANT)?.update).toMatchObject({ tenant: TENANT, personIds: [] });
    for (const s of seen.filter((x) => x.update.personIds.length > 0)) {
      expect(s.key).toBe(s.update.tenant);
      expect(new Set(s.update.personIds).size).toBe(s.update.personIds.length);
      expect(s.update.landedAt).toBeGreaterThanOrEqual(sentAt);
      expect(s.update.landedAt).toBeLessThanOrEqual(s.readAt);
      for (const [person, [raw, activity]] of Object.entries(s.stored)) {
        expect({ person, raw: raw > 0, activity: activity > 0 }).toEqual({ person, raw: true, activity: true });
      }
    }
    // Every event of those persons is in both tables now.
    expect(await storedFor(TENANT, EXPECTED[TENANT]!)).toEqual({ [anna.person]: [2, 2], [ben.person]: [1, 1] });
    expect(await storedFor(OTHER_TENANT, EXPECTED[OTHER_TENANT]!)).toEqual({ [carl.person]: [1, 1] });
  });

  it('names the persons again when the same records come again and the gate drops them', async () => {
    const before = seen.length;
    await stack.sendEvents(EVENTS);
    await waitFor('the feed to name the persons of the copies', () => covers(before));
    await sinkCommitted();
    expect(personsSince(before)).toEqual(EXPECTED);
    // Nothing was stored twice.
    expect(Number((await ch.query<{ n: string }>('SELECT count() AS n FROM events_raw'))[0]!.n)).toBe(EVENTS.length + 1);
    expect(await storedFor(TENANT, EXPECTED[TENANT]!)).toEqual({ [anna.person]: [2, 2], [ben.person]: [1, 1] });
  });
});
