/**
 * One e2e file's own pipeline on the shared stack: its topic prefix, ClickHouse database and
 * consumer groups, the four services started (ingest under the run's own PII salt, so the test
 * computes the hashes it expects without ingest's code), and senders that post to ingest as the
 * local web shop, app and store gateway do.
 */
import { randomBytes } from 'node:crypto';
import { allTopics, createClickHouse, type ClickHouse } from '@cdp/plumbing';
import { createTestPipeline, removeTestRun, type TestPipeline } from '@cdp/infra/src/testing/pipeline';
import { prepareTopics } from '@cdp/infra/src/testing/topics';

export interface PipelineRun {
  run: string;
  prefix: string;
  database: string;
  piiSalt: string;
  pipeline: TestPipeline;
  ch: ClickHouse;
}

/** Names for a run: `it-<tag>-<run>.` topics, `it_<tag>_<run>` database. */
export function runNames(tag: string): Pick<PipelineRun, 'run' | 'prefix' | 'database' | 'piiSalt'> {
  const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  return { run, prefix: `it-${tag}-${run}.`, database: `it_${tag}_${run}`, piiSalt: `${tag}-e2e-salt-${run}` };
}

/** env: a service's own settings; api: start the customer API too (after the others). */
export async function startPipelineRun(
  names: Pick<PipelineRun, 'run' | 'prefix' | 'database' | 'piiSalt'>,
  options: { env?: Partial<Record<'aggregation' | 'enrichment' | 'identity' | 'ingest' | 'api', Record<string, string>>>; api?: boolean } = {},
): Promise<PipelineRun> {
  await prepareTopics(allTopics(names.prefix));
  const pipeline = await createTestPipeline({ prefix: names.prefix, database: names.database, groupSuffix: names.run });
  for (const name of ['aggregation', 'enrichment', 'identity'] as const) await pipeline.start(name, options.env?.[name]);
  await pipeline.start('ingest', { PII_HASH_SALT: names.piiSalt, ...options.env?.ingest });
  if (options.api) await pipeline.start('api', { PII_HASH_SALT: names.piiSalt, ...options.env?.api });
  const ch = createClickHouse({ url: process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123', database: names.database });
  return { ...names, pipeline, ch };
}

export const stopPipelineRun = (r: PipelineRun | undefined, names: { prefix: string; database: string }) =>
  removeTestRun({ ...(r ? { pipeline: r.pipeline, ch: r.ch } : {}), database: names.database, prefix: names.prefix });

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

/** Posts a batch to ingest and expects it accepted. */
export function ingestSenders(ingestUrl: () => string) {
  const send = async (key: string, path: string, batch: object[]): Promise<void> => {
    const res = await fetch(`${ingestUrl()}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic(key) }, body: JSON.stringify({ batch }) });
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: expect.objectContaining({ success: true }) });
  };
  return {
    send,
    web: (batch: object[]) => send('local-web', '/v1/batch', batch),
    app: (batch: object[]) => send('local-app', '/v1/batch', batch),
    store: (batch: object[]) => send('local-store', '/v1/store/batch', batch),
  };
}

export const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();
