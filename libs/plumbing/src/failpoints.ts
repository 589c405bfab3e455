/**
 * Failpoints: named places in the code where a test can stop a process the way a crash would
 * catch it (between a sink's write and its offset commit, say), so that the test can look at
 * the state it left and then kill -9 the process from outside. Off unless the environment
 * variable CDP_FAILPOINTS names them; never set it in production.
 *
 *   CDP_FAILPOINTS="consumer.before-commit@aggregation-x=hang"   only for that scope (a group id)
 *   CDP_FAILPOINTS="consumer.before-commit=hang"                 every scope
 *
 * Actions: `hang` (the call never returns; the process stays alive for the test to inspect and
 * kill), `exit` (the process kills itself with SIGKILL: no shutdown hook runs).
 */
export type FailpointAction = 'hang' | 'exit';

export const FAILPOINTS_ENV = 'CDP_FAILPOINTS';

/** Parses CDP_FAILPOINTS; every bad entry is named, so a test cannot arm nothing by a typo. */
export function parseFailpoints(text: string | undefined): Map<string, FailpointAction> {
  const armed = new Map<string, FailpointAction>();
  for (const entry of (text ?? '').split(/[;,]/).map((e) => e.trim()).filter(Boolean)) {
    const match = /^([a-z][a-z0-9.-]*(?:@[^=\s]+)?)=(hang|exit)$/i.exec(entry);
    if (!match) throw new Error(`${FAILPOINTS_ENV}: "${entry}" is not <name>[@<scope>]=hang|exit`);
    armed.set(match[1]!, match[2]!.toLowerCase() as FailpointAction);
  }
  return armed;
}

const armed = parseFailpoints(process.env[FAILPOINTS_ENV]);

/**
 * Undefined (nothing to wait for) unless the failpoint is armed for this scope. Callers write
 * `await failpoint(...)`; awaiting undefined costs nothing on the hot path.
 */
export function failpoint(name: string, scope: string, detail: Record<string, unknown> = {}): Promise<never> | undefined {
  if (armed.size === 0) return undefined;
  const action = armed.get(`${name}@${scope}`) ?? armed.get(name);
  if (!action) return undefined;
  // stderr, unbuffered: the test reading the output must see it before it kills the process.
  process.stderr.write(`${JSON.stringify({ failpoint: name, scope, action, ...detail })}\n`);
  if (action === 'exit') process.kill(process.pid, 'SIGKILL');
  return new Promise<never>(() => undefined);
}
