import { createHmac } from 'node:crypto';

/**
 * The PII hashes every part of the pipeline shares: ingest hashes what clients send, the
 * reference-data loader what partners deliver, so a partner's e-mail joins with the identity
 * graph's. E-mails, phones and MACs become a keyed hash (HMAC-SHA-256 with a secret salt, the
 * value typed and normalised first so the same address always hashes the same). The exact input
 * is a contract: every stored identifier joins through it (pinned in ingest's pii.test.ts).
 */
export const hashEmail = (salt: string, email: string) => hmac(salt, `email:${email.trim().toLowerCase()}`);
export const hashPhone = (salt: string, phone: string) => hmac(salt, `phone:${phone.replace(/[^\d+]/g, '')}`);
export const hashMac = (salt: string, mac: string) => hmac(salt, `mac:${mac.toLowerCase().replace(/[^0-9a-f]/g, '')}`);

/**
 * The salt when PII_HASH_SALT is not set: only for local development; production must set its
 * own secret (ingest and the loader refuse to start without it when NODE_ENV=production).
 */
export const DEVELOPMENT_SALT = 'local-development-salt-not-secret';

function hmac(salt: string, value: string): string {
  return createHmac('sha256', salt).update(value).digest('hex');
}
