import { createLoginThrottle, createSessionStore } from './sessions';

const principal = { user: 'anna', tenant: 'demo', apiKey: 'key', via: 'password' as const };

test('a session lasts its time and ends when asked', () => {
  let now = 1_000;
  const store = createSessionStore({ ttlMs: 60_000, now: () => now });
  const id = store.create(principal);
  expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(store.get(id)).toEqual(principal);
  expect(store.get('forged')).toBeUndefined();
  expect(store.get(undefined)).toBeUndefined();
  now += 59_999;
  expect(store.get(id)).toEqual(principal);
  now += 1;
  expect(store.get(id)).toBeUndefined();
  const other = store.create(principal);
  store.end(other);
  expect(store.get(other)).toBeUndefined();
  expect(store.size).toBe(0);
});

test('at the cap the oldest session goes first', () => {
  let n = 0;
  const store = createSessionStore({ ttlMs: 60_000, maxSessions: 2, newId: () => `s${++n}` });
  store.create(principal);
  store.create({ ...principal, user: 'bob' });
  store.create({ ...principal, user: 'carl' });
  expect([store.get('s1'), store.get('s2')?.user, store.get('s3')?.user]).toEqual([undefined, 'bob', 'carl']);
});

test('five failed sign-ins lock a name out for the window; a success clears it', () => {
  let now = 0;
  const throttle = createLoginThrottle({ limit: 5, windowMs: 900_000, now: () => now });
  for (let i = 0; i < 4; i++) throttle.failed('user:anna');
  expect(throttle.waitMs('user:anna')).toBe(0);
  now = 10_000;
  throttle.failed('user:anna');
  expect(throttle.waitMs('user:anna')).toBe(890_000);
  expect(throttle.waitMs('user:bob')).toBe(0);
  now = 900_001;
  // The first four failures have left the window; the fifth is still in it.
  expect(throttle.waitMs('user:anna')).toBe(0);
  throttle.failed('user:bob');
  throttle.succeeded('user:bob');
  for (let i = 0; i < 4; i++) throttle.failed('user:bob');
  expect(throttle.waitMs('user:bob')).toBe(0);
});
