/**
 * The erasure routes in process (fastify's inject), with the topic replaced by a book and a list of
 * what was written: scopes, the tenant from the key, the body checked field by field, what a
 * caller is shown, withdraw's 404 and 409, and the methods each path serves. The same routes
 * against Kafka: test/erasures.int.test.ts.
 */
import { createHash } from 'node:crypto';
import { DEVELOPMENT_SALT, hashEmail, TransientError, type CdpPrivacy } from '@cdp/plumbing';
import { buildHttpApp } from './http';
import { parseApiKeys } from '../core/api-keys';
import { ErasureBook, erasureKey, requestedRecord } from '../core/erasures';
import { offlineAppOptions } from '../openapi';
import { callerOf, type Method } from '../test-support';

const sha = (key: string) => createHash('sha256').update(key).digest('hex');
const keys = parseApiKeys(
  {
    keys: [
      { name: 'privacy-desk', sha256: sha('privacy-key'), tenant: 'demo', scopes: ['erasure'] },
      { name: 'clerk', sha256: sha('clerk-key'), tenant: 'demo', scopes: ['profile:read'] },
      { name: 'other-desk', sha256: sha('other-key'), tenant: 'other', scopes: ['erasure'] },
    ],
  },
  'test',
);

const NOW = Date.UTC(2026, 11, 1, 12);

function appWith({ failWrites = false } = {}) {
  const book = new ErasureBook();
  const written: CdpPrivacy.ErasureRequest[] = [];
  const app = buildHttpApp({
    ...offlineAppOptions(keys),
    erasures: {
      book,
      write: async (r) => {
        if (failWrites) throw new TransientError('send to privacy.erasure-requests.v1: broker not available');
        written.push(r);
        book.upsert(erasureKey(r.tenant, r.requestId), r);
        return true;
      },
    },
    salt: DEVELOPMENT_SALT,
    ready: () => true,
    now: () => NOW,
  });
  const call = callerOf(app);
  return { app, book, written, call };
}

const erase = (value: unknown, type = 'loyalty_card') => ({ identifier: { type, value } });

describe('POST /v1/erasures', () => {
  it('writes REQUESTED for the key\'s tenant, by the key\'s name, with a clear e-mail hashed as ingest hashes it; 202 with where to follow it', async () => {
    const { written, call } = appWith();
    const res = await call('POST', '/v1/erasures', 'privacy-key', erase('Anna@Example.com', 'email'));
    expect(res.status).toBe(202);
    const requestId = res.body.requestId as string;
    expect(requestId).toMatch(/^er_[0-9a-f-]{36}$/);
    expect(res.body).toEqual({ requestId, state: 'REQUESTED', location: `/v1/erasures/${requestId}` });
    expect(res.headers.location).toBe(`/v1/erasures/${requestId}`);
    expect(written).toEqual([
      {
        tenant: 'demo',
        requestId,
        requestedAt: NOW,
        requestedBy: 'privacy-desk',
        state: 'REQUESTED',
        identifier: { type: 'email_hash', value: hashEmail(DEVELOPMENT_SALT, 'anna@example.com') },
        personIds: [],
        historyEntryIds: [],
        identifiers: 0,
        kafkaTombstones: 0,
        clickhouseRows: 0,
        updatedAt: NOW,
        doneAt: null,
        detail: null,
      },
    ]);
  });

  it('401 without a known key, 403 without the erasure scope; nothing written', async () => {
    const { written, call } = appWith();
    expect((await call('POST', '/v1/erasures', null, erase('LC-1'))).status).toBe(401);
    const forbidden = await call('POST', '/v1/erasures', 'clerk-key', erase('LC-1'));
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.message).toContain('erasure');
    expect(written).toEqual([]);
  });

  it('400 naming the field and the reason; nothing written, no type coerced', async () => {
    const { written, call } = appWith();
    const cases: [unknown, string, RegExp][] = [
      [{}, 'identifier', /identifier is required/],
      [{ identifier: { type: 'loyalty_card', value: 1234 } }, 'identifier.value', /must be a string, not a number/],
      [erase('LC-1', 'shoe_size'), 'identifier.type', /must be one of/],
      [erase('nobody', 'email'), 'identifier.value', /e-mail address/],
      [{ ...erase('LC-1'), tenant: 'other' }, 'tenant', /not a field/],
      [[1, 2], 'body', /JSON object/],
    ];
    for (const [payload, parameter, message] of cases) {
      const res = await call('POST', '/v1/erasures', 'privacy-key', payload);
      expect({ payload, status: res.status, error: res.body.error, parameter: res.body.parameter }).toEqual({ payload, status: 400, error: 'invalid_parameter', parameter });
      expect(res.body.message).toMatch(message);
    }
    expect(written).toEqual([]);
  });

  it('503 with Retry-After when Kafka does not take the record', async () => {
    const { call } = appWith({ failWrites: true });
    const res = await call('POST', '/v1/erasures', 'privacy-key', erase('LC-1'));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.body.message).toMatch(/could not be written/);
  });
});

describe('GET /v1/erasures', () => {
  it('shows the newest state with its counts and never whom it names; another tenant\'s request is 404', async () => {
    const { book, call } = appWith();
    const posted = await call('POST', '/v1/erasures', 'privacy-key', erase('LC-SECRET'));
    const requestId = posted.body.requestId as string;
    const key = erasureKey('demo', requestId);
    const requested = book.get('demo', requestId)!;
    book.upsert(key, { ...requested, state: 'IDENTITY_ERASED', identifier: null, personIds: ['p_secret'], historyEntryIds: ['h_secret'], identifiers: 2, kafkaTombstones: 5, updatedAt: NOW + 1000 });
    const erased = await call('GET', `/v1/erasures/${requestId}`, 'privacy-key');
    expect(erased.status).toBe(200);
    expect(erased.body).toEqual({
      requestId,
      state: 'IDENTITY_ERASED',
      requestedAt: new Date(NOW).toISOString(),
      requestedBy: 'privacy-desk',
      updatedAt: new Date(NOW + 1000).toISOString(),
      doneAt: null,
      identifiers: 2,
      kafkaTombstones: 5,
      clickhouseRows: 0,
      detail: null,
    });
    // While REQUESTED the record names the identifier: the answer still does not.
    book.upsert(key, requested);
    expect(JSON.stringify((await call('GET', `/v1/erasures/${requestId}`, 'privacy-key')).body)).not.toMatch(/SECRET|identifier"|personIds|historyEntryIds/);
    expect((await call('GET', `/v1/erasures/${requestId}`, 'other-key')).status).toBe(404);
    expect((await call('GET', '/v1/erasures/er_00000000-0000-4000-8000-000000000000', 'privacy-key')).status).toBe(404);
    const bad = await call('GET', '/v1/erasures/42', 'privacy-key');
    expect([bad.status, bad.body.parameter, bad.body.message]).toEqual([400, 'requestId', expect.stringContaining('er_ and a UUID')]);
    expect((await call('GET', `/v1/erasures/${requestId}`, 'clerk-key')).status).toBe(403);
  });

  it('lists the tenant\'s requests, newest first, up to limit', async () => {
    const { book, call } = appWith();
    for (const [tenant, id, at] of [['demo', 'er_1', 1000], ['demo', 'er_3', 3000], ['other', 'er_9', 9000], ['demo', 'er_2', 2000]] as const) {
      book.upsert(erasureKey(tenant, id), requestedRecord({ tenant, identifier: { type: 'loyalty_card', value: `LC-${id}` }, requestedBy: 'k', now: at, requestId: id }));
    }
    const list = await call('GET', '/v1/erasures', 'privacy-key');
    expect(list.status).toBe(200);
    expect((list.body.erasures as { requestId: string }[]).map((e) => e.requestId)).toEqual(['er_3', 'er_2', 'er_1']);
    expect(JSON.stringify(list.body)).not.toContain('LC-');
    expect((await call('GET', '/v1/erasures?limit=1', 'privacy-key')).body.erasures).toHaveLength(1);
    expect((await call('GET', '/v1/erasures?limit=0', 'privacy-key')).body.parameter).toBe('limit');
    expect((await call('GET', '/v1/erasures', 'other-key')).body.erasures).toEqual([expect.objectContaining({ requestId: 'er_9' })]);
  });
});

describe('DELETE /v1/erasures/{requestId}', () => {
  it('writes WITHDRAWN with the counts kept and nothing that names the person; 409 when withdrawn already, 404 when unknown', async () => {
    const { book, written, call } = appWith();
    const requestId = (await call('POST', '/v1/erasures', 'privacy-key', erase('LC-7'))).body.requestId as string;
    const key = erasureKey('demo', requestId);
    const done = { ...book.get('demo', requestId)!, state: 'DONE' as const, identifier: null, identifiers: 2, kafkaTombstones: 5, clickhouseRows: 40, updatedAt: NOW + 5, doneAt: NOW + 5 };
    book.upsert(key, done);
    expect((await call('DELETE', `/v1/erasures/${requestId}`, 'other-key')).status).toBe(404);
    expect((await call('DELETE', `/v1/erasures/${requestId}`, 'clerk-key')).status).toBe(403);
    const withdrawn = await call('DELETE', `/v1/erasures/${requestId}`, 'privacy-key');
    expect(withdrawn.status).toBe(202);
    expect(withdrawn.body).toMatchObject({ requestId, state: 'WITHDRAWN', identifiers: 2, kafkaTombstones: 5, clickhouseRows: 40, requestedBy: 'privacy-desk', detail: 'withdrawn by privacy-desk' });
    expect(written.at(-1)).toEqual({ ...done, state: 'WITHDRAWN', identifier: null, personIds: [], historyEntryIds: [], updatedAt: NOW, detail: 'withdrawn by privacy-desk' });
    const again = await call('DELETE', `/v1/erasures/${requestId}`, 'privacy-key');
    expect([again.status, again.body.error]).toEqual([409, 'conflict']);
    expect((await call('DELETE', '/v1/erasures/er_00000000-0000-4000-8000-000000000000', 'privacy-key')).status).toBe(404);
    expect(written).toHaveLength(2);
  });
});

describe('methods', () => {
  it('a method a path does not serve is 405 with the methods it does, before the key is looked at', async () => {
    const { call } = appWith();
    const cases: [string, Method, string][] = [
      ['/v1/erasures', 'PUT', 'GET, HEAD, POST'],
      ['/v1/erasures', 'DELETE', 'GET, HEAD, POST'],
      ['/v1/erasures/er_1', 'PATCH', 'GET, HEAD, DELETE'],
      ['/v1/erasures/er_1', 'POST', 'GET, HEAD, DELETE'],
      ['/v1/profiles/loyalty_card/LC-1', 'POST', 'GET, HEAD'],
      ['/v1/profiles/loyalty_card/LC-1', 'DELETE', 'GET, HEAD'],
    ];
    for (const [url, method, allow] of cases) {
      const res = await call(method, url, null);
      expect({ url, method, status: res.status, allow: res.headers.allow }).toEqual({ url, method, status: 405, allow });
    }
  });
});
