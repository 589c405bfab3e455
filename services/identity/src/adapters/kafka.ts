/**
 * Identity on Kafka, in two roles. Stitchers (any number, one consumer group) read the raw
 * events, attribute each to a person from the identifier table they follow, and pass on what the
 * table cannot answer as links. The graph writer (one per partition of the links topic: a
 * tenant's links all go to one partition) applies the links and publishes the table, the merges,
 * the conflicts and the append-only history; its state is the compacted topics, rebuilt on start.
 */
import { identifierKey, ok, readIdentityTables, readKeyedTable, type AvroCodec, type CdpIdentity, type CdpPrivacy, type IdentifierBlockList, type IncomingRecord, type KafkaClients, type Logger, type Outcome, type OutputRecord, type SuppressionList, type TableReader, type TopicSpec } from '@cdp/plumbing';
import { personIdsOf, type IdentityGraph } from '../core/graph';
import { planSplit, splitEntry } from '../core/split';
import { envelopeOf, type InputEvent, type LinkIdentifier } from '../core/identifiers';
import { assignmentKey, conflictKey, linkKey, mergeKey } from '../core/resolve-event';
import type { IdentityRules, RuleBook } from '../core/rules';
import { stitch, type IdentityTable } from '../core/stitch';

export interface IdentityTopics {
  inputs: TopicSpec[];
  resolved: TopicSpec;
  links: TopicSpec;
  assignments: TopicSpec;
  merges: TopicSpec;
  conflicts: TopicSpec;
  history: TopicSpec;
  erasureRequests: TopicSpec;
  suppressions: TopicSpec;
  blocks: TopicSpec;
}

/** What a stitcher or the graph writer drops because its person was erased. */
export interface SuppressionCounter {
  inc(labels: { role: 'stitch' | 'graph' }): void;
}

/** Identity's two state topics, read by plumbing's readIdentityTables (the customer API reads them the same way). */
const tablesOf = (topics: IdentityTopics) => ({ merges: topics.merges.name, assignments: topics.assignments.name });

/** The graph writer's state, rebuilt from the compacted topics before any link is applied. */
export async function rebuildGraph(graph: IdentityGraph, topics: IdentityTopics, clients: KafkaClients, codec: AvroCodec, logger: Logger): Promise<void> {
  const started = Date.now();
  await readIdentityTables(tablesOf(topics), clients, codec, { merge: (m) => graph.loadMerge(m), assignment: (a) => graph.loadAssignment(a), removeMerge: (k) => graph.unloadMerge(k), removeAssignment: (k) => graph.unloadAssignment(k) }, false);
  logger.info({ ...graph.size, ms: Date.now() - started }, 'identity graph rebuilt from Kafka');
}

/** A stitcher's table: read to the end, then followed as the graph writer updates it. */
export async function followTable(table: IdentityTable, topics: IdentityTopics, clients: KafkaClients, codec: AvroCodec, logger: Logger): Promise<TableReader[]> {
  const started = Date.now();
  const { readers } = await readIdentityTables(tablesOf(topics), clients, codec, { merge: (m) => table.setMerge(m), assignment: (a) => table.setAssignment(a), removeMerge: (k) => table.removeMerge(k), removeAssignment: (k) => table.removeAssignment(k) }, true);
  logger.info({ ...table.size, ms: Date.now() - started }, 'identifier table read; following it');
  return readers;
}

export function stitchProcess(table: IdentityTable, rules: RuleBook, topics: IdentityTopics, suppressions: SuppressionList, suppressed: SuppressionCounter, blocks?: IdentifierBlockList) {
  return (value: unknown, record: IncomingRecord) => {
    const event = wrap(value, record.topic, topics);
    const envelope = envelopeOf(event);
    const { resolved, link } = stitch(event, rules.rulesOf(envelope.tenant), table, blocks);
    // An erased person's event that did not come through ingest (a store gateway writes to
    // Kafka itself) or passed it before the suppression arrived: dropped here, counted.
    if (suppressions.suppressedBy(envelope.tenant, resolved.identifiers) !== undefined) {
      suppressed.inc({ role: 'stitch' });
      return ok<OutputRecord[]>([]);
    }
    const out: OutputRecord[] = [];
    if (link) out.push({ topic: topics.links, key: linkKey(link), value: link });
    // Every event goes on, Wi-Fi observations too: they feed the graph (captive-portal logins)
    // and the store tables (visits, passersby) downstream.
    out.push({ topic: topics.resolved, key: record.key?.toString() ?? envelope.eventId, value: { ...resolved, event } });
    return ok(out);
  };
}

/** A tenant's history entries that `wanted` accepts, in the order the graph writer applied them. */
export type HistoryReader = (tenant: string, wanted: (entry: CdpIdentity.IdentityHistoryEntry) => boolean) => Promise<CdpIdentity.IdentityHistoryEntry[]>;

export interface GraphDeps {
  suppressions: SuppressionList;
  suppressed: SuppressionCounter;
  readHistory: HistoryReader;
  /** Values operators blocked; the graph writer keeps it current with the requests it applies. */
  blocks: IdentifierBlockList;
  rulesOf: (tenant: string) => IdentityRules;
  now?: () => number;
}

/** Entries written lately, which a history read may not see yet (sent after it began). */
const RECENT_ENTRIES = 10_000;

export function graphProcess(graph: IdentityGraph, topics: IdentityTopics, deps: GraphDeps) {
  // A shared device sends the same refused link again and again: its conflict is recorded once
  // per process (and once in ClickHouse, by its deterministic id).
  const recorded = new Set<string>();
  const recent: CdpIdentity.IdentityHistoryEntry[] = [];
  const now = deps.now ?? Date.now;
  const remember = (entry: CdpIdentity.IdentityHistoryEntry) => {
    if (recent.length >= RECENT_ENTRIES) recent.shift();
    recent.push(entry);
  };
  /** The tenant's entries `wanted` accepts: those on the topic, then those this process sent lately (one copy each, at its latest place). */
  const historyOf = async (tenant: string, wanted: (e: CdpIdentity.IdentityHistoryEntry) => boolean): Promise<CdpIdentity.IdentityHistoryEntry[]> => {
    const entries = new Map((await deps.readHistory(tenant, wanted)).map((e) => [e.entryId, e]));
    for (const e of recent) {
      if (e.tenant !== tenant || !wanted(e)) continue;
      entries.delete(e.entryId);
      entries.set(e.entryId, e);
    }
    return [...entries.values()];
  };

  const applyLink = (link: CdpIdentity.IdentityLink): Outcome<OutputRecord[]> => {
    if (deps.suppressions.suppressedBy(link.tenant, link.identifiers) !== undefined) {
      deps.suppressed.inc({ role: 'graph' });
      return ok([]);
    }
    // A stitcher that has not seen a block yet still sends the blocked value: it links no one.
    const identifiers = deps.blocks.withoutBlocked(link.tenant, link.identifiers);
    if (identifiers.length === 0) return ok([]);
    const { assignments, merges, conflicts, history } = graph.applyLink(link.tenant, identifiers as LinkIdentifier[], link.eventTime, link.eventId, now());
    const fresh = conflicts.filter((c) => !recorded.has(c.conflictId));
    for (const c of fresh) recorded.add(c.conflictId);
    const entry = history && withFreshRefusals(history, fresh);
    if (entry) remember(entry);
    return ok<OutputRecord[]>([
      // History first, sent ahead of (or with) the state topics: a change is never published
      // without its entry, which a replay would not write (it changes nothing). Twice: one entry id.
      ...(entry ? [{ topic: topics.history, key: historyKey(entry), value: entry }] : []),
      ...assignments.map((a) => ({ topic: topics.assignments, key: assignmentKey(a), value: a })),
      ...merges.map((m) => ({ topic: topics.merges, key: mergeKey(m), value: m })),
      ...fresh.map((c) => ({ topic: topics.conflicts, key: conflictKey(c), value: c })),
    ]);
  };
  /**
   * REQUESTED: the person leaves the graph (identifiers, merges, history entries tombstoned),
   * their identifiers are suppressed, and the request goes on as IDENTITY_ERASED naming the
   * persons whose rows aggregation deletes. Suppressions are sent first and the request last: a
   * crash between them finds the person gone from the rebuilt graph but its identifiers suppressed
   * under this request, and finishes from those. WITHDRAWN: the suppressions are tombstoned.
   */
  const erase = async (request: CdpPrivacy.ErasureRequest): Promise<Outcome<OutputRecord[]>> => {
    const { tenant, requestId } = request;
    const at = now();
    if (request.state === 'WITHDRAWN') {
      const keys = deps.suppressions.keysOf(requestId).filter((k) => k.startsWith(`${tenant}|`));
      for (const k of keys) deps.suppressions.removeKey(k);
      return ok(keys.map((k) => ({ topic: topics.suppressions, key: k, value: null })));
    }
    if (request.state !== 'REQUESTED' || !request.identifier) return ok([]);
    const asked = { type: request.identifier.type, value: request.identifier.value };
    const erased = graph.erase(tenant, asked);
    let identifiers: CdpIdentity.Identifier[];
    let mergesGone: string[];
    if (erased) {
      identifiers = erased.identifiers;
      mergesGone = erased.absorbed;
    } else {
      const earlier = deps.suppressions.keysOf(requestId).filter((k) => k.startsWith(`${tenant}|`));
      if (earlier.length === 0) {
        // No person holds it: nothing to delete, but its events stay out from now on.
        const suppression = { tenant, identifier: asked, requestId, since: at };
        deps.suppressions.add(suppression);
        return ok([
          { topic: topics.suppressions, key: identifierKey(tenant, asked), value: suppression },
          { topic: topics.erasureRequests, key: `${tenant}|${requestId}`, value: { ...request, state: 'NOT_FOUND', identifier: null, identifiers: 1, updatedAt: at, doneAt: at, detail: 'no person holds this identifier: nothing was stored; its events are suppressed from now on' } },
        ]);
      }
      identifiers = earlier.map(identifierOfKey);
      mergesGone = personIdsOf(tenant, identifiers);
    }
    const personIds = personIdsOf(tenant, identifiers, erased ? [erased.survivor, ...erased.absorbed] : []);
    const suppressionsOut = identifiers.map((identifier) => {
      const suppression = { tenant, identifier, requestId, since: at };
      deps.suppressions.add(suppression);
      return { topic: topics.suppressions, key: identifierKey(tenant, identifier), value: suppression };
    });
    const keys = new Set(identifiers.map((i) => identifierKey(tenant, i)));
    const persons = new Set(personIds);
    const names = (e: CdpIdentity.IdentityHistoryEntry) => e.identifiers.some((i) => keys.has(identifierKey(tenant, i))) || personsNamed(e).some((p) => persons.has(p));
    const entries = new Set((await historyOf(tenant, names)).map((e) => e.entryId));
    const tombstones: OutputRecord[] = [
      ...identifiers.map((i) => ({ topic: topics.assignments, key: identifierKey(tenant, i), value: null })),
      ...mergesGone.map((p) => ({ topic: topics.merges, key: `${tenant}|${p}`, value: null })),
      ...[...entries].sort().map((e) => ({ topic: topics.history, key: `${tenant}|${e}`, value: null })),
    ];
    const next: CdpPrivacy.ErasureRequest = {
      ...request, state: 'IDENTITY_ERASED', identifier: null, personIds, historyEntryIds: [...entries].sort(), identifiers: identifiers.length, kafkaTombstones: tombstones.length, updatedAt: at,
    };
    return ok([...suppressionsOut, ...tombstones, { topic: topics.erasureRequests, key: `${tenant}|${requestId}`, value: next }]);
  };

  /**
   * BLOCK_REQUESTED: the person holding the value is derived again from the history of its
   * identifiers without it (core/split.ts) and the graph takes the result; the changed
   * assignments and merge records, the value's tombstone and a history entry saying so are
   * published, and the request goes on as BLOCKED naming the persons. UNBLOCK_REQUESTED: the
   * links that named the value are applied again in their order, which joins what they joined
   * (the rules permitting), and the request goes on as UNBLOCKED. The record goes last: after a
   * crash the request is applied again to a graph rebuilt from what was published.
   */
  const block = async (request: CdpIdentity.IdentifierBlock): Promise<Outcome<OutputRecord[]>> => {
    const { tenant, identifier } = request;
    const at = now();
    const key = identifierKey(tenant, identifier);
    const blockKey = { topic: topics.blocks, key };
    if (request.state === 'BLOCK_REQUESTED') {
      deps.blocks.set(request);
      const before = graph.personOf(tenant, identifier);
      if (before === undefined) {
        return ok([{ ...blockKey, value: { ...request, state: 'BLOCKED', updatedAt: at, personBefore: null, personsAfter: [], detail: 'no person holds this value: nothing to split; it links no one from now on' } }]);
      }
      const members = new Set(graph.identifiersOfPerson(tenant, before).map((m) => identifierKey(tenant, m.identifier)));
      const history = await historyOf(tenant, (e) => e.identifiers.some((i) => members.has(identifierKey(tenant, i))));
      const plan = planSplit(graph, deps.rulesOf(tenant), tenant, identifier, history, at, `identifier-block|BLOCKED|${request.requestedAt}`)!;
      graph.applySplit(tenant, plan);
      const personsAfter = plan.after.map((p) => p.survivor);
      const entry = splitEntry(request, 'BLOCKED', plan.before, personsAfter, at);
      remember(entry);
      return ok<OutputRecord[]>([
        { topic: topics.history, key: historyKey(entry), value: entry },
        ...plan.removed.map((i) => ({ topic: topics.assignments, key: identifierKey(tenant, i), value: null })),
        ...plan.assignments.map((a) => ({ topic: topics.assignments, key: assignmentKey(a), value: a })),
        ...plan.merges.map((m) => ({ topic: topics.merges, key: mergeKey(m), value: m })),
        {
          ...blockKey,
          value: {
            ...request, state: 'BLOCKED', updatedAt: at, personBefore: plan.before, personsAfter,
            detail: `${history.length} history entries replayed without the value: ${personsAfter.length} person(s), ${plan.assignments.length} identifier(s) moved, ${plan.merges.length} merge record(s) changed`,
          },
        },
      ]);
    }
    if (request.state === 'UNBLOCK_REQUESTED') {
      deps.blocks.set(request);
      const history = await historyOf(tenant, (e) => e.identifiers.some((i) => identifierKey(tenant, i) === key));
      const out: OutputRecord[] = [];
      const joined = new Set<string>();
      for (const e of history) {
        const result = applyLink({ tenant, eventId: e.eventId, eventTime: e.eventTime, identifiers: e.identifiers });
        if (result.kind === 'ok') out.push(...result.value);
      }
      const personBefore = graph.personOf(tenant, identifier) ?? '';
      for (const e of history) {
        const p = graph.personOf(tenant, e.identifiers[0]!);
        if (p !== undefined) joined.add(p);
      }
      const personsAfter = [...joined].sort();
      const entry = splitEntry(request, 'UNBLOCKED', personBefore, personsAfter, at);
      remember(entry);
      return ok<OutputRecord[]>([
        ...out,
        { topic: topics.history, key: historyKey(entry), value: entry },
        { ...blockKey, value: { ...request, state: 'UNBLOCKED', updatedAt: at, personBefore: personBefore || null, personsAfter, detail: `${history.length} link(s) that named the value applied again: ${personsAfter.length} person(s)` } },
      ]);
    }
    // BLOCKED and UNBLOCKED are this writer's own records coming back.
    deps.blocks.set(request);
    return ok([]);
  };

  return (value: unknown, record?: IncomingRecord): Outcome<OutputRecord[]> | Promise<Outcome<OutputRecord[]>> => {
    if (record?.topic === topics.erasureRequests.name) return erase(value as CdpPrivacy.ErasureRequest);
    if (record?.topic === topics.blocks.name) return value === null ? ok([]) : block(value as CdpIdentity.IdentifierBlock);
    return applyLink(value as CdpIdentity.IdentityLink);
  };
}

/** History keys: one per entry, so that erasure can tombstone a person's entries; partitioned by tenant (TopicSpec.partitionBy). */
export const historyKey = (e: CdpIdentity.IdentityHistoryEntry): string => `${e.tenant}|${e.entryId}`;

/** Every person an entry names, as ClickHouse's identity_history.persons has them. */
function personsNamed(e: CdpIdentity.IdentityHistoryEntry): string[] {
  return [
    e.personId,
    ...e.joins.flatMap((j) => [j.survivorPersonId, j.absorbedPersonId, ...j.carriedPersonIds]),
    ...e.refusals.flatMap((r) => [r.personId, r.otherPersonId]),
    ...(e.split ? [e.split.personBefore, ...e.split.personsAfter] : []),
  ];
}

const identifierOfKey = (key: string): CdpIdentity.Identifier => {
  const [, type, ...value] = key.split('|');
  return { type: type!, value: value.join('|') };
};

/** Reads a tenant's history to its end, keeping the entries `wanted` accepts, in the order they were applied. */
export function historyReader(topic: TopicSpec, clients: KafkaClients, codec: AvroCodec): HistoryReader {
  return async (tenant, wanted) => {
    const found = new Map<string, CdpIdentity.IdentityHistoryEntry>();
    const prefix = `${tenant}|`;
    const reader = await readKeyedTable<CdpIdentity.IdentityHistoryEntry>(clients, codec, topic, {
      upsert: (key, e) => {
        if (!key.startsWith(prefix)) return;
        // An entry written again (a link applied again) takes its new place in the order.
        found.delete(key);
        if (wanted(e)) found.set(key, e);
      },
      remove: (key) => key.startsWith(prefix) && found.delete(key),
    }, { follow: false });
    await reader.caughtUp;
    return [...found.values()];
  };
}

/**
 * The entry with only the refusals recorded now, like the conflicts topic: a shared kiosk's link
 * refused again and again is history once per process. Null when nothing else is left in it.
 */
function withFreshRefusals(entry: CdpIdentity.IdentityHistoryEntry, fresh: CdpIdentity.IdentityConflict[]): CdpIdentity.IdentityHistoryEntry | null {
  if (entry.refusals.length === fresh.length) return entry;
  const ids = new Set(fresh.map((c) => c.conflictId));
  const refusals = entry.refusals.filter((r) => ids.has(r.conflictId));
  return entry.firstSeen.length > 0 || entry.joins.length > 0 || refusals.length > 0 ? { ...entry, refusals } : null;
}

/** The decoded record as the union branch its topic carries. */
function wrap(value: unknown, topic: string, topics: IdentityTopics): InputEvent {
  const spec = topics.inputs.find((t) => t.name === topic)!;
  return { [spec.valueType]: value } as InputEvent;
}
