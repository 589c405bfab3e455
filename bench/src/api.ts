/**
 * `pnpm bench:api`: how fast the customer API (services/api, a process as deployed) answers at a
 * fixed request rate, on a database of at least a million events, cold and warm. Figures, nothing
 * asserted.
 *
 * The API keeps two reads per surviving person in memory (services/api/src/core/person-cache.ts):
 * the activity a profile shows and the purchases recommendations use, keyed by the person and
 * its merged persons, dropped when aggregation's change feed (aggregation.person-updates.v1)
 * names one of them, kept at most API_PERSON_CACHE_MAX_AGE_SECONDS (300) and
 * API_PERSON_CACHE_ENTRIES (100,000); the defaults are used here. Partner segments and area
 * demographics are in memory from their topics. So a profile reads ClickHouse once (person_activity)
 * the first time a person is asked for, and not while the read is kept. Three kinds of figures,
 * each labelled, at --rate requests/s over ~10 connections:
 *
 * 1. warm: a few hundred sampled identifiers per lookup type (user_id, anonymous_id, email_hash,
 *    loyalty_card; person id of surviving and of absorbed persons, which must answer with their
 *    survivor), and recommendations by person id, each set cycled for --duration seconds: nearly
 *    every read a cache hit (a returning web visitor's pages). Before each figure the bench names
 *    its persons on the feed and asks for each once (not timed): every entry is fresh, so none
 *    reaches its maximum age during the figure.
 * 2. warm with changes: the same, while the bench publishes notifications to the feed naming
 *    --changes of the requested persons a second (their persons at ingest, as aggregation names
 *    them), four records a second: each drops the person's entries and its next request reads
 *    ClickHouse again. What exact invalidation costs.
 * 3. cold: every request a person this API process was never asked for, so a miss each: the first
 *    lookup of a customer (the clerk's app at the door). rate × duration persons, each asked for
 *    once by one identifier, the lookup types in turn (too few persons to give every type a set
 *    of its own), p50/p99 also per type (timed in this process); recommendations of as many
 *    other persons. Every set is disjoint from every other and from the sampled persons.
 *
 * With each figure: p50 / p90 / p99 / max, requests, non-2xx, the rate achieved, the hit ratio of
 * the API's caches over the figure (from its /health: hits and misses before and after), the
 * API's CPU and ClickHouse's. Then unknown identifiers (404 before any read), and the headroom:
 * the highest rate the API takes (no rate set), warm, and cold over yet other new persons. Then
 * where the time of one request goes, one at a time: a miss (a new person: the API end to end,
 * and its ClickHouse read replayed through ClickHouseReads, timed here and by ClickHouse itself,
 * X-ClickHouse-Summary), a hit (the same person again at once), and the API alone (404).
 *
 * Checks, not timed: every sampled lookup answers with the expected survivor; events and revenue
 * of some profiles equal events_raw's; their partner segments and home areas equal ClickHouse's
 * tables; a notification naming a cached person (a survivor, and an absorbed person of another
 * survivor) drops its read: the next profile is a miss (/health misses +1), the one after a hit.
 *
 *   pnpm bench:api [--events 1000000] [--database bench_api] [--rate 200] [--duration 20]
 *                  [--samples 300] [--changes 20] [--connections 10] [--fresh]
 *
 * Data. Not streamed through the services: the events are generated inside ClickHouse by
 * bench:views' generator (bench/src/views.ts, tenant `bench`; a database it made is reused), and
 * the topics the API reads are then published from that database to Kafka under the prefix
 * `bench-api.`: identity's tables as the graph writer would have published them (one
 * IdentifierAssignment per identifier, its latest person in `identities`; one PersonMerge per
 * absorbed person, person_overrides, latest), and the loader's partner segments
 * (ref_partner_segments FINAL) and area demographics (ref_area_demographics FINAL), keyed as they
 * key them. Topics that already hold as many records as the database has rows for them are reused
 * (kept after the run for that); otherwise they are deleted and published again. The API follows
 * them into memory as it does in production. At a million events there are ~28,500 surviving
 * persons; the cold figures take rate × duration each (three sets) and 300 more: with fewer left,
 * a cold figure asks for fewer (said), each still once.
 *
 * Clear e-mail and phone lookups (types email, phone) cannot be measured here: the generator only
 * has e-mail hashes and no phones. They cost one salted SHA-256 more than email_hash.
 *
 * The API runs with a key file of its own (a key of tenant `bench` with every scope, in a
 * temporary file) and API_RECOMMENDATION_REFRESH_SECONDS=3600, so the lift model is built once,
 * at start (waited for), not during a measurement. Everything shares the machine: autocannon and
 * this process, the API, ClickHouse, Kafka, and whatever else runs (tests of others): the load
 * average is printed with every figure.
 *
 * Timing. autocannon paces a rate per connection: each connection sends its share of a second
 * back to back, then waits for the next second, so requests come in bursts of up to
 * --connections at once, not evenly spread. Latency is from sending a request to its answer;
 * autocannon's coordinated-omission correction is off, as it assumes an interval of 1 ms at these
 * rates (ceil(1 / per-connection rate)) and would add made-up samples. When the API cannot keep
 * up, fewer requests are sent than asked for (marked *), and the latencies are those of a
 * saturated API. A cold figure sends a fixed number of requests (autocannon's amount), so its rate
 * is its requests over the time from the first sent to the last answered, as timed here, or at a
 * rate over the seconds whose shares were sent if that is longer (each share goes at its second's
 * start, so the last is answered well before the end of its second).
 *
 * Needs the local stack (`pnpm stack:up`). Exits 1 when it cannot run, or when a figure had
 * errors or unexpected statuses (a latency of failed requests is no figure), or a check failed.
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
  type CdpAggregation,
  type CdpIdentity,
  type CdpReference,
  type ClickHouse,
  type EventProducer,
  type OutgoingRecord,
  type QueryParams,
  type TopicSpec,
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
const sleep = (millis: number) => new Promise((r) => setTimeout(r, millis));

const PREFIX = 'bench-api.';
const TOPICS = topicsWithPrefix(PREFIX);
/** Linux's USER_HZ: the unit of utime and stime in /proc/<pid>/stat. */
const CLOCK_TICKS_PER_SECOND = 100;
const kafkaClients = (clientId: string) => createKafkaClients({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId, logger: createLogger(clientId, 'silent') });

// ---------------------------------------------------------------------------------------------
// The topics the API reads, published from the generated database.

interface Published {
  assignments: number;
  merges: number;
  partnerSegments: number;
  areas: number;
  /** The groups whose topics were reused. */
  reused: string[];
  seconds: number;
}

/** Identifiers per read from ClickHouse while publishing: bounds this process's memory at 10M events. */
const PUBLISH_PAGE = 200_000;

/** Where records go: a producer, and an encoder of a topic's value type (its schema registered under the topic's subject). */
interface Out {
  producer: EventProducer;
  encoderOf: (topic: TopicSpec) => Promise<(value: unknown) => Buffer>;
}

function outOf(producer: EventProducer): Out {
  const catalog = loadSchemaCatalog();
  const codec = createAvroCodec({ url: process.env.SCHEMA_REGISTRY_URL ?? REGISTRY_URL });
  return {
    producer,
    encoderOf: async (topic) => {
      const id = await codec.idOf(valueSubjectOf(topic.name), catalog.resolve(topic.valueType));
      return (value) => codec.encode(id, value);
    },
  };
}

/** Topics published together: reused only when every one of them holds as many records as wanted. */
interface TopicGroup {
  what: string;
  topics: { topic: TopicSpec; want: number }[];
  /** Publishes the group; the records sent to each topic, in the order of `topics`. */
  publish: (out: Out) => Promise<number[]>;
}

async function publishTables(ch: ClickHouse): Promise<Published> {
  const started = performance.now();
  const [want] = await ch.query<{ assignments: number; merges: number; segments: number; areas: number }>(
    `SELECT (SELECT uniqExact(id_type, id_value) FROM identities WHERE tenant = {tenant:String}) AS assignments,
            (SELECT uniqExact(old_person_id) FROM person_overrides WHERE tenant = {tenant:String}) AS merges,
            (SELECT count() FROM ref_partner_segments FINAL WHERE tenant = {tenant:String} AND is_deleted = 0) AS segments,
            (SELECT count() FROM ref_area_demographics FINAL WHERE is_deleted = 0) AS areas`,
    { tenant: TENANT },
  );
  const groups: TopicGroup[] = [
    {
      what: "identity's tables",
      topics: [
        { topic: TOPICS.personMerges, want: num(want?.merges) },
        { topic: TOPICS.identifierAssignments, want: num(want?.assignments) },
      ],
      publish: (out) => publishIdentity(ch, out, num(want?.assignments)),
    },
    { what: 'partner segments', topics: [{ topic: TOPICS.partnerSegments, want: num(want?.segments) }], publish: async (out) => [await publishPartnerSegments(ch, out)] },
    { what: 'area demographics', topics: [{ topic: TOPICS.areaDemographics, want: num(want?.areas) }], publish: async (out) => [await publishAreas(ch, out)] },
  ];

  await prepareTopics(allTopics(PREFIX));
  const clients = kafkaClients('bench-api');
  const sent = new Map<TopicSpec, number>();
  const reused: string[] = [];
  const admin = await clients.admin();
  const producer = await clients.producer();
  const out = outOf(producer);
  try {
    for (const group of groups) {
      const t0 = performance.now();
      const names = group.topics.map((t) => t.topic.name);
      const held = await Promise.all(group.topics.map((t) => admin.endOffsetTotal(t.topic.name)));
      const wanted = group.topics.map((t) => `${n(t.want)} in ${t.topic.name}`).join(', ');
      if (group.topics.every((t, i) => held[i] === t.want)) {
        say(`  ${group.what}: reusing the topics (${wanted}: as many as the database has)`);
        for (const t of group.topics) sent.set(t.topic, t.want);
        reused.push(group.what);
        continue;
      }
      if (held.some((h) => h > 0)) {
        say(`  ${group.what}: the topics hold ${held.map(n).join(' and ')} records, the database ${group.topics.map((t) => n(t.want)).join(' and ')}: deleting and publishing again`);
        await admin.deleteTopics(names);
        // Deletion is asynchronous: a topic of the same name cannot be made until the old one is gone.
        for (const deadline = Date.now() + 60_000; (await admin.listTopics()).some((t) => names.includes(t)); ) {
          if (Date.now() > deadline) throw new Error(`${names.join(', ')} still exist 60 s after being deleted`);
          await sleep(250);
        }
        for (let attempt = 1; ; attempt++) {
          try {
            await prepareTopics(allTopics(PREFIX));
            break;
          } catch (error) {
            if (attempt >= 10) throw error;
            await sleep(500);
          }
        }
      }
      const counts = await group.publish(out);
      group.topics.forEach((t, i) => sent.set(t.topic, counts[i] ?? 0));
      say(`  ${group.what}: published ${group.topics.map((t, i) => `${n(counts[i] ?? 0)} to ${t.topic.name}`).join(' and ')} in ${secs(performance.now() - t0)}`);
    }
  } finally {
    await producer.close();
    await admin.close();
  }
  return {
    assignments: sent.get(TOPICS.identifierAssignments) ?? 0,
    merges: sent.get(TOPICS.personMerges) ?? 0,
    partnerSegments: sent.get(TOPICS.partnerSegments) ?? 0,
    areas: sent.get(TOPICS.areaDemographics) ?? 0,
    reused,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Merges first, as the API reads them first; keys as identity's mergeKey and assignmentKey. */
async function publishIdentity(ch: ClickHouse, { producer, encoderOf }: Out, assignments: number): Promise<number[]> {
  const encodeMerge = await encoderOf(TOPICS.personMerges);
  const encodeAssignment = await encoderOf(TOPICS.identifierAssignments);
  const mergeRows = await ch.query<{ from: string; to: string; merged_ms: number; cause: string }>(
    `SELECT old_person_id AS from, argMax(person_id, merged_at) AS to, toUnixTimestamp64Milli(max(merged_at)) AS merged_ms, argMax(cause_event_id, merged_at) AS cause
     FROM person_overrides WHERE tenant = {tenant:String} GROUP BY old_person_id`,
    { tenant: TENANT },
  );
  const mergeRecords = mergeRows.map((r): OutgoingRecord => {
    // The generator keeps no link (the identifiers that made the merge): the API does not read it.
    const m: CdpIdentity.PersonMerge = { tenant: TENANT, fromPersonId: r.from, toPersonId: r.to, mergedAt: num(r.merged_ms), causeEventId: r.cause, link: [], viaPersonId: null };
    return { key: `${m.tenant}|${m.fromPersonId}`, value: encodeMerge(m) };
  });
  await producer.send(TOPICS.personMerges.name, mergeRecords);

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
      return { key: `${a.tenant}|${a.identifier.type}|${a.identifier.value}`, value: encodeAssignment(a) };
    });
    await producer.send(TOPICS.identifierAssignments.name, records);
    published += records.length;
  }
  return [mergeRecords.length, published];
}

/** As the loader's segments dataset: segments sorted and distinct (the generator's may repeat one). */
async function publishPartnerSegments(ch: ClickHouse, { producer, encoderOf }: Out): Promise<number> {
  const encode = await encoderOf(TOPICS.partnerSegments);
  const rows = await ch.query<{ id_type: string; id_value: string; partner: string; segments: string[]; source_name: string; source_version: string; loaded_ms: number }>(
    `SELECT toString(id_type) AS id_type, id_value, toString(partner) AS partner, arraySort(arrayDistinct(segments)) AS segments,
            source_name, source_version, toUnixTimestamp64Milli(loaded_at) AS loaded_ms
     FROM ref_partner_segments FINAL
     WHERE tenant = {tenant:String} AND is_deleted = 0`,
    { tenant: TENANT },
  );
  const records = rows.map((r): OutgoingRecord => {
    const m: CdpReference.PartnerSegmentMembership = {
      tenant: TENANT,
      partner: r.partner,
      identifier: { type: r.id_type, value: r.id_value },
      segments: r.segments,
      sourceName: r.source_name,
      sourceVersion: r.source_version,
      loadedAt: num(r.loaded_ms),
    };
    return { key: `${m.tenant}|${m.partner}|${m.identifier.type}|${m.identifier.value}`, value: encode(m) };
  });
  await producer.send(TOPICS.partnerSegments.name, records);
  return records.length;
}

/** As the loader's demographics dataset; an empty municipality (the sink stores null as '') is null. */
async function publishAreas(ch: ClickHouse, { producer, encoderOf }: Out): Promise<number> {
  const encode = await encoderOf(TOPICS.areaDemographics);
  const rows = await ch.query<{
    country_code: string;
    postal_code: string;
    area_name: string;
    municipality: string;
    population: number;
    median_age: number | null;
    age_shares: Record<string, number>;
    median_income: number | null;
    households: number | null;
    household_shares: Record<string, number>;
    statistics_year: number | null;
    source_name: string;
    source_version: string;
    loaded_ms: number;
  }>(
    `SELECT toString(country_code) AS country_code, postal_code, area_name, municipality, population, median_age, age_shares, median_income,
            households, household_shares, statistics_year, source_name, source_version, toUnixTimestamp64Milli(loaded_at) AS loaded_ms
     FROM ref_area_demographics FINAL
     WHERE is_deleted = 0`,
  );
  const orNull = (x: number | null) => (x === null ? null : num(x));
  const records = rows.map((r): OutgoingRecord => {
    const a: CdpReference.AreaDemographics = {
      countryCode: r.country_code,
      postalCode: r.postal_code,
      areaName: r.area_name,
      municipality: r.municipality === '' ? null : r.municipality,
      population: num(r.population),
      medianAge: orNull(r.median_age),
      ageShares: r.age_shares,
      medianIncome: orNull(r.median_income),
      households: orNull(r.households),
      householdShares: r.household_shares,
      statisticsYear: orNull(r.statistics_year),
      sourceName: r.source_name,
      sourceVersion: r.source_version,
      loadedAt: num(r.loaded_ms),
    };
    return { key: `${a.countryCode}|${a.postalCode}`, value: encode(a) };
  });
  await producer.send(TOPICS.areaDemographics.name, records);
  return records.length;
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


/**
 * Persons this API process was never asked for, for the cold figures: every identifier with the
 * survivor it resolves to, each type's in the order of a hash (the same every run). A set takes
 * the types in turn, one identifier per surviving person, and never a person taken before, by
 * another set or the samples (`taken`).
 */
class FreshPersons {
  private readonly queues = new Map<string, { list: Sample[]; at: number }>();
  private readonly survivors = new Set<string>();

  constructor(
    candidates: readonly Sample[],
    private readonly taken: Set<string>,
  ) {
    for (const c of candidates) {
      let q = this.queues.get(c.kind);
      if (!q) this.queues.set(c.kind, (q = { list: [], at: 0 }));
      q.list.push(c);
      this.survivors.add(c.survivor);
    }
  }

  /** Surviving persons nobody has taken yet. */
  get left(): number {
    let left = 0;
    for (const s of this.survivors) if (!this.taken.has(s)) left++;
    return left;
  }

  /** Up to `count` identifiers of as many new persons, the kinds in turn while each has any left. */
  take(count: number, kinds: readonly string[]): Sample[] {
    const out: Sample[] = [];
    let open = kinds.filter((k) => this.queues.has(k));
    while (out.length < count && open.length > 0) {
      const still: string[] = [];
      for (const kind of open) {
        if (out.length >= count) break;
        const q = this.queues.get(kind)!;
        while (q.at < q.list.length && this.taken.has(q.list[q.at]!.survivor)) q.at++;
        if (q.at >= q.list.length) continue;
        const s = q.list[q.at++]!;
        this.taken.add(s.survivor);
        out.push(s);
        still.push(kind);
      }
      open = still;
    }
    return out;
  }
}

async function freshPersonsOf(ch: ClickHouse, taken: Set<string>): Promise<FreshPersons> {
  const rows = await ch.query<{ kind: string; value: string; survivor: string; events: number }>(
    `WITH ${CANDIDATES} SELECT kind, value, survivor, events FROM candidates ORDER BY cityHash64(kind, value), value`,
    { tenant: TENANT },
  );
  const typeOf = (kind: string) => KINDS.find((k) => k.kind === kind)?.type ?? kind;
  return new FreshPersons(rows.map((r) => ({ kind: r.kind, type: typeOf(r.kind), value: r.value, survivor: r.survivor, events: num(r.events) })), taken);
}

/** Events of the persons: min, median, max. */
function eventsOf(list: readonly Sample[]): string {
  const ev = list.map((s) => s.events).sort((a, b) => a - b);
  return `min ${n(ev[0] ?? 0)}, median ${n(ev[Math.floor(ev.length / 2)] ?? 0)}, max ${n(ev[ev.length - 1] ?? 0)}`;
}

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
// The API's caches (its /health), and the change feed that empties them.

interface CacheCounts {
  entries: number;
  hits: number;
  misses: number;
}
type CacheHealth = Record<'activity' | 'bought', CacheCounts>;
type CacheDelta = Record<'activity' | 'bought', { hits: number; misses: number }>;

const deltaOf = (before: CacheHealth, after: CacheHealth): CacheDelta => ({
  activity: { hits: after.activity.hits - before.activity.hits, misses: after.activity.misses - before.activity.misses },
  bought: { hits: after.bought.hits - before.bought.hits, misses: after.bought.misses - before.bought.misses },
});
const hitRatioOf = (d: { hits: number; misses: number }): number | undefined => (d.hits + d.misses > 0 ? d.hits / (d.hits + d.misses) : undefined);
const pct = (x: number | undefined) => (x === undefined ? '-' : (x * 100).toFixed(1));

/** Persons a record of the feed names at most, as aggregation's sink splits them. */
const FEED_RECORD_PERSONS = 2_000;
/** How often the notifier publishes during a figure with changes. */
const NOTIFY_EVERY_MS = 250;

interface Feed {
  /** Publishes what aggregation would after rows of these persons (at ingest) landed. */
  notify(personIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

async function openFeed(): Promise<Feed> {
  const producer = await kafkaClients('bench-api-feed').producer();
  const encode = await outOf(producer).encoderOf(TOPICS.personUpdates);
  return {
    async notify(personIds) {
      for (let i = 0; i < personIds.length; i += FEED_RECORD_PERSONS) {
        const u: CdpAggregation.PersonUpdates = { tenant: TENANT, personIds: personIds.slice(i, i + FEED_RECORD_PERSONS), landedAt: Date.now() };
        await producer.send(TOPICS.personUpdates.name, [{ key: TENANT, value: encode(u) }]);
      }
    },
    close: () => producer.close(),
  };
}

interface Notified {
  records: number;
  /** Surviving persons named (each with all its persons at ingest). */
  persons: number;
  perSecond: number;
}

/**
 * Names `perSecond` of the persons a second (each a list of its persons at ingest), in turn, in
 * one record every NOTIFY_EVERY_MS, until the returned function is called.
 */
function notifyWhile(feed: Feed, persons: readonly (readonly string[])[], perSecond: number): () => Promise<Notified> {
  let stopped = false;
  let records = 0;
  let named = 0;
  const t0 = performance.now();
  const loop = (async () => {
    while (!stopped) {
      await sleep(NOTIFY_EVERY_MS);
      const due = Math.floor(((performance.now() - t0) / 1000) * perSecond) - named;
      if (stopped || due <= 0 || persons.length === 0) continue;
      const ids = new Set<string>();
      for (let i = 0; i < due; i++) for (const p of persons[(named + i) % persons.length]!) ids.add(p);
      await feed.notify([...ids]);
      records++;
      named += due;
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return { records, persons: named, perSecond: named / ((performance.now() - t0) / 1000) };
  };
}

async function eachAtOnce<T>(items: readonly T[], width: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Load.

type Regime = 'warm' | 'warm with changes' | 'cold' | 'no person (404)';

interface Figure {
  label: string;
  regime: Regime;
  paths: number;
  /** Each path asked for once (autocannon's amount), not cycled for a duration. */
  once: boolean;
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
  /** The API's cache counters over the figure. */
  cache: CacheDelta;
  /** Latency by lookup type, timed in this process (send to answer), when asked for. */
  byKind?: Record<string, Spread>;
  /** Requests sent beyond the paths (a path asked for again): 0 for a cold figure to be cold. */
  repeated: number;
  notified?: Notified;
  load: string;
  firstUnexpected: string | undefined;
}

const failed = (f: Figure) => f.errors > 0 || f.timeouts > 0 || Object.entries(f.statuses).some(([code, count]) => count > 0 && !f.expected.includes(Number(code)));
const isRecommendation = (f: Figure) => f.label.startsWith('recommendations');
/** The hit ratio of the cache the figure's route reads: activity, and for recommendations bought as well. */
const hitsOf = (f: Figure) =>
  f.regime === 'no person (404)' ? '-' : isRecommendation(f) ? `${pct(hitRatioOf(f.cache.activity))}/${pct(hitRatioOf(f.cache.bought))}` : pct(hitRatioOf(f.cache.activity));

interface LoadSpec {
  label: string;
  regime: Regime;
  paths: readonly string[];
  /** The lookup type of each path, for latency by type. */
  kinds?: readonly string[];
  /** undefined: as fast as the API answers. */
  rate: number | undefined;
  /** Cycles the paths this long; without it each path is asked for once. */
  seconds?: number;
  expected?: number[];
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '1000000' },
      database: { type: 'string', default: 'bench_api' },
      rate: { type: 'string', default: '200' },
      duration: { type: 'string', default: '20' },
      samples: { type: 'string', default: '300' },
      changes: { type: 'string', default: '20' },
      connections: { type: 'string', default: '10' },
      chunk: { type: 'string', default: '250000' },
      fresh: { type: 'boolean', default: false },
    },
  });
  const events = positive('events', values.events);
  const rate = positive('rate', values.rate);
  const duration = positive('duration', values.duration);
  const perKind = positive('samples', values.samples);
  const changes = positive('changes', values.changes);
  const connections = positive('connections', values.connections);
  const chunk = positive('chunk', values.chunk);
  const database = values.database;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    console.error(`--database must be a plain identifier, got ${database}`);
    return 2;
  }
  const started = performance.now();
  say(`bench:api: the customer API at ${rate} requests/s, cold and warm, by identifier type, on the generated database ${database}`);
  say(`  machine: ${describeMachine()}`);
  say(`  options: --events ${events} --database ${database} --rate ${rate} --duration ${duration} --samples ${perKind} --changes ${changes} --connections ${connections}${values.fresh ? ' --fresh' : ''}`);
  say(`  load average (1 min) at start: ${load1()}  (other work on the machine, tests included, skews every figure)`);
  say("  data: events generated inside ClickHouse (bench:views' generator), identity's tables and the reference data published to Kafka from them; nothing streamed through the services");

  const { meta } = await ensureBenchDatabase({ database, events, chunk, fresh: values.fresh });
  const ch = createClickHouse({ ...CONNECTION, database });
  const runTag = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const keysFile = join(tmpdir(), `bench-api-keys-${runTag}.json`);
  let pipeline: TestPipeline | undefined;
  let feed: Feed | undefined;
  let current: autocannon.Instance | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await pipeline?.stopAll().catch((e: unknown) => say(`  cleanup: could not stop the API: ${(e as Error).message}`));
      await feed?.close().catch(() => undefined);
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
    return await measureAll({
      ch,
      database,
      meta,
      rate,
      duration,
      perKind,
      changes,
      connections,
      keysFile,
      runTag,
      started,
      setPipeline: (p) => (pipeline = p),
      setFeed: (f) => (feed = f),
      setCurrent: (c) => (current = c),
      interrupted: () => interrupted,
    });
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
  /** Persons a second named on the change feed during a figure with changes. */
  changes: number;
  connections: number;
  keysFile: string;
  runTag: string;
  started: number;
  setPipeline: (p: TestPipeline) => void;
  setFeed: (f: Feed) => void;
  setCurrent: (c: autocannon.Instance | undefined) => void;
  interrupted: () => boolean;
}

async function measureAll(run: Run): Promise<number> {
  const { ch, database, meta, rate, duration, perKind, changes, connections } = run;

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

  // -- The topics the API reads
  const published = await publishTables(ch);
  const feed = await openFeed();
  run.setFeed(feed);

  // -- The API
  const key = `bench-api-${randomBytes(16).toString('hex')}`;
  writeFileSync(
    run.keysFile,
    JSON.stringify({ $comment: 'bench:api, deleted after the run', keys: [{ name: 'bench-all', sha256: createHash('sha256').update(key, 'utf8').digest('hex'), tenant: TENANT, scopes: Object.keys(SCOPES) }] }),
  );
  const pipeline = await createTestPipeline({ prefix: PREFIX, database, groupSuffix: run.runTag });
  run.setPipeline(pipeline);
  const t = performance.now();
  await pipeline.start('api', { API_KEYS_FILE: run.keysFile, API_RECOMMENDATION_REFRESH_SECONDS: '3600', LOG_LEVEL: 'info' });
  const healthyMs = performance.now() - t;
  const pid = pipeline.pid('api');
  const logLine = (msg: string) => logRecordsOf(pipeline.output('api')).find((l) => l.msg === msg);
  // The lift model builds in the background once the API is ready: recommendations are measured with it.
  for (const deadline = Date.now() + 300_000; !logLine('recommendation model built'); ) {
    if (Date.now() > deadline) throw new Error('the API built no recommendation model within 300 s');
    await sleep(250);
  }
  const modelMs = performance.now() - t;
  const ready = logLine('api ready');
  const model = logLine('recommendation model built');
  const startMemory = memoryOf(pid);
  say(`\nAPI at ${pipeline.apiUrl} (pid ${pid ?? '?'}): healthy ${secs(healthyMs)} after start (process start, the directory and the reference data read), the lift model built ${secs(modelMs)} after start`);
  const directory = ready?.directory as { identifiers?: number; merges?: number } | undefined;
  const reference = ready?.reference as { partnerMemberships?: number; areas?: number } | undefined;
  const directoryMs = ready ? num(ready.ms) : undefined;
  say(
    `  its log: directory of ${n(num(directory?.identifiers))} identifiers and ${n(num(directory?.merges))} merges, ${n(num(reference?.partnerMemberships))} partner memberships and ${n(num(reference?.areas))} areas, read in ${directoryMs === undefined ? '?' : `${n(directoryMs)} ms`}` +
      `${model ? `; the lift model built in ${n(num(model.ms))} ms (${n(num(model.pairs))} pairs)` : ''}`,
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
  const health = async (): Promise<CacheHealth> => {
    const body = (await (await fetch(`${pipeline.apiUrl}/health`)).json()) as { cache?: CacheHealth };
    if (!body.cache?.activity || !body.cache.bought) throw new Error(`the API's /health has no cache counters: ${JSON.stringify(body).slice(0, 200)}`);
    return body.cache;
  };

  // -- Samples (the warm figures' persons)
  const { samples, totals } = await samplesOf(ch, perKind);
  say(`\nsamples for the warm figures (ranked by the survivor's events, half log-spaced from the most active, half evenly spaced):`);
  for (const { kind } of KINDS) {
    const list = samples.get(kind) ?? [];
    say(`  ${kind.padEnd(22)} ${String(list.length).padStart(4)} of ${n(totals.get(kind) ?? 0).padStart(7)}; events of their person: ${eventsOf(list)}`);
  }
  say('  email and phone (clear values): not measurable here, the generator has only e-mail hashes and no phones');

  // -- Correctness, and a first pass over every path (not timed as figures)
  const problems: string[] = [];
  const serial = new Map<string, number[]>();
  /** Survivor -> its persons at ingest (itself and its merged persons), as the API answered. */
  const membersOf = new Map<string, string[]>();
  const bodies: Record<string, unknown>[] = [];
  for (const { kind } of KINDS) {
    const times: number[] = [];
    for (const s of samples.get(kind) ?? []) {
      const r = await get(profilePath(s));
      times.push(r.ms);
      if (r.status !== 200) problems.push(`${kind} ${s.value}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
      else if (r.body.personId !== s.survivor) problems.push(`${kind} ${s.value}: person ${String(r.body.personId)}, expected ${s.survivor}`);
      else if (kind === 'person_id (absorbed)' && !(r.body.mergedPersonIds as string[]).includes(s.value)) problems.push(`${kind} ${s.value}: not among the survivor's mergedPersonIds`);
      else {
        membersOf.set(s.survivor, [s.survivor, ...(r.body.mergedPersonIds as string[])]);
        if (kind === 'email_hash' && bodies.length < 100) bodies.push(r.body);
      }
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
  const referenceCheck = await checkReferenceData(ch, bodies);
  problems.push(...referenceCheck.problems);
  const allPaths = [...samples.values()].reduce((a, l) => a + l.length, 0);
  say(`\ncheck (not timed): ${n(allPaths)} lookups each answered with the expected survivor${problems.length ? ' EXCEPT the problems below' : ''}; absorbed person ids answer with their survivor and list themselves among its merged persons`);
  say(`  events and revenue of ${figuresChecked} profiles (${checked.filter((s) => s.kind === 'person_id (absorbed)').length} looked up by an absorbed person id) equal events_raw's through person_overrides`);
  say(`  partner segments of ${referenceCheck.profiles} profiles by email_hash (${referenceCheck.withSegments} with any) equal ref_partner_segments FINAL's for their e-mail hashes; home areas of ${referenceCheck.withArea} equal ref_area_demographics FINAL's`);
  say(`  recommendations: ${withItems} of ${survivors.length} sampled persons got at least one item`);
  say("  that pass, one request at a time (ms; a person's first request a miss, another identifier of a person already asked for a hit):");
  for (const [kind, times] of serial) {
    const s = spreadOf(times);
    say(`    ${kind.padEnd(22)} p50 ${ms(s.p50).padStart(6)}  p90 ${ms(s.p90).padStart(6)}  p99 ${ms(s.p99).padStart(6)}  max ${ms(s.max).padStart(6)}`);
  }

  // -- Invalidation, once: a notification drops the person's read
  const invalidation = await checkInvalidation(feed, get, health, survivors, membersOf);
  problems.push(...invalidation.problems);
  for (const line of invalidation.lines) say(line);
  for (const p of problems.slice(0, 10)) say(`  PROBLEM: ${p}`);
  if (problems.length > 10) say(`  ... and ${problems.length - 10} more problems`);

  // -- New persons for the cold figures
  const lookupKinds = KINDS.map(({ kind }) => kind);
  const taken = new Set([...samples.values()].flat().map((s) => s.survivor));
  const pool = await freshPersonsOf(ch, taken);
  const perRun = rate * duration;
  const coldProfiles = pool.take(perRun, lookupKinds);
  const coldRecommendations = pool.take(perRun, ['person_id (survivor)']);
  const coldHeadroom = pool.take(perRun, lookupKinds);
  const serialMiss = pool.take(200, lookupKinds);
  const serialRecommendationMiss = pool.take(100, ['person_id (survivor)']);
  say(`\nnew persons for the cold figures (never asked for before, one identifier each, the lookup types in turn; disjoint sets, none a sampled person's): ${n(pool.left)} surviving persons left`);
  const sizes = (list: Sample[]) => lookupKinds.map((k) => [k, list.filter((s) => s.kind === k).length] as const).filter(([, c]) => c > 0).map(([k, c]) => `${k} ${c}`).join(', ');
  for (const [what, list, wanted] of [
    ['profiles at the rate', coldProfiles, perRun],
    ['recommendations at the rate', coldRecommendations, perRun],
    ['profiles, headroom', coldHeadroom, perRun],
    ['one at a time, profiles', serialMiss, 200],
    ['one at a time, recommendations', serialRecommendationMiss, 100],
  ] as const) {
    if (list.length < connections) throw new Error(`too few persons left for the cold figures (${what}: ${list.length}): ask for a lower --rate or --duration`);
    say(`  ${what.padEnd(31)} ${n(list.length).padStart(6)} persons${list.length < wanted ? ` (of ${n(wanted)} wanted: no more left)` : ''}: ${sizes(list)}; events ${eventsOf(list)}`);
  }

  // -- Load
  const unknownPaths = Array.from({ length: 500 }, (_, i) => `/v1/profiles/user_id/bench-api-unknown-${i}`);
  const pathsOf = (kind: string) => (samples.get(kind) ?? []).map(profilePath);
  /** Each sampled person once, with its persons at ingest. */
  const personsOf = (list: readonly Sample[]) => [...new Set(list.map((s) => s.survivor))].map((s) => membersOf.get(s) ?? [s]);
  const mixed = lookupKinds.flatMap((kind) => pathsOf(kind));
  const recommendationPaths = survivors.map((s) => `${profilePath(s)}/recommendations`);
  const runLoad = async (spec: LoadSpec): Promise<Figure> => {
    const { paths, kinds, rate: perSecond } = spec;
    const expected = spec.expected ?? [200];
    const once = spec.seconds === undefined;
    let next = 0;
    let repeated = 0;
    let firstSent = Infinity;
    let lastAnswered = 0;
    let firstUnexpected: string | undefined;
    const byKind = new Map<string, number[]>();
    const request: autocannon.Request = {
      method: 'GET',
      // Called right before a connection sends (autocannon resets the context in between).
      setupRequest: (req, context) => {
        const i = next++;
        if (i >= paths.length) repeated++;
        const sent = performance.now();
        firstSent = Math.min(firstSent, sent);
        context.index = i % paths.length;
        context.sent = sent;
        return { ...req, path: paths[i % paths.length]! };
      },
      onResponse: (status, body, context) => {
        const answered = performance.now();
        lastAnswered = answered;
        if (!expected.includes(status)) firstUnexpected ??= `${status} ${body.slice(0, 200)}`;
        if (kinds) {
          const kind = kinds[context.index as number]!;
          let times = byKind.get(kind);
          if (!times) byKind.set(kind, (times = []));
          times.push(answered - (context.sent as number));
        }
      },
    };
    const cacheBefore = await health();
    const chBefore = await clickhouseCounters(ch);
    const cpuBefore = cpuSecondsOf(pid);
    const t0 = performance.now();
    const instance = autocannon({
      url: pipeline.apiUrl,
      connections: once ? Math.min(connections, paths.length) : connections,
      pipelining: 1,
      timeout: 10,
      headers,
      requests: [request],
      ...(once ? { amount: paths.length } : { duration: spec.seconds }),
      ...(perSecond ? { overallRate: perSecond, ignoreCoordinatedOmission: true } : {}),
    });
    run.setCurrent(instance);
    const r = await instance;
    run.setCurrent(undefined);
    const wall = (performance.now() - t0) / 1000;
    const cpu = cpuSecondsOf(pid) - cpuBefore;
    const chAfter = await clickhouseCounters(ch);
    const cache = deltaOf(cacheBefore, await health());
    const chQueries = chAfter.queries - chBefore.queries;
    const statuses = Object.fromEntries(Object.entries(r.statusCodeStats).map(([code, { count }]) => [code, count]));
    const requests = r.requests.total ?? 0;
    const answered = Math.max(1, requests);
    // autocannon's duration of a run of a fixed amount ends at its next one-second tick: timed here
    // instead, and at a rate no shorter than the seconds whose shares were sent (each at a second's start).
    const seconds = once && lastAnswered > firstSent ? Math.max((lastAnswered - firstSent) / 1000, perSecond ? requests / perSecond : 0) : r.duration;
    return {
      label: spec.label,
      regime: spec.regime,
      paths: paths.length,
      once,
      rate: perSecond,
      seconds,
      requests,
      achievedRate: requests / seconds,
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
      cache,
      ...(kinds ? { byKind: Object.fromEntries([...byKind].map(([kind, times]) => [kind, spreadOf(times)])) } : {}),
      repeated: once ? repeated : 0,
      load: load1(),
      firstUnexpected,
    };
  };

  /**
   * Fresh entries for a warm figure: names the persons on the feed, waits until the API dropped
   * their entries, and asks for every path once (not timed), so each entry is younger than the
   * cache's maximum age throughout the figure.
   */
  const rewarm = async (paths: readonly string[], persons: readonly (readonly string[])[]) => {
    const before = await health();
    await feed.notify([...new Set(persons.flat())]);
    for (const deadline = performance.now() + 10_000; ; ) {
      const now = await health();
      if (now.activity.entries < before.activity.entries || now.bought.entries < before.bought.entries) break;
      if (performance.now() > deadline) {
        say('  note: no cached entry dropped within 10 s of naming the persons on the feed; asking for them anyway');
        break;
      }
      await sleep(20);
    }
    await eachAtOnce(paths, connections, (path) => get(path));
  };

  const figures: Figure[] = [];
  const printHeader = () => {
    say(`  ${'what'.padEnd(36)} ${'paths'.padStart(5)} ${'reqs'.padStart(7)} ${'req/s'.padStart(6)} ${'p50'.padStart(6)} ${'p90'.padStart(6)} ${'p99'.padStart(6)} ${'max'.padStart(6)} ${'non2xx'.padStart(6)} ${'err'.padStart(4)} ${'hit %'.padStart(9)} | ${'API'.padStart(5)} ${'API'.padStart(6)} ${'CH'.padStart(6)} ${'CH'.padStart(6)} ${'CH'.padStart(6)} ${'load'.padStart(5)}`);
    say(`  ${''.padEnd(36)} ${''.padStart(5)} ${''.padStart(7)} ${''.padStart(6)} ${'(whole ms, sent to answered)'.padStart(27)} ${''.padStart(11)} ${''.padStart(9)} | ${'cpu %'.padStart(5)} ${'ms/req'.padStart(6)} ${'ms/req'.padStart(6)} ${'q/s'.padStart(6)} ${'q ms'.padStart(6)} ${'1 min'.padStart(5)}`);
  };
  const printFigure = (f: Figure) => {
    figures.push(f);
    const bad = failed(f);
    // Fewer answers than asked for: the API did not keep up, and every connection waited on it.
    const short = f.rate !== undefined && f.achievedRate < f.rate * 0.95;
    say(
      `  ${`${f.label}${short ? ' *' : ''}`.padEnd(36)} ${String(f.paths).padStart(5)} ${n(f.requests).padStart(7)} ${f.achievedRate.toFixed(0).padStart(6)} ${ms(f.p50).padStart(6)} ${ms(f.p90).padStart(6)} ${ms(f.p99).padStart(6)} ${ms(f.max).padStart(6)} ${n(f.non2xx).padStart(6)} ${n(f.errors + f.timeouts).padStart(4)} ${hitsOf(f).padStart(9)} | ` +
        `${f.apiCpuPercent.toFixed(0).padStart(5)} ${ms(f.apiCpuMsPerRequest).padStart(6)} ${ms(f.clickhouseCpuMsPerRequest).padStart(6)} ${f.clickhouseQueriesPerSecond.toFixed(0).padStart(6)} ${ms(f.clickhouseQueryMs).padStart(6)} ${f.load.padStart(5)}` +
        (f.notified ? `  (${f.notified.perSecond.toFixed(1)} persons/s named on the feed, ${f.notified.records} records)` : '') +
        (f.repeated ? `  (${f.repeated} requests asked for a person again)` : '') +
        (bad ? `  FAILED: statuses ${JSON.stringify(f.statuses)}, ${f.errors} errors, ${f.timeouts} timeouts; first: ${f.firstUnexpected ?? '?'}` : ''),
    );
    if (f.byKind) {
      for (const [kind, s] of Object.entries(f.byKind)) say(`    ${kind.padEnd(34)} ${String(s.n).padStart(5)} requests: p50 ${ms(s.p50)}, p90 ${ms(s.p90)}, p99 ${ms(s.p99)}, max ${ms(s.max)} ms (timed in this process)`);
    }
  };
  const connectionsAt = (r: number) => Math.min(connections, r);

  say(`\nwarm-up: 5 s at ${rate} requests/s over every sampled lookup (not in the figures)`);
  await runLoad({ label: 'warm-up', regime: 'warm', paths: mixed, rate, seconds: 5 });
  if (run.interrupted()) return 130;

  say(`\nwarm, at ${rate} requests/s: the sampled identifiers cycled for ${duration} s each, after their persons were named on the feed and asked for once (${connectionsAt(rate)} connections; each sends its share of a second back to back, then waits):`);
  printHeader();
  for (const kind of lookupKinds) {
    await rewarm(pathsOf(kind), personsOf(samples.get(kind) ?? []));
    printFigure(await runLoad({ label: `profile by ${kind}`, regime: 'warm', paths: pathsOf(kind), rate, seconds: duration }));
    if (run.interrupted()) return 130;
  }
  await rewarm(recommendationPaths, personsOf(survivors));
  const warmRecommendations = await runLoad({ label: 'recommendations by person_id', regime: 'warm', paths: recommendationPaths, rate, seconds: duration });
  printFigure(warmRecommendations);
  if (run.interrupted()) return 130;

  say(`\nwarm with changes, at ${rate} requests/s: as warm, while ${changes} of the requested persons a second are named on the change feed (${TOPICS.personUpdates.name}, their persons at ingest, ${1000 / NOTIFY_EVERY_MS} records a second): each drops the person's reads`);
  printHeader();
  const withChanges = async (label: string, paths: string[], persons: string[][]) => {
    await rewarm(paths, persons);
    // Named in another order than asked for.
    const stop = notifyWhile(feed, [...persons].reverse(), changes);
    const f = await runLoad({ label, regime: 'warm with changes', paths, rate, seconds: duration });
    f.notified = await stop();
    printFigure(f);
    return f;
  };
  for (const kind of lookupKinds) {
    await withChanges(`profile by ${kind}`, pathsOf(kind), personsOf(samples.get(kind) ?? []));
    if (run.interrupted()) return 130;
  }
  const changedRecommendations = await withChanges('recommendations by person_id', recommendationPaths, personsOf(survivors));
  if (run.interrupted()) return 130;

  say(`\ncold, at ${rate} requests/s: every request a person this API process was never asked for (a miss each), each asked for once:`);
  printHeader();
  const cold = await runLoad({ label: 'profile, lookup types in turn', regime: 'cold', paths: coldProfiles.map(profilePath), kinds: coldProfiles.map((s) => s.kind), rate });
  printFigure(cold);
  const coldRecommendationsFigure = await runLoad({ label: 'recommendations by person_id', regime: 'cold', paths: coldRecommendations.map((s) => `${profilePath(s)}/recommendations`), rate });
  printFigure(coldRecommendationsFigure);
  if (run.interrupted()) return 130;

  say(`\nno person, at ${rate} requests/s:`);
  printHeader();
  printFigure(await runLoad({ label: 'unknown user_id (404, no ClickHouse)', regime: 'no person (404)', paths: unknownPaths, rate, seconds: duration, expected: [404] }));
  if (run.interrupted()) return 130;

  say(`\nheadroom: as fast as it answers (${connections} connections, no rate set):`);
  printHeader();
  await rewarm(mixed, personsOf([...samples.values()].flat()));
  const flat = await runLoad({ label: 'warm: profile, every type mixed', regime: 'warm', paths: mixed, rate: undefined, seconds: duration });
  printFigure(flat);
  const flatCold = await runLoad({ label: 'cold: profile, types in turn', regime: 'cold', paths: coldHeadroom.map(profilePath), kinds: coldHeadroom.map((s) => s.kind), rate: undefined });
  printFigure(flatCold);
  printFigure(await runLoad({ label: 'unknown user_id (404, no ClickHouse)', regime: 'no person (404)', paths: unknownPaths, rate: undefined, seconds: Math.min(duration, 10), expected: [404] }));
  if (run.interrupted()) return 130;
  const loadedMemory = memoryOf(pid);
  const finalCache = await health();
  say(`  API RSS after the load: ${loadedMemory ? `${loadedMemory.rssMb.toFixed(0)} MB (peak ${loadedMemory.peakMb.toFixed(0)} MB)` : 'unknown'}; cached reads: ${n(finalCache.activity.entries)} activity, ${n(finalCache.bought.entries)} bought`);
  say('  * the rate asked for was not reached: the API did not keep up, so these latencies are those of a saturated API with every connection waiting');
  say('  hit %: the API\'s cache hits over hits and misses during the figure (/health), of the activity read; for recommendations activity/bought.');
  say('  API cpu: the API process (/proc), per wall second and per request answered. CH: ClickHouse\'s own counters over the run (system.events, every query of the server,');
  say('  other work on it included): CPU of query threads per request answered, SELECTs per second and their mean time.');
  say('  A cold figure asks for each of its persons once; its req/s is its requests over the time from the first sent to the last answered, or at a rate');
  say('  over the seconds whose shares were sent if that is longer (a second\'s share goes at its start: the rate asked for when the API kept up).');

  // -- Where the time of one request goes (one at a time, no other load from here)
  const breakdown = await whereTimeGoes(ch, database, get, health, serialMiss, serialRecommendationMiss, unknownPaths);
  problems.push(...breakdown.problems);

  const bad = figures.filter(failed);
  say(`\n  whole run: ${secs(performance.now() - run.started)}; load average (1 min) at end: ${load1()}`);
  const warmProfiles = figures.filter((f) => f.regime === 'warm' && f.rate && f.label.startsWith('profile'));
  const changedProfiles = figures.filter((f) => f.regime === 'warm with changes' && f.label.startsWith('profile'));
  const range = (xs: number[], unit: (x: number) => string) => (Math.min(...xs) === Math.max(...xs) ? unit(xs[0]!) : `${unit(Math.min(...xs))}-${unit(Math.max(...xs))}`);
  const hitRange = (fs: Figure[]) => range(fs.map((f) => (hitRatioOf(f.cache.activity) ?? 0) * 100), (x) => x.toFixed(1));
  say(`  topics ${PREFIX}* are kept for the next run`);
  say(
    `\nreadme: customer API asked for ${rate} requests/s on ${n(num(census?.events))} events: ` +
      `cold (every request a new person, one ClickHouse read) ${cold.achievedRate.toFixed(0)} profiles/s p50 ${ms(cold.p50)} p99 ${ms(cold.p99)} ms (${n(cold.requests)} persons), recommendations ${coldRecommendationsFigure.achievedRate.toFixed(0)}/s p99 ${ms(coldRecommendationsFigure.p99)} ms; ` +
      `warm (a few hundred persons cycled, ${hitRange(warmProfiles)} % cache hits) ${range(warmProfiles.map((f) => f.achievedRate), (x) => x.toFixed(0))} profiles/s p50 ${range(warmProfiles.map((f) => f.p50), ms)} p99 ${range(warmProfiles.map((f) => f.p99), ms)} ms by identifier type, recommendations p99 ${ms(warmRecommendations.p99)} ms; ` +
      `warm with ${changes} persons/s changed (${hitRange(changedProfiles)} % hits) p99 ${range(changedProfiles.map((f) => f.p99), ms)} ms, recommendations p99 ${ms(changedRecommendations.p99)} ms; ` +
      `at most ${flat.achievedRate.toFixed(0)} profiles/s warm, ${flatCold.achievedRate.toFixed(0)} cold; one at a time p50 ${ms(breakdown.spreads['profile, miss']!.p50)} ms a miss, ${ms(breakdown.spreads['profile, hit']!.p50)} ms a hit ` +
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
      api: {
        healthyMs: Math.round(healthyMs),
        directoryAndReferenceMs: directoryMs ?? null,
        liftModelMs: model ? num(model.ms) : null,
        rssMb: startMemory ? Math.round(startMemory.rssMb) : null,
        rssAfterLoadMb: loadedMemory ? Math.round(loadedMemory.rssMb) : null,
        cachedAfterLoad: { activity: finalCache.activity.entries, bought: finalCache.bought.entries },
      },
      rate,
      durationSeconds: duration,
      connections,
      changesPerSecond: changes,
      coldPersons: { profiles: coldProfiles.length, recommendations: coldRecommendations.length, headroom: coldHeadroom.length, oneAtATime: serialMiss.length + serialRecommendationMiss.length, left: pool.left },
      invalidation: invalidation.dropMs,
      figures: figures.map((f) => ({
        regime: f.regime,
        label: f.label,
        rate: f.rate ?? null,
        paths: f.paths,
        requests: f.requests,
        achievedRate: Math.round(f.achievedRate),
        p50: f.p50,
        p90: f.p90,
        p99: f.p99,
        max: f.max,
        non2xx: f.non2xx,
        errors: f.errors + f.timeouts,
        cache: f.cache,
        hitRatio: { activity: hitRatioOf(f.cache.activity) ?? null, bought: hitRatioOf(f.cache.bought) ?? null },
        ...(f.notified ? { notified: { ...f.notified, perSecond: Math.round(f.notified.perSecond * 10) / 10 } } : {}),
        ...(f.byKind ? { byKind: f.byKind } : {}),
        apiCpuPercent: Math.round(f.apiCpuPercent),
        apiCpuMsPerRequest: Math.round(f.apiCpuMsPerRequest * 100) / 100,
        clickhouseCpuMsPerRequest: Math.round(f.clickhouseCpuMsPerRequest * 100) / 100,
        clickhouseQueryMs: Math.round(f.clickhouseQueryMs * 100) / 100,
        load: Number(f.load),
        failed: failed(f),
      })),
      firstPassMs: Object.fromEntries([...serial].map(([kind, times]) => [kind, spreadOf(times)])),
      breakdown: breakdown.spreads,
      problems: problems.length,
    }),
  );
  if (bad.length || problems.length) {
    for (const p of breakdown.problems) say(`  PROBLEM: ${p}`);
    console.error(`bench:api: ${bad.length} figure(s) with errors or unexpected statuses, ${problems.length} problem(s): these figures are not valid`);
    return 1;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Checks.

/** Partner segments and home areas of profiles against ClickHouse's tables, as the API read them before it held them in memory. */
async function checkReferenceData(ch: ClickHouse, bodies: readonly Record<string, unknown>[]): Promise<{ profiles: number; withSegments: number; withArea: number; problems: string[] }> {
  const problems: string[] = [];
  let withSegments = 0;
  let withArea = 0;
  for (const body of bodies) {
    const ids = (body.identifiers as CdpIdentity.Identifier[]).filter((i) => i.type === 'email_hash' || i.type === 'phone_hash');
    const want = ids.length
      ? await ch.query<{ partner: string; segments: string[] }>(
          `SELECT toString(partner) AS partner, arraySort(groupUniqArrayArray(segments)) AS segments
           FROM ref_partner_segments FINAL
           WHERE tenant = {tenant:String} AND has(arrayZip({types:Array(String)}, {values:Array(String)}), (toString(id_type), id_value)) AND is_deleted = 0
           GROUP BY partner
           ORDER BY partner`,
          { tenant: TENANT, types: ids.map((i) => i.type), values: ids.map((i) => i.value) },
        )
      : [];
    if (want.length) withSegments++;
    if (JSON.stringify(body.partnerSegments) !== JSON.stringify(want)) {
      problems.push(`person ${String(body.personId)}: partner segments ${JSON.stringify(body.partnerSegments)}, ref_partner_segments says ${JSON.stringify(want)}`);
    }
    const home = body.homeArea as { countryCode: string; postalCode: string; name: string | null; population: number | null } | null;
    if (!home) continue;
    withArea++;
    const [area] = await ch.query<{ area_name: string; population: number }>(
      'SELECT area_name, population FROM ref_area_demographics FINAL WHERE country_code = {country:String} AND postal_code = {postalCode:String} AND is_deleted = 0',
      { country: home.countryCode, postalCode: home.postalCode },
    );
    if ((area?.area_name ?? null) !== home.name || (area ? num(area.population) : null) !== home.population) {
      problems.push(`person ${String(body.personId)}: home area ${JSON.stringify(home)}, ref_area_demographics says ${JSON.stringify(area ?? null)}`);
    }
  }
  return { profiles: bodies.length, withSegments, withArea, problems };
}

/**
 * A notification naming a cached person drops its read: for a survivor named by itself, and for
 * one named only by a person merged into it (if a sampled survivor has one): the next profile is
 * a miss, the one after a hit again.
 */
async function checkInvalidation(
  feed: Feed,
  get: (path: string) => Promise<{ status: number }>,
  health: () => Promise<CacheHealth>,
  survivors: readonly Sample[],
  membersOf: ReadonlyMap<string, string[]>,
): Promise<{ lines: string[]; problems: string[]; dropMs: number[] }> {
  const lines: string[] = [];
  const problems: string[] = [];
  const dropMs: number[] = [];
  const single = survivors.find((s) => (membersOf.get(s.survivor) ?? []).length === 1);
  const merged = survivors.find((s) => (membersOf.get(s.survivor) ?? []).length > 1);
  const cases = [
    ...(single ? [{ s: single, named: [single.survivor], how: 'the survivor itself' }] : []),
    ...(merged ? [{ s: merged, named: [membersOf.get(merged.survivor)![1]!], how: `only a person merged into it (of ${membersOf.get(merged.survivor)!.length} persons at ingest)` }] : []),
  ];
  for (const { s, named, how } of cases) {
    const path = profilePath(s);
    await get(path);
    const cached = await health();
    await get(path);
    const again = await health();
    const hit = again.activity.hits - cached.activity.hits === 1 && again.activity.misses === cached.activity.misses;
    const t0 = performance.now();
    await feed.notify(named);
    let dropped: number | undefined;
    for (const deadline = t0 + 10_000; performance.now() < deadline; await sleep(5)) {
      if ((await health()).activity.entries < again.activity.entries) {
        dropped = performance.now() - t0;
        break;
      }
    }
    const before = await health();
    const r = await get(path);
    const after = await health();
    await get(path);
    const last = await health();
    const miss = after.activity.misses - before.activity.misses === 1 && after.activity.hits === before.activity.hits;
    const rehit = last.activity.hits - after.activity.hits === 1;
    if (dropped !== undefined) dropMs.push(Math.round(dropped));
    const ok = hit && dropped !== undefined && miss && rehit && r.status === 200;
    lines.push(
      `  invalidation (not timed): person ${s.survivor} cached (a second read a hit: ${hit ? 'yes' : 'NO'}); a notification naming ${how} ` +
        `${dropped === undefined ? 'dropped NOTHING within 10 s' : `dropped its entry ${ms(dropped)} ms after it was published`}; the next profile a miss: ${miss ? 'yes' : 'NO'}, the one after a hit: ${rehit ? 'yes' : 'NO'}`,
    );
    if (!ok) problems.push(`invalidation of ${s.survivor} by ${how}: hit before ${hit}, dropped ${dropped !== undefined}, miss after ${miss}, hit again ${rehit}, status ${r.status}`);
  }
  if (cases.length === 0) problems.push('invalidation: no sampled survivor to check it with');
  return { lines, problems, dropMs };
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
 * One request at a time: a profile of a person never asked for (a miss: the activity read), the
 * same again at once (a hit), the API alone (404 of an unknown identifier: authentication,
 * routing, the directory, no ClickHouse), and the same for recommendations (bought and activity
 * read at once). The misses' reads are replayed through ClickHouseReads itself with the members
 * the API answered, timed here (createClickHouse, as the API's client) and by ClickHouse
 * (X-ClickHouse-Summary elapsed). The API's /health counters say whether each was a miss and a hit.
 */
async function whereTimeGoes(
  ch: ClickHouse,
  database: string,
  get: (path: string) => Promise<{ status: number; body: Record<string, unknown>; ms: number }>,
  health: () => Promise<CacheHealth>,
  fresh: readonly Sample[],
  freshSurvivors: readonly Sample[],
  unknownPaths: string[],
): Promise<{ spreads: Record<string, Spread>; problems: string[] }> {
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
  const problems: string[] = [];
  const perRead = new Map<string, { client: number[]; server: number[]; rows: number[] }>();
  const note = async (what: string, q: { sql: string; params: QueryParams | undefined; ms: number }) => {
    const p = await probe(database, q.sql, q.params ?? {});
    const m = perRead.get(what) ?? { client: [], server: [], rows: [] };
    m.client.push(q.ms);
    m.server.push(p.summary.elapsedMs);
    m.rows.push(p.summary.readRows);
    perRead.set(what, m);
  };
  /** The first request of each (a miss), then the same again at once (a hit); then `replay` times the route's reads. */
  const missThenHit = async (list: readonly Sample[], pathOf: (s: Sample) => string, replay: (s: Sample, body: Record<string, unknown>) => Promise<number>) => {
    const miss: number[] = [];
    const hit: number[] = [];
    const replayed: number[] = [];
    const before = await health();
    for (const s of list) {
      const first = await get(pathOf(s));
      miss.push(first.ms);
      hit.push((await get(pathOf(s))).ms);
      if (first.status === 200) replayed.push(await replay(s, first.body));
      else problems.push(`one at a time: ${pathOf(s)} answered ${first.status}`);
    }
    return { miss, hit, replayed, cache: deltaOf(before, await health()) };
  };
  const replay = async (what: (q: string) => string | undefined, reading: () => Promise<unknown>) => {
    recorded.length = 0;
    const t0 = performance.now();
    await reading();
    const took = performance.now() - t0;
    for (const q of [...recorded]) {
      const label = what(q.sql);
      if (label) await note(label, q);
    }
    return took;
  };
  const membersIn = (body: Record<string, unknown>) => [body.personId as string, ...(body.mergedPersonIds as string[])];

  const profiles = await missThenHit(fresh, profilePath, (_s, body) =>
    replay((sql) => (/FROM person_activity/.test(sql) ? 'activity (person_activity)' : 'other'), () => reads.activity(TENANT, membersIn(body))),
  );
  // The recommendation route answers without the person's members: a profile (an activity hit by now) gives them.
  const recommendations = await missThenHit(
    freshSurvivors,
    (s) => `${profilePath(s)}/recommendations`,
    async (s) => {
      const members = membersIn((await get(profilePath(s))).body);
      return replay((sql) => (/person_products/.test(sql) ? 'bought (person_products)' : undefined), () => Promise.all([reads.bought(TENANT, members), reads.activity(TENANT, members)]));
    },
  );
  const api404: number[] = [];
  for (const path of unknownPaths.slice(0, 200)) api404.push((await get(path)).ms);

  const expect = (what: string, d: { hits: number; misses: number }, count: number) => {
    if (d.misses !== count || d.hits !== count) problems.push(`one at a time, ${what}: /health counted ${d.misses} misses and ${d.hits} hits, ${count} of each expected`);
  };
  expect('profiles', profiles.cache.activity, fresh.length);
  expect('recommendations (bought)', recommendations.cache.bought, freshSurvivors.length);
  if (recommendations.cache.activity.misses !== freshSurvivors.length) problems.push(`one at a time, recommendations (activity): /health counted ${recommendations.cache.activity.misses} misses, ${freshSurvivors.length} expected`);

  const out: Record<string, Spread> = {
    'profile, miss': spreadOf(profiles.miss),
    'profile, hit': spreadOf(profiles.hit),
    'API alone (404, no ClickHouse)': spreadOf(api404),
    'profile read (activity), as the route': spreadOf(profiles.replayed),
    'recommendations, miss': spreadOf(recommendations.miss),
    'recommendations, hit': spreadOf(recommendations.hit),
    'recommendation reads (bought || activity)': spreadOf(recommendations.replayed),
  };
  say(`\nwhere the time of one request goes: one at a time, no load from here (load average ${load1()}):`);
  say(`  ${'what'.padEnd(48)} ${'p50'.padStart(6)} ${'p90'.padStart(6)} ${'p99'.padStart(6)} ${'max'.padStart(6)}  (ms)`);
  const line = (what: string, s: Spread, extra = '') => say(`  ${what.padEnd(48)} ${ms(s.p50).padStart(6)} ${ms(s.p90).padStart(6)} ${ms(s.p99).padStart(6)} ${ms(s.max).padStart(6)}  ${extra}`);
  const counted = (d: { hits: number; misses: number }) => `/health: ${d.misses} misses, ${d.hits} hits`;
  line(`profile, miss (${fresh.length} new persons, types in turn)`, out['profile, miss']!, `the API end to end, fetch from here; ${counted(profiles.cache.activity)} over both`);
  line('profile, hit (the same person again at once)', out['profile, hit']!);
  line('API alone: unknown identifier, 404', out['API alone (404, no ClickHouse)']!, 'auth, routing, directory, error reply; no ClickHouse');
  line("a miss's ClickHouse read, as the route makes it", out['profile read (activity), as the route']!, 'activity; createClickHouse from here');
  for (const [what, m] of perRead) {
    const client = spreadOf(m.client);
    const server = spreadOf(m.server);
    const rows = spreadOf(m.rows);
    out[`${what} (client)`] = client;
    out[`${what} (server)`] = server;
    line(`  ${what}: client`, client, `rows read p50 ${n(rows.p50)}, max ${n(rows.max)}`);
    line(`  ${what}: ClickHouse elapsed`, server);
  }
  line(`recommendations, miss (${freshSurvivors.length} new persons)`, out['recommendations, miss']!, `${counted(recommendations.cache.bought)} of bought`);
  line('recommendations, hit (the same again at once)', out['recommendations, hit']!);
  line("a miss's reads (bought || activity), replayed", out['recommendation reads (bought || activity)']!);
  return { spreads: out, problems };
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
