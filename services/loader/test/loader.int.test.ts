/**
 * The loader against the real Kafka and schema registry, on its own topic prefix: versions are
 * published whole (read back by read_committed readers with source, version and load time),
 * loading a file twice changes nothing, a new version tombstones what it lacks, a malformed file
 * and a load that fails half-way (in process, and a process killed -9 inside its transaction)
 * leave nothing visible, and partners upload over HTTP with keys scoped to their own segments,
 * hashed as ingest hashes them.
 */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAvroCodec, createKafkaClients, createLogger, createTelemetry, readKeyedTable, topicsWithPrefix, type CdpReference, type IncomingRecord, type TopicSpec } from '@cdp/plumbing';
import { REPO_ROOT } from '@cdp/infra/src/paths';
import { deleteTopics, prepareTopics } from '@cdp/infra/src/testing/topics';
import { hashEmail as ingestHashEmail } from '../../ingest/src/core/pii';
import { buildHttpApp } from '../src/adapters/http';
import { createLoader, type LoadRequest } from '../src/adapters/kafka-loader';
import { versionOf } from '../src/core/dataset';
import { DeliveryRefusedError } from '../src/core/errors';
import { keyHash, parseKeys } from '../src/core/keys';

const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const prefix = `it-loader-${run}.`;
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7';
const salt = `loader-it-salt-${run}`;
const topics = topicsWithPrefix(prefix);
const specs = [topics.products, topics.stores, topics.partnerSegments, topics.areaDemographics];

const logger = createLogger('loader-it', 'silent');
const clients = createKafkaClients({ brokers, clientId: 'loader-it', logger });
const codec = createAvroCodec({ url: registryUrl });
const loader = createLoader({ clients, codec, prefix, salt, logger });
const dir = mkdtempSync(join(tmpdir(), 'cdp-loader-it-'));

beforeAll(() => prepareTopics(specs), 120_000);
afterAll(async () => {
  await deleteTopics(specs);
  rmSync(dir, { recursive: true, force: true });
});

/** What a read_committed reader sees: the live table, and every record it was handed on the way. */
async function readBack<T>(topic: TopicSpec): Promise<{ live: Map<string, T>; records: IncomingRecord[] }> {
  const live = new Map<string, T>();
  const records: IncomingRecord[] = [];
  const reader = await readKeyedTable<T>(clients, codec, topic, {
    upsert: (key, value, record) => {
      live.set(key, value);
      records.push(record);
    },
    remove: (key, record) => {
      live.delete(key);
      records.push(record);
    },
  }, { follow: false });
  await reader.caughtUp;
  return { live, records };
}

async function endOffsets(topic: TopicSpec): Promise<Record<number, string>> {
  const admin = await clients.admin();
  try {
    return Object.fromEntries(await admin.endOffsets(topic.name));
  } finally {
    await admin.close();
  }
}

const catalogueCsv = (skus: string[], price = '10.00') => `sku,name,category,brand,price,currency,margin\n${skus.map((s) => `${s},Product ${s},Shoes > Running,Kuura,${price},EUR,0.4`).join('\n')}\n`;
const loadCatalogue = (text: string, extra: Partial<LoadRequest> = {}) =>
  loader.load({ dataset: 'catalogue', bytes: Buffer.from(text), format: 'csv', sourceName: 'pim.csv', tenant: 'demo', ...extra });
const skus = (n: number, tag = 'SKU') => Array.from({ length: n }, (_, i) => `${tag}-${String(i + 1).padStart(5, '0')}`);

describe('catalogue versions', () => {
  const v1 = catalogueCsv(skus(6));
  const v2 = catalogueCsv(skus(4), '12.00');

  it('publishes a version whole: a read_committed reader sees every record with its source, version and load time', async () => {
    const before = Date.now();
    const result = await loadCatalogue(v1);
    expect(result).toMatchObject({ dataset: 'catalogue', topic: topics.products.name, scope: 'demo', version: versionOf(Buffer.from(v1)), status: 'published', records: 6, upserts: 6, tombstones: 0 });
    const { live } = await readBack<CdpReference.Product>(topics.products);
    expect([...live.keys()].sort()).toEqual(skus(6).map((s) => `demo|${s}`));
    for (const p of live.values()) {
      expect(p).toMatchObject({ tenant: 'demo', sourceName: 'pim.csv', sourceVersion: versionOf(Buffer.from(v1)), loadedAt: result.loadedAt, categoryPath: ['Shoes', 'Running'], marginRate: 0.4, priceMinor: 1000 });
      expect(p.loadedAt).toBeGreaterThanOrEqual(before);
    }
  });

  it('publishes nothing when the same file is loaded again: the end offsets stay where they were', async () => {
    const ends = await endOffsets(topics.products);
    expect(await loadCatalogue(v1)).toMatchObject({ status: 'unchanged', records: 6, upserts: 0, tombstones: 0, unchanged: 6 });
    expect(await endOffsets(topics.products)).toEqual(ends);
  });

  it('tombstones the rows a new version lacks: the reader sees them gone and the rest at the new version', async () => {
    expect(await loadCatalogue(v2)).toMatchObject({ status: 'published', upserts: 4, tombstones: 2 });
    const { live, records } = await readBack<CdpReference.Product>(topics.products);
    expect([...live.keys()].sort()).toEqual(skus(4).map((s) => `demo|${s}`));
    expect([...live.values()].every((p) => p.sourceVersion === versionOf(Buffer.from(v2)) && p.priceMinor === 1200)).toBe(true);
    const tombstones = records.filter((r) => r.value === null).map((r) => r.key!.toString());
    expect(tombstones.sort()).toEqual(['demo|SKU-00005', 'demo|SKU-00006']);
  });

  it('refuses a malformed file whole, naming line, field and reason, and a reader sees nothing of it', async () => {
    const ends = await endOffsets(topics.products);
    const rows = skus(9, 'NEW').map((s, i) => (i === 4 ? `${s},Broken,Shoes,Kuura,cheap,EUR,0.4` : `${s},Product ${s},Shoes,Kuura,5.00,EUR,0.4`));
    const bad = `sku,name,category,brand,price,currency,margin\n${rows.join('\n')}\n`;
    const refused = await loadCatalogue(bad).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DeliveryRefusedError);
    expect((refused as DeliveryRefusedError).errors).toEqual([{ line: 6, field: 'price', reason: 'must be a price of at least 0 (digits, with a decimal point if any)' }]);
    expect(await endOffsets(topics.products)).toEqual(ends);
    const { live } = await readBack<CdpReference.Product>(topics.products);
    expect([...live.keys()].sort()).toEqual(skus(4).map((s) => `demo|${s}`));
  });

  it('leaves nothing visible when a load fails after part of its transaction was sent', async () => {
    const big = catalogueCsv(skus(12_000, 'BIG'));
    const progress: number[] = [];
    const failed = await loadCatalogue(big, {
      onProgress: (sent) => {
        progress.push(sent);
        throw new Error('injected failure between two sends');
      },
    }).catch((e: unknown) => e as Error);
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toMatch(/aborted/);
    expect(progress).toHaveLength(1);
    expect(progress[0]).toBeLessThan(12_000);
    // The aborted records and the abort marker are the last thing on the topic: the reader still ends.
    const { live, records } = await readBack<CdpReference.Product>(topics.products);
    expect([...live.keys()].sort()).toEqual(skus(4).map((s) => `demo|${s}`));
    expect(records.some((r) => r.key!.toString().includes('BIG-'))).toBe(false);
  });

  it('leaves nothing visible when the loading process is killed inside its transaction; the next load of the scope fences it', async () => {
    const file = join(dir, 'big-catalogue.csv');
    writeFileSync(file, catalogueCsv(skus(12_000, 'CRASH')));
    const transactionalId = `cdp-loader.${prefix}catalogue.demo`;
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/loader/src/cli.ts', 'catalogue', file, '--tenant', 'demo'], {
      cwd: REPO_ROOT,
      env: { ...process.env, TOPIC_PREFIX: prefix, PII_HASH_SALT: salt, KAFKA_BROKERS: brokers.join(','), SCHEMA_REGISTRY_URL: registryUrl, CDP_FAILPOINTS: `kafka.transaction.after-send@${transactionalId}=exit` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    expect({ exit, stderr }).toMatchObject({ exit: { signal: 'SIGKILL' } });
    const point = JSON.parse(stderr.split('\n').find((l) => l.includes('"failpoint"'))!) as { sent: number; total: number };
    expect(point.sent).toBeGreaterThan(0);
    expect(point.sent).toBeLessThan(point.total);

    // The killed load's transaction is still open: readers see the last committed version only.
    const during = await readBack<CdpReference.Product>(topics.products);
    expect([...during.live.keys()].sort()).toEqual(skus(4).map((s) => `demo|${s}`));

    const v3 = catalogueCsv(skus(3), '15.00');
    expect(await loadCatalogue(v3)).toMatchObject({ status: 'published', upserts: 3, tombstones: 1 });
    const after = await readBack<CdpReference.Product>(topics.products);
    expect([...after.live.keys()].sort()).toEqual(skus(3).map((s) => `demo|${s}`));
    expect(after.records.some((r) => r.key!.toString().includes('CRASH-'))).toBe(false);
  });
});

describe('a topic whose only content is an aborted transaction', () => {
  // kafkajs hands a fetch of nothing but aborted records and their marker to no batch handler:
  // the table reader must still see that it has read everything, or a loader would wait forever.
  const abortedPrefix = `${prefix.slice(0, -1)}-aborted.`;
  const products = topicsWithPrefix(abortedPrefix).products;
  const abortedLoader = createLoader({ clients, codec, prefix: abortedPrefix, salt, logger });
  beforeAll(() => prepareTopics([products]), 120_000);
  afterAll(() => deleteTopics([products]));

  it('is read to its end as empty, and the next load publishes into it', async () => {
    const failed = await abortedLoader
      .load({ dataset: 'catalogue', bytes: Buffer.from(catalogueCsv(skus(5))), format: 'csv', sourceName: 'pim.csv', tenant: 'demo', onProgress: () => Promise.reject(new Error('injected')) })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toMatch(/injected/);
    expect(Number((await endOffsets(products))[0])).toBeGreaterThan(5);
    expect((await readBack(products)).live.size).toBe(0);
    expect(await abortedLoader.load({ dataset: 'catalogue', bytes: Buffer.from(catalogueCsv(skus(2))), format: 'csv', sourceName: 'pim.csv', tenant: 'demo' })).toMatchObject({ status: 'published', upserts: 2, tombstones: 0 });
    expect([...(await readBack(products)).live.keys()].sort()).toEqual(skus(2).map((s) => `demo|${s}`));
  });
});

describe('stores and demographics', () => {
  it('loads the demo directory and demographics sample, once', async () => {
    const { readFileSync } = await import('node:fs');
    const storesBytes = readFileSync(join(REPO_ROOT, 'infra/data/stores.json'));
    const demoBytes = readFileSync(join(REPO_ROOT, 'infra/data/demographics.csv'));
    expect(await loader.load({ dataset: 'stores', bytes: storesBytes, format: 'json', sourceName: 'stores.json', tenant: 'demo' })).toMatchObject({ status: 'published', records: 3 });
    expect(await loader.load({ dataset: 'demographics', bytes: demoBytes, format: 'csv', sourceName: 'demographics.csv', tenant: 'demo' })).toMatchObject({ status: 'published', scope: 'FI', records: 30 });
    expect(await loader.load({ dataset: 'demographics', bytes: demoBytes, format: 'csv', sourceName: 'demographics.csv', tenant: 'other' })).toMatchObject({ status: 'unchanged' });
    const { live } = await readBack<CdpReference.Store>(topics.stores);
    expect(live.get('demo|HEL-1')).toMatchObject({ timeZone: 'Europe/Helsinki', beacons: expect.arrayContaining([{ uuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', major: 1, minor: 7, zoneId: 'checkout' }]) });
  });
});

describe('partner uploads over HTTP', () => {
  const keys = parseKeys(
    {
      keys: [
        { name: 'ops', sha256: keyHash(`ops-${run}`), tenant: 'demo', datasets: ['catalogue', 'stores', 'segments', 'demographics'] },
        { name: 'nordic-loyalty', sha256: keyHash(`partner-${run}`), tenant: 'demo', datasets: ['segments'], partner: 'nordic-loyalty' },
      ],
    },
    'keys.json',
  );
  const app = buildHttpApp({ loader, keys, logger, registry: createTelemetry('loader-it').registry, maxBodyBytes: 1024 * 1024 });
  let url = '';
  beforeAll(async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => app.close());

  const upload = (dataset: string, key: string | undefined, body: string, query = '') =>
    fetch(`${url}/v1/datasets/${dataset}${query}`, { method: 'PUT', headers: { 'content-type': 'text/csv', ...(key ? { authorization: `Bearer ${key}` } : {}) }, body });
  const emails = ['Anna.Virtanen@Example.com', 'mikko.korhonen@example.com', 'liisa.nieminen@example.com'];
  const phone = '+358 40 123 4567';
  const partnerFile = `email,phone,segment\n${emails[0]},,outdoor\n${emails[0]},,high-value\n${emails[1]},,runner\n${emails[2]},${phone},family\n`;

  it('refuses an upload without a key (401) and a partner key writing the catalogue (403), publishing nothing', async () => {
    const ends = await endOffsets(topics.products);
    const none = await upload('catalogue', undefined, catalogueCsv(['X']));
    expect([none.status, (await none.json()).code]).toEqual([401, 'ERR_LOADER_UNAUTHORIZED']);
    const wrong = await upload('catalogue', `partner-${run}`, catalogueCsv(['X']));
    expect([wrong.status, (await wrong.json()).code]).toEqual([403, 'ERR_LOADER_FORBIDDEN']);
    expect(await endOffsets(topics.products)).toEqual(ends);
  });

  it("takes a partner's segments: identifiers hashed exactly as ingest hashes them, no clear e-mail or phone in any published byte", async () => {
    const res = await upload('segments', `partner-${run}`, partnerFile);
    const body = await res.json();
    expect([res.status, body]).toEqual([200, expect.objectContaining({ success: true, status: 'published', scope: 'demo.nordic-loyalty', records: 4, upserts: 4, sourceName: 'upload:nordic-loyalty', version: versionOf(Buffer.from(partnerFile)) })]);
    const { live, records } = await readBack<CdpReference.PartnerSegmentMembership>(topics.partnerSegments);
    const anna = createHmac('sha256', salt).update(`email:${emails[0]!.trim().toLowerCase()}`).digest('hex');
    expect(anna).toBe(ingestHashEmail(salt, emails[0]!));
    expect(live.get(`demo|nordic-loyalty|email_hash|${anna}`)).toMatchObject({ partner: 'nordic-loyalty', identifier: { type: 'email_hash', value: anna }, segments: ['high-value', 'outdoor'], sourceName: 'upload:nordic-loyalty' });
    expect([...live.values()].map((m) => m.identifier.type).sort()).toEqual(['email_hash', 'email_hash', 'email_hash', 'phone_hash']);
    const published = Buffer.concat(records.flatMap((r) => [r.key ?? Buffer.alloc(0), r.value ?? Buffer.alloc(0)])).toString('latin1').toLowerCase();
    for (const clear of [...emails.map((e) => e.toLowerCase()), ...emails.map((e) => e.split('@')[0]!.toLowerCase()), '401234567', '123 4567']) expect(published).not.toContain(clear);
  });

  it("does not tombstone one partner's rows when another partner uploads, and a partner's new version replaces only its own", async () => {
    const other = await upload('segments', `ops-${run}`, 'email,segment\nanna.virtanen@example.com,skier\nsomeone@example.com,skier\n', '?partner=acme-data');
    expect([other.status, (await other.json()).tombstones]).toEqual([200, 0]);
    let { live } = await readBack<CdpReference.PartnerSegmentMembership>(topics.partnerSegments);
    expect([...live.values()].map((m) => m.partner).sort()).toEqual(['acme-data', 'acme-data', 'nordic-loyalty', 'nordic-loyalty', 'nordic-loyalty', 'nordic-loyalty']);

    const smaller = await upload('segments', `partner-${run}`, `email,segment\n${emails[1]},runner\n`);
    expect([smaller.status, await smaller.json()]).toEqual([200, expect.objectContaining({ upserts: 1, tombstones: 3 })]);
    ({ live } = await readBack<CdpReference.PartnerSegmentMembership>(topics.partnerSegments));
    expect([...live.values()].map((m) => `${m.partner}:${m.segments.join('+')}`).sort()).toEqual(['acme-data:skier', 'acme-data:skier', 'nordic-loyalty:runner']);
  });

  it('answers a malformed upload 400 with every error, naming no value, and publishes nothing', async () => {
    const ends = await endOffsets(topics.partnerSegments);
    const res = await upload('segments', `partner-${run}`, `email,segment\n${emails[1]},runner\nnot-an-e-mail,runner\n${emails[2]},\n`);
    const body = await res.json();
    expect([res.status, body]).toEqual([400, { success: false, code: 'ERR_LOADER_INVALID', reason: 'the delivery is refused whole, nothing was loaded: 2 errors', errorCount: 2, errors: [{ line: 3, field: 'email', reason: 'is not an e-mail address (name@domain.tld)' }, { line: 4, field: 'segment', reason: 'is required' }] }]);
    expect(JSON.stringify(body)).not.toContain('not-an-e-mail');
    expect(await endOffsets(topics.partnerSegments)).toEqual(ends);
  });
});
