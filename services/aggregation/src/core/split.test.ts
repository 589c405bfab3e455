import type { CdpIdentity } from '@cdp/plumbing';
import { BLOCKED_VALUE_STATEMENTS, MEMBERS_SQL, personsOfBlock, SPLIT_ACTIONS, STALE_ROW_STATEMENTS } from './split';

const block = (over: Partial<CdpIdentity.IdentifierBlock>): CdpIdentity.IdentifierBlock => ({
  tenant: 'demo', identifier: { type: 'email_hash', value: 'family' }, state: 'BLOCKED', reason: 'shared family e-mail', requestedBy: 'key-ops',
  requestedAt: 1_000, updatedAt: 2_000, personBefore: 'pA', personsAfter: ['pA', 'pB'], detail: null, ...over,
});

describe('split statements', () => {
  it('act on the graph writer\'s results, not on the requests', () => {
    expect([...SPLIT_ACTIONS].sort()).toEqual(['BLOCKED', 'UNBLOCKED']);
  });

  it('name the person before and every person after once, none when no person held the value', () => {
    expect(personsOfBlock(block({}))).toEqual(['pA', 'pB']);
    expect(personsOfBlock(block({ state: 'UNBLOCKED', personBefore: 'pB', personsAfter: ['pA'] }))).toEqual(['pA', 'pB']);
    expect(personsOfBlock(block({ personBefore: null, personsAfter: [] }))).toEqual([]);
  });

  it('delete the blocked value from identities and person_identifiers as it was when blocked', () => {
    expect(BLOCKED_VALUE_STATEMENTS.map((s) => s.table)).toEqual(['identities', 'person_identifiers']);
    for (const s of BLOCKED_VALUE_STATEMENTS) {
      expect(s.remove).toBe(`DELETE FROM ${s.table} WHERE tenant = {tenant:String} AND id_type = {id_type:String} AND id_value = {id_value:String} AND updated_at <= fromUnixTimestamp64Milli({blocked_at:Int64})`);
      expect(s.count).toBe(s.remove.replace(`DELETE FROM ${s.table}`, `SELECT count() AS n FROM ${s.table}`));
    }
  });

  it('delete only rows by person that the latest assignment or override no longer names, within the tenant', () => {
    const [identifiers, mergedFrom] = STALE_ROW_STATEMENTS;
    expect(identifiers!.table).toBe('person_identifiers');
    expect(identifiers!.remove).toMatch(/^DELETE FROM person_identifiers WHERE tenant = \{tenant:String\} AND person_id IN \{persons:Array\(String\)\}/);
    expect(identifiers!.remove).toContain('(id_type, id_value, person_id) NOT IN (\n    SELECT id_type, id_value, argMax(person_id, updated_at) FROM identities');
    expect(mergedFrom!.table).toBe('person_merged_from');
    // X -> X (a survivor again) never counts; otherwise the latest override must name the survivor.
    expect(mergedFrom!.remove).toContain('old_person_id = person_id OR (old_person_id, person_id) NOT IN (\n    SELECT old_person_id, argMax(person_id, merged_at) FROM person_overrides');
    for (const s of STALE_ROW_STATEMENTS) {
      // The tables read are read by their keys: tenant first, then what the persons' rows name.
      expect(s.remove.match(/WHERE tenant = \{tenant:String\}/g)).toHaveLength(3);
      expect(s.count).toBe(s.remove.replace(`DELETE FROM ${s.table}`, `SELECT count() AS n FROM ${s.table}`));
    }
    expect(MEMBERS_SQL).toContain('FROM person_merged_from WHERE tenant = {tenant:String} AND person_id IN {persons:Array(String)}');
  });
});
