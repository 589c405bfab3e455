import { DEVELOPMENT_SALT, hashEmail, hashMac, hashPhone, type CdpPrivacy } from '@cdp/plumbing';
import { ErasureBook, erasureBodyOf, erasureIdentifierOf, erasureKey, erasureViewOf, newRequestId, REQUEST_ID_PATTERN, requestedRecord, withdrawnRecord, withdrawRefusalOf } from './erasures';
import { refusalOf } from '../test-support';

const salt = DEVELOPMENT_SALT;

/** A record as the graph writer and aggregation write it further on. */
const later = (r: CdpPrivacy.ErasureRequest, patch: Partial<CdpPrivacy.ErasureRequest>): CdpPrivacy.ErasureRequest => ({ ...r, ...patch });

describe('erasureBodyOf', () => {
  it('hashes a clear e-mail, phone and MAC exactly as ingest does, and takes other identifiers as they are', () => {
    expect(erasureBodyOf({ identifier: { type: 'email', value: ' Anna.Virtanen@Example.FI ' } }, salt)).toEqual({ type: 'email_hash', value: hashEmail(salt, 'anna.virtanen@example.fi') });
    expect(erasureBodyOf({ identifier: { type: 'phone', value: '+358 40 123 4567' } }, salt)).toEqual({ type: 'phone_hash', value: hashPhone(salt, '+358401234567') });
    expect(erasureBodyOf({ identifier: { type: 'mac', value: 'AA:BB:CC:DD:EE:FF' } }, salt)).toEqual({ type: 'wifi_mac_hash', value: hashMac(salt, 'aabbccddeeff') });
    expect(erasureBodyOf({ identifier: { type: 'loyalty_card', value: 'LC-1234' } }, salt)).toEqual({ type: 'loyalty_card', value: 'LC-1234' });
    const hash = hashEmail(salt, 'a@b.c');
    expect(erasureBodyOf({ identifier: { type: 'email_hash', value: hash } }, salt)).toEqual({ type: 'email_hash', value: hash });
    // The salt is the one given: another salt, another hash.
    expect(erasureBodyOf({ identifier: { type: 'email', value: 'a@b.c' } }, 'another-salt-of-16+').value).not.toBe(hash);
  });

  it('names the field and the reason of every way a body can be wrong, coercing nothing', () => {
    const cases: [unknown, string, RegExp][] = [
      [undefined, 'body', /must be a JSON object/],
      [null, 'body', /not null/],
      [[], 'body', /not an array/],
      ['{}', 'body', /not a string/],
      [{}, 'identifier', /is required/],
      [{ identifier: { type: 'loyalty_card', value: 'x' }, tenant: 'other' }, 'tenant', /not a field/],
      [{ identifier: 'LC-1' }, 'identifier', /must be an object with type and value/],
      [{ identifier: { value: 'x' } }, 'identifier.type', /is required/],
      [{ identifier: { type: 'loyalty_card' } }, 'identifier.value', /is required/],
      [{ identifier: { type: 'loyalty_card', value: 1234 } }, 'identifier.value', /must be a string, not a number/],
      [{ identifier: { type: 'loyalty_card', value: true } }, 'identifier.value', /must be a string/],
      [{ identifier: { type: 3, value: 'x' } }, 'identifier.type', /must be a string/],
      [{ identifier: { type: 'loyalty_card', value: 'x', person: 'p_1' } }, 'identifier.person', /not a field of an identifier/],
      [{ identifier: { type: 'shoe_size', value: '42' } }, 'identifier.type', /must be one of user_id, customer_id, loyalty_card, email,/],
      [{ identifier: { type: 'person_id', value: 'p_1' } }, 'identifier.type', /person_id is not one/],
      [{ identifier: { type: 'loyalty_card', value: '   ' } }, 'identifier.value', /must not be empty/],
      [{ identifier: { type: 'loyalty_card', value: 'x'.repeat(513) } }, 'identifier.value', /at most 512/],
      [{ identifier: { type: 'email', value: 'not-an-address' } }, 'identifier.value', /e-mail address/],
      [{ identifier: { type: 'phone', value: '12' } }, 'identifier.value', /phone number/],
      [{ identifier: { type: 'email_hash', value: 'ABC' } }, 'identifier.value', /64 lower-case hex digits/],
    ];
    for (const [body, field, reason] of cases) {
      const refusal = refusalOf(() => erasureBodyOf(body, salt));
      expect({ body, field: refusal.field }).toEqual({ body, field });
      expect(refusal.reason).toMatch(reason);
    }
  });

  it('takes every lookup type but person_id', () => {
    for (const type of ['user_id', 'customer_id', 'loyalty_card', 'anonymous_id', 'device_id', 'external']) expect(erasureIdentifierOf(type, 'v-1', salt)).toEqual({ type, value: 'v-1' });
  });
});

describe('records', () => {
  const identifier = { type: 'email_hash', value: hashEmail(salt, 'anna@example.com') };

  it('a new request is REQUESTED, names the identifier and who asked, and gets an er_ id', () => {
    const r = requestedRecord({ tenant: 'demo', identifier, requestedBy: 'demo-all', now: 1_700_000_000_000 });
    expect(r).toEqual({
      tenant: 'demo',
      requestId: r.requestId,
      requestedAt: 1_700_000_000_000,
      requestedBy: 'demo-all',
      state: 'REQUESTED',
      identifier,
      personIds: [],
      historyEntryIds: [],
      identifiers: 0,
      kafkaTombstones: 0,
      clickhouseRows: 0,
      updatedAt: 1_700_000_000_000,
      doneAt: null,
      detail: null,
    });
    expect(r.requestId).toMatch(REQUEST_ID_PATTERN);
    expect(newRequestId()).not.toBe(newRequestId());
    expect(erasureKey('demo', r.requestId)).toBe(`demo|${r.requestId}`);
  });

  it('withdrawing keeps the counts and who asked, drops whom it named, and says who withdrew', () => {
    const erased = later(requestedRecord({ tenant: 'demo', identifier, requestedBy: 'demo-all', now: 1000 }), {
      state: 'IDENTITY_ERASED',
      identifier: null,
      personIds: ['p_1', 'p_2'],
      historyEntryIds: ['h_1'],
      identifiers: 3,
      kafkaTombstones: 7,
      updatedAt: 2000,
    });
    const w = withdrawnRecord(erased, { withdrawnBy: 'cli:root', now: 3000 });
    expect(w).toEqual({ ...erased, state: 'WITHDRAWN', identifier: null, personIds: [], historyEntryIds: [], updatedAt: 3000, detail: 'withdrawn by cli:root' });
    expect(withdrawnRecord(requestedRecord({ tenant: 'demo', identifier, requestedBy: 'a', now: 1 }), { withdrawnBy: 'b', now: 2 }).identifier).toBeNull();
  });

  it('a request can be withdrawn once it has ended, unless it is unknown or withdrawn already', () => {
    const r = requestedRecord({ tenant: 'demo', identifier, requestedBy: 'a', now: 1 });
    expect(withdrawRefusalOf(undefined)).toBe('unknown');
    for (const state of ['DONE', 'NOT_FOUND'] as const) expect(withdrawRefusalOf(later(r, { state }))).toBeUndefined();
    for (const state of ['REQUESTED', 'IDENTITY_ERASED'] as const) expect(withdrawRefusalOf(later(r, { state }))).toBe('in_progress');
    expect(withdrawRefusalOf(withdrawnRecord(r, { withdrawnBy: 'b', now: 2 }))).toBe('already_withdrawn');
  });
});

describe('erasureViewOf', () => {
  it('shows state, times, who asked and counts, and never the identifier, persons or history entries', () => {
    const r: CdpPrivacy.ErasureRequest = {
      ...requestedRecord({ tenant: 'demo', identifier: { type: 'loyalty_card', value: 'LC-SECRET' }, requestedBy: 'demo-all', now: Date.UTC(2026, 11, 1) }),
      state: 'IDENTITY_ERASED',
      personIds: ['p_secret'],
      historyEntryIds: ['h_secret'],
      identifiers: 2,
      kafkaTombstones: 5,
      clickhouseRows: 1234,
      updatedAt: Date.UTC(2026, 11, 1, 0, 0, 1),
      doneAt: Date.UTC(2026, 11, 1, 0, 0, 2),
      detail: 'merged persons: 1',
    };
    const view = erasureViewOf(r);
    expect(view).toEqual({
      requestId: r.requestId,
      state: 'IDENTITY_ERASED',
      requestedAt: '2026-12-01T00:00:00.000Z',
      requestedBy: 'demo-all',
      updatedAt: '2026-12-01T00:00:01.000Z',
      doneAt: '2026-12-01T00:00:02.000Z',
      identifiers: 2,
      kafkaTombstones: 5,
      clickhouseRows: 1234,
      detail: 'merged persons: 1',
    });
    expect(JSON.stringify(view)).not.toMatch(/SECRET|p_secret|h_secret|tenant/);
    expect(erasureViewOf({ ...r, doneAt: null }).doneAt).toBeNull();
  });
});

describe('ErasureBook', () => {
  const id = { type: 'loyalty_card', value: 'LC-1' };
  const at = (tenant: string, requestId: string, requestedAt: number) => requestedRecord({ tenant, identifier: id, requestedBy: 'k', now: requestedAt, requestId });

  it('holds the newest record per request, per tenant, newest request first; a tombstone removes one', () => {
    const book = new ErasureBook();
    const a = at('demo', 'er_a', 1000);
    const b = at('demo', 'er_b', 3000);
    const c = at('demo', 'er_c', 2000);
    for (const r of [a, b, c, at('other', 'er_d', 5000)]) book.upsert(erasureKey(r.tenant, r.requestId), r);
    book.upsert(erasureKey('demo', 'er_a'), later(a, { state: 'DONE', identifier: null, updatedAt: 4000 }));
    expect(book.list('demo').map((r) => [r.requestId, r.state])).toEqual([['er_b', 'REQUESTED'], ['er_c', 'REQUESTED'], ['er_a', 'DONE']]);
    expect(book.get('demo', 'er_a')?.state).toBe('DONE');
    // Another tenant's request is not this tenant's, even by its id.
    expect(book.get('demo', 'er_d')).toBeUndefined();
    expect(book.get('other', 'er_d')?.tenant).toBe('other');
    book.remove(erasureKey('demo', 'er_b'));
    expect(book.list('demo').map((r) => r.requestId)).toEqual(['er_c', 'er_a']);
    expect(book.size).toBe(3);
  });

  it('a wait resolves with the first record that fits, at once when it is held, and undefined after its time', async () => {
    const book = new ErasureBook();
    const key = erasureKey('demo', 'er_w');
    const r = at('demo', 'er_w', 1000);
    const done = book.waitFor(key, (x) => x.state === 'DONE', 5000);
    book.upsert(key, r);
    book.upsert(key, later(r, { state: 'IDENTITY_ERASED' }));
    book.upsert(key, later(r, { state: 'DONE', clickhouseRows: 9 }));
    expect(await done).toMatchObject({ state: 'DONE', clickhouseRows: 9 });
    expect(await book.waitFor(key, (x) => x.state === 'DONE', 1)).toMatchObject({ state: 'DONE' });
    expect(await book.waitFor(key, (x) => x.state === 'WITHDRAWN', 20)).toBeUndefined();
  });
});
