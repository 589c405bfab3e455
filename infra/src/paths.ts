import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../..');
export const INFRA_DIR = join(REPO_ROOT, 'infra');

/** Data, logs and pid files of this checkout's stack: one git-ignored folder. */
export const STACK_DIR = resolve(process.env.CDP_STACK_DIR ?? join(REPO_ROOT, '.stack'));
export const LOG_DIR = join(STACK_DIR, 'logs');
export const RUN_DIR = join(STACK_DIR, 'run');

/**
 * Downloaded servers (unpacked registry, ClickHouse venv, Kafka classpath) live outside the
 * checkout so a second clone, or a second run, reuses them. Maven keeps its jars in ~/.m2.
 */
export const CACHE_DIR = resolve(process.env.CDP_CACHE_DIR ?? join(homedir(), '.cache', 'cdp-stack'));
