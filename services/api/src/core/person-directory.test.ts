import { PersonDirectory } from './person-directory';

const assign = (d: PersonDirectory, type: string, value: string, personId: string, tenant = 't') =>
  d.setAssignment({ tenant, identifier: { type, value }, personId, firstSeen: 0, updatedAt: 0 });
const merge = (d: PersonDirectory, from: string, to: string, tenant = 't') =>
  d.setMerge({ tenant, fromPersonId: from, toPersonId: to, mergedAt: 0, causeEventId: 'e', link: [], viaPersonId: null });

describe('PersonDirectory', () => {
  it('answers an identifier, a survivor and an absorbed person with the survivor and all identifiers', () => {
    const d = new PersonDirectory();
    assign(d, 'user_id', 'u1', 'p_web');
    assign(d, 'loyalty_card', 'L1', 'p_store');
    merge(d, 'p_store', 'p_web');
    // The merge arrived before the loyalty card's re-assignment: it counts already.
    expect(d.personOf('t', { type: 'loyalty_card', value: 'L1' })).toBe('p_web');
    expect(d.survivorOf('t', 'p_store')).toBe('p_web');
    expect(d.identityOf('t', 'p_web')).toEqual({
      personId: 'p_web',
      members: ['p_web', 'p_store'],
      identifiers: [{ type: 'loyalty_card', value: 'L1' }, { type: 'user_id', value: 'u1' }],
    });
    assign(d, 'loyalty_card', 'L1', 'p_web');
    expect(d.identityOf('t', 'p_web').identifiers).toHaveLength(2);
  });

  it('follows a survivor absorbed in turn (flat re-pointed merges)', () => {
    const d = new PersonDirectory();
    assign(d, 'anonymous_id', 'a1', 'p_a');
    assign(d, 'user_id', 'u1', 'p_b');
    assign(d, 'customer_id', 'c1', 'p_c');
    merge(d, 'p_a', 'p_b');
    merge(d, 'p_b', 'p_c');
    merge(d, 'p_a', 'p_c');
    expect(d.identityOf('t', 'p_b').members).toEqual(['p_b']);
    expect(d.identityOf('t', 'p_c').members).toEqual(['p_c', 'p_a', 'p_b']);
    expect(d.personOf('t', { type: 'anonymous_id', value: 'a1' })).toBe('p_c');
  });

  it('a merge record pointing at its own person undoes the merge: a split made it a survivor again', () => {
    const d = new PersonDirectory();
    assign(d, 'user_id', 'u1', 'p_a');
    assign(d, 'user_id', 'u2', 'p_b');
    assign(d, 'email_hash', 'shared', 'p_a');
    merge(d, 'p_b', 'p_a');
    expect(d.identityOf('t', 'p_a').members).toEqual(['p_a', 'p_b']);
    merge(d, 'p_b', 'p_b');
    expect(d.survivorOf('t', 'p_b')).toBe('p_b');
    expect(d.personOf('t', { type: 'user_id', value: 'u2' })).toBe('p_b');
    expect(d.identityOf('t', 'p_a')).toEqual({ personId: 'p_a', members: ['p_a'], identifiers: [{ type: 'email_hash', value: 'shared' }, { type: 'user_id', value: 'u1' }] });
    expect(d.identityOf('t', 'p_b')).toEqual({ personId: 'p_b', members: ['p_b'], identifiers: [{ type: 'user_id', value: 'u2' }] });
    expect(d.size).toEqual({ identifiers: 3, merges: 0 });
    // Undoing the block restores the merge.
    merge(d, 'p_b', 'p_a');
    expect(d.identityOf('t', 'p_a').members).toEqual(['p_a', 'p_b']);
    expect(d.personOf('t', { type: 'user_id', value: 'u2' })).toBe('p_a');
  });

  it('a split re-points an absorbed person to another survivor, in either order of the records', () => {
    for (const order of ['self first', 're-point first'] as const) {
      const d = new PersonDirectory();
      assign(d, 'customer_id', 'c1', 'p_c');
      assign(d, 'user_id', 'u1', 'p_b');
      assign(d, 'anonymous_id', 'a1', 'p_a');
      merge(d, 'p_a', 'p_c');
      merge(d, 'p_b', 'p_c');
      expect(d.identityOf('t', 'p_c').members).toEqual(['p_c', 'p_a', 'p_b']);
      // The split: p_b is a survivor again, and p_a (whose link named p_b's user id) goes with it.
      if (order === 'self first') merge(d, 'p_b', 'p_b');
      merge(d, 'p_a', 'p_b');
      if (order === 're-point first') merge(d, 'p_b', 'p_b');
      expect({ order, c: d.identityOf('t', 'p_c') }).toEqual({ order, c: { personId: 'p_c', members: ['p_c'], identifiers: [{ type: 'customer_id', value: 'c1' }] } });
      expect({ order, b: d.identityOf('t', 'p_b') }).toEqual({ order, b: { personId: 'p_b', members: ['p_b', 'p_a'], identifiers: [{ type: 'anonymous_id', value: 'a1' }, { type: 'user_id', value: 'u1' }] } });
      expect(d.survivorOf('t', 'p_a')).toBe('p_b');
      expect(d.personOf('t', { type: 'anonymous_id', value: 'a1' })).toBe('p_b');
    }
  });

  it('forgets a person a split made a survivor again when its tombstones arrive', () => {
    const d = new PersonDirectory();
    assign(d, 'user_id', 'u1', 'p_a');
    merge(d, 'p_b', 'p_a');
    // p_b's identifiers were erased before the split made it a survivor again: only its merge record names it.
    merge(d, 'p_b', 'p_b');
    expect(d.survivorOf('t', 'p_b')).toBe('p_b');
    d.removeMerge('t|p_b');
    expect(d.survivorOf('t', 'p_b')).toBeUndefined();
    expect(d.survivorOf('t', 'p_a')).toBe('p_a');
    expect(d.identityOf('t', 'p_a').members).toEqual(['p_a']);
  });

  it('knows nothing of persons and identifiers the graph never made, nor of other tenants', () => {
    const d = new PersonDirectory();
    assign(d, 'user_id', 'u1', 'p_1', 'a');
    expect(d.survivorOf('a', 'p_2')).toBeUndefined();
    expect(d.survivorOf('b', 'p_1')).toBeUndefined();
    expect(d.personOf('b', { type: 'user_id', value: 'u1' })).toBeUndefined();
  });

  it('forgets an erased person when the tombstones of its identifiers and merges arrive', () => {
    const d = new PersonDirectory();
    assign(d, 'anonymous_id', 'a1', 'p_a');
    assign(d, 'user_id', 'u1', 'p_b');
    merge(d, 'p_a', 'p_b');
    assign(d, 'anonymous_id', 'a1', 'p_b');
    assign(d, 'user_id', 'u2', 'p_other');
    d.removeAssignment('t|anonymous_id|a1');
    d.removeAssignment('t|user_id|u1');
    d.removeMerge('t|p_a');
    expect(d.personOf('t', { type: 'user_id', value: 'u1' })).toBeUndefined();
    expect(d.personOf('t', { type: 'anonymous_id', value: 'a1' })).toBeUndefined();
    expect(d.survivorOf('t', 'p_b')).toBeUndefined();
    expect(d.survivorOf('t', 'p_a')).toBeUndefined();
    expect(d.survivorOf('t', 'p_other')).toBe('p_other');
    expect(d.size).toEqual({ identifiers: 1, merges: 0 });
  });
});
