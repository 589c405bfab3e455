/**
 * The push channel in process, over a real socket (server-sent events are a stream): the first
 * event says when data last landed, a landing of the key's tenant comes as `landed`, another
 * tenant's never, and a key without kpi:read is refused.
 */
import { createHash } from 'node:crypto';
import { buildHttpApp } from './http';
import { parseApiKeys } from '../core/api-keys';
import { LandingFeed } from '../core/landing-feed';
import { offlineAppOptions } from '../openapi';

const sha = (key: string) => createHash('sha256').update(key).digest('hex');
const keys = parseApiKeys(
  {
    keys: [
      { name: 'dashboard', sha256: sha('kpi-key'), tenant: 'demo', scopes: ['kpi:read'] },
      { name: 'clerk', sha256: sha('clerk-key'), tenant: 'demo', scopes: ['profile:read'] },
    ],
  },
  'test',
);

/** Reads events off a stream's body: each `event:`/`data:` block, parsed. */
function eventsOf(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return async (): Promise<{ event: string; data: Record<string, unknown> }> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) return { event, data: JSON.parse(data) as Record<string, unknown> };
        continue;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += decoder.decode(value, { stream: true });
    }
  };
}

describe('GET /v1/stream', () => {
  const landings = new LandingFeed(50);
  const app = buildHttpApp({ ...offlineAppOptions(keys), landings, ready: () => true });
  let base = '';
  beforeAll(async () => {
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => app.close());

  it('says when data last landed, then tells each landing of the key\'s tenant', async () => {
    landings.landed('demo', Date.UTC(2026, 11, 2, 9), 3);
    const controller = new AbortController();
    const res = await fetch(`${base}/v1/stream`, { headers: { authorization: 'Bearer kpi-key' }, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const next = eventsOf(res.body!);
    expect(await next()).toEqual({ event: 'landed', data: { landedAt: '2026-12-02T09:00:00.000Z', persons: 0 } });
    landings.landed('other', Date.UTC(2026, 11, 2, 10), 5);
    landings.landed('demo', Date.UTC(2026, 11, 2, 11), 2);
    expect(await next()).toEqual({ event: 'landed', data: { landedAt: '2026-12-02T11:00:00.000Z', persons: 2 } });
    controller.abort();
    // The server forgets the subscriber once the client has gone.
    for (let i = 0; i < 50 && landings.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(landings.size).toBe(0);
  });

  it('needs kpi:read', async () => {
    const res = await fetch(`${base}/v1/stream`, { headers: { authorization: 'Bearer clerk-key' } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toContain('kpi:read');
  });
});
