import { DEVELOPMENT_SALT, hashEmail, hashPhone, type CdpIdentity } from '@cdp/plumbing';
import { blockBodyOf, blockIdentifierOf, blockReasonOf, blockRefusalOf, blockRequestedRecord, blockViewOf, IdentifierBlockBook, unblockRefusalOf, unblockRequestedRecord } from './identifier-blocks';
import { refusalOf } from '../test-support';

const salt = DEVELOPMENT_SALT;

const SHARED = { type: 'email_hash', value: hashEmail(salt, 'family@example.com') };
const requested = blockRequestedRecord({ tenant: 'demo', identifier: SHARED, reason: 'family e-mail', requestedBy: 'privacy-desk', now: 1000 });
/** What the identity graph writer writes once it has split the person. */
const blocked: CdpIdentity.IdentifierBlock = { ...requested, state: 'BLOCKED', updatedAt: 2000, personBefore: 'p_family', personsAfter: ['p_anna', 'p_ben'], detail: 'split p_family into 2 persons' };

describe('blockBodyOf', () => {
  it('hashes a clear e-mail or phone as ingest does and keeps the reason trimmed', () => {
    expect(blockBodyOf({ identifier: { type: 'email', value: ' Family@Example.com ' }, reason: '  family e-mail ' }, salt)).toEqual({ identifier: SHARED, reason: 'family e-mail' });
    expect(blockBodyOf({ identifier: { type: 'phone', value: '+358 40 123 4567' }, reason: 'shared landline' }, salt).identifier).toEqual({ type: 'phone_hash', value: hashPhone(salt, '+358401234567') });
    expect(blockBodyOf({ identifier: { type: 'device_id', value: 'kiosk-7' }, reason: 'store kiosk' }, salt).identifier).toEqual({ type: 'device_id', value: 'kiosk-7' });
  });

  it('names the field and the reason of every way a body can be wrong, coercing nothing', () => {
    const id = { type: 'loyalty_card', value: 'LC-1234' };
    const cases: [unknown, string, RegExp][] = [
      [null, 'body', /must be a JSON object .* not null/],
      [{ identifier: id }, 'reason', /is required/],
      [{ reason: 'x' }, 'identifier', /is required/],
      [{ identifier: id, reason: 'x', tenant: 'other' }, 'tenant', /not a field of a block/],
      [{ identifier: { ...id, value: 1234 }, reason: 'x' }, 'identifier.value', /must be a string, not a number/],
      [{ identifier: { type: 'person_id', value: 'p_1' }, reason: 'x' }, 'identifier.type', /person_id is not one/],
      [{ identifier: { type: 'shoe_size', value: '42' }, reason: 'x' }, 'identifier.type', /must be one of user_id, customer_id, loyalty_card, email,/],
      [{ identifier: { type: 'email', value: 'nobody' }, reason: 'x' }, 'identifier.value', /e-mail address/],
      [{ identifier: id, reason: 42 }, 'reason', /must be a string, not a number/],
      [{ identifier: id, reason: '   ' }, 'reason', /must not be empty/],
      [{ identifier: id, reason: 'x'.repeat(501) }, 'reason', /at most 500 characters/],
      [{ identifier: id, reason: 'two\nlines' }, 'reason', /one line/],
      [{ identifier: id, reason: 'asked by anna@example.com' }, 'reason', /personal data: it holds an e-mail address/],
      [{ identifier: id, reason: 'card lc-1234 is shared' }, 'reason', /personal data: it holds the blocked value/],
    ];
    for (const [body, field, reason] of cases) {
      const refusal = refusalOf(() => blockBodyOf(body, salt));
      expect({ body, field: refusal.field }).toEqual({ body, field });
      expect(refusal.reason).toMatch(reason);
    }
    // A short value may well show in a reason by chance.
    expect(blockReasonOf('shared by 12 people', { clearValue: '12' })).toBe('shared by 12 people');
  });

  it('a path\'s or a flag\'s identifier names type or value', () => {
    expect(blockIdentifierOf('email', 'family@example.com', salt)).toEqual(SHARED);
    expect(refusalOf(() => blockIdentifierOf('email', 'nobody', salt)).field).toBe('value');
    expect(refusalOf(() => blockIdentifierOf('person_id', 'p_1', salt)).field).toBe('type');
  });
});

describe('block records', () => {
  it('BLOCK_REQUESTED names the value, the reason and who asked; the undo is asked by its own requester, with its own reason or the block\'s', () => {
    expect(requested).toEqual({ tenant: 'demo', identifier: SHARED, state: 'BLOCK_REQUESTED', reason: 'family e-mail', requestedBy: 'privacy-desk', requestedAt: 1000, updatedAt: 1000, personBefore: null, personsAfter: [], detail: null });
    expect(unblockRequestedRecord(blocked, { requestedBy: 'cli:ops', now: 3000 })).toEqual({ ...requested, state: 'UNBLOCK_REQUESTED', requestedBy: 'cli:ops', requestedAt: 3000, updatedAt: 3000 });
    expect(unblockRequestedRecord(blocked, { requestedBy: 'cli:ops', now: 3000, reason: 'they are one person after all' }).reason).toBe('they are one person after all');
  });

  it('a value is blocked when never blocked or undone; undone only once BLOCKED', () => {
    const undoing = unblockRequestedRecord(blocked, { requestedBy: 'k', now: 3000 });
    const undone: CdpIdentity.IdentifierBlock = { ...undoing, state: 'UNBLOCKED', updatedAt: 4000 };
    expect([undefined, requested, blocked, undoing, undone].map(blockRefusalOf)).toEqual([undefined, 'already_blocked', 'already_blocked', 'unblock_in_progress', undefined]);
    expect([undefined, requested, blocked, undoing, undone].map(unblockRefusalOf)).toEqual(['not_blocked', 'block_in_progress', undefined, 'not_blocked', 'not_blocked']);
  });

  it('shows the record without its tenant, times as ISO 8601', () => {
    expect(blockViewOf(blocked)).toEqual({
      identifier: SHARED,
      state: 'BLOCKED',
      reason: 'family e-mail',
      requestedBy: 'privacy-desk',
      requestedAt: '1970-01-01T00:00:01.000Z',
      updatedAt: '1970-01-01T00:00:02.000Z',
      personBefore: 'p_family',
      personsAfter: ['p_anna', 'p_ben'],
      detail: 'split p_family into 2 persons',
    });
  });
});

describe('IdentifierBlockBook', () => {
  it('keeps the newest record per tenant and value, and resolves a wait with the graph writer\'s answer', async () => {
    const book = new IdentifierBlockBook();
    book.set(requested);
    book.set({ ...requested, tenant: 'other', updatedAt: 5000 });
    expect(book.list('demo')).toEqual([requested]);
    expect(book.get('other', SHARED)?.tenant).toBe('other');
    const answer = book.waitFor('demo', SHARED, (b) => b.state === 'BLOCKED', 1000);
    // Another tenant's record of the same value is not the answer.
    book.set({ ...blocked, tenant: 'other' });
    book.set(blocked);
    expect(await answer).toEqual(blocked);
    expect(await book.waitFor('demo', SHARED, (b) => b.state === 'UNBLOCKED', 20)).toBeUndefined();
  });
});
