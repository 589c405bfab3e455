/**
 * `pnpm erase`: erasure requests (the right to be forgotten) for operators, written straight to
 * Kafka as the customer API writes them (privacy.erasure-requests.v1):
 *
 *   pnpm erase --tenant demo --type loyalty_card --value 1234 [--wait]   REQUESTED (requestedBy cli:<user>)
 *   pnpm erase --tenant demo --withdraw er_...                            WITHDRAWN
 *   pnpm erase --tenant demo --list                                       the tenant's requests
 *
 * It lives beside the API because it is the API's write without HTTP: the same validation and
 * hashing (core/erasures.ts, core/lookup.ts), the same records and the same topic adapter.
 * Exit 0: done; 1: refused or failed (or --wait ended in WITHDRAWN or timed out); 2: wrong usage;
 * 78: bad configuration.
 */
import type { CdpPrivacy } from '@cdp/plumbing';
import { openErasureTopic, type ErasureTopic } from './adapters/erasures';
import { cliRequester } from './core/cli-args';
import { ERASE_USAGE, parseEraseArgs, type EraseCommand } from './core/erase-args';
import { erasureKey, erasureViewOf, IN_FLIGHT_STATES, requestedRecord, withdrawnRecord, withdrawRefusalOf } from './core/erasures';
import { err, exitWith, out, runOperatorCommand } from './operator-command';

/** One request as a line: state, times, who asked and counts (never whom it names). */
export function describeErasure(r: CdpPrivacy.ErasureRequest): string {
  const v = erasureViewOf(r);
  const counts = `${v.identifiers} identifiers, ${v.kafkaTombstones} Kafka tombstones, ${v.clickhouseRows} ClickHouse rows`;
  return `${v.requestId}  ${v.state.padEnd(15)}  requested ${v.requestedAt} by ${v.requestedBy}  updated ${v.updatedAt}${v.doneAt ? `  done ${v.doneAt}` : ''}  ${counts}${v.detail ? `  (${v.detail})` : ''}`;
}

type Erase = Exclude<EraseCommand, { kind: 'help' }>;

async function run(command: Erase, topic: ErasureTopic & { name: string }): Promise<number> {
  const { book, name: topicName } = topic;
  await topic.caughtUp;
  switch (command.kind) {
    case 'list': {
      const requests = book.list(command.tenant);
      if (requests.length === 0) out(`no erasure requests for tenant ${command.tenant} on ${topicName}`);
      for (const r of requests) out(describeErasure(r));
      return 0;
    }
    case 'withdraw': {
      const current = book.get(command.tenant, command.requestId);
      const refusal = withdrawRefusalOf(current);
      if (refusal === 'unknown') {
        err(`no erasure request ${command.requestId} for tenant ${command.tenant} on ${topicName}`);
        return 1;
      }
      if (refusal === 'already_withdrawn' || refusal === 'in_progress') {
        err(`erasure request ${command.requestId} ${refusal === 'in_progress' ? 'is still in progress; withdraw it once it has ended' : 'is withdrawn already'}: ${describeErasure(current!)}`);
        return 1;
      }
      const record = withdrawnRecord(current!, { withdrawnBy: cliRequester(), now: Date.now() });
      await topic.write(record);
      out(`withdrawn: ${describeErasure(record)}`);
      return 0;
    }
    case 'erase': {
      const record = requestedRecord({ tenant: command.tenant, identifier: command.identifier, requestedBy: cliRequester(), now: Date.now() });
      await topic.write(record);
      // The identifier is not printed: the operator typed it, and a terminal's scrollback is no place for it.
      out(`erasure requested: ${record.requestId} (tenant ${command.tenant}, ${command.type}) on ${topicName}`);
      if (!command.wait) {
        out(`follow it: pnpm erase --tenant ${command.tenant} --list`);
        return 0;
      }
      let last: CdpPrivacy.ErasureState = 'REQUESTED';
      const final = await book.waitFor(
        erasureKey(command.tenant, record.requestId),
        (r) => {
          if (r.state !== last) {
            last = r.state;
            if (IN_FLIGHT_STATES.includes(r.state)) out(`  ${r.state} at ${new Date(r.updatedAt).toISOString()}`);
          }
          return !IN_FLIGHT_STATES.includes(r.state);
        },
        command.timeoutSeconds * 1000,
      );
      if (!final) {
        err(`still ${last} after ${command.timeoutSeconds} s: is the identity service running? Follow it with pnpm erase --tenant ${command.tenant} --list`);
        return 1;
      }
      out(describeErasure(final));
      return final.state === 'WITHDRAWN' ? 1 : 0;
    }
  }
}

if (require.main === module) {
  exitWith(
    'erase',
    runOperatorCommand<Erase, ErasureTopic & { name: string }>(process.argv.slice(2), {
      name: 'erase',
      usage: ERASE_USAGE,
      parse: parseEraseArgs,
      hashes: (command) => command.kind === 'erase',
      // Followed only to wait for what the pipeline writes; otherwise read once (withdraw, list) and left.
      open: async ({ topics, ...access }, command) => ({
        name: topics.erasureRequests.name,
        ...(await openErasureTopic({ ...access, topic: topics.erasureRequests, follow: command.kind === 'erase' && command.wait })),
      }),
      run,
    }),
  );
}
