/**
 * Identity on Kafka, in two roles. Stitchers (any number, one consumer group) read the raw
 * events, attribute each to a person from the identifier table they follow, and pass on what the
 * table cannot answer as links. The graph writer (one per partition of the links topic: a
 * tenant's links all go to one partition) applies the links and publishes the table, the merges,
 * the conflicts and the append-only history; its state is the compacted topics, rebuilt on start.
 */
import { identifierKey, ok, readIdentityTables, readKeyedTable, type AvroCodec, type CdpIdentity, type CdpPrivacy, type IncomingRecord, type KafkaClients, type Logger, type Outcome, type OutputRecord, type SuppressionList, type TableReader, type TopicSpec } from '@cdp/plumbing';
import { personIdsOf, type IdentityGraph } from '../core/graph';
import { envelopeOf, type InputEvent, type LinkIdentifier } from '../core/identifiers';
import { assignmentKey, conflictKey, linkKey, mergeKey } from '../core/resolve-event';
import type { RuleBook } from '../core/rules';
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

export function stitchProcess(table: IdentityTable, rules: RuleBook, topics: IdentityTopics, suppressions: SuppressionList, suppressed: SuppressionCounter) {
  return (value: unknown, record: IncomingRecord) => {
    const event = wrap(value, record.topic, topics);
    const envelope = envelopeOf(event);
    const { resolved, link } = stitch(event, rules.rulesOf(envelope.tenant), table);
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

/** Entry ids of a tenant's history entries that name any of these identifiers or persons. */
export type HistoryScan = (tenant: string, identifierKeys: ReadonlySet<string>, personIds: ReadonlySet<string>) => Promise<string[]>;

export interface GraphDeps {
  suppressions: SuppressionList;
  suppressed: SuppressionCounter;
  scanHistory: HistoryScan;
  now?: () => number;
}

/** Entries written lately, which a history scan may not see yet (sent after it began). */
const RECENT_ENTRIES = 10_000;

export function graphProcess(graph: IdentityGraph, topics: IdentityTopics, deps: GraphDeps) {
  // A shared device sends the same refused link again and again: its conflict is recorded once
  // per process (and once in ClickHouse, by its deterministic id).
  const recorded = new Set<string>();
  const recent: { tenant: string; entryId: string; keys: string[]; persons: string[] }[] = [];
  const now = deps.now ?? Date.now;
  const applyLink = (link: CdpIdentity.IdentityLink): Outcome<OutputRecord[]> => {
    if (deps.suppressions.suppressedBy(link.tenant, link.identifiers) !== undefined) {
      deps.suppressed.inc({ role: 'graph' });
      return ok([]);
    }
    const { assignments, merges, conflicts, history } = graph.applyLink(link.tenant, link.identifiers as LinkIdentifier[], link.eventTime, link.eventId, now());
    const fresh = conflicts.filter((c) => !recorded.has(c.conflictId));
    for (const c of fresh) recorded.add(c.conflictId);
    const entry = history && historyOf(history, fresh);
    if (entry) {
      if (recent.length >= RECENT_ENTRIES) recent.shift();
      recent.push({ tenant: entry.tenant, entryId: entry.entryId, keys: entry.identifiers.map((i) => identifierKey(entry.tenant, i)), persons: personsNamed(entry) });
    }
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
    const entries = new Set(await deps.scanHistory(tenant, keys, persons));
    for (const r of recent) if (r.tenant === tenant && (r.keys.some((k) => keys.has(k)) || r.persons.some((p) => persons.has(p)))) entries.add(r.entryId);
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

  return (value: unknown, record?: IncomingRecord): Outcome<OutputRecord[]> | Promise<Outcome<OutputRecord[]>> =>
    record?.topic === topics.erasureRequests.name ? erase(value as CdpPrivacy.ErasureRequest) : applyLink(value as CdpIdentity.IdentityLink);
}

/** History keys: one per entry, so that erasure can tombstone a person's entries; partitioned by tenant (TopicSpec.partitionBy). */
export const historyKey = (e: CdpIdentity.IdentityHistoryEntry): string => `${e.tenant}|${e.entryId}`;

/** Every person an entry names, as ClickHouse's identity_history.persons has them. */
function personsNamed(e: CdpIdentity.IdentityHistoryEntry): string[] {
  return [e.personId, ...e.joins.flatMap((j) => [j.survivorPersonId, j.absorbedPersonId, ...j.carriedPersonIds]), ...e.refusals.flatMap((r) => [r.personId, r.otherPersonId])];
}

const identifierOfKey = (key: string): CdpIdentity.Identifier => {
  const [, type, ...value] = key.split('|');
  return { type: type!, value: value.join('|') };
};

/** Reads a tenant's history to its end: the entries naming the erased identifiers or persons. */
export function historyScanner(topic: TopicSpec, clients: KafkaClients, codec: AvroCodec): HistoryScan {
  return async (tenant, identifierKeys, personIds) => {
    const found = new Set<string>();
    const prefix = `${tenant}|`;
    const names = (e: CdpIdentity.IdentityHistoryEntry) => e.identifiers.some((i) => identifierKeys.has(identifierKey(tenant, i))) || personsNamed(e).some((p) => personIds.has(p));
    const reader = await readKeyedTable<CdpIdentity.IdentityHistoryEntry>(clients, codec, topic, {
      upsert: (key, e) => {
        if (!key.startsWith(prefix)) return;
        if (names(e)) found.add(key.slice(prefix.length));
        else found.delete(key.slice(prefix.length));
      },
      remove: (key) => key.startsWith(prefix) && found.delete(key.slice(prefix.length)),
    }, { follow: false });
    await reader.caughtUp;
    return [...found];
  };
}

/**
 * The entry with only the refusals recorded now, like the conflicts topic: a shared kiosk's link
 * refused again and again is history once per process. Null when nothing else is left in it.
 */
function historyOf(entry: CdpIdentity.IdentityHistoryEntry, fresh: CdpIdentity.IdentityConflict[]): CdpIdentity.IdentityHistoryEntry | null {
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
