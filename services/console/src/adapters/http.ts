/**
 * The console over HTTP: a sign-in page, the pages' shell and scripts, and /api/*, which reads the
 * customer API with the session's key (the browser never sees a key), the API's push channel
 * passed through, and the IT page's health. Nothing but the sign-in page and static scripts
 * answers without a session.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import { Counter, type Logger, type Registry } from '@cdp/plumbing';
import { ApiUnavailable, type ApiClient } from './api-client';
import type { OpsSources } from './ops-sources';
import { createLoginThrottle, type Principal, type SessionStore } from '../core/sessions';
import type { ConsoleUsers } from '../core/users';
import { PAGES } from '../core/pages';

export const SESSION_COOKIE = 'cdp_console';
const PUBLIC_DIR = join(__dirname, '..', '..', 'public');
const ECHARTS_DIR = join(require.resolve('echarts/package.json'), '..', 'dist');

export interface ConsoleHttpOptions {
  users: ConsoleUsers;
  sessions: SessionStore;
  api: ApiClient;
  ops: OpsSources;
  logger: Logger;
  registry: Registry;
  sessionTtlMs: number;
  secureCookie: boolean;
}

class ConsoleError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

// The pages load their scripts and styles from here only; ECharts sets element styles, hence the inline styles.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export function buildConsoleApp(options: ConsoleHttpOptions) {
  const { users, sessions, api, ops, logger, registry } = options;
  const app = Fastify({ loggerInstance: logger.child({ component: 'http' }) as unknown as FastifyBaseLogger, disableRequestLogging: true, bodyLimit: 16 * 1024 });
  const throttle = createLoginThrottle();
  const signIns = new Counter({ name: 'console_sign_ins_total', help: 'Sign-in attempts by way and outcome', labelNames: ['via', 'outcome'], registers: [registry] });
  const shell = readFileSync(join(PUBLIC_DIR, 'app.html'), 'utf8');
  const loginPage = readFileSync(join(PUBLIC_DIR, 'login.html'), 'utf8');

  void app.register(cookie);
  void app.register(fastifyStatic, { root: join(PUBLIC_DIR, 'assets'), prefix: '/assets/', index: false, maxAge: 60_000 });
  void app.register(fastifyStatic, { root: ECHARTS_DIR, prefix: '/assets/vendor/', decorateReply: false, index: false, maxAge: 3_600_000, allowedPath: (path) => path === '/echarts.min.js' });

  app.addHook('onSend', async (_request, reply) => {
    void reply.headers(SECURITY_HEADERS);
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof ConsoleError) return reply.status(error.status).send({ error: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) });
    if (error instanceof ApiUnavailable) return reply.status(502).send({ error: 'api_unavailable', message: error.message });
    if (error.statusCode && error.statusCode < 500) return reply.status(error.statusCode).send({ error: 'bad_request', message: error.message });
    request.log.error({ err: error }, 'console request failed');
    return reply.status(500).send({ error: 'internal', message: 'the console failed to answer; see its log' });
  });

  const sessionOf = (request: FastifyRequest): Principal | undefined => sessions.get(request.cookies[SESSION_COOKIE]);
  const requireSession = (request: FastifyRequest): Principal => {
    const principal = sessionOf(request);
    if (!principal) throw new ConsoleError(401, 'unauthorized', 'sign in first: POST /login');
    return principal;
  };
  const startSession = (reply: FastifyReply, principal: Principal) =>
    reply.setCookie(SESSION_COOKIE, sessions.create(principal), { path: '/', httpOnly: true, sameSite: 'strict', secure: options.secureCookie, maxAge: Math.floor(options.sessionTtlMs / 1000) });

  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/login', async (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(loginPage));

  app.post('/login', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const text = (field: string, max: number) => {
      const v = body[field];
      if (v === undefined || v === '') return undefined;
      if (typeof v !== 'string' || v.length > max) throw new ConsoleError(400, 'invalid_field', `${field} must be text of at most ${max} characters`, field);
      return v;
    };
    const username = text('username', 63);
    const password = text('password', 1024);
    const apiKey = text('apiKey', 256);
    if (apiKey === undefined && (username === undefined || password === undefined)) {
      throw new ConsoleError(400, 'invalid_field', 'give username and password, or apiKey', username === undefined ? 'username' : 'password');
    }
    const who = apiKey !== undefined ? `key:${request.ip}` : `user:${username}`;
    const wait = throttle.waitMs(who);
    if (wait > 0) throw new ConsoleError(429, 'too_many_attempts', `too many failed sign-ins; try again in ${Math.ceil(wait / 60_000)} min`);
    const principal = apiKey !== undefined ? await principalOfKey(apiKey) : principalOfUser(username!, password!);
    signIns.inc({ via: apiKey !== undefined ? 'api-key' : 'password', outcome: principal ? 'ok' : 'refused' });
    if (!principal) {
      throttle.failed(who);
      throw new ConsoleError(401, 'unauthorized', apiKey !== undefined ? 'the customer API does not accept this key for KPIs or profiles' : 'unknown user or wrong password', apiKey !== undefined ? 'apiKey' : 'password');
    }
    throttle.succeeded(who);
    startSession(reply, principal);
    return { user: principal.user, tenant: principal.tenant ?? null, via: principal.via };
  });

  const principalOfUser = (username: string, password: string): Principal | undefined => {
    const user = users.verify(username, password);
    return user && { user: user.name, tenant: user.tenant, apiKey: users.apiKeyOf(user.tenant), via: 'password' };
  };
  // A key is good for the console when the API lets it read KPIs or profiles (an unknown e-mail's 404 says the latter).
  const principalOfKey = async (apiKey: string): Promise<Principal | undefined> => {
    const today = new Date().toISOString().slice(0, 10);
    const [kpis, profiles] = await Promise.all([api.get(`/v1/kpis/digital-share?from=${today}&to=${today}`, apiKey), api.get('/v1/profiles/user_id/console-sign-in-probe', apiKey)]);
    return kpis.status === 200 || profiles.status === 404 ? { user: `API key …${apiKey.slice(-4)}`, apiKey, via: 'api-key' } : undefined;
  };

  app.post('/logout', async (request, reply) => {
    sessions.end(request.cookies[SESSION_COOKIE]);
    return reply.clearCookie(SESSION_COOKIE, { path: '/' }).status(204).send();
  });

  const toLogin = (request: FastifyRequest, reply: FastifyReply) => reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 302);
  app.get('/', async (request, reply) => (sessionOf(request) ? reply.redirect(`/app/${PAGES[0]!.id}`, 302) : toLogin(request, reply)));
  app.get('/app', async (_request, reply) => reply.redirect(`/app/${PAGES[0]!.id}`, 302));
  app.get('/app/:page', async (request, reply) => {
    if (!sessionOf(request)) return toLogin(request, reply);
    const { page } = request.params as { page: string };
    if (!PAGES.some((p) => p.id === page)) return reply.status(404).type('text/plain').send(`no page ${page}: the pages are ${PAGES.map((p) => p.id).join(', ')}`);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(shell);
  });

  app.get('/api/session', async (request) => {
    const { user, tenant, via } = requireSession(request);
    return { user, tenant: tenant ?? null, via, pages: PAGES };
  });

  app.get('/api/ops', async (request, reply) => {
    requireSession(request);
    return reply.header('cache-control', 'no-store').send(await ops.summary());
  });

  // The API's push channel, passed through with the session's key; it ends when the browser leaves.
  app.get('/api/stream', async (request, reply) => {
    const { apiKey } = requireSession(request);
    const abort = new AbortController();
    const upstream = await api.stream(apiKey, abort.signal);
    if (!upstream.ok || !upstream.body) return reply.status(upstream.status === 200 ? 502 : upstream.status).type('application/json').send(await upstream.text());
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', ...SECURITY_HEADERS });
    const body = Readable.fromWeb(upstream.body as import('node:stream/web').ReadableStream);
    body.on('error', () => reply.raw.end());
    body.pipe(reply.raw);
    request.raw.on('close', () => abort.abort());
  });

  // Reads of the customer API: the path and query as the page asked, the answer as the API gave it.
  app.get('/api/v1/*', async (request, reply) => {
    const { apiKey } = requireSession(request);
    const answer = await api.get(request.url.slice('/api'.length), apiKey);
    return reply.status(answer.status).type(answer.contentType).header('cache-control', 'no-store').send(answer.body);
  });

  return app;
}
