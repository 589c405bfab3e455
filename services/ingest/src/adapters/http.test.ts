/**
 * The HTTP contract without a network: requests through fastify's inject into an in-memory sink.
 * Kafka itself is exercised by the integration and end-to-end tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { deflateSync, gzipSync } from 'node:zlib';
import { createLogger, CdpError, SuppressionList, type Registry } from '@cdp/plumbing';
import { Registry as PromRegistry } from 'prom-client';
import type { Accepted, Rejected } from '../core/intake';
import { hashEmail, hashMac } from '../core/pii';
import { parseSources } from '../core/sources';
import { buildHttpApp, fieldOf } from './http';
import type { EventSink } from './kafka-sink';

const sources = parseSources(
  {
    sources: [
      { id: 'web-shop', writeKey: 'local-web', kind: 'segment', channel: 'WEB', tenant: 'demo' },
      { id: 'store-gateway', writeKey: 'local-store', kind: 'store', channel: 'STORE', tenant: 'demo' },
      { id: 'store-hel-1', writeKey: 'local-store-hel-1', kind: 'store', channel: 'STORE', tenant: 'demo', storeId: 'HEL-1' },
    ],
    stores: [{ id: 'HEL-1', tenant: 'demo' }, { id: 'ESP-2', tenant: 'demo' }],
    merakiReceivers: [{ id: 'demo-stores', tenant: 'demo', validator: 'v-123', secret: 'local-meraki-secret', networks: { L_646829496481105433: 'HEL-1' } }],
  },
  'test',
);
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
const fixtureOf = (dir: string) => (name: string) => JSON.parse(readFileSync(join(__dirname, '..', '..', 'test', 'fixtures', dir, name), 'utf8'));
const fixture = fixtureOf('meraki');
/** Requests as RudderStack's SDKs put them on the wire (see the fixtures' _comment). */
type WireRequest = { path: string; headers: Record<string, string>; body: Record<string, unknown> & { batch?: Record<string, unknown>[] } };
const rudderstack = (name: string) => fixtureOf('rudderstack')(name).requests as WireRequest[];
const now = () => new Date().toISOString();

function setup(fail: boolean | 'hang' = false, suppressions?: SuppressionList) {
  const published: Accepted[] = [];
  const dead: Rejected[] = [];
  const sink: EventSink = {
    async publish(events, rejected = []) {
      if (fail === 'hang') await new Promise(() => undefined);
      if (fail) throw new CdpError('ERR_TRANSIENT', 'Kafka down', { retriable: true });
      published.push(...events);
      dead.push(...rejected);
    },
    async flush() {},
  };
  const registry = new PromRegistry() as unknown as Registry;
  const app = buildHttpApp({ sources, sink, ...(suppressions ? { suppressions } : {}), salt: 'test-salt-0123456789', logger: createLogger('test', 'silent'), registry, dependenciesReady: async () => ({ kafka: !fail, registry: true }), publishTimeoutMs: 200 });
  return { app, published, dead, registry };
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

  it('answers 401 to a missing or unknown key', async () => {
    const { app, published } = setup();
    const unknown = await app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basic('nope') }, payload: { event: 'X', anonymousId: 'a' } });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().reason).toBe('unknown write key');
    const none = await app.inject({ method: 'POST', url: '/v1/batch', payload: { batch: [{ type: 'page', anonymousId: 'a' }] } });
    expect(none.statusCode).toBe(401);
    expect(none.json().reason).toContain('no write key');
    expect(published).toHaveLength(0);
  });

  it('sends the items of a store key posting web events to the dead-letter topic, with the reason', async () => {
    const { app, published, dead } = setup();
    const res = await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic('local-store') }, payload: { batch: [{ type: 'track', event: 'X', anonymousId: 'a', traits: { email: 'anna@example.com' } }] } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, accepted: 0, rejected: [{ field: 'batch[0]', code: 'ingest.wrong_source_kind', reason: 'the key of source store-gateway is for store events, not web or app events' }] });
    expect(published).toHaveLength(0);
    expect(dead).toMatchObject([{ target: 'segment', source: 'store-gateway', route: 'segment', code: 'ingest.wrong_source_kind' }]);
    // A dead letter holds no PII in clear either.
    expect(JSON.stringify(dead[0]!.item)).not.toContain('anna@example.com');
  });

  it('accepts the good items of a batch and dead-letters the rest: a time days ahead, an unknown store, another store than the key\'s', async () => {
    const { app, published, dead } = setup();
    const ahead = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const web = await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic('local-web') }, payload: { batch: [{ type: 'page', anonymousId: 'a', messageId: 'ok-1' }, { type: 'track', event: 'Late', anonymousId: 'a', timestamp: ahead }] } });
    expect(web.json()).toEqual({ success: true, accepted: 1, rejected: [{ field: 'batch[1].timestamp', code: 'ingest.future_timestamp', reason: 'is more than a day in the future' }] });
    const receipt = (storeId: string) => ({ type: 'pos_transaction', timestamp: now(), storeId, receiptId: `R-${storeId}`, currency: 'EUR', total: 1, lines: [{ sku: 'A', quantity: 1, price: 1 }] });
    const store = await app.inject({ method: 'POST', url: '/v1/store/batch', headers: { authorization: basic('local-store-hel-1') }, payload: { batch: [receipt('HEL-1'), receipt('XXX-9'), receipt('ESP-2')] } });
    expect(store.json()).toEqual({
      success: true,
      accepted: 1,
      rejected: [
        { field: 'batch[1].storeId', code: 'ingest.unknown_store', reason: 'store XXX-9 is not a store of tenant demo' },
        { field: 'batch[2].storeId', code: 'ingest.store_not_of_key', reason: 'the key of source store-hel-1 posts for store HEL-1, not ESP-2' },
      ],
    });
    expect(published.map((p) => p.value.envelope.eventId)).toEqual(['ok-1', 'pos:HEL-1:R-HEL-1']);
    expect(dead.map((d) => [d.target, d.code, (d.item as { storeId?: string }).storeId ?? null])).toEqual([
      ['segment', 'ingest.future_timestamp', null],
      ['pos', 'ingest.unknown_store', 'XXX-9'],
      ['pos', 'ingest.store_not_of_key', 'ESP-2'],
    ]);
  });

  it('takes Wi-Fi observations and people counts from a store gateway, MACs hashed and keyed by store and device', async () => {
    const { app, published } = setup();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/store/batch',
      headers: { authorization: basic('local-store-hel-1') },
      payload: {
        batch: [
          { type: 'wifi_observation', timestamp: now(), apMac: '00:18:0A:13:DD:B0', clientMac: 'DA:A1:19:00:11:22', rssi: -61 },
          { type: 'people_count', timestamp: now(), sensorId: 'cam-door', kind: 'line_crossing', periodSeconds: 60, countIn: 7, countOut: 3 },
          { type: 'people_count', timestamp: now(), sensorId: 'cam-till', zoneId: 'tills', kind: 'queue_length', queueLength: 4 },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    const [wifi, line, queue] = published;
    expect(wifi).toMatchObject({ kind: 'wifi', value: { storeId: 'HEL-1', apMac: '00:18:0a:13:dd:b0', randomizedMac: true, rssi: -61 } });
    expect(wifi!.key).toBe(`HEL-1/${(wifi!.value as { clientMacHash: string }).clientMacHash}`);
    expect(JSON.stringify(published).toLowerCase()).not.toContain('da:a1:19:00:11:22');
    expect(line).toMatchObject({ kind: 'peopleCount', key: 'HEL-1/cam-door', value: { kind: 'LINE_CROSSING', countIn: 7, countOut: 3, periodSeconds: 60 } });
    expect(queue).toMatchObject({ kind: 'peopleCount', value: { kind: 'QUEUE_LENGTH', zoneId: 'tills', queueLength: 4, countIn: null } });
  });

  it('answers the Meraki validator handshake and refuses a post with the wrong secret', async () => {
    const { app, published } = setup();
    const get = await app.inject({ method: 'GET', url: '/v1/meraki/demo-stores' });
    expect(get.statusCode).toBe(200);
    expect(get.body).toBe('v-123');
    expect(get.headers['content-type']).toContain('text/plain');
    expect((await app.inject({ method: 'GET', url: '/v1/meraki/nope' })).statusCode).toBe(404);
    const wrong = await app.inject({ method: 'POST', url: '/v1/meraki/demo-stores', payload: { ...fixture('wifi-v3.json'), secret: 'guessed-secret' } });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().field).toBe('secret');
    expect(published).toHaveLength(0);
  });

  it('turns Meraki WiFi and BLE posts into Wi-Fi observations and beacon sightings of the mapped store', async () => {
    const { app, published } = setup();
    const wifi = await app.inject({ method: 'POST', url: '/v1/meraki/demo-stores', payload: fixture('wifi-v3.json') });
    expect(wifi.statusCode).toBe(200);
    const ble = await app.inject({ method: 'POST', url: '/v1/meraki/demo-stores', payload: fixture('ble-v3.json') });
    expect(ble.statusCode).toBe(200);
    const kinds = new Set(published.map((p) => p.kind));
    expect(kinds).toEqual(new Set(['wifi', 'beacon']));
    for (const p of published) expect((p.value as { storeId: string }).storeId).toBe('HEL-1');
    const macs = [...fixture('wifi-v3.json').data.observations, ...fixture('ble-v3.json').data.observations].map((o: { clientMac: string }) => o.clientMac.toLowerCase());
    const text = JSON.stringify(published).toLowerCase();
    for (const mac of macs) expect(text).not.toContain(mac);
  });

  it('dead-letters a Meraki post of a network no store is mapped to', async () => {
    const { app, published, dead } = setup();
    const payload = fixture('wifi-v3.json');
    payload.data.networkId = 'L_000000000000000001';
    const res = await app.inject({ method: 'POST', url: '/v1/meraki/demo-stores', payload });
    expect(res.json().rejected).toEqual([{ field: 'data.networkId', code: 'ingest.unknown_network', reason: 'network L_000000000000000001 is not mapped to a store of receiver demo-stores' }]);
    expect(published).toHaveLength(0);
    expect(dead).toHaveLength(1);
    expect(JSON.stringify(dead[0]!.item).toLowerCase()).not.toContain(payload.data.observations[0].clientMac.toLowerCase());
  });

  it('reads gzip bodies as SDKs send them and answers 400 to a broken one', async () => {
    const { app, published } = setup();
    const body = gzipSync(JSON.stringify({ batch: [{ type: 'track', event: 'Zipped', anonymousId: 'a' }] }));
    const ok = await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic('local-web'), 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: body });
    expect(ok.statusCode).toBe(200);
    expect(published).toHaveLength(1);
    const broken = await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic('local-web'), 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: body.subarray(0, body.length - 12) });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({ code: 'ERR_INGEST_ENCODING', field: '(body)' });
    const garbage = await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic('local-web'), 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: Buffer.from('not gzip at all') });
    expect(garbage.statusCode).toBe(400);
    const brotli = await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic('local-web'), 'content-type': 'application/json', 'content-encoding': 'br' }, payload: body });
    expect(brotli.statusCode).toBe(415);
    expect(published).toHaveLength(1);
  });

  it('answers 400 naming the limit: 32 KB per event, 500 KB per batch (decompressed)', async () => {
    const { app, published } = setup();
    const event = await app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basic('local-web') }, payload: { event: 'X', anonymousId: 'a', properties: { pad: 'x'.repeat(33 * 1024) } } });
    expect(event.statusCode).toBe(400);
    expect(event.json()).toMatchObject({ code: 'ERR_INGEST_TOO_LARGE', reason: 'is larger than the limit of 32 KB for this endpoint' });
    const item = await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic('local-web') }, payload: { batch: [{ type: 'page', anonymousId: 'a' }, { type: 'track', event: 'X', anonymousId: 'a', properties: { pad: 'x'.repeat(33 * 1024) } }] } });
    expect(item.statusCode).toBe(400);
    expect(item.json()).toMatchObject({ field: 'batch[1]', reason: 'is larger than the limit of 32 KB per event' });
    const many = Array.from({ length: 20 }, () => ({ type: 'track', event: 'X', anonymousId: 'a', properties: { pad: 'x'.repeat(30 * 1024) } }));
    const zipped = gzipSync(JSON.stringify({ batch: many }));
    expect(zipped.length).toBeLessThan(50 * 1024);
    const batch = await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic('local-web'), 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: zipped });
    expect(batch.statusCode).toBe(400);
    expect(batch.json().reason).toBe('is larger than the limit of 500 KB for this endpoint');
    expect(published).toHaveLength(0);
  });

  it('serves its OpenAPI document, liveness and readiness', async () => {
    const { app } = setup();
    const doc = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(doc.statusCode).toBe(200);
    expect(Object.keys(doc.json().paths)).toEqual(expect.arrayContaining(['/v1/batch', '/v1/track', '/v1/store/batch', '/v1/meraki/{receiver}', '/readyz']));
    // The labels clients use, each with the same JSON schema.
    const batchBody = doc.json().paths['/v1/batch'].post.requestBody.content;
    expect(Object.keys(batchBody)).toEqual(['application/json', 'text/plain', 'application/x-www-form-urlencoded', '*/*']);
    expect(batchBody['*/*'].schema).toEqual(batchBody['application/json'].schema);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ service: 'ingest', status: 'ready', kafka: true, registry: true });
    const down = setup(true);
    const notReady = await down.app.inject({ method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({ kafka: false, registry: true });
  });

  it('answers 400 naming the field and the reason, and publishes nothing of that request', async () => {
    const { app, published } = setup();
    const res = await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic('local-web') }, payload: { batch: [{ type: 'page', anonymousId: 'a' }, { type: 'track', event: 7, anonymousId: 'a' }] } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'ERR_INGEST_INVALID', field: 'batch[1].event', reason: 'must be string' });
    // A union type reads as one: "must be string or number or null", not ajv's "string,number,null".
    const id = await app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basic('local-web') }, payload: { event: 'X', anonymousId: { id: 1 } } });
    expect(id.json()).toMatchObject({ field: 'anonymousId', reason: 'must be string or number or null' });
    const store = await app.inject({ method: 'POST', url: '/v1/store/batch', headers: { authorization: basic('local-store') }, payload: { batch: [{ type: 'pos_transaction', timestamp: '2026-11-23T10:00:00Z', storeId: 'HEL-1', receiptId: 'R', currency: 'EUR', total: 1, lines: [{ sku: 'A', quantity: 1 }] }] } });
    expect(store.statusCode).toBe(400);
    expect(store.json().field).toBe('batch[0].lines[0].price');
    expect(published).toHaveLength(0);
  });

  it('answers 503 with Retry-After when Kafka is down or does not answer', async () => {
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

  describe("RudderStack's SDKs, as they send", () => {
    it('rudder-sdk-node 3.0.13: gzip JSON labelled application/x-www-form-urlencoded to /v1/batch, identify traits kept', async () => {
      const { app, published } = setup();
      for (const r of rudderstack('rudder-sdk-node-3.0.13.json')) {
        const res = await app.inject({ method: 'POST', url: r.path, headers: r.headers, payload: gzipSync(JSON.stringify(r.body)) });
        expect([r.path, res.statusCode, res.json()]).toEqual([r.path, 200, { success: true }]);
      }
      expect(published.map((p) => p.kind === 'segment' && [p.value.type, p.value.userId, p.value.context.libraryName])).toEqual([['IDENTIFY', 'u1', 'analytics-node'], ['TRACK', 'u1', 'analytics-node']]);
      expect(JSON.parse((published[0]!.value as { traits: string }).traits)).toEqual({ emailHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    });

    it('@rudderstack/analytics-js 3.34.1: one call per /v1/<type>, identify traits only in context.traits', async () => {
      const { app, published } = setup();
      const requests = rudderstack('analytics-js-3.34.1.json');
      for (const r of requests) {
        const res = await app.inject({ method: 'POST', url: r.path, headers: r.headers, payload: JSON.stringify(r.body) });
        expect([r.path, res.statusCode, res.json()]).toEqual([r.path, 200, { success: true }]);
      }
      const events = published.map((p) => (p.kind === 'segment' ? p.value : undefined)!);
      expect(events.map((e) => [e.type, e.envelope.eventId])).toEqual(requests.map((r) => [String(r.body.type).toUpperCase(), r.body.messageId]));
      const [page, track, identify, alias, group] = events;
      // An anonymous visitor's userId is "": no user id.
      expect([page!.userId, track!.userId, track!.event]).toEqual([null, null, 'Product Viewed']);
      expect(JSON.parse(identify!.traits!)).toEqual({ name: 'Anna', emailHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect([alias!.previousId, alias!.userId]).toEqual(['user-1', 'user-1b']);
      expect([group!.groupId, JSON.parse(group!.traits!)]).toEqual(['g-1', { name: 'G' }]);
      expect(page!.context).toMatchObject({ libraryName: 'RudderLabs JavaScript SDK', libraryVersion: '3.34.1', pagePath: '/shop', campaignSource: 'x' });
      expect(JSON.stringify(events)).not.toContain('Anna@Example.com');
    });

    it('@rudderstack/analytics-js with useBeacon: text/plain to /beacon/v1/batch, the key in the query string', async () => {
      const { app, published } = setup();
      const batch = rudderstack('analytics-js-3.34.1.json').map((r) => r.body);
      const payload = JSON.stringify({ batch, sentAt: now() });
      const res = await app.inject({ method: 'POST', url: '/beacon/v1/batch?writeKey=local-web', headers: { 'content-type': 'text/plain;charset=UTF-8' }, payload });
      expect([res.statusCode, res.json()]).toEqual([200, { success: true }]);
      expect(published).toHaveLength(batch.length);
      const unknown = await app.inject({ method: 'POST', url: '/beacon/v1/batch?writeKey=guessed-key', headers: { 'content-type': 'text/plain' }, payload });
      expect([unknown.statusCode, unknown.json().reason]).toEqual([401, 'unknown write key']);
      expect(published).toHaveLength(batch.length);
    });

    it('answers the source configuration the browser SDK needs to start, for a known key only', async () => {
      const { app } = setup();
      const url = '/sourceConfig/?p=npm&v=3.34.1&build=modern&writeKey=local-web&lockIntegrationsVersion=true&lockPluginsVersion=true';
      const expected = { source: { id: 'web-shop', name: 'web-shop', workspaceId: 'demo', enabled: true, config: {}, destinations: [] } };
      const byQuery = await app.inject({ method: 'GET', url });
      expect([byQuery.statusCode, byQuery.json()]).toEqual([200, expected]);
      const byHeader = await app.inject({ method: 'GET', url: '/sourceConfig?p=npm', headers: { authorization: basic('local-web') } });
      expect([byHeader.statusCode, byHeader.json()]).toEqual([200, expected]);
      const unknown = await app.inject({ method: 'GET', url: url.replace('local-web', 'guessed-key') });
      expect([unknown.statusCode, unknown.json()]).toMatchObject([401, { code: 'ERR_INGEST_UNAUTHORIZED', reason: 'unknown write key' }]);
      const none = await app.inject({ method: 'GET', url: '/sourceConfig/?p=npm' });
      expect(none.statusCode).toBe(401);
      // The SDK reads it cross-origin with Authorization: a preflighted GET.
      const preflight = await app.inject({ method: 'OPTIONS', url, headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
      expect([preflight.statusCode, preflight.headers['access-control-allow-origin'], String(preflight.headers['access-control-allow-methods'])]).toEqual([204, 'https://shop.example', 'GET, POST, OPTIONS']);
    });

    it("allows the headers RudderStack's browser SDK sends, its retry headers too, in the first preflight", async () => {
      const { app } = setup();
      // As Chromium asked on the first request of a page; the answer is cached a day, so it must
      // already allow what a retry or a recovered event adds.
      const res = await app.inject({ method: 'OPTIONS', url: '/v1/track', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'anonymousid,authorization,content-type,sentat' } });
      expect(res.statusCode).toBe(204);
      const allowed = String(res.headers['access-control-allow-headers']).split(',').map((h) => h.trim());
      const retry = ['rsa-recovered', 'rsa-retry-attempt', 'rsa-retry-reason', 'rsa-since-first-attempt', 'rsa-since-last-attempt'];
      expect(['anonymousid', 'authorization', 'content-type', 'sentat', ...retry].filter((h) => !allowed.includes(h))).toEqual([]);
    });
  });

  // Clients label the same JSON differently: analytics.js text/plain, RudderStack's Node SDK
  // application/x-www-form-urlencoded (gzip), curl -d x-www-form-urlencoded, some none at all.
  // Segment's and RudderStack's servers read the body as JSON whatever the label; so does ingest.
  describe('reads a body as JSON whatever content type it is labelled with', () => {
    const LABELS: (string | undefined)[] = [
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'application/x-www-form-urlencoded; charset=utf-8',
      'application/octet-stream',
      'multipart/form-data; boundary=x',
      'application/vnd.example+json',
      undefined,
    ];
    const ENCODINGS: Record<string, { header?: string; encode: (text: string) => Buffer }> = {
      plain: { encode: (text) => Buffer.from(text) },
      gzip: { header: 'gzip', encode: (text) => gzipSync(text) },
      deflate: { header: 'deflate', encode: (text) => deflateSync(text) },
    };
    const cases = LABELS.flatMap((label) => Object.keys(ENCODINGS).map((encoding) => ({ label: label ?? '(none)', contentType: label, encoding })));
    const send = (app: ReturnType<typeof setup>['app'], url: string, key: string, contentType: string | undefined, encoding: string, text: string) =>
      app.inject({
        method: 'POST',
        url,
        headers: { authorization: basic(key), ...(contentType ? { 'content-type': contentType } : {}), ...(ENCODINGS[encoding]!.header ? { 'content-encoding': ENCODINGS[encoding]!.header } : {}) },
        payload: ENCODINGS[encoding]!.encode(text),
      });

    it.each(cases)('$label, $encoding: Segment batch, single events (long and short paths), store batch', async ({ contentType, encoding }) => {
      const { app, published } = setup();
      const batch = await send(app, '/v1/batch', 'local-web', contentType, encoding, JSON.stringify({ batch: [{ type: 'track', event: 'Ünïcode ✓', anonymousId: 'a', messageId: 'b-1' }] }));
      expect([batch.statusCode, batch.json()]).toEqual([200, { success: true }]);
      const short = await send(app, '/v1/b', 'local-web', contentType, encoding, JSON.stringify({ writeKey: 'local-web', batch: [{ type: 'page', anonymousId: 'a', messageId: 'b-2' }] }));
      expect(short.statusCode).toBe(200);
      for (const [url, messageId] of [['/v1/identify', 'i-1'], ['/v1/t', 't-1']] as const) {
        const single = await send(app, url, 'local-web', contentType, encoding, JSON.stringify({ userId: 'u', event: 'E', messageId }));
        expect([url, single.statusCode]).toEqual([url, 200]);
      }
      const store = await send(app, '/v1/store/batch', 'local-store-hel-1', contentType, encoding, JSON.stringify({ batch: [{ type: 'people_count', timestamp: now(), sensorId: 'cam', kind: 'line_crossing', countIn: 1, countOut: 0 }] }));
      expect([store.statusCode, store.json()]).toEqual([200, { success: true, accepted: 1 }]);
      expect(published.map((p) => [p.kind, p.value.envelope.eventId])).toEqual([['segment', 'b-1'], ['segment', 'b-2'], ['segment', 'i-1'], ['segment', 't-1'], ['peopleCount', expect.any(String)]]);
      expect(published[0]!.kind === 'segment' && published[0]!.value.event).toBe('Ünïcode ✓');
    });

    it.each(cases)('$label, $encoding: a body that is not JSON is refused 400, naming the body', async ({ contentType, encoding }) => {
      const { app, published } = setup();
      for (const [url, key] of [['/v1/batch', 'local-web'], ['/v1/track', 'local-web'], ['/v1/p', 'local-web'], ['/v1/store/batch', 'local-store']] as const) {
        const res = await send(app, url, key, contentType, encoding, 'writeKey=local-web&event=Order%20Completed');
        expect([url, res.statusCode, res.json()]).toEqual([url, 400, { success: false, code: 'ERR_INGEST_INVALID', field: '(body)', reason: 'is not valid JSON', message: '(body): is not valid JSON' }]);
      }
      expect(published).toHaveLength(0);
    });

    it("takes a chunked body without Content-Length, as analytics-kotlin streams its gzip batch (text/plain, key in the body)", async () => {
      const { app, published } = setup();
      const body = gzipSync(JSON.stringify({ batch: [{ type: 'screen', name: 'Cart', anonymousId: 'app-1', messageId: 'k-1' }], sentAt: now(), writeKey: 'local-web' }));
      const res = await app.inject({ method: 'POST', url: '/v1/b', headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'transfer-encoding': 'chunked', 'user-agent': 'analytics-kotlin' }, payload: Readable.from([body.subarray(0, 10), body.subarray(10)]) });
      expect([res.statusCode, res.json()]).toEqual([200, { success: true }]);
      expect(published.map((p) => p.value.envelope.eventId)).toEqual(['k-1']);
    });

    it('refuses an empty body, JSON that is not an object, a __proto__ key and a body nested too deeply, each with its reason', async () => {
      const { app, published } = setup();
      const empty = await send(app, '/v1/batch', 'local-web', 'application/x-www-form-urlencoded', 'plain', '');
      expect([empty.statusCode, empty.json()]).toMatchObject([400, { code: 'ERR_INGEST_INVALID', field: '(body)', reason: 'is empty: a JSON object was expected' }]);
      const none = await send(app, '/v1/batch', 'local-web', undefined, 'plain', '');
      expect([none.statusCode, none.json()]).toMatchObject([400, { code: 'ERR_INGEST_INVALID', field: '(body)', reason: 'must be object' }]);
      const array = await send(app, '/v1/track', 'local-web', 'text/plain', 'gzip', '[1, 2]');
      expect([array.statusCode, array.json()]).toMatchObject([400, { code: 'ERR_INGEST_INVALID', field: '(body)', reason: 'must be object' }]);
      // Valid JSON, refused: the answer names the key and why, not "not valid JSON".
      const poisoned = await send(app, '/v1/track', 'local-web', 'application/octet-stream', 'plain', '{"event":"X","anonymousId":"a","__proto__":{"admin":true}}');
      expect([poisoned.statusCode, poisoned.json()]).toMatchObject([400, { code: 'ERR_INGEST_INVALID', field: '__proto__', reason: 'is refused: a __proto__ key could change the prototype of the objects made from the body' }]);
      const nested = await send(app, '/v1/batch', 'local-web', 'text/plain', 'gzip', '{"batch":[{"type":"track","event":"X","anonymousId":"a","properties":{"items":[{"\\u005f_proto__":{}}]}}]}');
      expect([nested.statusCode, nested.json().field]).toEqual([400, 'batch[0].properties.items[0].__proto__']);
      const constructor = await send(app, '/v1/track', 'local-web', 'application/json', 'plain', '{"event":"X","anonymousId":"a","context":{"constructor":{"prototype":{"admin":true}}}}');
      expect([constructor.statusCode, constructor.json()]).toMatchObject([400, { field: 'context.constructor.prototype', reason: 'is refused: a constructor.prototype key could change the prototype of the objects made from the body' }]);
      // Nested deeper than a recursive search could go (the batch route takes 500 KB): cut, not a 5xx.
      const depth = 200_000;
      const deep = await send(app, '/v1/batch', 'local-web', 'application/json', 'plain', `{"batch":[{"type":"track","event":"X","anonymousId":"a","properties":{"p":${'['.repeat(depth)}{"__proto__":1}${']'.repeat(depth)}}}]}`);
      expect([deep.statusCode, deep.json().field]).toEqual([400, `${`batch[0].properties.p${'[0]'.repeat(100)}`.slice(0, 200)}…`]);
      // As deep without such a key: a 400 too, not a 503 the client would retry for ever.
      const tooDeep = await send(app, '/v1/batch', 'local-web', 'application/json', 'plain', `{"batch":[{"type":"track","event":"X","anonymousId":"a","properties":{"p":${'['.repeat(depth)}1${']'.repeat(depth)}}}]}`);
      expect([tooDeep.statusCode, tooDeep.json()]).toMatchObject([400, { code: 'ERR_INGEST_INVALID', field: '(body)', reason: 'is nested too deeply' }]);
      expect(published).toHaveLength(0);
    });

    it('applies the limits to the decompressed body whatever the label', async () => {
      const { app, published } = setup();
      const many = Array.from({ length: 20 }, () => ({ type: 'track', event: 'X', anonymousId: 'a', properties: { pad: 'x'.repeat(30 * 1024) } }));
      const res = await send(app, '/v1/batch', 'local-web', 'application/x-www-form-urlencoded', 'gzip', JSON.stringify({ batch: many }));
      expect([res.statusCode, res.json().reason]).toEqual([400, 'is larger than the limit of 500 KB for this endpoint']);
      const item = await send(app, '/v1/batch', 'local-web', 'text/plain', 'gzip', JSON.stringify({ batch: [{ type: 'page', anonymousId: 'a' }, { type: 'track', event: 'X', anonymousId: 'a', properties: { pad: 'x'.repeat(33 * 1024) } }] }));
      expect([item.statusCode, item.json()]).toMatchObject([400, { field: 'batch[1]', reason: 'is larger than the limit of 32 KB per event' }]);
      const event = await send(app, '/v1/t', 'local-web', undefined, 'deflate', JSON.stringify({ event: 'X', anonymousId: 'a', properties: { pad: 'x'.repeat(33 * 1024) } }));
      expect([event.statusCode, event.json().reason]).toEqual([400, 'is larger than the limit of 32 KB for this endpoint']);
      expect(published).toHaveLength(0);
    });
  });

  it('answers 405 with Allow for a method a path does not serve, a plain OPTIONS with Allow, 404 elsewhere, each naming the problem', async () => {
    const { app, published } = setup();
    // light-my-request's types lack TRACE; it sends it as it is.
    const trace = await app.inject({ method: 'TRACE' as 'GET', url: '/healthz' });
    expect([trace.statusCode, trace.headers.allow, trace.json()]).toEqual([405, 'GET, HEAD, OPTIONS', { success: false, code: 'ERR_INGEST_METHOD', field: '(method)', reason: 'TRACE is not served at /healthz (GET, HEAD, OPTIONS)', message: '(method): TRACE is not served at /healthz (GET, HEAD, OPTIONS)' }]);
    // Before authentication and before the body is read.
    const put = await app.inject({ method: 'PUT', url: '/v1/batch', headers: { 'content-type': 'application/json' }, payload: 'not json' });
    expect([put.statusCode, put.headers.allow]).toEqual([405, 'POST, OPTIONS']);
    const get = await app.inject({ method: 'GET', url: '/v1/store/batch?x=1' });
    expect([get.statusCode, get.headers.allow, get.json().field]).toEqual([405, 'POST, OPTIONS', '(method)']);
    const meraki = await app.inject({ method: 'DELETE', url: '/v1/meraki/demo-stores' });
    expect([meraki.statusCode, meraki.headers.allow]).toEqual([405, 'GET, HEAD, POST, OPTIONS']);
    const options = await app.inject({ method: 'OPTIONS', url: '/v1/track' });
    expect([options.statusCode, options.headers.allow]).toEqual([204, 'POST, OPTIONS']);
    const unknown = await app.inject({ method: 'GET', url: '/v2/batch' });
    expect([unknown.statusCode, unknown.json()]).toMatchObject([404, { code: 'ERR_INGEST_NOT_FOUND', field: '(path)', reason: 'no route serves GET /v2/batch' }]);
    const receiver = await app.inject({ method: 'GET', url: '/v1/meraki/nope' });
    expect([receiver.statusCode, receiver.json()]).toMatchObject([404, { field: 'receiver', reason: 'no Meraki receiver nope' }]);
    expect(published).toHaveLength(0);
  });

  it('names the type of a store event that has none or an unknown one', async () => {
    const { app } = setup();
    for (const item of [{ kind: 'sale' }, { type: 'receipt' }]) {
      const res = await app.inject({ method: 'POST', url: '/v1/store/batch', headers: { authorization: basic('local-store') }, payload: { batch: [item] } });
      expect([res.statusCode, res.json().field]).toEqual([400, 'batch[0].type']);
    }
    const unknown = await app.inject({ method: 'POST', url: '/v1/store/batch', headers: { authorization: basic('local-store') }, payload: { batch: [{ type: 'receipt' }] } });
    expect(unknown.json().reason).toBe('must be one of pos_transaction, beacon_sighting, wifi_observation, people_count');
  });

  describe('its OpenAPI document', () => {
    const documentOf = async () => (await setup().app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, Operation>> };
    type Operation = { responses: Record<string, { content?: Record<string, { schema: { required?: string[] } }> }>; requestBody?: { content: Record<string, { example?: unknown }> } };

    it('declares every status each route answers, a 4xx with the field and the reason', async () => {
      const doc = await documentOf();
      const statuses = Object.fromEntries(Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => [`${method} ${path}`, Object.keys(op.responses).join(' ')])));
      const publishing = '200 400 401 415 503';
      expect(statuses).toEqual({
        ...Object.fromEntries(['/v1/batch', '/v1/b', '/beacon/v1/batch', '/v1/track', '/v1/page', '/v1/screen', '/v1/identify', '/v1/alias', '/v1/group', '/v1/store/batch'].map((path) => [`post ${path}`, publishing])),
        'get /sourceConfig/': '200 401',
        'get /v1/meraki/{receiver}': '200 404',
        'post /v1/meraki/{receiver}': '200 400 401 403 415 503',
        'get /healthz': '200',
        'get /readyz': '200 503',
        'get /metrics': '200',
      });
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          for (const [status, response] of Object.entries(op.responses).filter(([status]) => status.startsWith('4'))) {
            expect([method, path, status, response.content?.['application/json']?.schema.required]).toEqual([method, path, status, expect.arrayContaining(['code', 'field', 'reason'])]);
          }
        }
      }
    });

    it('is OpenAPI 3.0: exclusive bounds are booleans beside the bound, store events a oneOf with a discriminator', async () => {
      const doc = await documentOf();
      const offending: string[] = [];
      const walk = (node: unknown, at: string) => {
        if (!node || typeof node !== 'object') return;
        const o = node as Record<string, unknown>;
        for (const key of ['exclusiveMinimum', 'exclusiveMaximum']) if (key in o && typeof o[key] !== 'boolean') offending.push(`${at}.${key}`);
        for (const key of ['if', 'then', 'else', 'const']) if (key in o && !at.endsWith('.properties')) offending.push(`${at}.${key}`);
        for (const [key, value] of Object.entries(o)) walk(value, `${at}.${key}`);
      };
      walk(doc, '');
      expect(offending).toEqual([]);
      const version = (doc.paths['/v1/meraki/{receiver}']!.post!.requestBody!.content['application/json'] as { schema: { properties: { version: object } } }).schema.properties.version;
      expect(version).toMatchObject({ minimum: 3, maximum: 4, exclusiveMaximum: true });
      const items = (doc.paths['/v1/store/batch']!.post!.requestBody!.content['application/json'] as { schema: { properties: { batch: { items: { oneOf: unknown[]; discriminator: unknown } } } } }).schema.properties.batch.items;
      expect([items.oneOf.length, items.discriminator]).toEqual([4, { propertyName: 'type' }]);
    });

    it('has an example for every body, each accepted whole', async () => {
      const doc = await documentOf();
      const { app, published, dead } = setup();
      const keys: Record<string, string> = { '/v1/store/batch': 'local-store' };
      for (const [path, ops] of Object.entries(doc.paths)) {
        const example = ops.post?.requestBody?.content['application/json']?.example;
        if (!ops.post) continue;
        expect([path, example === undefined]).toEqual([path, false]);
        const res = await app.inject({ method: 'POST', url: path.replace('{receiver}', 'demo-stores'), headers: { authorization: basic(keys[path] ?? 'local-web') }, payload: example as object });
        expect([path, res.statusCode, res.json().rejected]).toEqual([path, 200, undefined]);
      }
      expect(dead).toEqual([]);
      expect(published.length).toBeGreaterThanOrEqual(11);
    });
  });

  describe('suppression of erased persons', () => {
    const salt = 'test-salt-0123456789';
    const suppressed = (...ids: [type: string, value: string][]) => {
      const list = new SuppressionList();
      for (const [type, value] of ids) list.add({ tenant: 'demo', identifier: { type, value }, requestId: 'er-1', since: 1 });
      return list;
    };
    const metric = async (registry: Registry, name: string) => (await registry.getSingleMetric(name)!.get()).values.map((v) => [v.labels, v.value]);

    it('produces no event that carries a suppressed identifier, answers as if it were accepted, counts it', async () => {
      const { app, published, dead, registry } = setup(false, suppressed(['anonymous_id', 'a-erased']));
      const batch = { batch: [{ type: 'track', event: 'X', anonymousId: 'a-erased', messageId: 'm-1' }, { type: 'track', event: 'Y', anonymousId: 'a-other', messageId: 'm-2' }] };
      const res = await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic('local-web') }, payload: batch });
      // The answer an unsuppressed batch gets: nothing tells a holder of the (public) write key that a person was erased.
      expect([res.statusCode, res.json()]).toEqual([200, { success: true }]);
      expect(published.map((p) => p.value.envelope.eventId)).toEqual(['m-2']);
      expect(dead).toEqual([]);
      expect(await metric(registry, 'ingest_suppressed_events_total')).toEqual([[{ source: 'web-shop', type: 'track' }, 1]]);
      expect(await metric(registry, 'ingest_events_accepted_total')).toEqual([[{ source: 'web-shop', type: 'track' }, 1]]);
      expect(await metric(registry, 'ingest_suppressed_identifiers')).toEqual([[{}, 1]]);
      // A batch that also has a dead letter counts the suppressed event among the accepted.
      const mixed = await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic('local-web') }, payload: { batch: [...batch.batch, { type: 'track', anonymousId: 'a-other' }] } });
      expect(mixed.json()).toMatchObject({ success: true, accepted: 2, rejected: [{ field: 'batch[2].event' }] });
      expect(dead).toHaveLength(1);
    });

    it('finds the identifier after ingest hashed it: an e-mail in the traits of a single identify call', async () => {
      const { app, published } = setup(false, suppressed(['email_hash', hashEmail(salt, 'anna@example.com')]));
      const res = await app.inject({ method: 'POST', url: '/v1/identify', headers: { authorization: basic('local-web') }, payload: { userId: 'u-new', traits: { email: 'Anna@Example.com' } } });
      expect([res.statusCode, res.json()]).toEqual([200, { success: true }]);
      expect(published).toEqual([]);
      await app.inject({ method: 'POST', url: '/v1/identify', headers: { authorization: basic('local-web') }, payload: { userId: 'u-new', traits: { email: 'someone.else@example.com' } } });
      expect(published).toHaveLength(1);
    });

    it('suppresses store events and Meraki observations too, their answers counting them as accepted', async () => {
      const anna = hashMac(salt, '00:1b:63:84:45:e6');
      const { app, published, registry } = setup(false, suppressed(['loyalty_card', 'LC-ERASED'], ['wifi_mac_hash', anna]));
      const receipt = (receiptId: string, loyaltyCard: string) => ({ type: 'pos_transaction', timestamp: now(), storeId: 'HEL-1', receiptId, loyaltyCard, currency: 'EUR', total: 1, lines: [{ sku: 'A', quantity: 1, price: 1 }] });
      const store = await app.inject({ method: 'POST', url: '/v1/store/batch', headers: { authorization: basic('local-store') }, payload: { batch: [receipt('R-1', 'LC-ERASED'), receipt('R-2', 'LC-2')] } });
      expect(store.json()).toEqual({ success: true, accepted: 2 });
      expect(published.map((p) => p.value.envelope.eventId)).toEqual(['pos:HEL-1:R-2']);

      published.length = 0;
      const wifi = await app.inject({ method: 'POST', url: '/v1/meraki/demo-stores', payload: fixture('wifi-v3.json') });
      expect(wifi.json()).toEqual({ success: true, accepted: 7 });
      const macs = published.map((p) => (p.kind === 'wifi' ? p.value.clientMacHash : undefined));
      expect(macs.length).toBeGreaterThan(0);
      expect(macs).not.toContain(anna);
      expect(await metric(registry, 'ingest_suppressed_events_total')).toEqual([
        [{ source: 'store-gateway', type: 'pos' }, 1],
        [{ source: 'meraki-demo-stores', type: 'wifi' }, 7 - published.length],
      ]);
    });
  });

  it('writes ajv paths the way a developer reads a payload', () => {
    expect(fieldOf('/batch/3/lines/0', 'price')).toBe('batch[3].lines[0].price');
    expect(fieldOf('')).toBe('(body)');
  });
});
