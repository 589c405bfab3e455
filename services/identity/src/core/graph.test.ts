import { IdentityGraph, personIdOf } from './graph';
import type { Identifier } from './identifiers';

const anon = (v: string): Identifier => ({ type: 'anonymous_id', value: v });
const user = (v: string): Identifier => ({ type: 'user_id', value: v });
const card = (v: string): Identifier => ({ type: 'loyalty_card', value: v });

describe('IdentityGraph', () => {
  it('gives a first-seen identifier a deterministic person id from tenant, type and value', () => {
    const g = new IdentityGraph();
    const r = g.resolve('demo', [anon('a1')], 1, 'e1', 100);
    expect(r.personId).toBe(personIdOf('demo', anon('a1')));
    expect(r.personId).not.toBe(personIdOf('other-tenant', anon('a1')));
    expect(r.assignments).toEqual([{ tenant: 'demo', identifier: anon('a1'), personId: r.personId, firstSeen: 1, updatedAt: 100 }]);
    expect(g.resolve('demo', [anon('a1')], 2, 'e2', 101)).toEqual({ personId: r.personId, assignments: [], merges: [] });
  });

  it('links identifiers that arrive together, and publishes the merge flat to the survivor', () => {
    const g = new IdentityGraph();
    const pa = g.resolve('demo', [anon('a1')], 1, 'e1', 100).personId!;
    const pc = g.resolve('demo', [card('LC1')], 2, 'e2', 100).personId!;
    const login = g.resolve('demo', [user('u1'), anon('a1')], 3, 'e3', 100);
    const survivor1 = [pa, personIdOf('demo', user('u1'))].sort()[0]!;
    expect(login.personId).toBe(survivor1);
    // The till links the card to the same user: the card's person joins too.
    const pos = g.resolve('demo', [user('u1'), card('LC1')], 4, 'e4', 100);
    const survivor = [survivor1, pc].sort()[0]!;
    expect(pos.personId).toBe(survivor);
    for (const id of [anon('a1'), user('u1'), card('LC1')]) expect(g.resolve('demo', [id], 5, 'e5', 100).personId).toBe(survivor);
    // Every merge points at a survivor, never at a person that was itself absorbed.
    for (const m of [...login.merges, ...pos.merges]) if (m.toPersonId !== survivor) expect(m.toPersonId).toBe(survivor1);
    for (const m of pos.merges) expect(m.toPersonId).toBe(survivor);
  });

  it('reaches the same persons whatever order the events come in', () => {
    const events: Identifier[][] = [[anon('a1')], [user('u1'), anon('a1')], [anon('a2')], [user('u1'), anon('a2')], [card('LC1')], [user('u1'), card('LC1')], [anon('x')]];
    const final = (order: Identifier[][]) => {
      const g = new IdentityGraph();
      order.forEach((ids, i) => g.resolve('demo', ids, i, `e${i}`, 0));
      return [anon('a1'), anon('a2'), user('u1'), card('LC1'), anon('x')].map((id) => g.resolve('demo', [id], 99, 'q', 0).personId);
    };
    const forward = final(events);
    expect(final([...events].reverse())).toEqual(forward);
    expect(new Set(forward.slice(0, 4)).size).toBe(1);
    expect(forward[4]).not.toBe(forward[0]);
  });

  it('rebuilds from its own published records to the same state', () => {
    const g = new IdentityGraph();
    const published = [g.resolve('demo', [anon('a1')], 1, 'e1', 0), g.resolve('demo', [anon('a2')], 2, 'e2', 0), g.resolve('demo', [user('u1'), anon('a1'), anon('a2')], 3, 'e3', 0)];
    const rebuilt = new IdentityGraph();
    for (const r of published) r.merges.forEach((m) => rebuilt.loadMerge(m));
    for (const r of published) r.assignments.forEach((a) => rebuilt.loadAssignment(a));
    for (const id of [anon('a1'), anon('a2'), user('u1')]) {
      expect(rebuilt.resolve('demo', [id], 9, 'q', 0)).toEqual({ personId: published[2]!.personId, assignments: [], merges: [] });
    }
  });

  it('gives an event without identifiers no person', () => {
    expect(new IdentityGraph().resolve('demo', [], 1, 'e', 0)).toEqual({ personId: null, assignments: [], merges: [] });
  });
});
