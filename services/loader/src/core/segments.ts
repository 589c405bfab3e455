/**
 * Partner segments keyed by e-mail or phone. The partner delivers CSV with the columns email
 * and/or phone, and segment (one membership per row), or JSON objects with email and/or phone and
 * segment or segments (an array). A row with both an e-mail and a phone puts both in the segment.
 * The rows of one person (same hashed identifier) become one record with the sorted, unique
 * segments. The partner comes from the upload key (or --partner), never from the file; a version
 * replaces that partner's memberships of the tenant and nobody else's.
 *
 * E-mails and phones are checked, then hashed exactly as ingest hashes them (plumbing's
 * hashEmail/hashPhone under PII_HASH_SALT), so the identifiers join with the identity graph's:
 * email_hash and phone_hash. No clear value leaves this module, and no error quotes one.
 */
import { hashEmail, hashPhone, type CdpReference } from '@cdp/plumbing';
import type { DatasetDefinition, KeyedRecord } from './dataset';
import { FieldReader } from './fields';

export const SEGMENT_FIELDS = ['email', 'phone', 'segment', 'segments'] as const;

/** What ingest and identity accept as an e-mail: something@domain.tld, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Digits with the usual separators and an optional leading +; 7 to 15 digits (E.164). */
const PHONE = /^\+?[\d\s().-]+$/;

export const isEmail = (text: string): boolean => text.length <= 254 && EMAIL.test(text);
export function isPhone(text: string): boolean {
  const digits = text.replace(/\D/g, '').length;
  return PHONE.test(text) && digits >= 7 && digits <= 15;
}

export const segments: DatasetDefinition<CdpReference.PartnerSegmentMembership> = {
  name: 'segments',
  topic: 'partnerSegments',
  formats: ['csv', 'json'],
  fields: { known: SEGMENT_FIELDS, csvColumns: ['email', 'phone', 'segment'], required: ['segment'], oneOf: [['email', 'phone']] },
  needsPartner: true,
  scopeDescription: "the tenant and the partner: a version is that partner's whole delivery",
  scopeKeyParts: 2,
  parse(rows, context, errors) {
    const partner = context.partner!;
    const people = new Map<string, { identifier: { type: string; value: string }; segments: Set<string> }>();
    for (const row of rows) {
      const r = FieldReader.of(row, errors);
      const names = segmentsOf(r);
      const identifiers: { type: string; value: string }[] = [];
      const email = r.text('email', { max: 254 });
      if (email !== undefined) {
        if (isEmail(email)) identifiers.push({ type: 'email_hash', value: hashEmail(context.salt, email) });
        else r.fail('email', 'is not an e-mail address (name@domain.tld)');
      }
      const phone = phoneText(r);
      if (phone !== undefined) {
        if (isPhone(phone)) identifiers.push({ type: 'phone_hash', value: hashPhone(context.salt, phone) });
        else r.fail('phone', 'is not a phone number (7 to 15 digits, optionally a leading +)');
      }
      if (email === undefined && phone === undefined && !r.failed) r.fail('email', 'or phone is required');
      if (r.failed) continue;
      for (const identifier of identifiers) {
        const key = `${context.tenant}|${partner}|${identifier.type}|${identifier.value}`;
        let person = people.get(key);
        if (!person) people.set(key, (person = { identifier, segments: new Set() }));
        for (const name of names) person.segments.add(name);
      }
    }
    const records: KeyedRecord<CdpReference.PartnerSegmentMembership>[] = [...people].map(([key, p]) => ({
      key,
      value: {
        tenant: context.tenant,
        partner,
        identifier: p.identifier,
        segments: [...p.segments].sort(),
        sourceName: context.sourceName,
        sourceVersion: context.sourceVersion,
        loadedAt: context.loadedAt,
      },
    }));
    return { records, scope: { id: `${context.tenant}.${partner}`, keyPrefix: `${context.tenant}|${partner}|` } };
  },
};

/** A phone in JSON may be a number; in either format it is text to check and hash. */
function phoneText(r: FieldReader): string | undefined {
  const raw = r.values.phone;
  if (typeof raw === 'number' && r.format === 'json') return Number.isSafeInteger(raw) && raw > 0 ? String(raw) : r.fail('phone', 'is not a phone number (7 to 15 digits, optionally a leading +)');
  return r.text('phone', { max: 40 });
}

/** `segment` (text) or, in JSON, `segments` (an array of texts): at least one name. */
function segmentsOf(r: FieldReader): string[] {
  const names: string[] = [];
  const one = r.text('segment', { max: 100 });
  if (one !== undefined) names.push(one);
  if (r.values.segments !== undefined) {
    const list = r.array('segments') ?? [];
    list.forEach((item, i) => {
      if (typeof item !== 'string' || item.trim() === '') r.fail(`segments[${i}]`, 'must be a segment name');
      else if (item.trim().length > 100 || /[\u0000-\u001f\u007f]/.test(item)) r.fail(`segments[${i}]`, 'must be one line of at most 100 characters');
      else names.push(item.trim());
    });
  }
  if (names.length === 0 && !r.failed) r.fail('segment', 'is required');
  return names;
}
