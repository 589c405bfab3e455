/**
 * `pnpm bench:api`: how fast the customer API (services/api, a process as deployed) answers at a
 * fixed request rate, on a database of at least a million events. Figures, nothing asserted:
 *
 * 1. a profile by each identifier type (user_id, anonymous_id, email_hash, loyalty_card) and by
 *    person id (surviving persons, and absorbed persons, which must answer with their survivor),
 *    and recommendations by person id: autocannon at --rate requests/s over ~10 connections for
 *    --duration seconds each, cycling through a few hundred sampled identifiers per type:
 *    p50 / p90 / p99 / max, requests, non-2xx, the rate achieved; the API's CPU meanwhile;
 * 2. the profile lookup at the highest rate the API takes (no rate set): the headroom;
 * 3. where the time of one profile goes, one request at a time: the API end to end, the API
 *    without ClickHouse (an unknown identifier: 404 before any read), and the ClickHouse reads the
 *    route makes, timed by this process and by ClickHouse itself (X-ClickHouse-Summary).
 *
 *   pnpm bench:api [--events 1000000] [--database bench_api] [--rate 200] [--duration 20]
 *                  [--samples 300] [--connections 10] [--fresh]
 *
 * Data. Not streamed through the services: the events are generated inside ClickHouse by
 * bench:views' generator (bench/src/views.ts, tenant `bench`; a database it made is reused), and
 * identity's tables are then published from that database to Kafka under the prefix `bench-api.`,
 * as the graph writer would have published them: one IdentifierAssignment per identifier (its
 * latest person in `identities`) and one PersonMerge per absorbed person (person_overrides,
 * latest), keyed as identity keys them. Topics that already hold as many records as the database
 * has identifiers and merges are reused (kept after the run for that); otherwise they are deleted
 * and published again. The API follows them into memory as it does in production.
 *
 * Clear e-mail and phone lookups (types email, phone) cannot be measured here: the generator only
 * has e-mail hashes and no phones. They cost one salted SHA-256 more than email_hash.
 *
 * The API runs with a key file of its own (a key of tenant `bench` with every scope, in a
 * temporary file) and API_RECOMMENDATION_REFRESH_SECONDS=3600, so the lift model is built once,
 * at start, not during a measurement. Everything shares the machine: autocannon and this process,
 * the API, ClickHouse, Kafka, and whatever else runs (tests of others): the load average is
 * printed with every figure.
 *
 * Timing. autocannon paces a rate per connection: each connection sends its share of a second
 * back to back, then waits for the next second, so requests come in bursts of up to
 * --connections at once, not evenly spread. Latency is from sending a request to its answer;
 * autocannon's coordinated-omission correction is off, as it assumes an interval of 1 ms at these
 * rates (ceil(1 / per-connection rate)) and would add made-up samples. When the API cannot keep
 * up, fewer requests are sent than asked for (marked *), and the latencies are those of a
 * saturated API.
 *
 * Needs the local stack (`pnpm stack:up`). Exits 1 when it cannot run, or when a figure had
 * errors or unexpected statuses (a latency of failed requests is no figure).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import {
  allTopics,
  createAvroCodec,
  createClickHouse,
  createKafkaClients,
  createLogger,
  loadSchemaCatalog,
  topicsWithPrefix,
  valueSubjectOf,
  type CdpIdentity,
  type ClickHouse,
  type OutgoingRecord,
  type QueryParams,
} from '@cdp/plumbing';
// Relative imports: @cdp/bench does not list @cdp/infra or the API service as dependencies.
import { REGISTRY_URL } from '../../infra/src/stack/servers';
import { createTestPipeline, type TestPipeline } from '../../infra/src/testing/pipeline';
import { prepareTopics } from '../../infra/src/testing/topics';
import { ClickHouseReads } from '../../services/api/src/adapters/clickhouse-reads';
import { SCOPES } from '../../services/api/src/core/api-keys';
import { describeMachine, positive, shortMachine } from './common';
import { CONNECTION, ensureBenchDatabase, probe, TENANT, truthOf, type Meta } from './views';

const say = (line: string) => process.stdout.write(`${line}\n`);
const n = (x: number) => Math.round(x).toLocaleString('en');
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const secs = (millis: number) => `${(millis / 1000).toFixed(1)} s`;
const load1 = () => loadavg()[0]!.toFixed(2);
const num = (x: unknown) => Number(x ?? 0);

const PREFIX = 'bench-api.';
/** Linux's USER_HZ: the unit of utime and stime in /proc/<pid>/stat. */
const CLOCK_TICKS_PER_SECOND = 100;

// ---------------------------------------------------------------------------------------------
// Identity's tables, published from the generated database.

interface PublishedTables {
  assignments: number;
  merges: number;
  reused: boolean;
  seconds: number;
}

/** Identifiers per read from ClickHouse while publishing: bounds this process's memory at 10M events. */
const PUBLISH_PAGE = 200_000;

async function publishIdentityTables(ch: ClickHouse): Promise<PublishedTables> {
  const started = performance.now();
  const topics = topicsWithPrefix(PREFIX);
  const ours = [topics.identifierAssignments.name, topics.personMerges.name];
  const [want] = await ch.query<{ assignments: number; merges: number }>(
    `SELECT (SELECT uniqExact(id_type, id_value) FROM identities WHERE tenant = {tenant:String}) AS assignments,
            (SELECT uniqExact(old_person_id) FROM person_overrides WHERE tenant = {tenant:String}) AS merges`,
    { tenant: TENANT },
  );
  const assignments = num(want?.assignments);
  const merges = num(want?.merges);

  await prepareTopics(allTopics(PREFIX));
  const clients = createKafkaClients({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'bench-api', logger: createLogger('bench-api', 'silent') });
  const admin = await clients.admin();
  try {
    const held = { assignments: await admin.endOffsetTotal(ours[0]!), merges: await admin.endOffsetTotal(ours[1]!) };
    if (held.assignments === assignments && held.merges === merges) {
      say(`  identity's tables: reusing ${ours.join(' and ')} (${n(assignments)} assignments and ${n(merges)} merges, as many as the database has)`);
      return { assignments, merges, reused: true, seconds: (performance.now() - started) / 1000 };
    }
    if (held.assignments + held.merges > 0) {
      say(`  identity's tables: the topics hold ${n(held.assignments)} assignments and ${n(held.merges)} merges, the database ${n(assignments)} and ${n(merges)}: deleting and publishing again`);
      await admin.deleteTopics(ours);
      // Deletion is asynchronous: a topic of the same name cannot be made until the old one is gone.
      for (const deadline = Date.now() + 60_000; (await admin.listTopics()).some((t) => ours.includes(t)); ) {
        if (Date.now() > deadline) throw new Error(`${ours.join(', ')} still exist 60 s after being deleted`);
        await new Promise((r) => setTimeout(r, 250));
      }
      for (let attempt = 1; ; attempt++) {
        try {
          await prepareTopics(allTopics(PREFIX));
          break;
        } catch (error) {
          if (attempt >= 10) throw error;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    }
  } finally {
    await admin.close();
  }

  const catalog = loadSchemaCatalog();
  const codec = createAvroCodec({ url: process.env.SCHEMA_REGISTRY_URL ?? REGISTRY_URL });
  const mergeSchema = await codec.idOf(valueSubjectOf(topics.personMerges.name), catalog.resolve(topics.personMerges.valueType));
  const assignmentSchema = await codec.idOf(valueSubjectOf(topics.identifierAssignments.name), catalog.resolve(topics.identifierAssignments.valueType));
  const producer = await clients.producer();
  try {
    // Merges first, as the API reads them first; keys as identity's mergeKey and assignmentKey.
    const mergeRows = await ch.query<{ from: string; to: string; merged_ms: number; cause: string }>(
      `SELECT old_person_id AS from, argMax(person_id, merged_at) AS to, toUnixTimestamp64Milli(max(merged_at)) AS merged_ms, argMax(cause_event_id, merged_at) AS cause
       FROM person_overrides WHERE tenant = {tenant:String} GROUP BY old_person_id`,
      { tenant: TENANT },
    );
    const mergeRecords = mergeRows.map((r): OutgoingRecord => {
      // The generator keeps no link (the identifiers that made the merge): the API does not read it.
      const m: CdpIdentity.PersonMerge = { tenant: TENANT, fromPersonId: r.from, toPersonId: r.to, mergedAt: num(r.merged_ms), causeEventId: r.cause, link: [], viaPersonId: null };
      return { key: `${m.tenant}|${m.fromPersonId}`, value: codec.encode(mergeSchema, m) };
    });
    await producer.send(topics.personMerges.name, mergeRecords);

    const pages = Math.max(1, Math.ceil(assignments / PUBLISH_PAGE));
    let published = 0;
    for (let page = 0; page < pages; page++) {
      const rows = await ch.query<{ id_type: string; id_value: string; person: string; first_ms: number; updated_ms: number }>(
        `SELECT id_type, id_value, argMax(person_id, updated_at) AS person,
                toUnixTimestamp64Milli(min(first_seen)) AS first_ms, toUnixTimestamp64Milli(max(updated_at)) AS updated_ms
         FROM identities
         WHERE tenant = {tenant:String} AND cityHash64(id_type, id_value) % {pages:UInt32} = {page:UInt32}
         GROUP BY id_type, id_value`,
        { tenant: TENANT, pages, page },
      );
      const records = rows.map((r): OutgoingRecord => {
        const a: CdpIdentity.IdentifierAssignment = { tenant: TENANT, identifier: { type: r.id_type, value: r.id_value }, personId: r.person, firstSeen: num(r.first_ms), updatedAt: num(r.updated_ms) };
        return { key: `${a.tenant}|${a.identifier.type}|${a.identifier.value}`, value: codec.encode(assignmentSchema, a) };
      });
      await producer.send(topics.identifierAssignments.name, records);
      published += records.length;
    }
    const seconds = (performance.now() - started) / 1000;
    say(`  identity's tables: published ${n(published)} assignments to ${ours[0]} and ${n(mergeRecords.length)} merges to ${ours[1]} in ${seconds.toFixed(1)} s`);
    return { assignments: published, merges: mergeRecords.length, reused: false, seconds };
  } finally {
    await producer.close();
  }
}

// ---------------------------------------------------------------------------------------------
// What to ask for: identifiers of each type across the activity distribution.

interface Sample {
  kind: string;
  /** The lookup type in the path. */
  type: string;
  value: string;
  /** The surviving person the lookup must answer with. */
  survivor: string;
  /** Events of the survivor and its merged persons (person_activity). */
  events: number;
}

const KINDS: { kind: string; type: string }[] = [
  { kind: 'user_id', type: 'user_id' },
  { kind: 'anonymous_id', type: 'anonymous_id' },
  { kind: 'email_hash', type: 'email_hash' },
  { kind: 'loyalty_card', type: 'loyalty_card' },
  { kind: 'person_id (survivor)', type: 'person_id' },
  { kind: 'person_id (absorbed)', type: 'person_id' },
];

/** Every identifier with the survivor it resolves to and that survivor's events, as `candidates`. */
const CANDIDATES = `
  survivors AS (SELECT old_person_id, argMax(person_id, merged_at) AS survivor FROM person_overrides WHERE tenant = {tenant:String} GROUP BY old_person_id),
  latest AS (SELECT id_type, id_value, argMax(person_id, updated_at) AS person FROM identities WHERE tenant = {tenant:String} GROUP BY id_type, id_value),
  resolved AS (SELECT toString(l.id_type) AS kind, l.id_value AS value, if(s.survivor != '', s.survivor, l.person) AS survivor FROM latest AS l LEFT JOIN survivors AS s ON l.person = s.old_person_id),
  activity AS
  (
      SELECT if(s.survivor != '', s.survivor, a.person_id) AS survivor, sum(a.events) AS events
      FROM person_activity AS a LEFT JOIN survivors AS s ON a.person_id = s.old_person_id
      WHERE a.tenant = {tenant:String}
      GROUP BY survivor
  ),
  candidates AS
  (
      SELECT c.kind AS kind, c.value AS value, c.survivor AS survivor, a.events AS events
      FROM
      (
          SELECT kind, value, survivor FROM resolved
          UNION ALL SELECT DISTINCT 'person_id (survivor)', survivor, survivor FROM resolved
          UNION ALL SELECT 'person_id (absorbed)', old_person_id, survivor FROM survivors
      ) AS c
      LEFT JOIN activity AS a ON c.survivor = a.survivor
  )`;

/**
 * 1-based ranks out of `total` (1 = the most active): half log-spaced (the heavy head), half
 * evenly spaced (the long tail), as bench:views samples persons.
 */
function ranksOf(total: number, wanted: number): number[] {
  const k = Math.min(total, wanted);
  const half = Math.max(1, Math.floor(k / 2));
  const taken = new Set<number>();
  const take = (r0: number) => {
    let r = Math.max(1, Math.min(total, r0));
    while (taken.has(r)) r = (r % total) + 1;
    taken.add(r);
  };
  for (let j = 0; j < half; j++) take(Math.floor(Math.exp((j / Math.max(1, half - 1)) * Math.log(total))));
  for (let j = 0; j < k - half; j++) take(Math.floor(((j + 0.5) * total) / (k - half)) + 1);
  return [...taken];
}

async function samplesOf(ch: ClickHouse, perKind: number): Promise<{ samples: Map<string, Sample[]>; totals: Map<string, number> }> {
  const counts = await ch.query<{ kind: string; total: number }>(`WITH ${CANDIDATES} SELECT kind, count() AS total FROM candidates GROUP BY kind`, { tenant: TENANT });
  const totals = new Map(counts.map((c) => [c.kind, num(c.total)]));
  const kinds: string[] = [];
  const ranks: number[] = [];
  for (const [kind, total] of totals) {
    for (const r of ranksOf(total, perKind)) {
      kinds.push(kind);
      ranks.push(r);
    }
  }
  const rows = await ch.query<{ kind: string; value: string; survivor: string; events: number }>(
    `WITH ${CANDIDATES}
     SELECT kind, value, survivor, events FROM
     (
         SELECT kind, value, survivor, events, row_number() OVER (PARTITION BY kind ORDER BY events DESC, value) AS rank
         FROM candidates
     )
     WHERE has(arrayZip({kinds:Array(String)}, {ranks:Array(UInt64)}), (kind, rank))`,
    { tenant: TENANT, kinds, ranks },
  );
  // Heavy and light persons interleaved, the same order every run.
  const order = (value: string) => createHash('sha1').update(value).digest('hex');
  const samples = new Map<string, Sample[]>();
  for (const r of [...rows].map((row) => ({ row, key: order(row.value) })).sort((a, b) => (a.key < b.key ? -1 : 1)).map((x) => x.row)) {
    const type = KINDS.find((k) => k.kind === r.kind)?.type ?? r.kind;
    if (!samples.has(r.kind)) samples.set(r.kind, []);
    samples.get(r.kind)!.push({ kind: r.kind, type, value: r.value, survivor: r.survivor, events: num(r.events) });
  }
  return { samples, totals };
}

const profilePath = (s: Pick<Sample, 'type' | 'value'>) => `/v1/profiles/${s.type}/${encodeURIComponent(s.value)}`;

// ---------------------------------------------------------------------------------------------
// The API process: memory and CPU from /proc.

function memoryOf(pid: number | undefined): { rssMb: number; peakMb: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** CPU seconds the process has used (user + system). */
function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    // The command name may hold spaces: the fields are counted after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** ClickHouse's own counters (every query of the server, not only the API's). */
async function clickhouseCounters(ch: ClickHouse): Promise<{ queries: number; queryMicros: number; cpuMicros: number }> {
  const rows = await ch.query<{ name: string; value: number }>(
    "SELECT name, value FROM system.events WHERE name IN ('SelectQuery', 'SelectQueryTimeMicroseconds', 'UserTimeMicroseconds', 'SystemTimeMicroseconds')",
  );
  const v = (name: string) => num(rows.find((r) => r.name === name)?.value);
  return { queries: v('SelectQuery'), queryMicros: v('SelectQueryTimeMicroseconds'), cpuMicros: v('UserTimeMicroseconds') + v('SystemTimeMicroseconds') };
}

/**
 * The API's JSON log lines. The pipeline keeps output as it arrived, and a line that came in two
 * chunks is two entries there: a fragment not starting with `{` continues the one before.
 */
function logRecordsOf(output: string): Record<string, unknown>[] {
  const lines: string[] = [];
  for (const fragment of output.split('\n')) {
    if (fragment.startsWith('{') || lines.length === 0) lines.push(fragment);
    else lines[lines.length - 1] += fragment;
  }
  return lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Load.

interface Figure {
  label: string;
  paths: number;
  /** undefined: as fast as the API answers. */
  rate: number | undefined;
  seconds: number;
  requests: number;
  achievedRate: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Statuses other than these are errors of the figure. */
  expected: number[];
  apiCpuPercent: number;
  /** CPU time of the API process per request answered. */
  apiCpuMsPerRequest: number;
  /** CPU time of ClickHouse's query threads per request answered (other work on the server included). */
  clickhouseCpuMsPerRequest: number;
  clickhouseQueriesPerSecond: number;
  clickhouseQueryMs: number;
  load: string;
  firstUnexpected: string | undefined;
}

const failed = (f: Figure) => f.errors > 0 || f.timeouts > 0 || Object.entries(f.statuses).some(([code, count]) => count > 0 && !f.expected.includes(Number(code)));

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '1000000' },
      database: { type: 'string', default: 'bench_api' },
      rate: { type: 'string', default: '200' },
      duration: { type: 'string', default: '20' },
      samples: { type: 'string', default: '300' },
      connections: { type: 'string', default: '10' },
      chunk: { type: 'string', default: '250000' },
      fresh: { type: 'boolean', default: false },
    },
  });
  const events = positive('events', values.events);
  const rate = positive('rate', values.rate);
  const duration = positive('duration', values.duration);
  const perKind = positive('samples', values.samples);
  const connections = positive('connections', values.connections);
  const chunk = positive('chunk', values.chunk);
  const database = values.database;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    console.error(`--database must be a plain identifier, got ${database}`);
    return 2;
  }
  const started = performance.now();
  say(`bench:api: the customer API at ${rate} requests/s, by identifier type, on the generated database ${database}`);
  say(`  machine: ${describeMachine()}`);
  say(`  options: --events ${events} --database ${database} --rate ${rate} --duration ${duration} --samples ${perKind} --connections ${connections}${values.fresh ? ' --fresh' : ''}`);
  say(`  load average (1 min) at start: ${load1()}  (other work on the machine, tests included, skews every figure)`);
  say('  data: events generated inside ClickHouse (bench:views\' generator), identity\'s tables published to Kafka from them; nothing streamed through the services');

  const { meta } = await ensureBenchDatabase({ database, events, chunk, fresh: values.fresh });
  const ch = createClickHouse({ ...CONNECTION, database });
  const runTag = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const keysFile = join(tmpdir(), `bench-api-keys-${runTag}.json`);
  let pipeline: TestPipeline | undefined;
  let current: autocannon.Instance | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await pipeline?.stopAll().catch((e: unknown) => say(`  cleanup: could not stop the API: ${(e as Error).message}`));
      rmSync(keysFile, { force: true });
      await ch.close().catch(() => undefined);
    })());
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    say(`\n${signal}: stopping the API (again to quit at once)...`);
    current?.stop();
    void cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    return await measureAll({ ch, database, meta, rate, duration, perKind, connections, keysFile, runTag, started, setPipeline: (p) => (pipeline = p), setCurrent: (c) => (current = c), interrupted: () => interrupted });
  } finally {
    await cleanup();
  }
}

interface Run {
  ch: ClickHouse;
  database: string;
  meta: Meta;
  rate: number;
  duration: number;
  perKind: number;
  connections: number;
  keysFile: string;
  runTag: string;
  started: number;
  setPipeline: (p: TestPipeline) => void;
  setCurrent: (c: autocannon.Instance | undefined) => void;
  interrupted: () => boolean;
}

async function measureAll(run: Run): Promise<number> {
  const { ch, database, meta, rate, duration, perKind, connections } = run;

  // -- What the database holds for the API
  const [census] = await ch.query<{ events: number; persons: number; absorbed: number; identifiers: number; products: number; timeline: number; buyers: number; catalogue: number }>(
    `SELECT (SELECT count() FROM events_raw WHERE tenant = {tenant:String}) AS events,
            (SELECT uniqExact(person_id) FROM person_activity WHERE tenant = {tenant:String}) AS persons,
            (SELECT uniqExact(old_person_id) FROM person_overrides WHERE tenant = {tenant:String}) AS absorbed,
            (SELECT uniqExact(id_type, id_value) FROM identities WHERE tenant = {tenant:String}) AS identifiers,
            (SELECT count() FROM person_products WHERE tenant = {tenant:String}) AS products,
            (SELECT count() FROM person_timeline WHERE tenant = {tenant:String}) AS timeline,
            (SELECT uniqExact(person_id) FROM person_products WHERE tenant = {tenant:String}) AS buyers,
            (SELECT count() FROM ref_products WHERE tenant = {tenant:String}) AS catalogue`,
    { tenant: TENANT },
  );
  say(`\ndatabase ${database} (tenant ${TENANT}, generated ${meta.generated_at} UTC): ${n(num(census?.events))} events; ${n(num(census?.persons))} persons at ingest, ${n(num(census?.absorbed))} of them absorbed; ${n(num(census?.identifiers))} identifiers`);
  say(`  person_products ${n(num(census?.products))} rows (${n(num(census?.buyers))} buyers), person_timeline ${n(num(census?.timeline))} rows, ref_products ${n(num(census?.catalogue))} rows`);
  if (!num(census?.products)) say('  WARNING: person_products is empty: the generated purchases have no items.sku, so recommendations have nothing to work with');
  if (!num(census?.catalogue)) say('  note: the generator makes no catalogue (ref_products): the lift model has no categories, so no category fallback');

  // -- Identity's tables on Kafka
  const published = await publishIdentityTables(ch);

  // -- The API
  const key = `bench-api-${randomBytes(16).toString('hex')}`;
  writeFileSync(
    run.keysFile,
    JSON.stringify({ $comment: 'bench:api, deleted after the run', keys: [{ name: 'bench-all', sha256: createHash('sha256').update(key, 'utf8').digest('hex'), tenant: TENANT, scopes: Object.keys(SCOPES) }] }),
  );
  const pipeline = await createTestPipeline({ prefix: PREFIX, database, groupSuffix: run.runTag });
  run.setPipeline(pipeline);
  let t = performance.now();
  await pipeline.start('api', { API_KEYS_FILE: run.keysFile, API_RECOMMENDATION_REFRESH_SECONDS: '3600', LOG_LEVEL: 'info' });
  const healthyMs = performance.now() - t;
  const pid = pipeline.pid('api');
  const logLine = (msg: string) => logRecordsOf(pipeline.output('api')).find((l) => l.msg === msg);
  const ready = logLine('api ready');
  const model = logLine('recommendation model built');
  const startMemory = memoryOf(pid);
  say(`\nAPI at ${pipeline.apiUrl} (pid ${pid ?? '?'}): healthy ${secs(healthyMs)} after start (process start, directory read and lift model built)`);
  const directory = ready?.directory as { identifiers?: number; merges?: number } | undefined;
  // main.ts times the directory read and the first lift model together.
  const directoryMs = ready && model ? num(ready.ms) - num(model.ms) : undefined;
  say(
    `  its log: directory of ${n(num(directory?.identifiers))} identifiers and ${n(num(directory?.merges))} merges read in ${directoryMs === undefined ? '?' : `${n(directoryMs)} ms`}` +
      `${model ? `, then the lift model built in ${n(num(model.ms))} ms (${n(num(model.pairs))} pairs)` : ' (no lift model logged)'}`,
  );
  say(`  RSS ${startMemory ? `${startMemory.rssMb.toFixed(0)} MB (peak ${startMemory.peakMb.toFixed(0)} MB)` : 'unknown (no /proc)'}`);

  const headers = { authorization: `Bearer ${key}` };
  const get = async (path: string): Promise<{ status: number; body: Record<string, unknown>; ms: number }> => {
    const t0 = performance.now();
    const res = await fetch(`${pipeline.apiUrl}${path}`, { headers });
    const text = await res.text();
    const elapsed = performance.now() - t0;
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { text: text.slice(0, 200) };
    }
    return { status: res.status, body, ms: elapsed };
  };

  // -- Samples
  const { samples, totals } = await samplesOf(ch, perKind);
  say(`\nsamples (ranked by the survivor's events, half log-spaced from the most active, half evenly spaced):`);
  for (const { kind } of KINDS) {
    const list = samples.get(kind) ?? [];
    const ev = list.map((s) => s.events).sort((a, b) => a - b);
    say(`  ${kind.padEnd(22)} ${String(list.length).padStart(4)} of ${n(totals.get(kind) ?? 0).padStart(7)}; events of their person: min ${n(ev[0] ?? 0)}, median ${n(ev[Math.floor(ev.length / 2)] ?? 0)}, max ${n(ev[ev.length - 1] ?? 0)}`);
  }
  say('  email and phone (clear values): not measurable here, the generator has only e-mail hashes and no phones');

  // -- Correctness, and a first pass over every path (not timed as figures)
  const problems: string[] = [];
  const serial = new Map<string, number[]>();
  for (const { kind } of KINDS) {
    const times: number[] = [];
    for (const s of samples.get(kind) ?? []) {
      const r = await get(profilePath(s));
      times.push(r.ms);
      if (r.status !== 200) problems.push(`${kind} ${s.value}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
      else if (r.body.personId !== s.survivor) problems.push(`${kind} ${s.value}: person ${String(r.body.personId)}, expected ${s.survivor}`);
      else if (kind === 'person_id (absorbed)' && !(r.body.mergedPersonIds as string[]).includes(s.value)) problems.push(`${kind} ${s.value}: not among the survivor's mergedPersonIds`);
    }
    serial.set(kind, times);
  }
  const survivors = samples.get('person_id (survivor)') ?? [];
  let withItems = 0;
  const recommendTimes: number[] = [];
  for (const s of survivors) {
    const r = await get(`${profilePath(s)}/recommendations`);
    recommendTimes.push(r.ms);
    if (r.status !== 200) problems.push(`recommendations ${s.value}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
    else if ((r.body.items as unknown[]).length > 0) withItems++;
  }
  serial.set('recommendations', recommendTimes);
  // Events and revenue against events_raw itself, through person_overrides: ~20 persons, absorbed ones among them.
  const checked = [...(samples.get('person_id (absorbed)') ?? []).slice(0, 6), ...KINDS.slice(0, 5).flatMap(({ kind }) => (samples.get(kind) ?? []).slice(0, 3))];
  const truth = await truthOf(ch, [...new Set(checked.map((s) => s.survivor))]);
  let figuresChecked = 0;
  for (const s of checked) {
    const r = await get(profilePath(s));
    const want = truth.get(s.survivor) ?? { events: 0, revenue_minor: 0 };
    figuresChecked++;
    if (r.body.events !== want.events || r.body.revenueMinor !== want.revenue_minor) {
      problems.push(`${s.kind} ${s.value} (person ${s.survivor}): events ${String(r.body.events)} / revenue ${String(r.body.revenueMinor)}, events_raw says ${want.events} / ${want.revenue_minor}`);
    }
  }
  const allPaths = [...samples.values()].reduce((a, l) => a + l.length, 0);
  say(`\ncheck (not timed): ${n(allPaths)} lookups each answered with the expected survivor${problems.length ? ' EXCEPT the problems below' : ''}; absorbed person ids answer with their survivor and list themselves among its merged persons`);
  say(`  events and revenue of ${figuresChecked} profiles (${checked.filter((s) => s.kind === 'person_id (absorbed)').length} looked up by an absorbed person id) equal events_raw's through person_overrides${problems.length ? ' (see below)' : ''}`);
  say(`  recommendations: ${withItems} of ${survivors.length} sampled persons got at least one item`);
  say('  that pass, one request at a time (ms):');
  for (const [kind, times] of serial) {
    const t = spreadOf(times);
    say(`    ${kind.padEnd(22)} p50 ${ms(t.p50).padStart(6)}  p90 ${ms(t.p90).padStart(6)}  p99 ${ms(t.p99).padStart(6)}  max ${ms(t.max).padStart(6)}`);
  }
  for (const p of problems.slice(0, 10)) say(`  PROBLEM: ${p}`);
  if (problems.length > 10) say(`  ... and ${problems.length - 10} more problems`);

  // -- Load
  const unknownPaths = Array.from({ length: 500 }, (_, i) => `/v1/profiles/user_id/bench-api-unknown-${i}`);
  const lookupKinds = KINDS.map(({ kind }) => kind);
  const pathsOf = (kind: string) => (samples.get(kind) ?? []).map(profilePath);
  const mixed = lookupKinds.flatMap((kind) => pathsOf(kind));
  const runLoad = async (label: string, paths: string[], perSecond: number | undefined, seconds: number, expected: number[] = [200]): Promise<Figure> => {
    let next = 0;
    let firstUnexpected: string | undefined;
    const request: autocannon.Request = {
      method: 'GET',
      setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length]! }),
      onResponse: (status, body) => {
        if (!expected.includes(status)) firstUnexpected ??= `${status} ${body.slice(0, 200)}`;
      },
    };
    const chBefore = await clickhouseCounters(ch);
    const cpuBefore = cpuSecondsOf(pid);
    const t0 = performance.now();
    const instance = autocannon({
      url: pipeline.apiUrl,
      connections,
      duration: seconds,
      pipelining: 1,
      timeout: 10,
      headers,
      requests: [request],
      ...(perSecond ? { overallRate: perSecond, ignoreCoordinatedOmission: true } : {}),
    });
    run.setCurrent(instance);
    const r = await instance;
    run.setCurrent(undefined);
    const wall = (performance.now() - t0) / 1000;
    const cpu = cpuSecondsOf(pid) - cpuBefore;
    const chAfter = await clickhouseCounters(ch);
    const chQueries = chAfter.queries - chBefore.queries;
    const statuses = Object.fromEntries(Object.entries(r.statusCodeStats).map(([code, { count }]) => [code, count]));
    const answered = Math.max(1, r.requests.total ?? 0);
    return {
      label,
      paths: paths.length,
      rate: perSecond,
      seconds: r.duration,
      requests: r.requests.total ?? 0,
      achievedRate: (r.requests.total ?? 0) / r.duration,
      p50: r.latency.p50,
      p90: r.latency.p90,
      p99: r.latency.p99,
      max: r.latency.max,
      non2xx: r.non2xx,
      statuses,
      errors: r.errors,
      timeouts: r.timeouts,
      expected,
      apiCpuPercent: (cpu / wall) * 100,
      apiCpuMsPerRequest: (cpu * 1000) / answered,
      clickhouseCpuMsPerRequest: (chAfter.cpuMicros - chBefore.cpuMicros) / 1000 / answered,
      clickhouseQueriesPerSecond: chQueries / wall,
      clickhouseQueryMs: chQueries ? (chAfter.queryMicros - chBefore.queryMicros) / chQueries / 1000 : 0,
      load: load1(),
      firstUnexpected,
    };
  };

  say(`\nwarm-up: 5 s at ${rate} requests/s over every sampled lookup (not in the figures)`);
  await runLoad('warm-up', mixed, rate, 5);
  if (run.interrupted()) return 130;

  const figures: Figure[] = [];
  const printHeader = () => {
    say(`  ${'what'.padEnd(36)} ${'paths'.padStart(5)} ${'reqs'.padStart(7)} ${'req/s'.padStart(6)} ${'p50'.padStart(6)} ${'p90'.padStart(6)} ${'p99'.padStart(6)} ${'max'.padStart(6)} ${'non2xx'.padStart(6)} ${'err'.padStart(4)} | ${'API'.padStart(5)} ${'API'.padStart(6)} ${'CH'.padStart(6)} ${'CH'.padStart(6)} ${'CH'.padStart(6)} ${'load'.padStart(5)}`);
    say(`  ${''.padEnd(36)} ${''.padStart(5)} ${''.padStart(7)} ${''.padStart(6)} ${'(whole ms, sent to answered)'.padStart(27)} ${''.padStart(11)} | ${'cpu %'.padStart(5)} ${'ms/req'.padStart(6)} ${'ms/req'.padStart(6)} ${'q/s'.padStart(6)} ${'q ms'.padStart(6)} ${'1 min'.padStart(5)}`);
  };
  const printFigure = (f: Figure) => {
    const bad = failed(f);
    // Fewer answers than asked for: the API did not keep up, and every connection waited on it.
    const short = f.rate !== undefined && f.achievedRate < f.rate * 0.95;
    say(
      `  ${`${f.label}${short ? ' *' : ''}`.padEnd(36)} ${String(f.paths).padStart(5)} ${n(f.requests).padStart(7)} ${f.achievedRate.toFixed(0).padStart(6)} ${ms(f.p50).padStart(6)} ${ms(f.p90).padStart(6)} ${ms(f.p99).padStart(6)} ${ms(f.max).padStart(6)} ${n(f.non2xx).padStart(6)} ${n(f.errors + f.timeouts).padStart(4)} | ` +
        `${f.apiCpuPercent.toFixed(0).padStart(5)} ${ms(f.apiCpuMsPerRequest).padStart(6)} ${ms(f.clickhouseCpuMsPerRequest).padStart(6)} ${f.clickhouseQueriesPerSecond.toFixed(0).padStart(6)} ${ms(f.clickhouseQueryMs).padStart(6)} ${f.load.padStart(5)}` +
        (bad ? `  FAILED: statuses ${JSON.stringify(f.statuses)}, ${f.errors} errors, ${f.timeouts} timeouts; first: ${f.firstUnexpected ?? '?'}` : ''),
    );
  };
  say(`\nat ${rate} requests/s (autocannon overallRate, ${Math.min(connections, rate)} connections, ${duration} s each; each connection sends its share of a second back to back, then waits):`);
  printHeader();
  for (const kind of lookupKinds) {
    const f = await runLoad(`profile by ${kind}`, pathsOf(kind), rate, duration);
    figures.push(f);
    printFigure(f);
    if (run.interrupted()) return 130;
  }
  const recommendations = await runLoad('recommendations by person_id', survivors.map((s) => `${profilePath(s)}/recommendations`), rate, duration);
  figures.push(recommendations);
  printFigure(recommendations);
  const unknown = await runLoad('unknown user_id (404, no ClickHouse)', unknownPaths, rate, duration, [404]);
  figures.push(unknown);
  printFigure(unknown);
  if (run.interrupted()) return 130;

  say(`\nheadroom: as fast as it answers (${connections} connections, no rate set), ${duration} s:`);
  printHeader();
  const flat = await runLoad('profile, every lookup type mixed', mixed, undefined, duration);
  figures.push(flat);
  printFigure(flat);
  const flatUnknown = await runLoad('unknown user_id (404, no ClickHouse)', unknownPaths, undefined, Math.min(duration, 10), [404]);
  figures.push(flatUnknown);
  printFigure(flatUnknown);
  if (run.interrupted()) return 130;
  const loadedMemory = memoryOf(pid);
  say(`  API RSS after the load: ${loadedMemory ? `${loadedMemory.rssMb.toFixed(0)} MB (peak ${loadedMemory.peakMb.toFixed(0)} MB)` : 'unknown'}`);
  say('  * the rate asked for was not reached: the API did not keep up, so these latencies are those of a saturated API with every connection waiting');
  say('  API cpu: the API process (/proc), per wall second and per request answered. CH: ClickHouse\'s own counters over the run (system.events, every query of the server,');
  say('  other work on it included): CPU of query threads per request answered, SELECTs per second and their mean time.');

  // -- Where the time of one profile goes (one request at a time, no other load from here)
  const breakdown = await whereTimeGoes(ch, database, get, mixed, samples, unknownPaths);

  const bad = figures.filter(failed);
  say(`\n  whole run: ${secs(performance.now() - run.started)}; load average (1 min) at end: ${load1()}`);
  const profiles = figures.filter((f) => f.rate && f.label.startsWith('profile'));
  const range = (xs: number[], unit: (x: number) => string) => (Math.min(...xs) === Math.max(...xs) ? unit(xs[0]!) : `${unit(Math.min(...xs))}-${unit(Math.max(...xs))}`);
  say(`  topics ${PREFIX}* are kept for the next run`);
  say(
    `\nreadme: customer API asked for ${rate} requests/s on ${n(num(census?.events))} events answered ${range(profiles.map((f) => f.achievedRate), (x) => x.toFixed(0))} profiles/s with p99 ${range(profiles.map((f) => f.p99), ms)} ms by identifier type, ` +
      `recommendations ${recommendations.achievedRate.toFixed(0)}/s p99 ${ms(recommendations.p99)} ms; ${flat.achievedRate.toFixed(0)} profiles/s at most; one at a time p50 ${ms(breakdown['API end to end, profile']!.p50)} ms ` +
      `(${shortMachine()}; load ${range(figures.map((f) => Number(f.load)), (x) => x.toFixed(1))})`,
  );
  say(
    JSON.stringify({
      bench: 'api',
      database,
      machine: shortMachine(),
      events: num(census?.events),
      personsAtIngest: num(census?.persons),
      absorbed: num(census?.absorbed),
      identifiers: num(census?.identifiers),
      personProducts: num(census?.products),
      published: { ...published, seconds: Math.round(published.seconds * 10) / 10 },
      api: { healthyMs: Math.round(healthyMs), directoryMs: directoryMs ?? null, liftModelMs: model ? num(model.ms) : null, rssMb: startMemory ? Math.round(startMemory.rssMb) : null, rssAfterLoadMb: loadedMemory ? Math.round(loadedMemory.rssMb) : null },
      rate,
      durationSeconds: duration,
      connections,
      figures: figures.map((f) => ({
        label: f.label,
        rate: f.rate ?? null,
        requests: f.requests,
        achievedRate: Math.round(f.achievedRate),
        p50: f.p50,
        p90: f.p90,
        p99: f.p99,
        max: f.max,
        non2xx: f.non2xx,
        errors: f.errors + f.timeouts,
        apiCpuPercent: Math.round(f.apiCpuPercent),
        apiCpuMsPerRequest: Math.round(f.apiCpuMsPerRequest * 100) / 100,
        clickhouseCpuMsPerRequest: Math.round(f.clickhouseCpuMsPerRequest * 100) / 100,
        clickhouseQueryMs: Math.round(f.clickhouseQueryMs * 100) / 100,
        load: Number(f.load),
        failed: failed(f),
      })),
      serialMs: Object.fromEntries([...serial].map(([kind, times]) => [kind, spreadOf(times)])),
      breakdown,
      problems: problems.length,
    }),
  );
  if (bad.length || problems.length) {
    console.error(`bench:api: ${bad.length} figure(s) with errors or unexpected statuses, ${problems.length} wrong answer(s): these figures are not valid`);
    return 1;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Where the time goes.

interface Spread {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function spreadOf(values: number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? 0;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { n: s.length, p50: r(q(0.5)), p90: r(q(0.9)), p99: r(q(0.99)), max: r(s[s.length - 1] ?? 0) };
}

/**
 * One request at a time over the sampled lookups: the API end to end, the API alone (404 of an
 * unknown identifier: authentication, routing, the directory, no ClickHouse), and the reads the
 * profile route makes (activity and partner segments together, then the home area), replayed
 * through ClickHouseReads itself with the members and identifiers the API answered, timed here
 * (createClickHouse, as the API's client) and by ClickHouse (X-ClickHouse-Summary elapsed).
 */
async function whereTimeGoes(
  ch: ClickHouse,
  database: string,
  get: (path: string) => Promise<{ status: number; body: Record<string, unknown>; ms: number }>,
  mixed: string[],
  samples: Map<string, Sample[]>,
  unknownPaths: string[],
): Promise<Record<string, Spread>> {
  const recorded: { sql: string; params: QueryParams | undefined; ms: number }[] = [];
  const recording: ClickHouse = {
    ...ch,
    database: ch.database,
    query: async <T>(sql: string, params?: QueryParams) => {
      const t0 = performance.now();
      const rows = await ch.query<T>(sql, params);
      recorded.push({ sql, params, ms: performance.now() - t0 });
      return rows;
    },
  };
  const reads = new ClickHouseReads(recording);
  const picked = mixed.filter((_, i) => i % Math.max(1, Math.floor(mixed.length / 200)) === 0);
  const e2e: number[] = [];
  const routeReads: number[] = [];
  const perRead = new Map<string, { client: number[]; server: number[]; rows: number[] }>();
  const note = (what: string, client: number, server: number, rows: number) => {
    const m = perRead.get(what) ?? { client: [], server: [], rows: [] };
    m.client.push(client);
    m.server.push(server);
    m.rows.push(rows);
    perRead.set(what, m);
  };
  for (const path of picked) {
    const r = await get(path);
    e2e.push(r.ms);
    if (r.status !== 200) continue;
    const members = [r.body.personId as string, ...(r.body.mergedPersonIds as string[])];
    const identifiers = r.body.identifiers as CdpIdentity.Identifier[];
    // As the route: activity and partner segments at once, then the area of the home postal code.
    recorded.length = 0;
    const t0 = performance.now();
    const [activity] = await Promise.all([reads.activity(TENANT, members), reads.partnerSegments(TENANT, identifiers)]);
    if (activity && activity.home_postal_code !== '') await reads.area(activity.home_country, activity.home_postal_code);
    routeReads.push(performance.now() - t0);
    for (const [i, q] of recorded.entries()) {
      const what = /FROM person_activity/.test(q.sql) ? 'activity' : /ref_partner_segments/.test(q.sql) ? 'partner segments' : /ref_area_demographics/.test(q.sql) ? 'home area' : `query ${i}`;
      const p = await probe(database, q.sql, q.params ?? {});
      note(what, q.ms, p.summary.elapsedMs, p.summary.readRows);
    }
  }
  // Recommendations: what the person bought, and the activity, at once.
  const recommendReads: number[] = [];
  for (const s of (samples.get('person_id (survivor)') ?? []).slice(0, 100)) {
    const r = await get(profilePath(s));
    if (r.status !== 200) continue;
    const members = [r.body.personId as string, ...(r.body.mergedPersonIds as string[])];
    recorded.length = 0;
    const t0 = performance.now();
    await Promise.all([reads.bought(TENANT, members), reads.activity(TENANT, members)]);
    recommendReads.push(performance.now() - t0);
    for (const q of recorded.filter((x) => /person_products/.test(x.sql))) {
      const p = await probe(database, q.sql, q.params ?? {});
      note('bought (person_products)', q.ms, p.summary.elapsedMs, p.summary.readRows);
    }
  }
  const api404: number[] = [];
  for (const path of unknownPaths.slice(0, 200)) api404.push((await get(path)).ms);

  const out: Record<string, Spread> = {
    'API end to end, profile': spreadOf(e2e),
    'API alone (404, no ClickHouse)': spreadOf(api404),
    'profile route reads (as the route)': spreadOf(routeReads),
    'recommendation route reads': spreadOf(recommendReads),
  };
  say(`\nwhere the time of one profile goes: ${picked.length} lookups of every type, one at a time, no load from here (load average ${load1()}):`);
  say(`  ${'what'.padEnd(44)} ${'p50'.padStart(6)} ${'p90'.padStart(6)} ${'p99'.padStart(6)} ${'max'.padStart(6)}  (ms)`);
  const line = (what: string, s: Spread, extra = '') => say(`  ${what.padEnd(44)} ${ms(s.p50).padStart(6)} ${ms(s.p90).padStart(6)} ${ms(s.p99).padStart(6)} ${ms(s.max).padStart(6)}  ${extra}`);
  line('API end to end (fetch from here)', out['API end to end, profile']!);
  line('API alone: unknown identifier, 404', out['API alone (404, no ClickHouse)']!, 'auth, routing, directory, error reply; no ClickHouse');
  line('its ClickHouse reads, as the route makes them', out['profile route reads (as the route)']!, 'activity || partner segments, then home area; createClickHouse from here');
  for (const [what, m] of perRead) {
    const client = spreadOf(m.client);
    const server = spreadOf(m.server);
    const rows = spreadOf(m.rows);
    out[`${what} (client)`] = client;
    out[`${what} (server)`] = server;
    line(`  ${what}: client`, client, `rows read p50 ${n(rows.p50)}, max ${n(rows.max)}`);
    line(`  ${what}: ClickHouse elapsed`, server);
  }
  line('recommendation reads (bought || activity)', out['recommendation route reads']!);
  return out;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
