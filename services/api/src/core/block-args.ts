/**
 * The arguments of `pnpm identity-block` (src/block-cli.ts), checked before anything is read or
 * written. Pure: a wrong argument throws UsageError naming the flag, which the command prints
 * with its usage and exit code 2.
 */
import type { CdpIdentity } from '@cdp/plumbing';
import { parseFlags, tenantFlagOf, timeoutFlagOf, UsageError } from './cli-args';
import { BLOCK_TYPES, blockIdentifierOf, blockReasonOf, MAX_REASON_CHARACTERS } from './identifier-blocks';
import { LookupError } from './lookup';

export const BLOCK_USAGE = `usage: pnpm identity-block --tenant TENANT --type TYPE --value VALUE --reason REASON [--wait [--timeout SECONDS]]
       pnpm identity-block --tenant TENANT --unblock --type TYPE --value VALUE [--reason REASON] [--wait [--timeout SECONDS]]
       pnpm identity-block --tenant TENANT --list

  --type, --value   the identifier value that glued different people together (a family's shared
                    e-mail): from now on it links no one, and the person that holds it is split.
                    TYPE is one of
                      ${BLOCK_TYPES.join(', ')}
                    email, phone and mac take the clear value, hashed as ingest hashes them.
  --reason          why, in words (at most ${MAX_REASON_CHARACTERS} characters, one line, no personal data): the
                    explain endpoint shows it. Required to block; to undo, the block's own when left out.
  --unblock         undo the block: the value links again and the merge it made is restored
  --wait            wait until the identity graph writer has done it (BLOCKED or UNBLOCKED) and print
                    the person before and the persons after
  --timeout         how long --wait waits, in seconds (default 600)
  --list            the tenant's blocks, blocked or undone, newest first

Exit: 0 done, 1 refused or failed (or --wait timed out), 2 wrong usage, 78 bad configuration.
Reads KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_PREFIX and PII_HASH_SALT as the services do.`;

interface Target {
  tenant: string;
  /** The type as typed (email), for messages; the identifier is as ingest stores it. */
  type: string;
  identifier: CdpIdentity.Identifier;
  wait: boolean;
  timeoutSeconds: number;
}

export type BlockCommand =
  | { kind: 'help' }
  | ({ kind: 'block'; reason: string } & Target)
  | ({ kind: 'unblock'; reason: string | undefined } & Target)
  | { kind: 'list'; tenant: string };

/** A LookupError of a value the operator typed, as the flag's usage error. */
function asFlag<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof LookupError) throw new UsageError(`${error.field.startsWith('--') ? '' : '--'}${error.field} ${error.reason}`);
    throw error;
  }
}

export function parseBlockArgs(argv: readonly string[], salt: string): BlockCommand {
  const v = parseFlags(argv, {
    tenant: { type: 'string' },
    type: { type: 'string' },
    value: { type: 'string' },
    reason: { type: 'string' },
    unblock: { type: 'boolean' },
    wait: { type: 'boolean' },
    timeout: { type: 'string' },
    list: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) return { kind: 'help' };
  const tenant = tenantFlagOf(v.tenant);
  const naming = v.type !== undefined || v.value !== undefined || v.reason !== undefined || v.unblock === true;
  if (v.list && naming) throw new UsageError('--list cannot be used with --type, --value, --reason or --unblock: one thing at a time');
  if (v.list && (v.wait || v.timeout !== undefined)) throw new UsageError('--wait and --timeout are only for a block or its undo');
  if (v.list) return { kind: 'list', tenant };
  if (!naming) throw new UsageError('say what to do: --type, --value and --reason to block, --unblock with --type and --value to undo, or --list');
  if (v.type === undefined) throw new UsageError(`--type is required: one of ${BLOCK_TYPES.join(', ')}`);
  if (v.value === undefined) throw new UsageError('--value is required: the identifier\'s value');
  const identifier = asFlag(() => blockIdentifierOf(v.type!, v.value!, salt));
  const target = { tenant, type: v.type, identifier, wait: v.wait ?? false, timeoutSeconds: timeoutFlagOf(v.timeout, v.wait) };
  const reasonOf = (reason: string) => asFlag(() => blockReasonOf(reason, { field: '--reason', clearValue: v.value }));
  if (v.unblock) return { kind: 'unblock', ...target, reason: v.reason === undefined ? undefined : reasonOf(v.reason) };
  if (v.reason === undefined) throw new UsageError('--reason is required to block: why the value glued different people together (the explain endpoint shows it)');
  return { kind: 'block', ...target, reason: reasonOf(v.reason) };
}
