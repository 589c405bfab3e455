/** Starting, finding and stopping the stack's server processes. */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { LOG_DIR, RUN_DIR, STACK_DIR } from '../paths';
import { StackError, lastLines } from './errors';

export const pidFileOf = (name: string) => join(RUN_DIR, `${name}.pid`);
export const logFileOf = (name: string) => join(LOG_DIR, `${name}.log`);

export function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie has no command line left; it is not running.
  return (commandLineOf(pid) ?? '') !== '';
}

/**
 * The pid of this stack's server `name`, if it runs. The pid file alone is not trusted: the
 * process must also carry this stack's folder on its command line, so a recycled pid is not
 * mistaken for our server.
 */
export function runningPid(name: string): number | undefined {
  const file = pidFileOf(name);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
  return commandLineOf(pid)?.includes(STACK_DIR) ? pid : undefined;
}

export interface Launch {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Starts a server detached from this process (it outlives the CLI), output appended to its log. */
export function launchDetached(launch: Launch): { pid: number; logFile: string; logOffset: number } {
  mkdirSync(LOG_DIR, { recursive: true });
  mkdirSync(RUN_DIR, { recursive: true });
  const logFile = logFileOf(launch.name);
  const logOffset = existsSync(logFile) ? statSync(logFile).size : 0;
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(launch.command, launch.args, {
      cwd: launch.cwd ?? STACK_DIR,
      env: { ...process.env, ...launch.env },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new StackError(`could not start ${launch.name}: ${launch.command} did not start`);
    child.unref();
    writeFileSync(pidFileOf(launch.name), `${child.pid}\n`);
    return { pid: child.pid, logFile, logOffset };
  } finally {
    closeSync(fd);
  }
}

/** Signals a server's whole process group (it was started as a group leader), else the process. */
function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

const groupAlive = (pid: number): boolean => {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * SIGTERM, then SIGKILL after graceMs, to the process and everything it started (a supervised
 * service's child goes with it, even when the supervisor itself was killed earlier).
 */
export async function stopProcess(name: string, graceMs: number): Promise<'stopped' | 'killed' | 'not-running'> {
  const file = pidFileOf(name);
  const recorded = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : undefined;
  const pid = runningPid(name) ?? (recorded && groupAlive(recorded) ? recorded : undefined);
  if (pid === undefined) {
    rmSync(file, { force: true });
    return 'not-running';
  }
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!alive(pid) && !groupAlive(pid)) {
      rmSync(file, { force: true });
      return 'stopped';
    }
    await sleep(100);
  }
  signalGroup(pid, 'SIGKILL');
  while (alive(pid) || groupAlive(pid)) await sleep(50);
  rmSync(file, { force: true });
  return 'killed';
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Who listens on a TCP port: "pid 123: java -cp ..." or undefined when nobody does. */
export function portOwner(port: number): string | undefined {
  const ss = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  if (ss.status === 0) {
    const line = ss.stdout.trim();
    if (line === '') return undefined;
    const pid = /pid=(\d+)/.exec(line)?.[1];
    if (!pid) return 'another process (run as root to see which)';
    const cmd = commandLineOf(Number(pid)) ?? '';
    return `pid ${pid}: ${cmd.length > 160 ? `${cmd.slice(0, 160)}...` : cmd}`;
  }
  return undefined;
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function assertPortFree(port: number, server: string): Promise<void> {
  // A process that was just killed keeps its sockets for a moment after it stops running.
  for (let i = 0; i < 15; i++) {
    if (!(await portOpen(port))) return;
    await sleep(200);
  }
  const owner = portOwner(port) ?? 'an unknown process';
  throw new StackError(
    `port ${port}, which ${server} needs, is already taken by ${owner}`,
    owner.includes('.stack') ? 'that looks like the stack of another checkout: run `pnpm stack:down` there' : 'stop that process, then run `pnpm stack:up` again',
  );
}

/**
 * Polls check() until it returns true. Fails early if the process died, and on timeout names
 * the log file and shows its last lines.
 */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  { pid, logFile, timeoutMs }: { pid?: number; logFile: string; timeoutMs: number },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (pid !== undefined && !alive(pid)) {
      throw new StackError(`${what} exited during start-up. Last lines of ${logFile}:\n${lastLines(logFile)}`, `read ${logFile}`);
    }
    if (Date.now() > deadline) {
      throw new StackError(
        `${what} did not become ready within ${Math.round(timeoutMs / 1000)} s. Last lines of ${logFile}:\n${lastLines(logFile)}`,
        `read ${logFile}; \`pnpm stack:down\` then \`pnpm stack:up\` retries from a clean start`,
      );
    }
    await sleep(250);
  }
}

/** The part of a log written since `offset`, to look for this launch's own readiness line. */
export function logSince(logFile: string, offset: number): string {
  if (!existsSync(logFile)) return '';
  const size = statSync(logFile).size;
  if (size <= offset) return '';
  const fd = openSync(logFile, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(size - offset, 8 * 1024 * 1024));
    readSync(fd, buffer, 0, buffer.length, Math.max(offset, size - buffer.length));
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
