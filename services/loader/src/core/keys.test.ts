import { authorize, bearerOf, keyHash, parseKeys } from './keys';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const file = {
  keys: [
    { name: 'ops', sha256: keyHash('ops-key-0123456789'), tenant: 'demo', datasets: ['catalogue', 'stores', 'segments', 'demographics'] },
    { name: 'nordic-loyalty', sha256: keyHash('partner-key-0123456789'), tenant: 'demo', datasets: ['segments'], partner: 'nordic-loyalty' },
  ],
};

describe('upload keys', () => {
  const keys = parseKeys(file, 'keys.json');
  const ops = keys.byKey('ops-key-0123456789')!;
  const partner = keys.byKey('partner-key-0123456789')!;

  it('finds a key by its hash; the file never holds the key', () => {
    expect([ops.name, partner.name, keys.byKey('nope')]).toEqual(['ops', 'nordic-loyalty', undefined]);
    expect(JSON.stringify(file)).not.toContain('partner-key-0123456789');
  });

  it('lets a partner key write its own segments only', () => {
    expect(authorize(partner, 'segments', undefined)).toEqual({ ok: true, partner: 'nordic-loyalty' });
    expect(authorize(partner, 'catalogue', undefined)).toEqual({ ok: false, status: 403, field: 'dataset', reason: 'key nordic-loyalty may not write catalogue (it may write segments)' });
    expect(authorize(partner, 'segments', 'other-partner')).toEqual({ ok: false, status: 403, field: 'partner', reason: 'key nordic-loyalty speaks for partner nordic-loyalty only' });
  });

  it('makes an operator key name the partner of a segments upload', () => {
    expect(authorize(ops, 'segments', 'acme')).toEqual({ ok: true, partner: 'acme' });
    expect(authorize(ops, 'segments', undefined)).toMatchObject({ ok: false, status: 400, field: 'partner' });
    expect(authorize(ops, 'catalogue', undefined)).toEqual({ ok: true });
    expect(authorize(ops, 'catalogue', 'acme')).toMatchObject({ ok: false, status: 400, field: 'partner' });
  });

  it('refuses a bad file naming the place, and repeated names or hashes', () => {
    expect(() => parseKeys({ keys: [{ ...file.keys[0], datasets: ['products'] }] }, 'k.json')).toThrow(/^k\.json: keys\.0\.datasets\.0: /);
    expect(() => parseKeys({ keys: [file.keys[0], { ...file.keys[1], sha256: file.keys[0]!.sha256 }] }, 'k.json')).toThrow('k.json: key nordic-loyalty has the same hash as ops');
    expect(() => parseKeys({ keys: [file.keys[0], { ...file.keys[1], name: 'ops' }] }, 'k.json')).toThrow('k.json: key name ops is used twice');
  });

  it('reads the bearer token', () => {
    expect([bearerOf('Bearer abc'), bearerOf('bearer  abc '), bearerOf('Basic abc'), bearerOf(undefined)]).toEqual(['abc', 'abc', undefined, undefined]);
  });

  it('ships local keys: an operator key for every dataset and the nordic-loyalty partner key', () => {
    const local = parseKeys(JSON.parse(readFileSync(join(__dirname, '../../config/keys.local.json'), 'utf8')), 'keys.local.json');
    expect(local.byKey('local-loader-admin')).toMatchObject({ name: 'local-admin', tenant: 'demo', datasets: ['catalogue', 'stores', 'segments', 'demographics'] });
    expect(local.byKey('local-partner-nordic-loyalty')).toMatchObject({ tenant: 'demo', datasets: ['segments'], partner: 'nordic-loyalty' });
  });
});
