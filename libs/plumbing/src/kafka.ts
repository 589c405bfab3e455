/**
 * The only module that imports a Kafka client library. Services see the small interfaces below,
 * so the clients behind them can change here alone. Two are used, each where it measured best on
 * our machines (README, "Kafka clients"): @platformatic/kafka produces (6 us of CPU per record
 * against kafkajs' 16-18), kafkajs consumes (5 us against 10-11), administers and runs the
 * transactions that commit consumer offsets.
 */
import './node-compat';
import { Producer as PlatformaticProducer, compatibilityPartitioner, GenericError, MultipleErrors, NetworkError, TimeoutError, type MessageToProduce, type Partitioner } from '@platformatic/kafka';
import { Kafka, logLevel as KafkaLogLevel, ConfigResourceTypes, ConfigSource, Partitioners, type Admin, type ICustomPartitioner, type Consumer, type Producer, type LogEntry, KafkaJSError } from 'kafkajs';
import type { Logger } from 'pino';
import { CdpError, TransientError } from './errors';
import { failpoint } from './failpoints';
import { intentOf, planBatch, rangeMetadata, type OffsetRange } from './stable-batches';
import { PERSONAL_SEGMENT_MS, type TopicSpec } from './topics';

export interface OutgoingRecord {
  key: string | Buffer | null;
  value: Buffer | null;
  /** Set: this partition, not the key's (see partitionOfKey). */
  partition?: number;
  headers?: Record<string, string>;
}

export interface IncomingRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
  headers: Record<string, string>;
}

export interface RecordBatch {
  topic: string;
  partition: number;
  records: IncomingRecord[];
  /**
   * The offsets the batch stands for: its first and last record's, or, for a batch read again
   * after a crash with `stableBatches`, the range it had the first time (a compacted topic may
   * have lost records of it since).
   */
  firstOffset: string;
  lastOffset: string;
  /** Offset of the next record the partition will have; lag = highWatermark - next offset. */
  highWatermark: string;
}

export interface BatchContext {
  /** Keep the group membership alive during long work. */
  heartbeat(): Promise<void>;
  /** False once stop() was called: finish what is in hand, take nothing new. */
  isRunning(): boolean;
}

export interface EventProducer {
  /** Resolves once every record is acknowledged by all in-sync replicas (acks=all). */
  send(topic: string, records: OutgoingRecord[]): Promise<void>;
  /** Several topics in one request. */
  sendBatches(batches: { topic: string; records: OutgoingRecord[] }[]): Promise<void>;
  close(): Promise<void>;
}

export interface EventConsumer {
  /**
   * Hands over one partition's batch at a time. The batch's offsets are committed only after the
   * handler resolves; a throw re-delivers the batch (use it for infrastructure faults only).
   */
  run(handler: (batch: RecordBatch, ctx: BatchContext) => Promise<void>): Promise<void>;
  /** Stop fetching, let the handler in progress finish, leave the group. */
  close(): Promise<void>;
}

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  fromBeginning?: boolean;
  /** Upper bound of one fetch from one partition; bigger batches mean fewer, larger sink writes. */
  maxBytesPerPartition?: number;
  sessionTimeoutMs?: number;
  /** Partitions whose batches are handled at the same time (their sends and commits overlap). */
  concurrency?: number;
  /**
   * A fetch waits up to maxWaitMs for minBytes to arrive: under load this gives fewer, larger
   * batches (one produce, one commit, one insert each) for at most maxWaitMs of added latency.
   */
  minBytes?: number;
  maxWaitMs?: number;
  /** Called after every join of the group with the partitions this member now owns, per topic. */
  onAssignment?: (assignment: Record<string, number[]>) => void;
  /**
   * A batch read again after a crash has the same first and last offset as when the handler
   * first saw it (stable-batches.ts), so a sink can make its writes idempotent with a token of
   * the batch's range. Costs one more offset commit per batch.
   */
  stableBatches?: boolean;
  /**
   * The handler commits each batch's offsets itself, in the Kafka transaction that publishes what
   * it made of the batch (TransactionalProducer.publish with `consumed`): outputs and offsets
   * become visible together or not at all (exactly once). The consumer moves on without committing;
   * after a restart or a rebalance it reads from what the last committed transaction recorded.
   * Not with stableBatches, which commits ranges of its own.
   */
  transactionalCommits?: boolean;
}

/** Offsets a transaction commits for a consumer group: per partition, the next offset to read. */
export interface ConsumedOffsets {
  groupId: string;
  offsets: { topic: string; partition: number; offset: string }[];
}

/** A group's committed offset of one partition, with the metadata committed along with it. */
export interface CommittedOffset {
  partition: number;
  /** -1 when the group has committed nothing there. */
  offset: string;
  metadata: string | null;
}

export interface TopicDescription {
  name: string;
  partitions: number;
  config: Record<string, string>;
}

export interface TopicAdmin {
  listTopics(): Promise<string[]>;
  /** Creates the topics that do not exist yet; returns the names it created. */
  createTopics(specs: readonly TopicSpec[]): Promise<string[]>;
  describeTopics(names: string[]): Promise<TopicDescription[]>;
  /** Adds partitions to reach `partitions` (Kafka cannot remove partitions). */
  growPartitions(name: string, partitions: number): Promise<void>;
  /** Sets some of a topic's configs, keeping the others it has set (cleanup.policy, ...). */
  setTopicConfigs(name: string, configs: Record<string, string>): Promise<void>;
  deleteTopics(names: string[]): Promise<void>;
  /** Sum over partitions of (end offset - committed offset of the group). */
  groupLag(groupId: string, topic: string): Promise<number>;
  /** Every consumer group's lag on each of `topics` it has committed offsets for (an operator's view of the whole pipeline). */
  groupLags(topics: readonly string[]): Promise<{ group: string; topic: string; lag: number }[]>;
  /** Members of a consumer group once it is stable (a rebalance done), else 0. */
  groupMembers(groupId: string): Promise<number>;
  /** Sum over partitions of the end offsets (records ever written, for non-compacted topics). */
  endOffsetTotal(topic: string): Promise<number>;
  /** End offset (the next offset to be written) per partition. */
  endOffsets(topic: string): Promise<Map<number, string>>;
  committedOffsets(groupId: string, topic: string): Promise<CommittedOffset[]>;
  close(): Promise<void>;
}

export interface TableReader {
  /** Resolves once every record present when the reader started has been handed over. */
  caughtUp: Promise<void>;
  close(): Promise<void>;
}

export interface PublishOptions {
  onProgress?: (sent: number, total: number) => void | Promise<void>;
  /**
   * Consumer offsets committed in the same transaction (consume-transform-produce): the group
   * reads on from them only if the records are committed too. A publish with offsets and no
   * records still commits the offsets.
   */
  consumed?: ConsumedOffsets;
  /**
   * Resolve only once read_committed readers see the records (the default). A stream processor
   * that publishes batch after batch turns it off: its next transaction needs no wait, and the
   * broker keeps its transactions in order anyway.
   */
  awaitVisible?: boolean;
}

/**
 * A producer whose every publish is one Kafka transaction: read_committed consumers (every
 * consumer here) see all of it at the commit, or nothing. One per transactional id: opening one
 * fences an earlier producer of the same id, aborting the transaction a crashed process left open.
 */
export interface TransactionalProducer {
  /**
   * Sends the batches in one transaction (cut into requests under the size limit) and commits.
   * Any failure aborts the transaction and rejects; nothing of it becomes visible. `onProgress`
   * is called inside the transaction after each request with the records sent so far; a throw
   * from it aborts the transaction like any other failure.
   */
  publish(batches: { topic: string; records: OutgoingRecord[] }[], options?: PublishOptions): Promise<void>;
  close(): Promise<void>;
}

export interface KafkaClients {
  producer(): Promise<EventProducer>;
  /**
   * Connects a transactional producer and initialises its id at once, so that a transaction an
   * earlier holder of the id left open is aborted before the caller reads what is committed.
   * `transactionTimeoutMs` bounds how long a crashed holder's open transaction can hold back
   * read_committed readers of its partitions when no new holder comes.
   */
  transactionalProducer(transactionalId: string, options?: { transactionTimeoutMs?: number }): Promise<TransactionalProducer>;
  consumer(options: ConsumerOptions): Promise<EventConsumer>;
  admin(): Promise<TopicAdmin>;
  /**
   * Reads a (compacted) topic from the beginning into the caller's table and keeps following
   * it: a stream-table join's table side. Uses a throw-away consumer group, never commits.
   * With `from: 'end'` it hands over only what is published after the call began (a change feed
   * read for invalidation): every such record, none before, and caughtUp resolves at once.
   */
  readTable(topic: string, onRecord: (record: IncomingRecord) => void, options?: { follow?: boolean; from?: 'beginning' | 'end' }): Promise<TableReader>;
}

/**
 * The broker refuses a record batch over message.max.bytes (1 MiB by default) and kafkajs does
 * not split a send, so sends are cut into requests that stay below it whatever the partitioning.
 */
export const MAX_REQUEST_BYTES = 900_000;

export function* chunkByBytes(records: OutgoingRecord[], limit = MAX_REQUEST_BYTES): Generator<OutgoingRecord[]> {
  let chunk: OutgoingRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = (r.value?.length ?? 0) + (r.key?.length ?? 0) + 64;
    if (size > limit) throw new CdpError('ERR_KAFKA_RECORD_TOO_LARGE', `a record of ${size} bytes exceeds the ${limit}-byte request limit`);
    if (bytes + size > limit && chunk.length > 0) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(r);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

/**
 * kafkajs' default partitioner (murmur2, the same partition for a key as Java clients choose),
 * remembering its answer per key: keys repeat (a person's events), and hashing each message in
 * JavaScript showed up at about 9 % of a service's CPU.
 */
const cachingPartitioner: ICustomPartitioner = () => {
  const partition = Partitioners.DefaultPartitioner();
  const cache = new Map<string, number>();
  return (args) => {
    const key = args.message.key;
    if (key === null || key === undefined) return partition(args);
    const id = `${args.topic}\u0000${args.partitionMetadata.length}\u0000${key.toString()}`;
    let chosen = cache.get(id);
    if (chosen === undefined) {
      chosen = partition(args);
      if (cache.size >= 200_000) cache.clear();
      cache.set(id, chosen);
    }
    return chosen;
  };
};

/**
 * The partition Kafka's default partitioners (Java's, kafkajs', ours) choose for a key among
 * `partitions`: for a record that must land where another key would (a topic keyed per record
 * but ordered per tenant).
 */
export const partitionOfKey = (key: string, partitions: number): number => compatibilityPartitioner(undefined as never, Buffer.from(key)) % partitions;

/** The tenant part of a key `tenant|...`. */
export const tenantOfKey = (key: string): string => {
  const bar = key.indexOf('|');
  return bar < 0 ? key : key.slice(0, bar);
};

/** The partition a record of `spec` must be sent to, when the topic chooses it rather than the key's hash (TopicSpec.partitionBy). */
export const partitionFor = (spec: TopicSpec, key: string | null): number | undefined =>
  spec.partitionBy === 'tenant' && key !== null ? partitionOfKey(tenantOfKey(key), spec.partitions) : undefined;

/**
 * @platformatic/kafka's errors: network and timeout failures, and broker answers it marks
 * retriable (leader moved, not enough replicas), alone or inside the MultipleErrors of one request.
 */
function isPlatformaticTransient(error: Error): boolean {
  if (!GenericError.isGenericError(error)) return false;
  if (error instanceof NetworkError || error instanceof TimeoutError || (error as GenericError).canRetry === true) return true;
  if (MultipleErrors.isMultipleErrors(error)) return error.errors.length > 0 && error.errors.every((e) => e instanceof Error && isPlatformaticTransient(e));
  return false;
}

/**
 * The same partition for a key as kafkajs' default partitioner and Java clients (murmur2 masked
 * positive; the client takes it modulo the topic's partitions), remembered per key: keys repeat (a
 * person's events), and hashing every message in JavaScript showed up at about 9 % of a service's CPU.
 */
function cachingCompatibilityPartitioner(): Partitioner<Buffer | undefined, Buffer | undefined, string, string> {
  const cache = new Map<string, number>();
  return (message, key) => {
    if (!key) return compatibilityPartitioner(message as never, key);
    const id = key.toString('latin1');
    let hash = cache.get(id);
    if (hash === undefined) {
      hash = compatibilityPartitioner(message as never, key);
      if (cache.size >= 200_000) cache.clear();
      cache.set(id, hash);
    }
    return hash;
  };
}

const toKafkaJsLevel = (level: string): KafkaLogLevel =>
  ({ trace: KafkaLogLevel.DEBUG, debug: KafkaLogLevel.DEBUG })[level] ??
  KafkaLogLevel.ERROR;

/** Client errors the library marks retriable (broker down, leader moved) become TransientError. */
export function wrapKafkaError(error: unknown, what: string): unknown {
  if (error instanceof Error && isPlatformaticTransient(error)) return new TransientError(`Kafka ${what} failed: ${error.message}`, error);
  if (error instanceof KafkaJSError && error.retriable) return new TransientError(`Kafka ${what} failed: ${error.message}`, error);
  if (error instanceof KafkaJSError && /connect|ECONNREFUSED|disconnected|timeout/i.test(error.message)) {
    return new TransientError(`Kafka ${what} failed: ${error.message}`, error);
  }
  return error;
}

/** Numbers every table reader of the process, so that each has a consumer group of its own. */
let tableReaders = 0;

export function createKafkaClients({ brokers, clientId, logger }: { brokers: string[]; clientId: string; logger: Logger }): KafkaClients {
  const kafka = new Kafka({
    clientId,
    brokers,
    logLevel: toKafkaJsLevel(logger.level),
    logCreator: () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log;
      const level = entry.level <= KafkaLogLevel.ERROR ? 'error' : entry.level === KafkaLogLevel.WARN ? 'warn' : 'debug';
      logger[level]({ kafka: entry.namespace, ...extra }, message);
    },
    retry: { initialRetryTime: 200, retries: 8 },
  });

  /** Polls the last stable offset (what admin offsets report: read_committed) until it passes `written`. */
  const waitUntilStable = async (written: Map<string, Map<number, bigint>>, what: string, timeoutMs = 30_000): Promise<void> => {
    if (written.size === 0) return;
    const admin = kafka.admin();
    await admin.connect().catch((e: unknown) => Promise.reject(wrapKafkaError(e, 'admin connect')));
    try {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        let stable = true;
        for (const [topic, parts] of written) {
          const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
          for (const [partition, offset] of parts) if ((ends.get(partition) ?? 0n) <= offset) stable = false;
        }
        if (stable) return;
        if (Date.now() > deadline) throw new TransientError(`${what}: not visible to read_committed readers after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };

  return {
    async producer() {
      // Idempotent with acks=all (one request in flight per broker, which the library enforces):
      // a retried send can neither duplicate nor reorder records.
      const producer = new PlatformaticProducer<Buffer | undefined, Buffer | undefined, string, string>({
        clientId,
        bootstrapBrokers: brokers,
        idempotent: true,
        acks: -1,
        autocreateTopics: false,
        retries: 8,
        retryDelay: 200,
        serializers: { headerKey: (k) => (k === undefined ? undefined : Buffer.from(k)), headerValue: (v) => (v === undefined ? undefined : Buffer.from(v)) },
        partitioner: cachingCompatibilityPartitioner(),
      });
      // Connects and learns the cluster now, so that a broker that is down fails the start, not the first send.
      await producer.metadata({ topics: [] }).catch(async (e: unknown) => {
        await producer.close().catch(() => undefined);
        return Promise.reject(wrapKafkaError(e, 'producer connect'));
      });
      const toMessages = (topic: string, records: OutgoingRecord[]): MessageToProduce<Buffer | undefined, Buffer | undefined, string, string>[] =>
        records.map((r) => ({ topic, key: r.key === null ? undefined : typeof r.key === 'string' ? Buffer.from(r.key) : r.key, value: r.value ?? undefined, ...(r.partition !== undefined ? { partition: r.partition } : {}), ...(r.headers ? { headers: r.headers } : {}) }));
      const send = async (messages: MessageToProduce<Buffer | undefined, Buffer | undefined, string, string>[], what: string) => {
        await producer.send({ messages }).catch((e: unknown) => Promise.reject(wrapKafkaError(e, what)));
      };
      return {
        async send(topic, records) {
          for (const chunk of chunkByBytes(records)) await send(toMessages(topic, chunk), `send to ${topic}`);
        },
        async sendBatches(batches) {
          // Several topics per request, each request under the size limit.
          let request: MessageToProduce<Buffer | undefined, Buffer | undefined, string, string>[] = [];
          let bytes = 0;
          for (const batch of batches) {
            for (const chunk of chunkByBytes(batch.records)) {
              const size = chunk.reduce((n, r) => n + (r.value?.length ?? 0) + (r.key?.length ?? 0) + 64, 0);
              if (bytes + size > MAX_REQUEST_BYTES && request.length > 0) {
                await send(request, 'send');
                request = [];
                bytes = 0;
              }
              request.push(...toMessages(batch.topic, chunk));
              bytes += size;
            }
          }
          if (request.length > 0) await send(request, 'send');
        },
        close: () => producer.close(),
      };
    },

    async transactionalProducer(transactionalId, { transactionTimeoutMs = 60_000 } = {}) {
      const producer: Producer = kafka.producer({
        transactionalId,
        idempotent: true,
        maxInFlightRequests: 1,
        transactionTimeout: transactionTimeoutMs,
        allowAutoTopicCreation: false,
        createPartitioner: cachingPartitioner,
      });
      const what = `transaction ${transactionalId}`;
      await producer.connect().catch((e: unknown) => Promise.reject(wrapKafkaError(e, 'producer connect')));
      try {
        // kafkajs initialises the transactional id (InitProducerId: fences the id's earlier
        // producer, whose open transaction the coordinator aborts) when the first transaction
        // begins. An empty transaction ends without a request to the broker.
        const fence = await producer.transaction();
        await fence.abort();
      } catch (error) {
        await producer.disconnect().catch(() => undefined);
        throw wrapKafkaError(error, `${what}: init`);
      }
      const toMessages = (records: OutgoingRecord[]) =>
        records.map((r) => ({ key: r.key, value: r.value, ...(r.partition !== undefined ? { partition: r.partition } : {}), ...(r.headers ? { headers: r.headers } : {}) }));
      return {
        async publish(batches, { onProgress, consumed, awaitVisible = true } = {}) {
          const total = batches.reduce((n, b) => n + b.records.length, 0);
          const offsets = consumed?.offsets ?? [];
          if (total === 0 && offsets.length === 0) return;
          const tx = await producer.transaction().catch((e: unknown) => Promise.reject(wrapKafkaError(e, `${what}: begin`)));
          let sent = 0;
          // Per topic and partition, an offset this transaction wrote: once the last stable offset
          // is past it, the commit markers are written and read_committed readers see the version.
          const written = new Map<string, Map<number, bigint>>();
          try {
            for (const batch of batches) {
              for (const chunk of chunkByBytes(batch.records)) {
                const acks = await tx.send({ topic: batch.topic, acks: -1, messages: toMessages(chunk) });
                for (const a of acks) {
                  const parts = written.get(a.topicName) ?? new Map<number, bigint>();
                  parts.set(a.partition, BigInt(a.baseOffset ?? '0'));
                  written.set(a.topicName, parts);
                }
                sent += chunk.length;
                await failpoint('kafka.transaction.after-send', transactionalId, { topic: batch.topic, sent, total });
                await onProgress?.(sent, total);
              }
            }
            if (consumed && offsets.length > 0) {
              const byTopic = new Map<string, { partition: number; offset: string }[]>();
              for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partition: o.partition, offset: o.offset }]);
              await tx.sendOffsets({ consumerGroupId: consumed.groupId, topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) });
              await failpoint('kafka.transaction.after-offsets', transactionalId, { groupId: consumed.groupId, offsets });
            }
            await tx.commit();
          } catch (error) {
            // A producer fenced by a newer one cannot abort; its transaction is aborted already.
            if (tx.isActive()) await tx.abort().catch(() => undefined);
            const wrapped = wrapKafkaError(error, `${what} (${sent} of ${total} records sent, aborted)`);
            if (wrapped instanceof CdpError) throw wrapped;
            const reason = error instanceof Error ? error.message : String(error);
            const fenced = error instanceof KafkaJSError && /fenc|epoch/i.test(reason);
            throw new CdpError(fenced ? 'ERR_KAFKA_TRANSACTION_FENCED' : 'ERR_KAFKA_TRANSACTION_ABORTED', `${what} aborted after ${sent} of ${total} records: ${fenced ? 'a newer producer with the same transactional id took over' : reason}`, { cause: error });
          }
          // EndTxn returns before the coordinator has written the commit markers. Resolve only
          // when read_committed readers see the version, so that whoever reads next (the next
          // load comparing with the live state, a test) finds it.
          if (awaitVisible) await waitUntilStable(written, `${what}: commit markers`);
        },
        close: () => producer.disconnect(),
      };
    },

    async consumer(options) {
      if (options.transactionalCommits && options.stableBatches) {
        throw new CdpError('ERR_KAFKA_CONSUMER_OPTIONS', `consumer ${options.groupId}: transactionalCommits and stableBatches both commit offsets; choose one`);
      }
      const consumer: Consumer = kafka.consumer({
        groupId: options.groupId,
        allowAutoTopicCreation: false,
        sessionTimeout: options.sessionTimeoutMs ?? 30_000,
        maxBytesPerPartition: options.maxBytesPerPartition ?? 4 * 1024 * 1024,
        maxBytes: 4 * (options.maxBytesPerPartition ?? 4 * 1024 * 1024),
        minBytes: options.minBytes ?? 1,
        maxWaitTimeInMs: options.maxWaitMs ?? 100,
      });
      // Per partition, since this member last joined: the intent found at the committed offset
      // (read once) and the records held until that range is complete. A join starts afresh,
      // as kafkajs does: it fetches from the committed offsets again.
      const stable = new Map<string, { intent: OffsetRange | undefined; held: IncomingRecord[] }>();
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        stable.clear();
        options.onAssignment?.(e.payload.memberAssignment);
      });
      let offsetsAdmin: Promise<Admin> | undefined;
      const intentAt = async (topic: string, partition: number): Promise<OffsetRange | undefined> => {
        offsetsAdmin ??= (async () => {
          const admin = kafka.admin();
          await admin.connect().catch((e: unknown) => Promise.reject(wrapKafkaError(e, 'admin connect')));
          return admin;
        })();
        const [committed] = await (await offsetsAdmin).fetchOffsets({ groupId: options.groupId, topics: [topic] }).catch((e: unknown) => Promise.reject(wrapKafkaError(e, 'offset fetch')));
        const own = committed?.partitions.find((p) => p.partition === partition);
        return own ? intentOf(own.offset, own.metadata) : undefined;
      };
      await consumer.connect().catch((e: unknown) => Promise.reject(wrapKafkaError(e, 'consumer connect')));
      await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? true });
      let running = false;
      // kafkajs restarts itself after a retriable crash only. A non-retriable one (no group
      // coordinator yet, just after the topics were created or while a broker restarts) would
      // leave the process alive and reading nothing: start again, backing off, and say so.
      let restartRun: (() => Promise<void>) | undefined;
      let crashes = 0;
      consumer.on(consumer.events.CRASH, (e) => {
        if (e.payload.restart || !running || !restartRun) return;
        const delay = Math.min(30_000, 500 * 2 ** crashes++);
        logger.warn({ groupId: options.groupId, err: e.payload.error, retryInMs: delay }, 'consumer stopped on a non-retriable error; starting it again');
        const again = restartRun;
        setTimeout(() => {
          if (!running) return;
          again().then(
            () => (crashes = 0),
            (error: unknown) => logger.error({ groupId: options.groupId, err: error }, 'consumer could not start again'),
          );
        }, delay).unref();
      });
      return {
        async run(handler) {
          running = true;
          restartRun = async () => {
            await consumer.connect();
            await start();
          };
          const start = () => consumer.run({
            autoCommit: false,
            eachBatchAutoResolve: false,
            partitionsConsumedConcurrently: options.concurrency ?? 1,
            eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
              if (batch.messages.length === 0 || isStale()) return;
              const { topic, partition } = batch;
              const records: IncomingRecord[] = batch.messages.map((m) => ({
                topic,
                partition,
                offset: m.offset,
                key: m.key,
                value: m.value,
                timestamp: m.timestamp,
                headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, v === undefined ? '' : v.toString()])),
              }));
              const ctx = { heartbeat, isRunning: () => running && isRunning() };
              const commit = (offset: string | bigint, metadata: string | null = null) =>
                consumer.commitOffsets([{ topic, partition, offset: String(offset), metadata }]).catch((e: unknown) => Promise.reject(wrapKafkaError(e, 'offset commit')));
              const hand = async (part: IncomingRecord[], range: { first: string; last: string }, intent: boolean) => {
                if (intent) await commit(range.first, rangeMetadata(range.first, range.last));
                await handler({ topic, partition, records: part, firstOffset: range.first, lastOffset: range.last, highWatermark: batch.highWatermark }, ctx);
                await failpoint('consumer.before-commit', options.groupId, { topic, partition, first: range.first, last: range.last });
                resolveOffset(part[part.length - 1]!.offset);
                // The handler's transaction committed the offsets along with its outputs.
                if (!options.transactionalCommits) await commit(BigInt(range.last) + 1n);
              };
              const rangeOf = (part: IncomingRecord[]) => ({ first: part[0]!.offset, last: part[part.length - 1]!.offset });

              if (!options.stableBatches) return hand(records, rangeOf(records), false);
              const key = `${topic}/${partition}`;
              let state = stable.get(key);
              if (!state) {
                state = { intent: await intentAt(topic, partition), held: [] };
                stable.set(key, state);
              }
              const plan = planBatch(state.intent, state.held, records);
              if (plan.kind === 'hold') {
                // Fetch on from here, commit nothing: the intent stays in Kafka until the range is whole.
                state.held = plan.held;
                resolveOffset(records[records.length - 1]!.offset);
                return;
              }
              if (plan.replay) await hand(plan.replay, { first: String(state.intent!.first), last: String(state.intent!.last) }, false);
              state.intent = undefined;
              state.held = [];
              if (plan.fresh.length > 0) await hand(plan.fresh, rangeOf(plan.fresh), true);
            },
          });
          await start();
        },
        async close() {
          running = false;
          await consumer.disconnect();
          if (offsetsAdmin) await (await offsetsAdmin).disconnect();
        },
      };
    },

    async readTable(topic, onRecord, { follow = true, from = 'beginning' } = {}) {
      const admin = kafka.admin();
      await admin.connect().catch((e: unknown) => Promise.reject(wrapKafkaError(e, 'admin connect')));
      const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
      await admin.disconnect();
      const fromEnd = from === 'end';
      const pending = new Set([...ends].filter(([, high]) => high > 0n && !fromEnd).map(([p]) => p));
      let markCaughtUp!: () => void;
      const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve));
      if (pending.size === 0) markCaughtUp();
      // An empty table needs no reader unless it is to be followed.
      if (pending.size === 0 && !follow) return { caughtUp, close: async () => undefined };
      // A group of its own per reader: two readers of one topic started in the same millisecond
      // shared a group, each got half the partitions and waited for the other half for ever.
      // A short fetch wait: closing a reader waits out the fetch in flight (5 s by default).
      const consumer = kafka.consumer({ groupId: `table-${topic}-${process.pid}-${Date.now()}-${++tableReaders}`, allowAutoTopicCreation: false, maxBytesPerPartition: 8 * 1024 * 1024, maxWaitTimeInMs: 500 });
      await consumer.connect().catch((e: unknown) => Promise.reject(wrapKafkaError(e, 'consumer connect')));
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      // lastOffset() counts records the batch held but did not hand over (control records,
      // aborted transactions), so a partition whose last offset is not a data record still counts as read.
      const reached = (partition: number, lastOffset: string) => {
        if (pending.has(partition) && BigInt(lastOffset) + 1n >= ends.get(partition)!) {
          pending.delete(partition);
          if (pending.size === 0) markCaughtUp();
        }
      };
      // A fetch holding only a commit marker or an aborted transaction never reaches eachBatch:
      // kafkajs skips it and says so only through this event.
      consumer.on(consumer.events.END_BATCH_PROCESS, (e) => reached(e.payload.partition, e.payload.lastOffset));
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch, resolveOffset }) => {
          const first = fromEnd ? (ends.get(batch.partition) ?? 0n) : 0n;
          for (const m of batch.messages) {
            // From the end: the group starts at the beginning and seeks; what a fetch brings from
            // before the recorded end (or again, after kafkajs restarted the run) is passed over.
            if (BigInt(m.offset) >= first) onRecord({ topic: batch.topic, partition: batch.partition, offset: m.offset, key: m.key, value: m.value, timestamp: m.timestamp, headers: {} });
            resolveOffset(m.offset);
          }
          reached(batch.partition, batch.lastOffset());
        },
      });
      if (fromEnd) for (const [partition, offset] of ends) consumer.seek({ topic, partition, offset: offset.toString() });
      if (!follow) {
        await caughtUp;
        await consumer.disconnect();
      }
      return { caughtUp, close: () => consumer.disconnect() };
    },

    async admin() {
      const admin = kafka.admin();
      await admin.connect().catch((e: unknown) => Promise.reject(wrapKafkaError(e, 'admin connect')));
      const sumEnd = async (topic: string) =>
        (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
      return {
        listTopics: () => admin.listTopics(),
        async createTopics(specs) {
          const existing = new Set(await admin.listTopics());
          const missing = specs.filter((s) => !existing.has(s.name));
          if (missing.length === 0) return [];
          await admin.createTopics({
            waitForLeaders: true,
            topics: missing.map((s) => ({
              topic: s.name,
              numPartitions: s.partitions,
              replicationFactor: -1,
              configEntries: [
                { name: 'cleanup.policy', value: s.cleanupPolicy },
                // Compacted topics hold state: keep tombstones long enough for a slow reader to see them.
                ...(s.cleanupPolicy === 'compact' ? [{ name: 'delete.retention.ms', value: String(24 * 3600 * 1000) }] : []),
                ...(s.retentionMs !== undefined ? [{ name: 'retention.ms', value: String(s.retentionMs) }] : []),
                ...(s.personal ? [{ name: 'segment.ms', value: String(PERSONAL_SEGMENT_MS) }] : []),
              ],
            })),
          });
          return missing.map((s) => s.name);
        },
        async describeTopics(names) {
          // A topic created a moment ago on a running broker can be unknown to its metadata for a
          // while (UNKNOWN_TOPIC_OR_PARTITION): seen when a new topic joins an existing stack.
          let meta: Awaited<ReturnType<typeof admin.fetchTopicMetadata>> | undefined;
          for (let attempt = 1; meta === undefined; attempt++) {
            try {
              meta = await admin.fetchTopicMetadata({ topics: names });
            } catch (error) {
              if ((error as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION' || attempt >= 20) throw error;
              await new Promise((resolve) => setTimeout(resolve, 250));
            }
          }
          const configs = await admin.describeConfigs({
            includeSynonyms: false,
            resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
          });
          return meta.topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.length,
            config: Object.fromEntries(
              (configs.resources.find((r) => r.resourceName === t.name)?.configEntries ?? []).map((c) => [c.configName, c.configValue]),
            ),
          }));
        },
        async growPartitions(name, partitions) {
          await admin.createPartitions({ topicPartitions: [{ topic: name, count: partitions }] });
        },
        async setTopicConfigs(name, configs) {
          // kafkajs has only the legacy AlterConfigs, which replaces every config set on the topic:
          // the ones set now (configSource TOPIC_CONFIG) go along, or they would fall back to defaults.
          const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name }] });
          const own = (described.resources[0]?.configEntries ?? []).filter((c) => c.configSource === ConfigSource.TOPIC_CONFIG);
          const merged = { ...Object.fromEntries(own.map((c) => [c.configName, c.configValue])), ...configs };
          await admin.alterConfigs({
            validateOnly: false,
            resources: [{ type: ConfigResourceTypes.TOPIC, name, configEntries: Object.entries(merged).map(([configName, value]) => ({ name: configName, value })) }],
          });
        },
        async deleteTopics(names) {
          await admin.deleteTopics({ topics: names });
        },
        async groupLag(groupId, topic) {
          const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
          return lagOver(await admin.fetchTopicOffsets(topic), committed?.partitions ?? []);
        },
        async groupLags(topics) {
          const wanted = new Set(topics);
          const { groups } = await admin.listGroups();
          const ends = new Map<string, Awaited<ReturnType<typeof admin.fetchTopicOffsets>>>();
          const endsOf = async (topic: string) => ends.get(topic) ?? ends.set(topic, await admin.fetchTopicOffsets(topic)).get(topic)!;
          const lags: { group: string; topic: string; lag: number }[] = [];
          for (const { groupId } of groups) {
            for (const { topic, partitions } of await admin.fetchOffsets({ groupId })) {
              if (wanted.has(topic) && partitions.some((p) => Number(p.offset) >= 0)) lags.push({ group: groupId, topic, lag: lagOver(await endsOf(topic), partitions) });
            }
          }
          return lags;
        },
        async groupMembers(groupId) {
          const { groups } = await admin.describeGroups([groupId]);
          const group = groups[0];
          return group?.state === 'Stable' ? group.members.length : 0;
        },
        endOffsetTotal: sumEnd,
        async endOffsets(topic) {
          return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
        },
        async committedOffsets(groupId, topic) {
          const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
          return (committed?.partitions ?? []).map((p) => ({ partition: p.partition, offset: p.offset, metadata: p.metadata ?? null }));
        },
        close: () => admin.disconnect(),
      };
    },
  };
}

/** Per partition, the end offset less the group's committed one (never committed: from the partition's start). */
function lagOver(ends: { partition: number; high: string; low: string }[], committed: { partition: number; offset: string }[]): number {
  return ends.reduce((lag, p) => {
    const done = committed.find((c) => c.partition === p.partition)?.offset ?? '-1';
    const start = Number(done) < 0 ? Number(p.low) : Number(done);
    return lag + Math.max(0, Number(p.high) - start);
  }, 0);
}

/** True when a broker answers a metadata request within timeoutMs (no retries): a health probe. */
export async function probeBroker(brokers: string[], timeoutMs = 2000): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'cdp-health-probe',
    brokers,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: KafkaLogLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
