import { checkPassword, hashPassword, parseConsoleUsers } from './users';

const fast = { cost: 1024 };
const file = (users: object[], tenants: object = { demo: { apiKey: 'k'.repeat(20) } }) => ({ tenants, users });

test('a user signs in with their password only, and gets their tenant and its key', () => {
  const users = parseConsoleUsers(file([{ name: 'anna', password: hashPassword('correct horse battery', fast), tenant: 'demo' }]), 'users.json');
  expect(users.verify('anna', 'correct horse battery')).toEqual({ name: 'anna', tenant: 'demo' });
  expect(users.verify('anna', 'correct horse batterY')).toBeUndefined();
  expect(users.verify('bob', 'correct horse battery')).toBeUndefined();
  expect(users.apiKeyOf('demo')).toBe('k'.repeat(20));
  expect(users.names).toEqual(['anna']);
});

test('a password hash carries its own salt and cost', () => {
  const a = hashPassword('same password', fast);
  const b = hashPassword('same password', fast);
  expect(a).not.toBe(b);
  expect(a).toMatch(/^scrypt\$1024\$8\$1\$/);
  expect(checkPassword('same password', a) && checkPassword('same password', b)).toBe(true);
  expect(checkPassword('same password', 'plain text')).toBe(false);
});

test('a bad users file is refused, naming the place and the reason', () => {
  expect(() => parseConsoleUsers(file([{ name: 'anna', password: 'secret', tenant: 'demo' }]), 'u.json')).toThrow(/u\.json: users\.0\.password: must be an scrypt hash/);
  expect(() => parseConsoleUsers(file([{ name: 'anna', password: hashPassword('x', fast), tenant: 'other' }]), 'u.json')).toThrow('u.json: users.0.tenant: other has no entry under tenants (its API key)');
  const twice = { name: 'anna', password: hashPassword('x', fast), tenant: 'demo' };
  expect(() => parseConsoleUsers(file([twice, twice]), 'u.json')).toThrow('u.json: users.1.name: anna is used twice');
  expect(() => parseConsoleUsers(file([twice], { demo: { apiKey: 'short' } }), 'u.json')).toThrow(/tenants\.demo\.apiKey: must be an API key/);
  expect(() => parseConsoleUsers({ tenants: {}, users: [] }, 'u.json')).toThrow(/u\.json: users:/);
});
