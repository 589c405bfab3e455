/**
 * Suppression of erased persons' events (privacy.suppressions.v1): ingest drops a record that
 * carries an identifier of an erased person before it reaches Kafka.
 *
 * The identifiers are the ones the identity service extracts from the same records
 * (services/identity/src/core/identifiers.ts, extractIdentifiers), listed here from the records
 * ingest builds; suppression.test.ts holds the two together on ingest's fixtures. Two
 * differences on purpose: placeholders are not filtered out (they are never suppressed, so
 * listing them costs a lookup and changes nothing), and an alias's previous id that its event
 * cannot type (a server-side alias) is listed as both types it can be, an anonymous id and a
 * user id, where identity leaves the typing to its graph writer.
 */
import type { CdpStore, CdpWeb } from '@cdp/plumbing';
import type { Accepted } from './intake';

export interface IdentifierRef {
  type: string;
  value: string;
}

/** What ingest asks of the followed suppression list (plumbing's SuppressionList). */
export interface Suppressions {
  readonly size: number;
  suppressedBy(tenant: string, ids: readonly IdentifierRef[]): string | undefined;
}

/** As identity reads a value: a string or a number, trimmed; anything else is no identifier. */
function add(out: IdentifierRef[], type: string, value: unknown): void {
  if (typeof value !== 'string' && typeof value !== 'number') return;
  const v = String(value).trim();
  if (v !== '') out.push({ type, value: v });
}

const LOYALTY_TRAITS = ['loyaltyCard', 'loyalty_card', 'loyaltyCardNumber', 'loyalty_card_number'];
const CUSTOMER_TRAITS = ['customerId', 'customer_id', 'customerNumber', 'customer_number'];
/**
 * Every trait key above contains one of these. Ingest wrote the JSON itself (JSON.stringify
 * spells keys out), so JSON without any of them holds none of the keys and is not parsed.
 */
const TRAIT_HINT = /loyalty|customer|Hash/;
const EXTRA_HINT = /"traits"|"externalIds"/;
const EXTERNAL_TYPE = /^[A-Za-z0-9_.-]{1,64}$/;

const parse = (json: string | null, hint: RegExp): Record<string, unknown> | undefined => {
  if (!json || !hint.test(json)) return undefined;
  try {
    const value = JSON.parse(json) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

function fromTraits(out: IdentifierRef[], traits: unknown): void {
  if (!traits || typeof traits !== 'object') return;
  const t = traits as Record<string, unknown>;
  for (const key of LOYALTY_TRAITS) add(out, 'loyalty_card', t[key]);
  for (const key of CUSTOMER_TRAITS) add(out, 'customer_id', t[key]);
  add(out, 'email_hash', t.emailHash);
  add(out, 'phone_hash', t.phoneHash);
}

/** Segment's context.externalIds, but a group's accounts (a company, not a person). */
function fromExternalIds(out: IdentifierRef[], list: unknown): void {
  if (!Array.isArray(list)) return;
  for (const entry of list) {
    if (!entry || typeof entry !== 'object') continue;
    const { id, type, collection } = entry as { id?: unknown; type?: unknown; collection?: unknown };
    if (collection !== 'accounts' && typeof type === 'string' && EXTERNAL_TYPE.test(type)) add(out, `external:${type.toLowerCase()}`, id);
  }
}

function ofSegmentEvent(e: CdpWeb.SegmentEvent): IdentifierRef[] {
  const out: IdentifierRef[] = [];
  add(out, 'user_id', e.userId);
  add(out, 'anonymous_id', e.anonymousId);
  if (e.type === 'ALIAS' && e.previousId && e.previousId !== e.userId && e.previousId !== e.anonymousId) {
    add(out, 'anonymous_id', e.previousId);
    add(out, 'user_id', e.previousId);
  }
  // A group call's traits are the group's; the person's travel in context.traits.
  if (e.type !== 'GROUP') fromTraits(out, parse(e.traits, TRAIT_HINT));
  const extra = parse(e.context.extra, EXTRA_HINT);
  if (extra) {
    fromTraits(out, extra.traits);
    fromExternalIds(out, extra.externalIds);
  }
  if (e.channel === 'APP') add(out, 'device_id', e.context.deviceId);
  return out;
}

function ofWifi(w: CdpStore.WifiObservation): IdentifierRef[] {
  const out: IdentifierRef[] = [];
  add(out, 'email_hash', w.emailHash);
  add(out, 'phone_hash', w.phoneHash);
  // A randomised MAC is never an identifier: the graph holds none.
  if (!w.randomizedMac) add(out, 'wifi_mac_hash', w.clientMacHash);
  return out;
}

/** The person identifiers of a record ingest built, in no particular order; people counts have none. */
export function identifiersOf(record: Accepted): IdentifierRef[] {
  switch (record.kind) {
    case 'segment':
      return ofSegmentEvent(record.value);
    case 'pos': {
      const out: IdentifierRef[] = [];
      add(out, 'loyalty_card', record.value.loyaltyCard);
      add(out, 'customer_id', record.value.customerId);
      return out;
    }
    case 'beacon': {
      // The app install that saw the beacon is the app's Segment anonymousId.
      const out: IdentifierRef[] = [];
      add(out, 'user_id', record.value.userId);
      add(out, 'anonymous_id', record.value.appInstallId);
      return out;
    }
    case 'wifi':
      return ofWifi(record.value);
    case 'peopleCount':
      return [];
  }
}

export interface SuppressedRecord {
  record: Accepted;
  /** The erasure request that suppressed one of its identifiers. */
  requestId: string;
}

const NOTHING: readonly SuppressedRecord[] = Object.freeze([]);

/**
 * The records to produce and those an erasure suppresses. With no suppression at all (the usual
 * case) it costs one size check and returns `accepted` itself.
 */
export function splitSuppressed(accepted: Accepted[], suppressions: Suppressions): { kept: Accepted[]; suppressed: readonly SuppressedRecord[] } {
  if (suppressions.size === 0) return { kept: accepted, suppressed: NOTHING };
  let kept: Accepted[] | undefined;
  let suppressed: SuppressedRecord[] | undefined;
  for (let i = 0; i < accepted.length; i++) {
    const record = accepted[i]!;
    const requestId = suppressions.suppressedBy(record.value.envelope.tenant, identifiersOf(record));
    if (requestId === undefined) {
      kept?.push(record);
      continue;
    }
    // The first suppressed record: those before it are kept.
    kept ??= accepted.slice(0, i);
    (suppressed ??= []).push({ record, requestId });
  }
  return kept ? { kept, suppressed: suppressed! } : { kept: accepted, suppressed: NOTHING };
}
