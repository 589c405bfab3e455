/**
 * `pnpm identity-block`: blocking an identifier value that glued different people together, for
 * operators, written straight to Kafka as the customer API writes it (identity.identifier-blocks.v1):
 *
 *   pnpm identity-block --tenant demo --type email --value x@y --reason "family e-mail" [--wait]   BLOCK_REQUESTED (requestedBy cli:<user>)
 *   pnpm identity-block --tenant demo --unblock --type email --value x@y [--wait]                   UNBLOCK_REQUESTED
 *   pnpm identity-block --tenant demo --list                                                         the tenant's blocks
 *
 * --wait follows the topic until the identity graph writer has answered (BLOCKED, UNBLOCKED) and
 * prints the person before and the persons after. It lives beside the API because it is the API's
 * write without HTTP: the same checks and hashing (core/identifier-blocks.ts), the same records and
 * the same topic adapter. Exit codes: ./operator-command.ts.
 */
import type { CdpIdentity } from '@cdp/plumbing';
import { openIdentifierBlockTopic, type IdentifierBlockTopic } from './adapters/identifier-blocks';
import { BLOCK_USAGE, parseBlockArgs, type BlockCommand } from './core/block-args';
import { cliRequester } from './core/cli-args';
import { blockRefusalOf, blockRequestedRecord, unblockRefusalOf, unblockRequestedRecord } from './core/identifier-blocks';
import { err, exitWith, out, runOperatorCommand } from './operator-command';

const iso = (epochMs: number) => new Date(epochMs).toISOString();

/** One block as a line: state, the value as stored (an e-mail's hash), who asked when and why, and the persons once the graph writer has answered. */
export function describeBlock(b: CdpIdentity.IdentifierBlock): string {
  const persons = b.personBefore === null ? '' : `  ${b.personBefore} -> ${b.personsAfter.join(', ') || '(none)'}`;
  return `${b.state.padEnd(17)}  ${b.identifier.type} ${b.identifier.value}  requested ${iso(b.requestedAt)} by ${b.requestedBy}  updated ${iso(b.updatedAt)}  reason: ${JSON.stringify(b.reason)}${persons}${b.detail ? `  (${b.detail})` : ''}`;
}

/** What the graph writer did, for --wait. */
export function describeOutcome(b: CdpIdentity.IdentifierBlock): string {
  const before = b.personBefore ?? '(no person held it)';
  const after = b.personsAfter.length > 0 ? b.personsAfter.join(', ') : '(none)';
  const did = b.state === 'BLOCKED' ? `split person ${before} into ${after}` : `${before} holds it again; the restored links joined ${after}`;
  return `${b.state}: ${did}${b.detail ? ` (${b.detail})` : ''}`;
}

type Block = Exclude<BlockCommand, { kind: 'help' }>;
type Topic = IdentifierBlockTopic & { name: string };

async function run(command: Block, topic: Topic): Promise<number> {
  const { book, name: topicName } = topic;
  await topic.caughtUp;
  if (command.kind === 'list') {
    const blocks = book.list(command.tenant);
    if (blocks.length === 0) out(`no identifier blocks for tenant ${command.tenant} on ${topicName}`);
    for (const b of blocks) out(describeBlock(b));
    return 0;
  }
  const { tenant, identifier, type } = command;
  const current = book.get(tenant, identifier);
  let record: CdpIdentity.IdentifierBlock;
  if (command.kind === 'block') {
    const refusal = blockRefusalOf(current);
    if (refusal) {
      err(`the ${type} value ${refusal === 'already_blocked' ? 'is blocked already' : 'is still being unblocked; block it again once it is UNBLOCKED'}: ${describeBlock(current!)}`);
      return 1;
    }
    record = blockRequestedRecord({ tenant, identifier, reason: command.reason, requestedBy: cliRequester(), now: Date.now() });
  } else {
    const refusal = unblockRefusalOf(current);
    if (refusal) {
      err(refusal === 'block_in_progress' ? `the ${type} value is still BLOCK_REQUESTED: undo it once the identity graph writer has split the person (BLOCKED)` : `the ${type} value is not blocked for tenant ${tenant} on ${topicName}${current ? `: ${describeBlock(current)}` : ''}`);
      return 1;
    }
    record = unblockRequestedRecord(current!, { requestedBy: cliRequester(), now: Date.now(), ...(command.reason === undefined ? {} : { reason: command.reason }) });
  }
  await topic.write(record);
  out(`${record.state}: ${describeBlock(record)} on ${topicName}`);
  if (!command.wait) {
    out(`follow it: pnpm identity-block --tenant ${tenant} --list`);
    return 0;
  }
  const requested = record.state;
  // Any later record ends the wait: the graph writer's answer, or another operator's request.
  const answer = await book.waitFor(tenant, identifier, (b) => b.state !== requested || b.updatedAt !== record.updatedAt, command.timeoutSeconds * 1000);
  if (!answer) {
    err(`still ${requested} after ${command.timeoutSeconds} s: is the identity service running? Follow it with pnpm identity-block --tenant ${tenant} --list`);
    return 1;
  }
  const expected = command.kind === 'block' ? 'BLOCKED' : 'UNBLOCKED';
  if (answer.state !== expected) {
    err(`not ${expected}: ${describeBlock(answer)}`);
    return 1;
  }
  out(describeOutcome(answer));
  return 0;
}

if (require.main === module) {
  exitWith(
    'identity-block',
    runOperatorCommand<Block, Topic>(process.argv.slice(2), {
      name: 'identity-block',
      usage: BLOCK_USAGE,
      parse: parseBlockArgs,
      hashes: (command) => command.kind !== 'list',
      // Followed only to wait for the graph writer's answer; otherwise read once and left.
      open: async ({ topics, ...access }, command) => ({
        name: topics.identifierBlocks.name,
        ...(await openIdentifierBlockTopic({ ...access, topic: topics.identifierBlocks, follow: command.kind !== 'list' && command.wait })),
      }),
      run,
    }),
  );
}
