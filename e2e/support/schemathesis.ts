/**
 * schemathesis (PyPI) in a virtualenv of its own under the stack cache, installed on first use
 * (about 40 packages, some 30 s): the fuzz tests generate requests from an OpenAPI document with
 * a tool nobody here wrote.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CACHE_DIR, REPO_ROOT } from '@cdp/infra/src/paths';

const REQUIREMENTS = join(REPO_ROOT, 'e2e', 'fuzz', 'requirements.txt');
const exec = promisify(execFile);

/** The path of the `schemathesis` command, installing it first when needed. */
export function ensureSchemathesis(): string {
  const pinned = readFileSync(REQUIREMENTS, 'utf8').match(/^schemathesis==(\S+)$/m)?.[1];
  if (!pinned) throw new Error(`${REQUIREMENTS} pins no schemathesis version`);
  const venv = join(CACHE_DIR, `schemathesis-${pinned}`);
  const command = join(venv, 'bin', 'schemathesis');
  const marker = join(venv, '.installed');
  if (existsSync(marker)) return command;
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(CACHE_DIR, { recursive: true });
  execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '-r', REQUIREMENTS], { stdio: 'inherit', timeout: 300_000 });
  writeFileSync(marker, `${pinned}\n${new Date().toISOString()}\n`);
  return command;
}

/** One request schemathesis sent and the answer it got, as its HAR report records them. */
export interface HarEntry {
  request: { method: string; url: string; postData?: { mimeType?: string; text?: string } };
  response: { status: number; headers: { name: string; value: string }[]; content: { mimeType?: string; text?: string } };
}

export interface SchemathesisRun {
  /** Exit code: 0 when no check failed. */
  code: number;
  /** Its report, to show on failure (which route, which check, the curl line to replay it). */
  out: string;
  /** Every request sent, with the answer (whole bodies). */
  requests: HarEntry[];
}

/**
 * `schemathesis run ARGS` in a temporary folder (it keeps a cache in .schemathesis/ where it runs),
 * with `config` as its schemathesis.toml (per-operation keys, parameters), recording every
 * request in a HAR report. The folder is removed afterwards.
 */
export async function runSchemathesis(command: string, args: string[], { config = '', timeoutMs = 240_000 }: { config?: string; timeoutMs?: number } = {}): Promise<SchemathesisRun> {
  const cwd = mkdtempSync(join(tmpdir(), 'schemathesis-'));
  try {
    // Bodies are cut at 1 MB in reports by default; a test counting what was accepted needs them whole.
    writeFileSync(join(cwd, 'schemathesis.toml'), `${config}\n[output.truncation]\nmax-recorded-payload-size = 0\n`);
    const har = join(cwd, 'requests.har');
    const result = await exec(command, ['--config-file', join(cwd, 'schemathesis.toml'), 'run', ...args, '--report', 'har', '--report-har-path', har], {
      cwd,
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: '1' },
    }).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
    );
    const requests = existsSync(har) ? (JSON.parse(readFileSync(har, 'utf8')) as { log: { entries: HarEntry[] } }).log.entries : [];
    return { ...result, requests };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}
