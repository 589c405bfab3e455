/**
 * One-time move of the identity history from identity.history.v1 (keyed by tenant, kept for
 * ever: erasure could not take one person's entries out of it) to identity.history.v2 (keyed by
 * tenant|entryId, compacted, each tenant on the partition its v1 records were on). Runs with the
 * topics at `pnpm stack:up` and `pnpm topics`, before any service writes v2: the entries are copied
 * in their order, then v1 is deleted, so that no copy of an erased person's entries is left behind.
 */
import { partitionOfKey, type KafkaClients, type TopicAdmin, type TopicSpec } from '@cdp/plumbing';

export const HISTORY_V1 = 'identity.history.v1';

/** tenant and entryId: the first two fields of an IdentityHistoryEntry, read after the 5-byte Confluent header. */
export function historyKeyOf(value: Buffer): { tenant: string; entryId: string } {
  let at = 5;
  const string = (): string => {
    // Avro long, zig-zag varint: a string's byte length.
    let n = 0;
    let shift = 0;
    for (;;) {
      const b = value[at++];
      if (b === undefined) throw new Error('identity history record ends inside a length');
      n += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) break;
    }
    const length = n % 2 === 0 ? n / 2 : -(n + 1) / 2;
    if (length < 0 || at + length > value.length) throw new Error(`identity history record has a string of ${length} bytes at ${at}`);
    const text = value.toString('utf8', at, at + length);
    at += length;
    return text;
  };
  if (value[0] !== 0) throw new Error('identity history record is not in the Confluent wire format');
  return { tenant: string(), entryId: string() };
}

export interface HistoryMove {
  /** Entries copied to v2; undefined when there was nothing to move. */
  copied?: number;
  problem?: string;
}

export async function moveHistoryV1(admin: TopicAdmin, clients: KafkaClients, v2: TopicSpec, v1Name: string = HISTORY_V1): Promise<HistoryMove> {
  if (!(await admin.listTopics()).includes(v1Name)) return {};
  if ((await admin.endOffsetTotal(v2.name)) > 0) {
    return { problem: `${v1Name} still exists beside ${v2.name}, which has entries already: not copied (it would change their order); delete ${v1Name} once you no longer need it` };
  }
  const records: { partition: number; key: string; value: Buffer }[] = [];
  await clients.readTable(v1Name, (r) => {
    if (!r.value) return;
    const { tenant, entryId } = historyKeyOf(r.value);
    records.push({ partition: partitionOfKey(tenant, v2.partitions), key: `${tenant}|${entryId}`, value: r.value });
  }, { follow: false });
  const producer = await clients.producer();
  try {
    // Per tenant in v1's order (one partition per tenant there, read in order).
    await producer.send(v2.name, records.map((r) => ({ key: r.key, value: r.value, partition: r.partition })));
  } finally {
    await producer.close();
  }
  await admin.deleteTopics([v1Name]);
  return { copied: records.length };
}
