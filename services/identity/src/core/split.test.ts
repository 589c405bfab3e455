import type { CdpIdentity } from '@cdp/plumbing';
import { IdentityGraph, personIdOf } from './graph';
import type { Identifier } from './identifiers';
import { DEFAULT_RULES } from './rules';
import { planSplit } from './split';

const anon = (v: string): Identifier => ({ type: 'anonymous_id', value: v });
const card = (v: string): Identifier => ({ type: 'loyalty_card', value: v });
const email = (v: string): Identifier => ({ type: 'email_hash', value: v });
const device = (v: string): Identifier => ({ type: 'device_id', value: v });

/** Applies links in order and keeps the history entries the graph writer would have published. */
function build(links: Identifier[][]): { graph: IdentityGraph; history: CdpIdentity.IdentityHistoryEntry[]; records: { assignments: CdpIdentity.IdentifierAssignment[]; merges: CdpIdentity.PersonMerge[] } } {
  const graph = new IdentityGraph(() => DEFAULT_RULES);
  const history: CdpIdentity.IdentityHistoryEntry[] = [];
  const records = { assignments: [] as CdpIdentity.IdentifierAssignment[], merges: [] as CdpIdentity.PersonMerge[] };
  links.forEach((link, i) => {
    const r = graph.applyLink('demo', link, 1000 + i, `e${i}`, 5000);
    if (r.history) history.push(r.history);
    records.assignments.push(...r.assignments);
    records.merges.push(...r.merges);
  });
  return { graph, history, records };
}

describe('planSplit', () => {
  // Anna (browser a1, loyalty card LA) and her son Bob (browser b1, app device d1) both sign up
  // to newsletters with the family's e-mail F, which the default rules merge on.
  const links = [[anon('a1')], [card('LA'), anon('a1')], [anon('b1')], [anon('b1'), device('d1')], [anon('a1'), email('F')], [anon('b1'), email('F')]];

  it('gives the two customers back apart, without the blocked e-mail, and says which records change', () => {
    const { graph, history } = build(links);
    const glued = graph.personOf('demo', anon('b1'))!;
    expect(graph.personOf('demo', anon('a1'))).toBe(glued);
    const plan = planSplit(graph, DEFAULT_RULES, 'demo', email('F'), history, 9000, 'block-1')!;
    expect(plan.before).toBe(glued);
    expect(plan.after.map((p) => p.identifiers.map((i) => `${i.type}:${i.value}`)).sort()).toEqual([['anonymous_id:a1', 'loyalty_card:LA'], ['anonymous_id:b1', 'device_id:d1']]);
    const anna = plan.after.find((p) => p.identifiers.some((i) => i.value === 'LA'))!;
    const bob = plan.after.find((p) => p.identifiers.some((i) => i.value === 'b1'))!;
    // The strongest identifier's person survives, as when they were joined: Anna's card, Bob's app device.
    expect(anna.survivor).toBe(personIdOf('demo', card('LA')));
    expect(bob.survivor).toBe(personIdOf('demo', device('d1')));
    expect(plan.removed).toEqual([email('F')]);
    // Records to publish: Bob's identifiers move back to him; his merge records point at him again.
    expect(plan.assignments.map((a) => [a.identifier.value, a.personId]).sort()).toEqual([['b1', bob.survivor], ['d1', bob.survivor]]);
    const merges = new Map(plan.merges.map((m) => [m.fromPersonId, m.toPersonId]));
    expect(merges.get(bob.survivor)).toBe(bob.survivor);
    expect(merges.get(personIdOf('demo', anon('b1')))).toBe(bob.survivor);
    // Anna's side keeps its records: they pointed at her card's person before too.
    expect(merges.has(personIdOf('demo', anon('a1')))).toBe(false);
    expect(merges.get(personIdOf('demo', email('F')))).toBe(personIdOf('demo', email('F')));
    for (const m of plan.merges) expect(m).toMatchObject({ tenant: 'demo', mergedAt: 9000, causeEventId: 'block-1', link: [email('F')] });
  });

  it('changes nothing but the blocked value when it glued no one', () => {
    const { graph, history } = build([[anon('a1')], [anon('a1'), email('F')], [card('LA'), anon('a1')]]);
    const plan = planSplit(graph, DEFAULT_RULES, 'demo', email('F'), history, 9000, 'block-2')!;
    expect(plan.after).toEqual([{ survivor: personIdOf('demo', card('LA')), identifiers: [anon('a1'), card('LA')], absorbed: [personIdOf('demo', anon('a1'))] }]);
    expect(plan.assignments).toEqual([]);
    expect(plan.merges.map((m) => [m.fromPersonId, m.toPersonId])).toEqual([[personIdOf('demo', email('F')), personIdOf('demo', email('F'))]]);
  });

  it('answers null for a value no person holds, and ignores other tenants\' entries', () => {
    const { graph, history } = build(links);
    expect(planSplit(graph, DEFAULT_RULES, 'demo', email('nobody'), history, 9000, 'b')).toBeNull();
    const foreign = history.map((h) => ({ ...h, tenant: 'other' }));
    const plan = planSplit(graph, DEFAULT_RULES, 'demo', email('F'), foreign, 9000, 'b')!;
    // Without the tenant's history nothing joins: every identifier its own person.
    expect(plan.after).toHaveLength(4);
  });

  it('leaves the graph as the plan says, and as a graph rebuilt from the published records', () => {
    const { graph, history, records } = build(links);
    const plan = planSplit(graph, DEFAULT_RULES, 'demo', email('F'), history, 9000, 'block-1')!;
    graph.applySplit('demo', plan);
    const partition = (g: IdentityGraph) => [...g.partition().values()].map((keys) => keys.join(',')).sort();
    expect(partition(graph)).toEqual(plan.after.map((p) => p.identifiers.map((i) => `demo|${i.type}|${i.value}`).sort().join(',')).sort());
    for (const p of plan.after) expect(new Set(graph.absorbedInto(p.survivor))).toEqual(new Set(p.absorbed));
    // The compacted topics after the split: the records before, then the plan's, then the value's tombstone.
    const rebuilt = new IdentityGraph(() => DEFAULT_RULES);
    for (const m of [...records.merges, ...plan.merges]) rebuilt.loadMerge(m);
    for (const a of [...records.assignments, ...plan.assignments]) rebuilt.loadAssignment(a);
    for (const id of plan.removed) rebuilt.unloadAssignment(`demo|${id.type}|${id.value}`);
    expect(partition(rebuilt)).toEqual(partition(graph));
    expect(new Map(rebuilt.merges())).toEqual(new Map(graph.merges()));
    // A later link of the two customers' own identifiers joins nothing it should not.
    graph.applyLink('demo', [anon('b1')], 2000, 'e-late', 9500);
    expect(graph.personOf('demo', anon('b1'))).not.toBe(graph.personOf('demo', card('LA')));
  });
});
