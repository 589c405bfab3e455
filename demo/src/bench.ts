/**
 * `pnpm bench`: simulated traffic through ingest at full speed for a fixed time, through all four
 * services (started here on their own topics and database), then the raw Kafka -> ClickHouse path
 * of `pnpm bench:raw` on the same number of events. Prints accepted and landed events/s,
 * freshness (accepted by ingest -> written to ClickHouse) p50/p99, and the ratio to the raw path.
 *
 *   pnpm bench [--seconds 30] [--concurrency 16] [--batch 200] [--rate EVENTS_PER_SECOND]
 *
 * Without --rate the load is as fast as ingest answers (throughput); with it, a steady rate
 * below capacity (freshness under a sustainable load).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { allTopics, createClickHouse, createKafkaClients, createLogger } from '@cdp/plumbing';
import { formatRawPath, runRawPath } from '@cdp/bench/src/raw-path';
import { REPO_ROOT } from '@cdp/infra/src/paths';
import { loadDatasetFile } from '@cdp/loader';
import { prepareTopics } from '@cdp/infra/src/testing/topics';
import { states } from '@cdp/infra/src/stack/stack';
import { createTestPipeline } from '@cdp/infra/src/testing/pipeline';

const say = (line: string) => process.stdout.write(`${line}\n`);
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
];

/** One Segment event as a web client sends it; every 25th links a login to the browser. */
function segmentEvent(run: string, i: number, now: string) {
  const anonymousId = `b-${run}-${i % 25_000}`;
  const base = { anonymousId, messageId: `${run}-${i}`, timestamp: now, context: { userAgent: UAS[i % 2], ip: '10.1.2.3', page: { path: '/c/shoes' } } };
  if (i % 25 === 0) return { ...base, type: 'identify', userId: `u-${run}-${i % 10_000}`, traits: { loyaltyCard: `LC-${run}-${i % 10_000}` } };
  if (i % 3 === 0) return { ...base, type: 'page', name: 'Shoes', properties: { path: '/c/shoes' } };
  return { ...base, type: 'track', event: 'Product Viewed', properties: { sku: `SKU-${1001 + (i % 40)}`, price: 129.9, currency: 'EUR' } };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '30' }, concurrency: { type: 'string', default: '16' }, batch: { type: 'string', default: '200' }, rate: { type: 'string' } } });
  const seconds = Number(values.seconds);
  const concurrency = Number(values.concurrency);
  const batchSize = Number(values.batch);
  const rate = values.rate === undefined ? undefined : Number(values.rate);
  for (const [name, v] of Object.entries({ seconds, concurrency, batch: batchSize, rate: rate ?? 1 })) {
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  }
  const down = (await states()).filter((s) => s.health !== 'healthy');
  if (down.length) throw new Error(`the stack is not up (${down.map((s) => s.name).join(', ')}): run \`pnpm stack:up\` first`);

  const run = `bench${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const prefix = `${run}.`;
  const database = run;
  const clients = createKafkaClients({ brokers: ['127.0.0.1:9092'], clientId: 'bench', logger: createLogger('bench', 'silent') });
  const admin = await clients.admin();
  await prepareTopics(allTopics(prefix));
  await loadDatasetFile('catalogue', join(REPO_ROOT, 'infra', 'data', 'catalogue.csv'), { prefix });
  const pipeline = await createTestPipeline({ prefix, database, groupSuffix: run });
  const ch = createClickHouse({ url: 'http://127.0.0.1:8123', database });
  try {
    for (const name of ['aggregation', 'enrichment', 'identity', 'ingest'] as const) await pipeline.start(name);
    say(`bench: ${seconds} s of Segment batches (${batchSize} events, ${concurrency} requests in flight${rate ? `, paced at ${rate} events/s` : ', full speed'}) through ingest -> identity -> enrichment -> aggregation`);

    const auth = `Basic ${Buffer.from('local-web:').toString('base64')}`;
    // Warm-up: consumer groups join and code gets compiled before the clock starts; these events
    // (ids "<run>-warmup-...") are left out of every figure.
    const warmNow = new Date().toISOString();
    const warm = Array.from({ length: 200 }, (_, i) => ({ ...segmentEvent(`${run}-warmup`, i, warmNow) }));
    const warmRes = await fetch(`${pipeline.ingestUrl}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify({ batch: warm, sentAt: warmNow }) });
    if (!warmRes.ok) throw new Error(`warm-up batch refused: ${warmRes.status} ${await warmRes.text()}`);
    const warmedBy = Date.now() + 120_000;
    while (Number((await ch.query<{ n: number }>('SELECT count() AS n FROM events_raw'))[0]?.n ?? 0) < warm.length) {
      if (Date.now() > warmedBy) throw new Error('the warm-up events did not land within 120 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    let next = 0;
    let accepted = 0;
    let refused = 0;
    const started = Date.now();
    const stopAt = started + seconds * 1000;
    const worker = async () => {
      while (Date.now() < stopAt) {
        if (rate) {
          const due = started + (next / rate) * 1000;
          if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        }
        const now = new Date().toISOString();
        const batch = Array.from({ length: batchSize }, () => segmentEvent(run, next++, now));
        const res = await fetch(`${pipeline.ingestUrl}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify({ batch, sentAt: now }) });
        await res.arrayBuffer();
        if (res.ok) accepted += batchSize;
        else refused += batchSize;
      }
    };
    const progress = setInterval(() => process.stdout.isTTY && process.stdout.write(`\r  accepted ${accepted.toLocaleString('en')} events...`), 1000);
    await Promise.all(Array.from({ length: concurrency }, worker));
    clearInterval(progress);
    const sendSeconds = (Date.now() - started) / 1000;
    if (process.stdout.isTTY) process.stdout.write('\n');

    let landed = 0;
    const deadline = Date.now() + 600_000;
    while (Date.now() < deadline) {
      // count() is answered from part metadata; the exact distinct count runs once it can be complete.
      const rows = Number((await ch.query<{ n: number }>('SELECT count() AS n FROM events_raw'))[0]?.n ?? 0) - warm.length;
      landed = rows >= accepted ? Number((await ch.query<{ n: number }>("SELECT uniqExact(event_id) AS n FROM events_raw WHERE NOT startsWith(event_id, {w:String})", { w: `${run}-warmup` }))[0]?.n ?? 0) : rows;
      if (landed >= accepted) break;
      if (process.stdout.isTTY) process.stdout.write(`\r  landed ${landed.toLocaleString('en')} / ${accepted.toLocaleString('en')}...`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const landSeconds = (Date.now() - started) / 1000;
    if (process.stdout.isTTY) process.stdout.write('\n');
    const [fresh] = await ch.query<{ p50: number; p99: number; max: number }>(
      "SELECT quantileExact(0.5)(d) AS p50, quantileExact(0.99)(d) AS p99, max(d) AS max FROM (SELECT dateDiff('millisecond', received_time, ingested_at) AS d FROM events_raw FINAL WHERE NOT startsWith(event_id, {w:String}))",
      { w: `${run}-warmup` },
    );
    await pipeline.stopAll();

    say(`pipeline: ${accepted.toLocaleString('en')} events accepted (${refused} refused) in ${sendSeconds.toFixed(1)} s, ${landed.toLocaleString('en')} landed by ${landSeconds.toFixed(1)} s`);
    const acceptedRate = accepted / sendSeconds;
    const landedRate = landed / landSeconds;
    say(`  accepted by ingest:   ${Math.round(acceptedRate).toLocaleString('en')} events/s (2xx only after Kafka acked)`);
    say(`  landed in ClickHouse: ${Math.round(landedRate).toLocaleString('en')} events/s (first request to last row visible)`);
    say(`  freshness (accepted -> written to ClickHouse): p50 ${fresh!.p50} ms, p99 ${fresh!.p99} ms, max ${fresh!.max} ms`);

    say(`\nraw path on the same number of events (${accepted.toLocaleString('en')}), services stopped:`);
    const raw = await runRawPath({ records: Math.max(1, accepted) });
    say(formatRawPath(raw));
    say(`\nratio landed / raw whole: ${(landedRate / raw.wholePerSecond).toFixed(2)}`);
  } finally {
    await pipeline.stopAll();
    await ch.command('DROP DATABASE IF EXISTS {db:Identifier}', { db: database }).catch(() => undefined);
    await ch.close();
    await admin.deleteTopics(allTopics(prefix).map((t) => t.name)).catch(() => undefined);
    await admin.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
