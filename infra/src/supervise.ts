/**
 * Keeps one service process running for `pnpm start`: restarts it when it exits on its own (a
 * stateful service exits on purpose when it must rebuild its state from Kafka), with a growing
 * pause so a service that cannot start does not spin. SIGTERM/SIGINT are passed on, and the
 * supervisor ends when the service has stopped.
 *
 *   node --import tsx infra/src/supervise.ts NAME -- NODE_ARGS... ENTRY.ts [ARGS...]
 */
import { spawn, type ChildProcess } from 'node:child_process';

const separator = process.argv.indexOf('--');
const name = process.argv[2];
const childArgs = separator > 0 ? process.argv.slice(separator + 1) : [];
if (!name || childArgs.length === 0) {
  console.error('usage: supervise.ts NAME -- NODE_ARGS... ENTRY.ts [ARGS...]');
  process.exit(2);
}

const log = (msg: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ level: 'info', time: new Date().toISOString(), service: name, component: 'supervisor', msg, ...extra })}\n`);

let child: ChildProcess | undefined;
let stopping = false;
let pauseMs = 1000;

function start(): void {
  const started = Date.now();
  child = spawn(process.execPath, childArgs, { stdio: 'inherit' });
  child.once('exit', (code, signal) => {
    child = undefined;
    if (stopping) process.exit(code ?? 0);
    // Up for a minute: the next failure is a new one, not a crash loop.
    if (Date.now() - started > 60_000) pauseMs = 1000;
    log('service exited; restarting', { code, signal, restartInMs: pauseMs });
    setTimeout(start, pauseMs);
    pauseMs = Math.min(pauseMs * 2, 30_000);
  });
}

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    stopping = true;
    if (child) child.kill(sig);
    else process.exit(0);
  });
}

start();
