/**
 * `pnpm bench:raw`: the ceiling every pipeline benchmark is compared with. One Node process
 * produces N synthetic Segment events (Avro through the registry, about 300 bytes each) to a
 * fresh Kafka topic, then copies them into a ClickHouse table with no processing beyond decoding,
 * committing offsets after each insert. Prints records/s for each half and for the whole.
 *
 *   pnpm bench:raw [--records 500000] [--partitions 4] [--keep]
 */
import { parseArgs } from 'node:util';
import {
  createAvroCodec,
  createClickHouse,
  createKafkaClients,
  createLogger,
  loadSchemaCatalog,
  migrate,
  parseMigration,
  toDateTime64,
  valueSubjectOf,
  type CdpWeb,
} from '@cdp/plumbing';

const ENDPOINTS = {
  brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  registry: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
  clickhouse: process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123',
};
const BENCH_DB = 'cdp_bench';

export interface RawPathResult {
  records: number;
  avgRecordBytes: number;
  produceSeconds: number;
  copySeconds: number;
  producePerSecond: number;
  copyPerSecond: number;
  wholePerSecond: number;
}

const PAGES = ['/', '/c/shoes', '/c/outdoor', '/p/SKU-1001', '/p/SKU-2002', '/cart', '/checkout'];
const EVENTS = ['Product Viewed', 'Product Added', 'Products Searched', 'Checkout Started', 'Order Completed'];

/** A realistic web event; i makes ids and times unique. */
export function syntheticEvent(i: number, now: number): CdpWeb.SegmentEvent {
  const track = i % 3 !== 0;
  const path = PAGES[i % PAGES.length]!;
  return {
    envelope: { eventId: `ajs-next-${now}-${i.toString(16).padStart(8, '0')}`, eventTime: now + i, receivedTime: now + i + 40, source: 'web', tenant: 'bench', schemaVersion: 1 },
    type: track ? 'TRACK' : 'PAGE',
    channel: 'WEB',
    anonymousId: `a-${(i % 50_000).toString(36)}-4d2e-9f`,
    userId: i % 4 === 0 ? `u-${i % 20_000}` : null,
    event: track ? EVENTS[i % EVENTS.length]! : null,
    name: track ? null : 'Catalogue',
    category: null,
    previousId: null,
    groupId: null,
    properties: track ? `{"sku":"SKU-${1000 + (i % 500)}","price":${(i % 90) + 9.9},"currency":"EUR"}` : null,
    traits: null,
    integrations: null,
    sentAt: now + i + 20,
    originalTimestamp: now + i,
    context: {
      ip: `10.0.${i % 255}.${(i >> 8) % 255}`,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0 Safari/537.36',
      locale: 'fi-FI', timezone: 'Europe/Helsinki', libraryName: 'analytics.js', libraryVersion: '1.84.0',
      pageUrl: null, pagePath: path, pageReferrer: null, pageTitle: 'Shop', pageSearch: null,
      campaignName: null, campaignSource: null, campaignMedium: null, campaignTerm: null, campaignContent: null,
      appName: null, appVersion: null, deviceId: null, deviceType: null, osName: null, osVersion: null, consent: null, extra: null,
    },
  };
}

const TABLE_SQL = `CREATE TABLE IF NOT EXISTS raw_events (
  event_id String, event_time DateTime64(3, 'UTC'), received_time DateTime64(3, 'UTC'), source LowCardinality(String),
  tenant LowCardinality(String), type LowCardinality(String), anonymous_id Nullable(String), user_id Nullable(String),
  event Nullable(String), name Nullable(String), properties Nullable(String), ip Nullable(String), user_agent Nullable(String),
  page_path Nullable(String), page_url Nullable(String)
) ENGINE = MergeTree ORDER BY (tenant, event_time, event_id);`;

const COLUMNS = ['event_id', 'event_time', 'received_time', 'source', 'tenant', 'type', 'anonymous_id', 'user_id', 'event', 'name', 'properties', 'ip', 'user_agent', 'page_path', 'page_url'];

const toRow = (e: CdpWeb.SegmentEvent) => [
  e.envelope.eventId, toDateTime64(e.envelope.eventTime), toDateTime64(e.envelope.receivedTime), e.envelope.source, e.envelope.tenant, e.type,
  e.anonymousId, e.userId, e.event, e.name, e.properties, e.context.ip, e.context.userAgent, e.context.pagePath, e.context.pageUrl,
];

function progress(label: string, done: number, total: number, started: number): void {
  if (!process.stdout.isTTY) return;
  const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
  process.stdout.write(`\r  ${label}: ${done.toLocaleString('en')} / ${total.toLocaleString('en')}  (${Math.round(rate).toLocaleString('en')} rec/s)   `);
}

export async function runRawPath({ records, partitions = 4, keep = false, log = (l: string) => console.log(l) }: { records: number; partitions?: number; keep?: boolean; log?: (line: string) => void }): Promise<RawPathResult> {
  const logger = createLogger('bench-raw', 'error');
  const run = `${Date.now().toString(36)}`;
  const topic = `bench.raw-events-${run}.v1`;
  const table = `raw_events`;
  const clients = createKafkaClients({ brokers: ENDPOINTS.brokers, clientId: 'bench-raw', logger });
  const codec = createAvroCodec({ url: ENDPOINTS.registry });
  const admin = await clients.admin();
  await admin.createTopics([{ name: topic, partitions, cleanupPolicy: 'delete', valueType: 'cdp.web.SegmentEvent', key: 'anonymousId', doc: 'bench' }]);
  const schemaId = await codec.register(valueSubjectOf(topic), loadSchemaCatalog().resolve('cdp.web.SegmentEvent'));
  const database = `${BENCH_DB}_${run}`;
  await migrate({ url: ENDPOINTS.clickhouse, database }, [parseMigration('0001_raw_events.sql', TABLE_SQL)]);
  const ch = createClickHouse({ url: ENDPOINTS.clickhouse, database });

  // Produce half: encode and send, acks=all, idempotent, as a service would.
  const now = Date.now();
  const producer = await clients.producer();
  const batchSize = 10_000;
  let bytes = 0;
  const produceStart = Date.now();
  // Encoding the next batch overlaps with the broker acknowledging the previous one.
  let inFlight: Promise<void> = Promise.resolve();
  for (let from = 0; from < records; from += batchSize) {
    const batch = [];
    for (let i = from; i < Math.min(records, from + batchSize); i++) {
      const e = syntheticEvent(i, now);
      const value = codec.encode(schemaId, e);
      bytes += value.length;
      batch.push({ key: e.anonymousId, value });
    }
    await inFlight;
    progress('produce', from, records, produceStart);
    inFlight = producer.send(topic, batch);
  }
  await inFlight;
  progress('produce', records, records, produceStart);
  const produceSeconds = (Date.now() - produceStart) / 1000;
  await producer.close();
  if (process.stdout.isTTY) process.stdout.write('\n');

  // Copy half: consume, decode, insert, commit after ClickHouse accepted the batch.
  const copyStart = Date.now();
  let copied = 0;
  const consumer = await clients.consumer({ groupId: `bench-raw-${run}`, topics: [topic], maxBytesPerPartition: 8 * 1024 * 1024 });
  const done = new Promise<void>((resolve, reject) => {
    consumer
      .run(async (batch) => {
        const rows = batch.records.map((r) => toRow(codec.decodeCached<CdpWeb.SegmentEvent>(r.value!) as CdpWeb.SegmentEvent));
        await ch.insert(table, rows, { format: 'JSONCompactEachRow', columns: COLUMNS, dedupToken: `${batch.topic}-${batch.partition}-${batch.records[0]!.offset}` });
        copied += rows.length;
        progress('copy   ', copied, records, copyStart);
        if (copied >= records) resolve();
      })
      .catch(reject);
  });
  await done;
  const copySeconds = (Date.now() - copyStart) / 1000;
  await consumer.close();
  if (process.stdout.isTTY) process.stdout.write('\n');

  const [landed] = await ch.query<{ n: number }>('SELECT count() AS n FROM raw_events');
  if (landed?.n !== records) throw new Error(`expected ${records} rows in ClickHouse, found ${landed?.n}`);

  if (!keep) {
    await admin.deleteTopics([topic]);
    await ch.command('DROP DATABASE IF EXISTS {db:Identifier}', { db: database });
  } else {
    log(`kept topic ${topic} and database ${database}`);
  }
  await admin.close();
  await ch.close();

  return {
    records,
    avgRecordBytes: bytes / records,
    produceSeconds,
    copySeconds,
    producePerSecond: records / produceSeconds,
    copyPerSecond: records / copySeconds,
    wholePerSecond: records / (produceSeconds + copySeconds),
  };
}

export function formatRawPath(r: RawPathResult): string {
  const n = (x: number) => Math.round(x).toLocaleString('en');
  return [
    `raw path: ${n(r.records)} records, ${r.avgRecordBytes.toFixed(0)} bytes of Avro each`,
    `  produce (encode + send, acks=all, idempotent): ${n(r.producePerSecond)} records/s  (${r.produceSeconds.toFixed(2)} s)`,
    `  copy    (consume + decode + insert + commit):  ${n(r.copyPerSecond)} records/s  (${r.copySeconds.toFixed(2)} s)`,
    `  whole   (both halves, one after the other):     ${n(r.wholePerSecond)} records/s  (${(r.produceSeconds + r.copySeconds).toFixed(2)} s)`,
  ].join('\n');
}

if (require.main === module) {
  const { values } = parseArgs({ options: { records: { type: 'string', default: '500000' }, partitions: { type: 'string', default: '4' }, keep: { type: 'boolean', default: false } } });
  const records = Number(values.records);
  const partitions = Number(values.partitions);
  if (!Number.isInteger(records) || records < 1) {
    console.error(`--records must be a positive whole number, got ${values.records}`);
    process.exit(2);
  }
  if (!Number.isInteger(partitions) || partitions < 1) {
    console.error(`--partitions must be a positive whole number, got ${values.partitions}`);
    process.exit(2);
  }
  console.log(`bench:raw: ${records.toLocaleString('en')} records through Kafka (${partitions} partitions) into ClickHouse, one Node process`);
  runRawPath({ records, partitions, keep: values.keep }).then(
    (r) => {
      console.log(formatRawPath(r));
      process.exit(0);
    },
    (error: unknown) => {
      console.error(`bench:raw failed: ${(error as Error).message}\n(is the stack up? \`pnpm stack:up\`)`);
      process.exit(1);
    },
  );
}
