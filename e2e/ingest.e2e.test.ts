/**
 * Ingest as a process against the real Kafka and registry, on its own topic prefix: what the
 * Segment Node SDK sends arrives decoded with every field; no clear PII on any topic it writes;
 * dead letters carry the reason and replay after a fix; with Kafka gone nothing is answered 2xx,
 * and after Kafka is back the client's retries are stored.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Analytics } from '@segment/analytics-node';
import { allTopics, createAvroCodec, type CdpOps, type CdpStore, type CdpWeb, type IncomingRecord } from '@cdp/plumbing';
import { REPO_ROOT } from '@cdp/infra/src/paths';
import { up } from '@cdp/infra/src/stack/stack';
import { runningPid } from '@cdp/infra/src/stack/processes';
import { createTestPipeline, type TestPipeline } from '@cdp/infra/src/testing/pipeline';
import { deleteTopics, prepareTopics, readAll, readUntil } from '@cdp/infra/src/testing/topics';

const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const prefix = `it-ingest-${run}.`;
const registryUrl = 'http://127.0.0.1:8081/apis/ccompat/v7';
const codec = createAvroCodec({ url: registryUrl });
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
const topic = (name: string) => `${prefix}${name}`;
let pipeline: TestPipeline;

beforeAll(async () => {
  await prepareTopics(allTopics(prefix));
  pipeline = await createTestPipeline({ prefix, database: `it_ingest_${run}`, groupSuffix: run });
  await pipeline.start('ingest');
}, 180_000);

afterAll(async () => {
  await pipeline?.stopAll();
  await deleteTopics(allTopics(prefix));
});

const post = (path: string, key: string | undefined, body: unknown) =>
  fetch(`${pipeline.ingestUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { authorization: basic(key) } : {}) }, body: JSON.stringify(body) });

test('every call of the Segment Node SDK arrives on Kafka with all its fields, decoded through the registry', async () => {
  const analytics = new Analytics({ writeKey: 'local-web', host: pipeline.ingestUrl, path: '/v1/batch', flushAt: 20, flushInterval: 100, maxRetries: 3 });
  const failures: unknown[] = [];
  analytics.on('error', (e) => failures.push(e));
  const anon = `anon-${run}`;
  const user = `user-${run}`;
  const ts = new Date(Date.now() - 60_000);
  const context = { ip: '203.0.113.77', userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)', locale: 'fi-FI', page: { url: 'https://shop.example/p/1', path: '/p/1', title: 'Trainers', referrer: 'https://news.example/' }, campaign: { name: 'winter', source: 'newsletter', medium: 'email' }, device: { id: 'dev-1', type: 'ios' }, app: { name: 'Shop', version: '3.2' }, os: { name: 'iOS', version: '18.0' } };
  analytics.page({ anonymousId: anon, name: 'Product', properties: { path: '/p/1' }, context, timestamp: ts, messageId: `page-${run}` });
  analytics.track({ anonymousId: anon, event: 'Product Viewed', properties: { sku: 'SKU-1', price: 49.9 }, context, timestamp: ts, messageId: `track-${run}`, integrations: { Amplitude: false } });
  analytics.screen({ anonymousId: anon, name: 'Cart', properties: { items: 1 }, context, timestamp: ts, messageId: `screen-${run}` });
  analytics.identify({ anonymousId: anon, userId: user, traits: { email: `Anna.${run}@Example.com`, phone: '+358 40 123 4567', firstName: 'Anna' }, context, timestamp: ts, messageId: `identify-${run}` });
  analytics.alias({ previousId: anon, userId: user, context, timestamp: ts, messageId: `alias-${run}` });
  analytics.group({ userId: user, groupId: `company-${run}`, traits: { name: 'Oy Example Ab' }, context, timestamp: ts, messageId: `group-${run}` });
  await analytics.closeAndFlush({ timeout: 30_000 });
  expect(failures).toEqual([]);

  const ids = ['page', 'track', 'screen', 'identify', 'alias', 'group'].map((t) => `${t}-${run}`);
  const records = await readUntil([topic('web.segment-events.v1')], (rs) => rs.length >= ids.length);
  const events = new Map<string, { key: string; value: CdpWeb.SegmentEvent; bytes: Buffer }>();
  for (const r of records) {
    const value = (await codec.decode(r.value!)) as CdpWeb.SegmentEvent;
    events.set(value.envelope.eventId, { key: r.key!.toString(), value, bytes: r.value! });
  }
  expect([...events.keys()].sort()).toEqual([...ids].sort());
  const ev = (t: string) => events.get(`${t}-${run}`)!;

  expect(ev('page').value).toMatchObject({ type: 'PAGE', channel: 'WEB', anonymousId: anon, userId: null, name: 'Product' });
  expect(ev('track').value).toMatchObject({ type: 'TRACK', event: 'Product Viewed', anonymousId: anon, integrations: '{"Amplitude":false}' });
  expect(JSON.parse(ev('track').value.properties!)).toEqual({ sku: 'SKU-1', price: 49.9 });
  expect(ev('screen').value).toMatchObject({ type: 'SCREEN', name: 'Cart' });
  expect(ev('identify').value).toMatchObject({ type: 'IDENTIFY', userId: user, anonymousId: anon });
  const traits = JSON.parse(ev('identify').value.traits!);
  expect(traits).toEqual({ firstName: 'Anna', emailHash: expect.stringMatching(/^[0-9a-f]{64}$/), phoneHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  expect(ev('alias').value).toMatchObject({ type: 'ALIAS', previousId: anon, userId: user });
  expect(ev('group').value).toMatchObject({ type: 'GROUP', groupId: `company-${run}`, userId: user });
  for (const { value, key } of events.values()) {
    // One browser or account stays on one partition, in order.
    expect(key).toBe(value.anonymousId ?? value.userId);
    expect(value.envelope).toMatchObject({ source: 'web-shop', tenant: 'demo', schemaVersion: 1 });
    expect(value.sentAt).toEqual(expect.any(Number));
    expect(value.originalTimestamp).toBe(ts.getTime());
    // Clock correction: receivedAt - (sentAt - timestamp); the SDK's clock is ours, so close to the timestamp.
    expect(Math.abs(value.envelope.eventTime - ts.getTime())).toBeLessThan(30_000);
    expect(value.context).toMatchObject({
      ip: '203.0.113.0',
      userAgent: context.userAgent,
      locale: 'fi-FI',
      libraryName: '@segment/analytics-node',
      libraryVersion: expect.stringMatching(/^\d+\.\d+/),
      pageUrl: 'https://shop.example/p/1',
      pagePath: '/p/1',
      pageTitle: 'Trainers',
      pageReferrer: 'https://news.example/',
      campaignName: 'winter',
      campaignSource: 'newsletter',
      campaignMedium: 'email',
      deviceId: 'dev-1',
      deviceType: 'ios',
      appName: 'Shop',
      appVersion: '3.2',
      osName: 'iOS',
      osVersion: '18.0',
    });
  }
});

test('no clear e-mail, phone, MAC or full IP on any topic ingest writes, dead letters included', async () => {
  const email = `pii.${run}@example.org`;
  const phone = '+358501234567';
  const clientMac = '3c:22:fb:11:22:33';
  const ip = '198.51.100.23';
  const at = new Date().toISOString();
  const web = await post('/v1/batch', 'local-web', {
    batch: [
      { type: 'identify', userId: email, traits: { email, phone, address: { mobile: phone } }, context: { ip, page: { url: `https://shop.example/?email=${encodeURIComponent(email)}` } }, messageId: `pii-1-${run}` },
      { type: 'track', anonymousId: `a-${run}`, event: 'Signed Up', properties: { contact: email, note: `write to ${email}`, phoneNumber: phone }, context: { ip, traits: { email } }, messageId: `pii-2-${run}` },
      // Refused (days ahead): its dead letter must be as clean.
      { type: 'track', anonymousId: `a-${run}`, event: 'Late', traits: { email }, context: { ip }, timestamp: new Date(Date.now() + 5 * 86_400_000).toISOString(), messageId: `pii-3-${run}` },
    ],
  });
  expect(web.status).toBe(200);
  expect((await web.json()).rejected).toHaveLength(1);
  const store = await post('/v1/store/batch', 'local-store-hel-1', {
    batch: [
      { type: 'wifi_observation', timestamp: at, apMac: '00:18:0a:13:dd:b0', clientMac, rssi: -60 },
      { type: 'wifi_observation', timestamp: at, storeId: 'NOPE-1', apMac: '00:18:0a:13:dd:b0', clientMac, rssi: -60 },
    ],
  });
  expect((await store.json()).rejected).toHaveLength(1);
  const meraki = JSON.parse(readFileSync(join(REPO_ROOT, 'services', 'ingest', 'test', 'fixtures', 'meraki', 'wifi-v3.json'), 'utf8'));
  const merakiMacs: string[] = meraki.data.observations.map((o: { clientMac: string }) => o.clientMac);
  expect((await post('/v1/meraki/demo-stores', undefined, meraki)).status).toBe(200);
  // One record per location fix of each client, its latest record when it has no fixes.
  const merakiFixes = meraki.data.observations.reduce((n: number, o: { locations?: unknown[]; latestRecord?: unknown }) => n + (o.locations?.length || (o.latestRecord ? 1 : 0)), 0);
  // The same post from a network no store is mapped to: a dead letter full of device MACs.
  const unmappedNetwork = `L_unmapped_${run}`;
  expect((await post('/v1/meraki/demo-stores', undefined, { ...meraki, data: { ...meraki.data, networkId: unmappedNetwork } })).status).toBe(200);

  // Every topic, main and dead-letter; first wait until each of the three dead letters and the
  // accepted records are there, so the scan below cannot pass by reading too little.
  const names = allTopics(prefix).map((t) => t.name);
  const knownLetters = [
    { topic: topic('web.segment-events.v1.dlq'), marker: `pii-3-${run}`, code: 'ingest.future_timestamp' },
    { topic: topic('store.wifi-observations.v1.dlq'), marker: 'NOPE-1', code: 'ingest.unknown_store' },
    { topic: topic('store.wifi-observations.v1.dlq'), marker: unmappedNetwork, code: 'ingest.unknown_network' },
  ];
  const letterOf = (rs: IncomingRecord[], known: (typeof knownLetters)[number]) => rs.find((r) => r.topic === known.topic && r.value!.includes(known.marker));
  const records = await readUntil(names, (rs) =>
    knownLetters.every((k) => letterOf(rs, k)) &&
    rs.filter((r) => r.topic === topic('store.wifi-observations.v1')).length >= 1 + merakiFixes &&
    rs.filter((r) => r.topic === topic('web.segment-events.v1')).length >= 2,
  );
  for (const known of knownLetters) {
    const letter = (await codec.decode(letterOf(records, known)!.value!)) as CdpOps.DeadLetter;
    expect({ marker: known.marker, code: letter.code, service: letter.service }).toEqual({ marker: known.marker, code: known.code, service: 'ingest' });
  }
  const text = records.map((r) => `${r.key?.toString('latin1') ?? ''} ${r.value?.toString('latin1') ?? ''}`).join('\n').toLowerCase();
  const forbidden = [email, encodeURIComponent(email), phone, phone.slice(1), '501234567', clientMac, clientMac.replace(/:/g, ''), clientMac.replace(/:/g, '-'), ip, ...merakiMacs];
  for (const value of forbidden) expect({ value, found: text.includes(value.toLowerCase()) }).toEqual({ value, found: false });
  // The hashes are there instead: the data was not simply dropped.
  expect(text).toContain('emailhash');
  expect(text).toContain('198.51.100.0');
});

test('a store item for an unknown store is a dead letter with the reason, and replays once the store is added', async () => {
  const receipt = { type: 'pos_transaction', timestamp: new Date().toISOString(), storeId: 'OUL-4', receiptId: `R-${run}`, currency: 'EUR', total: 12.5, lines: [{ sku: 'SKU-1', quantity: 1, price: 12.5 }] };
  const res = await post('/v1/store/batch', 'local-store', { batch: [receipt] });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ success: true, accepted: 0, rejected: [{ field: 'batch[0].storeId', code: 'ingest.unknown_store', reason: 'store OUL-4 is not a store of tenant demo' }] });

  const dlq = topic('store.pos-transactions.v1.dlq');
  const letters = await readUntil([dlq], (rs) => rs.length >= 1);
  const letter = (await codec.decode(letters[0]!.value!)) as CdpOps.DeadLetter;
  expect(letter).toMatchObject({ originalTopic: topic('store.pos-transactions.v1'), service: 'ingest', code: 'ingest.unknown_store', message: 'batch[0].storeId: store OUL-4 is not a store of tenant demo', originalFormat: 'ingest-json' });
  expect(JSON.parse(letter.originalValue!.toString()).item).toEqual(receipt);

  // The fix: the store joins the sources file. Then the replay command, as an operator runs it.
  const sources = JSON.parse(readFileSync(join(REPO_ROOT, 'services', 'ingest', 'config', 'sources.local.json'), 'utf8'));
  sources.stores.push({ id: 'OUL-4', tenant: 'demo', name: 'Oulu' });
  const dir = mkdtempSync(join(tmpdir(), 'cdp-replay-'));
  writeFileSync(join(dir, 'sources.json'), JSON.stringify(sources));
  const replay = () =>
    spawnSync(process.execPath, ['--import', 'tsx', 'services/ingest/src/replay.ts', '--topic', dlq, '--group', `replay-${run}`], {
      cwd: REPO_ROOT,
      env: { ...process.env, TOPIC_PREFIX: prefix, INGEST_SOURCES_FILE: join(dir, 'sources.json'), LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      timeout: 90_000,
    });
  const first = replay();
  expect(first.stderr).toBe('');
  expect(first.stdout).toMatch(/accepted through ingest now: +1\n/);
  const receipts = await readUntil([topic('store.pos-transactions.v1')], (rs) => rs.length >= 1);
  const replayed = (await codec.decode(receipts[0]!.value!)) as CdpStore.PosTransaction;
  expect(replayed).toMatchObject({ storeId: 'OUL-4', receiptId: `R-${run}`, totalMinor: 1250 });
  // The original receive time, not the replay's.
  expect(replayed.envelope.receivedTime).toBeLessThanOrEqual(letter.failedAt);
  // Each dead letter is replayed once.
  expect(replay().stdout).toContain('0 dead letter(s) waiting');
});

test('with Kafka gone, nothing is answered 2xx; after it is back the retries are stored, once each', async () => {
  const batch = (n: number) => ({ batch: Array.from({ length: n }, (_, i) => ({ type: 'track', event: 'Outage', anonymousId: `outage-${run}`, messageId: `outage-${run}-${i}` })) });
  const kafkaPid = runningPid('kafka');
  expect(kafkaPid).toBeDefined();
  process.kill(kafkaPid!, 'SIGKILL');
  try {
    const during = await post('/v1/batch', 'local-web', batch(5));
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('5');
    expect((await fetch(`${pipeline.ingestUrl}/readyz`)).status).toBe(503);
  } finally {
    await up({ say: () => undefined, showStatus: false });
  }
  // The client retries until it is accepted, as every Segment library does after a 503.
  let after: Response | undefined;
  for (let i = 0; i < 60 && after?.status !== 200; i++) {
    after = await post('/v1/batch', 'local-web', batch(5));
    if (after.status !== 200) await new Promise((r) => setTimeout(r, 1000));
  }
  expect(after?.status).toBe(200);
  expect((await fetch(`${pipeline.ingestUrl}/readyz`)).status).toBe(200);
  // Everything on the topic, not just the first five found: a doubled event must show.
  const records = (await readAll([topic('web.segment-events.v1')])).filter((r) => r.key?.toString() === `outage-${run}`);
  const ids: string[] = [];
  for (const r of records) ids.push(((await codec.decode(r.value!)) as CdpWeb.SegmentEvent).envelope.eventId);
  expect(ids.sort()).toEqual(Array.from({ length: 5 }, (_, i) => `outage-${run}-${i}`).sort());
}, 240_000);
