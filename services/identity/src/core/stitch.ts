/**
 * Stitching: an event's person, looked up in the identifier table that the graph writer
 * publishes, without waiting for the graph. Many stitchers run side by side (one consumer group),
 * each holding the table read from its compacted topic. What the table cannot answer becomes a
 * link for the single graph writer: identifiers it has never seen, or identifiers it knows under
 * different persons.
 */
import type { CdpIdentity, IdentifierBlockList } from '@cdp/plumbing';
import { identifierKey, personIdOf } from './graph';
import { envelopeOf, extractIdentifiers, isPreviousId, type InputEvent } from './identifiers';
import { typePreviousIds, type KnownIdentifiers } from './previous-id';
import type { IdentityRules } from './rules';

/** identifier -> person and absorbed -> survivor, as the compacted topics say now. */
export class IdentityTable implements KnownIdentifiers {
  private readonly assignments = new Map<string, string>();
  private readonly mergedInto = new Map<string, string>();
  /** Every identifier type held: what an alias's previous id may be known as. */
  private readonly types = new Set<string>();

  get identifierTypes(): ReadonlySet<string> {
    return this.types;
  }

  get size(): { identifiers: number; merges: number } {
    return { identifiers: this.assignments.size, merges: this.mergedInto.size };
  }

  setAssignment(a: CdpIdentity.IdentifierAssignment): void {
    this.assignments.set(identifierKey(a.tenant, a.identifier), a.personId);
    this.types.add(a.identifier.type);
  }

  /** A record pointing at its own person ends the merge (a split made it a survivor again). */
  setMerge(m: CdpIdentity.PersonMerge): void {
    if (m.fromPersonId === m.toPersonId) this.mergedInto.delete(m.fromPersonId);
    else this.mergedInto.set(m.fromPersonId, m.toPersonId);
  }

  /** Tombstones (erasure): keys as on the topics, tenant|type|value and tenant|fromPersonId. */
  removeAssignment(key: string): void {
    this.assignments.delete(key);
  }

  removeMerge(key: string): void {
    this.mergedInto.delete(key.slice(key.indexOf('|') + 1));
  }

  personOf(tenant: string, id: CdpIdentity.Identifier): string | undefined {
    const person = this.assignments.get(identifierKey(tenant, id));
    // Merge records are flat, so one hop reaches the survivor.
    return person === undefined ? undefined : (this.mergedInto.get(person) ?? person);
  }
}

export interface Stitched {
  resolved: { personId: string | null; identifiers: CdpIdentity.Identifier[] };
  /** For the graph writer, when the table does not know all of this yet. */
  link?: CdpIdentity.IdentityLink;
}

/**
 * The event's person is that of its strongest identifier: known, or the provisional id the graph
 * will give it. A later merge re-attributes the event in every view through the merge records.
 * An alias's untyped previous id is typed from the table for the event (as an anonymous id when
 * the table does not know it yet), and always goes to the graph writer untyped, which decides.
 */
export function stitch(event: InputEvent, rules: IdentityRules, table: IdentityTable, blocks?: IdentifierBlockList): Stitched {
  const envelope = envelopeOf(event);
  const tenant = envelope.tenant;
  // A value an operator blocked (it glued people together) is no identifier, like a placeholder.
  const all = extractIdentifiers(event, rules);
  const extracted = blocks ? blocks.withoutBlocked(tenant, all) : all;
  const ids = typePreviousIds(tenant, extracted, rules, table);
  const identifiers = ids.map(({ type, value }) => ({ type, value }));
  if (ids.length === 0) return { resolved: { personId: null, identifiers } };
  const persons = ids.map((id) => table.personOf(tenant, id));
  const personId = persons[0] ?? personIdOf(tenant, ids[0]!);
  const settled = !extracted.some(isPreviousId) && persons.every((p) => p !== undefined && p === persons[0]);
  if (settled) return { resolved: { personId, identifiers } };
  return { resolved: { personId, identifiers }, link: { tenant, eventId: envelope.eventId, eventTime: envelope.eventTime, identifiers: extracted.map(({ type, value }) => ({ type, value })) } };
}
