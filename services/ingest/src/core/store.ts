/**
 * Store events (till receipts, beacon sightings, Wi-Fi observations, people counts) into Avro
 * records. Money arrives in major units (19.90) and travels in minor units (1990) so that sums
 * are exact. Every store event names a store the tenant has; a store's own key posts only its
 * store's events.
 */
import type { CdpStore } from '@cdp/plumbing';
import { consentOf } from './consent';
import { REJECTION_CODES as R, rejectItem } from './errors';
import { hashMac, isRandomizedMac, normalizeMac } from './pii';
import { SCHEMA_VERSION } from './segment';
import { notInFuture, parseTime } from './time';
import type { Source, SourceRegistry } from './sources';

interface StoreEventBase {
  messageId?: string;
  timestamp: string;
  storeId?: string;
}

export interface PosLineInput {
  lineNumber?: number;
  sku: string;
  quantity: number;
  price: number;
  discount?: number;
}

export interface PosTransactionInput extends StoreEventBase {
  type: 'pos_transaction';
  receiptId: string;
  registerId?: string;
  kind?: 'sale' | 'return';
  loyaltyCard?: string | null;
  /** The retailer's customer number, when the till knows the customer. */
  customerId?: string | null;
  /** The loyalty programme's terms as answered at the till: { categoryPreferences: { category: true|false } }. */
  consent?: unknown;
  currency: string;
  total: number;
  paymentMethod?: string;
  lines: PosLineInput[];
}

export interface BeaconSightingInput extends StoreEventBase {
  type: 'beacon_sighting';
  appInstallId: string;
  userId?: string | null;
  beaconUuid: string;
  major: number;
  minor: number;
  rssi: number;
  proximity?: 'immediate' | 'near' | 'far' | 'unknown';
  accuracy?: number;
}

export interface WifiObservationInput extends StoreEventBase {
  type: 'wifi_observation';
  apMac: string;
  clientMac: string;
  rssi: number;
  ssid?: string | null;
  manufacturer?: string | null;
  os?: string | null;
  lat?: number;
  lng?: number;
  uncertainty?: number;
  floorplanId?: string;
}

export interface PeopleCountInput extends StoreEventBase {
  type: 'people_count';
  sensorId: string;
  zoneId?: string | null;
  kind: 'line_crossing' | 'zone_occupancy' | 'queue_length';
  periodSeconds?: number;
  countIn?: number;
  countOut?: number;
  occupancy?: number;
  queueLength?: number;
}

export type StoreEventInput = PosTransactionInput | BeaconSightingInput | WifiObservationInput | PeopleCountInput;

/** ISO 4217 minor-unit exponents that are not 2. */
const EXPONENTS: Record<string, number> = { JPY: 0, KRW: 0, ISK: 0, CLP: 0, BHD: 3, KWD: 3, OMR: 3, TND: 3 };

export function toMinor(amount: number, currency: string, field: string): number {
  const exponent = EXPONENTS[currency] ?? 2;
  const minor = Math.round(amount * 10 ** exponent);
  if (!Number.isSafeInteger(minor)) throw rejectItem(field, R.badAmount, 'is too large');
  // 19.999 EUR has no exact minor-unit value: refusing it beats rounding money silently.
  if (Math.abs(minor - amount * 10 ** exponent) > 1e-6 * Math.max(1, Math.abs(minor))) throw rejectItem(field, R.badAmount, `has more decimals than ${currency} allows (${exponent})`);
  return minor;
}

export interface StoreContext {
  source: Source;
  receivedAt: number;
  salt: string;
  stores: Pick<SourceRegistry, 'store'>;
}

const eventTimeOf = (timestamp: string, field: string, receivedAt: number): number => notInFuture(parseTime(field, timestamp), field, receivedAt);

/**
 * The store an event belongs to: the one it names, which the tenant must have and the key must
 * be allowed to post for, or the key's own store.
 */
export function storeIdOf(named: string | null | undefined, ctx: StoreContext, field: string): string {
  const own = ctx.source.storeId;
  const storeId = named?.trim() || own;
  if (!storeId) throw rejectItem(field, R.missingField, 'is required: this key belongs to no single store');
  if (!ctx.stores.store(ctx.source.tenant, storeId)) throw rejectItem(field, R.unknownStore, `store ${storeId} is not a store of tenant ${ctx.source.tenant}`);
  if (own && storeId !== own) throw rejectItem(field, R.storeNotOfKey, `the key of source ${ctx.source.id} posts for store ${own}, not ${storeId}`);
  return storeId;
}

/** The envelope of a store event; every store-side normaliser (gateway, Meraki) uses it. */
export const envelopeOf = (eventId: string, eventTime: number, ctx: { source: Source; receivedAt: number }) => ({
  eventId,
  eventTime,
  receivedTime: ctx.receivedAt,
  source: ctx.source.id,
  tenant: ctx.source.tenant,
  schemaVersion: SCHEMA_VERSION,
});

export function normalizePosTransaction(input: PosTransactionInput, ctx: StoreContext, path: string): CdpStore.PosTransaction {
  const at = (f: string) => `${path}.${f}`;
  const currency = input.currency.toUpperCase();
  const lines = input.lines.map((line, i): CdpStore.PosLine => {
    const unitPriceMinor = toMinor(line.price, currency, at(`lines[${i}].price`));
    const discountMinor = toMinor(line.discount ?? 0, currency, at(`lines[${i}].discount`));
    return {
      lineNumber: line.lineNumber ?? i + 1,
      sku: line.sku,
      quantity: line.quantity,
      unitPriceMinor,
      discountMinor,
      totalMinor: Math.round(unitPriceMinor * line.quantity) - discountMinor,
    };
  });
  const loyaltyCard = input.loyaltyCard?.trim() || null;
  const storeId = storeIdOf(input.storeId, ctx, at('storeId'));
  return {
    // A till that re-sends a receipt sends the same receipt id: the event id follows from it, so
    // the receipt is counted once.
    envelope: envelopeOf(input.messageId?.trim() || `pos:${storeId}:${input.receiptId}`, eventTimeOf(input.timestamp, at('timestamp'), ctx.receivedAt), ctx),
    storeId,
    receiptId: input.receiptId,
    registerId: input.registerId ?? null,
    kind: input.kind === 'return' ? 'RETURN' : 'SALE',
    loyaltyCard,
    customerId: input.customerId?.trim() || null,
    consent: consentOf(input.consent, at('consent')),
    currency,
    totalMinor: toMinor(input.total, currency, at('total')),
    paymentMethod: input.paymentMethod ?? null,
    lines,
  };
}

export function normalizeBeaconSighting(input: BeaconSightingInput, ctx: StoreContext, path: string): CdpStore.BeaconSighting {
  // The app may not know its store: then enrichment resolves it from the beacon directory.
  const storeId = input.storeId || ctx.source.storeId ? storeIdOf(input.storeId, ctx, `${path}.storeId`) : null;
  const eventTime = eventTimeOf(input.timestamp, `${path}.timestamp`, ctx.receivedAt);
  const beaconUuid = input.beaconUuid.toLowerCase();
  return {
    // Derived from what was seen, so a gateway that re-sends a sighting sends the same event.
    envelope: envelopeOf(input.messageId?.trim() || `beacon:${input.appInstallId}:${beaconUuid}:${input.major}:${input.minor}:${eventTime}`, eventTime, ctx),
    storeId,
    appInstallId: input.appInstallId,
    userId: input.userId?.trim() || null,
    beaconUuid,
    major: input.major,
    minor: input.minor,
    rssi: input.rssi,
    proximity: input.proximity ? (input.proximity.toUpperCase() as CdpStore.BeaconProximity) : null,
    accuracyMeters: input.accuracy ?? null,
    apMac: null,
    clientMacHash: null,
    randomizedMac: false,
  };
}

export function normalizeWifiObservation(input: WifiObservationInput, ctx: StoreContext, path: string): CdpStore.WifiObservation {
  const storeId = storeIdOf(input.storeId, ctx, `${path}.storeId`);
  const eventTime = eventTimeOf(input.timestamp, `${path}.timestamp`, ctx.receivedAt);
  const clientMac = normalizeMac(input.clientMac);
  if (!clientMac) throw rejectItem(`${path}.clientMac`, R.badMac, 'is not a 48-bit MAC address');
  const apMac = normalizeMac(input.apMac);
  if (!apMac) throw rejectItem(`${path}.apMac`, R.badMac, 'is not a 48-bit MAC address');
  const clientMacHash = hashMac(ctx.salt, clientMac);
  return {
    envelope: envelopeOf(input.messageId?.trim() || `wifi:${storeId}:${clientMacHash.slice(0, 16)}:${apMac}:${eventTime}`, eventTime, ctx),
    storeId,
    apMac,
    clientMacHash,
    randomizedMac: isRandomizedMac(clientMac),
    rssi: input.rssi,
    ssid: input.ssid ?? null,
    manufacturer: input.manufacturer ?? null,
    os: input.os ?? null,
    lat: input.lat ?? null,
    lng: input.lng ?? null,
    uncertaintyMeters: input.uncertainty ?? null,
    floorplanId: input.floorplanId ?? null,
    emailHash: null,
    phoneHash: null,
    loginHash: null,
  };
}

const PEOPLE_COUNT_KINDS = {
  line_crossing: { symbol: 'LINE_CROSSING', needs: ['countIn', 'countOut'] },
  zone_occupancy: { symbol: 'ZONE_OCCUPANCY', needs: ['occupancy'] },
  queue_length: { symbol: 'QUEUE_LENGTH', needs: ['queueLength'] },
} as const;

export function normalizePeopleCount(input: PeopleCountInput, ctx: StoreContext, path: string): CdpStore.PeopleCount {
  const storeId = storeIdOf(input.storeId, ctx, `${path}.storeId`);
  const eventTime = eventTimeOf(input.timestamp, `${path}.timestamp`, ctx.receivedAt);
  const kind = PEOPLE_COUNT_KINDS[input.kind];
  const missing = kind.needs.find((f) => input[f] === undefined);
  if (missing) throw rejectItem(`${path}.${missing}`, R.missingField, `is required for a ${input.kind} count`);
  const zoneId = input.zoneId?.trim() || null;
  return {
    envelope: envelopeOf(input.messageId?.trim() || `people:${storeId}:${input.sensorId}:${zoneId ?? ''}:${input.kind}:${eventTime}`, eventTime, ctx),
    storeId,
    sensorId: input.sensorId,
    zoneId,
    kind: kind.symbol,
    periodSeconds: input.periodSeconds ?? 0,
    countIn: input.countIn ?? null,
    countOut: input.countOut ?? null,
    occupancy: input.occupancy ?? null,
    queueLength: input.queueLength ?? null,
  };
}
