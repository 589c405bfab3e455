/**
 * pnpm dlq:replay: sends dead letters back through the pipeline after a fix.
 *
 * - Items ingest refused at the door (format ingest-json: an unknown store, a key on the wrong
 *   endpoint, ...) go through ingest's own routes again, in process, with today's sources file
 *   and rules and their original receive time. What is still refused becomes a new dead letter.
 * - Records a service could not process (format kafka-record) are written back to their
 *   original topic as they were.
 *
 * Progress is the offsets of the consumer group cdp-dlq-replay: each dead letter is replayed
 * once; the next run takes only letters written since. Every event keeps its id, so a replayed
 * event that had in fact arrived is still stored once.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { allTopics, createAvroCodec, createKafkaClients, createLogger, createTelemetry, followSuppressions, loadConfigOrExit, saltOf, SuppressionList, topicsWithPrefix, type CdpOps, type IncomingRecord } from '@cdp/plumbing';
import { buildHttpApp } from './adapters/http';
import { createKafkaSink, sinkTopicsOf } from './adapters/kafka-sink';
import { ingestConfigSchema } from './config';
import { parseSources } from './core/sources';

const ROUTES: Record<string, string> = { segment: '/v1/batch', store: '/v1/store/batch' };

export interface ReplaySummary {
  letters: number;
  replayed: number;
  rejectedAgain: number;
  invalid: { topic: string; offset: string; message: string }[];
  records: number;
  skipped: { topic: string; offset: string; reason: string }[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'dry-run': { type: 'boolean', default: false }, group: { type: 'string', default: 'cdp-dlq-replay' }, topic: { type: 'string', multiple: true } } });
  const config = loadConfigOrExit(ingestConfigSchema);
  const logger = createLogger('dlq-replay', config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const sources = parseSources(JSON.parse(readFileSync(config.INGEST_SOURCES_FILE, 'utf8')), config.INGEST_SOURCES_FILE);
  const topics = topicsWithPrefix(config.TOPIC_PREFIX);
  const dlqTopics = values.topic?.length ? values.topic : allTopics(config.TOPIC_PREFIX).filter((t) => t.name.endsWith('.dlq')).map((t) => t.name);

  const clients = createKafkaClients({ brokers: config.KAFKA_BROKERS, clientId: 'dlq-replay', logger });
  const codec = createAvroCodec({ url: config.SCHEMA_REGISTRY_URL });
  const admin = await clients.admin();
  const lag = async () => (await Promise.all(dlqTopics.map((t) => admin.groupLag(values.group!, t)))).reduce((a, b) => a + b, 0);
  const pending = await lag();
  if (values['dry-run'] || pending === 0) {
    process.stdout.write(`${pending} dead letter(s) waiting in ${dlqTopics.length} topics for group ${values.group}${values['dry-run'] ? ' (dry run: nothing replayed)' : ''}\n`);
    await admin.close();
    return;
  }

  const producer = await clients.producer();
  const sink = await createKafkaSink(producer, codec, sinkTopicsOf(topics), 5);
  // A dead letter of a person erased since is dropped as ingest drops their new events.
  const suppressions = new SuppressionList();
  const suppressionReader = await followSuppressions(clients, codec, topics.suppressions, suppressions, logger);
  const app = buildHttpApp({ sources, sink, suppressions, salt: saltOf(config), logger, registry: createTelemetry('dlq-replay').registry, dependenciesReady: async () => ({ kafka: true, registry: true }), replay: true });
  await app.ready();

  const summary: ReplaySummary = { letters: 0, replayed: 0, rejectedAgain: 0, invalid: [], records: 0, skipped: [] };
  const replayOne = async (record: IncomingRecord) => {
    const letter = (await codec.decode(record.value!)) as CdpOps.DeadLetter;
    summary.letters++;
    if (letter.originalFormat !== 'ingest-json') {
      await producer.send(letter.originalTopic, [{ key: letter.originalKey, value: letter.originalValue }]);
      summary.records++;
      return;
    }
    const payload = JSON.parse(letter.originalValue!.toString('utf8')) as { source: string; route: string; routeContext: Record<string, unknown> | null; receivedAt: number; item: unknown };
    const url = ROUTES[payload.route];
    const source = sources.byId(payload.source);
    if (!url || !source) {
      summary.skipped.push({ topic: record.topic, offset: record.offset, reason: !url ? `${payload.route} dead letters hold hashed device MACs and are kept for inspection only` : `source ${payload.source} is no longer in the sources file` });
      return;
    }
    const context = payload.routeContext ?? {};
    const item = payload.route === 'segment' ? { ...(payload.item as object), type: context.type } : payload.item;
    const body = payload.route === 'segment' ? { batch: [item], sentAt: context.sentAt ?? undefined, context: context.context ?? undefined } : { batch: [item] };
    const res = await app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`, 'x-cdp-received-at': String(payload.receivedAt) },
      payload: body,
    });
    if (res.statusCode >= 500) throw new Error(`replay of ${record.topic}@${record.offset} failed: ${res.body}`);
    if (res.statusCode >= 400) {
      summary.invalid.push({ topic: record.topic, offset: record.offset, message: (res.json() as { message: string }).message });
      return;
    }
    const answer = res.json() as { rejected?: unknown[] };
    if (answer.rejected?.length) summary.rejectedAgain++;
    else summary.replayed++;
  };

  const consumer = await clients.consumer({ groupId: values.group!, topics: dlqTopics, fromBeginning: true });
  const running = consumer.run(async (batch) => {
    for (const record of batch.records) await replayOne(record);
  });
  process.stdout.write(`replaying ${pending} dead letter(s) from ${dlqTopics.length} topics\n`);
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    if ((await lag()) === 0) break;
  }
  await consumer.close();
  await running.catch(() => undefined);
  await sink.flush();
  await producer.close();
  await suppressionReader.close();
  await admin.close();
  await app.close();

  process.stdout.write(
    `dead letters read: ${summary.letters}\n` +
      `  accepted through ingest now:  ${summary.replayed}\n` +
      `  refused again (new dead letter): ${summary.rejectedAgain}\n` +
      `  written back to their topic:  ${summary.records}\n` +
      `  invalid for today's routes:   ${summary.invalid.length}\n` +
      `  kept (not replayable):        ${summary.skipped.length}\n`,
  );
  for (const i of summary.invalid) process.stdout.write(`  invalid ${i.topic}@${i.offset}: ${i.message}\n`);
  for (const s of summary.skipped) process.stdout.write(`  kept ${s.topic}@${s.offset}: ${s.reason}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`dlq:replay failed: ${(error as Error).message}\n`);
  process.exit(1);
});
