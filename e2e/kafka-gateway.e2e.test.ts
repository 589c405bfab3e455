/**
 * The Kafka gateway example (services/ingest/examples/kafka-gateway) run as a retailer would run
 * it, against the real Kafka and registry on its own topic prefix: what it produces decodes
 * through the pipeline's codec with the contract's keys, event ids, minor units and a MAC hashed
 * the way ingest hashes it; its setup errors name the command that fixes them.
 */
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { allTopics, createAvroCodec, schemaIdOf, type CdpStore, type IncomingRecord } from '@cdp/plumbing';
import { REPO_ROOT } from '@cdp/infra/src/paths';
import { deleteTopics, prepareTopics, readUntil } from '@cdp/infra/src/testing/topics';
import { hashMac } from '../services/ingest/src/core/pii';

const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const prefix = `it-kgw-${run}.`;
const registryUrl = 'http://127.0.0.1:8081/apis/ccompat/v7';
const brokers = '127.0.0.1:9092';
const salt = `kafka-gateway-test-salt-${run}`;
const EXAMPLE = 'services/ingest/examples/kafka-gateway/produce.ts';
// What the example's access point reports, in clear: it must not reach Kafka in any spelling.
const CLIENT_MAC = 'DA:A1:19:5E:42:0B';

const codec = createAvroCodec({ url: registryUrl });
const storeSpecs = allTopics(prefix).filter((t) => t.name.startsWith(`${prefix}store.`) && !t.name.endsWith('.dlq'));
const topic = (name: string) => `${prefix}${name}`;

beforeAll(() => prepareTopics(storeSpecs), 120_000);
afterAll(() => deleteTopics(storeSpecs));

const exec = promisify(execFile);

/** The example as a child process from the repository root; never throws, gives the exit code. */
async function runExample(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const fullEnv = { ...process.env, KAFKA_BROKERS: brokers, SCHEMA_REGISTRY_URL: registryUrl, PII_HASH_SALT: salt, TOPIC_PREFIX: prefix, ...env };
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', EXAMPLE, ...args], { cwd: REPO_ROOT, env: fullEnv, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) };
  }
}

async function latestId(subject: string): Promise<number> {
  const res = await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}/versions/latest`);
  return ((await res.json()) as { id: number }).id;
}

test('one receipt, one people count and one Wi-Fi observation arrive decodable, keyed, with deterministic ids and a hashed MAC', async () => {
  const result = await runExample(['--store', 'ESP-2'], {});
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  const printed = result.stdout.trim().split('\n').map((line) => {
    const m = /^(\S+) {2}partition (\d+) {2}offset (\d+) {2}schema (\d+) \(v\d+\) {2}key (\S+) {2}event (\S+)$/.exec(line);
    expect({ line, parsed: m !== null }).toEqual({ line, parsed: true });
    return { topic: m![1]!, partition: Number(m![2]), offset: m![3]!, schemaId: Number(m![4]), key: m![5]!, eventId: m![6]! };
  });
  expect(printed.map((p) => p.topic)).toEqual([topic('store.pos-transactions.v1'), topic('store.people-counts.v1'), topic('store.wifi-observations.v1')]);

  const records = await readUntil(printed.map((p) => p.topic), (rs) => rs.length >= 3);
  expect(records).toHaveLength(3);
  const byTopic = new Map<string, { record: IncomingRecord; key: string; value: unknown }>();
  for (const record of records) {
    // Confluent wire format with the subject's latest id, as the example looked it up.
    expect(record.value![0]).toBe(0);
    expect(schemaIdOf(record.value!)).toBe(await latestId(`${record.topic}-value`));
    const value = (await codec.decode(record.value!)) as { envelope: CdpStore.PosTransaction['envelope'] };
    // What it printed is where the record is.
    expect(printed).toContainEqual({ topic: record.topic, partition: record.partition, offset: record.offset, schemaId: schemaIdOf(record.value!), key: record.key!.toString(), eventId: value.envelope.eventId });
    expect(value.envelope).toMatchObject({ source: 'store-esp-2', tenant: 'demo', schemaVersion: 1 });
    expect(value.envelope.receivedTime).toBeGreaterThanOrEqual(value.envelope.eventTime);
    byTopic.set(record.topic, { record, key: record.key!.toString(), value });
  }

  const pos = byTopic.get(topic('store.pos-transactions.v1'))!;
  const receipt = pos.value as CdpStore.PosTransaction;
  expect(pos.key).toBe('ESP-2/T01');
  expect(receipt).toMatchObject({ storeId: 'ESP-2', registerId: 'T01', kind: 'SALE', loyaltyCard: 'LC-1001', currency: 'EUR', totalMinor: 14580, paymentMethod: 'card' });
  expect(receipt.envelope.eventId).toBe(`pos:ESP-2:${receipt.receiptId}`);
  // 2 x 12.95 and 129.90 less 10.00, in cents.
  expect(receipt.lines).toEqual([
    { lineNumber: 1, sku: 'SKU-1001', quantity: 2, unitPriceMinor: 1295, discountMinor: 0, totalMinor: 2590 },
    { lineNumber: 2, sku: 'SKU-1002', quantity: 1, unitPriceMinor: 12990, discountMinor: 1000, totalMinor: 11990 },
  ]);

  const people = byTopic.get(topic('store.people-counts.v1'))!;
  const count = people.value as CdpStore.PeopleCount;
  expect(people.key).toBe('ESP-2/cam-door');
  expect(count).toMatchObject({ storeId: 'ESP-2', sensorId: 'cam-door', zoneId: 'entrance', kind: 'LINE_CROSSING', periodSeconds: 60, countIn: 7, countOut: 3, occupancy: null, queueLength: null });
  expect(count.envelope.eventTime % 60_000).toBe(0);
  expect(count.envelope.eventId).toBe(`people:ESP-2:cam-door:entrance:line_crossing:${count.envelope.eventTime}`);

  const wifi = byTopic.get(topic('store.wifi-observations.v1'))!;
  const seen = wifi.value as CdpStore.WifiObservation;
  const expectedHash = createHmac('sha256', salt).update(`mac:${CLIENT_MAC.toLowerCase().replace(/:/g, '')}`).digest('hex');
  // The gateway and ingest hash a MAC alike, so both paths link the same device.
  expect(hashMac(salt, CLIENT_MAC)).toBe(expectedHash);
  expect(seen).toMatchObject({ storeId: 'ESP-2', apMac: '00:18:0a:13:dd:b0', clientMacHash: expectedHash, randomizedMac: true, rssi: -58 });
  expect(wifi.key).toBe(`ESP-2/${expectedHash}`);
  expect(seen.envelope.eventId).toBe(`wifi:ESP-2:${expectedHash.slice(0, 16)}:00:18:0a:13:dd:b0:${seen.envelope.eventTime}`);
  // PII_HASH_SALT was honoured, not the development salt.
  expect(seen.clientMacHash).not.toBe(hashMac('local-development-salt-not-secret', CLIENT_MAC));

  const bytes = records.map((r) => `${r.key!.toString('latin1')} ${r.value!.toString('latin1')}`).join('\n').toLowerCase();
  const hex = CLIENT_MAC.toLowerCase().replace(/:/g, '');
  for (const spelling of [hex, CLIENT_MAC.toLowerCase(), CLIENT_MAC.toLowerCase().replace(/:/g, '-'), `${hex.slice(0, 4)}.${hex.slice(4, 8)}.${hex.slice(8)}`]) {
    expect({ spelling, found: bytes.includes(spelling) }).toEqual({ spelling, found: false });
  }
});

test('setup errors name the command that fixes them', async () => {
  const unregistered = await runExample([], { TOPIC_PREFIX: `it-kgw-none-${run}.` });
  expect(unregistered.code).toBe(1);
  expect(unregistered.stdout).toBe('');
  // The subjects are looked up together: whichever answers first is named.
  expect(unregistered.stderr).toMatch(new RegExp(`subject it-kgw-none-${run}\\.store\\.[a-z-]+\\.v1-value is not registered`));
  expect(unregistered.stderr).toContain('pnpm schemas:register');

  // A port nothing listens on: taken, then released.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  const noBroker = await runExample([], { KAFKA_BROKERS: `127.0.0.1:${port}` });
  expect(noBroker.code).toBe(1);
  expect(noBroker.stdout).toBe('');
  expect(noBroker.stderr).toContain(`cannot reach Kafka at 127.0.0.1:${port}`);
  expect(noBroker.stderr).toContain('pnpm stack:up');
});
