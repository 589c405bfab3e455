/**
 * Real-time signals on the real stack: enriched events go into Kafka as Avro, aggregation's sink
 * and its signals processor (both in this process, on topics of their own prefix and a database
 * of their own) read them, and the signals are read back with a read_committed consumer (kafkajs'
 * default isolation). Each signal must come once: after its timer, across a stop and a start of
 * the processor before and after the timer fired, when the same records come again, and when the
 * processor is killed inside its transaction.
 */
import { spawn } from 'node:child_process';
import { DEVELOPMENT_SALT, hashEmail, Registry, type CdpAggregation, type CdpEnrichment, type ClickHouse, type EventConsumer, type TopicSpec } from '@cdp/plumbing';
import { REPO_ROOT } from '@cdp/infra/src/paths';
import { startSignalsProcessor, type SignalsProcessor } from '../src/adapters/signals-processor';
import { DEFAULT_VISIT_RULES } from '../src/config';
import { enrichedRow } from '../src/core/rows';
import { signalRow } from '../src/core/signal-rows';
import { assignment, membership, MINUTE } from './fixture';
import { createAggregationTestStack, type AggregationTestStack } from './harness';
import { beaconAt, eventIdOf, newVisitor, orderCompleted, pageView, productAdded, productViewed, shopper, TENANT, wifiAt, withConsent } from './signal-events';
import { testConsentPolicy } from './consent-policy';

let stack: AggregationTestStack;
let run: string;
let groupId: string;
const CART_ABANDON_MS = 8_000;
const TICK_MS = 250;

let ch: ClickHouse;
let sink: { stop(): Promise<void> } | undefined;
let processor: SignalsProcessor | undefined;
let reader: EventConsumer | undefined;
/** Every signal a read_committed consumer has seen, in order. */
const seen: CdpAggregation.Signal[] = [];

async function startProcessor(): Promise<void> {
  processor = await startSignalsProcessor({
    clients: stack.clients, codec: stack.codec, connection: stack.connection, logger: stack.logger, registry: new Registry(), groupId,
    topics: { events: stack.topics.enrichedEvents, signals: stack.topics.signals, state: stack.topics.signalState },
    rules: { cartAbandonMs: CART_ABANDON_MS, browseWindowMs: 7 * 24 * 60 * MINUTE, maxDelayMs: 60 * MINUTE, defaultVisit: DEFAULT_VISIT_RULES },
    tickMs: TICK_MS,
    consent: testConsentPolicy('opt-out'),
  });
}

async function stopProcessor(): Promise<void> {
  await processor?.stop();
  processor = undefined;
}

const send = (topic: TopicSpec, records: { key: string; value: unknown }[]) => stack.send(topic, records);
const sendEvents = (events: CdpEnrichment.EnrichedEvent[]) => stack.sendEvents(events);

async function waitFor(what: string, done: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; signals seen: ${JSON.stringify(seen.map((s) => [s.kind, s.personId, s.sourceEventIds]))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const signalsOf = (personId: string, kind?: CdpAggregation.SignalKind) => seen.filter((s) => s.personId === personId && (kind === undefined || s.kind === kind));

/** The processor committed (in its transactions) every enriched event sent so far. */
async function processed(): Promise<void> {
  const admin = await stack.clients.admin();
  try {
    await waitFor('the signals group to commit every enriched event', async () => (await admin.groupLag(groupId, stack.topics.enrichedEvents.name)) === 0);
  } finally {
    await admin.close();
  }
}

/** Everything sent was processed and every timer that could be due has had its ticks. */
async function settled(): Promise<void> {
  await processed();
  await sleep(6 * TICK_MS);
}

beforeAll(async () => {
  stack = await createAggregationTestStack('signals');
  run = stack.run;
  groupId = `aggregation-${run}-signals`;
  ch = stack.ch;
  sink = await stack.startSink();
  reader = await stack.clients.consumer({ groupId: `signals-reader-${run}`, topics: [stack.topics.signals.name], fromBeginning: true, maxWaitMs: 100 });
  await reader.run(async (batch) => {
    for (const r of batch.records) seen.push(await stack.codec.decode<CdpAggregation.Signal>(r.value!));
  });
  await startProcessor();
}, 120_000);

afterAll(async () => {
  await stopProcessor();
  await reader?.close();
  await sink?.stop();
  await stack?.close();
});

describe('real-time signals', () => {
  const carla = shopper('p_carla');
  const oscar = shopper('p_oscar');
  let carlaAdded: CdpEnrichment.EnrichedEvent;
  let oscarOrder: CdpEnrichment.EnrichedEvent;

  it('fires cart abandoned exactly once after the timeout, and not when the order follows in time', async () => {
    const start = Date.now();
    carlaAdded = productAdded(carla, `carla-add-${run}`, start, 'SKU-1001', 129.9);
    await sendEvents([carlaAdded, productAdded(oscar, `oscar-add-${run}`, start, 'SKU-2001', 9.95, 2)]);
    await sleep(1000);
    oscarOrder = orderCompleted(oscar, `oscar-order-${run}`, Date.now(), 'O-77', [['SKU-2001', 2, 9.95]]);
    await sendEvents([oscarOrder]);

    await waitFor('Carla\'s cart abandoned', () => signalsOf('p_carla', 'CART_ABANDONED').length > 0);
    // Not before its time: the cart changed at `start`.
    expect(Date.now() - start).toBeGreaterThanOrEqual(CART_ABANDON_MS);
    await sleep(CART_ABANDON_MS + 4 * TICK_MS);
    await settled();
    expect(signalsOf('p_carla', 'CART_ABANDONED')).toEqual([expect.objectContaining({
      tenant: TENANT, personId: 'p_carla', sourceEventIds: [eventIdOf(carlaAdded)], skus: ['SKU-1001'], valueMinor: 12990, currency: 'EUR', channel: 'web', occurredAt: carlaAdded.event['cdp.web.SegmentEvent']!.envelope.eventTime,
    })]);
    expect(signalsOf('p_carla', 'CART_ABANDONED')[0]!.firedAt).toBeGreaterThanOrEqual(start + CART_ABANDON_MS);
    // Oscar ordered within the time: his order was taken in (his first purchase), his cart was not abandoned.
    expect(signalsOf('p_oscar').map((s) => s.kind)).toEqual(['FIRST_PURCHASE']);
  });

  it('makes no second signal when the same records come again', async () => {
    const before = seen.length;
    await sendEvents([carlaAdded, oscarOrder]);
    await settled();
    await sleep(CART_ABANDON_MS + 4 * TICK_MS);
    expect(seen.slice(before)).toEqual([]);
  });

  it('keeps a cart\'s timer across a stop and a start, and fires it once, also when stopped after it fired', async () => {
    const rita = shopper('p_rita');
    const added = productAdded(rita, `rita-add-${run}`, Date.now(), 'SKU-3001', 59.9);
    const due = Date.now() + CART_ABANDON_MS;
    await sendEvents([added]);
    await processed();
    await stopProcessor();
    expect(Date.now()).toBeLessThan(due);
    await sleep(due - Date.now() + 2 * TICK_MS);
    expect(signalsOf('p_rita')).toEqual([]);

    // The timer is in the state topic: the processor started again fires it.
    await startProcessor();
    await waitFor('Rita\'s cart abandoned after the restart', () => signalsOf('p_rita', 'CART_ABANDONED').length > 0);
    expect(signalsOf('p_rita', 'CART_ABANDONED')).toEqual([expect.objectContaining({ sourceEventIds: [eventIdOf(added)], skus: ['SKU-3001'], valueMinor: 5990 })]);

    // Stopped after the transaction that fired it: started again, it knows.
    await stopProcessor();
    await startProcessor();
    await sendEvents([productViewed(rita, `rita-view-${run}`, Date.now(), 'SKU-1002')]);
    await settled();
    expect(signalsOf('p_rita', 'CART_ABANDONED')).toHaveLength(1);
    // Nor did anything fired before the restarts come again.
    expect(signalsOf('p_carla', 'CART_ABANDONED')).toHaveLength(1);
  });

  it('tells a known customer\'s store entry once per visit, with the partner segments', async () => {
    const kim = shopper('p_kim');
    const kimEmail = hashEmail(DEVELOPMENT_SALT, `kim-${run}@example.com`);
    const now = Date.now();
    // Identity and the partner know Kim by e-mail; her phone's Wi-Fi says nothing of who she is.
    await send(stack.topics.identifierAssignments, [assignment('email_hash', kimEmail, 'p_kim', now - 70 * MINUTE), assignment('user_id', 'user-kim', 'p_kim', now - 70 * MINUTE)].map((a) => ({ key: `${a.tenant}|${a.identifier.type}|${a.identifier.value}`, value: a })));
    const kimSegments = membership(kimEmail, ['outdoor', 'vip']);
    await send(stack.topics.partnerSegments, [{ key: `${TENANT}|${kimSegments.partner}|email_hash|${kimEmail}`, value: kimSegments }]);
    await sendEvents([pageView(kim, `kim-page-${run}`, now - 60 * MINUTE)]);
    await waitFor('Kim\'s profile with her segments', async () => {
      const rows = await ch.query<{ n: number }>('SELECT length(partner_segments) AS n FROM customer_profile(tenant = {t:String}, person_id = {p:String})', { t: TENANT, p: 'p_kim' });
      return Number(rows[0]?.n ?? 0) === 2;
    });

    // Visit 1: weak at the window, then strong inside, for minutes; visit 2 after a 25-minute gap.
    // A stranger's phone (no identifier but its MAC) is as strong: no signal.
    const visits = [
      wifiAt('p_kim', `kim-w1-${run}`, now - 50 * MINUTE, 'HEL-1', -76),
      wifiAt('p_kim', `kim-w2-${run}`, now - 49 * MINUTE, 'HEL-1', -60),
      wifiAt('p_kim', `kim-w3-${run}`, now - 48 * MINUTE, 'HEL-1', -58),
      wifiAt('p_kim', `kim-w4-${run}`, now - 40 * MINUTE, 'HEL-1', -62),
      wifiAt('p_kim', `kim-w5-${run}`, now - 15 * MINUTE, 'HEL-1', -64),
      wifiAt('p_kim', `kim-w6-${run}`, now - 14 * MINUTE, 'HEL-1', -61),
      wifiAt('p_stranger', `stranger-w1-${run}`, now - 15 * MINUTE, 'HEL-1', -55),
      wifiAt(null, `random-w1-${run}`, now - 15 * MINUTE, 'HEL-1', -50, true),
    ];
    await sendEvents(visits);
    await waitFor('Kim\'s two entries', () => signalsOf('p_kim', 'KNOWN_CUSTOMER_ENTERED_STORE').length >= 2);
    await settled();
    const entries = signalsOf('p_kim', 'KNOWN_CUSTOMER_ENTERED_STORE');
    expect(entries.map((s) => s.sourceEventIds)).toEqual([[`kim-w2-${run}`], [`kim-w5-${run}`]]);
    for (const s of entries) {
      expect(s).toMatchObject({ storeId: 'HEL-1', storeName: 'Helsinki Kamppi', channel: 'store', segments: [{ partner: 'nordic-loyalty', segment: 'outdoor' }, { partner: 'nordic-loyalty', segment: 'vip' }] });
    }
    expect(signalsOf('p_kim')).toHaveLength(2);
    expect(signalsOf('p_stranger')).toEqual([]);
  });

  it('tells a first purchase once, also when the sink stored it first, and not for a customer who bought before', async () => {
    // New visitors: their orders are stored under the persons they resolve to, which is what
    // "bought before" is asked about (Victor's old order goes straight into ClickHouse).
    const bea = newVisitor('bea');
    const vic = newVisitor('vic');
    const now = Date.now();
    // Victor bought last year, before signals existed: ClickHouse knows, the processor does not.
    const old = enrichedRow(orderCompleted(vic, `vic-order-0-${run}`, now - 300 * 24 * 60 * MINUTE, 'O-9', [['SKU-2001', 1, 9.95]]), now);
    const columns = Object.keys(old.row);
    await ch.insert(old.table, [columns.map((c) => old.row[c])], { format: 'JSONCompactEachRow', columns });

    // The sink is ahead of the processor: Bea's first order is in ClickHouse before the processor sees it.
    const first = orderCompleted(bea, `bea-order-1-${run}`, now - 2 * MINUTE, 'O-101', [['SKU-1001', 1, 129.9]]);
    await stopProcessor();
    await sendEvents([first]);
    await waitFor('the sink to store Bea\'s first order', async () => Number((await ch.query<{ n: number }>('SELECT count() AS n FROM events_raw WHERE event_id = {id:String}', { id: eventIdOf(first) }))[0]?.n) === 1);
    await startProcessor();
    await sendEvents([orderCompleted(bea, `bea-order-2-${run}`, now - MINUTE, 'O-102', [['SKU-3001', 1, 59.9]]), orderCompleted(vic, `vic-order-1-${run}`, now - MINUTE, 'O-110', [['SKU-1002', 1, 119.9]])]);
    await waitFor('Bea\'s first purchase', () => signalsOf(bea.person, 'FIRST_PURCHASE').length > 0);
    await settled();
    expect(signalsOf(bea.person)).toEqual([expect.objectContaining({ kind: 'FIRST_PURCHASE', sourceEventIds: [`bea-order-1-${run}`], orderId: 'O-101', valueMinor: 12990, currency: 'EUR', skus: ['SKU-1001'], channel: 'web' })]);
    expect(signalsOf(vic.person)).toEqual([]);
  });

  it('shows nothing of a transaction whose process was killed inside it, and fires once when the next one takes over', async () => {
    await stopProcessor();
    // The processor alone, in a process that kills itself (SIGKILL) inside its first batch
    // transaction: the signal and the state sent, the offsets added, the commit never made.
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/aggregation/test/signals-child.ts'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        CDP_FAILPOINTS: 'kafka.transaction.after-offsets=exit',
        SIGNALS_CHILD: JSON.stringify({ prefix: `signals-${run}.`, database: stack.connection.database, groupId, cartAbandonMs: CART_ABANDON_MS, tickMs: TICK_MS, sessionTimeoutMs: 8000 }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    await waitFor('the child processor to run', () => stdout.includes('signals processor running') || child.exitCode !== null);

    const cruz = shopper('p_cruz');
    await sendEvents([orderCompleted(cruz, `cruz-order-1-${run}`, Date.now(), 'O-300', [['SKU-1002', 1, 119.9]])]);
    const exit = await exited;
    expect({ exit, stderr }).toMatchObject({ exit: { signal: 'SIGKILL' } });
    const point = JSON.parse(stderr.split('\n').find((l) => l.includes('"failpoint"'))!) as { failpoint: string; offsets: { partition: number }[] };
    expect(point.failpoint).toBe('kafka.transaction.after-offsets');

    await sleep(2000);
    expect(signalsOf('p_cruz')).toEqual([]);
    // The next processor fences the dead one's transactional id (its transaction is aborted),
    // reads the states as committed, and reads the batch again from the committed offsets.
    await startProcessor();
    await waitFor('Cruz\'s first purchase from the next processor', () => signalsOf('p_cruz').length > 0);
    await settled();
    expect(signalsOf('p_cruz')).toEqual([expect.objectContaining({ kind: 'FIRST_PURCHASE', orderId: 'O-300', sourceEventIds: [`cruz-order-1-${run}`] })]);
  });

  it('tells a store visit after browsing with the skus viewed online', async () => {
    const ben = shopper('p_ben');
    const now = Date.now();
    await sendEvents([
      productViewed(ben, `ben-view-1-${run}`, now - 2 * 24 * 60 * MINUTE, 'SKU-1001'),
      productViewed(ben, `ben-view-2-${run}`, now - 60 * MINUTE, 'SKU-1002'),
      productViewed(ben, `ben-view-3-${run}`, now - 9 * 24 * 60 * MINUTE, 'SKU-3001'), // out of the 7-day window
      beaconAt('p_ben', `ben-beacon-1-${run}`, now - MINUTE, 'HEL-1', -66),
      beaconAt('p_ben', `ben-beacon-2-${run}`, now - 30_000, 'HEL-1', -60),
    ]);
    await waitFor('Ben\'s visit after browsing', () => signalsOf('p_ben').length > 0);
    await settled();
    // Ben never said who he is: no known-customer entry, but the visit after browsing.
    expect(signalsOf('p_ben')).toEqual([expect.objectContaining({
      kind: 'STORE_VISIT_AFTER_BROWSING', storeId: 'HEL-1', skus: ['SKU-1002', 'SKU-1001'], sourceEventIds: [`ben-beacon-1-${run}`, `ben-view-2-${run}`, `ben-view-1-${run}`], segments: [],
    })]);
  });

  it('raises no signal for a person who refused marketing, and does again once they consent', async () => {
    const rosa = newVisitor('rosa');
    const answered = async (answer: number) =>
      waitFor(`Rosa's answer ${answer} in ClickHouse`, async () => {
        const [row] = await ch.query<{ answer: number }>("SELECT argMaxMerge(answer) AS answer FROM person_consent WHERE tenant = {t:String} AND person_id = {p:String} AND category = 'Advertising'", { t: TENANT, p: rosa.person });
        return row !== undefined && Number(row.answer) === answer;
      });
    const start = Date.now();
    await sendEvents([withConsent(pageView(rosa, `rosa-no-${run}`, start - 1000), { Advertising: false })]);
    await answered(0);
    await sendEvents([productAdded(rosa, `rosa-add-${run}`, start, 'SKU-1001', 10)]);
    await sleep(CART_ABANDON_MS + 4 * TICK_MS);
    await settled();
    expect(signalsOf(rosa.person)).toEqual([]);

    const later = Date.now();
    await sendEvents([withConsent(pageView(rosa, `rosa-yes-${run}`, later), { Advertising: true })]);
    await answered(1);
    const second = productAdded(rosa, `rosa-add-2-${run}`, later + 1, 'SKU-1002', 20);
    await sendEvents([second]);
    await waitFor('Rosa\'s second cart told', () => signalsOf(rosa.person, 'CART_ABANDONED').length > 0);
    expect(signalsOf(rosa.person).map((s) => [s.kind, s.sourceEventIds])).toEqual([['CART_ABANDONED', [eventIdOf(second)]]]);
  });

  it('never published a signal id twice, and the signals table keeps one row per signal', async () => {
    const ids = seen.map((s) => s.signalId);
    expect(ids.length).toBeGreaterThanOrEqual(7);
    expect(new Set(ids).size).toBe(ids.length);
    // As the sink will land them: the same signals inserted twice (another batch) are one row each.
    const rows = seen.map((s) => signalRow(s, Date.now()));
    const columns = Object.keys(rows[0]!);
    for (const token of ['a', 'b']) await ch.insert('signals', rows.map((r) => columns.map((c) => r[c as keyof typeof r])), { format: 'JSONCompactEachRow', columns, dedupToken: `signals-test:${token}` });
    const stored = await ch.query<{ kind: string; n: number }>('SELECT kind, count() AS n FROM signals FINAL GROUP BY kind ORDER BY kind');
    const expected = new Map<string, number>();
    for (const s of seen) expected.set(s.kind.toLowerCase(), (expected.get(s.kind.toLowerCase()) ?? 0) + 1);
    expect(stored.map((r) => [r.kind, Number(r.n)])).toEqual([...expected].sort(([a], [b]) => a.localeCompare(b)));
    const [kim] = await ch.query<{ segments: unknown }>("SELECT segments FROM signals FINAL WHERE person_id = 'p_kim' LIMIT 1");
    expect(kim!.segments).toEqual([{ partner: 'nordic-loyalty', segment: 'outdoor' }, { partner: 'nordic-loyalty', segment: 'vip' }]);
  });
});
