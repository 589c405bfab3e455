/**
 * Blocking an identifier value that glued different people together (a family's shared e-mail),
 * on identity.identifier-blocks.v1: what a caller may ask for, the records the API and the
 * `pnpm identity-block` command write (BLOCK_REQUESTED, UNBLOCK_REQUESTED; the identity graph
 * writer answers BLOCKED and UNBLOCKED with the persons before and after), the records in memory
 * as the compacted topic holds them, and what a caller is shown. Pure: no I/O.
 */
import { BLOCKING_STATES, IdentifierBlockList, identifierKey, type CdpIdentity } from '@cdp/plumbing';
import { ERASURE_TYPES, erasureIdentifierOf, identifierFieldOf, isObject, kindOf } from './erasures';
import { LookupError } from './lookup';
import { RecordWaiters } from './waiters';

/**
 * The types a block may name: the identity graph's identifier types (a clear e-mail, phone or MAC
 * hashed as ingest hashes it), as an erasure's; person_id is a person, not a value that links.
 */
export const BLOCK_TYPES = ERASURE_TYPES;

export const MAX_REASON_CHARACTERS = 500;
const EMAIL_IN_TEXT = /[^@\s]+@[^@\s]+\.[^@\s]+/;
// A value this short (a card's "12") is not taken for the value when it shows in a reason.
const SHORTEST_VALUE_SEEN_IN_REASON = 4;

/**
 * The operator's reason: required, one line, at most MAX_REASON_CHARACTERS, trimmed. The explain
 * endpoint shows it to every profile reader and ClickHouse keeps it in the identity history, so a
 * reason holding an e-mail address or the blocked value itself is refused. Throws LookupError
 * naming `field`.
 */
export function blockReasonOf(reason: unknown, { field = 'reason', clearValue }: { field?: string; clearValue?: string } = {}): string {
  if (reason === undefined) throw new LookupError(field, 'is required: why the value glued different people together (the explain endpoint shows it)');
  if (typeof reason !== 'string') throw new LookupError(field, `must be a string, not ${kindOf(reason)}`);
  const text = reason.trim();
  if (text === '') throw new LookupError(field, 'must not be empty: say why the value glued different people together');
  if ([...text].length > MAX_REASON_CHARACTERS) throw new LookupError(field, `must be at most ${MAX_REASON_CHARACTERS} characters`);
  if (/\p{Cc}/u.test(text)) throw new LookupError(field, 'must be one line of text (no control characters)');
  if (EMAIL_IN_TEXT.test(text)) throw new LookupError(field, 'must not hold personal data: it holds an e-mail address');
  const value = clearValue?.trim().toLowerCase();
  if (value && value.length >= SHORTEST_VALUE_SEEN_IN_REASON && text.toLowerCase().includes(value)) throw new LookupError(field, 'must not hold personal data: it holds the blocked value');
  return text;
}

/** The identifier a block names (path parameters or the command's flags); LookupError names `type` or `value`. */
export function blockIdentifierOf(type: string, value: string, salt: string): CdpIdentity.Identifier {
  try {
    return erasureIdentifierOf(type, value, salt);
  } catch (error) {
    if (error instanceof LookupError) throw new LookupError(error.field.replace(/^identifier\./, ''), error.reason);
    throw error;
  }
}

/**
 * The body of `POST /v1/identity/blocks`, `{ "identifier": { "type": ..., "value": ... },
 * "reason": ... }`, checked exactly (no field more, no type coerced). Throws LookupError naming
 * the field and the reason.
 */
export function blockBodyOf(body: unknown, salt: string): { identifier: CdpIdentity.Identifier; reason: string } {
  if (!isObject(body)) throw new LookupError('body', `must be a JSON object like {"identifier":{"type":"email","value":"..."},"reason":"..."}, not ${kindOf(body)}`);
  for (const field of Object.keys(body)) if (field !== 'identifier' && field !== 'reason') throw new LookupError(field, 'is not a field of a block (only identifier and reason are)');
  const identifier = identifierFieldOf(body.identifier, salt);
  const clear = (body.identifier as { value: string }).value;
  return { identifier, reason: blockReasonOf(body.reason, { clearValue: clear }) };
}

/** A new block: BLOCK_REQUESTED; `requestedBy` is who asks (a key's name, cli:<user>). */
export function blockRequestedRecord({ tenant, identifier, reason, requestedBy, now }: { tenant: string; identifier: CdpIdentity.Identifier; reason: string; requestedBy: string; now: number }): CdpIdentity.IdentifierBlock {
  return { tenant, identifier: { type: identifier.type, value: identifier.value }, state: 'BLOCK_REQUESTED', reason, requestedBy, requestedAt: now, updatedAt: now, personBefore: null, personsAfter: [], detail: null };
}

/**
 * The block undone: UNBLOCK_REQUESTED, asked by `requestedBy` now. The reason is the undo's when
 * one is given, else the block's (the graph writer's UNBLOCKED history entry shows it).
 */
export function unblockRequestedRecord(current: CdpIdentity.IdentifierBlock, { requestedBy, now, reason }: { requestedBy: string; now: number; reason?: string }): CdpIdentity.IdentifierBlock {
  return { ...current, state: 'UNBLOCK_REQUESTED', reason: reason ?? current.reason, requestedBy, requestedAt: now, updatedAt: now, personBefore: null, personsAfter: [], detail: null };
}

export type BlockRefusal = 'already_blocked' | 'unblock_in_progress';
export type UnblockRefusal = 'not_blocked' | 'block_in_progress';

/** Why a value cannot be blocked now, or undefined when it can (never blocked, or unblocked). */
export const blockRefusalOf = (current: CdpIdentity.IdentifierBlock | undefined): BlockRefusal | undefined =>
  current === undefined ? undefined : BLOCKING_STATES.has(current.state) ? 'already_blocked'
    // A block written over a pending undo could reach the graph writer as a block of a value it never unblocked.
    : current.state === 'UNBLOCK_REQUESTED' ? 'unblock_in_progress' : undefined;

/** Why a block cannot be undone now, or undefined when it can (BLOCKED). */
export const unblockRefusalOf = (current: CdpIdentity.IdentifierBlock | undefined): UnblockRefusal | undefined =>
  current === undefined || !BLOCKING_STATES.has(current.state) ? 'not_blocked'
    // As an erasure's withdrawal: undo once the graph writer has split the person.
    : current.state === 'BLOCK_REQUESTED' ? 'block_in_progress' : undefined;

/** What a caller sees of a block: the whole record but the tenant (the key's own), times as ISO 8601. */
export type BlockView = Omit<CdpIdentity.IdentifierBlock, 'tenant' | 'requestedAt' | 'updatedAt'> & { requestedAt: string; updatedAt: string };

const iso = (epochMs: number) => new Date(epochMs).toISOString();

export const blockViewOf = (b: CdpIdentity.IdentifierBlock): BlockView => ({
  identifier: { type: b.identifier.type, value: b.identifier.value },
  state: b.state,
  reason: b.reason,
  requestedBy: b.requestedBy,
  requestedAt: iso(b.requestedAt),
  updatedAt: iso(b.updatedAt),
  personBefore: b.personBefore,
  personsAfter: b.personsAfter,
  detail: b.detail,
});

/** Where a block is read: its identifier as stored (an e-mail's hash), so the link works with any salt's caller. */
export const blockLocationOf = (id: CdpIdentity.Identifier): string => `/v1/identity/blocks/${encodeURIComponent(id.type)}/${encodeURIComponent(id.value)}`;

/**
 * The blocks as the compacted topic holds them (plumbing's IdentifierBlockList: get, list newest
 * first), and a wait for a record of a key to come back: the writer's own, or the graph writer's.
 */
export class IdentifierBlockBook extends IdentifierBlockList {
  private readonly waiters = new RecordWaiters<CdpIdentity.IdentifierBlock>();

  override set(block: CdpIdentity.IdentifierBlock): void {
    super.set(block);
    this.waiters.applied(identifierKey(block.tenant, block.identifier), block);
  }

  /** Resolves with the first record of the block applied from now on (or held) for which `until` holds; undefined after timeoutMs. */
  waitFor(tenant: string, identifier: CdpIdentity.Identifier, until: (b: CdpIdentity.IdentifierBlock) => boolean, timeoutMs: number): Promise<CdpIdentity.IdentifierBlock | undefined> {
    return this.waiters.waitFor(identifierKey(tenant, identifier), this.get(tenant, identifier), until, timeoutMs);
  }
}
