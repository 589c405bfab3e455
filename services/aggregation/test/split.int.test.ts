/**
 * Splitting a wrong merge, in ClickHouse: Anna and Bo were glued together by a shared family
 * e-mail. The graph writer (played here) publishes what a split publishes: Bo's identifiers back
 * to Bo, Bo's merge record as Bo -> Bo (a survivor again), a history entry with the split, then
 * the block as BLOCKED. The sink lands the first three; the profiles must show the two persons
 * apart from then on, although the rows by person that no longer hold are still there; the split
 * executor then deletes those and the blocked value's rows.
 */
import { personIdOf, Registry, type CdpIdentity, type ClickHouse } from '@cdp/plumbing';
import { startSplitExecutor } from '../src/adapters/split-executor';
import { assignment, MINUTE, TENANT } from './fixture';
import { createAggregationTestStack, type AggregationTestStack } from './harness';
import { pageView, shopper } from './signal-events';

let stack: AggregationTestStack;
let ch: ClickHouse;
let sink: { stop(): Promise<void> } | undefined;
let executor: { stop(): Promise<void> } | undefined;
const registry = new Registry();

beforeAll(async () => {
  stack = await createAggregationTestStack('split');
  ch = stack.ch;
  sink = await stack.startSink();
  executor = await startSplitExecutor({ clients: stack.clients, codec: stack.codec, ch, logger: stack.logger, registry, topic: stack.topics.identifierBlocks, groupId: `aggregation-${stack.run}-blocks`, settleMs: 500 });
}, 120_000);

afterAll(async () => {
  await executor?.stop();
  await sink?.stop();
  await stack?.close();
});

async function waitFor(what: string, done: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await done()); await new Promise((r) => setTimeout(r, 200))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

const count = async (sql: string, params: Record<string, unknown> = {}): Promise<number> => Number((await ch.query<{ n: string }>(sql, { t: TENANT, ...params }))[0]?.n ?? 0);
const keyOf = (a: CdpIdentity.IdentifierAssignment) => `${a.tenant}|${a.identifier.type}|${a.identifier.value}`;
const sendAssignments = (as: CdpIdentity.IdentifierAssignment[]) => stack.send(stack.topics.identifierAssignments, as.map((a) => ({ key: keyOf(a), value: a })));
const sendMerges = (ms: CdpIdentity.PersonMerge[]) => stack.send(stack.topics.personMerges, ms.map((m) => ({ key: `${m.tenant}|${m.fromPersonId}`, value: m })));

type Profile = { person_id: string; merged_person_ids: string[]; identifiers: [string, string][] };
const profileOf = async (person: string): Promise<Profile | undefined> =>
  (await ch.query<Profile>('SELECT person_id, merged_person_ids, identifiers FROM customer_profile(tenant = {t:String}, person_id = {p:String})', { t: TENANT, p: person }))[0];
const identifiersOf = async (person: string) => ((await profileOf(person))?.identifiers ?? []).map(([t, v]) => `${t}:${v}`).sort();

describe('a split in ClickHouse', () => {
  const T = Date.now() - 60 * MINUTE;
  const ua = { type: 'user_id', value: 'user-anna' };
  const ub = { type: 'user_id', value: 'user-bo' };
  const family = { type: 'email_hash', value: 'family-email-hash' };
  const anna = personIdOf(TENANT, ua);
  const bo = personIdOf(TENANT, ub);
  const annaWeb = { ...shopper('anna', 'user-anna'), person: anna };
  const boWeb = { ...shopper('bo', 'user-bo'), person: anna };
  // Events carry the user id first (strongest), so each is filed under its own user's person.
  const withUser = (e: ReturnType<typeof pageView>, id: CdpIdentity.Identifier) => ({ ...e, identifiers: [id, ...e.identifiers.filter((i) => i.type !== 'user_id')] });

  it('shows the two persons apart as soon as the new assignments and merge records land', async () => {
    // Glued: Bo's person was absorbed into Anna's through the family e-mail, his identifiers republished with her.
    const at = (minutes: number) => T + minutes * MINUTE;
    await sendAssignments([
      { ...assignment('user_id', ua.value, anna, at(0)), updatedAt: at(0) },
      { ...assignment('user_id', ub.value, bo, at(1)), updatedAt: at(1) },
      { ...assignment('anonymous_id', 'anon-bo', bo, at(1)), updatedAt: at(1) },
      { ...assignment('email_hash', family.value, anna, at(2)), updatedAt: at(2) },
      { ...assignment('user_id', ub.value, anna, at(1)), updatedAt: at(3) },
      { ...assignment('anonymous_id', 'anon-bo', anna, at(1)), updatedAt: at(3) },
    ]);
    await sendMerges([{ tenant: TENANT, fromPersonId: bo, toPersonId: anna, mergedAt: at(3), causeEventId: 'glue', link: [ub, family], viaPersonId: null }]);
    await stack.sendEvents([withUser(pageView(annaWeb, 'split-a1', at(4)), ua), withUser(pageView(boWeb, 'split-b1', at(5)), ub)]);
    await waitFor('the glued person', async () => (await profileOf(anna))?.merged_person_ids.includes(bo) === true && (await identifiersOf(anna)).length === 4);
    expect(await identifiersOf(anna)).toEqual([`anonymous_id:anon-bo`, `email_hash:${family.value}`, 'user_id:user-anna', 'user_id:user-bo']);
    expect((await profileOf(bo))?.person_id).toBe(anna);

    // The split: Bo's identifiers back to Bo, Bo a survivor again, the entry in the history.
    const splitAt = at(10);
    await sendAssignments([
      { ...assignment('user_id', ub.value, bo, at(1)), updatedAt: splitAt },
      { ...assignment('anonymous_id', 'anon-bo', bo, at(1)), updatedAt: splitAt },
    ]);
    await sendMerges([{ tenant: TENANT, fromPersonId: bo, toPersonId: bo, mergedAt: splitAt, causeEventId: 'identifier-block|BLOCKED', link: [], viaPersonId: null }]);
    const entry: CdpIdentity.IdentityHistoryEntry = {
      tenant: TENANT, entryId: 'split-h1', eventId: 'identifier-block|BLOCKED', eventTime: splitAt, appliedAt: splitAt, identifiers: [], personId: anna, firstSeen: [], joins: [], refusals: [],
      split: { action: 'BLOCKED', blocked: family, reason: 'shared family e-mail', requestedBy: 'key-ops', personBefore: anna, personsAfter: [anna, bo] },
    };
    await stack.send(stack.topics.identityHistory, [{ key: TENANT, value: entry }]);
    await waitFor('Bo apart', async () => (await profileOf(bo))?.person_id === bo);

    // Apart, while the rows that no longer hold are still there.
    expect(await count('SELECT count() AS n FROM person_identifiers WHERE tenant = {t:String} AND person_id = {p:String} AND id_value = {v:String}', { p: anna, v: ub.value })).toBe(1);
    expect(await count('SELECT count() AS n FROM person_merged_from WHERE tenant = {t:String} AND person_id = {p:String} AND old_person_id = {o:String}', { p: anna, o: bo })).toBe(1);
    expect(await profileOf(bo)).toEqual({ person_id: bo, merged_person_ids: [], identifiers: expect.anything() });
    expect(await identifiersOf(bo)).toEqual(['anonymous_id:anon-bo', 'user_id:user-bo']);
    expect(await profileOf(anna)).toMatchObject({ person_id: anna, merged_person_ids: [] });
    expect(await identifiersOf(anna)).toEqual([`email_hash:${family.value}`, 'user_id:user-anna']);

    // The history entry is filed under both persons, with the split.
    await waitFor('the split entry', async () => (await count('SELECT count() AS n FROM identity_history_by_person FINAL WHERE tenant = {t:String} AND entry_id = {e:String}', { e: 'split-h1' })) === 2);
    const byPerson = await ch.query<{ person_id: string; split: { action: string; person_before: string; persons_after: string[] } }>(
      "SELECT person_id, split FROM identity_history_by_person FINAL WHERE tenant = {t:String} AND entry_id = 'split-h1' ORDER BY person_id", { t: TENANT },
    );
    expect(byPerson.map((r) => r.person_id)).toEqual([anna, bo].sort());
    for (const r of byPerson) expect(r.split).toMatchObject({ action: 'BLOCKED', person_before: anna, persons_after: [anna, bo] });
  });

  it('deletes the rows the split left and the blocked value\'s rows once the block is BLOCKED', async () => {
    const block: CdpIdentity.IdentifierBlock = {
      tenant: TENANT, identifier: family, state: 'BLOCKED', reason: 'shared family e-mail', requestedBy: 'key-ops', requestedAt: Date.now() - 1000, updatedAt: Date.now(),
      personBefore: anna, personsAfter: [anna, bo], detail: null,
    };
    await stack.send(stack.topics.identifierBlocks, [{ key: `${TENANT}|${family.type}|${family.value}`, value: block }]);
    const splits = async () => (await registry.getSingleMetric('aggregation_identity_splits_total')!.get()).values.find((v) => v.labels.action === 'BLOCKED')?.value ?? 0;
    await waitFor('the split carried out', async () => (await splits()) === 1);

    expect(await ch.query('SELECT DISTINCT person_id, id_type, id_value FROM person_identifiers WHERE tenant = {t:String} ORDER BY person_id, id_type, id_value', { t: TENANT })).toEqual(
      [
        { person_id: anna, id_type: 'user_id', id_value: 'user-anna' },
        { person_id: bo, id_type: 'anonymous_id', id_value: 'anon-bo' },
        { person_id: bo, id_type: 'user_id', id_value: 'user-bo' },
      ].sort((a, b) => a.person_id.localeCompare(b.person_id) || a.id_type.localeCompare(b.id_type)),
    );
    // Neither Bo under Anna nor Bo -> Bo.
    expect(await count('SELECT count() AS n FROM person_merged_from WHERE tenant = {t:String}')).toBe(0);
    expect(await count('SELECT count() AS n FROM identities WHERE tenant = {t:String} AND id_value = {v:String}', { v: family.value })).toBe(0);
    // The merge records themselves stay: Bo -> Bo says Bo is a survivor again.
    expect(await count('SELECT count() AS n FROM person_overrides FINAL WHERE tenant = {t:String} AND old_person_id = {o:String} AND person_id = {o:String}', { o: bo })).toBe(1);
    expect(await identifiersOf(anna)).toEqual(['user_id:user-anna']);
    expect(await identifiersOf(bo)).toEqual(['anonymous_id:anon-bo', 'user_id:user-bo']);
    // Each event is its own person's again: Bo's was filed under Bo's first person all along.
    expect(await count('SELECT events AS n FROM customer_profiles WHERE tenant = {t:String} AND person_id = {p:String}', { p: bo })).toBe(1);
    expect(await count('SELECT events AS n FROM customer_profiles WHERE tenant = {t:String} AND person_id = {p:String}', { p: anna })).toBe(1);
  });
});
