/**
 * The ClickHouse side of a split (an operator blocked an identifier value that glued people
 * together, or undid that). The graph writer publishes the new assignments and merge records,
 * which the sink lands; what it cannot express is the rows that no longer hold, because the
 * tables keyed by person keep a row a newer one does not replace:
 *
 * - person_identifiers (tenant, person_id, id_type, id_value): a row counts only while the
 *   identifier's latest assignment in identities names that person;
 * - person_merged_from (tenant, person_id, old_person_id): a row counts only while old_person_id's
 *   latest override names that person, and never when the two are the same (X -> X: X is a
 *   survivor again).
 *
 * The views skip such rows (migration 0015); these statements delete them, and the blocked
 * value's own rows, whose tombstone the sink does not store. Lightweight DELETEs, as in erasure.
 */
import type { CdpIdentity } from '@cdp/plumbing';
import { deleteStatement as statement, type DeleteStatement } from './deletes';

/** The block records this side acts on: the graph writer's, after it split or joined again. */
export const SPLIT_ACTIONS: ReadonlySet<CdpIdentity.IdentifierBlockState> = new Set(['BLOCKED', 'UNBLOCKED']);

/** The persons a block record names: the one before and those after, once each. */
export const personsOfBlock = (b: CdpIdentity.IdentifierBlock): string[] =>
  [...new Set([b.personBefore ?? '', ...b.personsAfter])].filter((p) => p !== '').sort();

/**
 * The persons whose rows to check: those named, and every person ever filed as merged into one of
 * them (person_merged_from by its key, stale rows included), whose rows the split may have left
 * too. Parameters {tenant:String} and {persons:Array(String)}.
 */
export const MEMBERS_SQL =
  'SELECT DISTINCT old_person_id AS person_id FROM person_merged_from WHERE tenant = {tenant:String} AND person_id IN {persons:Array(String)}';

/**
 * The blocked value's assignment and its row by person, as they were when it was blocked: an
 * assignment published after (the value unblocked meanwhile) stays. Parameters {tenant:String},
 * {id_type:String}, {id_value:String} and {blocked_at:Int64} (the BLOCKED record's updatedAt, ms).
 */
export const BLOCKED_VALUE_STATEMENTS: readonly DeleteStatement[] = ['identities', 'person_identifiers'].map((table) =>
  statement(table, 'id_type = {id_type:String} AND id_value = {id_value:String} AND updated_at <= fromUnixTimestamp64Milli({blocked_at:Int64})'),
);

/**
 * The stale rows of the persons {persons:Array(String)} within {tenant:String}. identities and
 * person_overrides are read by their keys: the identifiers and absorbed persons of these persons
 * only. A row inserted meanwhile is checked against the state it came with (the materialized
 * views fill person_identifiers and person_merged_from in the insert into identities and
 * person_overrides), so a row that holds is never taken.
 */
export const STALE_ROW_STATEMENTS: readonly DeleteStatement[] = [
  statement(
    'person_identifiers',
    `person_id IN {persons:Array(String)}
  AND (id_type, id_value, person_id) NOT IN (
    SELECT id_type, id_value, argMax(person_id, updated_at) FROM identities
    WHERE tenant = {tenant:String}
      AND (id_type, id_value) IN (SELECT id_type, id_value FROM person_identifiers WHERE tenant = {tenant:String} AND person_id IN {persons:Array(String)})
    GROUP BY id_type, id_value)`,
  ),
  statement(
    'person_merged_from',
    `person_id IN {persons:Array(String)}
  AND (old_person_id = person_id OR (old_person_id, person_id) NOT IN (
    SELECT old_person_id, argMax(person_id, merged_at) FROM person_overrides
    WHERE tenant = {tenant:String}
      AND old_person_id IN (SELECT old_person_id FROM person_merged_from WHERE tenant = {tenant:String} AND person_id IN {persons:Array(String)})
    GROUP BY old_person_id))`,
  ),
];
