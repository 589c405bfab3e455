/**
 * The ClickHouse side of an erasure. The identity graph writer has taken the person out of the
 * graph and named the persons at ingest (IDENTITY_ERASED); this deletes their rows from every
 * table (core/erasure.ts), tombstones their signal state, and ends the request as DONE with
 * counts only: the persons' ids leave the request topic with that record.
 *
 * Events of the person already past the stitchers when the erasure began may still be on their
 * way: from the first moment this process knows the persons, the sink stores none of their events
 * and the signals processor drops their state, and the deletes run twice, `settleMs` apart, for
 * rows that were being inserted meanwhile.
 */
import { Counter, partitionFor, type AvroCodec, type CdpPrivacy, type ClickHouse, type EventProducer, type KafkaClients, type Logger, type Registry, type TopicSpec, valueSubjectOf, loadSchemaCatalog } from '@cdp/plumbing';
import { erasureStatements, type ErasedPersons } from '../core/erasure';
import { runDeletes } from './deletes';

export interface ErasureExecutorDeps {
  clients: KafkaClients;
  codec: AvroCodec;
  producer: EventProducer;
  ch: ClickHouse;
  logger: Logger;
  registry: Registry;
  topics: { requests: TopicSpec; signalState: TopicSpec };
  groupId: string;
  erased: ErasedPersons;
  /** Drops the persons' signal states from the signals processor's memory (keys tenant|personId). */
  forgetSignalStates(keys: string[]): void;
  settleMs: number;
}

export async function startErasureExecutor(deps: ErasureExecutorDeps): Promise<{ stop(): Promise<void> }> {
  const { clients, codec, producer, ch, logger, topics } = deps;
  const reader = loadSchemaCatalog().resolve(topics.requests.valueType);
  const requestId = await codec.idOf(valueSubjectOf(topics.requests.name), reader);
  const statements = erasureStatements();
  const done = new Counter({ name: 'aggregation_erasures_total', help: 'Erasure requests carried out in ClickHouse', registers: [deps.registry] });
  const deleted = new Counter({ name: 'aggregation_erased_rows_total', help: 'Rows deleted by erasures, per table', labelNames: ['table'], registers: [deps.registry] });

  const deleteRows = (tenant: string, ids: string[]): Promise<number> => runDeletes(ch, statements, { tenant, ids }, deleted);

  const execute = async (request: CdpPrivacy.ErasureRequest) => {
    const { tenant, personIds } = request;
    const started = Date.now();
    deps.erased.add(tenant, personIds, request.requestId);
    const stateKeys = personIds.map((p) => `${tenant}|${p}`);
    deps.forgetSignalStates(stateKeys);
    let rows = await deleteRows(tenant, personIds);
    await new Promise((resolve) => setTimeout(resolve, deps.settleMs));
    rows += await deleteRows(tenant, personIds);
    // After the settle time: a signals transaction in flight has committed, so no state outlives its tombstone.
    await producer.send(topics.signalState.name, stateKeys.map((key) => ({ key, value: null })));
    const key = `${tenant}|${request.requestId}`;
    const at = Date.now();
    const final: CdpPrivacy.ErasureRequest = {
      ...request, state: 'DONE', identifier: null, personIds: [], historyEntryIds: [], clickhouseRows: rows,
      kafkaTombstones: request.kafkaTombstones + stateKeys.length, updatedAt: at, doneAt: at,
      detail: `${request.identifiers} identifiers and ${personIds.length} person ids erased; ${rows} rows deleted from ClickHouse`,
    };
    const partition = partitionFor(topics.requests, key);
    await producer.send(topics.requests.name, [{ key, value: codec.encode(requestId, final), ...(partition === undefined ? {} : { partition }) }]);
    done.inc();
    logger.info({ tenant, requestId: request.requestId, persons: personIds.length, rows, ms: at - started }, 'erasure carried out in ClickHouse');
  };

  const consumer = await clients.consumer({ groupId: deps.groupId, topics: [topics.requests.name], concurrency: 1 });
  const running = consumer.run(async (batch) => {
    for (const record of batch.records) {
      if (!record.value) continue;
      const request = codec.decodeCached<CdpPrivacy.ErasureRequest>(record.value, reader) ?? (await codec.decode<CdpPrivacy.ErasureRequest>(record.value, reader));
      // Each step writes the request again: only the graph writer's IDENTITY_ERASED is ours.
      if (request.state === 'IDENTITY_ERASED') await execute(request);
      else if (request.state === 'WITHDRAWN') deps.erased.withdraw(request.requestId);
    }
  });
  running.catch((error: unknown) => logger.error({ err: error }, 'erasure consumer stopped'));
  return { stop: () => consumer.close() };
}
