/**
 * The erasure requests topic (privacy.erasure-requests.v1) for the API and the `pnpm erase`
 * command: followed into an ErasureBook and written on the partition of the tenant (where the
 * graph writer of the tenant's links reads it, and where every later state of the request is
 * written); a write resolves once its record is in the book (./followed-topic.ts).
 */
import type { CdpPrivacy } from '@cdp/plumbing';
import { ErasureBook, erasureKey } from '../core/erasures';
import { openFollowedTopic, type FollowedTopic, type TopicAccess } from './followed-topic';

export interface ErasureTopic extends FollowedTopic<CdpPrivacy.ErasureRequest> {
  readonly book: ErasureBook;
}

export async function openErasureTopic({ book = new ErasureBook(), ...access }: TopicAccess & { book?: ErasureBook }): Promise<ErasureTopic> {
  const keyOf = (r: CdpPrivacy.ErasureRequest) => erasureKey(r.tenant, r.requestId);
  const followed = await openFollowedTopic<CdpPrivacy.ErasureRequest>({
    ...access,
    apply: { upsert: (key, r) => book.upsert(key, r), remove: (key) => book.remove(key) },
    keyOf,
    echoOf: (record, timeoutMs) => book.waitFor(keyOf(record), (r) => r.state === record.state && r.updatedAt === record.updatedAt && r.requestedAt === record.requestedAt, timeoutMs),
  });
  return { book, ...followed };
}
