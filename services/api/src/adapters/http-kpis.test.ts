/**
 * The console's store, segment-growth, partner-reach and freshness routes in process (fastify's
 * inject) with ClickHouse's reads replaced by fixed rows: what each asks ClickHouse for (the days,
 * the partner's consent, the 5 minutes), what goes out through its response schema, and the 400
 * naming a wrong parameter. Against the real pipeline: e2e/api.e2e.test.ts.
 */
import { createHash } from 'node:crypto';
import { buildHttpApp } from './http';
import type { ClickHouseReads } from './clickhouse-reads';
import { parseApiKeys } from '../core/api-keys';
import type { SegmentConsent } from '../core/consent';
import { RULE_SEGMENT_NAMES } from '../core/segments';
import { offlineAppOptions } from '../openapi';
import { callerOf, TEST_CONSENT_POLICY as policy } from '../test-support';

const sha = (key: string) => createHash('sha256').update(key).digest('hex');
const keys = parseApiKeys({ keys: [{ name: 'dashboard', sha256: sha('kpi-key'), tenant: 'demo', scopes: ['kpi:read'] }] }, 'test');
const NOW = Date.parse('2026-12-02T00:30:00Z');

function appWith() {
  const asked: unknown[][] = [];
  const sizes: Record<string, Record<string, number>> = {
    '2026-12-02': Object.fromEntries(RULE_SEGMENT_NAMES.map((name) => [name, 0])),
    '2026-11-25': Object.fromEntries(RULE_SEGMENT_NAMES.map((name) => [name, 0])),
  };
  sizes['2026-12-02']!.omnichannel_buyers = 6;
  sizes['2026-11-25']!.omnichannel_buyers = 4;
  sizes['2026-11-25']!.lapsed_buyers = 3;
  const reads = {
    stores: async (tenant: string) => (asked.push(['stores', tenant]), [{ store_id: 'HEL-1', name: 'Kamppi', city: 'Helsinki', postal_code: '00100', country_code: 'FI', time_zone: 'Europe/Helsinki', zones: [{ zone_id: 'entrance', name: 'Entrance', kind: 'entrance' }], opening_hours: [] }]),
    storeDwell: async (...args: unknown[]) => (asked.push(['dwell', ...args]), { time_zone: 'Europe/Helsinki', dwell: [[7, 2], [61, 1]] }),
    ruleSegmentSizes: async (tenant: string, days: number, end: string) => (asked.push(['sizes', tenant, days, end]), sizes[end] ?? {}),
    partnerSegmentList: async () => [
      { partner: 'nordic-loyalty', segment: 'outdoor', identifiers: 3 },
      { partner: 'tailored-ads', segment: 'runners', identifiers: 2 },
    ],
    partnerSegmentReach: async (_tenant: string, partner: string, consent: SegmentConsent) => (asked.push(['reach', partner, consent]), partner === 'nordic-loyalty' ? [{ segment: 'outdoor', persons: 2, consenting_persons: 1 }] : []),
    freshness: async (tenant: string, sinceMs: number) => (asked.push(['freshness', tenant, sinceMs]), { events: 2, newest_event_time: NOW - 90_000, last_landed_at: NOW - 30_000, landed_since: 2 }),
  } as unknown as ClickHouseReads;
  const app = buildHttpApp({ ...offlineAppOptions(keys), reads, policy, ready: () => true, now: () => NOW });
  return { call: (url: string) => callerOf(app)('GET', url, 'kpi-key'), asked };
}

test('stores: the directory with its zones', async () => {
  const { call } = appWith();
  expect(await call('/v1/kpis/stores')).toMatchObject({
    status: 200,
    body: { stores: [{ storeId: 'HEL-1', name: 'Kamppi', city: 'Helsinki', postalCode: '00100', countryCode: 'FI', timeZone: 'Europe/Helsinki', zones: [{ zoneId: 'entrance', name: 'Entrance', kind: 'entrance' }] }] },
  });
});

test('dwell: the store\'s day in buckets, asked for that store and day', async () => {
  const { call, asked } = appWith();
  const r = await call('/v1/kpis/stores/HEL-1/dwell?day=2026-12-01');
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ storeId: 'HEL-1', day: '2026-12-01', timeZone: 'Europe/Helsinki', visitors: 3 });
  expect((r.body.buckets as { visitors: number }[]).map((b) => b.visitors)).toEqual([0, 2, 0, 0, 0, 1]);
  expect(asked).toEqual([['dwell', 'demo', 'HEL-1', '2026-12-01']]);
});

test('segment growth: both windows end on UTC days of the API\'s clock, the largest change first', async () => {
  const { call, asked } = appWith();
  const r = await call('/v1/kpis/segments/growth?days=30&compareDays=7');
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ days: 30, compareDays: 7, window: { from: '2026-11-02', to: '2026-12-02' }, compareWindow: { from: '2026-10-26', to: '2026-11-25' } });
  const segments = r.body.segments as { segment: string; change: number }[];
  expect(segments[0]).toEqual({ segment: 'omnichannel_buyers', description: 'bought online and in a store in the last 30 days', persons: 6, personsBefore: 4, change: 2, relativeChange: 0.5 });
  expect(segments[segments.length - 1]).toMatchObject({ segment: 'lapsed_buyers', persons: 0, personsBefore: 3, change: -3, relativeChange: -1 });
  expect(segments).toHaveLength(RULE_SEGMENT_NAMES.length);
  expect(asked).toEqual(expect.arrayContaining([['sizes', 'demo', 30, '2026-12-02'], ['sizes', 'demo', 30, '2026-11-25']]));
  // The defaults: 30 days, against a week ago.
  expect((await call('/v1/kpis/segments/growth')).body).toMatchObject({ days: 30, compareDays: 7 });
});

test('partner reach: each partner asked with its own terms\' consent, every delivered segment answered', async () => {
  const { call, asked } = appWith();
  const r = await call('/v1/kpis/partner-segments/reach');
  expect(r).toMatchObject({
    status: 200,
    body: {
      segments: [
        { partner: 'nordic-loyalty', segment: 'outdoor', identifiers: 3, persons: 2, consentingPersons: 1, purposes: ['marketing'] },
        { partner: 'tailored-ads', segment: 'runners', identifiers: 2, persons: 0, consentingPersons: 0, purposes: ['personalisation', 'marketing'] },
      ],
    },
  });
  expect(asked).toEqual([
    ['reach', 'nordic-loyalty', { purposes: ['marketing'], defaults: [0] }],
    ['reach', 'tailored-ads', { purposes: ['personalisation', 'marketing'], defaults: [0, 0] }],
  ]);
});

test('freshness: ISO times, the events of the last 5 minutes by the API\'s clock', async () => {
  const { call, asked } = appWith();
  expect((await call('/v1/kpis/freshness')).body).toEqual({
    newestEventTime: '2026-12-02T00:28:30.000Z',
    lastLandedAt: '2026-12-02T00:29:30.000Z',
    eventsLandedLast5Minutes: 2,
    asOf: '2026-12-02T00:30:00.000Z',
  });
  expect(asked).toEqual([['freshness', 'demo', NOW - 300_000]]);
});

test('a wrong parameter is 400 naming it', async () => {
  const { call, asked } = appWith();
  const cases: [string, string][] = [
    ['/v1/kpis/stores/HEL-1/dwell', 'day'],
    ['/v1/kpis/stores/HEL-1/dwell?day=2026-02-30', 'day'],
    ['/v1/kpis/segments/growth?days=0', 'days'],
    ['/v1/kpis/segments/growth?days=3651', 'days'],
    ['/v1/kpis/segments/growth?compareDays=soon', 'compareDays'],
  ];
  for (const [url, parameter] of cases) {
    const r = await call(url);
    expect({ url, status: r.status, parameter: r.body.parameter }).toEqual({ url, status: 400, parameter });
  }
  expect(asked).toEqual([]);
});
