/**
 * Suppression of erased persons at ingest, against the real Kafka and registry: ingest as a
 * process on its own topic prefix reads privacy.suppressions.v1 before it answers, follows it,
 * drops the events of a suppressed identifier (answered as accepted, counted, never on Kafka) and
 * admits them again after a tombstone.
 */
import { createAvroCodec, createKafkaClients, createLogger, deadLetterTopicOf, loadSchemaCatalog, identifierKey, topicsWithPrefix, valueSubjectOf, type CdpPrivacy, type CdpWeb, type EventProducer } from '@cdp/plumbing';
// Relative: @cdp/infra is not a dependency of ingest (the loader's tests import it the same way by name).
import { createTestPipeline, type TestPipeline } from '../../../infra/src/testing/pipeline';
import { deleteTopics, prepareTopics, readAll } from '../../../infra/src/testing/topics';
import { sinkTopicsOf } from '../src/adapters/kafka-sink';
import { hashEmail } from '../src/core/pii';

const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const prefix = `it-ingest-suppression-${run}.`;
const salt = `ingest-suppression-it-${run}`;
const topics = topicsWithPrefix(prefix);
const specs = [...Object.values(sinkTopicsOf(topics)), topics.suppressions].flatMap((t) => [t, deadLetterTopicOf(t)]);
const codec = createAvroCodec({ url: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7' });
const clients = createKafkaClients({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'ingest-suppression-it', logger: createLogger('ingest-suppression-it', 'silent') });
const erasedAnon = `anon-erased-${run}`;
const erasedEmail = `erased.${run}@example.com`;
let pipeline: TestPipeline;
let producer: EventProducer;
let schemaId: number;

const suppress = (type: string, value: string, requestId: string) => {
  const s: CdpPrivacy.Suppression = { tenant: 'demo', identifier: { type, value }, requestId, since: Date.now() };
  return producer.send(topics.suppressions.name, [{ key: identifierKey(s.tenant, s.identifier), value: codec.encode(schemaId, s) }]);
};
const withdraw = (type: string, value: string) => producer.send(topics.suppressions.name, [{ key: identifierKey('demo', { type, value }), value: null }]);

const batch = (events: object[]) =>
  fetch(`${pipeline.ingestUrl}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('local-web:').toString('base64')}` }, body: JSON.stringify({ batch: events }) });

/** One sample of ingest's /metrics: the first of the name with these labels (among others); 0 when there is none. */
async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${pipeline.ingestUrl}/metrics`)).text();
  for (const line of text.split('\n')) {
    const sample = /^([\w:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (sample?.[1] !== name) continue;
    const got = new Map([...(sample[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => got.get(k) === v)) return Number(sample[3]);
  }
  return 0;
}

async function waitForMetric(name: string, expected: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await metric(name)) !== expected) {
    if (Date.now() > deadline) throw new Error(`${name} did not become ${expected} within ${timeoutMs} ms (it is ${await metric(name)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The event ids on the web events topic: read to its end, so after a 2xx everything ingest produced is there. */
async function webEventIds(): Promise<string[]> {
  const records = await readAll([topics.webEvents.name]);
  const events = await Promise.all(records.map((r) => codec.decode<CdpWeb.SegmentEvent>(r.value!)));
  return events.map((e) => e.envelope.eventId).sort();
}

beforeAll(async () => {
  await prepareTopics(specs);
  producer = await clients.producer();
  schemaId = await codec.idOf(valueSubjectOf(topics.suppressions.name), loadSchemaCatalog().resolve(topics.suppressions.valueType));
  // Written before ingest starts: it must have read it by the time it answers.
  await suppress('anonymous_id', erasedAnon, `er-anon-${run}`);
  pipeline = await createTestPipeline({ prefix, database: `it_ingest_suppression_${run}`, groupSuffix: run });
  await pipeline.start('ingest', { PII_HASH_SALT: salt, LOG_LEVEL: 'debug' });
}, 180_000);

afterAll(async () => {
  await pipeline?.stopAll();
  await producer?.close();
  await deleteTopics(specs);
});

test('reads the suppressions before it answers, and produces no event of a suppressed anonymousId: answered as accepted, counted', async () => {
  // No waiting: healthy means the topic was read.
  expect(await metric('ingest_suppressed_identifiers')).toBe(1);
  const res = await batch([
    { type: 'track', event: 'Product Viewed', anonymousId: erasedAnon, messageId: `erased-1-${run}` },
    { type: 'track', event: 'Product Viewed', anonymousId: `anon-other-${run}`, messageId: `other-1-${run}` },
  ]);
  expect([res.status, await res.json()]).toEqual([200, { success: true }]);
  expect(await webEventIds()).toEqual([`other-1-${run}`]);
  expect((await readAll([deadLetterTopicOf(topics.webEvents).name])).length).toBe(0);
  expect(await metric('ingest_suppressed_events_total', { source: 'web-shop', type: 'track' })).toBe(1);
  expect(await metric('ingest_events_accepted_total', { source: 'web-shop', type: 'track' })).toBe(1);
  // Logged at debug with the erasure request, without the identifier.
  const logged = pipeline.output('ingest').split('\n').filter((l) => l.includes('event suppressed'));
  expect(logged.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([expect.objectContaining({ source: 'web-shop', eventId: `erased-1-${run}`, requestId: `er-anon-${run}` })]);
  expect(pipeline.output('ingest')).not.toContain(erasedAnon);
});

test('follows the topic: a suppression written while it runs drops the next event of that (hashed) e-mail', async () => {
  await suppress('email_hash', hashEmail(salt, erasedEmail), `er-email-${run}`);
  await waitForMetric('ingest_suppressed_identifiers', 2);
  const res = await batch([{ type: 'identify', userId: `user-new-${run}`, traits: { email: erasedEmail.toUpperCase() }, messageId: `erased-2-${run}` }]);
  expect([res.status, await res.json()]).toEqual([200, { success: true }]);
  expect(await webEventIds()).toEqual([`other-1-${run}`]);
  expect(await metric('ingest_suppressed_events_total', { source: 'web-shop', type: 'identify' })).toBe(1);
});

test('admits the anonymousId again after a tombstone (the erasure withdrawn)', async () => {
  await withdraw('anonymous_id', erasedAnon);
  await waitForMetric('ingest_suppressed_identifiers', 1);
  const res = await batch([{ type: 'track', event: 'Product Viewed', anonymousId: erasedAnon, messageId: `erased-3-${run}` }]);
  expect([res.status, await res.json()]).toEqual([200, { success: true }]);
  expect(await webEventIds()).toEqual([`erased-3-${run}`, `other-1-${run}`].sort());
  expect(await metric('ingest_suppressed_events_total', { source: 'web-shop', type: 'track' })).toBe(1);
});
