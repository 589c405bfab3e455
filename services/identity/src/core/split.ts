/**
 * Splitting a wrong merge: an operator blocks an identifier value that glued people together (a
 * family's shared e-mail, a shared device the rules did merge on). The person holding it is
 * derived again from the identity history: the entries that named its identifiers, applied in
 * their order to an empty graph under the same rules, without the blocked value. What comes out
 * is one or more persons; the plan says how the graph's tables change to match.
 *
 * Pure: the history entries are read by the caller (the graph writer reads its tenant's history);
 * applying the plan to the live graph and publishing it are the caller's too.
 *
 * What the history cannot give back: a link that changed nothing when it came (its identifiers
 * were one person already, through the blocked value) left no entry, so two identifiers seen
 * together only then come apart; their next event together joins them again.
 */
import { createHash } from 'node:crypto';
import type { CdpIdentity } from '@cdp/plumbing';
import { identifierKey, IdentityGraph } from './graph';
import type { LinkIdentifier } from './identifiers';
import type { IdentityRules } from './rules';

export interface SplitPerson {
  survivor: string;
  identifiers: CdpIdentity.Identifier[];
  /** Persons merged into the survivor. */
  absorbed: string[];
}

export interface SplitPlan {
  /** The person that held the blocked value before. */
  before: string;
  /** The persons it becomes, the blocked value in none of them. */
  after: SplitPerson[];
  /** Identifiers whose person changes, as the identifiers topic should say it now. */
  assignments: CdpIdentity.IdentifierAssignment[];
  /** Merge records that change: absorbed -> its new survivor; a person that survives now points at itself (no longer merged). */
  merges: CdpIdentity.PersonMerge[];
  /** The blocked value's own identifier: it leaves the graph (a tombstone), as blocked values never link. */
  removed: CdpIdentity.Identifier[];
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The plan for blocking `blocked` in `graph`, from the tenant's history entries in the order the
 * graph writer applied them. Null when no person holds `blocked`.
 */
export function planSplit(
  graph: IdentityGraph,
  rules: IdentityRules,
  tenant: string,
  blocked: CdpIdentity.Identifier,
  history: readonly CdpIdentity.IdentityHistoryEntry[],
  now: number,
  causeEventId: string,
): SplitPlan | null {
  const before = graph.personOf(tenant, blocked);
  if (before === undefined) return null;
  const members = graph.identifiersOfPerson(tenant, before);
  const blockedKey = identifierKey(tenant, blocked);
  const kept = new Set(members.map((m) => identifierKey(tenant, m.identifier)).filter((k) => k !== blockedKey));
  const replay = new IdentityGraph(() => rules);
  for (const entry of history) {
    if (entry.tenant !== tenant) continue;
    const ids = entry.identifiers.filter((i) => kept.has(identifierKey(tenant, i)));
    if (ids.length > 0) replay.applyLink(tenant, ids as LinkIdentifier[], entry.eventTime, entry.eventId, now);
  }
  // An identifier the history does not name (it cannot happen when the history is whole) stays a person of its own.
  for (const m of members) {
    const key = identifierKey(tenant, m.identifier);
    if (kept.has(key) && replay.personOf(tenant, m.identifier) === undefined) replay.applyLink(tenant, [m.identifier as LinkIdentifier], m.firstSeen, causeEventId, now);
  }

  const assignments: CdpIdentity.IdentifierAssignment[] = [];
  for (const m of members) {
    const key = identifierKey(tenant, m.identifier);
    if (!kept.has(key)) continue;
    const person = replay.assignedPersonOf(tenant, m.identifier)!;
    if (person !== m.personId) assignments.push({ tenant, identifier: m.identifier, personId: replay.personOf(tenant, m.identifier)!, firstSeen: m.firstSeen, updatedAt: now });
  }
  // Every person that was the survivor or merged into it, and where it belongs now.
  const roots = new Set([before, ...graph.absorbedInto(before)]);
  const merges: CdpIdentity.PersonMerge[] = [];
  for (const root of [...roots].sort()) {
    const current = replay.knows(root) ? replay.survivorOf(root) : root;
    if (current === graph.survivorOf(root)) continue;
    merges.push({ tenant, fromPersonId: root, toPersonId: current, mergedAt: now, causeEventId, link: [{ type: blocked.type, value: blocked.value }], viaPersonId: null });
  }
  const after = [...replay.partition()].map(([survivor, keys]): SplitPerson => ({
    survivor,
    identifiers: keys.map((k) => replay.identifierOfKey(k)!).sort((a, b) => compare(a.type, b.type) || compare(a.value, b.value)),
    absorbed: [...replay.absorbedInto(survivor)].sort(),
  })).sort((a, b) => compare(a.survivor, b.survivor));
  return { before, after, assignments, merges, removed: kept.size < members.length ? [{ type: blocked.type, value: blocked.value }] : [] };
}

/**
 * The history entry an operator's block or unblock leaves: no identifiers, so a replay applies
 * nothing of it; filed under the person before and every person after (the explain endpoint shows
 * it to each). Its id is deterministic from the request, so a request applied again after a crash
 * leaves one entry.
 */
export function splitEntry(
  block: CdpIdentity.IdentifierBlock,
  action: CdpIdentity.IdentitySplitAction,
  personBefore: string,
  personsAfter: readonly string[],
  now: number,
): CdpIdentity.IdentityHistoryEntry {
  const { tenant, identifier } = block;
  const eventId = `identifier-block|${action}|${block.requestedAt}`;
  return {
    tenant,
    entryId: createHash('sha256').update(`${tenant}|${eventId}|${identifier.type}|${identifier.value}`).digest('hex').slice(0, 24),
    eventId,
    eventTime: block.requestedAt,
    appliedAt: now,
    identifiers: [],
    personId: personBefore,
    firstSeen: [],
    joins: [],
    refusals: [],
    split: { action, blocked: { type: identifier.type, value: identifier.value }, reason: block.reason, requestedBy: block.requestedBy, personBefore, personsAfter: [...personsAfter] },
  };
}
