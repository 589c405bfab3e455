/**
 * schemathesis (PyPI) in a virtualenv of its own under the stack cache, installed on first use
 * (about 40 packages, some 30 s): the fuzz tests generate requests from an OpenAPI document with
 * a tool nobody here wrote.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, REPO_ROOT } from '@cdp/infra/src/paths';

const REQUIREMENTS = join(REPO_ROOT, 'e2e', 'fuzz', 'requirements.txt');

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
