import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashEmail as ingestHashEmail, hashPhone as ingestHashPhone } from '../../../ingest/src/core/pii';
import { parseDelivery } from './dataset';
import { LoaderUsageError } from './errors';
import { isEmail, isPhone, segments } from './segments';

const salt = 'segments-test-salt-0123456789';
const context = { tenant: 'demo', partner: 'nordic-loyalty', salt, sourceName: 'upload:nordic-loyalty', loadedAt: 9 };
const csv = (text: string) => parseDelivery(segments, Buffer.from(text), 'csv', context);
// Computed here, not by the code under test: HMAC-SHA-256 of email:<trimmed, lower case>.
const emailHash = (email: string) => createHmac('sha256', salt).update(`email:${email.trim().toLowerCase()}`).digest('hex');

describe('partner segments', () => {
  it('hashes e-mails exactly as ingest does and aggregates the rows of one person into sorted unique segments', () => {
    const d = csv('email,segment\n Anna.Virtanen@Example.com ,runner\nanna.virtanen@example.com,high-value\nANNA.VIRTANEN@EXAMPLE.COM,runner\nbob@example.com,runner\n');
    expect(d.ok && d.scope).toEqual({ id: 'demo.nordic-loyalty', keyPrefix: 'demo|nordic-loyalty|' });
    const anna = emailHash('anna.virtanen@example.com');
    expect(anna).toBe(ingestHashEmail(salt, 'anna.virtanen@example.com'));
    expect(d.ok && d.records).toEqual([
      {
        key: `demo|nordic-loyalty|email_hash|${anna}`,
        value: { tenant: 'demo', partner: 'nordic-loyalty', identifier: { type: 'email_hash', value: anna }, segments: ['high-value', 'runner'], sourceName: 'upload:nordic-loyalty', sourceVersion: expect.any(String), loadedAt: 9 },
      },
      expect.objectContaining({ key: `demo|nordic-loyalty|email_hash|${emailHash('bob@example.com')}` }),
    ]);
  });

  it('hashes phones as ingest does, and a row with both puts both identifiers in the segment', () => {
    const d = csv('email,phone,segment\nliisa@example.com,+358 50 765 4321,family\n,+358507654321,runner\n');
    const phone = ingestHashPhone(salt, '+358507654321');
    expect(d.ok && d.records.map((r) => [r.value.identifier, r.value.segments])).toEqual([
      [{ type: 'email_hash', value: emailHash('liisa@example.com') }, ['family']],
      [{ type: 'phone_hash', value: phone }, ['family', 'runner']],
    ]);
  });

  it('reads JSON with segment or segments, and phones as numbers', () => {
    const d = parseDelivery(segments, Buffer.from('{"email":"a@example.com","segments":["b","a","b"]}\n{"phone":358401234567,"segment":"c"}\n'), 'json', context);
    expect(d.ok && d.records.map((r) => [r.value.identifier.type, r.value.segments])).toEqual([['email_hash', ['a', 'b']], ['phone_hash', ['c']]]);
  });

  it('names the line and field of every bad row without quoting an e-mail or a phone', () => {
    const text = 'email,phone,segment\nanna@example.com,,runner\nnot-an-address,,runner\n,12-34,runner\nbob@example.com,,\n,,runner\n"carl@example.com\tx",,runner\n';
    const d = csv(text);
    expect(!d.ok && d.errors).toEqual([
      { line: 3, field: 'email', reason: 'is not an e-mail address (name@domain.tld)' },
      { line: 4, field: 'phone', reason: 'is not a phone number (7 to 15 digits, optionally a leading +)' },
      { line: 5, field: 'segment', reason: 'is required' },
      { line: 6, field: 'email', reason: 'or phone is required' },
      { line: 7, field: 'email', reason: 'contains a control character (a line break or tab)' },
    ]);
    const shown = JSON.stringify(d);
    for (const clear of ['anna', 'not-an-address', '12-34', 'bob', 'carl']) expect(shown).not.toContain(clear);
  });

  it('refuses a header without email or phone, and a segments column in CSV', () => {
    expect(csv('name,segment\nx,y\n')).toMatchObject({ ok: false, errors: [{ line: 1, field: 'name' }, { line: 1, field: 'email or phone' }] });
    expect(csv('email,segments\na@example.com,x\n')).toMatchObject({ ok: false, errors: [{ line: 1, field: 'segments' }, { line: 1, field: 'segment' }] });
  });

  it('needs a partner from the caller, never from the file', () => {
    expect(() => parseDelivery(segments, Buffer.from('email,segment\na@example.com,x\n'), 'csv', { ...context, partner: undefined })).toThrow(LoaderUsageError);
    expect(() => parseDelivery(segments, Buffer.from('email,segment\na@example.com,x\n'), 'csv', { ...context, partner: 'Nordic Loyalty' })).toThrow(LoaderUsageError);
  });

  it('accepts the example delivery', () => {
    const d = parseDelivery(segments, readFileSync(join(__dirname, '../../../../infra/data/partner-segments.example.csv')), 'csv', context);
    expect(d.ok && d.records.length).toBe(6);
  });

  it.each([['a@b.fi', true], ['a.b+c@mail.example.org', true], ['a@b', false], ['a b@c.fi', false], ['@c.fi', false]])('e-mail %j: %s', (text, ok) => expect(isEmail(text)).toBe(ok));
  it.each([['+358 40 123 4567', true], ['040-1234567', true], ['123456', false], ['+1234567890123456', false], ['call me', false]])('phone %j: %s', (text, ok) => expect(isPhone(text)).toBe(ok));
});
