/** Finding the tools the stack needs on this machine, with advice when one is missing. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors';

export interface JavaRuntime {
  path: string;
  major: number;
}

function javaMajor(path: string): number | undefined {
  const out = spawnSync(path, ['-version'], { encoding: 'utf8' });
  if (out.error || out.status !== 0) return undefined;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${out.stderr}${out.stdout}`);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 ? Number(match[2]) : first; // "1.8.0" is Java 8
}

function javaCandidates(preferred: string | undefined): string[] {
  const list: string[] = [];
  if (preferred) list.push(preferred);
  if (process.env.JAVA_HOME) list.push(join(process.env.JAVA_HOME, 'bin', 'java'));
  list.push('java');
  for (const root of ['/usr/lib/jvm', '/opt/java', '/usr/local/lib/jvm']) {
    if (!existsSync(root)) continue;
    for (const dir of readdirSync(root).sort().reverse()) list.push(join(root, dir, 'bin', 'java'));
  }
  return [...new Set(list)];
}

/**
 * A Java runtime of at least `minMajor`: the variable `override` if set (and then only that),
 * else JAVA_HOME, `java` on PATH, then JDKs under /usr/lib/jvm.
 */
export function findJava(minMajor: number, purpose: string, override: string): JavaRuntime {
  const forced = process.env[override];
  const seen: string[] = [];
  for (const path of forced ? [forced] : javaCandidates(undefined)) {
    const major = javaMajor(path);
    if (major === undefined) continue;
    seen.push(`${path} (Java ${major})`);
    if (major >= minMajor) return { path, major };
  }
  throw new StackError(
    `${purpose} needs Java ${minMajor} or newer; ${seen.length ? `found only ${seen.join(', ')}` : 'no Java runtime was found'}`,
    forced
      ? `${override}=${forced} is not a Java ${minMajor}+ executable: fix or unset it`
      : `install a JDK ${minMajor}+ (e.g. Temurin, or Debian's openjdk-${minMajor}-jre-headless) or point ${override} at its bin/java`,
  );
}

export function requireCommand(command: string, purpose: string, install: string): void {
  const out = spawnSync(command, ['--version'], { encoding: 'utf8' });
  if (out.error) throw new StackError(`${command} was not found on PATH; it is needed to ${purpose}`, install);
}

/** Runs a setup command, failing with its output when it does not succeed. */
export function run(command: string, args: string[], what: string, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const out = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options, env: { ...process.env, ...options.env } });
  if (out.error) throw new StackError(`${what}: could not run ${command}: ${out.error.message}`);
  if (out.status !== 0) {
    const tail = `${out.stdout}\n${out.stderr}`.trim().split('\n').slice(-20).join('\n');
    throw new StackError(`${what} failed (${command} ${args.join(' ')}, exit ${out.status}):\n${tail}`);
  }
  return out.stdout;
}
