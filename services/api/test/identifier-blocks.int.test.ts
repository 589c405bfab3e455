/**
 * Identifier blocks on the real Kafka and schema registry, on a topic prefix of this run: the
 * customer API as a process (its own keys file and salt) and `pnpm identity-block` as a process.
 * The test plays the identity graph writer: it writes the BLOCKED and UNBLOCKED records with the
 * persons before and after, and checks what the API shows and what the command prints.
 *
 * - POST with identity:admin writes BLOCK_REQUESTED for the key's tenant, by the key's name, the
 *   e-mail hashed with the configured salt, on the tenant's partition; a key without the scope
 *   gets 403 and nothing is written;
 * - GET follows BLOCKED with the persons; the list has the tenant's blocks only; DELETE writes
 *   UNBLOCK_REQUESTED;
 * - the command: wrong usage exits 2; a block with --wait prints the split once the graph writer
 *   has written BLOCKED; --list; --unblock --wait prints UNBLOCKED.
 */
import { createHash, randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAvroCodec, createKafkaClients, createLogger, hashEmail, loadSchemaCatalog, partitionFor, topicsWithPrefix, valueSubjectOf, type CdpIdentity, type EventProducer, type IncomingRecord } from '@cdp/plumbing';
import { createTestPipeline, removeTestRun, type TestPipeline } from '../../../infra/src/testing/pipeline';
import { prepareTopics, readUntil } from '../../../infra/src/testing/topics';
import { apiAt, runCommand, type Json } from './support';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const prefix = `it-api-blocks-${run}.`;
const topics = topicsWithPrefix(prefix);
const TOPIC = topics.identifierBlocks;
const TENANT = 'it-shop';
const SALT = `it-api-blocks-salt-${run}`;
const ADMIN_KEY = `it-admin-${run}`;
const CLERK_KEY = `it-clerk-${run}`;
const keysFile = join(tmpdir(), `it-api-blocks-keys-${run}.json`);
const sha = (key: string) => createHash('sha256').update(key).digest('hex');
const FAMILY = `family.${run}@example.com`;
const HASHED = { type: 'email_hash', value: hashEmail(SALT, FAMILY) };

const logger = createLogger('api-blocks-it', 'silent');
const clients = createKafkaClients({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'api-blocks-it', logger });
const codec = createAvroCodec({ url: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7' });

let pipeline: TestPipeline;
let producer: EventProducer;
let schemaId: number;
const api = apiAt(() => pipeline.apiUrl);
const block = (args: string[], options: { onOutput?: (text: string) => void } = {}) => runCommand('block-cli.ts', args, { TOPIC_PREFIX: prefix, PII_HASH_SALT: SALT, USER: 'it-operator' }, options);

beforeAll(async () => {
  await prepareTopics([topics.personMerges, topics.identifierAssignments, topics.partnerSegments, topics.areaDemographics, topics.personUpdates, topics.erasureRequests, TOPIC]);
  writeFileSync(
    keysFile,
    JSON.stringify({
      keys: [
        { name: 'it-admin', sha256: sha(ADMIN_KEY), tenant: TENANT, scopes: ['identity:admin'] },
        { name: 'it-clerk', sha256: sha(CLERK_KEY), tenant: TENANT, scopes: ['profile:read'] },
      ],
    }),
  );
  producer = await clients.producer();
  schemaId = await codec.idOf(valueSubjectOf(TOPIC.name), loadSchemaCatalog().resolve(TOPIC.valueType));
  pipeline = await createTestPipeline({ prefix, database: `it_api_blocks_${run}`, groupSuffix: run });
  await pipeline.start('api', { API_KEYS_FILE: keysFile, PII_HASH_SALT: SALT, API_RECOMMENDATION_REFRESH_SECONDS: '3600' });
}, 180_000);

afterAll(async () => {
  await producer?.close();
  await removeTestRun({ pipeline, database: `it_api_blocks_${run}`, prefix });
  rmSync(keysFile, { force: true });
}, 60_000);

type Decoded = { key: string; partition: number; value: CdpIdentity.IdentifierBlock | null };

/** The newest record of a value on the topic, once it fits. */
async function newestOnTopic(tenant: string, id: CdpIdentity.Identifier, fits: (b: CdpIdentity.IdentifierBlock) => boolean): Promise<Decoded> {
  const key = `${tenant}|${id.type}|${id.value}`;
  // Every writer here (the API, the command, this test) encodes with the schema beforeAll looked up: decoded at once.
  const decode = (r: IncomingRecord): Decoded => ({ key: r.key!.toString(), partition: r.partition, value: r.value ? codec.decodeCached<CdpIdentity.IdentifierBlock>(r.value)! : null });
  const newest = (records: IncomingRecord[]) => records.map(decode).filter((r) => r.key === key).pop();
  return newest(await readUntil([TOPIC.name], (records) => { const last = newest(records)?.value; return last != null && fits(last); }))!;
}

/** Writes the record as the identity graph writer does: on the partition of the tenant. */
async function writeAsGraphWriter(record: CdpIdentity.IdentifierBlock): Promise<void> {
  const key = `${record.tenant}|${record.identifier.type}|${record.identifier.value}`;
  await producer.send(TOPIC.name, [{ key, value: codec.encode(schemaId, record), partition: partitionFor(TOPIC, key)! }]);
}

/** GET of the block until it shows `state` (the API follows the topic). */
async function getUntil(path: string, state: string): Promise<Json> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await api('GET', path, ADMIN_KEY);
    if (res.status === 200 && res.body.state === state) return res.body;
    if (Date.now() > deadline) throw new Error(`GET ${path} did not show ${state}: ${res.status} ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the customer API', () => {
  const path = `/v1/identity/blocks/email/${encodeURIComponent(FAMILY)}`;
  let requested: CdpIdentity.IdentifierBlock;

  it('a key without identity:admin gets 403 and nothing is written', async () => {
    const forbidden = await api('POST', '/v1/identity/blocks', CLERK_KEY, { identifier: { type: 'email', value: FAMILY }, reason: 'family e-mail' });
    expect([forbidden.status, forbidden.body.message]).toEqual([403, expect.stringContaining('identity:admin')]);
    const admin = await clients.admin();
    try {
      expect(await admin.endOffsetTotal(TOPIC.name)).toBe(0);
    } finally {
      await admin.close();
    }
  });

  it('POST writes BLOCK_REQUESTED: the key\'s tenant and name, the e-mail hashed with the configured salt, on the tenant\'s partition', async () => {
    const res = await api('POST', '/v1/identity/blocks', ADMIN_KEY, { identifier: { type: 'email', value: ` ${FAMILY.toUpperCase()} ` }, reason: 'family e-mail' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ identifier: HASHED, state: 'BLOCK_REQUESTED', reason: 'family e-mail', requestedBy: 'it-admin', personBefore: null, personsAfter: [] });
    expect(res.headers.get('location')).toBe(`/v1/identity/blocks/email_hash/${HASHED.value}`);
    // No waiting: the POST answered once the API had read its own record back.
    expect((await api('GET', path, ADMIN_KEY)).body.state).toBe('BLOCK_REQUESTED');
    const onTopic = await newestOnTopic(TENANT, HASHED, () => true);
    expect(onTopic.partition).toBe(partitionFor(TOPIC, `${TENANT}|`));
    requested = onTopic.value!;
    expect(requested).toEqual({ tenant: TENANT, identifier: HASHED, state: 'BLOCK_REQUESTED', reason: 'family e-mail', requestedBy: 'it-admin', requestedAt: expect.any(Number), updatedAt: requested.requestedAt, personBefore: null, personsAfter: [], detail: null });
  });

  it('GET follows the graph writer\'s BLOCKED with the persons before and after; the list has the tenant\'s blocks only', async () => {
    await writeAsGraphWriter({ ...requested, state: 'BLOCKED', updatedAt: requested.updatedAt + 1000, personBefore: 'p_family', personsAfter: ['p_anna', 'p_ben'], detail: 'split into 2 persons' });
    expect(await getUntil(path, 'BLOCKED')).toMatchObject({ personBefore: 'p_family', personsAfter: ['p_anna', 'p_ben'], detail: 'split into 2 persons' });
    await writeAsGraphWriter({ ...requested, tenant: 'another-shop', updatedAt: requested.updatedAt + 5000 });
    await newestOnTopic('another-shop', HASHED, () => true);
    const list = await api('GET', '/v1/identity/blocks', ADMIN_KEY);
    expect(list.body.blocks.map((b: Json) => [b.identifier.value, b.state])).toEqual([[HASHED.value, 'BLOCKED']]);
  });

  it('DELETE writes UNBLOCK_REQUESTED by the key; again 404', async () => {
    const res = await api('DELETE', path, ADMIN_KEY);
    expect([res.status, res.body.state]).toEqual([202, 'UNBLOCK_REQUESTED']);
    expect((await newestOnTopic(TENANT, HASHED, (b) => b.state === 'UNBLOCK_REQUESTED')).value).toMatchObject({ tenant: TENANT, reason: 'family e-mail', requestedBy: 'it-admin', personBefore: null, personsAfter: [] });
    expect((await api('DELETE', path, ADMIN_KEY)).status).toBe(404);
  });
});

describe('pnpm identity-block', () => {
  const CARD = { type: 'loyalty_card', value: `LC-${run}` };

  it('wrong usage exits 2 with what is wrong and the usage, writing nothing', async () => {
    const r = await block(['--tenant', TENANT, '--type', 'loyalty_card', '--value', CARD.value]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--reason is required to block/);
    expect(r.err).toContain('usage: pnpm identity-block');
  });

  it('a block with --wait writes BLOCK_REQUESTED by cli:<user> and prints the split once the graph writer has written BLOCKED; --unblock --wait prints UNBLOCKED', async () => {
    let requestedShown = false;
    const cli = block(['--tenant', TENANT, '--type', 'loyalty_card', '--value', CARD.value, '--reason', 'shared shop card', '--wait', '--timeout', '60'], { onOutput: (out) => (requestedShown ||= out.includes('BLOCK_REQUESTED')) });
    const requested = (await newestOnTopic(TENANT, CARD, () => true)).value!;
    expect(requested).toMatchObject({ state: 'BLOCK_REQUESTED', requestedBy: 'cli:it-operator', reason: 'shared shop card' });
    await writeAsGraphWriter({ ...requested, state: 'BLOCKED', updatedAt: requested.updatedAt + 1, personBefore: 'p_shop', personsAfter: ['p_1', 'p_2'] });
    const r = await cli;
    expect({ code: r.code, err: r.err, requestedShown }).toEqual({ code: 0, err: '', requestedShown: true });
    expect(r.out).toContain('BLOCKED: split person p_shop into p_1, p_2');

    const list = await block(['--tenant', TENANT, '--list']);
    expect(list.code).toBe(0);
    expect(list.out.trim().split('\n').map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([`BLOCKED loyalty_card`, `UNBLOCK_REQUESTED email_hash`]);

    const undo = block(['--tenant', TENANT, '--unblock', '--type', 'loyalty_card', '--value', CARD.value, '--wait', '--timeout', '60']);
    const undoing = (await newestOnTopic(TENANT, CARD, (b) => b.state === 'UNBLOCK_REQUESTED')).value!;
    await writeAsGraphWriter({ ...undoing, state: 'UNBLOCKED', updatedAt: undoing.updatedAt + 1, personBefore: 'p_shop', personsAfter: ['p_1', 'p_2'] });
    const u = await undo;
    expect({ code: u.code, err: u.err }).toEqual({ code: 0, err: '' });
    expect(u.out).toContain('UNBLOCKED: p_shop holds it again; the restored links joined p_1, p_2');
    const again = await block(['--tenant', TENANT, '--unblock', '--type', 'loyalty_card', '--value', CARD.value]);
    expect([again.code, again.err]).toEqual([1, expect.stringContaining('is not blocked')]);
  });
});
