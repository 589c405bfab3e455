/**
 * The whole pipeline, black box: a real Segment client and the store endpoint send a known
 * scenario through ingest, the four services run as real processes against the real stack, and
 * ClickHouse is checked. Every accepted event must be there exactly once, also after a batch is
 * sent again with the same message ids (aggregation's event-id gate drops the copies before
 * ClickHouse and counts them) and after aggregation is killed with -9 between a ClickHouse insert
 * and its offset commit (the replay stores nothing twice, in events_raw itself);
 * the customer who browsed anonymously, logged in and paid in a store with their loyalty card
 * must be one profile with both channels and the right revenue; an unknown sku must still land.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Analytics } from '@segment/analytics-node';
import { allTopics, createAvroCodec, createClickHouse, createKafkaClients, createLogger, topicsWithPrefix, type CdpEnrichment, type CdpOps, type ClickHouse, type IncomingRecord } from '@cdp/plumbing';
import { REPO_ROOT } from '@cdp/infra/src/paths';
import { loadDatasetFile } from '../services/loader/src';
import { prepareTopics, readAll } from '@cdp/infra/src/testing/topics';
import { createTestPipeline, removeTestRun, type TestPipeline } from '@cdp/infra/src/testing/pipeline';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const prefix = `e2e-${run}.`;
const database = `e2e_${run}`;
const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7';
const clients = createKafkaClients({ brokers: ['127.0.0.1:9092'], clientId: 'e2e', logger: createLogger('e2e', 'error') });
const aggregationGroup = `aggregation-${run}`;
const enrichedTopic = topicsWithPrefix(prefix).enrichedEvents.name;

const anna = { anonymousId: `anon-anna-${run}`, installId: `app-anna-${run}`, userId: `user-anna-${run}`, card: `LC-anna-${run}` };
const bob = { anonymousId: `anon-bob-${run}` };
// Fixed once per run: a re-sent event must carry the same timestamp as the original, as a client
// retry does (a timestamp taken again could fall on the other side of midnight).
const runStart = Date.now();
const at = (minutesAgo: number) => new Date(runStart - minutesAgo * 60_000);
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

let pipeline: TestPipeline;
let ch: ClickHouse;
const accepted = new Set<string>();

async function sendWithSegmentClient(writeKey: string, calls: (a: Analytics) => void): Promise<void> {
  const analytics = new Analytics({ writeKey, host: pipeline.ingestUrl, path: '/v1/batch', flushAt: 50, flushInterval: 100, maxRetries: 3 });
  const failures: unknown[] = [];
  analytics.on('error', (e) => failures.push(e));
  // Every call below carries its own messageId; the client reports any event it could not deliver.
  const ids: string[] = [];
  const record = <T extends { messageId?: string }>(params: T): T => {
    ids.push(params.messageId!);
    return params;
  };
  calls({
    page: (p) => analytics.page(record(p)),
    track: (p) => analytics.track(record(p)),
    identify: (p) => analytics.identify(record(p)),
    screen: (p) => analytics.screen(record(p)),
  } as Analytics);
  await analytics.closeAndFlush({ timeout: 30_000 });
  expect(failures).toEqual([]);
  for (const id of ids) accepted.add(id);
}

async function postStore(batch: object[]): Promise<void> {
  const res = await fetch(`${pipeline.ingestUrl}/v1/store/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic('local-store') }, body: JSON.stringify({ batch }) });
  expect(res.status).toBe(200);
}

async function landedIds(): Promise<Map<string, number>> {
  const rows = await ch.query<{ event_id: string; n: number }>('SELECT event_id, count() AS n FROM events GROUP BY event_id');
  return new Map(rows.map((r) => [r.event_id, Number(r.n)]));
}

async function waitForAll(what: string, timeoutMs = 90_000): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ids = await landedIds();
    if ([...accepted].every((id) => ids.has(id))) return ids;
    if (Date.now() > deadline) {
      const missing = [...accepted].filter((id) => !ids.has(id));
      throw new Error(`${what}: ${missing.length} accepted events never landed (${missing.slice(0, 5).join(', ')})\naggregation:\n${pipeline.output('aggregation')}\nidentity:\n${pipeline.output('identity')}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Rows per event id in events_raw itself, before the view collapses copies. */
async function rawCopiesById(): Promise<Map<string, number>> {
  const rows = await ch.query<{ event_id: string; n: number }>('SELECT event_id, count() AS n FROM events_raw GROUP BY event_id');
  return new Map(rows.map((r) => [r.event_id, Number(r.n)]));
}
let rawCopies = new Map<string, number>();

/** aggregation_event_copies_dropped_total from aggregation's metrics, all labels. */
async function droppedCopies(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${pipeline.port('aggregation')}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith('aggregation_event_copies_dropped_total{')).reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

async function waitFor(what: string, done: () => Promise<boolean>, refresh: () => Promise<void> = async () => undefined, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await refresh();
    if (await done()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\naggregation:\n${pipeline.output('aggregation')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Waits until aggregation has inserted events of the enriched topic whose offsets it has not
 * committed: records at or past the group's committed offset of a partition that are already in
 * events_raw. Returns that stretch of offsets and its events.
 */
async function waitForStoredButUncommitted(): Promise<{ partition: number; first: string; last: string; events: string[] }> {
  const admin = await clients.admin();
  const codec = createAvroCodec({ url: registryUrl });
  const eventIdOf = async (r: IncomingRecord) => Object.values((await codec.decode<CdpEnrichment.EnrichedEvent>(r.value!)).event)[0]!.envelope.eventId;
  try {
    let found: { partition: number; first: string; last: string; events: string[] } | undefined;
    await waitFor('events in ClickHouse whose offsets are not committed', async () => {
      const stored = await rawCopiesById();
      const records = await readAll([enrichedTopic]);
      for (const c of await admin.committedOffsets(aggregationGroup, enrichedTopic)) {
        const uncommitted = records.filter((r) => r.partition === c.partition && BigInt(r.offset) >= BigInt(c.offset));
        const inClickHouse: { offset: string; event: string }[] = [];
        for (const r of uncommitted) {
          const event = await eventIdOf(r);
          if (stored.has(event)) inClickHouse.push({ offset: r.offset, event });
        }
        if (inClickHouse.some((x) => x.event.startsWith('anna-p2-'))) {
          found = { partition: c.partition, first: c.offset, last: inClickHouse[inClickHouse.length - 1]!.offset, events: inClickHouse.map((x) => x.event) };
        }
      }
      return found !== undefined;
    });
    return found!;
  } finally {
    await admin.close();
  }
}

beforeAll(async () => {
  await prepareTopics(allTopics(prefix));
  await loadDatasetFile('catalogue', join(REPO_ROOT, 'infra', 'data', 'catalogue.csv'), { prefix });
  pipeline = await createTestPipeline({ prefix, database, groupSuffix: run });
  // The sink first: it creates the database the checks read.
  for (const name of ['aggregation', 'enrichment', 'identity', 'ingest'] as const) await pipeline.start(name);
  ch = createClickHouse({ url: process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123', database });
  // Copies stay as they were written, so the test counts what was stored, not what merged.
  await ch.command('SYSTEM STOP MERGES events_raw');
}, 300_000);

afterAll(async () => {
  await removeTestRun({ pipeline, ch, database, prefix });
});

test('every accepted event lands exactly once, one customer across web, app and store', async () => {
  const started = Date.now();
  // Anna browses anonymously, logs in (with her loyalty card in her traits), orders online.
  await sendWithSegmentClient('local-web', (a) => {
    a.page({ anonymousId: anna.anonymousId, name: 'Home', timestamp: at(60), messageId: `anna-p1-${run}`, context: { page: { path: '/' }, userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36' } });
    a.track({ anonymousId: anna.anonymousId, event: 'Product Viewed', properties: { sku: 'SKU-1001' }, timestamp: at(59), messageId: `anna-v1-${run}` });
    a.identify({ anonymousId: anna.anonymousId, userId: anna.userId, traits: { email: 'anna@example.com', loyaltyCard: anna.card }, timestamp: at(58), messageId: `anna-i1-${run}` });
    a.track({
      anonymousId: anna.anonymousId, userId: anna.userId, event: 'Order Completed', timestamp: at(57), messageId: `anna-o1-${run}`,
      properties: { order_id: `O-${run}`, total: 149.8, currency: 'EUR', products: [{ sku: 'SKU-1001', price: 129.9, quantity: 1 }, { sku: 'SKU-1031', price: 19.9, quantity: 1 }] },
    });
    a.page({ anonymousId: bob.anonymousId, name: 'Home', timestamp: at(50), messageId: `bob-p1-${run}` });
  });
  // She logs in in the app too.
  await sendWithSegmentClient('local-app', (a) => {
    a.identify({ anonymousId: anna.installId, userId: anna.userId, timestamp: at(40), messageId: `anna-app-i1-${run}` });
    a.screen({ anonymousId: anna.installId, userId: anna.userId, name: 'Offers', timestamp: at(39), messageId: `anna-app-s1-${run}` });
  });
  // In the store: the app sees a beacon, she pays with her card; one line is not in the catalogue.
  await postStore([
    { type: 'beacon_sighting', messageId: `anna-b1-${run}`, timestamp: at(30).toISOString(), storeId: 'HEL-1', appInstallId: anna.installId, beaconUuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', major: 1, minor: 4, rssi: -61 },
    { type: 'pos_transaction', timestamp: at(29).toISOString(), storeId: 'HEL-1', receiptId: `R-anna-${run}`, currency: 'EUR', total: 35.8, loyaltyCard: anna.card, lines: [{ sku: 'SKU-1031', quantity: 1, price: 19.9 }, { sku: 'NOT-IN-CATALOGUE', quantity: 1, price: 15.9 }] },
    { type: 'pos_transaction', timestamp: at(28).toISOString(), storeId: 'HEL-1', receiptId: `R-anon-${run}`, currency: 'EUR', total: 9.9, lines: [{ sku: 'SKU-1035', quantity: 1, price: 9.9 }] },
  ]);
  for (const id of [`anna-b1-${run}`, `pos:HEL-1:R-anna-${run}`, `pos:HEL-1:R-anon-${run}`]) accepted.add(id);
  await waitForAll('first wave');
  const firstWave = Date.now() - started;

  // The same Segment batch again, with the same message ids, as a client retry would send it: the
  // copies reach aggregation, whose gate finds the ids stored and drops them.
  const resentIds = [`anna-p1-${run}`, `anna-o1-${run}`];
  const resend = await fetch(`${pipeline.ingestUrl}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basic('local-web') },
    body: JSON.stringify({ batch: [
      { type: 'page', anonymousId: anna.anonymousId, name: 'Home', timestamp: at(60).toISOString(), messageId: resentIds[0] },
      { type: 'track', anonymousId: anna.anonymousId, userId: anna.userId, event: 'Order Completed', timestamp: at(57).toISOString(), messageId: resentIds[1], properties: { order_id: `O-${run}`, total: 149.8, currency: 'EUR' } },
    ] }),
  });
  expect(resend.status).toBe(200);
  let copiesDropped = 0;
  await waitFor('aggregation to drop the two re-sent copies', async () => copiesDropped >= resentIds.length, async () => {
    copiesDropped = await droppedCopies();
  });
  expect(copiesDropped).toBe(resentIds.length);

  // Aggregation dies between a ClickHouse insert and its offset commit: a failpoint holds it
  // there, the test sees rows stored whose offsets are not committed, then kill -9. The restart
  // reads those offsets again.
  await pipeline.kill('aggregation');
  await pipeline.start('aggregation', { CDP_FAILPOINTS: `consumer.before-commit@${aggregationGroup}=hang` });
  await sendWithSegmentClient('local-web', (a) => {
    for (let i = 0; i < 40; i++) a.page({ anonymousId: anna.anonymousId, userId: anna.userId, name: `P${i}`, timestamp: at(20 - i / 10), messageId: `anna-p2-${i}-${run}` });
  });
  const inFlight = await waitForStoredButUncommitted();
  await pipeline.kill('aggregation', 'SIGKILL');
  // More traffic while it is down, so that a re-read from the committed offset reaches past the
  // batch it repeats: a replay with other boundaries than the insert would store its rows twice.
  await sendWithSegmentClient('local-web', (a) => {
    for (let i = 0; i < 10; i++) a.page({ anonymousId: anna.anonymousId, userId: anna.userId, name: `Q${i}`, timestamp: at(15 - i / 10), messageId: `anna-p3-${i}-${run}` });
  });
  const admin = await clients.admin();
  await waitFor('the later pages on the enriched topic', async () => BigInt((await admin.endOffsets(enrichedTopic)).get(inFlight.partition)!) > BigInt(inFlight.last) + 10n);
  await admin.close();
  await pipeline.start('aggregation');
  const ids = await waitForAll('after the aggregation restart');

  // Let anything re-sent or replayed arrive, and the graph's merges land, before judging.
  await pipeline.settle();
  const final = await landedIds();
  const doubled = [...final].filter(([, n]) => n > 1);
  expect(doubled).toEqual([]);
  expect([...final.keys()].sort()).toEqual([...accepted].sort());
  // events_raw, merges stopped: one row per event, whether re-sent by the client or replayed.
  rawCopies = await rawCopiesById();
  expect(Object.fromEntries([...rawCopies].filter(([, n]) => n !== 1))).toEqual({});
  expect([...rawCopies.keys()].sort()).toEqual([...accepted].sort());
  const rawRows = [...rawCopies.values()].reduce((a, b) => a + b, 0);
  expect(rawRows).toBe(accepted.size);

  // Anna: one profile, web + app + store, online and store revenue both right.
  const profiles = await ch.query<{ person_id: string; identifiers: [string, string][]; channels: string[]; online_revenue: number; store_revenue: number; online_orders: number; store_orders: number; web_page_views: number; store_visits: number }>(
    'SELECT person_id, identifiers, channels, online_revenue, store_revenue, online_orders, store_orders, web_page_views, store_visits FROM customer_profiles WHERE has(identifiers, tuple(\'user_id\', {u:String}))',
    { u: anna.userId },
  );
  expect(profiles).toHaveLength(1);
  const profile = profiles[0]!;
  expect(profile.channels).toEqual(['app', 'store', 'web']);
  expect(Number(profile.online_revenue)).toBe(149.8);
  expect(Number(profile.store_revenue)).toBe(35.8);
  expect({ online: profile.online_orders, store: profile.store_orders, pages: profile.web_page_views, visits: profile.store_visits }).toEqual({ online: 1, store: 1, pages: 51, visits: 1 });
  const idTypes = profile.identifiers.map(([type, value]) => `${type}:${value}`);
  for (const expected of [`anonymous_id:${anna.anonymousId}`, `anonymous_id:${anna.installId}`, `user_id:${anna.userId}`, `loyalty_card:${anna.card}`]) expect(idTypes).toContain(expected);
  expect(idTypes.some((i) => i.startsWith('email_hash:'))).toBe(true);
  expect(idTypes.join(' ')).not.toContain('anna@example.com');
  // Nor anywhere in ClickHouse: every string column of the events and the identity map.
  const [{ clear }] = (await ch.query<{ clear: number }>(
    `SELECT (SELECT count() FROM events_raw WHERE arrayExists(s -> positionCaseInsensitive(s, 'anna@example.com') > 0, [traits, properties, user_id, anonymous_id, page_url, referrer, event_name]))
          + (SELECT count() FROM identities WHERE positionCaseInsensitive(id_value, 'anna@example.com') > 0) AS clear`,
  )) as [{ clear: number }];
  expect(Number(clear)).toBe(0);
  // Every one of her events, whichever person it was first given, now resolves to her.
  const [{ persons }] = (await ch.query<{ persons: number }>(
    "SELECT uniqExact(person_id) AS persons FROM events WHERE startsWith(event_id, 'anna-') OR order_id = {r:String}", { r: `R-anna-${run}` },
  )) as [{ persons: number }];
  expect(persons).toBe(1);

  // Bob stayed anonymous and is someone else; the anonymous receipt has no person.
  const bobRow = await ch.query<{ person_id: string }>('SELECT person_id FROM events WHERE event_id = {e:String}', { e: `bob-p1-${run}` });
  expect(bobRow[0]!.person_id).not.toBe(profile.person_id);
  const anonReceipt = await ch.query<{ person_id: string }>('SELECT person_id FROM events WHERE event_id = {e:String}', { e: `pos:HEL-1:R-anon-${run}` });
  expect(anonReceipt[0]!.person_id).toBe('');

  // The unknown sku landed with its line, marked as not in the catalogue.
  const unknown = await ch.query<{ sku: string; in_catalogue: number; name: string }>(
    "SELECT sku, in_catalogue, name FROM events ARRAY JOIN items.sku AS sku, items.in_catalogue AS in_catalogue, items.product_name AS name WHERE event_type = 'pos_transaction' ORDER BY sku",
  );
  expect(unknown).toEqual([
    { sku: 'NOT-IN-CATALOGUE', in_catalogue: 0, name: '' },
    { sku: 'SKU-1031', in_catalogue: 1, name: expect.stringMatching(/wool socks/) },
    { sku: 'SKU-1035', in_catalogue: 1, name: expect.any(String) },
  ]);

  // The figures this test checked.
  console.log(
    [
      `e2e figures (run ${run}):`,
      `  accepted event ids: ${accepted.size}; in cdp.events: ${final.size}, each exactly once; rows in events_raw (merges stopped): ${rawRows}; ${copiesDropped} copies re-sent by the client dropped by the gate (ids seen in ClickHouse before the final wait: ${ids.size})`,
      `  aggregation killed with SIGKILL after inserting offsets ${inFlight.first}-${inFlight.last} of partition ${inFlight.partition} (${inFlight.events.length} events) and before committing them; the replay stored none of them again`,
      `  Anna: 1 profile, channels ${profile.channels.join('+')}, online ${profile.online_revenue} EUR, store ${profile.store_revenue} EUR, ${profile.identifiers.length} identifiers`,
      `  unknown sku landed: NOT-IN-CATALOGUE (in_catalogue=0)`,
      `  first wave accepted -> visible in ${firstWave} ms`,
    ].join('\n'),
  );
}, 300_000);

test('a record that is not Avro goes to the dead-letter topic with its bytes and the reason, and the stream goes on', async () => {
  const t = topicsWithPrefix(prefix);
  const garbage = Buffer.from('{"this":"is JSON, not the Confluent wire format"}');
  const producer = await clients.producer();
  await producer.send(t.webEvents.name, [{ key: 'bad', value: garbage }]);
  await producer.close();
  const codec = createAvroCodec({ url: registryUrl });
  const letters: CdpOps.DeadLetter[] = [];
  const deadline = Date.now() + 60_000;
  while (letters.length === 0 && Date.now() < deadline) {
    const pending: Promise<void>[] = [];
    const reader = await clients.readTable(`${t.webEvents.name}.dlq`, (r) => {
      if (r.value) pending.push(codec.decode<CdpOps.DeadLetter>(r.value).then((l) => void letters.push(l)));
    }, { follow: false });
    await reader.caughtUp;
    await Promise.all(pending);
    if (letters.length === 0) await new Promise((r) => setTimeout(r, 500));
  }
  expect(letters).toHaveLength(1);
  expect(letters[0]).toMatchObject({ originalTopic: t.webEvents.name, service: 'identity', step: 'decode', code: 'decode.invalid_record', message: expect.stringContaining('magic byte') });
  expect(Buffer.from(letters[0]!.originalValue!)).toEqual(garbage);
  // The identity consumer went past it: its group has nothing left on that topic.
  const admin = await clients.admin();
  for (let i = 0; i < 50 && (await admin.groupLag(`identity-${run}`, t.webEvents.name)) > 0; i++) await new Promise((r) => setTimeout(r, 200));
  expect(await admin.groupLag(`identity-${run}`, t.webEvents.name)).toBe(0);
  await admin.close();
}, 120_000);
