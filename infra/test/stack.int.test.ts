/**
 * The local stack as a user meets it: every server healthy, every topic and subject in place,
 * and each server back with its data after `kill -9` and `stack:up`.
 */
import { allTopics, createAvroCodec, createClickHouse, createKafkaClients, createLogger, valueSubjectOf, type TopicSpec } from '@cdp/plumbing';
import { up, states } from '../src/stack/stack';
import { runningPid } from '../src/stack/processes';
import { CLICKHOUSE_URL, REGISTRY_URL } from '../src/stack/servers';
import { stackTopics } from '../src/setup/topics';

const logger = createLogger('stack-test', 'error');
const clients = createKafkaClients({ brokers: ['127.0.0.1:9092'], clientId: 'stack-test', logger });
const quiet = { say: () => undefined };
const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;

async function killHard(name: string): Promise<void> {
  const pid = runningPid(name);
  expect(pid).toBeDefined();
  process.kill(pid!, 'SIGKILL');
  for (let i = 0; i < 100 && runningPid(name) !== undefined; i++) await new Promise((r) => setTimeout(r, 100));
  expect((await states()).find((s) => s.name === name)?.health).toBe('stopped');
}

describe('local stack', () => {
  it('reports the three servers healthy, each with its pid', async () => {
    const rows = await states();
    expect(rows.map((r) => [r.name, r.health])).toEqual([
      ['kafka', 'healthy'],
      ['registry', 'healthy'],
      ['clickhouse', 'healthy'],
    ]);
    for (const r of rows) expect(r.pid).toEqual(expect.any(Number));
  });

  it('has every catalogue topic with its partitions, cleanup policy and stated retention, and no auto-creation', async () => {
    const admin = await clients.admin();
    try {
      // Every delete topic states a retention now: its own, or the event topics' (7 days unless configured).
      const topics = stackTopics();
      expect(topics.filter((t) => t.cleanupPolicy === 'delete' && t.retentionMs === undefined)).toEqual([]);
      const described = await admin.describeTopics(topics.map((t) => t.name));
      for (const t of topics) {
        const d = described.find((x) => x.name === t.name);
        const retention = t.retentionMs === undefined ? undefined : d?.config['retention.ms'];
        expect({ name: t.name, partitions: d?.partitions, policy: d?.config['cleanup.policy'], retention }).toEqual({ name: t.name, partitions: t.partitions, policy: t.cleanupPolicy, retention: t.retentionMs?.toString() });
      }
      const silent = createKafkaClients({ brokers: ['127.0.0.1:9092'], clientId: 'stack-test-silent', logger: createLogger('stack-test', 'silent') });
      const producer = await silent.producer();
      await expect(producer.send(`no.such-topic.v${suffix}`, [{ key: 'k', value: Buffer.from('v') }])).rejects.toThrow();
      await producer.close();
      expect(await admin.listTopics()).not.toContain(`no.such-topic.v${suffix}`);
    } finally {
      await admin.close();
    }
  });

  it("has the project's subjects in the registry", async () => {
    // Asked one by one: the registry lists at most 1000 subjects, and test runs leave many more.
    for (const t of allTopics()) {
      const subject = valueSubjectOf(t.name);
      expect({ subject, status: (await fetch(`${REGISTRY_URL}/subjects/${subject}/versions`)).status }).toEqual({ subject, status: 200 });
    }
  });

  it('answers a raw HTTP query without a format in TabSeparated, as a stock ClickHouse server does', async () => {
    const res = await fetch(`${CLICKHOUSE_URL}/`, { method: 'POST', body: `SELECT 'a b' AS text, 1 AS n, 'x"y' AS quoted` });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('a b\t1\tx"y\n');
  });

  it('brings each server back after kill -9 with its rows, schemas and records intact', async () => {
    // Something of each server's to find again afterwards.
    const db = `stack_test_${suffix}`;
    const ch = createClickHouse({ url: CLICKHOUSE_URL });
    await ch.command('CREATE DATABASE {db:Identifier}', { db });
    await ch.command('CREATE TABLE {db:Identifier}.kept (n UInt32) ENGINE = MergeTree ORDER BY n', { db });
    await ch.command('INSERT INTO {db:Identifier}.kept SELECT number FROM numbers(1000)', { db });

    const codec = createAvroCodec({ url: REGISTRY_URL });
    const subject = `stack-test-${suffix}-value`;
    const schemaId = await codec.register(subject, { type: 'record', name: 'Kept', namespace: 'test', fields: [{ name: 'n', type: 'int' }] });

    const topic: TopicSpec = { name: `test.stack-${suffix}.v1`, partitions: 2, cleanupPolicy: 'delete', valueType: 'test.Kept', key: 'n', doc: 'test' };
    let admin = await clients.admin();
    await admin.createTopics([topic]);
    const producer = await clients.producer();
    await producer.send(topic.name, Array.from({ length: 500 }, (_, n) => ({ key: String(n), value: codec.encode(schemaId, { n }) })));
    await producer.close();
    await admin.close();

    await killHard('clickhouse');
    await up(quiet);
    expect(await ch.query('SELECT count() AS rows, sum(n) AS total FROM {db:Identifier}.kept', { db })).toEqual([{ rows: 1000, total: 499500 }]);

    await killHard('registry');
    await up(quiet);
    const after = createAvroCodec({ url: REGISTRY_URL });
    expect(await after.decode(codec.encode(schemaId, { n: 7 }))).toEqual({ n: 7 });

    await killHard('kafka');
    await up(quiet);
    admin = await clients.admin();
    expect(await admin.endOffsetTotal(topic.name)).toBe(500);
    await admin.deleteTopics([topic.name]);
    await admin.close();

    expect((await states()).every((s) => s.health === 'healthy')).toBe(true);
    await ch.command('DROP DATABASE {db:Identifier}', { db });
    await ch.close();
  }, 240_000);
});
