/**
 * `pnpm bench:ingest`: how fast ingest alone takes Segment batches over HTTP. autocannon drives
 * POST /v1/batch on an ingest started here on its own topic prefix; ingest answers 2xx only after
 * Kafka acknowledged the events, so accepted events/s is a rate into Kafka, and the run checks
 * that the topic holds at least every accepted event. Nothing consumes the topics.
 *
 *   pnpm bench:ingest [--seconds 20] [--connections 16] [--batch 100] [--gzip] [--pool BODIES]
 *
 * Request bodies are built before the clock starts (a pool of distinct bodies that the connections
 * take in turn), so the load generator spends its CPU on sending, not on making JSON.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import { allTopics, createKafkaClients, createLogger, deadLetterTopicOf, topicsWithPrefix, type TopicAdmin } from '@cdp/plumbing';
// Relative imports: @cdp/bench does not list @cdp/infra as a dependency (demo/ does).
import { states } from '../../infra/src/stack/stack';
import { createTestPipeline, type TestPipeline } from '../../infra/src/testing/pipeline';
import { prepareTopics } from '../../infra/src/testing/topics';
import { describeMachine, mulberry32, shortMachine } from './common';

const say = (line: string) => process.stdout.write(`${line}\n`);
const n = (x: number) => Math.round(x).toLocaleString('en');
const WARM_UP_SECONDS = 3;
const WRITE_KEY = 'local-web';

// ---------------------------------------------------------------------------------------------
// Synthetic but realistic Segment traffic: a web shop's browsers relayed by a server library.


const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (Linux; Android 15; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0',
];
const LOCALES = ['fi-FI', 'fi-FI', 'sv-FI', 'en-US', 'en-GB'];
const REFERRERS = ['', '', 'https://www.google.com/', 'https://www.instagram.com/', 'https://duckduckgo.com/', 'https://www.facebook.com/'];
const CAMPAIGNS = [
  { name: 'winter-sale', source: 'google', medium: 'cpc', term: 'trail running shoes' },
  { name: 'newsletter-48', source: 'newsletter', medium: 'email', content: 'hero-banner' },
  { name: 'black-friday', source: 'instagram', medium: 'social' },
  { name: 'brand', source: 'bing', medium: 'cpc', term: 'outdoor store helsinki' },
];
const CATEGORIES = ['Shoes', 'Outdoor', 'Jackets', 'Backpacks', 'Accessories'];
const BRANDS = ['Halti', 'Reima', 'Icebug', 'Sasta', 'Luhta'];
const PRODUCTS = Array.from({ length: 60 }, (_, i) => ({
  product_id: `SKU-${1001 + i}`,
  sku: `SKU-${1001 + i}`,
  name: `${BRANDS[i % BRANDS.length]} ${['Trail', 'Urban', 'Arctic', 'Summit'][i % 4]} ${CATEGORIES[i % CATEGORIES.length]!.replace(/s$/, '')} ${i + 1}`,
  category: CATEGORIES[i % CATEGORIES.length]!,
  brand: BRANDS[i % BRANDS.length]!,
  price: Math.round((19.9 + ((i * 37) % 280)) * 100) / 100,
}));
const FIRST_NAMES = ['Aino', 'Eero', 'Helmi', 'Väinö', 'Ella', 'Onni', 'Sofia', 'Leo', 'Linnea', 'Elias'];
const LAST_NAMES = ['Korhonen', 'Virtanen', 'Mäkinen', 'Nieminen', 'Lindqvist', 'Heikkinen', 'Koskinen', 'Järvinen'];

interface Visitor {
  anonymousId: string;
  userId: string | undefined;
  userAgent: string;
  locale: string;
  ip: string;
}

function visitors(rng: () => number, count: number): Visitor[] {
  const hex = (digits: number) => Array.from({ length: digits }, () => Math.floor(rng() * 16).toString(16)).join('');
  return Array.from({ length: count }, (_, v) => ({
    anonymousId: `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
    // About a third of the browsers belong to a logged-in customer.
    userId: v % 3 === 0 ? `cust-${100_000 + v}` : undefined,
    userAgent: USER_AGENTS[v % USER_AGENTS.length]!,
    locale: LOCALES[v % LOCALES.length]!,
    ip: `${[84, 91, 193, 62][v % 4]}.${(v >> 8) % 256}.${v % 256}.${(v * 7) % 250}`,
  }));
}

/** Stand-in for the pass number in every messageId; see stampPass. */
const PASS_MARK = '@@@@';

/** One event of the mix: about 60 % track, 30 % page, 10 % identify. */
function segmentEvent(rng: () => number, pool: Visitor[], messageId: string, timestamp: string): Record<string, unknown> {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;
  const visitor = pick(pool);
  const product = pick(PRODUCTS);
  const [path, title] = pick<[string, string]>([
    ['/', 'Outdoor & running | Shop'],
    [`/c/${product.category.toLowerCase()}`, `${product.category} | Shop`],
    [`/p/${product.sku.toLowerCase()}`, `${product.name} | Shop`],
    ['/search', 'Search | Shop'],
    ['/cart', 'Cart | Shop'],
    ['/checkout', 'Checkout | Shop'],
  ]);
  const search = path === '/search' ? `?q=${pick(['kengät', 'jacket', 'reppu', 'gore-tex'])}` : '';
  const url = `https://shop.example.fi${path}${search}`;
  const campaign = rng() < 0.2 ? pick(CAMPAIGNS) : undefined;
  const context = {
    library: { name: 'analytics.js', version: 'npm:next-1.84.0' },
    page: { path, referrer: pick(REFERRERS), search, title, url },
    userAgent: visitor.userAgent,
    locale: visitor.locale,
    timezone: 'Europe/Helsinki',
    ip: visitor.ip,
    ...(campaign ? { campaign } : {}),
  };
  const base = { messageId, anonymousId: visitor.anonymousId, ...(visitor.userId ? { userId: visitor.userId } : {}), timestamp, context, integrations: {} };
  const roll = rng();
  if (roll < 0.1) {
    const userId = visitor.userId ?? `cust-${Math.floor(rng() * 1_000_000)}`;
    const first = pick(FIRST_NAMES);
    const last = pick(LAST_NAMES);
    return {
      ...base,
      type: 'identify',
      userId,
      traits: { email: `${first}.${last}.${userId}@example.fi`.toLowerCase(), firstName: first, lastName: last, loyaltyTier: pick(['bronze', 'silver', 'gold']), marketingOptIn: rng() < 0.6 },
    };
  }
  if (roll < 0.4) return { ...base, type: 'page', name: title.split(' | ')[0], category: path.split('/')[1] || 'home', properties: { path, referrer: context.page.referrer, search, title, url } };
  const quantity = 1 + Math.floor(rng() * 3);
  const [event, properties] = pick<[string, Record<string, unknown>]>([
    ['Product Viewed', { ...product, currency: 'EUR', url }],
    ['Product Viewed', { ...product, currency: 'EUR', url }],
    ['Product Added', { ...product, currency: 'EUR', quantity, cart_id: `cart-${visitor.anonymousId.slice(0, 8)}` }],
    ['Products Searched', { query: search.slice(3) || pick(['kengät', 'jacket']) }],
    ['Product List Viewed', { list_id: product.category.toLowerCase(), category: product.category, products: PRODUCTS.filter((p) => p.category === product.category).slice(0, 4).map((p, position) => ({ product_id: p.product_id, price: p.price, position })) }],
    ['Checkout Started', { order_id: `o-${Math.floor(rng() * 1e9)}`, value: product.price * quantity, currency: 'EUR', products: [{ product_id: product.product_id, sku: product.sku, price: product.price, quantity }] }],
    ['Order Completed', { order_id: `o-${Math.floor(rng() * 1e9)}`, total: product.price * quantity, revenue: Math.round(product.price * quantity * 80.6) / 100, tax: Math.round(product.price * quantity * 19.4) / 100, shipping: 4.9, currency: 'EUR', products: [{ product_id: product.product_id, sku: product.sku, name: product.name, price: product.price, quantity }] }],
  ]);
  return { ...base, type: 'track', event, properties };
}

interface PooledBody {
  /** The bytes sent: the JSON, or its gzip. */
  wire: Buffer;
  /** Length of the JSON before compression. */
  jsonBytes: number;
  /** Byte offsets of PASS_MARK in the JSON (plain bodies only). */
  marks: number[];
  /** The pass number currently written at the marks. */
  stamped: string;
}

function buildPool({ size, batch, gzip, runTag, seed = 20_251_130 }: { size: number; batch: number; gzip: boolean; runTag: string; seed?: number }): PooledBody[] {
  const rng = mulberry32(seed);
  const people = visitors(rng, 20_000);
  const start = Date.now();
  return Array.from({ length: size }, (_, b) => {
    const sentAtMs = start + b * 10;
    const events = Array.from({ length: batch }, (_, i) =>
      segmentEvent(rng, people, `ajs-next-${runTag}-${b.toString(36)}-${i.toString(36)}-${PASS_MARK}`, new Date(sentAtMs - Math.floor(rng() * 5000)).toISOString()),
    );
    const json = Buffer.from(JSON.stringify({ batch: events, sentAt: new Date(sentAtMs).toISOString() }));
    const marks: number[] = [];
    for (let at = json.indexOf(`-${PASS_MARK}"`); at >= 0; at = json.indexOf(`-${PASS_MARK}"`, at + 1)) marks.push(at + 1);
    if (marks.length !== batch) throw new Error(`body ${b}: found ${marks.length} pass marks for ${batch} events`);
    const body: PooledBody = { wire: json, jsonBytes: json.length, marks, stamped: PASS_MARK };
    stampPass(body, 0);
    // A gzip body is compressed once, here: compressing per request would take the CPU ingest needs.
    if (gzip) return { ...body, wire: gzipSync(json), marks: [] };
    return body;
  });
}

/**
 * Writes the pass number over the pool into each messageId of a plain body, so ids stay unique
 * however often the pool comes round. In place is safe: autocannon copies the body into the
 * request buffer as soon as setupRequest returns.
 */
function stampPass(body: PooledBody, pass: number): void {
  const token = pass.toString(36).padStart(PASS_MARK.length, '0').slice(-PASS_MARK.length);
  if (body.stamped === token) return;
  for (const at of body.marks) body.wire.write(token, at, 'latin1');
  body.stamped = token;
}

// ---------------------------------------------------------------------------------------------

interface Tally {
  answered: number;
  accepted: number;
  rejected: number;
  wireBytes: number;
  jsonBytes: number;
  firstRefusal?: string;
  firstRejection?: string;
}
const newTally = (): Tally => ({ answered: 0, accepted: 0, rejected: 0, wireBytes: 0, jsonBytes: 0 });

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '20' },
      connections: { type: 'string', default: '16' },
      batch: { type: 'string', default: '100' },
      gzip: { type: 'boolean', default: false },
      pool: { type: 'string' },
    },
  });
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const batch = Number(values.batch);
  // 2,000 bodies by default, fewer for big batches so the pool stays near 200,000 events (~150 MB).
  const poolSize = values.pool === undefined ? Math.max(50, Math.min(2000, Math.floor(200_000 / batch))) : Number(values.pool);
  const gzip = values.gzip;
  for (const [name, v] of Object.entries({ seconds, connections, batch, pool: poolSize })) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} must be a positive whole number`);
  }

  const down = (await states()).filter((s) => s.health !== 'healthy');
  if (down.length) throw new Error(`the stack is not up (${down.map((s) => s.name).join(', ')}): run \`pnpm stack:up\` first`);

  const runTag = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const prefix = `bench-ingest-${runTag}.`;
  const webEvents = topicsWithPrefix(prefix).webEvents;
  const options = `--seconds ${seconds} --connections ${connections} --batch ${batch}${gzip ? ' --gzip' : ''} --pool ${poolSize}`;
  const machine = describeMachine();
  say(`bench:ingest: POST /v1/batch on ingest alone, topics ${prefix}*`);
  say(`  machine: ${machine}`);
  say(`  options: ${options}`);
  say(`  load average (1 min) at start: ${loadavg()[0]!.toFixed(2)}  (other work on the machine skews every figure)`);

  let pipeline: TestPipeline | undefined;
  let admin: TopicAdmin | undefined;
  let current: autocannon.Instance | undefined;
  let cleaning: Promise<void> | undefined;
  // Once only, whether the run ends, fails or is interrupted.
  const cleanup = () =>
    (cleaning ??= (async () => {
      await pipeline?.stopAll().catch((e: unknown) => say(`  cleanup: could not stop ingest: ${(e as Error).message}`));
      if (!admin) return;
      // Listed rather than taken from the catalogue, so an interrupted topic setup is cleaned up too.
      const ours = (await admin.listTopics().catch(() => [] as string[])).filter((t) => t.startsWith(prefix));
      if (ours.length) await admin.deleteTopics(ours).catch((e: unknown) => say(`  cleanup: could not delete ${ours.length} topics ${prefix}*: ${(e as Error).message}`));
      await admin.close().catch(() => undefined);
    })());
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    say(`\n${signal}: stopping ingest and deleting the bench topics (again to quit at once)...`);
    current?.stop();
    void cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const clients = createKafkaClients({ brokers: ['127.0.0.1:9092'], clientId: 'bench-ingest', logger: createLogger('bench-ingest', 'silent') });
    admin = await clients.admin();
    await prepareTopics(allTopics(prefix));
    pipeline = await createTestPipeline({ prefix, database: `bench_ingest_${runTag}`, groupSuffix: runTag });

    const built = Date.now();
    // One extra body for the probe, so its ids are not sent again by the run.
    const bodies = buildPool({ size: poolSize + 1, batch, gzip, runTag });
    const probeBody = bodies.pop()!;
    const avgJson = bodies.reduce((s, b) => s + b.jsonBytes, 0) / bodies.length;
    const avgWire = bodies.reduce((s, b) => s + b.wire.length, 0) / bodies.length;
    say(`  pool: ${n(poolSize)} distinct bodies of ${batch} events (track/page/identify) built in ${((Date.now() - built) / 1000).toFixed(1)} s; ${(avgJson / 1024).toFixed(1)} KB JSON${gzip ? `, ${(avgWire / 1024).toFixed(1)} KB gzip` : ''} each on average`);
    say(
      gzip
        ? `  message ids: unique within one pass over the pool (${n(poolSize * batch)} events); later passes resend the same pre-compressed bodies, so ids repeat. Ingest does not deduplicate (a repeat costs it the same), and downstream every id is stored once.`
        : '  message ids: unique over the whole run (the pass over the pool is written into each id)',
    );

    await pipeline.start('ingest');
    const url = `${pipeline.ingestUrl}/v1/batch`;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`,
      'user-agent': 'analytics-node-next/latest',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    };

    // A single request first: a refused body (size, schema) is reported with ingest's own reason.
    const probe = await fetch(url, { method: 'POST', headers, body: new Uint8Array(probeBody.wire) });
    const probeAnswer = await probe.text();
    if (!probe.ok) throw new Error(`ingest refused the first batch: ${probe.status} ${probeAnswer.slice(0, 500)}`);
    const probeJson = JSON.parse(probeAnswer) as { accepted?: number; rejected?: unknown[] };
    if (probeJson.rejected?.length) throw new Error(`ingest dead-lettered ${probeJson.rejected.length} of the first batch's events: ${JSON.stringify(probeJson.rejected[0])}`);
    let acceptedAll = batch;

    let next = 0;
    let tally = newTally();
    const request: autocannon.Request = {
      method: 'POST',
      path: '/v1/batch',
      // Every connection shares one counter, so no two requests carry the same body in a pass.
      setupRequest: (req, context) => {
        const i = next++;
        const body = bodies[i % bodies.length]!;
        if (!gzip) stampPass(body, Math.floor(i / bodies.length));
        context.wireBytes = body.wire.length;
        context.jsonBytes = body.jsonBytes;
        return { ...req, body: body.wire };
      },
      // autocannon sends one request at a time per connection (no pipelining), so the context is this answer's request.
      onResponse: (status, answer, context) => {
        tally.answered++;
        tally.wireBytes += context.wireBytes as number;
        tally.jsonBytes += context.jsonBytes as number;
        if (status < 200 || status >= 300) {
          tally.firstRefusal ??= `${status} ${answer.slice(0, 300)}`;
          return;
        }
        let parsed: { accepted?: number; rejected?: unknown[] } = {};
        try {
          parsed = JSON.parse(answer) as typeof parsed;
        } catch {
          // a 2xx is an acknowledgement whatever its body
        }
        tally.accepted += parsed.accepted ?? batch;
        tally.rejected += parsed.rejected?.length ?? 0;
        if (parsed.rejected?.length) tally.firstRejection ??= JSON.stringify(parsed.rejected[0]);
      },
    };
    const load = async (duration: number, label: string) => {
      tally = newTally();
      current = autocannon({ url, connections, duration, pipelining: 1, timeout: 30, method: 'POST', headers, requests: [request] });
      let elapsed = 0;
      current.on('tick', ({ counter }: { counter: number }) => {
        elapsed++;
        if (process.stdout.isTTY) process.stdout.write(`\r  ${label}: ${elapsed} s, ${n(counter)} req/s   `);
      });
      const result = await current;
      current = undefined;
      if (process.stdout.isTTY) process.stdout.write('\r\x1b[K');
      acceptedAll += tally.accepted;
      return { result, tally };
    };

    const warm = await load(WARM_UP_SECONDS, 'warm-up');
    say(`  warm-up: ${warm.result.duration.toFixed(1)} s, ${n(warm.tally.answered)} requests (not in the figures below)`);
    if (interrupted) return 130;
    const { result: r, tally: t } = await load(seconds, 'measuring');
    if (interrupted) return 130;

    const d = r.duration;
    const byStatus = Object.entries(r.statusCodeStats)
      .filter(([code]) => !code.startsWith('2'))
      .map(([code, { count }]) => `${code}: ${n(count)}`)
      .join(', ');
    say(`\nmeasured ${d.toFixed(1)} s, ${connections} connections, ${batch} events per request, ${gzip ? 'gzip' : 'plain JSON'} bodies:`);
    say(`  requests/s:          ${n(r.requests.total! / d)}  (${n(r.requests.total!)} answered)`);
    say(`  accepted events/s:   ${n(t.accepted / d)}  (${n(r['2xx'])} 2xx x ${batch} events${t.rejected ? `, less ${n(t.rejected)} dead-lettered` : ''}; a 2xx comes after Kafka's ack)`);
    say(`  latency (ms):        p50 ${r.latency.p50}, p90 ${r.latency.p90}, p99 ${r.latency.p99}, max ${r.latency.max}  (autocannon histogram, all answers)`);
    say(`  non-2xx:             ${n(r.non2xx)}${byStatus ? `  (${byStatus}); first: ${t.firstRefusal ?? '?'}` : ''}`);
    say(`  errors:              ${n(r.errors)}  (of which timeouts ${n(r.timeouts)})`);
    say(`  bytes/s in:          ${((t.wireBytes / d) / 2 ** 20).toFixed(1)} MiB/s of request bodies${gzip ? ` (${((t.jsonBytes / d) / 2 ** 20).toFixed(1)} MiB/s once decompressed)` : ''}`);
    say(`  load average (1 min) at end: ${loadavg()[0]!.toFixed(2)}`);
    if (gzip) say(`  passes over the pool: ${(next / bodies.length).toFixed(1)} (ids repeat after the first)`);

    // Every 2xx of the run (probe, warm-up, measured) must be on Kafka; requests cut off when a
    // phase ended may have landed too, hence at least, not equal.
    const failures: string[] = [];
    let onKafka = 0;
    const deadline = Date.now() + 10_000;
    for (;;) {
      onKafka = await admin.endOffsetTotal(webEvents.name);
      if (onKafka >= acceptedAll || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const deadLetters = await admin.endOffsetTotal(deadLetterTopicOf(webEvents).name);
    const kafkaOk = onKafka >= acceptedAll;
    say(`  kafka:               ${webEvents.name} holds ${n(onKafka)} records ${kafkaOk ? '>=' : '<'} ${n(acceptedAll)} accepted in this run (probe + warm-up + measured): ${kafkaOk ? 'ok' : 'MISSING EVENTS'}; dead letters ${n(deadLetters)}`);
    if (!kafkaOk) failures.push(`Kafka has ${n(onKafka)} events but ingest accepted ${n(acceptedAll)}: ${n(acceptedAll - onKafka)} acknowledged events are missing`);
    if (r['2xx'] === 0) failures.push(`no request was accepted (non-2xx ${n(r.non2xx)}, errors ${n(r.errors)})${t.firstRefusal ? `; first refusal: ${t.firstRefusal}` : ''}`);
    if (t.rejected > 0 || deadLetters > 0) failures.push(`ingest dead-lettered benchmark events (${n(Math.max(t.rejected, deadLetters))}), so the figures are not of valid traffic${t.firstRejection ? `; first: ${t.firstRejection}` : ''}`);
    const healthy = await fetch(`${pipeline.ingestUrl}/health`, { signal: AbortSignal.timeout(2000) }).then((res) => res.ok, () => false);
    if (!healthy) failures.push(`ingest is not healthy after the run; its last lines:\n${pipeline.output('ingest')}`);

    say(
      `\nreadme: ingest alone, POST /v1/batch, ${batch} events/request${gzip ? ' gzip' : ''}, ${connections} connections, ${d.toFixed(0)} s: ` +
        `${n(t.accepted / d)} events/s accepted (${n(r['2xx'] / d)} req/s), latency p50 ${r.latency.p50} ms / p99 ${r.latency.p99} ms (${shortMachine()})`,
    );
    if (failures.length) {
      for (const f of failures) console.error(`bench:ingest failed: ${f}`);
      return 1;
    }
    return 0;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bench:ingest failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
