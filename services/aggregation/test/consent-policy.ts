/**
 * Consent policies for the aggregation tests: the repository's purposes and categories, with
 * marketing either consented until withdrawn (most signal tests: their persons state nothing) or
 * not until given (the consent tests).
 */
import { DEFAULT_CONSENT_POLICY_FILE, parseConsentPolicy, type ConsentPolicy } from '@cdp/plumbing';
import { readFileSync } from 'node:fs';

export function testConsentPolicy(marketing: 'opt-in' | 'opt-out'): ConsentPolicy {
  const file = JSON.parse(readFileSync(DEFAULT_CONSENT_POLICY_FILE, 'utf8')) as { default: { purposes: { marketing: { policy: string } } }; tenants: Record<string, unknown> };
  file.default.purposes.marketing.policy = marketing;
  file.tenants = {};
  return parseConsentPolicy(file, `${DEFAULT_CONSENT_POLICY_FILE} (marketing ${marketing})`);
}
