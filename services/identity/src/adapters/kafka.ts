/**
 * Identity on Kafka, in two roles. Stitchers (any number, one consumer group) read the raw
 * events, attribute each to a person from the identifier table they follow, and pass on what the
 * table cannot answer as links. The graph writer (one per partition of the links topic: a
 * tenant's links all go to one partition) applies the links and publishes the table, the merges
 * and the conflicts; its state is those compacted topics, rebuilt on start.
 */
import { ok, type AvroCodec, type CdpIdentity, type IncomingRecord, type KafkaClients, type Logger, type OutputRecord, type TableReader, type TopicSpec } from '@cdp/plumbing';
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
}

/**
 * Reads the merge and identifier topics in order into `apply`, and follows them when asked.
 * Decoding is chained so that the latest record of a key is applied last.
 */
async function readTables(
  topics: IdentityTopics,
  clients: KafkaClients,
  codec: AvroCodec,
  apply: { merge(m: CdpIdentity.PersonMerge): void; assignment(a: CdpIdentity.IdentifierAssignment): void },
  follow: boolean,
): Promise<{ readers: TableReader[]; settled: () => Promise<void> }> {
  let chain = Promise.resolve();
  const onto = <T>(fn: (value: T) => void) => (r: IncomingRecord) => {
    if (!r.value) return;
    const bytes = r.value;
    chain = chain.then(async () => fn(codec.decodeCached<T>(bytes) ?? (await codec.decode<T>(bytes))));
  };
  const merges = await clients.readTable(topics.merges.name, onto<CdpIdentity.PersonMerge>((m) => apply.merge(m)), { follow });
  await merges.caughtUp;
  await chain;
  const assignments = await clients.readTable(topics.assignments.name, onto<CdpIdentity.IdentifierAssignment>((a) => apply.assignment(a)), { follow });
  await assignments.caughtUp;
  await chain;
  return { readers: [merges, assignments], settled: () => chain };
}

/** The graph writer's state, rebuilt from the compacted topics before any link is applied. */
export async function rebuildGraph(graph: IdentityGraph, topics: IdentityTopics, clients: KafkaClients, codec: AvroCodec, logger: Logger): Promise<void> {
  const started = Date.now();
  await readTables(topics, clients, codec, { merge: (m) => graph.loadMerge(m), assignment: (a) => graph.loadAssignment(a) }, false);
  logger.info({ ...graph.size, ms: Date.now() - started }, 'identity graph rebuilt from Kafka');
}

/** A stitcher's table: read to the end, then followed as the graph writer updates it. */
export async function followTable(table: IdentityTable, topics: IdentityTopics, clients: KafkaClients, codec: AvroCodec, logger: Logger): Promise<TableReader[]> {
  const started = Date.now();
  const { readers } = await readTables(topics, clients, codec, { merge: (m) => table.setMerge(m), assignment: (a) => table.setAssignment(a) }, true);
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
    const { assignments, merges, conflicts } = graph.applyLink(link.tenant, link.identifiers as LinkIdentifier[], link.eventTime, link.eventId, Date.now());
    const fresh = conflicts.filter((c) => !recorded.has(c.conflictId));
    for (const c of fresh) recorded.add(c.conflictId);
    return ok<OutputRecord[]>([
      ...assignments.map((a) => ({ topic: topics.assignments, key: assignmentKey(a), value: a })),
      ...merges.map((m) => ({ topic: topics.merges, key: mergeKey(m), value: m })),
      ...fresh.map((c) => ({ topic: topics.conflicts, key: conflictKey(c), value: c })),
    ]);
  };
}

/** The decoded record as the union branch its topic carries. */
function wrap(value: unknown, topic: string, topics: IdentityTopics): InputEvent {
  const spec = topics.inputs.find((t) => t.name === topic)!;
  return { [spec.valueType]: value } as InputEvent;
}
