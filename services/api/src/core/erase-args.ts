/**
 * The arguments of `pnpm erase` (src/erase-cli.ts), checked before anything is read or written.
 * Pure: a wrong argument throws UsageError naming it, which the command prints with its
 * usage and exit code 2.
 */
import type { CdpIdentity } from '@cdp/plumbing';
import { parseFlags, tenantFlagOf, timeoutFlagOf, UsageError } from './cli-args';
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


export type EraseCommand =
  | { kind: 'help' }
  | { kind: 'erase'; tenant: string; type: string; identifier: CdpIdentity.Identifier; wait: boolean; timeoutSeconds: number }
  | { kind: 'withdraw'; tenant: string; requestId: string }
  | { kind: 'list'; tenant: string };

export function parseEraseArgs(argv: readonly string[], salt: string): EraseCommand {
  const v = parseFlags(argv, {
    tenant: { type: 'string' },
    type: { type: 'string' },
    value: { type: 'string' },
    wait: { type: 'boolean' },
    timeout: { type: 'string' },
    withdraw: { type: 'string' },
    list: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) return { kind: 'help' };
  const tenant = tenantFlagOf(v.tenant);
  const erasing = v.type !== undefined || v.value !== undefined;
  const modes = [erasing && '--type/--value', v.withdraw !== undefined && '--withdraw', v.list && '--list'].filter(Boolean);
  if (modes.length === 0) throw new UsageError('say what to do: --type and --value to erase, --withdraw REQUEST_ID or --list');
  if (modes.length > 1) throw new UsageError(`${modes.join(' and ')} cannot be used together: one thing at a time`);
  if (!erasing && (v.wait || v.timeout !== undefined)) throw new UsageError('--wait and --timeout are only for an erasure (--type and --value)');

  if (v.list) return { kind: 'list', tenant };
  if (v.withdraw !== undefined) {
    if (!REQUEST_ID_PATTERN.test(v.withdraw)) throw new UsageError(`--withdraw must be a request id (er_ and a UUID, as pnpm erase or the API printed it), not ${JSON.stringify(v.withdraw)}`);
    return { kind: 'withdraw', tenant, requestId: v.withdraw };
  }
  if (v.type === undefined) throw new UsageError(`--type is required with --value: one of ${ERASURE_TYPES.join(', ')}`);
  if (v.value === undefined) throw new UsageError('--value is required with --type: the identifier\'s value');
  const timeoutSeconds = timeoutFlagOf(v.timeout, v.wait);
  let identifier: CdpIdentity.Identifier;
  try {
    identifier = erasureIdentifierOf(v.type, v.value, salt);
  } catch (error) {
    if (error instanceof LookupError) throw new UsageError(`--${error.field.replace(/^identifier\./, '')} ${error.reason}`);
    throw error;
  }
  return { kind: 'erase', tenant, type: v.type, identifier, wait: v.wait ?? false, timeoutSeconds };
}
