/**
 * The HTTP contract without a network: requests through fastify's inject into an in-memory sink.
 * Kafka itself is exercised by the end-to-end test.
 */
import { createLogger, CdpError, type Registry } from '@cdp/plumbing';
import { Registry as PromRegistry } from 'prom-client';
import { parseSources } from '../core/sources';
import { buildHttpApp, fieldOf } from './http';
import type { Accepted, EventSink } from './kafka-sink';

const sources = parseSources(
  { sources: [{ id: 'web-shop', writeKey: 'local-web', kind: 'segment', channel: 'WEB', tenant: 'demo' }, { id: 'store-gateway', writeKey: 'local-store', kind: 'store', channel: 'STORE', tenant: 'demo' }] },
  'test',
);
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

function setup(fail: boolean | 'hang' = false) {
  const published: Accepted[] = [];
  const sink: EventSink = {
    async publish(events) {
      if (fail === 'hang') await new Promise(() => undefined);
      if (fail) throw new CdpError('ERR_TRANSIENT', 'Kafka down', { retriable: true });
      published.push(...events);
    },
    async flush() {},
  };
  const app = buildHttpApp({ sources, sink, salt: 'test-salt-0123456789', bodyLimit: 10_000, logger: createLogger('test', 'silent'), registry: new PromRegistry() as unknown as Registry, isReady: () => true, publishTimeoutMs: 200 });
  return { app, published };
}

describe('ingest HTTP API', () => {
  it('accepts a Segment batch with the write key as Basic user name and answers after publishing', async () => {
    const { app, published } = setup();
    const res = await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic('local-web') }, payload: { batch: [{ type: 'page', anonymousId: 'a', messageId: 'm1' }, { type: 'track', event: 'X', userId: 'u' }] } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true });
    expect(published.map((p) => p.kind === 'segment' && [p.key, p.value.type, p.value.envelope.eventId])).toEqual([['a', 'PAGE', 'm1'], ['u', 'TRACK', expect.any(String)]]);
  });

  it('reads JSON sent as text/plain with the key in the body, as analytics.js does', async () => {
    const { app, published } = setup();
    const res = await app.inject({ method: 'POST', url: '/v1/t', headers: { 'content-type': 'text/plain' }, payload: JSON.stringify({ writeKey: 'local-web', event: 'Y', anonymousId: 'a' }) });
    expect(res.statusCode).toBe(200);
    expect(published).toHaveLength(1);
  });

  it('answers 401 to an unknown key or a key of the wrong kind of source', async () => {
    const { app } = setup();
    const unknown = await app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basic('nope') }, payload: { event: 'X', anonymousId: 'a' } });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().reason).toBe('unknown write key');
    const wrongKind = await app.inject({ method: 'POST', url: '/v1/store/batch', headers: { authorization: basic('local-web') }, payload: { batch: [] } });
    expect(wrongKind.statusCode).toBe(401);
  });

  it('answers 400 naming the field and the reason, and publishes nothing of that request', async () => {
    const { app, published } = setup();
    const res = await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic('local-web') }, payload: { batch: [{ type: 'page', anonymousId: 'a' }, { type: 'track', event: 7, anonymousId: 'a' }] } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'ERR_INGEST_INVALID', field: 'batch[1].event', reason: 'must be string' });
    const store = await app.inject({ method: 'POST', url: '/v1/store/batch', headers: { authorization: basic('local-store') }, payload: { batch: [{ type: 'pos_transaction', timestamp: '2026-11-23T10:00:00Z', storeId: 'S', receiptId: 'R', currency: 'EUR', total: 1, lines: [{ sku: 'A', quantity: 1 }] }] } });
    expect(store.statusCode).toBe(400);
    expect(store.json().field).toBe('batch[0].lines[0].price');
    expect(published).toHaveLength(0);
  });

  it('answers 413 to a body over the limit and 503 with Retry-After when Kafka is down', async () => {
    const { app } = setup();
    const big = await app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basic('local-web') }, payload: { event: 'X', anonymousId: 'a', properties: { pad: 'x'.repeat(20_000) } } });
    expect(big.statusCode).toBe(413);
    const down = setup(true);
    const res = await down.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basic('local-web') }, payload: { event: 'X', anonymousId: 'a' } });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    // Kafka that never answers: 503 after the publish timeout instead of a hanging client.
    const hang = setup('hang');
    const slow = await hang.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basic('local-web') }, payload: { event: 'X', anonymousId: 'a' } });
    expect(slow.statusCode).toBe(503);
    expect(slow.json().code).toBe('ERR_TRANSIENT');
  });

  it('answers the CORS preflight a browser sends before every POST', async () => {
    const { app } = setup();
    const res = await app.inject({ method: 'OPTIONS', url: '/v1/p', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,x-retry-count' } });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(String(res.headers['access-control-allow-headers'])).toContain('x-retry-count');
  });

  it('writes ajv paths the way a developer reads a payload', () => {
    expect(fieldOf('/batch/3/lines/0', 'price')).toBe('batch[3].lines[0].price');
    expect(fieldOf('')).toBe('(body)');
  });
});
