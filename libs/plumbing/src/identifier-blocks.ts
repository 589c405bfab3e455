/**
 * Identifier values an operator blocked because they glued people together
 * (identity.identifier-blocks.v1). The stitchers and the graph writer follow the topic and leave a
 * blocked value out of every link; the API lists them. Keys are tenant|type|value, the identifier
 * as ingest stores it (e-mails and phones hashed).
 */
import type { Logger } from 'pino';
import type { AvroCodec } from './avro';
import type { CdpIdentity } from './generated/avro-types';
import type { KafkaClients } from './kafka';
import { identifierKey } from './identity-tables';
import { readKeyedTable, type KeyedTableReader } from './keyed-table';
import type { TopicSpec } from './topics';

/** The states in which a value links no one: from the operator's request until it is undone. */
export const BLOCKING_STATES: ReadonlySet<CdpIdentity.IdentifierBlockState> = new Set(['BLOCK_REQUESTED', 'BLOCKED']);

export class IdentifierBlockList {
  private readonly records = new Map<string, CdpIdentity.IdentifierBlock>();
  private blocking = 0;

  get size(): number {
    return this.blocking;
  }

  set(block: CdpIdentity.IdentifierBlock): void {
    this.removeKey(identifierKey(block.tenant, block.identifier));
    this.records.set(identifierKey(block.tenant, block.identifier), block);
    if (BLOCKING_STATES.has(block.state)) this.blocking++;
  }

  removeKey(key: string): void {
    const previous = this.records.get(key);
    if (previous && BLOCKING_STATES.has(previous.state)) this.blocking--;
    this.records.delete(key);
  }

  isBlocked(tenant: string, id: { type: string; value: string }): boolean {
    if (this.blocking === 0) return false;
    const block = this.records.get(identifierKey(tenant, id));
    return block !== undefined && BLOCKING_STATES.has(block.state);
  }

  /** The identifiers without the blocked ones; the same array when none is blocked (the common case). */
  withoutBlocked<T extends { type: string; value: string }>(tenant: string, ids: readonly T[]): readonly T[] {
    if (this.blocking === 0 || !ids.some((id) => this.isBlocked(tenant, id))) return ids;
    return ids.filter((id) => !this.isBlocked(tenant, id));
  }

  get(tenant: string, id: { type: string; value: string }): CdpIdentity.IdentifierBlock | undefined {
    return this.records.get(identifierKey(tenant, id));
  }

  /** Every record of a tenant, blocked or undone, newest first. */
  list(tenant: string): CdpIdentity.IdentifierBlock[] {
    return [...this.records.values()].filter((b) => b.tenant === tenant).sort((a, b) => b.updatedAt - a.updatedAt);
  }
}

/** Reads the blocks into `list` and follows them; resolves once the topic's content is applied. */
export async function followIdentifierBlocks(clients: KafkaClients, codec: AvroCodec, topic: TopicSpec, list: IdentifierBlockList, logger?: Logger): Promise<KeyedTableReader> {
  const reader = await readKeyedTable<CdpIdentity.IdentifierBlock>(clients, codec, topic, { upsert: (_key, b) => list.set(b), remove: (key) => list.removeKey(key) }, logger ? { logger } : {});
  await reader.caughtUp;
  return reader;
}
