/**
 * Every way ingest refuses a request, in one place. The HTTP answer carries the code, the field
 * (as a path into the body, e.g. batch[3].timestamp) and the reason.
 */
export class IngestError extends Error {
  constructor(
    readonly statusCode: 400 | 401 | 413 | 415,
    readonly code: string,
    readonly field: string | undefined,
    readonly reason: string,
  ) {
    super(field ? `${field}: ${reason}` : reason);
    this.name = 'IngestError';
  }
}

export const invalid = (field: string, reason: string) => new IngestError(400, 'ERR_INGEST_INVALID', field, reason);
export const unauthorized = (reason: string) => new IngestError(401, 'ERR_INGEST_UNAUTHORIZED', undefined, reason);
