/**
 * Which identifiers an event carries. Pure: reads the event, returns typed identifiers; blocked
 * placeholder values never become identifiers, so they can never link two people.
 */
import type { CdpIdentity, CdpStore, CdpWeb } from '@cdp/plumbing';

export type IdentifierType = 'anonymous_id' | 'user_id' | 'loyalty_card' | 'email_hash' | 'phone_hash';
export type Identifier = CdpIdentity.Identifier & { type: IdentifierType };

export type InputEvent =
  | { 'cdp.web.SegmentEvent': CdpWeb.SegmentEvent }
  | { 'cdp.store.PosTransaction': CdpStore.PosTransaction }
  | { 'cdp.store.BeaconSighting': CdpStore.BeaconSighting };

/** Values that clients send when they have no identifier; linking on them would merge strangers. */
const BLOCKED = new Set(['', 'null', 'undefined', 'none', 'nil', '0', '-1', 'anonymous', 'guest', 'unknown', 'n/a', 'na', 'test', '00000000-0000-0000-0000-000000000000']);

export const isBlocked = (value: string): boolean => BLOCKED.has(value.trim().toLowerCase());

function add(out: Identifier[], type: IdentifierType, value: unknown): void {
  if (typeof value !== 'string' && typeof value !== 'number') return;
  const v = String(value).trim();
  if (isBlocked(v)) return;
  if (!out.some((i) => i.type === type && i.value === v)) out.push({ type, value: v });
}

const LOYALTY_TRAITS = ['loyaltyCard', 'loyalty_card', 'loyaltyCardNumber', 'loyalty_card_number'];

function fromTraits(out: Identifier[], traitsJson: string | null): void {
  if (!traitsJson) return;
  let traits: Record<string, unknown>;
  try {
    traits = JSON.parse(traitsJson) as Record<string, unknown>;
  } catch {
    return;
  }
  for (const key of LOYALTY_TRAITS) add(out, 'loyalty_card', traits[key]);
  add(out, 'email_hash', traits.emailHash);
  add(out, 'phone_hash', traits.phoneHash);
}

/** The identifiers of one event, strongest first. */
export function extractIdentifiers(event: InputEvent): Identifier[] {
  const out: Identifier[] = [];
  if ('cdp.web.SegmentEvent' in event) {
    const e = event['cdp.web.SegmentEvent'];
    add(out, 'user_id', e.userId);
    // alias: the previous id is an earlier user id of the same person (Segment spec).
    if (e.type === 'ALIAS') add(out, 'user_id', e.previousId);
    fromTraits(out, e.traits);
    if (e.context.extra) {
      try {
        const traits = (JSON.parse(e.context.extra) as { traits?: unknown }).traits;
        if (traits && typeof traits === 'object') fromTraits(out, JSON.stringify(traits));
      } catch {
        // context.extra is ours and always JSON; a broken one carries no identifiers.
      }
    }
    add(out, 'anonymous_id', e.anonymousId);
  } else if ('cdp.store.PosTransaction' in event) {
    add(out, 'loyalty_card', event['cdp.store.PosTransaction'].loyaltyCard);
  } else {
    const b = event['cdp.store.BeaconSighting'];
    add(out, 'user_id', b.userId);
    // The app install that saw the beacon is the app's Segment anonymousId.
    add(out, 'anonymous_id', b.appInstallId);
  }
  return out;
}

export function envelopeOf(event: InputEvent): CdpWeb.SegmentEvent['envelope'] {
  if ('cdp.web.SegmentEvent' in event) return event['cdp.web.SegmentEvent'].envelope;
  if ('cdp.store.PosTransaction' in event) return event['cdp.store.PosTransaction'].envelope;
  return event['cdp.store.BeaconSighting'].envelope;
}
