import { ConfigError } from './errors';
import { DEFAULT_CONSENT_POLICY_FILE, loadConsentPolicy, parseConsentPolicy, PURPOSES } from './consent';

const rules = (over: object = {}) => ({
  default: {
    purposes: {
      analytics: { policy: 'opt-out', categories: ['Analytics', 'C0002'] },
      personalisation: { policy: 'opt-in', categories: ['Personalization'] },
      marketing: { policy: 'opt-in', categories: ['Advertising', 'loyalty-marketing'] },
    },
    partners: { 'nordic-loyalty': ['marketing'] },
  },
  tenants: { strict: { purposes: { analytics: { policy: 'opt-in', categories: ['Analytics'] } } } },
  ...over,
});

describe('consent policy', () => {
  const policy = parseConsentPolicy(rules(), 'test.json');

  it('maps a statement\'s categories to purposes: any refusal refuses, unknown categories decide nothing', () => {
    expect(policy.statedPurposes('demo', { categoryPreferences: { Analytics: true, advertising: false, 'loyalty-marketing': true, Unknown: false } })).toEqual([
      { purpose: 'analytics', granted: true },
      { purpose: 'marketing', granted: false },
    ]);
    expect(policy.statedPurposes('demo', { categoryPreferences: { 'loyalty-marketing': true } })).toEqual([{ purpose: 'marketing', granted: true }]);
    expect(policy.statedPurposes('demo', null)).toEqual([]);
  });

  it('decides each purpose by the newest statement, else by the tenant\'s policy (opt-out consents, opt-in does not)', () => {
    const none = policy.decide('demo', {});
    expect(Object.fromEntries(PURPOSES.map((p) => [p, none[p].granted]))).toEqual({ analytics: true, personalisation: false, marketing: false });
    expect(none.analytics).toEqual({ granted: true, stated: false, at: null, source: null });
    const stated = policy.decide('demo', { analytics: { granted: false, at: 5, source: 'web' }, marketing: { granted: true, at: 6, source: 'pos' } });
    expect(stated).toMatchObject({ analytics: { granted: false, stated: true, at: 5, source: 'web' }, marketing: { granted: true, stated: true }, personalisation: { granted: false, stated: false } });
    // A tenant's own purpose replaces the default's; the rest is the default.
    expect(policy.decide('strict', {}).analytics.granted).toBe(false);
    expect(policy.policyOf('strict').purposes.marketing.categories).toEqual(['Advertising', 'loyalty-marketing']);
  });

  it('takes the newest answer per purpose over its categories, a refusal winning a tie', () => {
    const newest = policy.newestByPurpose('demo', [
      { category: 'advertising', granted: true, at: 10, source: 'web' },
      { category: 'loyalty-marketing', granted: false, at: 20, source: 'store' },
      { category: 'Analytics', granted: true, at: 5, source: 'web' },
      { category: 'C0002', granted: false, at: 5, source: 'app' },
      { category: 'unknown', granted: false, at: 99, source: 'web' },
    ]);
    expect(newest).toEqual({ marketing: { granted: false, at: 20, source: 'store' }, analytics: { granted: false, at: 5, source: 'app' } });
  });

  it('says what each partner\'s terms need, marketing for a partner it does not name', () => {
    expect(policy.partnerNeeds('demo', 'nordic-loyalty')).toEqual(['marketing']);
    expect(policy.partnerNeeds('demo', 'someone-else')).toEqual(['marketing']);
  });

  it('refuses a file with an unknown policy, a missing purpose, or a category stating two purposes, naming the place', () => {
    const bad = rules();
    (bad.default.purposes.analytics as { policy: string }).policy = 'maybe';
    expect(() => parseConsentPolicy(bad, 'p.json')).toThrow(/p\.json: default\.purposes\.analytics\.policy/);
    const missing = rules();
    delete (missing.default.purposes as Record<string, unknown>).marketing;
    expect(() => parseConsentPolicy(missing, 'p.json')).toThrow(ConfigError);
    const twice = rules();
    twice.default.purposes.marketing.categories.push('analytics');
    expect(() => parseConsentPolicy(twice, 'p.json')).toThrow(/category "analytics" states analytics already/);
  });

  it('reads the repository\'s policy file', () => {
    const repo = loadConsentPolicy(DEFAULT_CONSENT_POLICY_FILE);
    expect(repo.decide('demo', {}).marketing.granted).toBe(false);
    expect(repo.statedPurposes('demo', { categoryPreferences: { C0004: true } })).toEqual([{ purpose: 'marketing', granted: true }]);
  });
});
