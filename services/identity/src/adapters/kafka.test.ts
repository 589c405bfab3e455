import { IdentifierBlockList, SuppressionList, topicsWithPrefix, type CdpIdentity, type CdpPrivacy, type IncomingRecord, type OutputRecord, type TopicSpec } from '@cdp/plumbing';
import { IdentityGraph, personIdOf } from '../core/graph';
import { DEFAULT_RULES } from '../core/rules';
import { graphProcess, type HistoryReader, type IdentityTopics } from './kafka';

const t = topicsWithPrefix('');
const topics: IdentityTopics = {
  inputs: [t.webEvents], resolved: t.resolvedEvents, links: t.identityLinks, assignments: t.identifierAssignments,
  merges: t.personMerges, conflicts: t.identityConflicts, history: t.identityHistory, erasureRequests: t.erasureRequests, suppressions: t.suppressions, blocks: t.identifierBlocks,
};
const noHistory: HistoryReader = async () => [];
const depsOf = (readHistory: HistoryReader = noHistory) => ({ suppressions: new SuppressionList(), suppressed: counter(), readHistory, blocks: new IdentifierBlockList(), rulesOf: () => DEFAULT_RULES });
const counter = () => ({ n: 0, inc() { this.n++; } });
const link = (eventId: string, identifiers: CdpIdentity.Identifier[]): CdpIdentity.IdentityLink => ({ tenant: 'demo', eventId, eventTime: 1, identifiers });
const user = (value: string) => ({ type: 'user_id', value });
const anon = (value: string) => ({ type: 'anonymous_id', value });

describe('graphProcess', () => {
  const run = () => {
    const process = graphProcess(new IdentityGraph(() => DEFAULT_RULES), topics, depsOf());
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
  const setup = (read: HistoryReader = noHistory) => {
    const graph = new IdentityGraph(() => DEFAULT_RULES);
    const deps = depsOf(read);
    const { suppressions, suppressed } = deps;
    const process = graphProcess(graph, topics, { ...deps, now: () => 500 });
    const apply = async (value: unknown, record?: IncomingRecord) => {
      const outcome = await process(value, record);
      if (outcome.kind !== 'ok') throw new Error('rejected');
      return outcome.value;
    };
    return { graph, suppressions, suppressed, apply };
  };
  const onTopic = (out: OutputRecord[], topic: TopicSpec) => out.filter((o) => o.topic === topic);

  it('tombstones every identifier, merge and history entry of the person, suppresses its identifiers, and names its persons', async () => {
    // On the topic: an entry that names the person's card, and one of someone else.
    const stored = (entryId: string, identifiers: CdpIdentity.Identifier[], personId: string): CdpIdentity.IdentityHistoryEntry => ({
      tenant: 'demo', entryId, eventId: entryId, eventTime: 1, appliedAt: 1, identifiers, personId, firstSeen: [], joins: [], refusals: [], split: null,
    });
    const onTopicEntries = [stored('old-entry', [card('c1')], 'p_old'), stored('other-entry', [anon('b9')], 'p_b9')];
    const { graph, suppressions, apply } = setup(async (_tenant, wanted) => onTopicEntries.filter(wanted));
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
    expect(onTopic(out, topics.history).map((o) => o.key)).not.toContain('demo|other-entry');
    expect(onTopic(out, topics.history).every((o) => o.value === null)).toBe(true);
    const last = out[out.length - 1]!;
    expect(last.topic).toBe(topics.erasureRequests);
    expect(last.value).toEqual(expect.objectContaining({ state: 'IDENTITY_ERASED', identifier: null, identifiers: 3, personIds: [personIdOf('demo', anon('a1')), personIdOf('demo', card('c1')), personIdOf('demo', user('u1'))].sort(), kafkaTombstones: out.length - 4 }));
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

describe('graphProcess: blocking an identifier value', () => {
  const card = (value: string) => ({ type: 'loyalty_card', value });
  const email = (value: string) => ({ type: 'email_hash', value });
  const asBlock = { topic: topics.blocks.name } as IncomingRecord;
  const request = (state: CdpIdentity.IdentifierBlockState, requestedAt = 100): CdpIdentity.IdentifierBlock => ({
    tenant: 'demo', identifier: email('family'), state, reason: 'shared family e-mail', requestedBy: 'test-key', requestedAt, updatedAt: requestedAt, personBefore: null, personsAfter: [], detail: null,
  });
  const setup = () => {
    const graph = new IdentityGraph(() => DEFAULT_RULES);
    // The history topic as the writer published it (the reader sees what was sent).
    const published: CdpIdentity.IdentityHistoryEntry[] = [];
    const deps = depsOf(async (tenant, wanted) => published.filter((e) => e.tenant === tenant && wanted(e)));
    let clock = 1000;
    const process = graphProcess(graph, topics, { ...deps, now: () => clock++ });
    const apply = async (value: unknown, record?: IncomingRecord) => {
      const outcome = await process(value, record);
      if (outcome.kind !== 'ok') throw new Error('rejected');
      for (const o of outcome.value) if (o.topic === topics.history && o.value) published.push(o.value as CdpIdentity.IdentityHistoryEntry);
      return outcome.value;
    };
    return { graph, deps, apply };
  };

  it('splits two customers glued by a family e-mail, keeps the value out of later links, and joins them again when undone', async () => {
    const { graph, deps, apply } = setup();
    await apply(link('e1', [card('anna'), anon('a1')]));
    await apply(link('e2', [card('bob'), anon('b1')]));
    await apply(link('e3', [anon('a1'), email('family')]));
    // Bob's newsletter sign-up with the same e-mail: refused (two loyalty cards), so his browser alone joins.
    await apply(link('e4', [anon('b9'), email('family')]));
    const glued = graph.personOf('demo', anon('b9'))!;
    expect(graph.personOf('demo', anon('a1'))).toBe(glued);

    const out = await apply(request('BLOCK_REQUESTED'), asBlock);
    const last = out[out.length - 1]!;
    expect(last.topic).toBe(topics.blocks);
    expect(last.key).toBe('demo|email_hash|family');
    expect(last.value).toEqual(expect.objectContaining({ state: 'BLOCKED', personBefore: glued }));
    expect(out[0]!.value).toEqual(expect.objectContaining({ identifiers: [], split: expect.objectContaining({ action: 'BLOCKED', blocked: email('family'), reason: 'shared family e-mail', personBefore: glued }) }));
    expect(out).toContainEqual({ topic: topics.assignments, key: 'demo|email_hash|family', value: null });
    expect(graph.personOf('demo', email('family'))).toBeUndefined();
    expect(graph.personOf('demo', anon('b9'))).not.toBe(graph.personOf('demo', anon('a1')));
    // The browser that only the e-mail tied to Anna is a person of its own again, with a merge record saying so.
    const b9 = personIdOf('demo', anon('b9'));
    expect(graph.personOf('demo', anon('b9'))).toBe(b9);
    expect(out).toContainEqual(expect.objectContaining({ topic: topics.merges, key: `demo|${b9}`, value: expect.objectContaining({ fromPersonId: b9, toPersonId: b9 }) }));
    expect((last.value as CdpIdentity.IdentifierBlock).personsAfter).toEqual(expect.arrayContaining([b9, glued]));

    // The value links no one while blocked, even from a stitcher that has not seen the block.
    expect(deps.blocks.isBlocked('demo', email('family'))).toBe(true);
    await apply(link('e5', [anon('b9'), email('family'), anon('a1')]));
    expect(graph.personOf('demo', anon('b9'))).toBe(graph.personOf('demo', anon('a1')));
    expect(graph.personOf('demo', email('family'))).toBeUndefined();
  });

  it('restores the merge when the block is undone, and says so in the history', async () => {
    const { graph, apply } = setup();
    await apply(link('e1', [card('anna'), anon('a1')]));
    await apply(link('e2', [anon('b9'), email('family')]));
    await apply(link('e3', [anon('a1'), email('family')]));
    const glued = graph.personOf('demo', anon('b9'));
    await apply(request('BLOCK_REQUESTED'), asBlock);
    expect(graph.personOf('demo', anon('b9'))).not.toBe(graph.personOf('demo', anon('a1')));
    const out = await apply(request('UNBLOCK_REQUESTED', 200), asBlock);
    expect(graph.personOf('demo', anon('b9'))).toBe(glued);
    expect(graph.personOf('demo', email('family'))).toBe(glued);
    const entries = out.filter((o) => o.topic === topics.history).map((o) => o.value as CdpIdentity.IdentityHistoryEntry);
    expect(entries[entries.length - 1]!.split).toEqual(expect.objectContaining({ action: 'UNBLOCKED', personBefore: glued }));
    expect(out[out.length - 1]!.value).toEqual(expect.objectContaining({ state: 'UNBLOCKED', personBefore: glued, personsAfter: [glued] }));
  });

  it('blocks a value no person holds, and ignores the records it writes itself', async () => {
    const { graph, apply } = setup();
    const out = await apply(request('BLOCK_REQUESTED'), asBlock);
    expect(out).toEqual([{ topic: topics.blocks, key: 'demo|email_hash|family', value: expect.objectContaining({ state: 'BLOCKED', personBefore: null, personsAfter: [] }) }]);
    expect(await apply(out[0]!.value, asBlock)).toEqual([]);
    await apply(link('e1', [anon('a1'), email('family')]));
    expect(graph.personOf('demo', email('family'))).toBeUndefined();
  });
});
