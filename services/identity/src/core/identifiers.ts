/**
 * Which identifiers an event carries. Pure: reads the event, returns typed identifiers, strongest
 * first by the tenant's priority. Placeholder values never become identifiers, so they can never
 * link two people; nor can a randomised MAC, which a phone shows to networks it has not joined.
 */
import type { CdpIdentity, CdpStore, CdpWeb } from '@cdp/plumbing';
import { isBlocked, rankOf, type IdentifierType, type IdentityRules } from './rules';

export type Identifier = CdpIdentity.Identifier & { type: IdentifierType };

/**
 * An alias's previousId that the event cannot type (a server-side alias has no anonymousId to
 * compare it with). It goes to the graph writer untyped, which types it from the whole graph
 * (previous-id.ts); nothing published ever carries this type.
 */
export const PREVIOUS_ID = 'previous_id';
export type PreviousId = CdpIdentity.Identifier & { type: typeof PREVIOUS_ID };
/** What an event and its link carry: identifiers, and perhaps a previous id not yet typed. */
export type LinkIdentifier = Identifier | PreviousId;
export const isPreviousId = (id: CdpIdentity.Identifier): id is PreviousId => id.type === PREVIOUS_ID;

/** Strongest first by the tenant's priority; among equals the given order stays, so the result is deterministic. */
export const byPriority = <T extends CdpIdentity.Identifier>(rules: IdentityRules, ids: readonly T[]): T[] =>
  ids.map((id, i) => ({ id, i, rank: rankOf(rules, id.type) })).sort((a, b) => a.rank - b.rank || a.i - b.i).map((x) => x.id);

export type InputEvent =
  | { 'cdp.web.SegmentEvent': CdpWeb.SegmentEvent }
  | { 'cdp.store.PosTransaction': CdpStore.PosTransaction }
  | { 'cdp.store.BeaconSighting': CdpStore.BeaconSighting }
  | { 'cdp.store.WifiObservation': CdpStore.WifiObservation };

const LOYALTY_TRAITS = ['loyaltyCard', 'loyalty_card', 'loyaltyCardNumber', 'loyalty_card_number'];
const CUSTOMER_TRAITS = ['customerId', 'customer_id', 'customerNumber', 'customer_number'];

class Collector {
  readonly out: LinkIdentifier[] = [];
  constructor(private readonly rules: IdentityRules) {}

  add(type: LinkIdentifier['type'], value: unknown): void {
    if (typeof value !== 'string' && typeof value !== 'number') return;
    const v = String(value).trim();
    if (isBlocked(this.rules, v)) return;
    if (!this.out.some((i) => i.type === type && i.value === v)) this.out.push({ type, value: v });
  }

  fromTraits(traits: unknown): void {
    if (!traits || typeof traits !== 'object') return;
    const t = traits as Record<string, unknown>;
    for (const key of LOYALTY_TRAITS) this.add('loyalty_card', t[key]);
    for (const key of CUSTOMER_TRAITS) this.add('customer_id', t[key]);
    this.add('email_hash', t.emailHash);
    this.add('phone_hash', t.phoneHash);
  }

  /** Strongest first; the extraction order breaks ties. */
  sorted(): LinkIdentifier[] {
    return byPriority(this.rules, this.out);
  }
}

const parse = (json: string | null): Record<string, unknown> | undefined => {
  if (!json) return undefined;
  try {
    const value = JSON.parse(json) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    // Our own JSON text; a broken one carries no identifiers.
    return undefined;
  }
};

/** Segment's context.externalIds: [{ id, type, collection, encoding }]. */
function fromExternalIds(c: Collector, extra: Record<string, unknown> | undefined): void {
  const list = extra?.externalIds;
  if (!Array.isArray(list)) return;
  for (const entry of list) {
    if (!entry || typeof entry !== 'object') continue;
    const { id, type, collection } = entry as { id?: unknown; type?: unknown; collection?: unknown };
    // Segment's `accounts` collection holds a group's ids (a company's CRM account): not a person.
    if (collection === 'accounts') continue;
    if (typeof type === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(type)) c.add(`external:${type.toLowerCase()}`, id);
  }
}

/**
 * alias: previousId is an earlier id of the same person (Segment spec). The browser's alias
 * (analytics.js) names its own anonymousId, or the user id itself; anything else, a server-side
 * alias above all, only the graph writer can type.
 */
function fromPreviousId(c: Collector, e: CdpWeb.SegmentEvent): void {
  if (!e.previousId || e.previousId === e.userId) return;
  c.add(e.previousId === e.anonymousId ? 'anonymous_id' : PREVIOUS_ID, e.previousId);
}

/** The identifiers of one event, strongest first; an alias's previous id may be untyped yet (a PreviousId). */
export function extractIdentifiers(event: InputEvent, rules: IdentityRules): LinkIdentifier[] {
  const c = new Collector(rules);
  if ('cdp.web.SegmentEvent' in event) {
    const e = event['cdp.web.SegmentEvent'];
    c.add('user_id', e.userId);
    if (e.type === 'ALIAS') fromPreviousId(c, e);
    // A group call's traits describe the group (a company's name, plan, e-mail), not the person;
    // the person's own traits travel in context.traits there as everywhere.
    if (e.type !== 'GROUP') c.fromTraits(parse(e.traits));
    const extra = parse(e.context.extra);
    c.fromTraits(extra?.traits);
    fromExternalIds(c, extra);
    // The app's install is its device: the same phone in the app and, logged in, on the web.
    if (e.channel === 'APP') c.add('device_id', e.context.deviceId);
    c.add('anonymous_id', e.anonymousId);
  } else if ('cdp.store.PosTransaction' in event) {
    // The till may know both the card and the customer: a link between them.
    const receipt = event['cdp.store.PosTransaction'];
    c.add('loyalty_card', receipt.loyaltyCard);
    c.add('customer_id', receipt.customerId);
  } else if ('cdp.store.BeaconSighting' in event) {
    const b = event['cdp.store.BeaconSighting'];
    c.add('user_id', b.userId);
    // The app install that saw the beacon is the app's Segment anonymousId.
    c.add('anonymous_id', b.appInstallId);
  } else {
    const w = event['cdp.store.WifiObservation'];
    // A captive-portal login links the device to the person; a randomised MAC links nothing.
    c.add('email_hash', w.emailHash);
    c.add('phone_hash', w.phoneHash);
    if (!w.randomizedMac) c.add('wifi_mac_hash', w.clientMacHash);
  }
  return c.sorted();
}

export function envelopeOf(event: InputEvent): CdpWeb.SegmentEvent['envelope'] {
  if ('cdp.web.SegmentEvent' in event) return event['cdp.web.SegmentEvent'].envelope;
  if ('cdp.store.PosTransaction' in event) return event['cdp.store.PosTransaction'].envelope;
  if ('cdp.store.BeaconSighting' in event) return event['cdp.store.BeaconSighting'].envelope;
  return event['cdp.store.WifiObservation'].envelope;
}
