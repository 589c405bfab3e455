/**
 * What the operators' commands (`pnpm erase`, `pnpm identity-block`) parse alike: the tenant, a
 * wait's timeout, and who asks. A wrong argument throws UsageError naming the flag, which the
 * command prints with its usage and exit code 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SLUG } from '@cdp/plumbing';

export class UsageError extends Error {}

export const DEFAULT_WAIT_SECONDS = 600;

/** node's parseArgs, strict and without positionals; its complaints as UsageError. */
export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], allowPositionals: false, strict: true, options }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function tenantFlagOf(tenant: string | undefined): string {
  if (tenant === undefined) throw new UsageError('--tenant is required: the tenant whose customer this is');
  if (!SLUG.test(tenant)) throw new UsageError(`--tenant must be lower-case letters, digits, _ and - (at most 63), not ${JSON.stringify(tenant)}`);
  return tenant;
}

/** --timeout's seconds (only with --wait), DEFAULT_WAIT_SECONDS without it. */
export function timeoutFlagOf(timeout: string | undefined, wait: boolean | undefined): number {
  if (timeout === undefined) return DEFAULT_WAIT_SECONDS;
  if (!wait) throw new UsageError('--timeout is only for --wait');
  if (!/^\d+$/.test(timeout) || Number(timeout) < 1) throw new UsageError(`--timeout must be a whole number of seconds, at least 1, not ${JSON.stringify(timeout)}`);
  return Number(timeout);
}

/** Who asks, for the record: the operator's user name, never the person's data. */
export const cliRequester = (env: NodeJS.ProcessEnv = process.env): string => `cli:${env.USER || 'root'}`;
