import { IdentityGraph, LIMIT_EXCEEDED, personIdOf, personIdsOf } from './graph';
import { PREVIOUS_ID, type Identifier, type PreviousId } from './identifiers';
import { DEFAULT_RULES, parseRules } from './rules';

const anon = (v: string): Identifier => ({ type: 'anonymous_id', value: v });
const user = (v: string): Identifier => ({ type: 'user_id', value: v });
const card = (v: string): Identifier => ({ type: 'loyalty_card', value: v });
const email = (v: string): Identifier => ({ type: 'email_hash', value: v });
const previous = (v: string): PreviousId => ({ type: PREVIOUS_ID, value: v });
const graph = () => new IdentityGraph(() => DEFAULT_RULES);

describe('IdentityGraph', () => {
  it('gives a first-seen identifier a deterministic person id from tenant, type and value', () => {
    const g = graph();
    const r = g.applyLink('demo', [anon('a1')], 1, 'e1', 100);
    expect(r.personId).toBe(personIdOf('demo', anon('a1')));
    expect(r.personId).not.toBe(personIdOf('other-tenant', anon('a1')));
    expect(r.assignments).toEqual([{ tenant: 'demo', identifier: anon('a1'), personId: r.personId, firstSeen: 1, updatedAt: 100 }]);
    expect(g.applyLink('demo', [anon('a1')], 2, 'e2', 101)).toEqual({ personId: r.personId, assignments: [], merges: [], conflicts: [], history: null });
  });

  it('keeps the person of the stronger identifier type: anonymous browsing joins the account at login', () => {
    const g = graph();
    const pa = g.applyLink('demo', [anon('a1')], 1, 'e1', 100).personId!;
    const pu = personIdOf('demo', user('u1'));
    const login = g.applyLink('demo', [user('u1'), anon('a1')], 2, 'e2', 100);
    expect(login.personId).toBe(pu);
    expect(login.merges).toEqual([{ tenant: 'demo', fromPersonId: pa, toPersonId: pu, mergedAt: 100, causeEventId: 'e2', link: [user('u1'), anon('a1')], viaPersonId: null }]);
    expect(g.personOf('demo', anon('a1'))).toBe(pu);
  });

  it('between equal types keeps the person seen first, and publishes every merge flat', () => {
    const g = graph();
    const p1 = g.applyLink('demo', [anon('a1')], 1, 'e1', 100).personId!;
    const p2 = g.applyLink('demo', [anon('a2')], 2, 'e2', 100).personId!;
    const p3 = g.applyLink('demo', [anon('a3')], 3, 'e3', 100).personId!;
    // a2 and a3 first: the older of them (p2) survives.
    expect(g.applyLink('demo', [anon('a3'), anon('a2')], 4, 'e4', 100).personId).toBe(p2);
    // Then a1 joins: p1 is older, so p2 and what p2 absorbed (p3) both point at p1, not p3 -> p2 -> p1.
    const r = g.applyLink('demo', [anon('a2'), anon('a1')], 5, 'e5', 100);
    expect(r.personId).toBe(p1);
    expect(r.merges.map((m) => [m.fromPersonId, m.toPersonId]).sort()).toEqual([[p2, p1], [p3, p1]].sort());
    for (const to of g.merges().values()) expect(g.merges().has(to)).toBe(false);
    expect(g.partition()).toEqual(new Map([[p1, ['demo|anonymous_id|a1', 'demo|anonymous_id|a2', 'demo|anonymous_id|a3']]]));
  });

  it('refuses a link that would give one person two user ids (a shared kiosk), records why, and applies the rest', () => {
    const g = graph();
    g.applyLink('demo', [user('u1'), anon('kiosk')], 1, 'e1', 100);
    const p1 = g.personOf('demo', user('u1'))!;
    const second = g.applyLink('demo', [user('u2'), email('h2'), anon('kiosk')], 2, 'e2', 100);
    const p2 = personIdOf('demo', user('u2'));
    // The event belongs to the second customer; her e-mail joins her; the kiosk stays with the first.
    expect(second.personId).toBe(p2);
    expect(g.personOf('demo', email('h2'))).toBe(p2);
    expect(g.personOf('demo', anon('kiosk'))).toBe(p1);
    expect(second.conflicts).toEqual([
      expect.objectContaining({ tenant: 'demo', rule: LIMIT_EXCEEDED, refused: anon('kiosk'), personId: p2, otherPersonId: p1, eventId: 'e2', reason: `user_id: ${p2} has 1 and ${p1} has 1, at most 1 per person` }),
    ]);
    // The same refusal again has the same id, so it is stored once.
    const again = g.applyLink('demo', [user('u2'), anon('kiosk')], 3, 'e3', 100);
    expect(again.conflicts[0]!.conflictId).toBe(second.conflicts[0]!.conflictId);
    expect(again.merges).toEqual([]);
  });

  it('allows what the tenant allows: two loyalty cards per person for a tenant whose limit is 2', () => {
    const book = parseRules({ default: { priority: ['user_id', 'loyalty_card', 'anonymous_id'], limits: { user_id: 1, loyalty_card: 1 } }, tenants: { family: { limits: { user_id: 1, loyalty_card: 2 } } } }, 'rules.json');
    const g = new IdentityGraph((t) => book.rulesOf(t));
    for (const tenant of ['family', 'demo']) {
      g.applyLink(tenant, [user('u1'), card('LC1')], 1, 'e1', 100);
      const r = g.applyLink(tenant, [user('u1'), card('LC2')], 2, 'e2', 100);
      expect({ tenant, conflicts: r.conflicts.length }).toEqual({ tenant, conflicts: tenant === 'family' ? 0 : 1 });
    }
  });

  it('rebuilt from its own published records, answers and continues as the original', () => {
    const live = graph();
    const assignments = new Map<string, unknown>();
    const merges = new Map<string, unknown>();
    const run = (g: IdentityGraph, ids: Identifier[], t: number) => {
      const r = g.applyLink('demo', ids, t, `e${t}`, 100);
      for (const a of r.assignments) assignments.set(`${a.identifier.type}|${a.identifier.value}`, a);
      for (const m of r.merges) merges.set(m.fromPersonId, m);
      return r;
    };
    run(live, [anon('a1')], 1);
    run(live, [anon('a2')], 2);
    run(live, [user('u1'), anon('a2')], 3);
    run(live, [user('u1'), anon('a1')], 4);
    const rebuilt = graph();
    for (const m of merges.values()) rebuilt.loadMerge(m as never);
    for (const a of assignments.values()) rebuilt.loadAssignment(a as never);
    expect(rebuilt.partition()).toEqual(live.partition());
    // The last link again (a crash between publishing and committing): nothing changes.
    expect(rebuilt.applyLink('demo', [user('u1'), anon('a1')], 4, 'e4', 100)).toMatchObject({ merges: [], assignments: [], conflicts: [] });
    const next = [user('u1'), card('LC1')];
    expect(rebuilt.applyLink('demo', next, 5, 'e5', 100)).toEqual(live.applyLink('demo', next, 5, 'e5', 100));
  });

  describe('history: one entry per link that changed the graph or was refused', () => {
    it('names a first-seen identifier, the link and its person, under an id the same link gives again', () => {
      const g = graph();
      const r = g.applyLink('demo', [anon('a1')], 1, 'e1', 100);
      expect(r.history).toEqual({
        tenant: 'demo', entryId: expect.stringMatching(/^[0-9a-f]{24}$/), eventId: 'e1', eventTime: 1, appliedAt: 100,
        identifiers: [anon('a1')], personId: personIdOf('demo', anon('a1')), firstSeen: [anon('a1')], joins: [], refusals: [], split: null,
      });
      // Another graph, the same link: the same entry id (a replay after a crash is stored once).
      expect(graph().applyLink('demo', [anon('a1')], 1, 'e1', 999).history!.entryId).toBe(r.history!.entryId);
      expect(graph().applyLink('demo', [anon('a1')], 1, 'e2', 100).history!.entryId).not.toBe(r.history!.entryId);
    });

    it('records a join with the identifiers that moved, and a survivor absorbed later with the persons it carries', () => {
      const g = graph();
      const ph = personIdOf('demo', email('h1'));
      const pa = personIdOf('demo', anon('a1'));
      const pu = personIdOf('demo', user('u1'));
      // A newsletter click: both identifiers new, the e-mail's person absorbs the cookie's.
      const click = g.applyLink('demo', [email('h1'), anon('a1')], 1, 'e1', 100);
      expect(click.history).toMatchObject({ personId: ph, firstSeen: [email('h1'), anon('a1')], joins: [{ survivorPersonId: ph, absorbedPersonId: pa, identifiers: [anon('a1')], carriedPersonIds: [] }] });
      // The login: the account's person absorbs the e-mail's, which carries the cookie's along.
      const login = g.applyLink('demo', [user('u1'), email('h1')], 2, 'e2', 200);
      expect(login.history).toEqual({
        tenant: 'demo', entryId: expect.any(String), eventId: 'e2', eventTime: 2, appliedAt: 200, identifiers: [user('u1'), email('h1')], personId: pu, firstSeen: [user('u1')],
        joins: [{ survivorPersonId: pu, absorbedPersonId: ph, identifiers: [email('h1'), anon('a1')], carriedPersonIds: [pa] }],
        refusals: [], split: null,
      });
      // The cookie's merge record is re-pointed with the login as cause: viaPersonId says through whom.
      expect(login.merges).toEqual([
        { tenant: 'demo', fromPersonId: ph, toPersonId: pu, mergedAt: 200, causeEventId: 'e2', link: [user('u1'), email('h1')], viaPersonId: null },
        { tenant: 'demo', fromPersonId: pa, toPersonId: pu, mergedAt: 200, causeEventId: 'e2', link: [user('u1'), email('h1')], viaPersonId: ph },
      ]);
    });

    it('records a refusal with the values of its conflict, beside what the rest of the link did', () => {
      const g = graph();
      g.applyLink('demo', [user('u1'), anon('kiosk')], 1, 'e1', 100);
      const second = g.applyLink('demo', [user('u2'), email('h2'), anon('kiosk')], 2, 'e2', 100);
      const p2 = personIdOf('demo', user('u2'));
      const c = second.conflicts[0]!;
      expect(second.history).toMatchObject({
        personId: p2,
        firstSeen: [user('u2'), email('h2')],
        joins: [{ survivorPersonId: p2, absorbedPersonId: personIdOf('demo', email('h2')), identifiers: [email('h2')], carriedPersonIds: [] }],
        refusals: [{ conflictId: c.conflictId, rule: c.rule, reason: c.reason, refused: c.refused, personId: c.personId, otherPersonId: c.otherPersonId }],
      });
      expect(second.history!.refusals).toEqual([{ conflictId: c.conflictId, rule: LIMIT_EXCEEDED, reason: c.reason, refused: anon('kiosk'), personId: p2, otherPersonId: g.personOf('demo', user('u1')) }]);
    });

    it('has no entry for a link applied again, nor for one that only repeats what the graph knows', () => {
      const g = graph();
      const link = [user('u1'), email('h1'), anon('a1')];
      expect(g.applyLink('demo', link, 1, 'e1', 100).history).not.toBeNull();
      expect(g.applyLink('demo', link, 1, 'e1', 100).history).toBeNull();
      expect(g.applyLink('demo', [anon('a1'), email('h1')], 2, 'e2', 100).history).toBeNull();
    });
  });

  describe('an alias whose previous id the event could not type (server-side alias)', () => {
    /** Nothing the graph publishes carries the untyped previous id. */
    const noPreviousId = (r: ReturnType<IdentityGraph['applyLink']>) =>
      expect(JSON.stringify(r)).not.toContain(PREVIOUS_ID);

    it('after the anonymous events: the anonymous history joins the user, with no conflict', () => {
      const g = graph();
      const pa = g.applyLink('demo', [anon('a1')], 1, 'e1', 100).personId!;
      const pu = personIdOf('demo', user('u1'));
      const alias = g.applyLink('demo', [user('u1'), previous('a1')], 2, 'e2', 100);
      noPreviousId(alias);
      expect(alias).toMatchObject({ personId: pu, conflicts: [], merges: [{ fromPersonId: pa, toPersonId: pu, link: [user('u1'), anon('a1')] }] });
      expect(g.partition()).toEqual(new Map([[pu, ['demo|anonymous_id|a1', 'demo|user_id|u1']]]));
    });

    it('before the anonymous events (another partition), or of an id never seen: an anonymous id, which the events then find', () => {
      const g = graph();
      const pu = personIdOf('demo', user('u1'));
      const alias = g.applyLink('demo', [user('u1'), previous('a1')], 2, 'e2', 100);
      noPreviousId(alias);
      expect(alias.assignments.map((a) => [a.identifier, a.personId])).toEqual([[user('u1'), pu], [anon('a1'), personIdOf('demo', anon('a1'))], [anon('a1'), pu]]);
      expect(g.applyLink('demo', [anon('a1')], 1, 'e1', 100)).toEqual({ personId: pu, assignments: [], merges: [], conflicts: [], history: null });
      expect(g.partition()).toEqual(new Map([[pu, ['demo|anonymous_id|a1', 'demo|user_id|u1']]]));
    });

    it('of one user id to another (an account renamed): refused and recorded under a limit of one, joined where the tenant allows two', () => {
      const book = parseRules({ default: { priority: ['user_id', 'anonymous_id'], limits: { user_id: 1 } }, tenants: { renames: { limits: { user_id: 2 } } } }, 'rules.json');
      const g = new IdentityGraph((t) => book.rulesOf(t));
      for (const tenant of ['demo', 'renames']) {
        g.applyLink(tenant, [user('u1'), anon('a1')], 1, 'e1', 100);
        const p1 = g.personOf(tenant, user('u1'))!;
        const p2 = personIdOf(tenant, user('u2'));
        const alias = g.applyLink(tenant, [user('u2'), previous('u1')], 2, 'e2', 100);
        noPreviousId(alias);
        if (tenant === 'demo') {
          expect(alias.merges).toEqual([]);
          expect(alias.conflicts).toEqual([
            expect.objectContaining({ rule: LIMIT_EXCEEDED, refused: user('u1'), identifiers: [user('u2'), user('u1')], personId: p2, otherPersonId: p1, reason: `user_id: ${p2} has 1 and ${p1} has 1, at most 1 per person` }),
          ]);
          // Not taken for an anonymous id either: u1 is not glued to the new account under another type.
          expect(g.personOf(tenant, anon('u1'))).toBeUndefined();
        } else {
          expect({ tenant, conflicts: alias.conflicts, u1: g.personOf(tenant, user('u1')) }).toEqual({ tenant, conflicts: [], u1: g.personOf(tenant, user('u2')) });
        }
      }
    });

    it('known under several types: one already with the link\'s person, else the strongest; applied again, it changes nothing', () => {
      const g = graph();
      // 'x' was an anonymous id of u1's browser and is also the user id of another account.
      g.applyLink('demo', [user('u1'), anon('x')], 1, 'e1', 100);
      g.applyLink('demo', [user('x'), email('hx')], 2, 'e2', 100);
      const withU1 = g.applyLink('demo', [user('u1'), previous('x')], 3, 'e3', 100);
      expect(withU1).toEqual({ personId: g.personOf('demo', user('u1')), assignments: [], merges: [], conflicts: [], history: null });
      // From a new account, neither is with it: the strongest, the user id, which the limit refuses.
      const fromNew = g.applyLink('demo', [user('u3'), previous('x')], 4, 'e4', 100);
      expect(fromNew.conflicts.map((c) => c.refused)).toEqual([user('x')]);
      const again = g.applyLink('demo', [user('u3'), previous('x')], 4, 'e4', 100);
      // Refused again, so history again (the graph writer publishes a refusal once per process); u3 is no longer new.
      expect(again).toEqual({ ...fromNew, assignments: [], history: { ...fromNew.history, firstSeen: [] } });
    });

    it('of types ranked alike, the one with the smaller name, whatever the order they were seen in', () => {
      const rules = { ...DEFAULT_RULES, priority: ['user_id'], limits: {} };
      for (const seen of [[email('x'), anon('x')], [anon('x'), email('x')]]) {
        const g = new IdentityGraph(() => rules);
        seen.forEach((id, i) => g.applyLink('demo', [id], i, `e${i}`, 100));
        expect(g.applyLink('demo', [user('u1'), previous('x')], 3, 'e3', 100).merges.map((m) => m.link)).toEqual([[user('u1'), anon('x')]]);
      }
    });

    it('keeps the link strongest first after typing: the previous id may outrank the user id under the tenant\'s priority', () => {
      const rules = { ...DEFAULT_RULES, priority: ['email_hash', 'user_id', 'anonymous_id'] };
      const g = new IdentityGraph(() => rules);
      const pe = g.applyLink('demo', [email('h1')], 1, 'e1', 100).personId!;
      const alias = g.applyLink('demo', [user('u1'), previous('h1')], 2, 'e2', 100);
      expect(alias.personId).toBe(pe);
      expect(alias.merges).toEqual([expect.objectContaining({ fromPersonId: personIdOf('demo', user('u1')), toPersonId: pe, link: [email('h1'), user('u1')] })]);
    });

    it('is the link\'s own identifier when the link carries its value, and is typed the same after a rebuild', () => {
      const g = graph();
      const r = g.applyLink('demo', [user('u1'), anon('a1'), previous('a1')], 1, 'e1', 100);
      expect(r.merges[0]!.link).toEqual([user('u1'), anon('a1')]);
      const rebuilt = graph();
      for (const a of r.assignments) rebuilt.loadAssignment(a);
      for (const m of r.merges) rebuilt.loadMerge(m);
      const next = [user('u2'), previous('u1')];
      expect(rebuilt.applyLink('demo', next, 2, 'e2', 100)).toEqual(g.applyLink('demo', next, 2, 'e2', 100));
    });
  });
});

describe('IdentityGraph.erase', () => {
  it('takes the whole person out: every identifier, the merges into it, and lists every id its rows carry', () => {
    const g = graph();
    g.applyLink('demo', [anon('a1')], 1, 'e1', 100);
    g.applyLink('demo', [card('c1')], 2, 'e2', 100);
    g.applyLink('demo', [user('u1'), anon('a1')], 3, 'e3', 100);
    g.applyLink('demo', [user('u1'), card('c1'), email('h1')], 4, 'e4', 100);
    g.applyLink('demo', [anon('other')], 5, 'e5', 100);
    const survivor = g.personOf('demo', user('u1'))!;
    const before = g.size;
    const erased = g.erase('demo', card('c1'))!;
    expect(erased.survivor).toBe(survivor);
    expect(erased.identifiers.map((i) => `${i.type}|${i.value}`).sort()).toEqual(['anonymous_id|a1', 'email_hash|h1', 'loyalty_card|c1', 'user_id|u1']);
    expect(erased.absorbed).toEqual([personIdOf('demo', anon('a1')), personIdOf('demo', card('c1')), personIdOf('demo', email('h1'))].sort());
    expect(erased.personIds).toEqual([survivor, ...erased.absorbed].sort());
    expect(erased.personIds).toEqual(personIdsOf('demo', erased.identifiers));
    for (const id of [anon('a1'), user('u1'), card('c1'), email('h1')]) expect(g.personOf('demo', id)).toBeUndefined();
    expect(g.size).toEqual({ identifiers: before.identifiers - 4, persons: before.persons - 1, merges: before.merges - 3 });
    // The other person stays, and the erased identifiers are first-seen again if they come back.
    expect(g.personOf('demo', anon('other'))).toBe(personIdOf('demo', anon('other')));
    expect(g.applyLink('demo', [anon('a1')], 6, 'e6', 100).assignments).toHaveLength(1);
    expect(g.erase('demo', card('c1'))).toBeNull();
  });

  it('rebuilt from the topics with the erasure\'s tombstones after the older records, holds nothing of the person', () => {
    const before = graph();
    const assignments = [...before.applyLink('demo', [anon('a1')], 1, 'e1', 100).assignments, ...before.applyLink('demo', [user('u1'), anon('a1')], 2, 'e2', 100).assignments, ...before.applyLink('demo', [anon('b1')], 3, 'e3', 100).assignments];
    const merges = [...before.merges()].map(([fromPersonId, toPersonId]) => ({ tenant: 'demo', fromPersonId, toPersonId, mergedAt: 100, causeEventId: 'e2', link: [], viaPersonId: null }));
    const erased = before.erase('demo', user('u1'))!;
    const rebuilt = graph();
    for (const m of merges) rebuilt.loadMerge(m);
    for (const m of erased.absorbed) rebuilt.unloadMerge(`demo|${m}`);
    for (const a of assignments) rebuilt.loadAssignment(a);
    for (const i of erased.identifiers) rebuilt.unloadAssignment(`demo|${i.type}|${i.value}`);
    expect(rebuilt.partition()).toEqual(before.partition());
    expect(rebuilt.size).toEqual(before.size);
    expect(rebuilt.personOf('demo', anon('a1'))).toBeUndefined();
    expect(rebuilt.personOf('demo', anon('b1'))).toBe(personIdOf('demo', anon('b1')));
  });

  it('answers null for an identifier no person holds, and leaves other tenants alone', () => {
    const g = graph();
    g.applyLink('demo', [card('c1')], 1, 'e1', 100);
    expect(g.erase('other', card('c1'))).toBeNull();
    expect(g.personOf('demo', card('c1'))).toBeDefined();
  });
});
