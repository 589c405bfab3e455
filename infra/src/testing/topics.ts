/**
 * Topics of a test or benchmark run under its own prefix: created with their schemas, read back,
 * deleted. Every e2e test and benchmark uses these instead of writing the steps again.
 */
import { createAvroCodec, createKafkaClients, createLogger, type IncomingRecord, type TopicSpec } from '@cdp/plumbing';
import { registerSchemas } from '../setup/schemas';
import { ensureTopics } from '../setup/topics';
import { REGISTRY_URL } from '../stack/servers';

const clientsOf = () =>
  createKafkaClients({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'cdp-test-topics', logger: createLogger('test-topics', 'silent') });

/** Creates the topics that are missing and registers their value schemas. */
export async function prepareTopics(specs: readonly TopicSpec[]): Promise<void> {
  const admin = await clientsOf().admin();
  try {
    await ensureTopics(admin, specs);
  } finally {
    await admin.close();
  }
  await registerSchemas(createAvroCodec({ url: process.env.SCHEMA_REGISTRY_URL ?? REGISTRY_URL }), specs);
}

/** Deletes the topics; a topic already gone is not an error. */
export async function deleteTopics(specs: readonly TopicSpec[]): Promise<void> {
  const admin = await clientsOf().admin();
  await admin.deleteTopics(specs.map((t) => t.name)).catch(() => undefined);
  await admin.close();
}

/**
 * Every record of the topics, read from the beginning until `done` holds for what was read.
 * Throws when it does not hold within timeoutMs: a test never goes on with what happened to arrive.
 */
export async function readUntil(topics: string[], done: (records: IncomingRecord[]) => boolean, timeoutMs = 60_000): Promise<IncomingRecord[]> {
  const records: IncomingRecord[] = [];
  const consumer = await clientsOf().consumer({ groupId: `test-reader-${process.pid}-${Date.now()}-${Math.random()}`, topics, fromBeginning: true, maxWaitMs: 200 });
  const running = consumer.run(async (batch) => {
    records.push(...batch.records);
  });
  const deadline = Date.now() + timeoutMs;
  let met = done(records);
  while (!met && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    met = done(records);
  }
  await consumer.close();
  await running.catch(() => undefined);
  if (!met) throw new Error(`reading ${topics.join(', ')}: what the test waits for was not there after ${timeoutMs} ms (${records.length} records read)`);
  return records;
}

/** Every record of the topics: read until as many as their end offsets say were written. */
export async function readAll(topics: string[], timeoutMs = 60_000): Promise<IncomingRecord[]> {
  const admin = await clientsOf().admin();
  const total = (await Promise.all(topics.map((t) => admin.endOffsetTotal(t)))).reduce((a, b) => a + b, 0);
  await admin.close();
  return readUntil(topics, (rs) => rs.length >= total, timeoutMs);
}
