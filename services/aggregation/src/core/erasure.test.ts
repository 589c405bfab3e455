import { ERASURE_RULES, ErasedPersons, HOLDS_NO_PERSON, erasureStatements } from './erasure';
import { KEPT_WITHOUT_TTL, RETENTION_RULES } from './retention';

describe('erasure rules', () => {
  it('cover every table the retention rules know, person tables by a rule and aggregates by a reason', () => {
    const erased = new Set(ERASURE_RULES.map((r) => r.table));
    for (const r of RETENTION_RULES) {
      if (r.class === 'person') expect({ table: r.table, erased: erased.has(r.table) }).toEqual({ table: r.table, erased: true });
      else expect({ table: r.table, reason: typeof HOLDS_NO_PERSON[r.table] }).toEqual({ table: r.table, reason: 'string' });
    }
    for (const table of Object.keys(KEPT_WITHOUT_TTL)) expect({ table, covered: erased.has(table) || table in HOLDS_NO_PERSON }).toEqual({ table, covered: true });
    for (const table of erased) expect(HOLDS_NO_PERSON[table]).toBeUndefined();
  });

  it('deletes the history copies filed by person before the entries they are found through', () => {
    const order = ERASURE_RULES.map((r) => r.table);
    expect(order.indexOf('identity_history_by_person')).toBeLessThan(order.indexOf('identity_history'));
  });

  it('builds a count and a lightweight DELETE per table, always within the tenant', () => {
    const [events] = erasureStatements();
    expect(events).toEqual({
      table: 'events_raw',
      count: 'SELECT count() AS n FROM events_raw WHERE tenant = {tenant:String} AND (person_id IN {ids:Array(String)})',
      remove: 'DELETE FROM events_raw WHERE tenant = {tenant:String} AND (person_id IN {ids:Array(String)})',
    });
    for (const s of erasureStatements()) expect(s.remove).toMatch(/^DELETE FROM \w+ WHERE tenant = \{tenant:String\} AND \(/);
  });
});

describe('ErasedPersons', () => {
  it('knows persons per tenant until their request is withdrawn', () => {
    const erased = new ErasedPersons();
    expect(erased.has('demo', 'p1')).toBe(false);
    erased.add('demo', ['p1', 'p2'], 'er1');
    erased.add('demo', ['p3'], 'er2');
    expect(erased.has('demo', 'p1')).toBe(true);
    expect(erased.has('other', 'p1')).toBe(false);
    expect(erased.has('demo', null)).toBe(false);
    expect(erased.size).toBe(3);
    erased.withdraw('er1');
    expect([erased.has('demo', 'p1'), erased.has('demo', 'p2'), erased.has('demo', 'p3')]).toEqual([false, false, true]);
  });
});
