/**
 * The identifier block routes in process (fastify's inject), with the topic replaced by a book and
 * a list of what was written: the scope, the tenant from the key (another tenant's blocks are
 * never shown nor undone), the body checked field by field with the e-mail hashed, 409 and 404,
 * and the methods each path serves.
 */
import { createHash } from 'node:crypto';
import { DEVELOPMENT_SALT, hashEmail, type CdpIdentity } from '@cdp/plumbing';
import { buildHttpApp } from './http';
import { parseApiKeys } from '../core/api-keys';
import { IdentifierBlockBook } from '../core/identifier-blocks';
import { PersonDirectory } from '../core/person-directory';
import type { HistoryRow } from '../core/read-rows';
import type { ClickHouseReads } from './clickhouse-reads';
import { offlineAppOptions } from '../openapi';
import { callerOf, type Method } from '../test-support';

const sha = (key: string) => createHash('sha256').update(key).digest('hex');
const keys = parseApiKeys(
  {
    keys: [
      { name: 'identity-desk', sha256: sha('admin-key'), tenant: 'demo', scopes: ['identity:admin'] },
      { name: 'privacy-desk', sha256: sha('privacy-key'), tenant: 'demo', scopes: ['erasure', 'profile:read'] },
      { name: 'other-desk', sha256: sha('other-key'), tenant: 'other', scopes: ['identity:admin'] },
      { name: 'clerk', sha256: sha('clerk-key'), tenant: 'demo', scopes: ['profile:read'] },
    ],
  },
  'test',
);

const NOW = Date.UTC(2026, 11, 2, 9);
const FAMILY = 'Family@Example.com';
const HASHED = { type: 'email_hash', value: hashEmail(DEVELOPMENT_SALT, 'family@example.com') };
const BLOCK_URL = `/v1/identity/blocks/email/${encodeURIComponent(FAMILY)}`;

function appWith() {
  const book = new IdentifierBlockBook();
  const written: CdpIdentity.IdentifierBlock[] = [];
  const app = buildHttpApp({
    ...offlineAppOptions(keys),
    blocks: {
      book,
      write: async (b) => {
        written.push(b);
        book.set(b);
        return true;
      },
    },
    salt: DEVELOPMENT_SALT,
    ready: () => true,
    now: () => NOW,
  });
  const call = callerOf(app);
  /** What the identity graph writer writes once it has acted on the newest request. */
  const graphWriterAnswers = (tenant: string, state: 'BLOCKED' | 'UNBLOCKED', personBefore: string, personsAfter: string[]) =>
    book.set({ ...book.get(tenant, HASHED)!, state, updatedAt: NOW + 1000, personBefore, personsAfter, detail: `${state.toLowerCase()} by the graph writer` });
  return { book, written, call, graphWriterAnswers };
}

const block = (value: unknown, reason: unknown = 'family e-mail', type = 'email') => ({ identifier: { type, value }, reason });

describe('POST /v1/identity/blocks', () => {
  it('writes BLOCK_REQUESTED for the key\'s tenant, by the key\'s name, the e-mail hashed as ingest hashes it; 202 with the record and where to follow it', async () => {
    const { written, call } = appWith();
    const res = await call('POST', '/v1/identity/blocks', 'admin-key', block(FAMILY));
    expect(res.status).toBe(202);
    expect(written).toEqual([{ tenant: 'demo', identifier: HASHED, state: 'BLOCK_REQUESTED', reason: 'family e-mail', requestedBy: 'identity-desk', requestedAt: NOW, updatedAt: NOW, personBefore: null, personsAfter: [], detail: null }]);
    const at = new Date(NOW).toISOString();
    expect(res.body).toEqual({ identifier: HASHED, state: 'BLOCK_REQUESTED', reason: 'family e-mail', requestedBy: 'identity-desk', requestedAt: at, updatedAt: at, personBefore: null, personsAfter: [], detail: null });
    expect(res.headers.location).toBe(`/v1/identity/blocks/email_hash/${HASHED.value}`);
    expect((await call('GET', res.headers.location as string, 'admin-key')).body.state).toBe('BLOCK_REQUESTED');
  });

  it('401 without a known key, 403 without the identity:admin scope; nothing written', async () => {
    const { written, call } = appWith();
    expect((await call('POST', '/v1/identity/blocks', null, block(FAMILY))).status).toBe(401);
    const forbidden = await call('POST', '/v1/identity/blocks', 'privacy-key', block(FAMILY));
    expect([forbidden.status, forbidden.body.message]).toEqual([403, expect.stringContaining('identity:admin')]);
    expect((await call('GET', '/v1/identity/blocks', 'privacy-key')).status).toBe(403);
    expect(written).toEqual([]);
  });

  it('400 naming the field and the reason; nothing written, no type coerced', async () => {
    const { written, call } = appWith();
    const cases: [unknown, string, RegExp][] = [
      [{ identifier: { type: 'email', value: FAMILY } }, 'reason', /is required/],
      [block(FAMILY, ''), 'reason', /must not be empty/],
      [block(FAMILY, 'x'.repeat(501)), 'reason', /at most 500/],
      [block(FAMILY, 42), 'reason', /must be a string, not a number/],
      [block(FAMILY, `shared by ${FAMILY}`), 'reason', /personal data/],
      [block('LC-1', 'shared card', 'shoe_size'), 'identifier.type', /must be one of/],
      [block('p_1', 'x', 'person_id'), 'identifier.type', /person_id is not one/],
      [block('nobody'), 'identifier.value', /e-mail address/],
      [{ ...block(FAMILY), tenant: 'other' }, 'tenant', /not a field/],
      [[FAMILY], 'body', /JSON object/],
    ];
    for (const [payload, parameter, message] of cases) {
      const res = await call('POST', '/v1/identity/blocks', 'admin-key', payload);
      expect({ payload, status: res.status, error: res.body.error, parameter: res.body.parameter }).toEqual({ payload, status: 400, error: 'invalid_parameter', parameter });
      expect(res.body.message).toMatch(message);
    }
    expect(written).toEqual([]);
  });

  it('409 when the value is blocked already or its undo is in progress; another tenant blocks the same value for itself', async () => {
    const { written, call, graphWriterAnswers } = appWith();
    await call('POST', '/v1/identity/blocks', 'admin-key', block(FAMILY));
    const again = await call('POST', '/v1/identity/blocks', 'admin-key', block(FAMILY));
    expect([again.status, again.body.error, again.body.message]).toEqual([409, 'conflict', expect.stringContaining('blocked already (BLOCK_REQUESTED')]);
    graphWriterAnswers('demo', 'BLOCKED', 'p_family', ['p_anna', 'p_ben']);
    expect((await call('POST', '/v1/identity/blocks', 'admin-key', block(FAMILY))).status).toBe(409);
    await call('DELETE', BLOCK_URL, 'admin-key');
    const undoing = await call('POST', '/v1/identity/blocks', 'admin-key', block(FAMILY));
    expect([undoing.status, undoing.body.message]).toEqual([409, expect.stringContaining('UNBLOCK_REQUESTED')]);
    graphWriterAnswers('demo', 'UNBLOCKED', 'p_family', ['p_anna', 'p_ben']);
    expect((await call('POST', '/v1/identity/blocks', 'admin-key', block(FAMILY, 'blocked again'))).status).toBe(202);
    expect((await call('POST', '/v1/identity/blocks', 'other-key', block(FAMILY))).status).toBe(202);
    expect(written.map((b) => [b.tenant, b.state])).toEqual([['demo', 'BLOCK_REQUESTED'], ['demo', 'UNBLOCK_REQUESTED'], ['demo', 'BLOCK_REQUESTED'], ['other', 'BLOCK_REQUESTED']]);
  });
});

describe('GET /v1/identity/blocks', () => {
  it('a block with the persons before and after once the graph writer has split them; another tenant\'s is 404', async () => {
    const { call, graphWriterAnswers } = appWith();
    await call('POST', '/v1/identity/blocks', 'admin-key', block(FAMILY));
    graphWriterAnswers('demo', 'BLOCKED', 'p_family', ['p_anna', 'p_ben']);
    const res = await call('GET', BLOCK_URL, 'admin-key');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ identifier: HASHED, state: 'BLOCKED', personBefore: 'p_family', personsAfter: ['p_anna', 'p_ben'], detail: 'blocked by the graph writer', updatedAt: new Date(NOW + 1000).toISOString() });
    // The hash as the answer names it finds the same block.
    expect((await call('GET', `/v1/identity/blocks/email_hash/${HASHED.value}`, 'admin-key')).body.state).toBe('BLOCKED');
    expect((await call('GET', BLOCK_URL, 'other-key')).status).toBe(404);
    expect((await call('GET', '/v1/identity/blocks/loyalty_card/LC-1', 'admin-key')).status).toBe(404);
    const bad = await call('GET', '/v1/identity/blocks/email/nobody', 'admin-key');
    expect([bad.status, bad.body.parameter]).toEqual([400, 'value']);
    expect((await call('GET', '/v1/identity/blocks/person_id/p_1', 'admin-key')).body.parameter).toBe('type');
  });

  it('lists the tenant\'s blocks, blocked or undone, newest first, up to limit', async () => {
    const { book, call } = appWith();
    for (const [tenant, value, at, state] of [['demo', 'LC-1', 1000, 'BLOCKED'], ['demo', 'LC-3', 3000, 'UNBLOCKED'], ['other', 'LC-9', 9000, 'BLOCKED'], ['demo', 'LC-2', 2000, 'BLOCK_REQUESTED']] as const) {
      book.set({ tenant, identifier: { type: 'loyalty_card', value }, state, reason: 'shared card', requestedBy: 'k', requestedAt: at, updatedAt: at, personBefore: null, personsAfter: [], detail: null });
    }
    const list = await call('GET', '/v1/identity/blocks', 'admin-key');
    expect(list.status).toBe(200);
    expect((list.body.blocks as { identifier: { value: string }; state: string }[]).map((b) => [b.identifier.value, b.state])).toEqual([['LC-3', 'UNBLOCKED'], ['LC-2', 'BLOCK_REQUESTED'], ['LC-1', 'BLOCKED']]);
    expect(JSON.stringify(list.body)).not.toContain('LC-9');
    expect((await call('GET', '/v1/identity/blocks?limit=1', 'admin-key')).body.blocks).toHaveLength(1);
    expect((await call('GET', '/v1/identity/blocks?limit=0', 'admin-key')).body.parameter).toBe('limit');
    expect((await call('GET', '/v1/identity/blocks', 'other-key')).body.blocks).toEqual([expect.objectContaining({ identifier: { type: 'loyalty_card', value: 'LC-9' } })]);
  });
});

describe('DELETE /v1/identity/blocks/{type}/{value}', () => {
  it('writes UNBLOCK_REQUESTED by this key once BLOCKED; 409 before, 404 when not blocked or another tenant\'s', async () => {
    const { written, call, graphWriterAnswers } = appWith();
    expect((await call('DELETE', BLOCK_URL, 'admin-key')).status).toBe(404);
    await call('POST', '/v1/identity/blocks', 'other-key', block(FAMILY));
    graphWriterAnswers('other', 'BLOCKED', 'p_x', ['p_y', 'p_z']);
    const notOurs = await call('DELETE', BLOCK_URL, 'admin-key');
    expect([notOurs.status, notOurs.body.message]).toEqual([404, expect.stringContaining('never been blocked')]);
    await call('POST', '/v1/identity/blocks', 'admin-key', block(FAMILY));
    const early = await call('DELETE', BLOCK_URL, 'admin-key');
    expect([early.status, early.body.message]).toEqual([409, expect.stringContaining('BLOCK_REQUESTED')]);
    graphWriterAnswers('demo', 'BLOCKED', 'p_family', ['p_anna', 'p_ben']);
    expect((await call('DELETE', BLOCK_URL, 'privacy-key')).status).toBe(403);
    const undone = await call('DELETE', `${BLOCK_URL}?reason=${encodeURIComponent('one person after all')}`, 'admin-key');
    expect(undone.status).toBe(202);
    expect(undone.body).toMatchObject({ identifier: HASHED, state: 'UNBLOCK_REQUESTED', reason: 'one person after all', requestedBy: 'identity-desk', personBefore: null, personsAfter: [] });
    expect(written.at(-1)).toMatchObject({ tenant: 'demo', identifier: HASHED, state: 'UNBLOCK_REQUESTED', requestedAt: NOW, updatedAt: NOW });
    const again = await call('DELETE', BLOCK_URL, 'admin-key');
    expect([again.status, again.body.message]).toEqual([404, expect.stringContaining('not blocked (UNBLOCK_REQUESTED)')]);
    // The other tenant's block of the same value is untouched.
    expect((await call('GET', BLOCK_URL, 'other-key')).body.state).toBe('BLOCKED');
  });

  it('an undo without a reason keeps the block\'s; a reason holding the value is refused', async () => {
    const { call, graphWriterAnswers } = appWith();
    await call('POST', '/v1/identity/blocks', 'admin-key', block(FAMILY));
    graphWriterAnswers('demo', 'BLOCKED', 'p_family', ['p_anna', 'p_ben']);
    const leaky = await call('DELETE', `${BLOCK_URL}?reason=${encodeURIComponent(`undo ${FAMILY}`)}`, 'admin-key');
    expect([leaky.status, leaky.body.parameter]).toEqual([400, 'reason']);
    expect((await call('DELETE', BLOCK_URL, 'admin-key')).body).toMatchObject({ state: 'UNBLOCK_REQUESTED', reason: 'family e-mail' });
  });
});

describe('GET /v1/profiles/{type}/{value}/explain', () => {
  it('shows a split through the response schema: the block, who asked and why, the persons before and after, and its place among the merges', async () => {
    const directory = new PersonDirectory();
    directory.setAssignment({ tenant: 'demo', identifier: { type: 'user_id', value: 'u_ben' }, personId: 'p_ben', firstSeen: 0, updatedAt: 0 });
    const row = (patch: Partial<HistoryRow>): HistoryRow => ({ entry_id: 'h', event_id: 'e', event_time: NOW, applied_at: NOW, identifiers: [], person_id: 'p_anna', first_seen: [], joins: [], refusals: [], split: { action: '', blocked: { type: '', value: '' }, reason: '', requested_by: '', person_before: '', persons_after: [] }, ...patch });
    const history = [
      row({ entry_id: 'h1', event_id: 'e1', joins: [{ survivor_person_id: 'p_anna', absorbed_person_id: 'p_ben', identifiers: [{ type: 'user_id', value: 'u_ben' }], carried_person_ids: [] }] }),
      row({ entry_id: 'h2', event_id: 'block', applied_at: NOW + 1000, split: { action: 'BLOCKED', blocked: HASHED, reason: 'family e-mail', requested_by: 'identity-desk', person_before: 'p_anna', persons_after: ['p_anna', 'p_ben'] } }),
    ];
    const asked: string[][] = [];
    const reads = { history: async () => history, conflicts: async () => [], eventSummaries: async (_t: string, _p: readonly string[], ids: readonly string[]) => (asked.push([...ids]), []) } as unknown as ClickHouseReads;
    const app = buildHttpApp({ ...offlineAppOptions(keys), directory, reads, salt: DEVELOPMENT_SALT, ready: () => true, now: () => NOW });
    const res = await callerOf(app)('GET', '/v1/profiles/user_id/u_ben/explain', 'clerk-key');
    expect(res.status).toBe(200);
    expect(res.body.splits).toEqual([
      { appliedAt: new Date(NOW + 1000).toISOString(), action: 'BLOCKED', blocked: HASHED, reason: 'family e-mail', requestedBy: 'identity-desk', personBefore: 'p_anna', personsAfter: ['p_anna', 'p_ben'], summary: expect.stringContaining('blocked by identity-desk ("family e-mail"): person p_anna was split into p_anna, p_ben') },
    ]);
    expect((res.body.steps as { kind: string }[]).map((s) => s.kind)).toEqual(['merge', 'blocked']);
    // The split's entry names no event to look up.
    expect(asked).toEqual([['e1']]);
  });
});

describe('methods', () => {
  it('a method a path does not serve is 405 with the methods it does, before the key is looked at', async () => {
    const { call } = appWith();
    const cases: [string, Method, string][] = [
      ['/v1/identity/blocks', 'PUT', 'GET, HEAD, POST'],
      ['/v1/identity/blocks', 'DELETE', 'GET, HEAD, POST'],
      [BLOCK_URL, 'PATCH', 'GET, HEAD, DELETE'],
      [BLOCK_URL, 'POST', 'GET, HEAD, DELETE'],
    ];
    for (const [url, method, allow] of cases) {
      const res = await call(method, url, null);
      expect({ url, method, status: res.status, allow: res.headers.allow }).toEqual({ url, method, status: 405, allow });
    }
  });
});
