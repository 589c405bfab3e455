/**
 * Identifiers of erased persons (privacy.suppressions.v1): whoever admits events (ingest, the
 * stitchers, the graph writer) follows the topic and drops events that carry one, until the
 * erasure is withdrawn (a tombstone). Keys are tenant|type|value, the identifier as ingest
 * stores it (e-mails and phones hashed).
 */
import type { Logger } from 'pino';
import type { AvroCodec } from './avro';
import type { CdpPrivacy } from './generated/avro-types';
import type { KafkaClients } from './kafka';
import { identifierKey } from './identity-tables';
import { readKeyedTable, type KeyedTableReader } from './keyed-table';
import type { TopicSpec } from './topics';


export class SuppressionList {
  private readonly keys = new Map<string, string>();

  get size(): number {
    return this.keys.size;
  }

  add(s: CdpPrivacy.Suppression): void {
    this.keys.set(identifierKey(s.tenant, s.identifier), s.requestId);
  }

  removeKey(key: string): void {
    this.keys.delete(key);
  }

  /** The erasure request that suppressed one of these identifiers, if any did. */
  suppressedBy(tenant: string, ids: readonly { type: string; value: string }[]): string | undefined {
    // Almost always empty: the common case costs one size check.
    if (this.keys.size === 0) return undefined;
    for (const id of ids) {
      const request = this.keys.get(identifierKey(tenant, id));
      if (request !== undefined) return request;
    }
    return undefined;
  }

  /** Keys suppressed by one request: what withdrawing it lets in again. */
  keysOf(requestId: string): string[] {
    return [...this.keys].filter(([, r]) => r === requestId).map(([k]) => k);
  }
}

/** Reads the suppressions into `list` and follows them; resolves once the topic's content is applied. */
export async function followSuppressions(clients: KafkaClients, codec: AvroCodec, topic: TopicSpec, list: SuppressionList, logger?: Logger): Promise<KeyedTableReader> {
  const reader = await readKeyedTable<CdpPrivacy.Suppression>(clients, codec, topic, { upsert: (_key, s) => list.add(s), remove: (key) => list.removeKey(key) }, logger ? { logger } : {});
  await reader.caughtUp;
  return reader;
}
