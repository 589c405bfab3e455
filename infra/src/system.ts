/**
 * `pnpm start` / `pnpm stop` / `pnpm status`: the local stack and the services (the pipeline's
 * four, the reference-data loader and the customer API) as background processes (pids and logs under the stack
 * folder), each judged by its /health.
 */
import { join } from 'node:path';
import { REPO_ROOT, STACK_DIR } from './paths';
import { StackError } from './stack/errors';
import { assertPortFree, launchDetached, logFileOf, runningPid, stopProcess, waitUntil } from './stack/processes';
import { httpOk } from './stack/servers';
import { down as stackDown, status as stackStatus, up as stackUp } from './stack/stack';

export interface ServiceSpec {
  name: 'ingest' | 'identity' | 'enrichment' | 'aggregation' | 'loader' | 'api' | 'console';
  port: number;
  health: string;
}

/** Start order: the sink first (it migrates ClickHouse), the HTTP door last. */
export const SERVICES: readonly ServiceSpec[] = [
  { name: 'aggregation', port: 9103, health: 'http://127.0.0.1:9103/health' },
  { name: 'enrichment', port: 9102, health: 'http://127.0.0.1:9102/health' },
  { name: 'identity', port: 9101, health: 'http://127.0.0.1:9101/health' },
  { name: 'ingest', port: 8080, health: 'http://127.0.0.1:8080/health' },
  // Reference-data uploads (HTTP 8090; metrics on 9104): depends on no other service.
  { name: 'loader', port: 8090, health: 'http://127.0.0.1:8090/health' },
  // The customer API (HTTP 8070; metrics on 9105): reads identity's topics and ClickHouse.
  { name: 'api', port: 8070, health: 'http://127.0.0.1:8070/health' },
  // The console (HTTP 8060; metrics on 9106): reads through the API, the services' metrics and Kafka.
  { name: 'console', port: 8060, health: 'http://127.0.0.1:8060/health' },
];

/**
 * Node flags of every service process. The services allocate many short-lived objects per event
 * (decoded records, rows); a larger young generation turns most of them into cheap scavenges.
 */
export const SERVICE_NODE_ARGS = ['--max-semi-space-size=32'];

type Say = (line: string) => void;
const stdout: Say = (line) => process.stdout.write(`${line}\n`);

const healthy = (url: string) => httpOk(url);

export async function startServices({ say = stdout, env = {} }: { say?: Say; env?: NodeJS.ProcessEnv } = {}): Promise<void> {
  for (const service of SERVICES) {
    const existing = runningPid(service.name);
    if (existing !== undefined) {
      say(`  ${service.name}: already running (pid ${existing})`);
      continue;
    }
    await assertPortFree(service.port, service.name);
    const started = Date.now();
    // A small supervisor runs the service and starts it again if it exits on its own; the pid
    // kept is the supervisor's, which passes SIGTERM on and ends with the service.
    const launch = launchDetached({
      name: service.name,
      command: process.execPath,
      args: ['--import', 'tsx', join('infra', 'src', 'supervise.ts'), service.name, `--cdp-stack=${STACK_DIR}`, '--', ...SERVICE_NODE_ARGS, '--import', 'tsx', join('services', service.name, 'src', 'main.ts')],
      cwd: REPO_ROOT,
      env: { LOG_LEVEL: 'info', ...env },
    });
    await waitUntil(service.name, () => healthy(service.health), { pid: launch.pid, logFile: launch.logFile, timeoutMs: 90_000 });
    say(`  ${service.name}: started (pid ${launch.pid}) and healthy in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

export async function stopServices({ say = stdout } = {}): Promise<void> {
  // The HTTP door first, the sink last, so what is in flight drains down the pipeline.
  for (const service of [...SERVICES].reverse()) {
    const result = await stopProcess(service.name, 30_000);
    say(`  ${service.name}: ${result === 'not-running' ? 'was not running' : result === 'killed' ? 'did not stop within 30 s, killed' : 'stopped'}`);
  }
}

export async function serviceStates() {
  return Promise.all(
    SERVICES.map(async (s) => {
      const pid = runningPid(s.name);
      return { name: s.name, pid, health: pid === undefined ? 'stopped' : (await healthy(s.health)) ? 'healthy' : 'not answering', port: s.port, log: logFileOf(s.name) };
    }),
  );
}

export async function start({ say = stdout } = {}): Promise<void> {
  await stackUp({ say, showStatus: false });
  say('Services:');
  await startServices({ say });
  await status({ say });
}

export async function stop({ say = stdout } = {}): Promise<void> {
  say('Services:');
  await stopServices({ say });
  say('Stack:');
  await stackDown({ say });
}

export async function status({ say = stdout } = {}): Promise<boolean> {
  const stack = await stackStatus({ say });
  const rows = await serviceStates();
  say('');
  const table = [['service', 'state', 'pid', 'port', 'log'], ...rows.map((r) => [r.name, r.health, r.pid === undefined ? '-' : String(r.pid), String(r.port), r.log])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) say(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  return stack.every((s) => s.health === 'healthy') && rows.every((r) => r.health === 'healthy');
}

export { StackError };
