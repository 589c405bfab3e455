/**
 * Kafka batches into ClickHouse. One consumer group reads the enriched events, the two
 * identity tables, the identity conflicts and history; each batch is inserted with a deduplication token
 * made of its topic, partition and offsets, and its offsets are committed only after ClickHouse
 * accepted it. In between, the persons whose events landed go to the person-updates feed.
 * ClickHouse down: the insert throws, the batch is not committed and is read again later.
 */
import { join } from 'node:path';
import {
  createClickHouse,
  deadLetterOf,
  decodeRecord,
  encodeDeadLetter,
  loadMigrations,
  loadSchemaCatalog,
  migrate,
  valueSubjectOf,
  type AvroCodec,
  type CdpAggregation,
  type CdpEnrichment,
  type CdpIdentity,
  type ClickHouse,
  type ClickHouseOptions,
  type EventProducer,
  type IncomingRecord,
  type KafkaClients,
  type Logger,
  type RecordBatch,
  type Registry,
  type TopicSpec,
  Counter,
  Gauge,
  isRetriable,
  PURPOSES,
  type ConsentPolicy,
} from '@cdp/plumbing';
import { EventIdGate, keyOf, type GateRow } from '../core/event-id-gate';
import { InsertCoalescer } from '../core/insert-coalescer';
import { planRetention, type RetentionChange, type RetentionDays } from '../core/retention';
import type { ErasedPersons } from '../core/erasure';
import { GATED_TABLES, loadRecentIds, storedIds } from './stored-event-ids';
import { assignSessions, Sessionizer } from '../core/sessions';
import { openSessions } from './open-sessions';
import { signalRow } from '../core/signal-rows';
import { personsByTenant, personUpdatesOf, type PersonsByTenant } from '../core/person-updates';
import { conflictRow, demographicsRefRow, enrichedRow, historyRow, identityRow, overrideRow, partnerSegmentRefRow, productRefRow, storeRefRow } from '../core/rows';

export const MIGRATIONS_DIR = join(__dirname, '..', '..', 'migrations');

export interface AggregationTopics {
  events: TopicSpec;
  assignments: TopicSpec;
  merges: TopicSpec;
  conflicts: TopicSpec;
  /** The append-only identity history: identity_history (and identity_history_by_person through its view). */
  history: TopicSpec;
  /** Reference datasets (compacted, written in transactions by the loader): tables for analysts and joins. */
  products: TopicSpec;
  stores: TopicSpec;
  partnerSegments: TopicSpec;
  areaDemographics: TopicSpec;
  /** Real-time signals (written in transactions by the signals processor): the signals table. */
  signals: TopicSpec;
  /** Output: after each batch of events landed, the persons it changed (core/person-updates.ts). */
  personUpdates: TopicSpec;
}

/** A decoded input to the table it lands in and its row there; null for nothing to store. */
type Route = (value: unknown, record: IncomingRecord, now: number) => { table: string; row: Record<string, unknown> } | null;

export async function migrateDatabase(connection: ClickHouseOptions & { database: string }, logger: Logger): Promise<void> {
  const result = await migrate(connection, loadMigrations(MIGRATIONS_DIR));
  logger.info(result, 'ClickHouse schema up to date');
}

/**
 * Each table's TTL as configured (core/retention.ts), changed only where it differs. ClickHouse
 * recomputes the expiry of existing parts in the background (a mutation), so a start with a
 * changed retention does not wait for it; rows go at the next merge after they expire.
 */
export async function applyRetention(connection: ClickHouseOptions & { database: string }, days: RetentionDays, logger: Logger): Promise<RetentionChange[]> {
  const ch = createClickHouse(connection);
  try {
    const tables = await ch.query<{ name: string; engine_full: string }>('SELECT name, engine_full FROM system.tables WHERE database = currentDatabase()');
    const changes = planRetention(new Map(tables.map((t) => [t.name, t.engine_full])), days);
    for (const change of changes) await ch.command(`${change.statement} SETTINGS mutations_sync = 0`);
    if (changes.length > 0) logger.info({ days, tables: changes.map((c) => ({ table: c.table, from: c.from, to: c.to })) }, 'retention (table TTLs) changed');
    return changes;
  } finally {
    await ch.close();
  }
}

/**
 * The consent policy as ClickHouse reads it (consent_policy, partner_terms), written only where it
 * differs from the newest rows: the views map stated categories to purposes with it.
 */
export async function applyConsentPolicy(connection: ClickHouseOptions & { database: string }, policy: ConsentPolicy, logger: Logger): Promise<number> {
  const ch = createClickHouse(connection);
  try {
    const now = Date.now() / 1000;
    const want = policy.all.flatMap(([tenant, p]) => PURPOSES.map((purpose) => ({ tenant, purpose, policy: p.purposes[purpose].policy, categories: p.purposes[purpose].categories.map((c) => c.toLowerCase()).sort() })));
    const have = await ch.query<{ tenant: string; purpose: string; policy: string; categories: string[] }>(
      'SELECT tenant, purpose, argMax(policy, updated_at) AS policy, argMax(categories, updated_at) AS categories FROM consent_policy GROUP BY tenant, purpose',
    );
    const same = (a: { policy: string; categories: string[] }, b: { policy: string; categories: string[] }) => a.policy === b.policy && a.categories.join('\u0000') === b.categories.join('\u0000');
    const changed = want.filter((w) => !have.some((h) => h.tenant === w.tenant && h.purpose === w.purpose && same(h, w)));
    // A purpose of a tenant the file no longer names falls back to the default: its rows go.
    const gone = have.filter((h) => !want.some((w) => w.tenant === h.tenant && w.purpose === h.purpose));
    if (changed.length > 0) await ch.insert('consent_policy', changed.map((c) => ({ ...c, updated_at: now })));
    for (const g of gone) await ch.command('DELETE FROM consent_policy WHERE tenant = {t:String} AND purpose = {p:String}', { t: g.tenant, p: g.purpose });
    // Partner terms the same way: written where they differ, deleted where the file no longer names them.
    const terms = policy.all.flatMap(([tenant, p]) => Object.entries(p.partners).map(([partner, purposes]) => ({ tenant, partner, purposes: [...purposes].sort() })));
    const haveTerms = await ch.query<{ tenant: string; partner: string; purposes: string[] }>('SELECT tenant, partner, argMax(purposes, updated_at) AS purposes FROM partner_terms GROUP BY tenant, partner');
    const changedTerms = terms.filter((w) => !haveTerms.some((h) => h.tenant === w.tenant && h.partner === w.partner && [...h.purposes].sort().join(',') === w.purposes.join(',')));
    const goneTerms = haveTerms.filter((h) => !terms.some((w) => w.tenant === h.tenant && w.partner === h.partner));
    if (changedTerms.length > 0) await ch.insert('partner_terms', changedTerms.map((t) => ({ ...t, updated_at: now })));
    for (const g of goneTerms) await ch.command('DELETE FROM partner_terms WHERE tenant = {t:String} AND partner = {p:String}', { t: g.tenant, p: g.partner });
    const count = changed.length + gone.length + changedTerms.length + goneTerms.length;
    if (count > 0) logger.info({ changed: changed.map((c) => `${c.tenant || 'default'}.${c.purpose}`), removed: gone.length, partnerTerms: changedTerms.length + goneTerms.length }, 'consent policy written to ClickHouse');
    return count;
  } finally {
    await ch.close();
  }
}

export async function startClickHouseSink(deps: {
  clients: KafkaClients;
  codec: AvroCodec;
  producer: EventProducer;
  connection: ClickHouseOptions & { database: string };
  topics: AggregationTopics;
  groupId: string;
  fetchBytes: number;
  /** The event-id gate (core/event-id-gate.ts). */
  dedup?: { idsPerGeneration: number; loadHours: number; marginMs: number };
  /** Inactivity that ends a web or app session. */
  sessionTimeoutMs?: number;
  logger: Logger;
  registry: Registry;
  /** Persons erased while this process runs: their rows still in flight are not stored. */
  erased?: ErasedPersons;
}): Promise<{ stop(): Promise<void>; ch: ClickHouse }> {
  const { clients, codec, producer, topics, logger } = deps;
  const ch = createClickHouse(deps.connection);
  const catalog = loadSchemaCatalog();
  const inputs = [topics.events, topics.assignments, topics.merges, topics.conflicts, topics.history, topics.products, topics.stores, topics.partnerSegments, topics.areaDemographics, topics.signals];
  const readers = new Map(inputs.map((t) => [t.name, catalog.resolve(t.valueType)]));
  const dlqIds = new Map<string, number>();
  for (const t of inputs) {
    dlqIds.set(t.name, await codec.idOf(valueSubjectOf(`${t.name}.dlq`), catalog.resolve('cdp.ops.DeadLetter')));
  }
  const personUpdatesId = await codec.idOf(valueSubjectOf(topics.personUpdates.name), catalog.resolve(topics.personUpdates.valueType));
  const rows = new Counter({ name: 'aggregation_rows_inserted_total', help: 'Rows inserted into ClickHouse by table', labelNames: ['table'], registers: [deps.registry] });
  const rejected = new Counter({ name: 'aggregation_records_rejected_total', help: 'Records sent to a dead-letter topic', labelNames: ['topic'], registers: [deps.registry] });
  const lastInsert = new Gauge({ name: 'aggregation_last_insert_timestamp_seconds', help: 'When the last insert was accepted', registers: [deps.registry] });
  const copiesDropped = new Counter({
    name: 'aggregation_event_copies_dropped_total',
    help: 'Events not inserted because their id was already stored or in hand (by where the first copy was)',
    labelNames: ['first_copy'],
    registers: [deps.registry],
  });
  const lookups = new Counter({ name: 'aggregation_dedup_lookups_total', help: 'Event ids the gate asked ClickHouse about', registers: [deps.registry] });
  const personUpdates = new Counter({ name: 'aggregation_person_updates_published_total', help: 'Records sent to the person-updates feed', registers: [deps.registry] });

  const dedup = deps.dedup ?? { idsPerGeneration: 2_000_000, loadHours: 24, marginMs: 60_000 };
  const loaded = await loadRecentIds(ch, Date.now() - dedup.loadHours * 3_600_000, 2 * dedup.idsPerGeneration);
  const gate = new EventIdGate({ generationSize: dedup.idsPerGeneration, marginMs: dedup.marginMs, completeAfter: loaded.completeAfter });
  for (const r of loaded.rows) gate.remember(r);
  logger.info({ ids: loaded.rows.length, completeAfter: new Date(loaded.completeAfter).toISOString() }, 'event-id gate loaded the ids stored lately');
  new Gauge({ name: 'aggregation_dedup_ids', help: 'Event ids the gate holds in memory', registers: [deps.registry], collect() { this.set(gate.stats.ids); } });
  const gated = new Set<string>(GATED_TABLES);

  const sessionizer = new Sessionizer(deps.sessionTimeoutMs ?? 30 * 60_000);
  const open = await openSessions(ch);
  for (const o of open) sessionizer.restore(o.deviceKey, o.session);
  logger.info({ sessions: open.length }, 'open web and app sessions restored');
  let sessionWatermark = 0;
  const gateRowOf = (row: Record<string, unknown>): GateRow => ({
    tenant: row.tenant as string,
    eventId: row.event_id as string,
    eventTime: Math.round((row.event_time as number) * 1000),
    receivedTime: Math.round((row.received_time as number) * 1000),
  });

  /** Drops the copies among the batch's event rows; returns what the gate holds until settle. */
  const dropCopies = async (byTable: Map<string, { rows: Record<string, unknown>[]; records: IncomingRecord[] }>) => {
    const entries: { table: string; index: number; gateRow: GateRow }[] = [];
    for (const [table, group] of byTable) {
      if (!gated.has(table)) continue;
      group.rows.forEach((row, index) => entries.push({ table, index, gateRow: gateRowOf(row) }));
    }
    if (entries.length === 0) return { held: [] as string[], kept: [] as GateRow[] };
    const screened = gate.screen(entries.map((e) => e.gateRow));
    const drop = new Set(screened.copies);
    if (screened.copies.length > 0) copiesDropped.inc({ first_copy: 'in_hand' }, screened.copies.length);
    if (screened.ask.length > 0) {
      lookups.inc(screened.ask.length);
      let stored: Set<string>;
      try {
        stored = await storedIds(ch, screened.ask.map((i) => entries[i]!.gateRow));
      } catch (error) {
        gate.settle(screened.held, []);
        throw error;
      }
      let n = 0;
      for (const i of screened.ask) {
        const g = entries[i]!.gateRow;
        if (stored.has(keyOf(g.tenant, g.eventId))) {
          drop.add(i);
          n++;
        }
      }
      if (n > 0) copiesDropped.inc({ first_copy: 'stored' }, n);
    }
    if (drop.size === 0) return { held: screened.held, kept: entries.map((e) => e.gateRow) };
    const dropByTable = new Map<string, Set<number>>();
    for (const i of drop) {
      const e = entries[i]!;
      const set = dropByTable.get(e.table) ?? new Set<number>();
      set.add(e.index);
      dropByTable.set(e.table, set);
    }
    for (const [table, indexes] of dropByTable) {
      const group = byTable.get(table)!;
      group.rows = group.rows.filter((_, i) => !indexes.has(i));
      group.records = group.records.filter((_, i) => !indexes.has(i));
      if (group.rows.length === 0) byTable.delete(table);
    }
    return { held: screened.held, kept: entries.filter((_, i) => !drop.has(i)).map((e) => e.gateRow) };
  };

  const decodeAll = async (batch: RecordBatch) => {
    const values: { record: IncomingRecord; value: unknown }[] = [];
    const letters = [];
    const reader = readers.get(batch.topic);
    for (const record of batch.records) {
      // A tombstone of a reference table: its key says which row is gone.
      if (!record.value) {
        values.push({ record, value: null });
        continue;
      }
      const decoded = await decodeRecord(codec, record, reader);
      if (decoded.kind === 'ok') values.push({ record, value: decoded.value });
      else letters.push(encodeDeadLetter(codec, dlqIds.get(batch.topic)!, deadLetterOf(record, 'aggregation', decoded.rejection)));
    }
    if (letters.length > 0) {
      await producer.send(`${batch.topic}.dlq`, letters);
      rejected.inc({ topic: batch.topic }, letters.length);
      logger.warn({ topic: batch.topic, count: letters.length }, 'undecodable records sent to the dead-letter topic');
    }
    return values;
  };

  // Rows as arrays under one column list: about a quarter faster to encode and parse than
  // objects that repeat every key (STACK.md figures for JSONCompactEachRow).
  const insertCompact = async (table: string, tableRows: Record<string, unknown>[], token: string) => {
    const columns = Object.keys(tableRows[0]!);
    await ch.insert(table, tableRows.map((r) => columns.map((c) => r[c])), { dedupToken: token, format: 'JSONCompactEachRow', columns });
  };

  const insertOneByOne = async (topic: string, table: string, tableRows: unknown[], records: IncomingRecord[], token: string, cause: Error) => {
    logger.warn({ topic, table, err: cause }, 'ClickHouse refused a batch; inserting its rows one by one');
    const letters = [];
    for (const [i, row] of tableRows.entries()) {
      try {
        await insertCompact(table, [row as Record<string, unknown>], `${token}:${i}`);
      } catch (error) {
        if (isRetriable(error)) throw error;
        const record = records[i]!;
        letters.push(encodeDeadLetter(codec, dlqIds.get(topic)!, deadLetterOf(record, 'aggregation', { code: 'aggregation.insert_refused', step: `insert ${table}`, message: (error as Error).message })));
      }
    }
    if (letters.length > 0) {
      await producer.send(`${topic}.dlq`, letters);
      rejected.inc({ topic }, letters.length);
    }
  };

  /** One table's rows under one token; rows ClickHouse refuses go to the dead-letter topic. */
  const insertTable = async (topic: string, table: string, tableRows: Record<string, unknown>[], records: IncomingRecord[], token: string) => {
    try {
      await insertCompact(table, tableRows, token);
    } catch (error) {
      if (isRetriable(error)) throw error;
      // ClickHouse refused the data itself: find the rows it refuses, one by one, and send those
      // to the dead-letter topic, so one bad record cannot stop the partition.
      await insertOneByOne(topic, table, tableRows, records, token, error as Error);
    }
    rows.inc({ table }, tableRows.length);
  };

  // The enriched events' partition batches handled side by side go into ClickHouse as one insert
  // per table (core/insert-coalescer.ts): per insert, not per row, is where ClickHouse's cost is.
  type Part = { rows: Record<string, unknown>[]; records: IncomingRecord[]; token: string };
  const coalescer = new InsertCoalescer<Part>({
    insert: (table, parts, token) =>
      parts.length === 1
        ? insertTable(topics.events.name, table, parts[0]!.rows, parts[0]!.records, token)
        : insertTable(topics.events.name, table, parts.flatMap((p) => p.rows), parts.flatMap((p) => p.records), token),
    maxRows: 50_000,
    maxWaitMs: 100,
  });
  new Gauge({
    name: 'aggregation_event_batches_per_insert',
    help: 'Enriched-event partition batches per grouped insert, on average since start',
    registers: [deps.registry],
    collect() {
      this.set(coalescer.stats.groups === 0 ? 0 : coalescer.stats.parts / coalescer.stats.groups);
    },
  });

  const reference = (table: string, row: (key: string, value: never, timestamp: number) => object): Route => (value, record) => ({
    table,
    row: row(record.key?.toString('utf8') ?? '', value as never, Number(record.timestamp)) as Record<string, unknown>,
  });
  const routes: Record<string, Route> = {
    [topics.events.name]: (v, _, now) => enrichedRow(v as CdpEnrichment.EnrichedEvent, now),
    // Tombstones on identity's topics come from erasure, which deletes the rows itself.
    [topics.assignments.name]: (v) => (v === null ? null : { table: 'identities', row: identityRow(v as CdpIdentity.IdentifierAssignment) }),
    [topics.merges.name]: (v) => (v === null ? null : { table: 'person_overrides', row: overrideRow(v as CdpIdentity.PersonMerge) }),
    [topics.conflicts.name]: (v, _, now) => ({ table: 'identity_conflicts', row: conflictRow(v as CdpIdentity.IdentityConflict, now) }),
    [topics.history.name]: (v, record, now) => (v === null ? null : { table: 'identity_history', row: historyRow(v as CdpIdentity.IdentityHistoryEntry, Number(record.offset), now) }),
    [topics.products.name]: reference('ref_products', productRefRow),
    [topics.stores.name]: reference('ref_stores', storeRefRow),
    [topics.partnerSegments.name]: reference('ref_partner_segments', partnerSegmentRefRow),
    [topics.areaDemographics.name]: reference('ref_area_demographics', demographicsRefRow),
    [topics.signals.name]: (v, _, now) => ({ table: 'signals', row: signalRow(v as CdpAggregation.Signal, now) }),
  };

  const erasedDropped = new Counter({ name: 'aggregation_erased_rows_dropped_total', help: 'Rows of persons erased while their events were in flight, not stored', labelNames: ['table'], registers: [deps.registry] });
  const consumer = await clients.consumer({ groupId: deps.groupId, topics: Object.keys(routes), maxBytesPerPartition: deps.fetchBytes, concurrency: 4, minBytes: 512 * 1024, maxWaitMs: 200, stableBatches: true });
  const running = consumer.run(async (batch) => {
    if (batch.topic !== topics.events.name) return landBatch(batch, false);
    coalescer.begin();
    const added = { yes: false };
    try {
      await landBatch(batch, added);
    } finally {
      if (!added.yes) coalescer.abandon();
    }
  });
  running.catch((error: unknown) => logger.error({ err: error }, 'consumer stopped'));

  /** grouped: the batch's rows go through the coalescer, which is told when they were added. */
  async function landBatch(batch: RecordBatch, grouped: false | { yes: boolean }) {
    const route = routes[batch.topic]!;
    const values = await decodeAll(batch);
    if (values.length === 0) return;
    const now = Date.now();
    // One topic's batch can feed several tables (enriched events: events, Wi-Fi, people counts).
    const byTable = new Map<string, { rows: Record<string, unknown>[]; records: IncomingRecord[] }>();
    const refused = [];
    const erased = deps.erased;
    const resolved: { tenant: string; personId: string | null }[] = [];
    for (const v of values) {
      let routed: ReturnType<Route>;
      try {
        routed = route(v.value, v.record, now);
      } catch (error) {
        refused.push(encodeDeadLetter(codec, dlqIds.get(batch.topic)!, deadLetterOf(v.record, 'aggregation', { code: 'aggregation.unmappable_record', step: 'row', message: (error as Error).message })));
        continue;
      }
      if (routed === null) continue;
      // An event's row names its strongest identifier's first person; the survivor identity
      // resolved may be the one erased (the request names the persons the graph knew).
      if (erased && erased.size > 0 && (erased.has(routed.row.tenant as string, routed.row.person_id as string) || (batch.topic === topics.events.name && erased.has(routed.row.tenant as string, (v.value as CdpEnrichment.EnrichedEvent).personId)))) {
        erasedDropped.inc({ table: routed.table });
        continue;
      }
      if (routed.table === 'events_raw') resolved.push({ tenant: routed.row.tenant as string, personId: (v.value as CdpEnrichment.EnrichedEvent).personId });
      const group = byTable.get(routed.table) ?? { rows: [], records: [] };
      group.rows.push(routed.row);
      group.records.push(v.record);
      byTable.set(routed.table, group);
    }
    if (refused.length > 0) {
      await producer.send(`${batch.topic}.dlq`, refused);
      rejected.inc({ topic: batch.topic }, refused.length);
    }
    const range = `${batch.topic}:${batch.partition}:${batch.firstOffset}-${batch.lastOffset}`;
    // Token per table as routed, before copies are dropped: a replay keeps the tokens it had.
    const tokens = new Map([...byTable.keys()].map((table) => [table, byTable.size === 1 ? range : `${range}:${table}`]));
    // Before the gate: a batch read again after a crash is all copies and must still notify.
    const landedTenants = new Set<string>();
    if (batch.topic === topics.events.name) for (const group of byTable.values()) for (const row of group.rows) landedTenants.add(row.tenant as string);
    const persons = personsByTenant(byTable.get('events_raw')?.rows ?? [], resolved, landedTenants);
    const { held, kept } = await dropCopies(byTable);
    const fresh = byTable.get('events_raw');
    if (fresh) sessionWatermark = Math.max(sessionWatermark, assignSessions(sessionizer, fresh.rows));
    try {
      if (!grouped) await insertAll(batch, byTable, tokens);
      else if (byTable.size > 0) {
        grouped.yes = true;
        await coalescer.add(new Map([...byTable].map(([table, group]) => [table, { ...group, token: tokens.get(table)! }])));
      }
    } catch (error) {
      // Some rows may be stored all the same: a table inserted before the one that failed, or an
      // answer lost. Remembered, they are asked of ClickHouse when the batch comes again, and the
      // tokens cannot be relied on for that: read again in this process, the batch can be longer.
      gate.settle(held, kept);
      throw error;
    }
    const landedAt = Date.now();
    gate.settle(held, kept);
    if (sessionizer.size > 100_000) sessionizer.closeBefore(sessionWatermark);
    lastInsert.set(landedAt / 1000);
    // After every insert returned (readers find the rows) and before the commit, which follows
    // this handler: a crash in between reads the batch again and notifies again (at least once).
    await publishPersonUpdates(persons, landedAt);
  }

  async function publishPersonUpdates(persons: PersonsByTenant, landedAt: number) {
    if (persons.size === 0) return;
    const updates = personUpdatesOf(persons, landedAt);
    await producer.send(topics.personUpdates.name, updates.map((u) => ({ key: u.tenant, value: codec.encode(personUpdatesId, u) })));
    personUpdates.inc(updates.length);
  }

  async function insertAll(batch: RecordBatch, byTable: Map<string, { rows: Record<string, unknown>[]; records: IncomingRecord[] }>, tokens: Map<string, string>) {
    // The same batch read again after a crash has the same range (stableBatches), so the same
    // token per table, and ClickHouse drops it instead of storing its rows twice.
    for (const [table, group] of byTable) await insertTable(batch.topic, table, group.rows, group.records, tokens.get(table)!);
  }

  return {
    ch,
    async stop() {
      await consumer.close();
      await ch.close();
    },
  };
}
