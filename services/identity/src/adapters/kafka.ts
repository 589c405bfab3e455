/**
 * Identity on Kafka, in two roles. Stitchers (any number, one consumer group) read the raw
 * events, attribute each to a person from the identifier table they follow, and pass on what the
 * table cannot answer as links. The graph writer (one per partition of the links topic: a
 * tenant's links all go to one partition) applies the links and publishes the table, the merges,
 * the conflicts and the append-only history; its state is the compacted topics, rebuilt on start.
 */
import { ok, readIdentityTables, type AvroCodec, type CdpIdentity, type IncomingRecord, type KafkaClients, type Logger, type OutputRecord, type TableReader, type TopicSpec } from '@cdp/plumbing';
import type { IdentityGraph } from '../core/graph';
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
}

/** Identity's two state topics, read by plumbing's readIdentityTables (the customer API reads them the same way). */
const tablesOf = (topics: IdentityTopics) => ({ merges: topics.merges.name, assignments: topics.assignments.name });

/** The graph writer's state, rebuilt from the compacted topics before any link is applied. */
export async function rebuildGraph(graph: IdentityGraph, topics: IdentityTopics, clients: KafkaClients, codec: AvroCodec, logger: Logger): Promise<void> {
  const started = Date.now();
  await readIdentityTables(tablesOf(topics), clients, codec, { merge: (m) => graph.loadMerge(m), assignment: (a) => graph.loadAssignment(a) }, false);
  logger.info({ ...graph.size, ms: Date.now() - started }, 'identity graph rebuilt from Kafka');
}

/** A stitcher's table: read to the end, then followed as the graph writer updates it. */
export async function followTable(table: IdentityTable, topics: IdentityTopics, clients: KafkaClients, codec: AvroCodec, logger: Logger): Promise<TableReader[]> {
  const started = Date.now();
  const { readers } = await readIdentityTables(tablesOf(topics), clients, codec, { merge: (m) => table.setMerge(m), assignment: (a) => table.setAssignment(a) }, true);
  logger.info({ ...table.size, ms: Date.now() - started }, 'identifier table read; following it');
  return readers;
}

export function stitchProcess(table: IdentityTable, rules: RuleBook, topics: IdentityTopics) {
  return (value: unknown, record: IncomingRecord) => {
    const event = wrap(value, record.topic, topics);
    const envelope = envelopeOf(event);
    const { resolved, link } = stitch(event, rules.rulesOf(envelope.tenant), table);
    const out: OutputRecord[] = [];
    if (link) out.push({ topic: topics.links, key: linkKey(link), value: link });
    // Every event goes on, Wi-Fi observations too: they feed the graph (captive-portal logins)
    // and the store tables (visits, passersby) downstream.
    out.push({ topic: topics.resolved, key: record.key?.toString() ?? envelope.eventId, value: { ...resolved, event } });
    return ok(out);
  };
}

export function graphProcess(graph: IdentityGraph, topics: IdentityTopics) {
  // A shared device sends the same refused link again and again: its conflict is recorded once
  // per process (and once in ClickHouse, by its deterministic id).
  const recorded = new Set<string>();
  return (value: unknown) => {
    const link = value as CdpIdentity.IdentityLink;
    const { assignments, merges, conflicts, history } = graph.applyLink(link.tenant, link.identifiers as LinkIdentifier[], link.eventTime, link.eventId, Date.now());
    const fresh = conflicts.filter((c) => !recorded.has(c.conflictId));
    for (const c of fresh) recorded.add(c.conflictId);
    const entry = history && historyOf(history, fresh);
    return ok<OutputRecord[]>([
      // History first, sent ahead of (or with) the state topics: a change is never published
      // without its entry, which a replay would not write (it changes nothing). Twice: one entry id.
      ...(entry ? [{ topic: topics.history, key: entry.tenant, value: entry }] : []),
      ...assignments.map((a) => ({ topic: topics.assignments, key: assignmentKey(a), value: a })),
      ...merges.map((m) => ({ topic: topics.merges, key: mergeKey(m), value: m })),
      ...fresh.map((c) => ({ topic: topics.conflicts, key: conflictKey(c), value: c })),
    ]);
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
