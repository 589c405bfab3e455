import { SuppressionList, topicsWithPrefix, type CdpIdentity, type CdpPrivacy, type IncomingRecord, type OutputRecord, type TopicSpec } from '@cdp/plumbing';
import { IdentityGraph, personIdOf } from '../core/graph';
import { DEFAULT_RULES } from '../core/rules';
import { graphProcess, type HistoryScan, type IdentityTopics } from './kafka';

const t = topicsWithPrefix('');
const topics: IdentityTopics = {
  inputs: [t.webEvents], resolved: t.resolvedEvents, links: t.identityLinks, assignments: t.identifierAssignments,
  merges: t.personMerges, conflicts: t.identityConflicts, history: t.identityHistory, erasureRequests: t.erasureRequests, suppressions: t.suppressions,
};
const noScan: HistoryScan = async () => [];
const counter = () => ({ n: 0, inc() { this.n++; } });
const link = (eventId: string, identifiers: CdpIdentity.Identifier[]): CdpIdentity.IdentityLink => ({ tenant: 'demo', eventId, eventTime: 1, identifiers });
const user = (value: string) => ({ type: 'user_id', value });
const anon = (value: string) => ({ type: 'anonymous_id', value });

describe('graphProcess', () => {
  const run = () => {
    const process = graphProcess(new IdentityGraph(() => DEFAULT_RULES), topics, { suppressions: new SuppressionList(), suppressed: counter(), scanHistory: noScan });
    return (l: CdpIdentity.IdentityLink): OutputRecord[] => {
      const outcome = process(l);
      if (outcome instanceof Promise || outcome.kind !== 'ok') throw new Error('rejected');
      return outcome.value;
    };
  };
  const onTopic = (out: OutputRecord[], topic: TopicSpec) => out.filter((o) => o.topic === topic);

  it('publishes the history entry first, keyed by tenant and entry, and nothing for a link that changes nothing', () => {
    const apply = run();
    const out = apply(link('e1', [user('u1'), anon('a1')]));
    const entryId = (out[0]!.value as CdpIdentity.IdentityHistoryEntry).entryId;
    expect(out[0]).toEqual({ topic: topics.history, key: `demo|${entryId}`, value: expect.objectContaining({ eventId: 'e1', firstSeen: [user('u1'), anon('a1')] }) });
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

describe('graphProcess: erasure', () => {
  const card = (value: string) => ({ type: 'loyalty_card', value });
  const request = (requestId: string, identifier: CdpIdentity.Identifier | null, state: CdpPrivacy.ErasureState = 'REQUESTED'): CdpPrivacy.ErasureRequest => ({
    tenant: 'demo', requestId, requestedAt: 1, requestedBy: 'test-key', state, identifier, personIds: [], historyEntryIds: [], identifiers: 0, kafkaTombstones: 0, clickhouseRows: 0, updatedAt: 1, doneAt: null, detail: null,
  });
  const asRequest = { topic: topics.erasureRequests.name } as IncomingRecord;
  const setup = (scan: HistoryScan = noScan) => {
    const graph = new IdentityGraph(() => DEFAULT_RULES);
    const suppressions = new SuppressionList();
    const suppressed = counter();
    const process = graphProcess(graph, topics, { suppressions, suppressed, scanHistory: scan, now: () => 500 });
    const apply = async (value: unknown, record?: IncomingRecord) => {
      const outcome = await process(value, record);
      if (outcome.kind !== 'ok') throw new Error('rejected');
      return outcome.value;
    };
    return { graph, suppressions, suppressed, apply };
  };
  const onTopic = (out: OutputRecord[], topic: TopicSpec) => out.filter((o) => o.topic === topic);

  it('tombstones every identifier, merge and history entry of the person, suppresses its identifiers, and names its persons', async () => {
    const scanned: { keys: string[]; persons: string[] }[] = [];
    const { graph, suppressions, apply } = setup(async (_tenant, keys, persons) => {
      scanned.push({ keys: [...keys].sort(), persons: [...persons].sort() });
      return ['old-entry'];
    });
    const first = await apply(link('e1', [user('u1'), anon('a1')]));
    await apply(link('e2', [user('u1'), card('c1')]));
    await apply(link('e3', [anon('someone-else')]));
    const out = await apply(request('er1', card('c1')), asRequest);
    const ids = ['demo|anonymous_id|a1', 'demo|loyalty_card|c1', 'demo|user_id|u1'];
    expect(onTopic(out, topics.suppressions).map((o) => o.key).sort()).toEqual(ids);
    expect(onTopic(out, topics.assignments)).toEqual(ids.map(() => ({ topic: topics.assignments, key: expect.any(String), value: null })));
    expect(onTopic(out, topics.assignments).map((o) => o.key).sort()).toEqual(ids);
    expect(onTopic(out, topics.merges).map((o) => [o.key, o.value])).toEqual([personIdOf('demo', anon('a1')), personIdOf('demo', card('c1'))].sort().map((p) => [`demo|${p}`, null]));
    // The scan's entries and the ones this process wrote lately (which a scan may not see yet).
    const recentEntry = (first[0]!.value as CdpIdentity.IdentityHistoryEntry).entryId;
    expect(onTopic(out, topics.history).map((o) => o.key).sort()).toEqual(expect.arrayContaining(['demo|old-entry', `demo|${recentEntry}`]));
    expect(onTopic(out, topics.history).every((o) => o.value === null)).toBe(true);
    expect(scanned).toEqual([{ keys: ids, persons: [personIdOf('demo', anon('a1')), personIdOf('demo', card('c1')), personIdOf('demo', user('u1'))].sort() }]);
    const last = out[out.length - 1]!;
    expect(last.topic).toBe(topics.erasureRequests);
    expect(last.value).toEqual(expect.objectContaining({ state: 'IDENTITY_ERASED', identifier: null, identifiers: 3, personIds: scanned[0]!.persons, kafkaTombstones: out.length - 4 }));
    expect(graph.personOf('demo', user('u1'))).toBeUndefined();
    expect(suppressions.size).toBe(3);
  });

  it('drops later links of the erased identifiers, finishes a request again from its suppressions after a crash, and lifts them on withdrawal', async () => {
    const { graph, suppressions, suppressed, apply } = setup();
    await apply(link('e1', [user('u1'), anon('a1')]));
    await apply(request('er1', user('u1')), asRequest);
    expect(await apply(link('e2', [anon('a1'), anon('new-device')]))).toEqual([]);
    expect(suppressed.n).toBe(1);
    expect(graph.personOf('demo', anon('new-device'))).toBeUndefined();
    // The same request again (read again after a crash): the person is gone, the suppressions say who it was.
    const again = await apply(request('er1', user('u1')), asRequest);
    expect(again[again.length - 1]!.value).toEqual(expect.objectContaining({ state: 'IDENTITY_ERASED', identifiers: 2, personIds: [personIdOf('demo', anon('a1')), personIdOf('demo', user('u1'))].sort() }));
    const withdrawn = await apply(request('er1', null, 'WITHDRAWN'), asRequest);
    expect(withdrawn.map((o) => [o.topic, o.key, o.value])).toEqual(expect.arrayContaining([[topics.suppressions, 'demo|user_id|u1', null], [topics.suppressions, 'demo|anonymous_id|a1', null]]));
    expect(suppressions.size).toBe(0);
    expect(await apply(link('e3', [anon('a1')]))).not.toEqual([]);
  });

  it('answers NOT_FOUND for an identifier no person holds and suppresses it; ignores the states others write', async () => {
    const { suppressions, apply } = setup();
    const out = await apply(request('er2', card('never-seen')), asRequest);
    expect(out.map((o) => o.topic)).toEqual([topics.suppressions, topics.erasureRequests]);
    expect(out[1]!.value).toEqual(expect.objectContaining({ state: 'NOT_FOUND', identifier: null }));
    expect(suppressions.suppressedBy('demo', [card('never-seen')])).toBe('er2');
    expect(await apply(request('er2', null, 'DONE'), asRequest)).toEqual([]);
    expect(await apply(request('er2', null, 'IDENTITY_ERASED'), asRequest)).toEqual([]);
  });
});
