import { DEVELOPMENT_SALT, hashEmail, hashMac, hashPhone } from '@cdp/plumbing';
import { encodeCursor, personCursor, timelineCursor } from './cursor';
import { LookupError, lookupOf } from './lookup';

const fieldOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    if (error instanceof LookupError) return error.field;
    throw error;
  }
  throw new Error('no LookupError');
};

describe('lookupOf', () => {
  it('hashes a clear e-mail, phone and MAC exactly as ingest does', () => {
    expect(lookupOf('email', '  Anna.Virtanen@Example.FI ', DEVELOPMENT_SALT)).toEqual({ kind: 'identifier', identifier: { type: 'email_hash', value: hashEmail(DEVELOPMENT_SALT, 'anna.virtanen@example.fi') } });
    expect(lookupOf('phone', '+358 40 123 4567', DEVELOPMENT_SALT)).toEqual({ kind: 'identifier', identifier: { type: 'phone_hash', value: hashPhone(DEVELOPMENT_SALT, '+358401234567') } });
    expect(lookupOf('mac', 'AA:BB:CC:DD:EE:FF', DEVELOPMENT_SALT)).toEqual({ kind: 'identifier', identifier: { type: 'wifi_mac_hash', value: hashMac(DEVELOPMENT_SALT, 'aabbccddeeff') } });
  });

  it('takes other identifiers and person ids as they are', () => {
    expect(lookupOf('loyalty_card', 'LC-1', 's')).toEqual({ kind: 'identifier', identifier: { type: 'loyalty_card', value: 'LC-1' } });
    expect(lookupOf('person_id', 'p_1', 's')).toEqual({ kind: 'person', personId: 'p_1' });
  });

  it('names the field that is wrong', () => {
    expect(fieldOf(() => lookupOf('shoe_size', '42', 's'))).toBe('type');
    expect(fieldOf(() => lookupOf('email', 'not-an-address', 's'))).toBe('value');
    expect(fieldOf(() => lookupOf('email_hash', 'ABC', 's'))).toBe('value');
    expect(fieldOf(() => lookupOf('user_id', '   ', 's'))).toBe('value');
    expect(fieldOf(() => lookupOf('user_id', 'x'.repeat(513), 's'))).toBe('value');
  });
});

describe('cursors', () => {
  it('round-trip and refuse what this API did not give out', () => {
    expect(timelineCursor(encodeCursor({ t: 1, id: 'e' }))).toEqual({ t: 1, id: 'e' });
    expect(personCursor(encodeCursor({ p: 'p_1' }))).toEqual({ p: 'p_1' });
    expect(fieldOf(() => timelineCursor("' OR 1=1 --"))).toBe('cursor');
    expect(fieldOf(() => timelineCursor(encodeCursor({ p: 'p_1' })))).toBe('cursor');
    expect(fieldOf(() => personCursor(Buffer.from('[1]').toString('base64url')))).toBe('cursor');
  });
});
