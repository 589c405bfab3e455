/**
 * How a caller names a person: an identifier type and value, as a clerk or an application has it.
 * Clear e-mails, phones and MAC addresses are hashed exactly as ingest hashes them (plumbing's
 * pii-hash.ts), so a clerk can type the address a customer tells them; the clear value is only
 * ever held in this request, never logged or stored.
 */
import { hashEmail, hashMac, hashPhone, type CdpIdentity } from '@cdp/plumbing';

/** Types a lookup may name: the graph's identifier types, the clear forms of the hashed ones, and person_id. */
export const LOOKUP_TYPES = [
  'person_id',
  'user_id',
  'customer_id',
  'loyalty_card',
  'email',
  'email_hash',
  'phone',
  'phone_hash',
  'anonymous_id',
  'device_id',
  'mac',
  'wifi_mac_hash',
  'external',
] as const;
export type LookupType = (typeof LOOKUP_TYPES)[number];

export type Lookup = { kind: 'person'; personId: string } | { kind: 'identifier'; identifier: CdpIdentity.Identifier };

export class LookupError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field} ${reason}`);
  }
}

const CLEAR_TYPE: Record<string, string> = { email_hash: 'email', phone_hash: 'phone', wifi_mac_hash: 'mac' };
const HEX64 = /^[0-9a-f]{64}$/;
export const MAX_VALUE_LENGTH = 512;

/** The identifier (or person id) the graph knows this lookup by; throws LookupError naming the field. */
export function lookupOf(type: string, rawValue: string, salt: string): Lookup {
  if (!(LOOKUP_TYPES as readonly string[]).includes(type)) throw new LookupError('type', `must be one of ${LOOKUP_TYPES.join(', ')}`);
  const value = rawValue.trim();
  if (value === '') throw new LookupError('value', 'must not be empty');
  if (value.length > MAX_VALUE_LENGTH) throw new LookupError('value', `must be at most ${MAX_VALUE_LENGTH} characters`);
  switch (type as LookupType) {
    case 'person_id':
      return { kind: 'person', personId: value };
    case 'email':
      if (!/^[^@\s]+@[^@\s]+$/.test(value)) throw new LookupError('value', 'must be an e-mail address (name@domain) for type email');
      return { kind: 'identifier', identifier: { type: 'email_hash', value: hashEmail(salt, value) } };
    case 'phone':
      if (value.replace(/\D/g, '').length < 5) throw new LookupError('value', 'must be a phone number (at least 5 digits) for type phone');
      return { kind: 'identifier', identifier: { type: 'phone_hash', value: hashPhone(salt, value) } };
    case 'mac':
      if (value.toLowerCase().replace(/[^0-9a-f]/g, '').length !== 12) throw new LookupError('value', 'must be a MAC address (12 hex digits) for type mac');
      return { kind: 'identifier', identifier: { type: 'wifi_mac_hash', value: hashMac(salt, value) } };
    case 'email_hash':
    case 'phone_hash':
    case 'wifi_mac_hash':
      if (!HEX64.test(value)) throw new LookupError('value', `must be 64 lower-case hex digits for type ${type} (or use type ${CLEAR_TYPE[type]} with the clear value)`);
      return { kind: 'identifier', identifier: { type, value } };
    default:
      return { kind: 'identifier', identifier: { type, value } };
  }
}
