import { PERSONS_PER_UPDATE, personsByTenant, personUpdatesOf } from './person-updates';

const LANDED = 1_764_583_200_456;
const row = (tenant: string, person: string) => ({ tenant, person_id: person, event_id: `e-${Math.random()}` });

describe('person updates of a batch', () => {
  it('names each person once per tenant and skips events without a person', () => {
    const rows = [row('demo', 'p_anna'), row('demo', 'p_ben'), row('demo', 'p_anna'), row('demo', ''), row('other', 'p_anna'), row('other', '')];
    expect(personUpdatesOf(personsByTenant(rows), LANDED)).toEqual([
      { tenant: 'demo', personIds: ['p_anna', 'p_ben'], landedAt: LANDED },
      { tenant: 'other', personIds: ['p_anna'], landedAt: LANDED },
    ]);
  });

  it('names the person identity resolved an event to as well as the person its row is filed under', () => {
    const persons = personsByTenant([row('demo', 'p_first'), row('demo', '')], [{ tenant: 'demo', personId: 'p_survivor' }, { tenant: 'demo', personId: null }, { tenant: 'demo', personId: 'p_first' }]);
    expect(personUpdatesOf(persons, LANDED)).toEqual([{ tenant: 'demo', personIds: ['p_first', 'p_survivor'], landedAt: LANDED }]);
  });

  it('publishes nothing for a batch that landed nothing, and a record without persons for a tenant whose events named no one', () => {
    expect(personUpdatesOf(personsByTenant([row('demo', ''), row('demo', '')]), LANDED)).toEqual([]);
    expect(personUpdatesOf(personsByTenant([]), LANDED)).toEqual([]);
    // People counts of one tenant and a receipt with a card of another, in one batch.
    const persons = personsByTenant([row('other', 'p_anna')], [], ['demo', 'other']);
    expect(personUpdatesOf(persons, LANDED)).toEqual([
      { tenant: 'demo', personIds: [], landedAt: LANDED },
      { tenant: 'other', personIds: ['p_anna'], landedAt: LANDED },
    ]);
  });

  it('cuts a tenant\'s persons into records of at most 2,000, each person in one of them', () => {
    const persons = Array.from({ length: 4_500 }, (_, i) => `p_${i}`);
    const rows = [...persons, ...persons.slice(0, 100)].map((p) => row('demo', p));
    rows.push(row('small', 'p_zoe'));
    const updates = personUpdatesOf(personsByTenant(rows), LANDED);
    expect(PERSONS_PER_UPDATE).toBe(2_000);
    expect(updates.map((u) => [u.tenant, u.personIds.length])).toEqual([['demo', 2_000], ['demo', 2_000], ['demo', 500], ['small', 1]]);
    expect(updates.filter((u) => u.tenant === 'demo').flatMap((u) => u.personIds)).toEqual(persons);
    expect(updates.every((u) => u.landedAt === LANDED)).toBe(true);
  });
});
