import { consentOf } from './consent';
import { ItemError } from './errors';

describe('consentOf', () => {
  it('keeps the categories and answers as sent', () => {
    expect(consentOf({ categoryPreferences: { Advertising: false, Analytics: true } }, 'context.consent')).toEqual({ categoryPreferences: { Advertising: false, Analytics: true } });
  });

  it('is null when nothing was stated', () => {
    expect(consentOf(undefined, 'f')).toBeNull();
    expect(consentOf(null, 'f')).toBeNull();
    expect(consentOf({}, 'f')).toBeNull();
    expect(consentOf({ categoryPreferences: {} }, 'f')).toBeNull();
  });

  it('refuses a malformed answer, naming the field and the reason', () => {
    const refusal = (value: unknown) => {
      try {
        consentOf(value, 'batch[2].context.consent');
      } catch (error) {
        if (error instanceof ItemError) return `${error.code} ${error.field}: ${error.reason}`;
        throw error;
      }
      return 'accepted';
    };
    expect(refusal({ categoryPreferences: { Ads: 'yes' } })).toBe('ingest.bad_consent batch[2].context.consent.categoryPreferences.Ads: must be true or false, not "yes"');
    expect(refusal('all')).toBe('ingest.bad_consent batch[2].context.consent: must be an object with categoryPreferences');
    expect(refusal({ categoryPreferences: [true] })).toBe('ingest.bad_consent batch[2].context.consent.categoryPreferences: must be an object of category: true or false');
    expect(refusal({ categoryPreferences: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`c${i}`, true])) })).toMatch(/has 51 categories, at most 50/);
  });
});
