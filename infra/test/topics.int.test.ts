/**
 * ensureTopics on the real broker: a catalogue retention (-1, kept forever) is set on a new topic,
 * and on an existing one without losing the configs it already has.
 */
import { randomBytes } from 'node:crypto';
import { createKafkaClients, createLogger, type TopicAdmin, type TopicSpec } from '@cdp/plumbing';
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
