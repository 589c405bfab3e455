/**
 * The console's HTTP surface with an in-process stand-in for the customer API (the real one is in
 * e2e/console.e2e.test.ts): sign-in both ways, the cookie, nothing readable without a session, and
 * the key staying on the server.
 */
import { createLogger, Registry } from '@cdp/plumbing';
import { createSessionStore } from '../core/sessions';
import { hashPassword, parseConsoleUsers } from '../core/users';
import type { ApiClient } from './api-client';
import { buildConsoleApp, SESSION_COOKIE } from './http';

const TENANT_KEY = 'tenant-key-0123456789';
const OTHER_KEY = 'someone-elses-key-0123';
const asked: { path: string; key: string }[] = [];
const api: ApiClient = {
  async get(path, key) {
    asked.push({ path, key });
    if (key !== TENANT_KEY && key !== OTHER_KEY) return { status: 401, contentType: 'application/json', body: '{"error":"unauthorized"}' };
    if (path.startsWith('/v1/profiles/') && key === OTHER_KEY) return { status: 404, contentType: 'application/json', body: '{"error":"not_found"}' };
    if (path.startsWith('/v1/kpis/') && key === OTHER_KEY) return { status: 403, contentType: 'application/json', body: '{"error":"forbidden"}' };
    return { status: 200, contentType: 'application/json; charset=utf-8', body: JSON.stringify({ path }) };
  },
  stream: async () => new Response('event: landed\ndata: {}\n\n'),
};

function app() {
  const users = parseConsoleUsers({ tenants: { demo: { apiKey: TENANT_KEY } }, users: [{ name: 'anna', password: hashPassword('anna-password-1', { cost: 1024 }), tenant: 'demo' }] }, 'users.json');
  return buildConsoleApp({
    users,
    sessions: createSessionStore({ ttlMs: 3_600_000 }),
    api,
    ops: { summary: async () => ({ at: 'now' }) as never, close: async () => undefined },
    logger: createLogger('console-test', 'silent'),
    registry: new Registry(),
    sessionTtlMs: 3_600_000,
    secureCookie: false,
  });
}

const signIn = (a: ReturnType<typeof app>, payload: object) => a.inject({ method: 'POST', url: '/login', payload });
const cookieOf = (res: { cookies: { name: string; value: string }[] }) => res.cookies.find((c) => c.name === SESSION_COOKIE)!.value;

test('without a session nothing is readable: pages go to the sign-in, reads answer 401', async () => {
  const a = app();
  const page = await a.inject('/app/stores?store=HEL-1');
  expect([page.statusCode, page.headers.location]).toEqual([302, '/login?next=%2Fapp%2Fstores%3Fstore%3DHEL-1']);
  for (const url of ['/api/session', '/api/v1/kpis/stores', '/api/ops', '/api/stream']) {
    const res = await a.inject(url);
    expect([url, res.statusCode, res.json().error]).toEqual([url, 401, 'unauthorized']);
  }
  expect(asked).toEqual([]);
  expect((await a.inject('/login')).statusCode).toBe(200);
  expect((await a.inject('/assets/vendor/echarts.min.js')).statusCode).toBe(200);
});

test('a user signs in with their password; the cookie is HttpOnly and SameSite=Strict; reads go to the API with the tenant\'s key', async () => {
  const a = app();
  const wrong = await signIn(a, { username: 'anna', password: 'nope' });
  expect([wrong.statusCode, wrong.json()]).toEqual([401, { error: 'unauthorized', message: 'unknown user or wrong password', field: 'password' }]);
  const res = await signIn(a, { username: 'anna', password: 'anna-password-1' });
  expect([res.statusCode, res.json()]).toEqual([200, { user: 'anna', tenant: 'demo', via: 'password' }]);
  const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE)!;
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
  expect(res.body).not.toContain(TENANT_KEY);

  asked.length = 0;
  const read = await a.inject({ url: '/api/v1/kpis/stores/HEL-1/hours?day=2026-12-01', cookies: { [SESSION_COOKIE]: cookie.value } });
  expect([read.statusCode, read.json()]).toEqual([200, { path: '/v1/kpis/stores/HEL-1/hours?day=2026-12-01' }]);
  expect(asked).toEqual([{ path: '/v1/kpis/stores/HEL-1/hours?day=2026-12-01', key: TENANT_KEY }]);
  const session = await a.inject({ url: '/api/session', cookies: { [SESSION_COOKIE]: cookie.value } });
  expect(session.json()).toMatchObject({ user: 'anna', tenant: 'demo', via: 'password' });
  expect(session.body).not.toContain(TENANT_KEY);
  expect((await a.inject({ url: '/app/stores', cookies: { [SESSION_COOKIE]: cookie.value } })).headers['content-security-policy']).toContain("default-src 'self'");

  const out = await a.inject({ method: 'POST', url: '/logout', cookies: { [SESSION_COOKIE]: cookie.value } });
  expect(out.statusCode).toBe(204);
  expect((await a.inject({ url: '/api/session', cookies: { [SESSION_COOKIE]: cookie.value } })).statusCode).toBe(401);
});

test('an API key signs in when the API lets it read KPIs or profiles; an unknown key does not', async () => {
  const a = app();
  const bad = await signIn(a, { apiKey: 'not-a-key-at-all-000' });
  expect([bad.statusCode, bad.json().field]).toEqual([401, 'apiKey']);
  const clerk = await signIn(a, { apiKey: OTHER_KEY });
  expect([clerk.statusCode, clerk.json()]).toEqual([200, { user: 'API key …0123', tenant: null, via: 'api-key' }]);
  asked.length = 0;
  const read = await a.inject({ url: '/api/v1/kpis/digital-share?from=2026-12-01&to=2026-12-01', cookies: { [SESSION_COOKIE]: cookieOf(clerk) } });
  // The API's own answer, passed on: this key may not read KPIs.
  expect([read.statusCode, read.json()]).toEqual([403, { error: 'forbidden' }]);
  expect(asked.map((x) => x.key)).toEqual([OTHER_KEY]);
});

test('a sign-in without what it needs names the field; five wrong passwords lock the name out', async () => {
  const a = app();
  expect((await signIn(a, { username: 'anna' })).json()).toEqual({ error: 'invalid_field', message: 'give username and password, or apiKey', field: 'password' });
  expect((await signIn(a, { username: 'anna', password: 7 })).json()).toMatchObject({ error: 'invalid_field', field: 'password' });
  for (let i = 0; i < 5; i++) expect((await signIn(a, { username: 'anna', password: `wrong-${i}` })).statusCode).toBe(401);
  const locked = await signIn(a, { username: 'anna', password: 'anna-password-1' });
  expect([locked.statusCode, locked.json().error]).toEqual([429, 'too_many_attempts']);
});

test('the pages are the known ones', async () => {
  const a = app();
  const cookie = cookieOf(await signIn(a, { username: 'anna', password: 'anna-password-1' }));
  expect((await a.inject({ url: '/app/it', cookies: { [SESSION_COOKIE]: cookie } })).statusCode).toBe(200);
  const missing = await a.inject({ url: '/app/finance', cookies: { [SESSION_COOKIE]: cookie } });
  expect([missing.statusCode, missing.body]).toEqual([404, 'no page finance: the pages are management, marketing, ecommerce, it, stores, customers']);
});
