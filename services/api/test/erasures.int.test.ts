/**
 * Erasure requests on the real Kafka and schema registry, on a topic prefix of this run: the
 * customer API as a process (as deployed, with its own keys file and salt) and `pnpm erase` as a
 * process. The test plays the identity graph writer and aggregation itself: it writes the
 * IDENTITY_ERASED and DONE records a request goes through, and checks what the API shows and
 * what the command prints of them.
 *
 * - POST with a key that has the scope writes REQUESTED to the topic, for the key's tenant, by the
 *   key's name, the e-mail hashed with the configured salt; a key without the scope gets 403 and
 *   nothing is written;
 * - GET answers REQUESTED at once after the POST, then the states others write, DONE with its
 *   counts, never the identifier or the persons; the list has the tenant's requests newest first;
 * - DELETE writes WITHDRAWN (counts kept, nothing naming the person); again 409; unknown 404;
 * - `pnpm erase`: wrong usage exits 2; an erasure with --wait prints the final state and counts;
 *   --list; --withdraw.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createAvroCodec,
  createKafkaClients,
  createLogger,
  hashEmail,
  hashPhone,
  loadSchemaCatalog,
  partitionFor,
  topicsWithPrefix,
  valueSubjectOf,
  type CdpPrivacy,
  type EventProducer,
  type IncomingRecord,
} from '@cdp/plumbing';
import { createTestPipeline, removeTestRun, type TestPipeline } from '../../../infra/src/testing/pipeline';
import { prepareTopics, readUntil } from '../../../infra/src/testing/topics';
import { apiAt, runCommand, type Json } from './support';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const prefix = `it-api-erasures-${run}.`;
const topics = topicsWithPrefix(prefix);
const TOPIC = topics.erasureRequests;
const TENANT = 'it-shop';
const SALT = `it-api-erasures-salt-${run}`;
const PRIVACY_KEY = `it-privacy-${run}`;
const CLERK_KEY = `it-clerk-${run}`;
const keysFile = join(tmpdir(), `it-api-erasures-keys-${run}.json`);
const sha = (key: string) => createHash('sha256').update(key).digest('hex');

const logger = createLogger('api-erasures-it', 'silent');
const clients = createKafkaClients({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'api-erasures-it', logger });
const codec = createAvroCodec({ url: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7' });

let pipeline: TestPipeline;
let producer: EventProducer;
let schemaId: number;

beforeAll(async () => {
  // What the API reads at start (the identifier blocks too), and the erasure requests.
  await prepareTopics([topics.personMerges, topics.identifierAssignments, topics.partnerSegments, topics.areaDemographics, topics.personUpdates, TOPIC, topics.identifierBlocks]);
  writeFileSync(
    keysFile,
    JSON.stringify({
      keys: [
        { name: 'it-privacy', sha256: sha(PRIVACY_KEY), tenant: TENANT, scopes: ['erasure'] },
        { name: 'it-clerk', sha256: sha(CLERK_KEY), tenant: TENANT, scopes: ['profile:read'] },
      ],
    }),
  );
  producer = await clients.producer();
  schemaId = await codec.idOf(valueSubjectOf(TOPIC.name), loadSchemaCatalog().resolve(TOPIC.valueType));
  pipeline = await createTestPipeline({ prefix, database: `it_api_erasures_${run}`, groupSuffix: run });
  await pipeline.start('api', { API_KEYS_FILE: keysFile, PII_HASH_SALT: SALT, API_RECOMMENDATION_REFRESH_SECONDS: '3600' });
}, 180_000);

afterAll(async () => {
  await producer?.close();
  await removeTestRun({ pipeline, database: `it_api_erasures_${run}`, prefix });
  rmSync(keysFile, { force: true });
}, 60_000);

const api = apiAt(() => pipeline.apiUrl);

type Decoded = { key: string; partition: number; value: CdpPrivacy.ErasureRequest | null };

/** Every record of the topic, decoded, once `done` holds for them. */
async function recordsUntil(done: (records: Decoded[]) => boolean): Promise<Decoded[]> {
  // Every writer here (the API, the command, this test) encodes with the schema beforeAll looked up: decoded at once.
  const decode = (r: IncomingRecord): Decoded => {
    if (!r.value) return { key: r.key!.toString(), partition: r.partition, value: null };
    const value = codec.decodeCached<CdpPrivacy.ErasureRequest>(r.value);
    if (value === undefined) throw new Error(`record at offset ${r.offset} has a schema id this test did not look up`);
    return { key: r.key!.toString(), partition: r.partition, value };
  };
  return (await readUntil([TOPIC.name], (records) => done(records.map(decode)))).map(decode);
}

/** The newest record of a request on the topic, once it fits. */
async function newestOnTopic(requestId: string, fits: (r: CdpPrivacy.ErasureRequest) => boolean): Promise<CdpPrivacy.ErasureRequest> {
  const key = `${TENANT}|${requestId}`;
  const records = await recordsUntil((rs) => {
    const mine = rs.filter((r) => r.key === key);
    const last = mine[mine.length - 1]?.value;
    return last !== undefined && last !== null && fits(last);
  });
  return records.filter((r) => r.key === key).pop()!.value!;
}

/** Writes records as the graph writer and aggregation do: on the partition of the tenant. */
async function writeAsPipeline(record: CdpPrivacy.ErasureRequest): Promise<void> {
  const key = `${record.tenant}|${record.requestId}`;
  await producer.send(TOPIC.name, [{ key, value: codec.encode(schemaId, record), partition: partitionFor(TOPIC, key)! }]);
}

/** GET of one request until it shows `state` (the API follows the topic). */
async function getUntil(requestId: string, state: string): Promise<Json> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await api('GET', `/v1/erasures/${requestId}`, PRIVACY_KEY);
    if (res.status === 200 && res.body.state === state) return res.body;
    if (Date.now() > deadline) throw new Error(`GET /v1/erasures/${requestId} did not show ${state}: ${res.status} ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const PERSONAL = ['identifier', 'personIds', 'historyEntryIds', 'tenant'];

describe('the customer API', () => {
  let requestId: string;
  let requested: CdpPrivacy.ErasureRequest;

  it('a key without the erasure scope gets 403, without a key 401, and nothing is written', async () => {
    const forbidden = await api('POST', '/v1/erasures', CLERK_KEY, { identifier: { type: 'loyalty_card', value: 'LC-1' } });
    expect([forbidden.status, forbidden.body.error]).toEqual([403, 'forbidden']);
    expect(forbidden.body.message).toContain('erasure');
    expect((await api('POST', '/v1/erasures', null, { identifier: { type: 'loyalty_card', value: 'LC-1' } })).status).toBe(401);
    expect((await api('GET', '/v1/erasures', CLERK_KEY)).status).toBe(403);
    const admin = await clients.admin();
    try {
      expect(await admin.endOffsetTotal(TOPIC.name)).toBe(0);
    } finally {
      await admin.close();
    }
  });

  it('POST writes REQUESTED to the topic: the key\'s tenant and name, the e-mail hashed with the configured salt; 202 with where to follow it', async () => {
    const before = Date.now();
    const res = await api('POST', '/v1/erasures', PRIVACY_KEY, { identifier: { type: 'email', value: ` Anna.${run}@Example.com ` } });
    expect(res.status).toBe(202);
    requestId = res.body.requestId;
    expect(requestId).toMatch(/^er_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(res.body).toEqual({ requestId, state: 'REQUESTED', location: `/v1/erasures/${requestId}` });
    expect(res.headers.get('location')).toBe(`/v1/erasures/${requestId}`);
    // No waiting: the POST answered once the API had read its own record back.
    const shown = await api('GET', `/v1/erasures/${requestId}`, PRIVACY_KEY);
    expect([shown.status, shown.body.state]).toEqual([200, 'REQUESTED']);

    requested = await newestOnTopic(requestId, () => true);
    expect(requested).toEqual({
      tenant: TENANT,
      requestId,
      requestedAt: expect.any(Number),
      requestedBy: 'it-privacy',
      state: 'REQUESTED',
      identifier: { type: 'email_hash', value: hashEmail(SALT, `anna.${run}@example.com`) },
      personIds: [],
      historyEntryIds: [],
      identifiers: 0,
      kafkaTombstones: 0,
      clickhouseRows: 0,
      updatedAt: requested.requestedAt,
      doneAt: null,
      detail: null,
    });
    expect(requested.requestedAt).toBeGreaterThanOrEqual(before);
    expect(requested.requestedAt).toBeLessThanOrEqual(Date.now());
  });

  it('GET shows REQUESTED with its times and who asked, without the identifier', async () => {
    const res = await api('GET', `/v1/erasures/${requestId}`, PRIVACY_KEY);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      requestId,
      state: 'REQUESTED',
      requestedAt: new Date(requested.requestedAt).toISOString(),
      requestedBy: 'it-privacy',
      updatedAt: new Date(requested.updatedAt).toISOString(),
      doneAt: null,
      identifiers: 0,
      kafkaTombstones: 0,
      clickhouseRows: 0,
      detail: null,
    });
    for (const field of PERSONAL) expect(res.body).not.toHaveProperty(field);
    expect(JSON.stringify(res.body)).not.toContain(requested.identifier!.value);
  });

  it('GET follows what the graph writer and aggregation write: IDENTITY_ERASED, then DONE with its counts, never whom it names', async () => {
    const erasedAt = requested.requestedAt + 1000;
    await writeAsPipeline({ ...requested, state: 'IDENTITY_ERASED', identifier: null, personIds: [`p_secret_${run}`], historyEntryIds: [`h_secret_${run}`], identifiers: 3, kafkaTombstones: 9, updatedAt: erasedAt });
    const erased = await getUntil(requestId, 'IDENTITY_ERASED');
    expect(erased).toMatchObject({ identifiers: 3, kafkaTombstones: 9, clickhouseRows: 0, doneAt: null, updatedAt: new Date(erasedAt).toISOString() });
    expect(JSON.stringify(erased)).not.toMatch(/secret/);

    const doneAt = requested.requestedAt + 2000;
    await writeAsPipeline({ ...requested, state: 'DONE', identifier: null, identifiers: 3, kafkaTombstones: 9, clickhouseRows: 1234, updatedAt: doneAt, doneAt, detail: 'erased 1 person and 1 merged into it' });
    const done = await getUntil(requestId, 'DONE');
    expect(done).toEqual({
      requestId,
      state: 'DONE',
      requestedAt: new Date(requested.requestedAt).toISOString(),
      requestedBy: 'it-privacy',
      updatedAt: new Date(doneAt).toISOString(),
      doneAt: new Date(doneAt).toISOString(),
      identifiers: 3,
      kafkaTombstones: 9,
      clickhouseRows: 1234,
      detail: 'erased 1 person and 1 merged into it',
    });
    for (const field of PERSONAL) expect(done).not.toHaveProperty(field);
  });

  it('GET /v1/erasures lists the tenant\'s requests newest first; another tenant\'s request is not there', async () => {
    const second = await api('POST', '/v1/erasures', PRIVACY_KEY, { identifier: { type: 'loyalty_card', value: `LC-${run}` } });
    expect(second.status).toBe(202);
    // Another tenant's request on the same topic, as another API key of another tenant would write it.
    await writeAsPipeline({ ...requested, tenant: 'another-shop', requestId: `er_${randomUUID()}`, requestedAt: Date.now() + 60_000 });
    await newestOnTopic(requestId, () => true);
    const list = await api('GET', '/v1/erasures', PRIVACY_KEY);
    expect(list.status).toBe(200);
    expect(list.body.erasures.map((e: Json) => [e.requestId, e.state])).toEqual([
      [second.body.requestId, 'REQUESTED'],
      [requestId, 'DONE'],
    ]);
    expect(JSON.stringify(list.body)).not.toContain(`LC-${run}`);
  });

  it('DELETE writes WITHDRAWN, keeping the counts and dropping whom it named; again 409; unknown 404', async () => {
    const res = await api('DELETE', `/v1/erasures/${requestId}`, PRIVACY_KEY);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ requestId, state: 'WITHDRAWN', identifiers: 3, kafkaTombstones: 9, clickhouseRows: 1234, detail: 'withdrawn by it-privacy' });
    const withdrawn = await newestOnTopic(requestId, (r) => r.state === 'WITHDRAWN');
    expect(withdrawn).toMatchObject({ tenant: TENANT, state: 'WITHDRAWN', identifier: null, personIds: [], historyEntryIds: [], identifiers: 3, kafkaTombstones: 9, clickhouseRows: 1234, requestedBy: 'it-privacy' });
    expect((await api('GET', `/v1/erasures/${requestId}`, PRIVACY_KEY)).body.state).toBe('WITHDRAWN');
    const again = await api('DELETE', `/v1/erasures/${requestId}`, PRIVACY_KEY);
    expect([again.status, again.body.error]).toEqual([409, 'conflict']);
    expect((await api('DELETE', '/v1/erasures/er_00000000-0000-4000-8000-000000000000', PRIVACY_KEY)).status).toBe(404);
    expect((await api('DELETE', `/v1/erasures/${requestId}`, CLERK_KEY)).status).toBe(403);
  });
});

/** `pnpm erase ARGS` as a process on this run's prefix and salt. */
const erase = (args: string[], options: { onOutput?: (text: string) => void } = {}) => runCommand('erase-cli.ts', args, { TOPIC_PREFIX: prefix, PII_HASH_SALT: SALT, USER: 'it-operator' }, options);

describe('pnpm erase', () => {
  it('wrong usage exits 2 with what is wrong and the usage, writing nothing', async () => {
    const admin = await clients.admin();
    const before = await admin.endOffsetTotal(TOPIC.name);
    for (const [args, message] of [
      [['--tenant', TENANT, '--type', 'shoe_size', '--value', '42'], /--type must be one of/],
      [['--type', 'loyalty_card', '--value', '1'], /--tenant is required/],
      [['--tenant', TENANT, '--withdraw', 'nonsense'], /--withdraw must be a request id/],
    ] as const) {
      const r = await erase([...args]);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toMatch(message);
      expect(r.err).toContain('usage: pnpm erase');
    }
    expect(await admin.endOffsetTotal(TOPIC.name)).toBe(before);
    await admin.close();
  });

  it('an erasure with --wait writes REQUESTED by cli:<user> and prints the final state and counts once the pipeline is done', async () => {
    let requestId: string | undefined;
    const cli = erase(['--tenant', TENANT, '--type', 'phone', '--value', '+358 40 765 4321', '--wait', '--timeout', '60'], {
      onOutput: (out) => (requestId ??= /erasure requested: (er_[0-9a-f-]{36})/.exec(out)?.[1]),
    });
    const deadline = Date.now() + 60_000;
    while (!requestId && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(requestId).toBeDefined();
    const requested = await newestOnTopic(requestId!, () => true);
    expect(requested).toMatchObject({ tenant: TENANT, state: 'REQUESTED', requestedBy: 'cli:it-operator', identifier: { type: 'phone_hash', value: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(requested.identifier!.value).toBe(hashPhone(SALT, '+358407654321'));
    await writeAsPipeline({ ...requested, state: 'IDENTITY_ERASED', identifier: null, personIds: ['p_x'], identifiers: 2, kafkaTombstones: 4, updatedAt: requested.updatedAt + 1 });
    await writeAsPipeline({ ...requested, state: 'DONE', identifier: null, identifiers: 2, kafkaTombstones: 4, clickhouseRows: 77, updatedAt: requested.updatedAt + 2, doneAt: requested.updatedAt + 2 });
    const r = await cli;
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    expect(r.out).toContain('IDENTITY_ERASED');
    expect(r.out).toMatch(new RegExp(`${requestId}\\s+DONE .*2 identifiers, 4 Kafka tombstones, 77 ClickHouse rows`));
    expect(r.out).not.toContain('765');

    const list = await erase(['--tenant', TENANT, '--list']);
    expect(list.code).toBe(0);
    const lines = list.out.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${requestId}\\s+DONE\\s+requested .* by cli:it-operator`));
    expect(lines).toHaveLength(3);

    const withdraw = await erase(['--tenant', TENANT, '--withdraw', requestId!]);
    expect({ code: withdraw.code, out: withdraw.out }).toEqual({ code: 0, out: expect.stringContaining('WITHDRAWN') });
    expect(await newestOnTopic(requestId!, (x) => x.state === 'WITHDRAWN')).toMatchObject({ identifier: null, personIds: [], clickhouseRows: 77, detail: 'withdrawn by cli:it-operator' });
    const again = await erase(['--tenant', TENANT, '--withdraw', requestId!]);
    expect([again.code, again.err]).toEqual([1, expect.stringContaining('withdrawn already')]);
  });
});

describe('the topic', () => {
  it('holds every record the API and the command wrote on the partition of the tenant, where the pipeline writes the later states', async () => {
    const written = (rs: Decoded[]) => rs.filter((r) => r.key.startsWith(`${TENANT}|`) && (r.value?.state === 'REQUESTED' || r.value?.state === 'WITHDRAWN'));
    // Three requests (two by the API, one by the command) and two withdrawals.
    const ours = written(await recordsUntil((rs) => written(rs).length >= 5));
    expect(ours).toHaveLength(5);
    expect(TOPIC.partitions).toBeGreaterThan(1);
    for (const r of ours) expect({ key: r.key, partition: r.partition }).toEqual({ key: r.key, partition: partitionFor(TOPIC, `${TENANT}|`) });
  });
});
