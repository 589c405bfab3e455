import { parseConsentPolicy, type CategoryAnswer } from '@cdp/plumbing';
import { allowedPartnerSegments, consentOf, consentView, notGranted, partnerPurposes, purposesOf, segmentConsentOf } from './consent';

const policy = parseConsentPolicy(
  {
    default: {
      purposes: {
        analytics: { policy: 'opt-out', categories: ['Analytics', 'C0002'] },
        personalisation: { policy: 'opt-in', categories: ['Personalization'] },
        marketing: { policy: 'opt-in', categories: ['Advertising', 'loyalty-marketing'] },
      },
      partners: { 'nordic-loyalty': ['marketing'], 'tailored-ads': ['personalisation'] },
    },
    // A tenant whose customers are in marketing until they say no.
    tenants: { open: { purposes: { marketing: { policy: 'opt-out', categories: ['Advertising'] } } } },
  },
  'test.json',
);

const T = Date.UTC(2026, 11, 1, 12);
const answer = (category: string, granted: boolean, at: number, source = 'web'): CategoryAnswer => ({ category, granted, at, source });

describe('a person\'s consent', () => {
  it('is the tenant\'s policy for every purpose they have not stated', () => {
    const none = consentOf(policy, 'demo', []);
    expect(consentView(none)).toEqual({
      analytics: { granted: true, stated: false, statedAt: null, source: null },
      personalisation: { granted: false, stated: false, statedAt: null, source: null },
      marketing: { granted: false, stated: false, statedAt: null, source: null },
    });
    expect(consentOf(policy, 'open', []).marketing.granted).toBe(true);
  });

  it('is their newest answer per purpose, over every category and merged person; a refusal wins a tie; unknown categories decide nothing', () => {
    const consent = consentOf(policy, 'demo', [
      // Two persons merged into one: the grant as a loyalty-card holder came before the refusal on the web.
      answer('loyalty-marketing', true, T - 60_000, 'store'),
      answer('advertising', false, T, 'web'),
      // Analytics: refused and granted in the same event's time: refused.
      answer('Analytics', true, T - 5_000, 'app'),
      answer('c0002', false, T - 5_000, 'app'),
      answer('Personalization', true, T - 1, 'store'),
      answer('Unknown', false, T + 1),
    ]);
    expect(consentView(consent)).toEqual({
      analytics: { granted: false, stated: true, statedAt: new Date(T - 5_000).toISOString(), source: 'app' },
      personalisation: { granted: true, stated: true, statedAt: new Date(T - 1).toISOString(), source: 'store' },
      marketing: { granted: false, stated: true, statedAt: new Date(T).toISOString(), source: 'web' },
    });
    // A grant after the refusal counts again.
    expect(consentOf(policy, 'demo', [answer('advertising', false, T), answer('loyalty-marketing', true, T + 1, 'store')]).marketing).toEqual({ granted: true, stated: true, at: T + 1, source: 'store' });
  });

  it('names the purposes an answer withholds, in a fixed order', () => {
    const consent = consentOf(policy, 'demo', [answer('Analytics', false, T)]);
    expect(notGranted(consent, ['analytics'])).toEqual(['analytics']);
    expect(notGranted(consent, ['marketing', 'analytics', 'personalisation'])).toEqual(['analytics', 'personalisation', 'marketing']);
    expect(notGranted(consentOf(policy, 'demo', []), ['analytics'])).toEqual([]);
    expect(purposesOf(['marketing'], ['analytics', 'marketing'])).toEqual(['analytics', 'marketing']);
  });
});

describe('partner segments', () => {
  it('need marketing and whatever else the partner\'s terms say (marketing for a partner the policy does not name)', () => {
    expect(partnerPurposes(policy, 'demo', 'nordic-loyalty')).toEqual(['marketing']);
    expect(partnerPurposes(policy, 'demo', 'tailored-ads')).toEqual(['personalisation', 'marketing']);
    expect(partnerPurposes(policy, 'demo', 'someone')).toEqual(['marketing']);
  });

  it('show in a profile only where the person granted every purpose the partner needs; the missing purposes are named', () => {
    const segments = [
      { partner: 'nordic-loyalty', segments: ['outdoor'] },
      { partner: 'tailored-ads', segments: ['runners'] },
    ];
    const marketingOnly = consentOf(policy, 'demo', [answer('advertising', true, T)]);
    expect(allowedPartnerSegments(policy, 'demo', segments, marketingOnly)).toEqual({ segments: [segments[0]], withheld: ['personalisation'] });
    const all = consentOf(policy, 'demo', [answer('advertising', true, T), answer('personalization', true, T)]);
    expect(allowedPartnerSegments(policy, 'demo', segments, all)).toEqual({ segments, withheld: [] });
    expect(allowedPartnerSegments(policy, 'demo', segments, consentOf(policy, 'demo', []))).toEqual({ segments: [], withheld: ['personalisation', 'marketing'] });
    expect(allowedPartnerSegments(policy, 'demo', [], consentOf(policy, 'demo', []))).toEqual({ segments: [], withheld: [] });
  });
});

describe('what a segment export asks of its members', () => {
  it('is each purpose with the policy\'s answer for a person who stated nothing: 1 under opt-out, 0 under opt-in', () => {
    expect(segmentConsentOf(policy, 'demo', ['marketing'])).toEqual({ purposes: ['marketing'], defaults: [0] });
    expect(segmentConsentOf(policy, 'open', ['marketing'])).toEqual({ purposes: ['marketing'], defaults: [1] });
    expect(segmentConsentOf(policy, 'demo', ['marketing', 'analytics', 'marketing'])).toEqual({ purposes: ['analytics', 'marketing'], defaults: [1, 0] });
  });
});
