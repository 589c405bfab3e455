/**
 * The identifier blocks topic (identity.identifier-blocks.v1) for the API and the
 * `pnpm identity-block` command: followed into an IdentifierBlockBook and written on the partition
 * of the tenant (where the graph writer of the tenant's links reads it and splits its persons); a
 * write resolves once its record is in the book (./followed-topic.ts).
 */
import { identifierKey, type CdpIdentity } from '@cdp/plumbing';
import { IdentifierBlockBook } from '../core/identifier-blocks';
import { openFollowedTopic, type FollowedTopic, type TopicAccess } from './followed-topic';

export interface IdentifierBlockTopic extends FollowedTopic<CdpIdentity.IdentifierBlock> {
  readonly book: IdentifierBlockBook;
}

export async function openIdentifierBlockTopic({ book = new IdentifierBlockBook(), ...access }: TopicAccess & { book?: IdentifierBlockBook }): Promise<IdentifierBlockTopic> {
  const followed = await openFollowedTopic<CdpIdentity.IdentifierBlock>({
    ...access,
    apply: { upsert: (_key, b) => book.set(b), remove: (key) => book.removeKey(key) },
    keyOf: (b) => identifierKey(b.tenant, b.identifier),
    echoOf: (record, timeoutMs) => book.waitFor(record.tenant, record.identifier, (b) => b.state === record.state && b.updatedAt === record.updatedAt && b.requestedBy === record.requestedBy, timeoutMs),
  });
  return { book, ...followed };
}
