import { ok, type CdpIdentity, type IncomingRecord, type KafkaClients, type AvroCodec, type Logger, type OutputRecord, type TopicSpec } from '@cdp/plumbing';
import type { IdentityGraph } from '../core/graph';
import type { InputEvent } from '../core/identifiers';
import { assignmentKey, mergeKey, resolveEvent, resolvedKey } from '../core/resolve-event';

export interface IdentityTopics {
  inputs: TopicSpec[];
  resolved: TopicSpec;
  assignments: TopicSpec;
  merges: TopicSpec;
}

/** Rebuilds the graph from the compacted identifier and merge topics before any event is read. */
export async function rebuildGraph(graph: IdentityGraph, topics: IdentityTopics, clients: KafkaClients, codec: AvroCodec, logger: Logger): Promise<void> {
  const started = Date.now();
  const pending: Promise<void>[] = [];
  const merges = await clients.readTable(topics.merges.name, (r) => {
    if (r.value) pending.push(codec.decode<CdpIdentity.PersonMerge>(r.value).then((m) => graph.loadMerge(m)));
  }, { follow: false });
  await merges.caughtUp;
  await Promise.all(pending.splice(0));
  const assignments = await clients.readTable(topics.assignments.name, (r) => {
    if (r.value) pending.push(codec.decode<CdpIdentity.IdentifierAssignment>(r.value).then((a) => graph.loadAssignment(a)));
  }, { follow: false });
  await assignments.caughtUp;
  await Promise.all(pending);
  logger.info({ ...graph.size, ms: Date.now() - started }, 'identity graph rebuilt from Kafka');
}

export function identityProcess(graph: IdentityGraph, topics: IdentityTopics) {
  return (value: unknown, record: IncomingRecord) => {
    const { resolved, assignments, merges } = resolveEvent(graph, wrap(value, record.topic, topics), Date.now());
    const out: OutputRecord[] = [
      // Table updates first: a reader that sees the event can find its person's identifiers.
      ...assignments.map((a) => ({ topic: topics.assignments, key: assignmentKey(a), value: a })),
      ...merges.map((m) => ({ topic: topics.merges, key: mergeKey(m), value: m })),
      { topic: topics.resolved, key: resolvedKey(resolved), value: resolved },
    ];
    return ok(out);
  };
}

/** The decoded record as the union branch its topic carries. */
function wrap(value: unknown, topic: string, topics: IdentityTopics): InputEvent {
  const spec = topics.inputs.find((t) => t.name === topic)!;
  return { [spec.valueType]: value } as InputEvent;
}
