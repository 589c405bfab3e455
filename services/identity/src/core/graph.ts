/**
 * The identity graph: union-find over persons. Every identifier belongs to one person; an event
 * that carries several identifiers links their persons into one. The surviving person of a link
 * is the smallest person id of the group, and a first-seen identifier's person id is derived
 * from (tenant, type, value): so the outcome does not depend on the order events arrive in,
 * and a replay computes the same answer.
 */
import { createHash } from 'node:crypto';
import type { CdpIdentity } from '@cdp/plumbing';
import type { Identifier } from './identifiers';

export const identifierKey = (tenant: string, id: CdpIdentity.Identifier): string => `${tenant}|${id.type}|${id.value}`;

/** Deterministic provisional person id of a first-seen identifier. */
export const personIdOf = (tenant: string, id: CdpIdentity.Identifier): string =>
  `p_${createHash('sha256').update(identifierKey(tenant, id)).digest('hex').slice(0, 24)}`;

export interface Resolution {
  personId: string | null;
  /** Identifiers whose person changed (new, or moved by a merge): the compacted table's updates. */
  assignments: CdpIdentity.IdentifierAssignment[];
  /** Persons absorbed by this event's link, flattened to the survivor. */
  merges: CdpIdentity.PersonMerge[];
}

interface IdentifierState {
  identifier: CdpIdentity.Identifier;
  personId: string;
  firstSeen: number;
}

export class IdentityGraph {
  private readonly identifiers = new Map<string, IdentifierState>();
  /** Absorbed person -> survivor; survivors are not keys. Kept flat. */
  private readonly mergedInto = new Map<string, string>();
  /** Survivor -> keys of its identifiers, and -> persons it absorbed. */
  private readonly keysOf = new Map<string, Set<string>>();
  private readonly absorbedBy = new Map<string, Set<string>>();

  get size(): { identifiers: number; merges: number } {
    return { identifiers: this.identifiers.size, merges: this.mergedInto.size };
  }

  private survivorOf(personId: string): string {
    return this.mergedInto.get(personId) ?? personId;
  }

  /** Rebuilding from the compacted topics: the latest assignment of one identifier. */
  loadAssignment(a: CdpIdentity.IdentifierAssignment): void {
    const key = identifierKey(a.tenant, a.identifier);
    const previous = this.identifiers.get(key);
    if (previous) this.keysOf.get(previous.personId)?.delete(key);
    this.identifiers.set(key, { identifier: a.identifier, personId: a.personId, firstSeen: a.firstSeen });
    this.setOf(this.keysOf, a.personId).add(key);
  }

  /** Rebuilding from the compacted topics: one flat merge record. */
  loadMerge(m: CdpIdentity.PersonMerge): void {
    this.mergedInto.set(m.fromPersonId, m.toPersonId);
    this.setOf(this.absorbedBy, m.toPersonId).add(m.fromPersonId);
  }

  /** Assigns and links the identifiers of one event. */
  resolve(tenant: string, ids: readonly Identifier[], eventTime: number, eventId: string, now: number): Resolution {
    if (ids.length === 0) return { personId: null, assignments: [], merges: [] };
    const keys = ids.map((id) => identifierKey(tenant, id));
    // Each identifier's person: its survivor if known, else its own provisional id.
    const candidates = ids.map((id, i) => {
      const known = this.identifiers.get(keys[i]!);
      return known ? this.survivorOf(known.personId) : personIdOf(tenant, id);
    });
    const survivor = candidates.reduce((min, p) => (p < min ? p : min));
    const merges: CdpIdentity.PersonMerge[] = [];
    const assignments: CdpIdentity.IdentifierAssignment[] = [];
    const moved = new Set<string>();

    for (const person of new Set(candidates)) {
      if (person === survivor || !this.keysOf.has(person)) continue;
      // Absorb the person and everyone it had absorbed; their identifiers move to the survivor.
      const absorbed = [person, ...(this.absorbedBy.get(person) ?? [])];
      for (const p of absorbed) {
        this.mergedInto.set(p, survivor);
        this.setOf(this.absorbedBy, survivor).add(p);
        merges.push({ tenant, fromPersonId: p, toPersonId: survivor, mergedAt: now, causeEventId: eventId, link: ids.map(({ type, value }) => ({ type, value })) });
      }
      this.absorbedBy.delete(person);
      for (const key of this.keysOf.get(person) ?? []) moved.add(key);
      this.keysOf.delete(person);
    }

    for (const [i, id] of ids.entries()) {
      const key = keys[i]!;
      const known = this.identifiers.get(key);
      if (known && known.personId === survivor) continue;
      this.identifiers.set(key, { identifier: { type: id.type, value: id.value }, personId: survivor, firstSeen: known?.firstSeen ?? eventTime });
      this.setOf(this.keysOf, survivor).add(key);
      moved.delete(key);
      assignments.push({ tenant, identifier: { type: id.type, value: id.value }, personId: survivor, firstSeen: known?.firstSeen ?? eventTime, updatedAt: now });
    }
    for (const key of moved) {
      const state = this.identifiers.get(key)!;
      state.personId = survivor;
      this.setOf(this.keysOf, survivor).add(key);
      assignments.push({ tenant, identifier: state.identifier, personId: survivor, firstSeen: state.firstSeen, updatedAt: now });
    }
    return { personId: survivor, assignments, merges };
  }

  private setOf(map: Map<string, Set<string>>, key: string): Set<string> {
    let set = map.get(key);
    if (!set) {
      set = new Set();
      map.set(key, set);
    }
    return set;
  }
}
