/**
 * Real-time signals from one person's events. Pure: a person's state, an enriched event and the
 * time give the new state and the signals the event triggers (applyEvent); a state and the time
 * give the timer signals that are due (fireDue, dueSignals). The adapter keeps the states in a
 * compacted topic and publishes signals and states in one transaction.
 *
 * The occasions, each signalled once:
 * - CART_ABANDONED: a cart change (track Product Added / Product Removed) and no checkout (track
 *   Order Completed) for cartAbandonMs after the last change. A later change starts a new occasion.
 * - KNOWN_CUSTOMER_ENTERED_STORE: a store entry of a known person. A sighting (beacon, or Wi-Fi
 *   of a non-randomised MAC) at hold strength or stronger keeps a store visit alive; the gap
 *   without one ends it; the first sighting at open strength in a visit is its entry. The same
 *   hysteresis and gap as the store_visits view, with the tenant's store_visit_rules. "Known":
 *   the person has an identifier other than the anonymous ones below, or has bought.
 * - FIRST_PURCHASE: an Order Completed or a store SALE of a person who had no purchase before (a
 *   store return counts as one: something was bought). Who has bought is asked of ClickHouse
 *   once, when it first matters (needsHistory).
 * - STORE_VISIT_AFTER_BROWSING: a store entry (known or not) of a person who viewed products
 *   online in the browsing window before it, with those skus. The store directory has no
 *   per-store assortment, so every sku viewed counts, not only what this store carries.
 *
 * A signal's id comes from its kind, tenant, person and triggering event, and the state
 * remembers the ids it fired and the events it applied: a replayed event changes nothing and
 * fires nothing. A signal whose occasion lies further back than maxDelayMs when it would fire
 * (a backlog, a new consumer group reading history) is passed over: the state moves on, no
 * application is told about yesterday's cart.
 *
 * Merges: state is kept per person at ingest, as the enriched topic is keyed. After a merge the
 * survivor's events build the survivor's state (ClickHouse answers for the absorbed persons'
 * purchases and identifiers through customer_profile); the absorbed person's state stays as it
 * was, so a timer it had open fires once more under the absorbed id.
 */
import { createHash } from 'node:crypto';
import type { AvroProjection, CdpAggregation, CdpEnrichment } from '@cdp/plumbing';
import { minorOf, parseProperties, productLines, type ProductLine } from './segment-properties';

export type Signal = CdpAggregation.Signal;
export type SignalKind = CdpAggregation.SignalKind;
export type SignalState = CdpAggregation.SignalState;
type Cart = CdpAggregation.SignalCart;
type CartLine = CdpAggregation.SignalCartLine;

export interface VisitRules {
  /** A visit's entry is its first sighting at least this strong (dBm). */
  openRssi: number;
  /** Sightings at least this strong keep a visit alive (dBm). */
  holdRssi: number;
  /** A visit ends after this long without a sighting at hold strength. */
  gapMs: number;
}

export interface SignalRules {
  cartAbandonMs: number;
  /** Product views this long before a store entry make STORE_VISIT_AFTER_BROWSING. */
  browseWindowMs: number;
  /** A signal whose occasion is older than this when it would fire is passed over. */
  maxDelayMs: number;
  visitRules(tenant: string): VisitRules;
}

/** What ClickHouse knows of a person from before the event at hand. */
export interface PersonHistory {
  purchasedBefore: boolean;
  known: boolean;
}

/** Identifier types that say nothing about who someone is: a browser, an app install, a phone's radio. */
export const ANONYMOUS_ID_TYPES: ReadonlySet<string> = new Set(['anonymous_id', 'device_id', 'wifi_mac_hash']);

export const isKnownIdentifierType = (type: string): boolean => !ANONYMOUS_ID_TYPES.has(type);

export const MAX_FIRED_IDS = 32;
export const MAX_RECENT_EVENTS = 64;
export const MAX_CART_CHANGES = 20;
export const MAX_PRODUCT_VIEWS = 20;

export const stateKeyOf = (tenant: string, personId: string): string => `${tenant}|${personId}`;

/** Deterministic: the same occasion (kind, tenant, person, triggering event) always has the same id. */
export function signalIdOf(kind: SignalKind, tenant: string, personId: string, eventId: string): string {
  return createHash('sha256').update(`${kind}\u0000${tenant}\u0000${personId}\u0000${eventId}`).digest('hex').slice(0, 32);
}

/** A signal passed over instead of fired, and why. */
export interface PassedOver {
  kind: SignalKind;
  signalId: string;
  reason: 'too_late' | 'fired_before';
}

export interface SignalResult {
  /** undefined: the person has no state and the event gave it none. */
  state: SignalState | undefined;
  /** False when the state is as it was (nothing to write). */
  changed: boolean;
  signals: Signal[];
  passedOver: PassedOver[];
}

// ---------------------------------------------------------------------------------------------
// What an event means for signals

/** quantity undefined: the event named none (a Product Removed then removes the whole line). */
type Line = ProductLine;

interface Facts {
  tenant: string;
  personId: string;
  eventId: string;
  at: number;
  channel: string;
  /** The event carries an identifier that says who the person is. */
  knownIdentifier: boolean;
  cartChange?: { kind: 'add' | 'remove'; lines: Line[]; currency: string | null };
  /** Order Completed: ends the cart. */
  checkout?: boolean;
  purchase?: { orderId: string | null; valueMinor: number | null; currency: string | null; skus: string[]; storeId: string | null; storeName: string | null };
  /** A store return: the person has bought before, whoever they are. */
  returned?: boolean;
  viewedSkus?: string[];
  sighting?: { storeId: string; storeName: string | null; rssi: number };
}


const currencyOf = (props: Record<string, unknown>): string | null => (typeof props.currency === 'string' && props.currency.trim() !== '' ? props.currency.trim().toUpperCase() : null);

/**
 * Every field of an enriched event that factsOf reads, and nothing else: the signals processor
 * decodes the events with this projection (projectSchema), skipping the context, traits and
 * enrichments it does not need. A field read here and missing there would be undefined: the
 * projection test runs the signals on full and projected copies of the same events.
 */
export const SIGNAL_EVENT_FIELDS: AvroProjection = {
  personId: true,
  identifiers: { type: true },
  event: {
    // context.consent and a receipt's consent: an answer given just before a signal decides it, before ClickHouse has it.
    SegmentEvent: { envelope: { tenant: true, eventId: true, eventTime: true }, type: true, channel: true, event: true, properties: true, context: { consent: true } },
    PosTransaction: { envelope: true, kind: true, storeId: true, receiptId: true, totalMinor: true, currency: true, lines: { sku: true }, consent: true },
    BeaconSighting: { envelope: true, storeId: true, appInstallId: true, clientMacHash: true, randomizedMac: true, rssi: true },
    WifiObservation: { envelope: true, storeId: true, randomizedMac: true, rssi: true },
  },
  store: { storeId: true, storeName: true },
};

function factsOf(e: CdpEnrichment.EnrichedEvent): Facts | undefined {
  if (!e.personId) return undefined;
  const knownIdentifier = e.identifiers.some((i) => isKnownIdentifierType(i.type));
  const web = e.event['cdp.web.SegmentEvent'];
  if (web) {
    const base = { tenant: web.envelope.tenant, personId: e.personId, eventId: web.envelope.eventId, at: web.envelope.eventTime, channel: web.channel.toLowerCase(), knownIdentifier };
    if (web.type !== 'TRACK') return base;
    const props = parseProperties(web.properties);
    switch (web.event) {
      case 'Product Added':
      case 'Product Removed':
        return { ...base, cartChange: { kind: web.event === 'Product Added' ? 'add' : 'remove', lines: productLines(props), currency: currencyOf(props) } };
      case 'Order Completed': {
        const orderId = props.order_id ?? props.orderId;
        return {
          ...base,
          checkout: true,
          purchase: {
            orderId: orderId === undefined || orderId === null || orderId === '' ? null : String(orderId),
            valueMinor: minorOf(props.total ?? props.revenue ?? props.value),
            currency: currencyOf(props),
            skus: [...new Set(productLines(props).map((l) => l.sku))],
            storeId: null,
            storeName: null,
          },
        };
      }
      case 'Product Viewed':
        return { ...base, viewedSkus: [...new Set(productLines(props).map((l) => l.sku))] };
      default:
        return base;
    }
  }
  const receipt = e.event['cdp.store.PosTransaction'];
  if (receipt) {
    const base = { tenant: receipt.envelope.tenant, personId: e.personId, eventId: receipt.envelope.eventId, at: receipt.envelope.eventTime, channel: 'store', knownIdentifier };
    if (receipt.kind === 'RETURN') return { ...base, returned: true };
    const storeId = e.store?.storeId ?? receipt.storeId;
    return {
      ...base,
      purchase: { orderId: receipt.receiptId, valueMinor: receipt.totalMinor, currency: receipt.currency.toUpperCase(), skus: [...new Set(receipt.lines.map((l) => l.sku))], storeId, storeName: e.store?.storeName ?? null },
    };
  }
  const beacon = e.event['cdp.store.BeaconSighting'];
  const wifi = e.event['cdp.store.WifiObservation'];
  const sensor = beacon ?? wifi;
  if (!sensor) return undefined;
  const base = { tenant: sensor.envelope.tenant, personId: e.personId, eventId: sensor.envelope.eventId, at: sensor.envelope.eventTime, channel: 'store', knownIdentifier };
  // A randomised MAC is nobody; an access point's BLE sighting without a MAC neither.
  const personal = beacon ? !!beacon.appInstallId || (!!beacon.clientMacHash && !beacon.randomizedMac) : !wifi!.randomizedMac;
  const storeId = e.store?.storeId ?? sensor.storeId;
  if (!personal || !storeId) return base;
  return { ...base, sighting: { storeId, storeName: e.store?.storeName ?? null, rssi: sensor.rssi } };
}

// ---------------------------------------------------------------------------------------------
// State changes

export function emptyState(tenant: string, personId: string, partition: number, now: number): SignalState {
  return { tenant, personId, partition, updatedAt: now, purchased: null, known: null, cart: null, productViews: [], stores: [], firedSignalIds: [], recentEventIds: [] };
}

/** The person's visit to the store, if the sighting at `at` belongs to it (within the gap). */
function currentVisit(state: SignalState | undefined, storeId: string, at: number, rules: VisitRules): CdpAggregation.SignalStorePresence | undefined {
  const presence = state?.stores.find((s) => s.storeId === storeId);
  return presence && at - presence.lastSeenAt <= rules.gapMs ? presence : undefined;
}

/**
 * True when applyEvent needs to know the person's past from ClickHouse to decide: a purchase
 * when nobody knows yet whether the person has bought, or a store entry of a person nobody
 * knows yet to be known. Asked at most once per person: the answer stays in the state. Not for
 * an event too old to be signalled (a backlog): the state takes it in without.
 */
export function needsHistory(state: SignalState | undefined, e: CdpEnrichment.EnrichedEvent, rules: SignalRules, now: number): boolean {
  const f = factsOf(e);
  if (!f || state?.recentEventIds.includes(f.eventId) || now - f.at > rules.maxDelayMs) return false;
  if (f.purchase && (state?.purchased ?? null) === null) return true;
  if (f.sighting && !f.knownIdentifier && (state?.known ?? null) === null) {
    const visit = rules.visitRules(f.tenant);
    return f.sighting.rssi >= visit.openRssi && !currentVisit(state, f.sighting.storeId, f.at, visit)?.entryEventId;
  }
  return false;
}

function changeCart(cart: Cart | null, f: Facts, change: NonNullable<Facts['cartChange']>): Cart | null {
  const lines: CartLine[] = (cart?.lines ?? []).map((l) => ({ ...l }));
  for (const l of change.lines) {
    const i = lines.findIndex((x) => x.sku === l.sku);
    if (change.kind === 'add') {
      if (i < 0) lines.push({ sku: l.sku, quantity: l.quantity ?? 1, unitPriceMinor: l.unitPriceMinor });
      else lines[i] = { sku: l.sku, quantity: lines[i]!.quantity + (l.quantity ?? 1), unitPriceMinor: l.unitPriceMinor || lines[i]!.unitPriceMinor };
    } else if (i >= 0) {
      const left = l.quantity === undefined ? 0 : lines[i]!.quantity - l.quantity;
      if (left > 0) lines[i] = { ...lines[i]!, quantity: left };
      else lines.splice(i, 1);
    }
  }
  // An emptied cart is nothing to abandon.
  if (lines.length === 0) return null;
  const newOccasion = !cart || cart.abandonedSignalId !== null;
  // A change that arrives late (older than the last) joins the occasion without moving its timer.
  const latest = !cart || f.at >= cart.lastChangeAt;
  return {
    channel: latest ? f.channel : cart!.channel,
    lastChangeAt: latest ? f.at : cart!.lastChangeAt,
    lastChangeEventId: latest ? f.eventId : cart!.lastChangeEventId,
    changeEventIds: [f.eventId, ...(newOccasion ? [] : cart!.changeEventIds)].slice(0, MAX_CART_CHANGES),
    lines,
    currency: change.currency ?? cart?.currency ?? null,
    abandonedSignalId: null,
  };
}

const cartValueMinor = (cart: Cart): number => cart.lines.reduce((sum, l) => sum + Math.round(l.quantity * l.unitPriceMinor), 0);

interface Candidate {
  kind: SignalKind;
  /** Event time of the triggering event. */
  occurredAt: number;
  /** When the occasion became a signal: the triggering event, or the timer's due time. */
  dueAt: number;
  sourceEventIds: string[];
  channel: string;
  extra: Partial<Signal>;
}

/** Fires the candidates that were not fired before and are not too late; records every id. */
function fire(state: SignalState, candidates: Candidate[], now: number, rules: SignalRules): { signals: Signal[]; passedOver: PassedOver[] } {
  const signals: Signal[] = [];
  const passedOver: PassedOver[] = [];
  for (const c of candidates) {
    const signalId = signalIdOf(c.kind, state.tenant, state.personId, c.sourceEventIds[0]!);
    if (state.firedSignalIds.includes(signalId)) {
      passedOver.push({ kind: c.kind, signalId, reason: 'fired_before' });
      continue;
    }
    state.firedSignalIds = [signalId, ...state.firedSignalIds].slice(0, MAX_FIRED_IDS);
    if (now - c.dueAt > rules.maxDelayMs) {
      passedOver.push({ kind: c.kind, signalId, reason: 'too_late' });
      continue;
    }
    signals.push({
      signalId, tenant: state.tenant, kind: c.kind, personId: state.personId, firedAt: now, occurredAt: c.occurredAt, sourceEventIds: c.sourceEventIds, channel: c.channel,
      storeId: null, storeName: null, skus: [], segments: [], valueMinor: null, currency: null, orderId: null,
      ...c.extra,
    });
  }
  return { signals, passedOver };
}

/** Forgets what can no longer make a signal: views out of the window, visits long over. */
function prune(state: SignalState, now: number, rules: SignalRules): void {
  state.productViews = state.productViews.filter((v) => v.viewedAt >= now - rules.browseWindowMs - rules.maxDelayMs).slice(0, MAX_PRODUCT_VIEWS);
  const visit = rules.visitRules(state.tenant);
  state.stores = state.stores.filter((s) => s.lastSeenAt >= now - visit.gapMs - rules.maxDelayMs);
}

const unchanged = (state: SignalState | undefined): SignalResult => ({ state, changed: false, signals: [], passedOver: [] });

/**
 * The person's state after the event, and the signals the event triggers. `history` is what
 * ClickHouse said when needsHistory asked; without it a purchase of a person whose past nobody
 * knows fires no FIRST_PURCHASE (it cannot tell), and such a person's store entry is not "known".
 */
export function applyEvent(
  before: SignalState | undefined,
  e: CdpEnrichment.EnrichedEvent,
  ctx: { now: number; partition: number; history?: PersonHistory },
  rules: SignalRules,
): SignalResult {
  const f = factsOf(e);
  if (!f) return unchanged(before);
  // A copy of an event this state already took in.
  if (before?.recentEventIds.includes(f.eventId)) return unchanged(before);
  const relevant = f.knownIdentifier || f.cartChange || f.checkout || f.purchase || f.returned || f.viewedSkus?.length || f.sighting || ctx.history;
  if (!relevant) return unchanged(before);

  const s: SignalState = before ? structuredClone(before) : emptyState(f.tenant, f.personId, ctx.partition, ctx.now);
  // A person without a state gets one only when the event sets something.
  let changed = false;
  const set = <K extends keyof SignalState>(key: K, value: SignalState[K]) => {
    if (JSON.stringify(s[key]) !== JSON.stringify(value)) {
      s[key] = value;
      changed = true;
    }
  };
  if (ctx.history) {
    if (s.purchased === null) set('purchased', ctx.history.purchasedBefore);
    if (s.known === null) set('known', ctx.history.known || ctx.history.purchasedBefore);
  }
  if (f.knownIdentifier) set('known', true);

  const candidates: Candidate[] = [];

  if (f.viewedSkus?.length) {
    const fresh = f.viewedSkus.filter((sku) => !s.productViews.some((v) => v.sku === sku && v.viewedAt >= f.at));
    const others = s.productViews.filter((v) => !fresh.includes(v.sku));
    const views = [...fresh.map((sku) => ({ sku, viewedAt: f.at, eventId: f.eventId })), ...others].sort((a, b) => b.viewedAt - a.viewedAt);
    set('productViews', views.slice(0, MAX_PRODUCT_VIEWS));
  }

  if (f.cartChange) set('cart', changeCart(s.cart, f, f.cartChange));
  if (f.checkout && s.cart) set('cart', null);

  if (f.purchase) {
    if (s.purchased === false) {
      candidates.push({
        kind: 'FIRST_PURCHASE', occurredAt: f.at, dueAt: f.at, sourceEventIds: [f.eventId], channel: f.channel,
        extra: { skus: f.purchase.skus, valueMinor: f.purchase.valueMinor, currency: f.purchase.currency, orderId: f.purchase.orderId, storeId: f.purchase.storeId, storeName: f.purchase.storeName },
      });
    }
    set('purchased', true);
    set('known', true);
  }
  if (f.returned) {
    set('purchased', true);
    set('known', true);
  }

  if (f.sighting) {
    const visitRules = rules.visitRules(f.tenant);
    const { storeId, storeName, rssi } = f.sighting;
    if (rssi >= visitRules.holdRssi) {
      const current = currentVisit(s, storeId, f.at, visitRules);
      const visit = current ? { ...current, lastSeenAt: Math.max(current.lastSeenAt, f.at) } : { storeId, visitStartedAt: f.at, lastSeenAt: f.at, entryEventId: null };
      if (rssi >= visitRules.openRssi && visit.entryEventId === null) {
        visit.entryEventId = f.eventId;
        const store = { storeId, storeName };
        if (s.known === true) {
          candidates.push({ kind: 'KNOWN_CUSTOMER_ENTERED_STORE', occurredAt: f.at, dueAt: f.at, sourceEventIds: [f.eventId], channel: 'store', extra: store });
        }
        const browsed = s.productViews.filter((v) => v.viewedAt <= f.at && f.at - v.viewedAt <= rules.browseWindowMs);
        if (browsed.length > 0) {
          candidates.push({
            kind: 'STORE_VISIT_AFTER_BROWSING', occurredAt: f.at, dueAt: f.at, sourceEventIds: [f.eventId, ...new Set(browsed.map((v) => v.eventId))], channel: 'store',
            extra: { ...store, skus: browsed.map((v) => v.sku) },
          });
        }
      }
      set('stores', [visit, ...s.stores.filter((x) => x.storeId !== storeId)]);
    }
  }

  const { signals, passedOver } = fire(s, candidates, ctx.now, rules);
  if (candidates.length > 0) changed = true;
  if (!changed) return unchanged(before);
  prune(s, ctx.now, rules);
  s.partition = ctx.partition;
  s.updatedAt = ctx.now;
  s.recentEventIds = [f.eventId, ...s.recentEventIds].slice(0, MAX_RECENT_EVENTS);
  return { state: s, changed: true, signals, passedOver };
}

// ---------------------------------------------------------------------------------------------
// Timers

/** When the state's next timer signal is due; undefined when it has none open. */
export function nextDueAt(state: SignalState, rules: SignalRules): number | undefined {
  const cart = state.cart;
  return cart && cart.abandonedSignalId === null ? cart.lastChangeAt + rules.cartAbandonMs : undefined;
}

/** The timer signals of one state that are due at `now`, and the state after them. */
export function fireDue(before: SignalState, now: number, rules: SignalRules): SignalResult {
  const due = nextDueAt(before, rules);
  if (due === undefined || now < due) return unchanged(before);
  const s = structuredClone(before);
  const cart = s.cart!;
  const candidate: Candidate = {
    kind: 'CART_ABANDONED', occurredAt: cart.lastChangeAt, dueAt: due, sourceEventIds: [cart.lastChangeEventId, ...cart.changeEventIds.filter((id) => id !== cart.lastChangeEventId)], channel: cart.channel,
    extra: { skus: cart.lines.map((l) => l.sku), valueMinor: cartValueMinor(cart), currency: cart.currency },
  };
  const { signals, passedOver } = fire(s, [candidate], now, rules);
  // The occasion is over either way; the cart itself stays for the next change.
  cart.abandonedSignalId = signalIdOf('CART_ABANDONED', s.tenant, s.personId, cart.lastChangeEventId);
  s.updatedAt = now;
  return { state: s, changed: true, signals, passedOver };
}

/** fireDue over many states: the ones that changed. */
export function dueSignals(states: Iterable<SignalState>, now: number, rules: SignalRules): SignalResult[] {
  const out: SignalResult[] = [];
  for (const state of states) {
    const r = fireDue(state, now, rules);
    if (r.changed) out.push(r);
  }
  return out;
}
