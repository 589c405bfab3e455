/**
 * Erasure requests (the right to be forgotten, privacy.erasure-requests.v1): what a caller may ask
 * for, the records the API and the `pnpm erase` command write (REQUESTED, WITHDRAWN), the requests
 * in memory as the compacted topic holds them, and what a caller is shown of one. Pure: no I/O.
 *
 * A request's record names the person (its identifier while REQUESTED, the persons and history
 * entries to delete while IDENTITY_ERASED). What this module shows a caller never does: the view
 * carries the state, times, who asked and counts only.
 */
import { randomUUID } from 'node:crypto';
import type { CdpIdentity, CdpPrivacy } from '@cdp/plumbing';
import { LOOKUP_TYPES, LookupError, lookupOf } from './lookup';
import { RecordWaiters } from './waiters';

/** The identifier types an erasure may name: the lookups' types except person_id (an id this system made, not one the customer has). */
export const ERASURE_TYPES = LOOKUP_TYPES.filter((t) => t !== 'person_id');
export type ErasureType = (typeof ERASURE_TYPES)[number];

export const ERASURE_STATES = ['REQUESTED', 'IDENTITY_ERASED', 'DONE', 'NOT_FOUND', 'WITHDRAWN'] as const satisfies readonly CdpPrivacy.ErasureState[];
/** States in which the pipeline is still working on a request. */
export const IN_FLIGHT_STATES: readonly CdpPrivacy.ErasureState[] = ['REQUESTED', 'IDENTITY_ERASED'];

/** A request id: `er_` and a random UUID. */
export const REQUEST_ID_PATTERN = /^er_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const newRequestId = (): string => `er_${randomUUID()}`;

/** The record's key on the topic. */
export const erasureKey = (tenant: string, requestId: string): string => `${tenant}|${requestId}`;

const MAX_VALUE_CHARACTERS = 512;
export const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
export const kindOf = (x: unknown): string => (x === null ? 'null' : Array.isArray(x) ? 'an array' : `a ${typeof x}`);

/**
 * The identifier an erasure names, as ingest stores it (a clear e-mail, phone or MAC hashed as
 * ingest hashes it), from the type and value a caller gives. Throws LookupError naming the field
 * (`identifier.type`, `identifier.value`) and the reason.
 */
export function erasureIdentifierOf(type: string, value: string, salt: string): CdpIdentity.Identifier {
  if (!(ERASURE_TYPES as readonly string[]).includes(type)) {
    throw new LookupError('identifier.type', type === 'person_id' ? `must be an identifier the customer has (one of ${ERASURE_TYPES.join(', ')}); person_id is not one` : `must be one of ${ERASURE_TYPES.join(', ')}`);
  }
  if ([...value].length > MAX_VALUE_CHARACTERS) throw new LookupError('identifier.value', `must be at most ${MAX_VALUE_CHARACTERS} characters`);
  try {
    const lookup = lookupOf(type, value, salt);
    if (lookup.kind !== 'identifier') throw new LookupError('type', 'must name an identifier');
    return lookup.identifier;
  } catch (error) {
    if (error instanceof LookupError) throw new LookupError(`identifier.${error.field}`, error.reason);
    throw error;
  }
}

/**
 * The body of `POST /v1/erasures`, `{ "identifier": { "type": ..., "value": ... } }`, checked
 * exactly against its documented schema (no field more, no type coerced) and turned into the
 * identifier as ingest stores it. Throws LookupError naming the field and the reason.
 */
export function erasureBodyOf(body: unknown, salt: string): CdpIdentity.Identifier {
  if (!isObject(body)) throw new LookupError('body', `must be a JSON object like {"identifier":{"type":"loyalty_card","value":"..."}}, not ${kindOf(body)}`);
  for (const field of Object.keys(body)) if (field !== 'identifier') throw new LookupError(field, 'is not a field of an erasure request (only identifier is)');
  return identifierFieldOf(body.identifier, salt);
}

/**
 * A body's `identifier` field, `{ "type": ..., "value": ... }`, checked exactly (no field more, no
 * type coerced) and turned into the identifier as ingest stores it; an erasure's and a block's.
 * Throws LookupError naming the field (`identifier`, `identifier.value`, ...) and the reason.
 */
export function identifierFieldOf(identifier: unknown, salt: string): CdpIdentity.Identifier {
  if (identifier === undefined) throw new LookupError('identifier', 'is required');
  if (!isObject(identifier)) throw new LookupError('identifier', `must be an object with type and value, not ${kindOf(identifier)}`);
  for (const field of Object.keys(identifier)) if (field !== 'type' && field !== 'value') throw new LookupError(`identifier.${field}`, 'is not a field of an identifier (only type and value are)');
  const { type, value } = identifier;
  if (type === undefined) throw new LookupError('identifier.type', 'is required');
  if (typeof type !== 'string') throw new LookupError('identifier.type', `must be a string, not ${kindOf(type)}`);
  if (value === undefined) throw new LookupError('identifier.value', 'is required');
  if (typeof value !== 'string') throw new LookupError('identifier.value', `must be a string, not ${kindOf(value)}`);
  return erasureIdentifierOf(type, value, salt);
}

/** A new request: REQUESTED, naming the identifier; `requestedBy` is who asked (a key's name, cli:<user>), never a person's data. */
export function requestedRecord({ tenant, identifier, requestedBy, now, requestId = newRequestId() }: { tenant: string; identifier: CdpIdentity.Identifier; requestedBy: string; now: number; requestId?: string }): CdpPrivacy.ErasureRequest {
  return {
    tenant,
    requestId,
    requestedAt: now,
    requestedBy,
    state: 'REQUESTED',
    identifier: { type: identifier.type, value: identifier.value },
    personIds: [],
    historyEntryIds: [],
    identifiers: 0,
    kafkaTombstones: 0,
    clickhouseRows: 0,
    updatedAt: now,
    doneAt: null,
    detail: null,
  };
}

/**
 * The request withdrawn: its counts kept, everything that named the person dropped. Who
 * withdrew it goes into detail; requestedBy stays who asked.
 */
export function withdrawnRecord(current: CdpPrivacy.ErasureRequest, { withdrawnBy, now }: { withdrawnBy: string; now: number }): CdpPrivacy.ErasureRequest {
  return { ...current, state: 'WITHDRAWN', identifier: null, personIds: [], historyEntryIds: [], updatedAt: now, detail: `withdrawn by ${withdrawnBy}` };
}

export type WithdrawRefusal = 'unknown' | 'already_withdrawn' | 'in_progress';

/** Why a request cannot be withdrawn, or undefined when it can. */
export const withdrawRefusalOf = (current: CdpPrivacy.ErasureRequest | undefined): WithdrawRefusal | undefined =>
  current === undefined ? 'unknown' : current.state === 'WITHDRAWN' ? 'already_withdrawn'
    // Its last step would write DONE over the withdrawal: withdraw once the erasure has ended.
    : current.state === 'REQUESTED' || current.state === 'IDENTITY_ERASED' ? 'in_progress' : undefined;

/** What a caller sees of a request: never its identifier, persons or history entries (personal data while in flight). */
export interface ErasureView {
  requestId: string;
  state: CdpPrivacy.ErasureState;
  requestedAt: string;
  requestedBy: string;
  updatedAt: string;
  doneAt: string | null;
  identifiers: number;
  kafkaTombstones: number;
  clickhouseRows: number;
  detail: string | null;
}

const iso = (epochMs: number) => new Date(epochMs).toISOString();

export function erasureViewOf(r: CdpPrivacy.ErasureRequest): ErasureView {
  return {
    requestId: r.requestId,
    state: r.state,
    requestedAt: iso(r.requestedAt),
    requestedBy: r.requestedBy,
    updatedAt: iso(r.updatedAt),
    doneAt: r.doneAt === null ? null : iso(r.doneAt),
    identifiers: r.identifiers,
    kafkaTombstones: r.kafkaTombstones,
    clickhouseRows: Number(r.clickhouseRows),
    detail: r.detail,
  };
}

/** Newest first: by requestedAt, then request id (stable for requests of one millisecond). */
export const newestFirst = (a: CdpPrivacy.ErasureRequest, b: CdpPrivacy.ErasureRequest): number => b.requestedAt - a.requestedAt || (a.requestId < b.requestId ? 1 : a.requestId > b.requestId ? -1 : 0);

/**
 * The requests as the compacted topic holds them: the newest record per key. Fed by a reader of
 * the topic (upsert, remove on a tombstone); a writer waits here for its own record to come back,
 * so that a read after its write sees it.
 */
export class ErasureBook {
  private readonly requests = new Map<string, CdpPrivacy.ErasureRequest>();
  private readonly waiters = new RecordWaiters<CdpPrivacy.ErasureRequest>();

  get size(): number {
    return this.requests.size;
  }

  upsert(key: string, record: CdpPrivacy.ErasureRequest): void {
    this.requests.set(key, record);
    this.waiters.applied(key, record);
  }

  remove(key: string): void {
    this.requests.delete(key);
  }

  get(tenant: string, requestId: string): CdpPrivacy.ErasureRequest | undefined {
    return this.requests.get(erasureKey(tenant, requestId));
  }

  /** The tenant's requests, newest first. */
  list(tenant: string): CdpPrivacy.ErasureRequest[] {
    return [...this.requests.values()].filter((r) => r.tenant === tenant).sort(newestFirst);
  }

  /**
   * Resolves with the first record of `key` applied from now on (or already held) for which
   * `until` holds; undefined after timeoutMs.
   */
  waitFor(key: string, until: (r: CdpPrivacy.ErasureRequest) => boolean, timeoutMs: number): Promise<CdpPrivacy.ErasureRequest | undefined> {
    return this.waiters.waitFor(key, this.requests.get(key), until, timeoutMs);
  }
}
