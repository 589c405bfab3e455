/**
 * Every way ingest refuses a request or an item, in one place.
 *
 * A request that is malformed (not JSON, wrong types, too large, no key) is answered 4xx as a
 * whole: the client has a bug to fix. An item that is well-formed but cannot be accepted (an
 * event time days ahead, an unknown store) is an ItemRejection: it goes to the dead-letter topic
 * with the reason and its payload, the rest of the batch is accepted, and the answer lists it.
 */
export class IngestError extends Error {
  constructor(
    readonly statusCode: 400 | 401 | 403 | 404 | 405 | 413 | 415,
    readonly code: string,
    readonly field: string | undefined,
    readonly reason: string,
  ) {
    super(field ? `${field}: ${reason}` : reason);
    this.name = 'IngestError';
  }
}

/** Reason codes of rejected items (ingest.<reason>), the `code` of their dead letters. */
export const REJECTION_CODES = {
  missingIdentity: 'ingest.missing_identity',
  missingField: 'ingest.missing_field',
  badTimestamp: 'ingest.bad_timestamp',
  futureTimestamp: 'ingest.future_timestamp',
  badAmount: 'ingest.bad_amount',
  wrongSourceKind: 'ingest.wrong_source_kind',
  unknownStore: 'ingest.unknown_store',
  storeNotOfKey: 'ingest.store_not_of_key',
  unknownNetwork: 'ingest.unknown_network',
  badMac: 'ingest.bad_mac',
  badConsent: 'ingest.bad_consent',
} as const;
export type RejectionCode = (typeof REJECTION_CODES)[keyof typeof REJECTION_CODES];

/** An item ingest could not accept: where it is in the request, why, and what it was. */
export interface ItemRejection {
  /** Path of the bad field in the request, e.g. batch[3].timestamp. */
  field: string;
  code: RejectionCode;
  reason: string;
  /** The item as received, with PII already hashed: it goes to the dead-letter topic. */
  item: unknown;
}

/** Thrown by the pure normalisers for one item; the adapter turns it into an ItemRejection. */
export class ItemError extends Error {
  constructor(
    readonly field: string,
    readonly code: RejectionCode,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'ItemError';
  }
}

export const invalid = (field: string, reason: string) => new IngestError(400, 'ERR_INGEST_INVALID', field, reason);
export const unauthorized = (reason: string) => new IngestError(401, 'ERR_INGEST_UNAUTHORIZED', 'writeKey', reason);
export const rejectItem = (field: string, code: RejectionCode, reason: string) => new ItemError(field, code, reason);
