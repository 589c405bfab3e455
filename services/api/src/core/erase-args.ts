/**
 * The arguments of `pnpm erase` (src/erase-cli.ts), checked before anything is read or written.
 * Pure: a wrong argument throws EraseUsageError naming it, which the command prints with its
 * usage and exit code 2.
 */
import { parseArgs } from 'node:util';
import { SLUG, type CdpIdentity } from '@cdp/plumbing';
import { ERASURE_TYPES, erasureIdentifierOf, REQUEST_ID_PATTERN } from './erasures';
import { LookupError } from './lookup';

export const ERASE_USAGE = `usage: pnpm erase --tenant TENANT --type TYPE --value VALUE [--wait [--timeout SECONDS]]
       pnpm erase --tenant TENANT --withdraw REQUEST_ID
       pnpm erase --tenant TENANT --list

  --type, --value   an identifier of the person to erase; the person it belongs to is erased with
                    every person merged into it. TYPE is one of
                      ${ERASURE_TYPES.join(', ')}
                    email, phone and mac take the clear value, hashed as ingest hashes them.
  --wait            wait until the pipeline has carried the request out (DONE or NOT_FOUND), print its counts
  --timeout         how long --wait waits, in seconds (default 600)
  --withdraw        withdraw a request: its identifiers are no longer suppressed (deleted rows stay deleted)
  --list            the tenant's requests, newest first

Exit: 0 done, 1 failed (or --wait ended otherwise), 2 wrong usage, 78 bad configuration.
Reads KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_PREFIX and PII_HASH_SALT as the services do.`;

export class EraseUsageError extends Error {}

export type EraseCommand =
  | { kind: 'help' }
  | { kind: 'erase'; tenant: string; type: string; identifier: CdpIdentity.Identifier; wait: boolean; timeoutSeconds: number }
  | { kind: 'withdraw'; tenant: string; requestId: string }
  | { kind: 'list'; tenant: string };

export const DEFAULT_WAIT_SECONDS = 600;

export function parseEraseArgs(argv: readonly string[], salt: string): EraseCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: false,
      strict: true,
      options: {
        tenant: { type: 'string' },
        type: { type: 'string' },
        value: { type: 'string' },
        wait: { type: 'boolean' },
        timeout: { type: 'string' },
        withdraw: { type: 'string' },
        list: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new EraseUsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { kind: 'help' };
  if (v.tenant === undefined) throw new EraseUsageError('--tenant is required: the tenant whose customer this is');
  if (!SLUG.test(v.tenant)) throw new EraseUsageError(`--tenant must be lower-case letters, digits, _ and - (at most 63), not ${JSON.stringify(v.tenant)}`);
  const tenant = v.tenant;
  const erasing = v.type !== undefined || v.value !== undefined;
  const modes = [erasing && '--type/--value', v.withdraw !== undefined && '--withdraw', v.list && '--list'].filter(Boolean);
  if (modes.length === 0) throw new EraseUsageError('say what to do: --type and --value to erase, --withdraw REQUEST_ID or --list');
  if (modes.length > 1) throw new EraseUsageError(`${modes.join(' and ')} cannot be used together: one thing at a time`);
  if (!erasing && (v.wait || v.timeout !== undefined)) throw new EraseUsageError('--wait and --timeout are only for an erasure (--type and --value)');

  if (v.list) return { kind: 'list', tenant };
  if (v.withdraw !== undefined) {
    if (!REQUEST_ID_PATTERN.test(v.withdraw)) throw new EraseUsageError(`--withdraw must be a request id (er_ and a UUID, as pnpm erase or the API printed it), not ${JSON.stringify(v.withdraw)}`);
    return { kind: 'withdraw', tenant, requestId: v.withdraw };
  }
  if (v.type === undefined) throw new EraseUsageError(`--type is required with --value: one of ${ERASURE_TYPES.join(', ')}`);
  if (v.value === undefined) throw new EraseUsageError('--value is required with --type: the identifier\'s value');
  if (v.timeout !== undefined && !v.wait) throw new EraseUsageError('--timeout is only for --wait');
  let timeoutSeconds = DEFAULT_WAIT_SECONDS;
  if (v.timeout !== undefined) {
    timeoutSeconds = Number(v.timeout);
    if (!/^\d+$/.test(v.timeout) || timeoutSeconds < 1) throw new EraseUsageError(`--timeout must be a whole number of seconds, at least 1, not ${JSON.stringify(v.timeout)}`);
  }
  let identifier: CdpIdentity.Identifier;
  try {
    identifier = erasureIdentifierOf(v.type, v.value, salt);
  } catch (error) {
    if (error instanceof LookupError) throw new EraseUsageError(`--${error.field.replace(/^identifier\./, '')} ${error.reason}`);
    throw error;
  }
  return { kind: 'erase', tenant, type: v.type, identifier, wait: v.wait ?? false, timeoutSeconds };
}
