import { ItemError } from './errors';
import { hashEmail } from './pii';
import { normalizeSegmentEvent } from './segment';
import type { Source } from './sources';

const source: Source = { id: 'web-shop', writeKey: 'local-web', kind: 'segment', channel: 'WEB', tenant: 'demo' };
const receivedAt = Date.parse('2026-11-23T12:00:10.000Z');
const ctx = { source, receivedAt, salt: 'test-salt-0123456789' };

describe('normalizeSegmentEvent', () => {
  it('keeps messageId as event id and corrects the client clock by sentAt', () => {
    // The client clock is 1 h fast; the event happened 2 s before the send.
    const e = normalizeSegmentEvent(
      { messageId: 'ajs-next-1', anonymousId: 'a1', userId: null, event: 'Product Viewed', timestamp: '2026-11-23T13:00:08.000Z', sentAt: '2026-11-23T13:00:10.000Z', properties: { sku: 'S1' } },
      'track', ctx, 'batch[0]',
    );
    expect(e.envelope).toEqual({ eventId: 'ajs-next-1', eventTime: receivedAt - 2000, receivedTime: receivedAt, source: 'web-shop', tenant: 'demo', schemaVersion: 1 });
    expect(e).toMatchObject({ type: 'TRACK', channel: 'WEB', anonymousId: 'a1', userId: null, event: 'Product Viewed', properties: '{"sku":"S1"}' });
  });

  it('hashes e-mail and phone traits, in traits and in context.traits, and keeps the rest', () => {
    const e = normalizeSegmentEvent(
      { userId: 'u1', traits: { email: ' Anna@Example.COM ', phone: '+358 40 123', loyaltyCard: 'LC-1' }, context: { traits: { email: 'anna@example.com' } } },
      'identify', ctx, '',
    );
    const traits = JSON.parse(e.traits!);
    expect(traits).toEqual({ loyaltyCard: 'LC-1', emailHash: hashEmail(ctx.salt, 'anna@example.com'), phoneHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(e.traits).not.toContain('Anna');
    expect(JSON.parse(e.context.extra!).traits).toEqual({ emailHash: traits.emailHash });
  });

  it("takes an identify's traits from context.traits as RudderStack sends them, the event's own traits over them", () => {
    const rudder = normalizeSegmentEvent({ userId: 'u1', context: { traits: { email: 'anna@example.com', name: 'Anna' } } }, 'identify', ctx, '');
    expect(JSON.parse(rudder.traits!)).toEqual({ name: 'Anna', emailHash: hashEmail(ctx.salt, 'anna@example.com') });
    const both = normalizeSegmentEvent({ userId: 'u1', traits: { name: 'Anna V.', plan: 'gold' }, context: { traits: { name: 'Anna', city: 'Oulu' } } }, 'identify', ctx, '');
    expect(JSON.parse(both.traits!)).toEqual({ name: 'Anna V.', plan: 'gold', city: 'Oulu' });
    // Only identify: on other calls context.traits describe the user, not the event.
    const track = normalizeSegmentEvent({ userId: 'u1', event: 'X', context: { traits: { name: 'Anna' } } }, 'track', ctx, '');
    expect(track.traits).toBeNull();
    const group = normalizeSegmentEvent({ userId: 'u1', groupId: 'g', traits: { name: 'Oy' }, context: { traits: { name: 'Anna' } } }, 'group', ctx, '');
    expect(JSON.parse(group.traits!)).toEqual({ name: 'Oy' });
  });

  it('takes context.consent into its own field, not into the context\'s other keys, and refuses a malformed one by its place', () => {
    const e = normalizeSegmentEvent({ userId: 'u1', event: 'X', context: { consent: { categoryPreferences: { Advertising: false, C0002: true } }, locale: 'fi-FI', other: 1 } }, 'track', ctx, 'batch[0]');
    expect(e.context.consent).toEqual({ categoryPreferences: { Advertising: false, C0002: true } });
    expect(JSON.parse(e.context.extra!)).toEqual({ other: 1 });
    expect(normalizeSegmentEvent({ userId: 'u1', event: 'X' }, 'track', ctx, '').context.consent).toBeNull();
    expect(() => normalizeSegmentEvent({ userId: 'u1', event: 'X', context: { consent: { categoryPreferences: { Ads: 1 } } } }, 'track', ctx, 'batch[4]')).toThrow('batch[4].context.consent.categoryPreferences.Ads: must be true or false, not 1');
  });

  it('names the field and the reason when the spec is broken', () => {
    const attempt = (input: object, type: 'track' | 'alias' | 'page') => () => normalizeSegmentEvent(input, type, ctx, 'batch[2]');
    expect(attempt({ event: 'X' }, 'track')).toThrow(new ItemError('batch[2].userId', 'ingest.missing_identity', 'userId or anonymousId is required (Segment spec)'));
    expect(attempt({ event: 'X' }, 'track')).toThrow(expect.objectContaining({ code: 'ingest.missing_identity', field: 'batch[2].userId' }));
    expect(attempt({ anonymousId: 'a', event: '  ' }, 'track')).toThrow('batch[2].event: track needs the event name');
    expect(attempt({ userId: 'u' }, 'alias')).toThrow('batch[2].previousId: alias needs previousId and userId');
    expect(attempt({ anonymousId: 'a', timestamp: 'yesterday' }, 'page')).toThrow('batch[2].timestamp: must be an ISO-8601 date-time');
    expect(attempt({ anonymousId: 'a', timestamp: '2027-12-01T00:00:00Z' }, 'page')).toThrow('batch[2].timestamp: is more than a day in the future');
  });

  it('generates an event id when the client sent none, and keeps the typed context fields', () => {
    const e = normalizeSegmentEvent(
      { anonymousId: 42, context: { ip: '10.0.0.1', userAgent: 'UA', page: { path: '/p', url: 'https://s/p' }, app: { name: 'Shop', version: '2.1' }, custom: 1 } },
      'page', ctx, '',
    );
    expect(e.envelope.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(e.anonymousId).toBe('42');
    // The IP is cut to its /24 network before it leaves ingest.
    expect(e.context).toMatchObject({ ip: '10.0.0.0', userAgent: 'UA', pagePath: '/p', pageUrl: 'https://s/p', appName: 'Shop', appVersion: '2.1', extra: '{"custom":1}' });
    expect(e.envelope.eventTime).toBe(receivedAt);
  });
});
