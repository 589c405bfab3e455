/**
 * Who is who, as the identity graph says now: identifier -> person, absorbed person -> survivor,
 * and turned around (a survivor's merged persons, a person's identifiers). Fed from identity's
 * compacted topics as the graph writer publishes them, so a merge is known here the moment it is
 * published, before any ClickHouse table has it: a lookup after a merge answers with the
 * survivor, and reads every merged person's rows by key.
 */
import type { CdpIdentity } from '@cdp/plumbing';

export interface PersonIdentity {
  /** The surviving person. */
  personId: string;
  /** The survivor first, then every person merged into it. */
  members: string[];
  /** Every identifier of the survivor and its merged persons, by type then value. */
  identifiers: CdpIdentity.Identifier[];
}

const keyOf = (tenant: string, type: string, value: string) => `${tenant}|${type}|${value}`;
const personKey = (tenant: string, personId: string) => `${tenant}|${personId}`;

export class PersonDirectory {
  /** tenant|type|value -> person as assigned. */
  private readonly assigned = new Map<string, string>();
  /** tenant|person -> identifiers assigned to it (type, value). */
  private readonly identifiersOf = new Map<string, Map<string, CdpIdentity.Identifier>>();
  /** tenant|absorbed -> survivor; flat, as identity publishes it. */
  private readonly mergedInto = new Map<string, string>();
  /** tenant|survivor -> persons whose merge record pointed at it (some may have moved on). */
  private readonly absorbedBy = new Map<string, Set<string>>();
  /** Persons ever named (assigned or merged): a person id the graph never made is unknown. */
  private readonly known = new Set<string>();

  get size(): { identifiers: number; merges: number } {
    return { identifiers: this.assigned.size, merges: this.mergedInto.size };
  }

  setAssignment(a: CdpIdentity.IdentifierAssignment): void {
    const key = keyOf(a.tenant, a.identifier.type, a.identifier.value);
    const previous = this.assigned.get(key);
    if (previous !== undefined && previous !== a.personId) this.identifiersOf.get(personKey(a.tenant, previous))?.delete(`${a.identifier.type}|${a.identifier.value}`);
    this.assigned.set(key, a.personId);
    const pk = personKey(a.tenant, a.personId);
    let ids = this.identifiersOf.get(pk);
    if (!ids) this.identifiersOf.set(pk, (ids = new Map()));
    ids.set(`${a.identifier.type}|${a.identifier.value}`, { type: a.identifier.type, value: a.identifier.value });
    this.known.add(pk);
  }

  /**
   * A merge record: the person is absorbed by `toPersonId`. A later record of the same person
   * re-points it (to another survivor after a split), and one pointing at itself undoes the merge:
   * a split made the person a survivor again.
   */
  setMerge(m: CdpIdentity.PersonMerge): void {
    const from = personKey(m.tenant, m.fromPersonId);
    const previous = this.mergedInto.get(from);
    if (previous !== undefined && previous !== m.toPersonId) this.leave(m.tenant, m.fromPersonId, previous);
    this.known.add(from);
    if (m.fromPersonId === m.toPersonId) {
      this.mergedInto.delete(from);
      return;
    }
    this.mergedInto.set(from, m.toPersonId);
    const to = personKey(m.tenant, m.toPersonId);
    let absorbed = this.absorbedBy.get(to);
    if (!absorbed) this.absorbedBy.set(to, (absorbed = new Set()));
    absorbed.add(m.fromPersonId);
    this.known.add(to);
  }

  /** `absorbed` is no longer among `survivor`'s merged persons. */
  private leave(tenant: string, absorbed: string, survivor: string): void {
    const survivorKey = personKey(tenant, survivor);
    const set = this.absorbedBy.get(survivorKey);
    set?.delete(absorbed);
    if (set && set.size === 0) this.absorbedBy.delete(survivorKey);
  }

  /** A tombstone (erasure) of the identifier `tenant|type|value`: it and, once it has none left, its person are unknown. */
  removeAssignment(key: string): void {
    const person = this.assigned.get(key);
    if (person === undefined) return;
    this.assigned.delete(key);
    const [tenant, type, ...value] = key.split('|');
    const pk = personKey(tenant!, person);
    const ids = this.identifiersOf.get(pk);
    ids?.delete(`${type}|${value.join('|')}`);
    if (ids && ids.size === 0) this.identifiersOf.delete(pk);
    this.forgetIfEmpty(pk);
  }

  /** A tombstone (erasure) of the merge record `tenant|fromPersonId`. */
  removeMerge(key: string): void {
    const to = this.mergedInto.get(key);
    // A person a split made a survivor again has no merge left: the tombstone forgets it all the same.
    if (to === undefined) return this.forgetIfEmpty(key);
    this.mergedInto.delete(key);
    const tenant = key.slice(0, key.indexOf('|'));
    this.leave(tenant, key.slice(tenant.length + 1), to);
    this.forgetIfEmpty(key);
    this.forgetIfEmpty(personKey(tenant, to));
  }

  private forgetIfEmpty(pk: string): void {
    if ((this.identifiersOf.get(pk)?.size ?? 0) === 0 && !this.mergedInto.has(pk) && !this.absorbedBy.has(pk)) {
      this.identifiersOf.delete(pk);
      this.known.delete(pk);
    }
  }

  /** The survivor of a person id, or undefined when the graph never made that person. */
  survivorOf(tenant: string, personId: string): string | undefined {
    const pk = personKey(tenant, personId);
    if (!this.known.has(pk)) return undefined;
    return this.mergedInto.get(pk) ?? personId;
  }

  /** The survivor of an identifier's person, or undefined when the identifier is unknown. */
  personOf(tenant: string, identifier: CdpIdentity.Identifier): string | undefined {
    const person = this.assigned.get(keyOf(tenant, identifier.type, identifier.value));
    return person === undefined ? undefined : (this.mergedInto.get(personKey(tenant, person)) ?? person);
  }

  /** A survivor, its merged persons and all their identifiers. */
  identityOf(tenant: string, survivor: string): PersonIdentity {
    const members = [survivor];
    for (const p of this.absorbedBy.get(personKey(tenant, survivor)) ?? []) {
      // A merge record re-pointed later (the survivor was absorbed in turn) no longer counts here.
      if (this.mergedInto.get(personKey(tenant, p)) === survivor) members.push(p);
    }
    const identifiers = new Map<string, CdpIdentity.Identifier>();
    for (const m of members) {
      for (const [k, id] of this.identifiersOf.get(personKey(tenant, m)) ?? []) {
        // Assignments and merges come on different topics: an identifier counts while its person resolves here.
        if (this.personOf(tenant, id) === survivor) identifiers.set(k, id);
      }
    }
    const sorted = [...identifiers.values()].sort((a, b) => (a.type === b.type ? (a.value < b.value ? -1 : 1) : a.type < b.type ? -1 : 1));
    return { personId: survivor, members: [survivor, ...members.slice(1).sort()], identifiers: sorted };
  }
}
