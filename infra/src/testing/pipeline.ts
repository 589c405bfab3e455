/**
 * The services (the four of the pipeline and the customer API) as child processes for a test or a benchmark: their own topic prefix, consumer groups,
 * ClickHouse database and ports, so a test never touches the demo's data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { allTopics, createKafkaClients, createLogger, topicsWithPrefix, type ClickHouse } from '@cdp/plumbing';
import { REPO_ROOT } from '../paths';
import { SERVICE_NODE_ARGS } from '../system';
import { deleteTopics } from './topics';

export type ServiceName = 'ingest' | 'identity' | 'enrichment' | 'aggregation' | 'api' | 'console';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A service, or a further instance of one: `identity:stitcher-2`. */
export type Instance = ServiceName | `${ServiceName}:${string}`;

export interface TestPipeline {
  ingestUrl: string;
  /** The customer API's address, once started. */
  apiUrl: string;
  /** The console's address, once started (after the API: it reads through it). */
  consoleUrl: string;
  /** Starts a service (or another instance of it, with its own env on top) and waits until it is healthy. */
  start(name: Instance, extraEnv?: Record<string, string>): Promise<void>;
  kill(name: Instance, signal?: NodeJS.Signals): Promise<void>;
  stopAll(): Promise<void>;
  /** The last lines a service printed, for failure messages. */
  output(name: Instance): string;
  /** Its metrics port (ingest: its HTTP port). */
  port(name: Instance): number;
  /** Its process id while it runs (a benchmark reads its memory from /proc). */
  pid(name: Instance): number | undefined;
  /** How a process that ended by itself ended ("exit 70", "SIGSEGV"); undefined while it runs and after kill(). */
  exited(name: Instance): string | undefined;
  /**
   * Waits until every consumer group of the pipeline has read its topics to the end, twice in a
   * row (a stage that just caught up may still be writing to the next).
   */
  settle(timeoutMs?: number): Promise<void>;
  /**
   * The services' base consumer group ids (the graph writer's is identity's with `-graph`, the
   * signals processor's aggregation's with `-signals`), for a benchmark that samples their lag.
   */
  groups: { identity: string; enrichment: string; aggregation: string };
}

export async function createTestPipeline({ prefix, database, groupSuffix }: { prefix: string; database: string; groupSuffix: string }): Promise<TestPipeline> {
  const ports = new Map<Instance, number>();
  for (const name of ['ingest', 'identity', 'enrichment', 'aggregation', 'api', 'console'] as const) ports.set(name, await freePort());
  const apiMetricsPort = await freePort();
  const children = new Map<Instance, ChildProcess>();
  const logs = new Map<Instance, string[]>();
  const env = {
    ...process.env,
    LOG_LEVEL: 'warn',
    TOPIC_PREFIX: prefix,
    CLICKHOUSE_DATABASE: database,
    IDENTITY_GROUP_ID: `identity-${groupSuffix}`,
    ENRICHMENT_GROUP_ID: `enrichment-${groupSuffix}`,
    AGGREGATION_GROUP_ID: `aggregation-${groupSuffix}`,
  };
  // Ingest, the API and the console answer /health on their HTTP port; the others on their metrics
  // port. The console reads this pipeline's API and services' metrics.
  const metricsUrl = (name: ServiceName) => `${name}=http://127.0.0.1:${name === 'api' ? apiMetricsPort : ports.get(name)}/metrics`;
  const portsEnv = async (service: ServiceName, port: string): Promise<Record<string, string>> => {
    if (service === 'ingest') return { INGEST_PORT: port };
    if (service === 'api') return { API_PORT: port, METRICS_PORT: String(apiMetricsPort) };
    if (service === 'console') {
      const targets = (['ingest', 'identity', 'enrichment', 'aggregation', 'api'] as const).map(metricsUrl).join(',');
      return { CONSOLE_PORT: port, METRICS_PORT: String(await freePort()), CONSOLE_API_URL: `http://127.0.0.1:${ports.get('api')}`, CONSOLE_METRICS_URLS: targets };
    }
    return { METRICS_PORT: port };
  };
  const health = (name: Instance) => `http://127.0.0.1:${ports.get(name)}/health`;

  const start = async (name: Instance, extraEnv: Record<string, string> = {}) => {
    const service = name.split(':')[0] as ServiceName;
    if (!ports.has(name)) ports.set(name, await freePort());
    const port = String(ports.get(name));
    // CDP_SERVICE_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the services of a benchmark.
    const nodeArgs = process.env.CDP_SERVICE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const child = spawn(process.execPath, [...SERVICE_NODE_ARGS, ...nodeArgs, '--import', 'tsx', join('services', service, 'src', 'main.ts')], {
      cwd: REPO_ROOT,
      env: { ...env, ...(await portsEnv(service, port)), ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    logs.set(name, lines);
    // CDP_TEST_LOG_DIR keeps every line a service printed, for a test that failed under faults.
    const logFile = process.env.CDP_TEST_LOG_DIR ? join(process.env.CDP_TEST_LOG_DIR, `${groupSuffix}-${name.replace(':', '-')}.log`) : undefined;
    const keep = (chunk: Buffer) => {
      if (logFile) appendFileSync(logFile, chunk);
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      lines.splice(0, Math.max(0, lines.length - 40));
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    children.set(name, child);
    const began = Date.now();
    const deadline = began + 60_000;
    let told = began;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${lines.join('\n')}`);
      // A slow start says so while it waits, so that a test that times out shows where it stood.
      if (Date.now() - told > 15_000) {
        told = Date.now();
        process.stderr.write(`test pipeline: ${name} not healthy after ${Math.round((told - began) / 1000)} s; its last lines:\n${lines.slice(-10).join('\n')}\n`);
      }
      try {
        if ((await fetch(health(name), { signal: AbortSignal.timeout(1000) })).ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${name} did not become healthy:\n${lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  const kill = async (name: Instance, signal: NodeJS.Signals = 'SIGTERM') => {
    const child = children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
    children.delete(name);
  };

  return {
    ingestUrl: `http://127.0.0.1:${ports.get('ingest')}`,
    groups: { identity: env.IDENTITY_GROUP_ID, enrichment: env.ENRICHMENT_GROUP_ID, aggregation: env.AGGREGATION_GROUP_ID },
    apiUrl: `http://127.0.0.1:${ports.get('api')}`,
    consoleUrl: `http://127.0.0.1:${ports.get('console')}`,
    start,
    kill,
    async stopAll() {
      // Upstream first, so nothing is left writing to a stage that has stopped.
      const order = ['console', 'api', 'ingest', 'identity', 'enrichment', 'aggregation'];
      const byStage = [...children.keys()].sort((a, b) => order.indexOf(a.split(':')[0]!) - order.indexOf(b.split(':')[0]!));
      for (const name of byStage) await kill(name);
    },
    port: (name) => ports.get(name)!,
    pid: (name) => children.get(name)?.pid,
    exited(name) {
      const child = children.get(name);
      if (!child || (child.exitCode === null && child.signalCode === null)) return undefined;
      return child.exitCode !== null ? `exit ${child.exitCode}` : child.signalCode!;
    },
    output: (name) => (logs.get(name) ?? []).join('\n'),
    async settle(timeoutMs = 90_000) {
      const t = topicsWithPrefix(prefix);
      const reads: [string, string][] = [
        ...[t.webEvents, t.posTransactions, t.beaconSightings, t.wifiObservations].map((topic): [string, string] => [env.IDENTITY_GROUP_ID, topic.name]),
        [`${env.IDENTITY_GROUP_ID}-graph`, t.identityLinks.name],
        [`${env.IDENTITY_GROUP_ID}-graph`, t.erasureRequests.name],
        [`${env.AGGREGATION_GROUP_ID}-erasure`, t.erasureRequests.name],
        [`${env.IDENTITY_GROUP_ID}-graph`, t.identifierBlocks.name],
        [`${env.AGGREGATION_GROUP_ID}-blocks`, t.identifierBlocks.name],
        [env.ENRICHMENT_GROUP_ID, t.resolvedEvents.name],
        ...[t.enrichedEvents, t.identifierAssignments, t.personMerges, t.identityConflicts, t.identityHistory].map((topic): [string, string] => [env.AGGREGATION_GROUP_ID, topic.name]),
      ];
      const clients = createKafkaClients({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'test-settle', logger: createLogger('test-settle', 'silent') });
      const admin = await clients.admin();
      try {
        let quiet = 0;
        for (const deadline = Date.now() + timeoutMs; quiet < 2; await new Promise((r) => setTimeout(r, 300))) {
          const lags = await Promise.all(reads.map(([group, topic]) => admin.groupLag(group, topic)));
          quiet = lags.every((l) => l === 0) ? quiet + 1 : 0;
          if (Date.now() > deadline) throw new Error(`the pipeline did not settle: ${reads.map(([g, topic], i) => `${g}@${topic}=${lags[i]}`).filter((x) => !x.endsWith('=0')).join(', ')}`);
        }
      } finally {
        await admin.close();
      }
    },
  };
}

/**
 * A test's teardown: its services stopped (upstream first), its ClickHouse database dropped, its
 * prefixed topics deleted. Whatever the test got to create before it failed.
 */
export async function removeTestRun({ pipeline, ch, database, prefix }: { pipeline?: TestPipeline; ch?: ClickHouse; database: string; prefix: string }): Promise<void> {
  await pipeline?.stopAll();
  await ch?.command('DROP DATABASE IF EXISTS {db:Identifier}', { db: database });
  await ch?.close();
  await deleteTopics(allTopics(prefix));
}
