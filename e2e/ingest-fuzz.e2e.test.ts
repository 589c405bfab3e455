/**
 * Ingest fuzzed with schemathesis from the OpenAPI document it serves (a process on the real Kafka
 * and registry, on its own topic prefix): no 5xx, every status it answers is documented, every 4xx
 * names the field and the reason, a method a path does not serve gets 405 with Allow, the answers
 * match their schemas, and nothing accepted is lost: for every 2xx, the items it accepted are on
 * their raw topics and the ones it listed as refused on the dead-letter topics, record for record.
 * Bounded: a few examples per operation and phase, one fixed seed.
 *
 * Left out by design: schemathesis' "schema-valid request rejected" (positive_data_acceptance).
 * Ingest refuses bodies its JSON Schema cannot describe (over 32 KB an event or the route's body
 * limit, a __proto__ key), and the document lists the content types clients put on JSON
 * (application/x-www-form-urlencoded, any), which schemathesis sends as forms, multipart or YAML.
 * Each is a 400 naming the body or the field (services/ingest/src/adapters/http.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { allTopics, createAvroCodec, topicsWithPrefix, type CdpOps } from '@cdp/plumbing';
import { REGISTRY_URL } from '@cdp/infra/src/stack/servers';
import { prepareTopics, readAll } from '@cdp/infra/src/testing/topics';
import { createTestPipeline, removeTestRun, type TestPipeline } from '@cdp/infra/src/testing/pipeline';
import { ensureSchemathesis, runSchemathesis, type HarEntry } from './support/schemathesis';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const prefix = `e2e-ingest-fuzz-${run}.`;
const database = `e2e_ingest_fuzz_${run}`;
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

const t = topicsWithPrefix(prefix);
const WEB = t.webEvents.name;
const STORE_TOPICS: Record<string, string> = { pos_transaction: t.posTransactions.name, beacon_sighting: t.beaconSightings.name, wifi_observation: t.wifiObservations.name, people_count: t.peopleCounts.name };
const RAW = [WEB, ...Object.values(STORE_TOPICS)];
const dlq = (topic: string) => `${topic}.dlq`;
const BATCH_ROUTES = new Set(['/v1/batch', '/v1/b', '/beacon/v1/batch']);

let pipeline: TestPipeline;
let schemathesis: string;

beforeAll(async () => {
  schemathesis = ensureSchemathesis();
  await prepareTopics(allTopics(prefix));
  pipeline = await createTestPipeline({ prefix, database, groupSuffix: run });
  await pipeline.start('ingest');
}, 300_000);

afterAll(async () => {
  await removeTestRun({ pipeline, database, prefix });
}, 60_000);

// The web key for the Segment routes, a store's key for the store endpoint, the demo Meraki
// receiver with its secret and a mapped network; half of the visitor ids, event times and store
// ids are ones ingest accepts, so that many items get past the checks schemas cannot express.
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const CONFIG = `
headers = { Authorization = "${basic('local-web')}" }

[dictionaries]
visitors = { values = ["anon-1", "anon-2"] }
times = { values = ["${minutesAgo(1)}", "${minutesAgo(60)}"] }
stores = { values = ["HEL-1"] }

[parameters]
"body.anonymousId" = { dictionary = "visitors", probability = 0.5 }
"body.batch[*].anonymousId" = { dictionary = "visitors", probability = 0.5 }
"body.batch[*].timestamp" = { dictionary = "times", probability = 0.5 }
"body.batch[*].storeId" = { dictionary = "stores", probability = 0.5 }

[[operations]]
include-path = "/v1/store/batch"
headers = { Authorization = "${basic('local-store-hel-1')}" }

[[operations]]
include-path = "/v1/meraki/{receiver}"
parameters = { receiver = "demo-stores", "body.secret" = "local-meraki-secret", "body.data.networkId" = "L_646829496481105433" }
`;

const show = (e: HarEntry) => `${e.request.method} ${e.request.url} -> ${e.response.status} ${(e.response.content.text ?? '').slice(0, 300)}`;

/** A 4xx body that says where the problem is and why. */
function namesProblem(e: HarEntry): boolean {
  try {
    const body = JSON.parse(e.response.content.text ?? '') as { field?: unknown; reason?: unknown };
    return typeof body.field === 'string' && body.field !== '' && typeof body.reason === 'string' && body.reason !== '';
  } catch {
    return false;
  }
}

/** Records a 2xx answer should have put on each topic: accepted items on raw topics, refused ones on their dead-letter topics. */
function expectedRecords(entries: HarEntry[]): Map<string, number> {
  const expected = new Map<string, number>();
  const add = (topic: string, n: number) => expected.set(topic, (expected.get(topic) ?? 0) + n);
  for (const e of entries) {
    const path = new URL(e.request.url).pathname;
    const answer = JSON.parse(e.response.content.text ?? '') as { accepted?: number; rejected?: { field: string }[] };
    const body = JSON.parse(e.request.postData?.text ?? '') as { batch?: { type: string }[]; type?: string };
    const rejected = answer.rejected ?? [];
    if (path === '/v1/store/batch') {
      const refused = new Set(rejected.map((r) => Number(/^batch\[(\d+)\]/.exec(r.field)?.[1])));
      expect(refused.size).toBe(rejected.length);
      body.batch!.forEach((item, i) => add(refused.has(i) ? dlq(STORE_TOPICS[item.type]!) : STORE_TOPICS[item.type]!, 1));
    } else if (path.startsWith('/v1/meraki/')) {
      const topic = body.type === 'WiFi' ? t.wifiObservations.name : t.beaconSightings.name;
      add(topic, answer.accepted!);
      add(dlq(topic), rejected.length);
    } else {
      // Segment answers {success: true} alone when every item was accepted.
      add(WEB, answer.accepted ?? (BATCH_ROUTES.has(path) ? body.batch!.length : 1));
      add(dlq(WEB), rejected.length);
    }
  }
  return expected;
}

test('schemathesis finds no 5xx, no undocumented status, no 4xx without field and reason, and every accepted item is on Kafka', async () => {
  const args = [
    `${pipeline.ingestUrl}/docs/json`,
    '--checks', 'all',
    '--exclude-checks', 'positive_data_acceptance',
    '--max-examples', '25',
    '--seed', '20261201',
    '--request-timeout', '10',
    '--workers', '1',
    '--generation-database', 'none',
  ];
  const result = await runSchemathesis(schemathesis, args, { config: CONFIG });
  // The whole report on failure: which route, which check, and the curl line to replay it.
  if (result.code !== 0) throw new Error(`schemathesis exited ${result.code}:\n${result.out.slice(-8000)}\n${pipeline.output('ingest')}`);
  expect(result.out).toMatch(/\d+ generated/);
  const { requests } = result;
  expect(requests.length).toBeGreaterThan(1000);

  // Every request answered, none 5xx; every 4xx names the problem, in whatever route or method.
  expect(requests.filter((e) => !(e.response.status >= 200 && e.response.status < 500)).map(show)).toEqual([]);
  expect(requests.filter((e) => e.response.status >= 400 && !namesProblem(e)).map(show)).toEqual([]);
  const statuses = new Set(requests.map((e) => e.response.status));
  for (const status of [200, 400, 401, 403, 405]) expect([status, statuses.has(status)]).toEqual([status, true]);

  // Nothing accepted is lost, nothing refused is published: record for record per topic.
  const expected = expectedRecords(requests.filter((e) => e.request.method === 'POST' && e.response.status >= 200 && e.response.status < 300));
  const topics = [...RAW, ...RAW.map(dlq)];
  const records = await readAll(topics, 120_000);
  const found = new Map<string, number>();
  for (const r of records) found.set(r.topic, (found.get(r.topic) ?? 0) + 1);
  const table = (counts: Map<string, number>) => Object.fromEntries(topics.map((topic) => [topic, counts.get(topic) ?? 0]));
  expect(table(found)).toEqual(table(expected));
  // The fuzz reached both ends: accepted events on every raw topic (the document's examples hold
  // each kind), and dead letters.
  expect(RAW.filter((topic) => !found.get(topic))).toEqual([]);
  expect(RAW.reduce((n, topic) => n + (found.get(dlq(topic)) ?? 0), 0)).toBeGreaterThan(0);

  // Records decode with their registered schemas (a sample of each topic: there are many dead
  // letters of the 10,000-item batches); every dead letter carries its rejection code.
  const codec = createAvroCodec({ url: process.env.SCHEMA_REGISTRY_URL ?? REGISTRY_URL });
  const uncoded = records.filter((r) => r.topic.endsWith('.dlq') && !/^ingest\.\w+$/.test(r.headers['cdp-rejection-code'] ?? ''));
  expect(uncoded.map((r) => `${r.topic}@${r.offset}`)).toEqual([]);
  const sampled = new Map<string, number>();
  for (const r of records) {
    if ((sampled.get(r.topic) ?? 0) >= 500) continue;
    sampled.set(r.topic, (sampled.get(r.topic) ?? 0) + 1);
    const value = await codec.decode(r.value!);
    if (r.topic.endsWith('.dlq')) expect([(value as CdpOps.DeadLetter).service, (value as CdpOps.DeadLetter).message.length > 0]).toEqual(['ingest', true]);
  }
}, 300_000);
