/**
 * What ingest must store for an e-mail, computed here and not by ingest's code, so a test that
 * compares with it fails when ingest's hashing changes: HMAC-SHA-256 under the salt of
 * `email:<trimmed, lower-cased address>` (pinned to OpenSSL's output in services/ingest/src/core/pii.test.ts).
 */
import { createHmac } from 'node:crypto';

export const expectedEmailHash = (salt: string, email: string): string => createHmac('sha256', salt).update(`email:${email.trim().toLowerCase()}`).digest('hex');
