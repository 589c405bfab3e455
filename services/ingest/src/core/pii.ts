import { createHmac } from 'node:crypto';

/**
 * PII never leaves ingest in clear: e-mails, phones and MACs become a keyed hash (HMAC-SHA256
 * with a secret salt), normalised first so the same address always hashes the same.
 */
export const hashEmail = (salt: string, email: string) => hmac(salt, `email:${email.trim().toLowerCase()}`);
export const hashPhone = (salt: string, phone: string) => hmac(salt, `phone:${phone.replace(/[^\d+]/g, '')}`);
export const hashMac = (salt: string, mac: string) => hmac(salt, `mac:${mac.toLowerCase().replace(/[^0-9a-f]/g, '')}`);

function hmac(salt: string, value: string): string {
  return createHmac('sha256', salt).update(value).digest('hex');
}

const PII_TRAITS: Record<string, { hashed: string; hash: (salt: string, v: string) => string }> = {
  email: { hashed: 'emailHash', hash: hashEmail },
  phone: { hashed: 'phoneHash', hash: hashPhone },
};

/** Replaces email and phone traits by their hashes (emailHash, phoneHash); returns a new object. */
export function hashPiiTraits(salt: string, traits: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [key, { hashed, hash }] of Object.entries(PII_TRAITS)) {
    const value = traits[key];
    if (value === undefined) continue;
    out ??= { ...traits };
    delete out[key];
    if (typeof value === 'string' && value.trim() !== '') out[hashed] = hash(salt, value);
  }
  return out ?? traits;
}
