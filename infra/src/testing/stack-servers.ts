/**
 * The local stack's servers killed, stopped and started again from a test (the durability test
 * restarts Kafka and stops ClickHouse), with the same launch and readiness as `pnpm stack:up`.
 */
import { startServer as startStackServer, up } from '../stack/stack';
import { assertPortFree, commandLineOf, runningPid, sleep, stopProcess } from '../stack/processes';
import { SERVERS, type Server } from '../stack/servers';

export type ServerName = Server['name'];

const serverOf = (name: ServerName): Server => SERVERS.find((s) => s.name === name)!;

const gone = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  return (commandLineOf(pid) ?? '') === '';
};

/** kill -9 of the server (its process group: it was started as a group leader); resolves once it is gone. */
export async function killServer(name: ServerName): Promise<void> {
  const pid = runningPid(name);
  if (pid === undefined) throw new Error(`${name} is not running`);
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    process.kill(pid, 'SIGKILL');
  }
  while (!gone(pid)) await sleep(50);
}

/** A clean stop, as `pnpm stack:down` does it: SIGTERM, then SIGKILL after the server's grace time. */
export async function stopServer(name: ServerName): Promise<'stopped' | 'killed' | 'not-running'> {
  return stopProcess(name, serverOf(name).stopGraceMs);
}

/**
 * One server started again and answering, as `pnpm stack:up` starts it (topics and schemas are
 * not touched); nothing when it runs and answers already.
 */
export async function startServer(name: ServerName): Promise<void> {
  const server = serverOf(name);
  // A server just killed keeps its ports for a moment.
  if (runningPid(name) === undefined) for (const { port } of server.ports) await assertPortFree(port, server.title);
  await startStackServer(server, () => undefined);
}

/**
 * Starts whatever server of the stack is not running and waits until every one answers (the
 * registry too, which keeps its schemas in Kafka), with topics and schemas in place: `pnpm
 * stack:up`, quietly. A server already running is left alone, so it is safe to call any time.
 */
export async function startStack(): Promise<void> {
  await up({ say: () => undefined, showStatus: false });
}
