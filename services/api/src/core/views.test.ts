import type { HistoryRow } from './read-rows';
import { explanationOf } from './views';

const NO_SPLIT: HistoryRow['split'] = { action: '', blocked: { type: '', value: '' }, reason: '', requested_by: '', person_before: '', persons_after: [] };
const T = Date.UTC(2026, 11, 1, 10);
const at = (minutes: number) => T + minutes * 60_000;
const entry = (id: string, minutes: number, patch: Partial<HistoryRow>): HistoryRow => ({
  entry_id: id,
  event_id: `e_${id}`,
  event_time: at(minutes),
  applied_at: at(minutes),
  identifiers: [],
  person_id: '',
  first_seen: [],
  joins: [],
  refusals: [],
  split: NO_SPLIT,
  ...patch,
});
const SHARED = { type: 'email_hash', value: 'f00d' };
const BEN = { type: 'user_id', value: 'u_ben' };
const split = (action: 'BLOCKED' | 'UNBLOCKED'): HistoryRow['split'] => ({ action, blocked: SHARED, reason: 'family e-mail', requested_by: 'privacy-desk', person_before: 'p_anna', persons_after: ['p_anna', 'p_ben'] });

describe('explanationOf', () => {
  // Ben's web account came with the family's shared e-mail and joined Anna; an operator blocked the e-mail, then undid it.
  const history = [
    entry('h1', 0, { identifiers: [BEN, SHARED], person_id: 'p_anna', first_seen: [BEN], joins: [{ survivor_person_id: 'p_anna', absorbed_person_id: 'p_ben', identifiers: [BEN], carried_person_ids: [] }] }),
    entry('h2', 10, { event_id: 'block:email_hash', split: split('BLOCKED') }),
    entry('h3', 20, { event_id: 'unblock:email_hash', split: split('UNBLOCKED') }),
  ];
  const explained = explanationOf({ personId: 'p_ben', members: ['p_ben'], identifiers: [BEN] }, history, [], [{ event_id: 'e_h1', channel: 'web', source: 'shop', event_type: 'identify', event_name: '' }]);

  it('lists a block and its undo with who asked, why and the persons before and after', () => {
    expect(explained.splits).toEqual([
      {
        appliedAt: new Date(at(10)).toISOString(),
        action: 'BLOCKED',
        blocked: SHARED,
        reason: 'family e-mail',
        requestedBy: 'privacy-desk',
        personBefore: 'p_anna',
        personsAfter: ['p_anna', 'p_ben'],
        summary: 'email_hash=f00d was blocked by privacy-desk ("family e-mail"): person p_anna was split into p_anna, p_ben',
      },
      expect.objectContaining({ action: 'UNBLOCKED', summary: 'email_hash=f00d was unblocked by privacy-desk ("family e-mail"): person p_anna holds it again, joined with p_anna, p_ben' }),
    ]);
  });

  it('tells merges and splits in the order the graph applied them; the merge the block undid stays, before it', () => {
    expect(explained.steps.map((s) => [s.kind, s.at])).toEqual([
      ['merge', new Date(at(0)).toISOString()],
      ['blocked', new Date(at(10)).toISOString()],
      ['unblocked', new Date(at(20)).toISOString()],
    ]);
    expect(explained.steps[0]!.summary).toBe('event e_h1 (identify, web) carried user_id=u_ben, email_hash=f00d together: person p_ben (user_id=u_ben) joined person p_anna');
    expect(explained.merges).toHaveLength(1);
    // A split entry is no merge and sees no identifier first.
    expect(explained.firstSeen).toEqual([{ identifier: BEN, eventId: 'e_h1', eventTime: new Date(at(0)).toISOString(), event: { channel: 'web', source: 'shop', type: 'identify', name: '' } }]);
  });

  it('a history without splits has none, and its steps are its merges', () => {
    const plain = explanationOf({ personId: 'p_anna', members: ['p_anna', 'p_ben'], identifiers: [] }, history.slice(0, 1), [], []);
    expect(plain.splits).toEqual([]);
    expect(plain.steps).toEqual([{ kind: 'merge', at: new Date(at(0)).toISOString(), summary: plain.merges[0]!.summary }]);
  });
});
