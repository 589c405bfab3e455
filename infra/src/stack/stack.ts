/** `pnpm stack:up`, `stack:down` and `stack:status`: the local stack as a whole. */
import { createAvroCodec, createKafkaClients, createLogger, TOPICS } from '@cdp/plumbing';
import { STACK_DIR } from '../paths';
import { registerSchemas } from '../setup/schemas';
import { HISTORY_V1, moveHistoryV1 } from '../setup/history-v1';
import { ensureTopics } from '../setup/topics';
import { StackError } from './errors';
import { assertPortFree, logFileOf, runningPid, stopProcess, waitUntil } from './processes';
import { REGISTRY_URL, SERVERS, type Server } from './servers';

type Say = (line: string) => void;
const stdout: Say = (line) => process.stdout.write(`${line}\n`);
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

export async function startServer(server: Server, say: Say): Promise<void> {
  const pid = runningPid(server.name);
  if (pid !== undefined) {
    if (await server.healthy()) {
      say(`  ${server.name}: already running (pid ${pid})`);
      return;
    }
    // Running but not answering yet (e.g. still starting after another stack:up): wait for it.
    say(`  ${server.name}: running (pid ${pid}), waiting until it answers...`);
    await waitUntil(server.name, () => server.healthy(), { pid, logFile: logFileOf(server.name), timeoutMs: 120_000 });
    return;
  }
  const started = Date.now();
  const launch = await server.launch();
  await server.waitReady(launch);
  say(`  ${server.name}: started (pid ${launch.pid}) and ready in ${seconds(started)}`);
}

export async function up({ say = stdout, showStatus = true }: { say?: Say; showStatus?: boolean } = {}): Promise<void> {
  const started = Date.now();
  say(`Local stack in ${STACK_DIR}`);
  // Check every port and prerequisite before downloading or starting anything.
  for (const server of SERVERS) {
    if (runningPid(server.name) !== undefined) continue;
    for (const { port } of server.ports) await assertPortFree(port, server.title);
  }
  for (const server of SERVERS) await server.install();

  const [kafka, registry, clickhouse] = SERVERS as [Server, Server, Server];
  await startServer(kafka, say);
  const logger = createLogger('stack', 'error');
  const clients = createKafkaClients({ brokers: ['127.0.0.1:9092'], clientId: 'cdp-stack', logger });
  const admin = await clients.admin();
  try {
    const topics = await ensureTopics(admin);
    say(`  topics: ${topics.created.length} created${topics.grown.length ? `, grown: ${topics.grown.join('; ')}` : ''}${topics.retained.length ? `, retention set: ${topics.retained.join('; ')}` : ''}, all present`);
    for (const problem of topics.problems) say(`  topics: WARNING ${problem}`);
    const moved = await moveHistoryV1(admin, clients, TOPICS.identityHistory);
    if (moved.copied !== undefined) say(`  topics: identity history moved to ${TOPICS.identityHistory.name} (${moved.copied} entries), ${HISTORY_V1} deleted`);
    if (moved.problem) say(`  topics: WARNING ${moved.problem}`);
  } finally {
    await admin.close();
  }
  // The registry keeps its schemas in Kafka, so it starts after the broker; ClickHouse alongside.
  await Promise.all([startServer(registry, say), startServer(clickhouse, say)]);
  const registered = await registerSchemas(createAvroCodec({ url: REGISTRY_URL }));
  say(`  schemas: ${registered.length} subjects registered (BACKWARD compatibility)`);
  say(`Stack ready in ${seconds(started)}.`);
  if (showStatus) await status({ say });
}

export async function down({ say = stdout }: { say?: Say } = {}): Promise<void> {
  // Reverse order: the registry needs Kafka to stop cleanly.
  for (const server of [...SERVERS].reverse()) {
    const result = await stopProcess(server.name, server.stopGraceMs);
    say(`  ${server.name}: ${result === 'not-running' ? 'was not running' : result === 'killed' ? `did not stop within ${server.stopGraceMs / 1000} s, killed` : 'stopped'}`);
  }
}

export interface ServerState {
  name: string;
  title: string;
  pid: number | undefined;
  ports: string;
  health: 'healthy' | 'not answering' | 'stopped';
  log: string;
}

export async function states(): Promise<ServerState[]> {
  return Promise.all(
    SERVERS.map(async (server) => {
      const pid = runningPid(server.name);
      const health = pid === undefined ? 'stopped' : (await server.healthy()) ? 'healthy' : 'not answering';
      return {
        name: server.name,
        title: server.title,
        pid,
        ports: server.ports.map((p) => `${p.port} ${p.role}`).join(', '),
        health,
        log: logFileOf(server.name),
      } as ServerState;
    }),
  );
}

export async function status({ say = stdout }: { say?: Say } = {}): Promise<ServerState[]> {
  const rows = await states();
  const table = [['server', 'state', 'pid', 'ports (127.0.0.1)', 'what', 'log'], ...rows.map((r) => [r.name, r.health, r.pid === undefined ? '-' : String(r.pid), r.ports, r.title, r.log])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) say(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  // Something else on our ports is worth saying: the stack cannot start while it is there.
  for (const r of rows.filter((row) => row.pid === undefined)) {
    const server = SERVERS.find((s) => s.name === r.name)!;
    for (const { port } of server.ports) {
      await assertPortFree(port, server.title).catch((e: StackError) => say(`  note: ${e.message.split('\n')[0]}`));
    }
  }
  return rows;
}
