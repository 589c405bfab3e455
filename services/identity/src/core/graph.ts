/**
 * The identity graph: which person each identifier belongs to, and which persons were absorbed
 * into which. Links (identifiers seen together) are applied in order, one at a time, under the
 * tenant's rules:
 *
 * - A first-seen identifier gets a person id derived from (tenant, type, value), so the stitcher
 *   can attribute an event before the graph has seen it, and a replay computes the same id.
 * - A link joins its identifiers' persons one by one, strongest identifier first. A join that
 *   would give the person more identifiers of a type than the rules allow (a second user id: a
 *   shared kiosk, a family computer) is refused and becomes a conflict; the rest of the link
 *   still applies.
 * - The survivor of a join is the person with the stronger identifier type, then the one seen
 *   first, then the smaller id. Merges are recorded flat: everything the absorbed person had
 *   absorbed points at the new survivor too, never at an absorbed person.
 * - A link that changed the graph or was refused leaves one history entry (what was new, who
 *   joined whom with which identifiers, what was refused); a link that changes nothing leaves none.
 * - An alias's untyped previous id is typed first, from the whole graph (previous-id.ts).
 */
import { createHash } from 'node:crypto';
import { identifierKey, personIdOf, type CdpIdentity } from '@cdp/plumbing';
import type { Identifier, LinkIdentifier } from './identifiers';
import { typePreviousIds, type KnownIdentifiers } from './previous-id';
import { rankOf, type IdentityRules } from './rules';

// The identifier's key, as on the identifiers topic, and the provisional person id of a
// first-seen identifier (plumbing's: aggregation files rows under it).
export { identifierKey, personIdOf };

export const LIMIT_EXCEEDED = 'identity.limit_exceeded';

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export interface LinkResult {
  /** The person of the link's strongest identifier after the link. */
  personId: string | null;
  /** Identifiers whose person changed (new, or moved by a merge): the compacted table's updates. */
  assignments: CdpIdentity.IdentifierAssignment[];
  /** Persons absorbed by this link, flattened to the survivor. */
  merges: CdpIdentity.PersonMerge[];
  /** Joins the rules refused. */
  conflicts: CdpIdentity.IdentityConflict[];
  /** What the link did, for the append-only history; null when it changed nothing and refused nothing. */
  history: CdpIdentity.IdentityHistoryEntry | null;
}

export interface ErasedPerson {
  survivor: string;
  /** Persons that had been merged into the survivor: their merge records go. */
  absorbed: string[];
  identifiers: CdpIdentity.Identifier[];
  /** Every id the person's rows may carry at ingest, sorted. */
  personIds: string[];
}

/** The person ids an erased person's rows can carry: the identifiers' provisional ids and the persons named. */
export const personIdsOf = (tenant: string, identifiers: readonly CdpIdentity.Identifier[], named: readonly string[] = []): string[] =>
  [...new Set([...named, ...identifiers.map((i) => personIdOf(tenant, i))])].sort();

interface IdentifierState {
  identifier: CdpIdentity.Identifier;
  personId: string;
  firstSeen: number;
}

interface PersonState {
  tenant: string;
  keys: Set<string>;
  /** Identifiers per type, for the limits. */
  counts: Map<string, number>;
  /** Earliest firstSeen of its identifiers. */
  firstSeen: number;
  /** Persons it absorbed (flat). */
  absorbed: Set<string>;
}

export class IdentityGraph implements KnownIdentifiers {
  private readonly identifiers = new Map<string, IdentifierState>();
  /** Every identifier type held: what an alias's previous id may be known as. */
  private readonly types = new Set<string>();
  /** Absorbed person -> survivor; survivors are not keys. Kept flat. */
  private readonly mergedInto = new Map<string, string>();
  private readonly persons = new Map<string, PersonState>();

  constructor(private readonly rulesOf: (tenant: string) => IdentityRules) {}

  get size(): { identifiers: number; persons: number; merges: number } {
    return { identifiers: this.identifiers.size, persons: this.persons.size, merges: this.mergedInto.size };
  }

  get identifierTypes(): ReadonlySet<string> {
    return this.types;
  }

  survivorOf(personId: string): string {
    return this.mergedInto.get(personId) ?? personId;
  }

  /** The person an identifier belongs to now, if the graph knows it. */
  personOf(tenant: string, id: CdpIdentity.Identifier): string | undefined {
    const known = this.identifiers.get(identifierKey(tenant, id));
    return known ? this.survivorOf(known.personId) : undefined;
  }

  /** A survivor's identifiers with the person each is assigned to and when it was first seen. */
  identifiersOfPerson(tenant: string, survivor: string): { identifier: CdpIdentity.Identifier; personId: string; firstSeen: number }[] {
    const person = this.persons.get(survivor);
    if (!person || person.tenant !== tenant) return [];
    return [...person.keys].map((k) => {
      const s = this.identifiers.get(k)!;
      return { identifier: { type: s.identifier.type, value: s.identifier.value }, personId: s.personId, firstSeen: s.firstSeen };
    });
  }

  /** The person an identifier is assigned to, as its assignment record says (not followed through merges). */
  assignedPersonOf(tenant: string, id: CdpIdentity.Identifier): string | undefined {
    return this.identifiers.get(identifierKey(tenant, id))?.personId;
  }

  /** The persons merged into a survivor. */
  absorbedInto(survivor: string): ReadonlySet<string> {
    return this.persons.get(survivor)?.absorbed ?? new Set();
  }

  /** Whether the graph made this person (a survivor or merged into one). */
  knows(personId: string): boolean {
    return this.persons.has(personId) || this.mergedInto.has(personId);
  }

  identifierOfKey(key: string): CdpIdentity.Identifier | undefined {
    const s = this.identifiers.get(key);
    return s ? { type: s.identifier.type, value: s.identifier.value } : undefined;
  }

  /** Survivor -> its identifiers; for tests and the README's memory figures. */
  partition(): Map<string, string[]> {
    return new Map([...this.persons].map(([p, s]) => [p, [...s.keys].sort()]));
  }

  /** Flat merge map (absorbed -> survivor). */
  merges(): ReadonlyMap<string, string> {
    return this.mergedInto;
  }

  /** Rebuilding from the compacted topics: the latest assignment of one identifier. */
  loadAssignment(a: CdpIdentity.IdentifierAssignment): void {
    const key = identifierKey(a.tenant, a.identifier);
    const previous = this.identifiers.get(key);
    if (previous) this.detach(key, previous);
    const state = { identifier: a.identifier, personId: a.personId, firstSeen: a.firstSeen };
    this.identifiers.set(key, state);
    this.attach(a.tenant, key, state);
  }

  /** Rebuilding from the compacted topics: an identifier's tombstone (erasure), keyed tenant|type|value. */
  unloadAssignment(key: string): void {
    const state = this.identifiers.get(key);
    if (!state) return;
    this.detach(key, state);
    this.identifiers.delete(key);
  }

  /** Rebuilding from the compacted topics: a merge record's tombstone (erasure), keyed tenant|fromPersonId. */
  unloadMerge(key: string): void {
    const from = key.slice(key.indexOf('|') + 1);
    const to = this.mergedInto.get(from);
    if (to === undefined) return;
    this.mergedInto.delete(from);
    const survivor = this.persons.get(to);
    survivor?.absorbed.delete(from);
    if (survivor && survivor.keys.size === 0 && survivor.absorbed.size === 0) this.persons.delete(to);
  }

  /**
   * Rebuilding from the compacted topics: one flat merge record. A record pointing at its own
   * person (a split made it a survivor again) ends the merge; a re-pointed one moves it.
   */
  loadMerge(m: CdpIdentity.PersonMerge): void {
    const previous = this.mergedInto.get(m.fromPersonId);
    if (previous !== undefined && previous !== m.toPersonId) this.persons.get(previous)?.absorbed.delete(m.fromPersonId);
    if (m.fromPersonId === m.toPersonId) {
      this.mergedInto.delete(m.fromPersonId);
      return;
    }
    this.mergedInto.set(m.fromPersonId, m.toPersonId);
    this.personState(m.tenant, m.toPersonId).absorbed.add(m.fromPersonId);
    // A log read before compaction holds persons that were absorbed later: they must not linger.
    const from = this.persons.get(m.fromPersonId);
    if (from && from.keys.size === 0) this.persons.delete(m.fromPersonId);
  }

  /**
   * Erasure: the person that holds `id` leaves the graph with every identifier and every person
   * merged into it. Returns what left, or null when no person holds `id`. The persons at ingest
   * are the provisional ids of the identifiers (every person id the graph ever gave is one), so
   * the same list can be rebuilt from the identifiers alone after a crash.
   */
  erase(tenant: string, id: CdpIdentity.Identifier): ErasedPerson | null {
    const key = identifierKey(tenant, id);
    const known = this.identifiers.get(key);
    if (!known) return null;
    const survivor = this.survivorOf(known.personId);
    const person = this.persons.get(survivor);
    const keys = person ? [...person.keys] : [key];
    const identifiers = keys.map((k) => this.identifiers.get(k)!.identifier).map(({ type, value }) => ({ type, value }));
    for (const k of keys) this.identifiers.delete(k);
    const absorbed = [...(person?.absorbed ?? [])].filter((p) => this.mergedInto.get(p) === survivor).sort();
    for (const p of absorbed) this.mergedInto.delete(p);
    this.persons.delete(survivor);
    return { survivor, absorbed, identifiers, personIds: personIdsOf(tenant, identifiers, [survivor, ...absorbed]) };
  }

  /**
   * Splitting a wrong merge: applies a plan (split.ts) made from this graph. The blocked value
   * leaves, merge records are re-pointed (or end), identifiers move to their new persons, and
   * each person's first-seen time is that of the identifiers it keeps.
   */
  applySplit(tenant: string, plan: { before: string; assignments: readonly CdpIdentity.IdentifierAssignment[]; merges: readonly CdpIdentity.PersonMerge[]; removed: readonly CdpIdentity.Identifier[] }): void {
    for (const id of plan.removed) this.unloadAssignment(identifierKey(tenant, id));
    for (const m of plan.merges) this.loadMerge(m);
    for (const a of plan.assignments) this.loadAssignment(a);
    const touched = new Set([plan.before, ...plan.assignments.map((a) => a.personId), ...plan.merges.map((m) => m.toPersonId)]);
    for (const p of touched) {
      const person = this.persons.get(p);
      if (!person) continue;
      if (person.keys.size === 0 && (this.mergedInto.has(p) || person.absorbed.size === 0)) {
        this.persons.delete(p);
        continue;
      }
      person.firstSeen = Math.min(...[...person.keys].map((k) => this.identifiers.get(k)!.firstSeen), Infinity);
    }
  }

  /** Types the link's previous id, then assigns and links its identifiers (strongest first). */
  applyLink(tenant: string, link: readonly LinkIdentifier[], eventTime: number, eventId: string, now: number): LinkResult {
    const result: LinkResult = { personId: null, assignments: [], merges: [], conflicts: [], history: null };
    if (link.length === 0) return result;
    const rules = this.rulesOf(tenant);
    const ids = typePreviousIds(tenant, link, rules, this);
    const keys = ids.map((id) => identifierKey(tenant, id));
    for (const [i, id] of ids.entries()) {
      if (this.identifiers.has(keys[i]!)) continue;
      const state = { identifier: { type: id.type, value: id.value }, personId: personIdOf(tenant, id), firstSeen: eventTime };
      this.identifiers.set(keys[i]!, state);
      this.attach(tenant, keys[i]!, state);
      result.assignments.push(this.assignment(tenant, state, now));
    }
    // The assignments so far are exactly the first-seen identifiers.
    const firstSeen = result.assignments.length;
    const joins: CdpIdentity.IdentityJoin[] = [];

    let current = this.survivorOf(this.identifiers.get(keys[0]!)!.personId);
    for (const [i, id] of ids.entries()) {
      const other = this.survivorOf(this.identifiers.get(keys[i]!)!.personId);
      if (other === current) continue;
      const broken = this.brokenLimit(rules, current, other);
      if (broken) {
        result.conflicts.push(this.conflict(tenant, ids, id, current, other, broken, eventId, eventTime, now));
        continue;
      }
      const survivor = this.survivorBetween(rules, current, other);
      const absorbed = survivor === current ? other : current;
      joins.push(this.absorb(tenant, rules, absorbed, survivor, ids, eventId, now, result));
      current = survivor;
    }
    result.personId = this.survivorOf(this.identifiers.get(keys[0]!)!.personId);
    // A refusal names the persons as they stand after the whole link, not one absorbed later in it.
    for (const c of result.conflicts) {
      c.personId = this.survivorOf(c.personId);
      c.otherPersonId = this.survivorOf(c.otherPersonId);
    }
    // Built only when something happened: most links of a running shop change nothing.
    if (firstSeen > 0 || joins.length > 0 || result.conflicts.length > 0) {
      result.history = this.historyEntry(tenant, ids, eventId, eventTime, now, result, firstSeen, joins);
    }
    return result;
  }

  private brokenLimit(rules: IdentityRules, a: string, b: string): string | undefined {
    const pa = this.persons.get(a);
    const pb = this.persons.get(b);
    for (const [type, limit] of Object.entries(rules.limits)) {
      const na = pa?.counts.get(type) ?? 0;
      const nb = pb?.counts.get(type) ?? 0;
      if (na + nb > limit) return `${type}: ${a} has ${na} and ${b} has ${nb}, at most ${limit} per person`;
    }
    return undefined;
  }

  /** Stronger identifier type, then seen first, then the smaller id: deterministic. */
  private survivorBetween(rules: IdentityRules, a: string, b: string): string {
    const rank = (p: string) => Math.min(...[...(this.persons.get(p)?.counts.keys() ?? [])].map((t) => rankOf(rules, t)), Infinity);
    const ra = rank(a);
    const rb = rank(b);
    if (ra !== rb) return ra < rb ? a : b;
    const fa = this.persons.get(a)?.firstSeen ?? Infinity;
    const fb = this.persons.get(b)?.firstSeen ?? Infinity;
    if (fa !== fb) return fa < fb ? a : b;
    return a < b ? a : b;
  }

  /** Moves the absorbed person (and all it had absorbed) to the survivor; returns the join for the history. */
  private absorb(tenant: string, rules: IdentityRules, absorbed: string, survivor: string, ids: readonly Identifier[], eventId: string, now: number, result: LinkResult): CdpIdentity.IdentityJoin {
    const from = this.persons.get(absorbed)!;
    const to = this.personState(tenant, survivor);
    const link = ids.map(({ type, value }) => ({ type, value }));
    for (const p of [absorbed, ...from.absorbed]) {
      this.mergedInto.set(p, survivor);
      to.absorbed.add(p);
      // An earlier absorption moved along gets this merge's cause: viaPersonId says so.
      result.merges.push({ tenant, fromPersonId: p, toPersonId: survivor, mergedAt: now, causeEventId: eventId, link, viaPersonId: p === absorbed ? null : absorbed });
    }
    const moved: CdpIdentity.Identifier[] = [];
    for (const key of from.keys) {
      const state = this.identifiers.get(key)!;
      state.personId = survivor;
      to.keys.add(key);
      to.counts.set(state.identifier.type, (to.counts.get(state.identifier.type) ?? 0) + 1);
      result.assignments.push(this.assignment(tenant, state, now));
      moved.push({ type: state.identifier.type, value: state.identifier.value });
    }
    to.firstSeen = Math.min(to.firstSeen, from.firstSeen);
    this.persons.delete(absorbed);
    // Sorted, not in set order: a graph rebuilt from the topics holds the same sets in another order.
    moved.sort((a, b) => rankOf(rules, a.type) - rankOf(rules, b.type) || compare(a.type, b.type) || compare(a.value, b.value));
    return { survivorPersonId: survivor, absorbedPersonId: absorbed, identifiers: moved, carriedPersonIds: [...from.absorbed].sort() };
  }

  private historyEntry(
    tenant: string, ids: readonly Identifier[], eventId: string, eventTime: number, now: number, result: LinkResult, firstSeen: number, joins: CdpIdentity.IdentityJoin[],
  ): CdpIdentity.IdentityHistoryEntry {
    const identifiers = ids.map(({ type, value }) => ({ type, value }));
    const entryKey = `${tenant}|${eventId}|${identifiers.map((i) => `${i.type}|${i.value}`).join('|')}`;
    return {
      tenant,
      entryId: createHash('sha256').update(entryKey).digest('hex').slice(0, 24),
      eventId,
      eventTime,
      appliedAt: now,
      identifiers,
      personId: result.personId!,
      firstSeen: result.assignments.slice(0, firstSeen).map((a) => ({ type: a.identifier.type, value: a.identifier.value })),
      joins,
      refusals: result.conflicts.map((c) => ({ conflictId: c.conflictId, rule: c.rule, reason: c.reason, refused: { ...c.refused }, personId: c.personId, otherPersonId: c.otherPersonId })),
      split: null,
    };
  }

  private conflict(tenant: string, ids: readonly Identifier[], refused: Identifier, personId: string, otherPersonId: string, reason: string, eventId: string, eventTime: number, now: number): CdpIdentity.IdentityConflict {
    // From the link's strongest identifier and the refused one: the same link applied again (after
    // a crash) records the same conflict, and each customer on a shared kiosk records their own.
    const id = `${tenant}|${LIMIT_EXCEEDED}|${identifierKey(tenant, ids[0]!)}|${identifierKey(tenant, refused)}`;
    return {
      tenant,
      conflictId: createHash('sha256').update(id).digest('hex').slice(0, 24),
      rule: LIMIT_EXCEEDED,
      reason,
      eventId,
      eventTime,
      identifiers: ids.map(({ type, value }) => ({ type, value })),
      refused: { type: refused.type, value: refused.value },
      personId,
      otherPersonId,
      detectedAt: now,
    };
  }

  private assignment(tenant: string, state: IdentifierState, now: number): CdpIdentity.IdentifierAssignment {
    return { tenant, identifier: state.identifier, personId: state.personId, firstSeen: state.firstSeen, updatedAt: now };
  }

  private attach(tenant: string, key: string, state: IdentifierState): void {
    const person = this.personState(tenant, state.personId);
    this.types.add(state.identifier.type);
    person.keys.add(key);
    person.counts.set(state.identifier.type, (person.counts.get(state.identifier.type) ?? 0) + 1);
    person.firstSeen = Math.min(person.firstSeen, state.firstSeen);
  }

  private detach(key: string, state: IdentifierState): void {
    const person = this.persons.get(state.personId);
    if (!person) return;
    person.keys.delete(key);
    person.counts.set(state.identifier.type, (person.counts.get(state.identifier.type) ?? 1) - 1);
    if (person.keys.size === 0 && (person.absorbed.size === 0 || this.mergedInto.has(state.personId))) this.persons.delete(state.personId);
  }

  private personState(tenant: string, personId: string): PersonState {
    let person = this.persons.get(personId);
    if (!person) {
      person = { tenant, keys: new Set(), counts: new Map(), firstSeen: Infinity, absorbed: new Set() };
      this.persons.set(personId, person);
    }
    return person;
  }
}
