/**
 * The ClickHouse side of a split (core/split.ts). The identity graph writer blocks a value (or
 * undoes that), publishes the changed assignments and merge records, then the block as BLOCKED or
 * UNBLOCKED naming the persons. This deletes the blocked value's rows and the rows by person the
 * split left stale. The new assignments and merges land through the sink on other topics and may
 * come after the block record: the deletes run twice, `settleMs` apart. Views skip stale rows in
 * the meantime (migration 0015), so this is housekeeping, not what makes reads right.
 */
import { Counter, loadSchemaCatalog, type AvroCodec, type CdpIdentity, type ClickHouse, type KafkaClients, type Logger, type Registry, type TopicSpec } from '@cdp/plumbing';
import { BLOCKED_VALUE_STATEMENTS, MEMBERS_SQL, personsOfBlock, SPLIT_ACTIONS, STALE_ROW_STATEMENTS } from '../core/split';
import { runDeletes } from './deletes';

export interface SplitExecutorDeps {
  clients: KafkaClients;
  codec: AvroCodec;
  ch: ClickHouse;
  logger: Logger;
  registry: Registry;
  /** identity.identifier-blocks.v1 */
  topic: TopicSpec;
  groupId: string;
  settleMs: number;
}

export async function startSplitExecutor(deps: SplitExecutorDeps): Promise<{ stop(): Promise<void> }> {
  const { clients, codec, ch, logger } = deps;
  const reader = loadSchemaCatalog().resolve(deps.topic.valueType);
  const splits = new Counter({ name: 'aggregation_identity_splits_total', help: 'Blocked or unblocked identifier values carried out in ClickHouse', labelNames: ['action'], registers: [deps.registry] });
  const deleted = new Counter({ name: 'aggregation_split_rows_deleted_total', help: 'Rows deleted after splits, per table', labelNames: ['table'], registers: [deps.registry] });

  const pass = async (block: CdpIdentity.IdentifierBlock, named: string[]): Promise<number> => {
    const { tenant } = block;
    let rows = 0;
    if (block.state === 'BLOCKED') {
      rows += await runDeletes(ch, BLOCKED_VALUE_STATEMENTS, { tenant, id_type: block.identifier.type, id_value: block.identifier.value, blocked_at: block.updatedAt }, deleted);
    }
    if (named.length === 0) return rows;
    // Asked again each pass: merge records landed meanwhile file more persons under these.
    const members = await ch.query<{ person_id: string }>(MEMBERS_SQL, { tenant, persons: named });
    const persons = [...new Set([...named, ...members.map((m) => m.person_id)])];
    return rows + (await runDeletes(ch, STALE_ROW_STATEMENTS, { tenant, persons }, deleted));
  };

  const execute = async (block: CdpIdentity.IdentifierBlock) => {
    const started = Date.now();
    const named = personsOfBlock(block);
    let rows = await pass(block, named);
    await new Promise((resolve) => setTimeout(resolve, deps.settleMs));
    rows += await pass(block, named);
    splits.inc({ action: block.state });
    logger.info({ tenant: block.tenant, action: block.state, type: block.identifier.type, persons: named.length, rows, ms: Date.now() - started }, 'identity split carried out in ClickHouse');
  };

  const consumer = await clients.consumer({ groupId: deps.groupId, topics: [deps.topic.name], concurrency: 1 });
  const running = consumer.run(async (batch) => {
    for (const record of batch.records) {
      if (!record.value) continue;
      const block = codec.decodeCached<CdpIdentity.IdentifierBlock>(record.value, reader) ?? (await codec.decode<CdpIdentity.IdentifierBlock>(record.value, reader));
      // The requests are the graph writer's to carry out; only its results are ours.
      if (SPLIT_ACTIONS.has(block.state)) await execute(block);
    }
  });
  running.catch((error: unknown) => logger.error({ err: error }, 'identifier-block consumer stopped'));
  return { stop: () => consumer.close() };
}
