import { topicsWithPrefix, type CdpIdentity, type OutputRecord, type TopicSpec } from '@cdp/plumbing';
import { IdentityGraph } from '../core/graph';
import { DEFAULT_RULES } from '../core/rules';
import { graphProcess, type IdentityTopics } from './kafka';

const t = topicsWithPrefix('');
const topics: IdentityTopics = {
  inputs: [t.webEvents], resolved: t.resolvedEvents, links: t.identityLinks, assignments: t.identifierAssignments,
  merges: t.personMerges, conflicts: t.identityConflicts, history: t.identityHistory,
};
const link = (eventId: string, identifiers: CdpIdentity.Identifier[]): CdpIdentity.IdentityLink => ({ tenant: 'demo', eventId, eventTime: 1, identifiers });
const user = (value: string) => ({ type: 'user_id', value });
const anon = (value: string) => ({ type: 'anonymous_id', value });

describe('graphProcess', () => {
  const run = () => {
    const process = graphProcess(new IdentityGraph(() => DEFAULT_RULES), topics);
    return (l: CdpIdentity.IdentityLink): OutputRecord[] => {
      const outcome = process(l);
      if (outcome.kind !== 'ok') throw new Error('rejected');
      return outcome.value;
    };
  };
  const onTopic = (out: OutputRecord[], topic: TopicSpec) => out.filter((o) => o.topic === topic);

  it('publishes the history entry first, keyed by tenant, and nothing for a link that changes nothing', () => {
    const apply = run();
    const out = apply(link('e1', [user('u1'), anon('a1')]));
    expect(out[0]).toEqual({ topic: topics.history, key: 'demo', value: expect.objectContaining({ eventId: 'e1', firstSeen: [user('u1'), anon('a1')] }) });
    expect(onTopic(out, topics.history)).toHaveLength(1);
    expect(apply(link('e2', [user('u1'), anon('a1')]))).toEqual([]);
  });

  it('records a refusal in the history once per process, as on the conflicts topic', () => {
    const apply = run();
    apply(link('e1', [user('u1'), anon('kiosk')]));
    const first = apply(link('e2', [user('u2'), anon('kiosk')]));
    expect((onTopic(first, topics.history)[0]!.value as CdpIdentity.IdentityHistoryEntry).refusals).toHaveLength(1);
    expect(onTopic(first, topics.conflicts)).toHaveLength(1);
    // The same customer on the kiosk again: nothing new, so no history and no conflict.
    expect(apply(link('e3', [user('u2'), anon('kiosk')]))).toEqual([]);
    // A new identifier with the old refusal: the entry keeps what is new, without the refusal.
    const third = apply(link('e4', [user('u2'), { type: 'email_hash', value: 'h2' }, anon('kiosk')]));
    expect(onTopic(third, topics.history).map((o) => o.value)).toEqual([expect.objectContaining({ eventId: 'e4', refusals: [], joins: [expect.objectContaining({ identifiers: [{ type: 'email_hash', value: 'h2' }] })] })]);
    expect(onTopic(third, topics.conflicts)).toEqual([]);
  });
});
