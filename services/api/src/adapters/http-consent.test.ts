/**
 * Consent in the person and segment routes, in process (fastify's inject) with ClickHouse's reads
 * replaced by fixed rows: what each route answers and withholds, through the response schemas (a
 * null where the schema says integer would go out as 0), what it does not even read, the consent
 * read cached and dropped by a change, and what a segment export asks ClickHouse for. The same
 * against ClickHouse: test/consent.int.test.ts.
 */
import { createHash } from 'node:crypto';
import type { CategoryAnswer } from '@cdp/plumbing';
import { buildHttpApp } from './http';
import type { ClickHouseReads } from './clickhouse-reads';
import type { Recommender } from './recommender';
import { parseApiKeys } from '../core/api-keys';
import type { SegmentConsent } from '../core/consent';
import { LiftModel } from '../core/lift';
import { PersonCache } from '../core/person-cache';
import { PersonDirectory } from '../core/person-directory';
import type { ActivityRow, TimelineRow } from '../core/read-rows';
import { ReferenceData } from '../core/reference-data';
import { offlineAppOptions } from '../openapi';
import { TEST_CONSENT_POLICY } from '../test-support';

const sha = (key: string) => createHash('sha256').update(key).digest('hex');
const keys = parseApiKeys({ keys: [{ name: 'app', sha256: sha('app-key'), tenant: 'demo', scopes: ['profile:read', 'segment:export'] }] }, 'test');
const policy = TEST_CONSENT_POLICY;

const NOW = Date.UTC(2026, 11, 1, 12);
const said = (category: string, granted: boolean, at = NOW - 60_000): CategoryAnswer => ({ category, granted, at, source: 'web' });
/** Answers per person at ingest. */
const ANSWERS: Record<string, CategoryAnswer[]> = {
  p_refuser: [said('Analytics', false), said('Personalization', false), said('Advertising', false)],
  p_consenter: [said('Analytics', true), said('Personalization', true), said('Advertising', true)],
  // p_silent has stated nothing: analytics by the policy (opt-out), not personalisation nor marketing (opt-in).
};

const ACTIVITY: ActivityRow = {
  person_rows: 1, first_seen: NOW - 86_400_000, last_seen: NOW - 60_000, channels: ['store', 'web'], events: 12, web_page_views: 7, app_screen_views: 0, sessions: 3, store_visits: 1,
  online_orders: 1, online_revenue_minor: 5990, store_orders: 1, store_revenue_minor: 3990, last_viewed_skus: ['SKU-1'], last_carted_skus: ['SKU-2'], favourite_categories: ['Shoes'],
  home_country: 'FI', home_postal_code: '00100',
};
const EVENT: TimelineRow = { event_id: 'e1', time: NOW - 60_000, person_id: 'p', channel: 'web', source: 'web-shop', event_type: 'track', event_name: 'Order Completed', session_id: 's1', page_path: '/', store_id: '', order_id: 'O-1', currency: 'EUR', revenue_minor: 5990, skus: ['SKU-1'] };

function appWith() {
  const calls: string[] = [];
  const segmentConsent: SegmentConsent[] = [];
  const reads = {
    consentAnswers: async (_tenant: string, members: readonly string[]) => (calls.push(`consent ${members.join(',')}`), members.flatMap((m) => ANSWERS[m] ?? [])),
    activity: async () => (calls.push('activity'), ACTIVITY),
    timeline: async () => (calls.push('timeline'), [EVENT]),
    bought: async () => (calls.push('bought'), []),
    ruleSegment: async (...args: unknown[]) => (segmentConsent.push(args[5] as SegmentConsent), [{ person_id: 'p_consenter' }]),
    partnerSegment: async (...args: unknown[]) => (segmentConsent.push(args[5] as SegmentConsent), [{ person_id: 'p_consenter' }]),
  } as unknown as ClickHouseReads;
  const model = new LiftModel({ baskets: 10, items: new Map([['SKU-9', 8]]), pairs: [], categories: new Map(), areaBestSellers: new Map() }, { minPairSupport: 3, neighbours: 10 }, NOW);
  const directory = new PersonDirectory();
  const reference = new ReferenceData();
  for (const person of ['p_refuser', 'p_consenter', 'p_silent']) {
    directory.setAssignment({ tenant: 'demo', identifier: { type: 'user_id', value: person }, personId: person, firstSeen: NOW, updatedAt: NOW });
    const email = { type: 'email_hash', value: `${person}-hash` };
    directory.setAssignment({ tenant: 'demo', identifier: email, personId: person, firstSeen: NOW, updatedAt: NOW });
    for (const partner of ['nordic-loyalty', 'tailored-ads']) reference.upsertMembership(`demo|${partner}|${person}`, { tenant: 'demo', partner, identifier: email, segments: ['runners'], sourceName: 'f', sourceVersion: '1', loadedAt: NOW });
  }
  const cache = () => new PersonCache<never>({ maxEntries: 100, maxAgeMs: 60_000 });
  const caches = { activity: cache(), bought: cache(), consent: cache() };
  for (const c of Object.values(caches)) c.enable();
  const app = buildHttpApp({
    ...offlineAppOptions(keys),
    directory,
    reference,
    reads,
    recommender: { modelOf: () => model } as unknown as Recommender,
    caches,
    policy,
    ready: () => true,
    now: () => NOW,
  });
  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url, headers: { authorization: 'Bearer app-key' } });
    return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  return { get, calls, segmentConsent, caches };
}

describe('the profile', () => {
  it('has the consent per purpose, and the figures when analytics is granted', async () => {
    const { get, calls } = appWith();
    const { status, body } = await get('/v1/profiles/user_id/p_consenter');
    expect(status).toBe(200);
    expect(body.consent).toEqual({
      analytics: { granted: true, stated: true, statedAt: new Date(NOW - 60_000).toISOString(), source: 'web' },
      personalisation: { granted: true, stated: true, statedAt: new Date(NOW - 60_000).toISOString(), source: 'web' },
      marketing: { granted: true, stated: true, statedAt: new Date(NOW - 60_000).toISOString(), source: 'web' },
    });
    expect(body.withheld).toEqual([]);
    expect(body).toMatchObject({ events: 12, sessions: 3, revenueMinor: 9980, averageOrderMinor: 4990, channels: ['store', 'web'], lastViewedSkus: ['SKU-1'], homeArea: { postalCode: '00100' } });
    expect(body.partnerSegments).toEqual([{ partner: 'nordic-loyalty', segments: ['runners'] }, { partner: 'tailored-ads', segments: ['runners'] }]);
    expect(calls).toEqual(['consent p_consenter', 'activity']);
  });

  it('withholds the figures without analytics (null or empty, not read at all), keeps the identifiers and says why', async () => {
    const { get, calls } = appWith();
    const { status, body } = await get('/v1/profiles/user_id/p_refuser');
    expect(status).toBe(200);
    expect(body).toEqual({
      personId: 'p_refuser',
      mergedPersonIds: [],
      identifiers: [{ type: 'email_hash', value: 'p_refuser-hash' }, { type: 'user_id', value: 'p_refuser' }],
      consent: {
        analytics: { granted: false, stated: true, statedAt: new Date(NOW - 60_000).toISOString(), source: 'web' },
        personalisation: { granted: false, stated: true, statedAt: new Date(NOW - 60_000).toISOString(), source: 'web' },
        marketing: { granted: false, stated: true, statedAt: new Date(NOW - 60_000).toISOString(), source: 'web' },
      },
      withheld: ['analytics', 'personalisation', 'marketing'],
      firstSeen: null, lastSeen: null, channels: [],
      events: null, webPageViews: null, appScreenViews: null, sessions: null, storeVisitDays: null,
      onlineOrders: null, onlineRevenueMinor: null, storeReceipts: null, storeRevenueMinor: null, revenueMinor: null, averageOrderMinor: null,
      lastViewedSkus: [], lastCartedSkus: [], favouriteCategories: [],
      partnerSegments: [],
      homeArea: null,
      asOf: new Date(NOW).toISOString(),
    });
    expect(calls).toEqual(['consent p_refuser']);
  });

  it('of a person who stated nothing follows the policy: figures (analytics opt-out), no partner segments (marketing opt-in)', async () => {
    const { get } = appWith();
    const { body } = await get('/v1/profiles/user_id/p_silent');
    expect(body.consent.analytics).toEqual({ granted: true, stated: false, statedAt: null, source: null });
    expect(body.consent.marketing).toEqual({ granted: false, stated: false, statedAt: null, source: null });
    expect(body.events).toBe(12);
    expect(body.partnerSegments).toEqual([]);
    expect(body.withheld).toEqual(['personalisation', 'marketing']);
  });

  it('keeps the consent read with the person\'s other reads: from memory until a change names the person', async () => {
    const { get, calls, caches } = appWith();
    await get('/v1/profiles/user_id/p_consenter');
    await get('/v1/profiles/user_id/p_consenter/timeline');
    expect(calls.filter((c) => c.startsWith('consent'))).toHaveLength(1);
    caches.consent.changed('demo', ['p_consenter']);
    await get('/v1/profiles/user_id/p_consenter');
    expect(calls.filter((c) => c.startsWith('consent'))).toHaveLength(2);
  });
});

describe('the timeline and recommendations', () => {
  it('timeline: the events with analytics; none, not read, without it', async () => {
    const { get, calls } = appWith();
    expect((await get('/v1/profiles/user_id/p_consenter/timeline')).body).toMatchObject({ events: [{ eventId: 'e1' }], withheld: [] });
    expect((await get('/v1/profiles/user_id/p_refuser/timeline')).body).toEqual({ personId: 'p_refuser', events: [], nextCursor: null, withheld: ['analytics'] });
    expect(calls.filter((c) => c === 'timeline')).toHaveLength(1);
  });

  it('recommendations: items with personalisation; none, nothing read, without it (opt-in: also for a person who stated nothing)', async () => {
    const { get, calls } = appWith();
    const granted = (await get('/v1/profiles/user_id/p_consenter/recommendations')).body;
    expect(granted).toMatchObject({ method: 'lift', withheld: [], items: [{ sku: 'SKU-9', reason: 'best_seller' }] });
    const refused = (await get('/v1/profiles/user_id/p_refuser/recommendations')).body;
    expect(refused).toEqual({ personId: 'p_refuser', method: 'lift', modelBuiltAt: new Date(NOW).toISOString(), items: [], withheld: ['personalisation'] });
    expect((await get('/v1/profiles/user_id/p_silent/recommendations')).body).toMatchObject({ items: [], withheld: ['personalisation'] });
    expect(calls.filter((c) => c === 'bought')).toHaveLength(1);
  });
});

describe('segment exports', () => {
  it('ask ClickHouse for marketing, with the policy\'s default for persons who stated nothing; a partner\'s segments for its terms\' purposes too', async () => {
    const { get, segmentConsent } = appWith();
    expect((await get('/v1/segments/rules/omnichannel_buyers/members')).status).toBe(200);
    expect((await get('/v1/segments/partners/nordic-loyalty/runners/members')).status).toBe(200);
    expect((await get('/v1/segments/partners/tailored-ads/runners/members')).status).toBe(200);
    expect(segmentConsent).toEqual([
      { purposes: ['marketing'], defaults: [0] },
      { purposes: ['marketing'], defaults: [0] },
      { purposes: ['personalisation', 'marketing'], defaults: [0, 0] },
    ]);
  });
});
