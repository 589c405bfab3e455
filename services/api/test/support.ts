/** What the API's integration tests share: calls to the API as a process, and its operators' commands as processes. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
// Relative, not @cdp/infra: the API's package has no dependency on the stack scripts.
import { REPO_ROOT } from '../../../infra/src/paths';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A call to the API at `baseUrl` with an API key, its answer's JSON parsed. */
export const apiAt = (baseUrl: () => string) => async (method: string, path: string, key: string | null, body?: unknown): Promise<{ status: number; body: Json; headers: Headers }> => {
  const res = await fetch(`${baseUrl()}${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {}, headers: res.headers };
};

/** services/api/src/FILE (a command) with ARGS as a process, with `env` over this process's; onOutput sees stdout as it grows. */
export function runCommand(file: string, args: string[], env: Record<string, string>, { onOutput }: { onOutput?: (text: string) => void } = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join('services', 'api', 'src', file), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      onOutput?.(out);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}
