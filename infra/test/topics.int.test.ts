/**
 * ensureTopics on the real broker: a catalogue retention (-1, kept forever) is set on a new topic,
 * and on an existing one without losing the configs it already has.
 */
import { randomBytes } from 'node:crypto';
import { createAvroCodec, createKafkaClients, createLogger, loadSchemaCatalog, partitionOfKey, PERSONAL_SEGMENT_MS, TOPICS, valueSubjectOf, type CdpIdentity, type TopicAdmin, type TopicSpec } from '@cdp/plumbing';
import { historyKeyOf, moveHistoryV1 } from '../src/setup/history-v1';
import { ensureTopics } from '../src/setup/topics';

const clients = createKafkaClients({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'topics-test', logger: createLogger('topics-test', 'silent') });
const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const spec = (entity: string, over: Partial<TopicSpec>): TopicSpec => ({ name: `test.retention-${entity}-${run}.v1`, partitions: 1, cleanupPolicy: 'delete', valueType: 'test.T', key: 'k', doc: 'test', ...over });
let admin: TopicAdmin;
const created: string[] = [];

beforeAll(async () => {
  admin = await clients.admin();
});

afterAll(async () => {
  await admin.deleteTopics(created).catch(() => undefined);
  await admin.close();
});

const configOf = async (name: string) => (await admin.describeTopics([name]))[0]!.config;

describe('ensureTopics and retention', () => {
  it('creates a topic with the catalogue retention', async () => {
    const kept = spec('new', { retentionMs: -1 });
    created.push(kept.name);
    const report = await ensureTopics(admin, [kept]);
    expect(report).toEqual({ created: [kept.name], grown: [], retained: [], problems: [] });
    expect(await configOf(kept.name)).toMatchObject({ 'retention.ms': '-1', 'cleanup.policy': 'delete' });
  });

  it('sets it on an existing topic, keeping the configs the topic has, and only once', async () => {
    // Compacted, with a tombstone retention of its own: both must survive the change.
    const before = spec('existing', { cleanupPolicy: 'compact' });
    created.push(before.name);
    await ensureTopics(admin, [before]);
    expect(await configOf(before.name)).toMatchObject({ 'cleanup.policy': 'compact', 'delete.retention.ms': '86400000' });

    const after = { ...before, retentionMs: -1 };
    const report = await ensureTopics(admin, [after]);
    expect(report.retained).toEqual([expect.stringMatching(new RegExp(`^${before.name.replace(/\./g, '\\.')}: retention.ms \\d+ -> -1$`))]);
    expect(report.problems).toEqual([]);
    expect(await configOf(before.name)).toMatchObject({ 'cleanup.policy': 'compact', 'delete.retention.ms': '86400000', 'retention.ms': '-1' });
    expect((await ensureTopics(admin, [after])).retained).toEqual([]);
  });
});

describe('personal compacted topics', () => {
  it('roll their segments daily, on a new topic and on one created before the catalogue said so', async () => {
    const fresh = spec('personal-new', { cleanupPolicy: 'compact', personal: true });
    const older = spec('personal-old', { cleanupPolicy: 'compact' });
    created.push(fresh.name, older.name);
    await ensureTopics(admin, [fresh, older]);
    expect((await configOf(fresh.name))['segment.ms']).toBe(String(PERSONAL_SEGMENT_MS));
    expect((await configOf(older.name))['segment.ms']).not.toBe(String(PERSONAL_SEGMENT_MS));
    const report = await ensureTopics(admin, [{ ...older, personal: true }]);
    expect(report.retained).toEqual([expect.stringMatching(new RegExp(`^${older.name.replace(/\./g, '\\.')}: segment\\.ms .* -> ${PERSONAL_SEGMENT_MS}$`))]);
    expect(await configOf(older.name)).toMatchObject({ 'segment.ms': String(PERSONAL_SEGMENT_MS), 'cleanup.policy': 'compact', 'delete.retention.ms': '86400000' });
  });
});

describe('moving the identity history from v1 to v2', () => {
  const codec = createAvroCodec({ url: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7' });
  const entry = (tenant: string, n: number): CdpIdentity.IdentityHistoryEntry => ({
    tenant, entryId: `entry-${n}`, eventId: `e${n}`, eventTime: n, appliedAt: n, identifiers: [{ type: 'anonymous_id', value: `a${n}` }], personId: `p${n}`, firstSeen: [], joins: [], refusals: [], split: null,
  });

  it('copies every entry in its order, keyed per entry on its tenant\'s partition, and deletes v1', async () => {
    const v1 = spec('history', { partitions: 4, retentionMs: -1 });
    const v2: TopicSpec = { ...spec('history-v2', { partitions: 4, cleanupPolicy: 'compact', personal: true, partitionBy: 'tenant' }) };
    created.push(v1.name, v2.name);
    await ensureTopics(admin, [v1, v2]);
    const schemaId = await codec.idOf(valueSubjectOf(TOPICS.identityHistory.name), loadSchemaCatalog().resolve('cdp.identity.IdentityHistoryEntry'));
    const entries = [entry('demo', 1), entry('acme', 2), entry('demo', 3), entry('demo', 4), entry('acme', 5)];
    const producer = await clients.producer();
    // As the graph writer wrote v1: keyed by tenant.
    for (const e of entries) await producer.send(v1.name, [{ key: e.tenant, value: codec.encode(schemaId, e) }]);
    await producer.close();

    expect(await moveHistoryV1(admin, clients, v2, v1.name)).toEqual({ copied: 5 });
    expect(await admin.listTopics()).not.toContain(v1.name);
    const moved: { partition: number; key: string; entryId: string }[] = [];
    await clients.readTable(v2.name, (r) => moved.push({ partition: r.partition, key: r.key!.toString(), entryId: historyKeyOf(r.value!).entryId }), { follow: false });
    for (const tenant of ['demo', 'acme']) {
      const mine = moved.filter((m) => m.key.startsWith(`${tenant}|`));
      expect(mine.map((m) => m.key)).toEqual(entries.filter((e) => e.tenant === tenant).map((e) => `${tenant}|${e.entryId}`));
      expect(new Set(mine.map((m) => m.partition))).toEqual(new Set([partitionOfKey(tenant, 4)]));
    }
    // Nothing left to move the second time.
    expect(await moveHistoryV1(admin, clients, v2, v1.name)).toEqual({});
  });
});
