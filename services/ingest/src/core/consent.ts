/**
 * A stated consent as clients send it: Segment's `context.consent.categoryPreferences` (a consent
 * manager's categories, each true or false) and a till's loyalty-programme terms in the same shape.
 * Kept as sent: the tenant's consent policy decides downstream what each category means. A
 * malformed answer is refused with the event (to the dead-letter topic, naming the field): a
 * person's choice is not guessed at, nor dropped.
 */
import type { CdpCommon } from '@cdp/plumbing';
import { REJECTION_CODES as R, rejectItem } from './errors';

const MAX_CATEGORIES = 50;

export function consentOf(value: unknown, field: string): CdpCommon.Consent | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw rejectItem(field, R.badConsent, 'must be an object with categoryPreferences');
  const prefs = (value as Record<string, unknown>).categoryPreferences;
  if (prefs === undefined || prefs === null) return null;
  if (typeof prefs !== 'object' || Array.isArray(prefs)) throw rejectItem(`${field}.categoryPreferences`, R.badConsent, 'must be an object of category: true or false');
  const entries = Object.entries(prefs as Record<string, unknown>);
  if (entries.length > MAX_CATEGORIES) throw rejectItem(`${field}.categoryPreferences`, R.badConsent, `has ${entries.length} categories, at most ${MAX_CATEGORIES}`);
  const categoryPreferences: Record<string, boolean> = {};
  for (const [category, answer] of entries) {
    if (typeof answer !== 'boolean') throw rejectItem(`${field}.categoryPreferences.${category}`, R.badConsent, `must be true or false, not ${JSON.stringify(answer)}`);
    if (category.trim() === '' || category.length > 100) throw rejectItem(`${field}.categoryPreferences`, R.badConsent, 'a category name must be 1 to 100 characters');
    categoryPreferences[category] = answer;
  }
  return entries.length === 0 ? null : { categoryPreferences };
}
