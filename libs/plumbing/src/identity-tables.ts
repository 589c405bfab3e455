/**
 * Identity's state as tables: the flat merge records and the identifier assignments, read from
 * their compacted topics in order into whoever keeps them (the graph writer, the stitchers, the
 * customer API), and followed as identity publishes more.
 */
import { createHash } from 'node:crypto';
import type { AvroCodec } from './avro';
import type { CdpIdentity } from './generated/avro-types';
import type { IncomingRecord, KafkaClients, TableReader } from './kafka';

/** An identifier's key within its tenant, `tenant|type|value`: on the identifiers and suppressions topics, and in memory. */
export const identifierKey = (tenant: string, id: { type: string; value: string }): string => `${tenant}|${id.type}|${id.value}`;

/**
 * The person id an identifier gets when the graph first sees it, derived from (tenant, type,
 * value): the stitcher can attribute an event before the graph has seen it, a replay computes the
 * same id, and every person the graph ever made is one of these.
 */
export const personIdOf = (tenant: string, id: { type: string; value: string }): string =>
  `p_${createHash('sha256').update(identifierKey(tenant, id)).digest('hex').slice(0, 24)}`;

/**
 * The person a stored row is filed under: that of the event's strongest identifier as first seen
 * (identifiers come strongest first). Views resolve it to the survivor through the merge records,
 * so a later merge, and a split that re-points those records, re-attributes the row without
 * rewriting it. Empty when the event carries no identifier.
 */
export const rowPersonIdOf = (tenant: string, identifiers: readonly { type: string; value: string }[]): string =>
  identifiers.length === 0 ? '' : personIdOf(tenant, identifiers[0]!);

export interface IdentityTableTopics {
  merges: string;
  assignments: string;
}

export interface IdentityTableSink {
  merge(m: CdpIdentity.PersonMerge): void;
  assignment(a: CdpIdentity.IdentifierAssignment): void;
  /** A tombstone (erasure): the merge record of `tenant|fromPersonId` is gone. */
  removeMerge(key: string): void;
  /** A tombstone (erasure): the identifier `tenant|type|value` is gone. */
  removeAssignment(key: string): void;
}

/**
 * Merges first, then assignments, each read to its end before the promise resolves. Decoding is
 * chained so that the latest record of a key is applied last; `settled` waits for what is queued.
 */
export async function readIdentityTables(
  topics: IdentityTableTopics,
  clients: KafkaClients,
  codec: AvroCodec,
  sink: IdentityTableSink,
  follow: boolean,
): Promise<{ readers: TableReader[]; settled: () => Promise<void> }> {
  let chain = Promise.resolve();
  const onto = <T>(fn: (value: T) => void, remove: (key: string) => void) => (r: IncomingRecord) => {
    if (!r.value) {
      const key = r.key?.toString('utf8');
      if (key !== undefined) chain = chain.then(() => remove(key));
      return;
    }
    const bytes = r.value;
    chain = chain.then(async () => fn(codec.decodeCached<T>(bytes) ?? (await codec.decode<T>(bytes))));
  };
  const merges = await clients.readTable(topics.merges, onto<CdpIdentity.PersonMerge>((m) => sink.merge(m), (key) => sink.removeMerge(key)), { follow });
  await merges.caughtUp;
  await chain;
  const assignments = await clients.readTable(topics.assignments, onto<CdpIdentity.IdentifierAssignment>((a) => sink.assignment(a), (key) => sink.removeAssignment(key)), { follow });
  await assignments.caughtUp;
  await chain;
  return { readers: [merges, assignments], settled: () => chain };
}
