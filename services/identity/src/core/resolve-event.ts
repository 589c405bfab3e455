/**
 * One input event -> the records identity writes: the event with its person, the identifier
 * assignments that changed, and the merges this event's link caused. Pure apart from the graph
 * it updates.
 */
import type { CdpIdentity } from '@cdp/plumbing';
import type { IdentityGraph } from './graph';
import { envelopeOf, extractIdentifiers, type InputEvent } from './identifiers';

export interface IdentityOutput {
  resolved: CdpIdentity.ResolvedEvent;
  assignments: CdpIdentity.IdentifierAssignment[];
  merges: CdpIdentity.PersonMerge[];
}

export function resolveEvent(graph: IdentityGraph, event: InputEvent, now: number): IdentityOutput {
  const envelope = envelopeOf(event);
  const identifiers = extractIdentifiers(event);
  const { personId, assignments, merges } = graph.resolve(envelope.tenant, identifiers, envelope.eventTime, envelope.eventId, now);
  return { resolved: { personId, identifiers: identifiers.map(({ type, value }) => ({ type, value })), event }, assignments, merges };
}

/** Kafka keys: a person's events stay in order on one partition; identifiers and merges are table keys. */
export const resolvedKey = (r: CdpIdentity.ResolvedEvent): string => r.personId ?? envelopeOf(r.event as InputEvent).eventId;
export const assignmentKey = (a: CdpIdentity.IdentifierAssignment): string => `${a.tenant}|${a.identifier.type}|${a.identifier.value}`;
export const mergeKey = (m: CdpIdentity.PersonMerge): string => `${m.tenant}|${m.fromPersonId}`;
