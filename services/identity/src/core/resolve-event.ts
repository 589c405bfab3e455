/**
 * Kafka keys of what identity writes. Resolved events keep the key they arrived with (one device
 * or visitor in order); links are keyed by tenant (one writer applies a tenant's links in
 * order); the tables by what they map.
 */
import { identifierKey, type CdpIdentity } from '@cdp/plumbing';

export const linkKey = (l: CdpIdentity.IdentityLink): string => l.tenant;
export const assignmentKey = (a: CdpIdentity.IdentifierAssignment): string => identifierKey(a.tenant, a.identifier);
export const mergeKey = (m: CdpIdentity.PersonMerge): string => `${m.tenant}|${m.fromPersonId}`;
export const conflictKey = (c: CdpIdentity.IdentityConflict): string => `${c.tenant}|${c.conflictId}`;
