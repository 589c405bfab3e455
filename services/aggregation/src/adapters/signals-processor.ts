/**
 * Real-time signals: a consumer group of its own on the enriched events, beside the ClickHouse
 * sink, turning each person's events into signals with the pure core (core/signals.ts).
 *
 * Consume, transform, produce in Kafka transactions. For each batch, the signals it makes, the
 * person states it changes (compacted state topic) and the batch's input offsets are committed in
 * ONE transaction: after a crash anywhere, all of it is visible or none of it is, and the batch is
 * read again against the states the last commit left. States change in memory only after their
 * transaction committed.
 *
 * One transactional producer per input partition (id `<group>.<topic>.<partition>`). Whoever owns
 * a partition next opens the same id, which fences a predecessor that has not noticed it lost the
 * partition (kafkajs has no KIP-447 group fencing) and aborts what it left open. Only then does the
 * new owner read the partition's states from the state topic (read_committed): exactly the states
 * that go with the offsets it reads on from.
 *
 * Timers (cart abandoned): every tickMs the due signals and the states they change are published
 * in a transaction of the partition's producer. A timer lives in the state topic, not only in
 * memory, so it survives a restart, and fires once: its state says it fired.
 */
import {
  Counter,
  Gauge,
  TransientError,
  createClickHouse,
  decodeRecord,
  loadSchemaCatalog,
  projectSchema,
  readKeyedTable,
  valueSubjectOf,
  type AvroCodec,
  type BatchContext,
  type CdpEnrichment,
  type ClickHouseOptions,
  type ConsumedOffsets,
  type KafkaClients,
  type Logger,
  type OutgoingRecord,
  type RecordBatch,
  type Registry,
  type TopicSpec,
  type TransactionalProducer,
  type ConsentPolicy,
  type CategoryAnswer,
} from '@cdp/plumbing';
import {
  applyEvent,
  fireDue,
  needsHistory,
  nextDueAt,
  SIGNAL_EVENT_FIELDS,
  stateKeyOf,
  type PassedOver,
  type Signal,
  type SignalKind,
  type SignalRules,
  type SignalState,
  type VisitRules,
} from '../core/signals';
import type { ErasedPersons } from '../core/erasure';
import { createPersonLookup, loadVisitRules, type PersonLookup, type PersonProfile } from './signal-lookups';

export interface SignalTopics {
  events: TopicSpec;
  signals: TopicSpec;
  state: TopicSpec;
}

export interface SignalsProcessorDeps {
  clients: KafkaClients;
  codec: AvroCodec;
  connection: ClickHouseOptions & { database: string };
  topics: SignalTopics;
  groupId: string;
  rules: { cartAbandonMs: number; browseWindowMs: number; maxDelayMs: number; defaultVisit: VisitRules };
  /** How often due timers are looked for. */
  tickMs: number;
  fetchBytes?: number;
  /** How long the group waits for a member that stopped answering before its partitions move. */
  sessionTimeoutMs?: number;
  /** How often the tenants' store visit thresholds are read again from ClickHouse. */
  rulesRefreshMs?: number;
  transactionTimeoutMs?: number;
  logger: Logger;
  registry: Registry;
  /** ClickHouse by default. */
  lookup?: PersonLookup;
  /** Persons erased while this process runs: their events in flight raise no signal. */
  erased?: ErasedPersons;
  /** A signal is published only for a person with marketing consent (stated, or the tenant's opt-out default). */
  consent: ConsentPolicy;
}

export interface SignalsProcessor {
  /** Stops the timers and the consumer, lets the transaction in hand finish, closes the producers. */
  stop(): Promise<void>;
  /** Erasure: drops these states (keys tenant|personId) and their timers; the state topic is tombstoned by the caller. */
  forget(keys: readonly string[]): void;
}

/** Signals of a store visit carry the person's partner segments. */
const STORE_KINDS: ReadonlySet<SignalKind> = new Set(['KNOWN_CUSTOMER_ENTERED_STORE', 'STORE_VISIT_AFTER_BROWSING']);

interface Slot {
  partition: number;
  /** Resolves once the producer fenced its predecessors and the partition's states are loaded. */
  ready: Promise<TransactionalProducer>;
  loaded: boolean;
  /** A transaction failed or could not start: the next use opens the producer and loads again. */
  broken: boolean;
  /** The partition's work (batches and ticks), one at a time. */
  chain: Promise<unknown>;
}

const envelopeOf = (e: CdpEnrichment.EnrichedEvent) => Object.values(e.event)[0]!.envelope;

export async function startSignalsProcessor(deps: SignalsProcessorDeps): Promise<SignalsProcessor> {
  const { clients, codec, topics, logger, groupId } = deps;
  const catalog = loadSchemaCatalog();
  // Only what the signals read of an event is decoded (SIGNAL_EVENT_FIELDS); the sink decodes it whole.
  const eventReader = projectSchema(catalog.resolve(topics.events.valueType), SIGNAL_EVENT_FIELDS, topics.events.valueType);
  const signalSchemaId = await codec.idOf(valueSubjectOf(topics.signals.name), catalog.resolve(topics.signals.valueType));
  const stateSchemaId = await codec.idOf(valueSubjectOf(topics.state.name), catalog.resolve(topics.state.valueType));
  const ch = createClickHouse(deps.connection);
  const lookup = deps.lookup ?? createPersonLookup(ch);

  let visitRules = new Map<string, VisitRules>();
  const refreshVisitRules = async () => {
    try {
      visitRules = await loadVisitRules(ch);
    } catch (error) {
      logger.warn({ err: error }, 'store visit rules not read from ClickHouse; keeping the ones in hand');
    }
  };
  await refreshVisitRules();
  const rules: SignalRules = {
    cartAbandonMs: deps.rules.cartAbandonMs,
    browseWindowMs: deps.rules.browseWindowMs,
    maxDelayMs: deps.rules.maxDelayMs,
    visitRules: (tenant) => visitRules.get(tenant) ?? visitRules.get('') ?? deps.rules.defaultVisit,
  };

  const emitted = new Counter({ name: 'aggregation_signals_emitted_total', help: 'Signals published, by kind', labelNames: ['kind'], registers: [deps.registry] });
  const passed = new Counter({
    name: 'aggregation_signals_passed_over_total',
    help: 'Signals not published: fired before (a replayed trigger) or too late (the occasion older than the maximum delay)',
    labelNames: ['kind', 'reason'],
    registers: [deps.registry],
  });
  const lookups = new Counter({ name: 'aggregation_signal_person_lookups_total', help: 'Persons asked of ClickHouse (past purchases, identifiers, segments)', registers: [deps.registry] });
  const undecodable = new Counter({ name: 'aggregation_signal_records_skipped_total', help: 'Enriched records the signals processor could not decode (the sink dead-letters them)', registers: [deps.registry] });
  const withheld = new Counter({ name: 'aggregation_signals_withheld_total', help: 'Signals not published because the person has no marketing consent, by kind', labelNames: ['kind'], registers: [deps.registry] });
  /**
   * Consent answers seen in events by this process, per person at ingest: a shopper who answers
   * the banner and leaves a cart a moment later is decided by that answer even before the sink has
   * stored it. Bounded: the oldest persons go first; ClickHouse has their answers by then.
   */
  const recentAnswers = new Map<string, CategoryAnswer[]>();
  const noteConsent = (event: CdpEnrichment.EnrichedEvent) => {
    const web = event.event['cdp.web.SegmentEvent'];
    const receipt = event.event['cdp.store.PosTransaction'];
    const consent = web ? web.context?.consent : receipt?.consent;
    if (!consent || !event.personId) return;
    const envelope = envelopeOf(event);
    const key = stateKeyOf(envelope.tenant, event.personId);
    const answers = recentAnswers.get(key) ?? [];
    recentAnswers.delete(key);
    const source = web ? web.channel.toLowerCase() : 'store';
    for (const [category, granted] of Object.entries(consent.categoryPreferences)) answers.push({ category, granted, at: envelope.eventTime, source });
    recentAnswers.set(key, answers.slice(-50));
    if (recentAnswers.size > 100_000) recentAnswers.delete(recentAnswers.keys().next().value!);
  };
  /** The signals whose persons consent to marketing, as ClickHouse and this process's recent events have their answers. */
  const consented = async (signals: Signal[]): Promise<Signal[]> => {
    if (signals.length === 0) return signals;
    const verdicts = new Map<string, boolean>();
    const out: Signal[] = [];
    for (const s of signals) {
      const key = stateKeyOf(s.tenant, s.personId);
      let allowed = verdicts.get(key);
      if (allowed === undefined) {
        lookups.inc();
        const answers = [...(await lookup.consentAnswers(s.tenant, s.personId)), ...(recentAnswers.get(key) ?? [])];
        const newest = deps.consent.newestByPurpose(s.tenant, answers);
        allowed = deps.consent.decide(s.tenant, newest).marketing.granted;
        verdicts.set(key, allowed);
      }
      if (allowed) out.push(s);
      else withheld.inc({ kind: s.kind });
    }
    return out;
  };
  const lastCommit = new Gauge({ name: 'aggregation_signal_last_commit_timestamp_seconds', help: 'When the last signals transaction committed', registers: [deps.registry] });

  /** The states of the partitions this instance owns, and their open timers by partition. */
  const states = new Map<string, SignalState>();
  const due = new Map<number, Map<string, number>>();
  new Gauge({ name: 'aggregation_signal_states', help: 'Person states held in memory', registers: [deps.registry], collect() { this.set(states.size); } });
  const dueOf = (partition: number) => {
    let m = due.get(partition);
    if (!m) due.set(partition, (m = new Map()));
    return m;
  };
  const remember = (key: string, state: SignalState) => {
    // A transaction that was in flight when its person was erased: its state is not kept.
    if (deps.erased?.has(state.tenant, state.personId)) return;
    states.set(key, state);
    const at = nextDueAt(state, rules);
    if (at === undefined) dueOf(state.partition).delete(key);
    else dueOf(state.partition).set(key, at);
  };
  const forgetPartition = (partition: number) => {
    for (const [key, state] of states) if (state.partition === partition) states.delete(key);
    due.delete(partition);
  };

  const slots = new Map<number, Slot>();
  const transactionalIdOf = (partition: number) => `${groupId}.${topics.events.name}.${partition}`;

  /** The states of `partitions` as the state topic holds them (read_committed). */
  const readStates = async (partitions: ReadonlySet<number>): Promise<Map<string, SignalState>> => {
    const found = new Map<string, SignalState>();
    const reader = await readKeyedTable<SignalState>(clients, codec, topics.state, {
      // A newer record under another partition: the person's events moved (the topic grew).
      upsert: (key, value) => (partitions.has(value.partition) ? found.set(key, value) : found.delete(key)),
      remove: (key) => found.delete(key),
    }, { follow: false, logger });
    await reader.caughtUp;
    return found;
  };

  const prepare = (partitions: number[]): Slot[] => {
    const opening = partitions.map((p) => clients.transactionalProducer(transactionalIdOf(p), deps.transactionTimeoutMs === undefined ? {} : { transactionTimeoutMs: deps.transactionTimeoutMs }));
    const loading = (async () => {
      const producers = await Promise.all(opening);
      // After the fence: nobody can commit to these partitions' states any more but us.
      return { producers, found: await readStates(new Set(partitions)) };
    })();
    const prepared = partitions.map((partition, i): Slot => {
      const ready = loading.then(({ producers, found }) => {
        // Unless the partition was given up meanwhile.
        if (slots.get(partition) === slot) {
          forgetPartition(partition);
          for (const [key, state] of found) if (state.partition === partition) remember(key, state);
          slot.loaded = true;
        }
        return producers[i]!;
      });
      const slot: Slot = { partition, ready, loaded: false, broken: false, chain: ready.catch(() => undefined) };
      ready.catch((error: unknown) => {
        slot.broken = true;
        logger.warn({ partition, err: error }, 'signals: partition not ready; trying again with its next batch');
      });
      slots.set(partition, slot);
      return slot;
    });
    loading.then(
      ({ found }) => logger.info({ partitions, states: [...found.values()].length }, 'signals: partitions fenced and their person states restored'),
      () => Promise.all(opening.map((o) => o.then((p) => p.close()).catch(() => undefined))),
    );
    return prepared;
  };

  const release = (partition: number) => {
    const slot = slots.get(partition);
    if (!slot) return;
    slots.delete(partition);
    forgetPartition(partition);
    void slot.chain.then(async () => (await slot.ready.catch(() => undefined))?.close()).catch(() => undefined);
  };

  const slotOf = (partition: number): Slot => {
    const slot = slots.get(partition);
    if (slot && !slot.broken) return slot;
    release(partition);
    return prepare([partition])[0]!;
  };

  const exclusive = <T>(slot: Slot, work: () => Promise<T>): Promise<T> => {
    const run = slot.chain.then(work);
    slot.chain = run.catch(() => undefined);
    return run;
  };

  const countPassed = (items: PassedOver[]) => {
    for (const p of items) passed.inc({ kind: p.kind, reason: p.reason });
  };

  /** Signals and states in one transaction (with the batch's offsets); then the states in memory. */
  const commit = async (slot: Slot, signals: Signal[], changed: Map<string, SignalState>, consumed?: ConsumedOffsets) => {
    const producer = await slot.ready;
    const signalRecords: OutgoingRecord[] = signals.map((s) => ({ key: stateKeyOf(s.tenant, s.personId), value: codec.encode(signalSchemaId, s) }));
    const stateRecords: OutgoingRecord[] = [...changed].map(([key, state]) => ({ key, value: codec.encode(stateSchemaId, state) }));
    try {
      await producer.publish([{ topic: topics.signals.name, records: signalRecords }, { topic: topics.state.name, records: stateRecords }], { ...(consumed ? { consumed } : {}), awaitVisible: false });
    } catch (error) {
      // The transaction may even have committed (a lost answer): load the partition again.
      slot.broken = true;
      throw error;
    }
    lastCommit.set(Date.now() / 1000);
    for (const s of signals) emitted.inc({ kind: s.kind });
    // A partition given up meanwhile: its next owner reads what was just committed.
    if (slots.get(slot.partition) !== slot) return;
    for (const [key, state] of changed) remember(key, state);
  };

  const handleBatch = async (slot: Slot, batch: RecordBatch) => {
    if (slot.broken) throw new TransientError(`signals: partition ${batch.partition} is being loaded again`);
    const now = Date.now();
    const changed = new Map<string, SignalState>();
    const signals: Signal[] = [];
    for (const record of batch.records) {
      if (!record.value) continue;
      const decoded = await decodeRecord(codec, record, eventReader);
      if (decoded.kind !== 'ok') {
        undecodable.inc();
        continue;
      }
      const event = decoded.value as CdpEnrichment.EnrichedEvent;
      if (!event.personId) continue;
      noteConsent(event);
      const envelope = envelopeOf(event);
      if (deps.erased?.has(envelope.tenant, event.personId)) continue;
      const key = stateKeyOf(envelope.tenant, event.personId);
      const before = changed.get(key) ?? states.get(key);
      let profile: PersonProfile | undefined;
      const profileOf = async () => {
        if (!profile) {
          lookups.inc();
          profile = await lookup.profile(envelope.tenant, event.personId!, { eventId: envelope.eventId, at: envelope.eventTime });
        }
        return profile;
      };
      const history = needsHistory(before, event, rules, now) ? await profileOf() : undefined;
      const result = applyEvent(before, event, { now, partition: batch.partition, ...(history ? { history } : {}) }, rules);
      countPassed(result.passedOver);
      if (!result.changed) continue;
      changed.set(key, result.state!);
      for (const s of result.signals) signals.push(STORE_KINDS.has(s.kind) ? { ...s, segments: (await profileOf()).segments } : s);
    }
    // Always a transaction, if only for the offsets: they move on with what they stand for.
    const next = (BigInt(batch.lastOffset) + 1n).toString();
    await commit(slot, await consented(signals), changed, { groupId, offsets: [{ topic: batch.topic, partition: batch.partition, offset: next }] });
  };

  const fireTimers = async (slot: Slot) => {
    const open = due.get(slot.partition);
    const now = Date.now();
    const dueKeys = open ? [...open].filter(([, at]) => at <= now).map(([key]) => key) : [];
    if (dueKeys.length === 0) return;
    const changed = new Map<string, SignalState>();
    const signals: Signal[] = [];
    for (const key of dueKeys) {
      const state = states.get(key);
      if (!state || state.partition !== slot.partition) {
        open!.delete(key);
        continue;
      }
      const result = fireDue(state, now, rules);
      countPassed(result.passedOver);
      if (!result.changed) continue;
      changed.set(key, result.state!);
      signals.push(...result.signals);
    }
    if (changed.size > 0) await commit(slot, await consented(signals), changed);
  };

  let stopped = false;
  let ticking = false;
  const tick = async () => {
    if (ticking || stopped) return;
    ticking = true;
    try {
      // A partition whose transaction failed is opened and loaded again here too: it may get no batch for a while.
      for (const [partition, slot] of [...slots]) if (slot.broken) slotOf(partition);
      await Promise.all(
        [...slots.values()]
          .filter((s) => s.loaded && !s.broken)
          .map((slot) => exclusive(slot, () => fireTimers(slot)).catch((error: unknown) => logger.warn({ partition: slot.partition, err: error }, 'signals: due timers not published; trying again'))),
      );
    } finally {
      ticking = false;
    }
  };

  const consumer = await clients.consumer({
    groupId,
    topics: [topics.events.name],
    transactionalCommits: true,
    concurrency: 4,
    maxBytesPerPartition: deps.fetchBytes ?? 1024 * 1024,
    minBytes: 64 * 1024,
    maxWaitMs: 100,
    ...(deps.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: deps.sessionTimeoutMs }),
    onAssignment: (assignment) => {
      const owned = new Set(assignment[topics.events.name] ?? []);
      for (const p of [...slots.keys()]) if (!owned.has(p)) release(p);
      const gained = [...owned].filter((p) => !slots.has(p));
      if (gained.length > 0) prepare(gained);
    },
  });

  /** Waits for a partition to be ready, keeping the group membership alive meanwhile. */
  const untilReady = async (slot: Slot, ctx: BatchContext) => {
    let ready = false;
    const settled = slot.ready.then(() => (ready = true));
    while (!ready) {
      await Promise.race([settled, new Promise((r) => setTimeout(r, 3000))]);
      if (!ready) await ctx.heartbeat();
    }
  };

  await consumer.run(async (batch, ctx) => {
    const slot = slotOf(batch.partition);
    await untilReady(slot, ctx);
    await exclusive(slot, () => handleBatch(slot, batch));
  });
  const ticker = setInterval(() => void tick(), deps.tickMs);
  const rulesTimer = setInterval(() => void refreshVisitRules(), deps.rulesRefreshMs ?? 60_000);
  rulesTimer.unref();
  logger.info({ groupId, cartAbandonMs: rules.cartAbandonMs, tickMs: deps.tickMs }, 'signals processor running');

  return {
    forget(keys) {
      for (const key of keys) {
        const state = states.get(key);
        if (!state) continue;
        states.delete(key);
        due.get(state.partition)?.delete(key);
      }
    },
    async stop() {
      stopped = true;
      clearInterval(ticker);
      clearInterval(rulesTimer);
      await consumer.close();
      const held = [...slots.values()];
      await Promise.all(held.map((s) => s.chain));
      await Promise.all(held.map(async (s) => (await s.ready.catch(() => undefined))?.close().catch(() => undefined)));
      slots.clear();
      await ch.close();
    },
  };
}
