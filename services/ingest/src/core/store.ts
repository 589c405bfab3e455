/**
 * Store events (till receipts, beacon sightings) into Avro records. Money arrives in major
 * units (19.90) and travels in minor units (1990) so that sums are exact.
 */
import { randomUUID } from 'node:crypto';
import type { CdpStore } from '@cdp/plumbing';
import { invalid } from './errors';
import { SCHEMA_VERSION } from './segment';
import type { Source } from './sources';

export interface PosLineInput {
  lineNumber?: number;
  sku: string;
  quantity: number;
  price: number;
  discount?: number;
}

export interface PosTransactionInput {
  type: 'pos_transaction';
  messageId?: string;
  timestamp: string;
  storeId: string;
  receiptId: string;
  registerId?: string;
  kind?: 'sale' | 'return';
  loyaltyCard?: string | null;
  currency: string;
  total: number;
  paymentMethod?: string;
  lines: PosLineInput[];
}

export interface BeaconSightingInput {
  type: 'beacon_sighting';
  messageId?: string;
  timestamp: string;
  storeId?: string;
  appInstallId: string;
  userId?: string | null;
  beaconUuid: string;
  major: number;
  minor: number;
  rssi: number;
  proximity?: 'immediate' | 'near' | 'far' | 'unknown';
  accuracy?: number;
}

export type StoreEventInput = PosTransactionInput | BeaconSightingInput;

/** ISO 4217 minor-unit exponents that are not 2. */
const EXPONENTS: Record<string, number> = { JPY: 0, KRW: 0, ISK: 0, CLP: 0, BHD: 3, KWD: 3, OMR: 3, TND: 3 };

export function toMinor(amount: number, currency: string, field: string): number {
  const exponent = EXPONENTS[currency] ?? 2;
  const minor = Math.round(amount * 10 ** exponent);
  if (!Number.isSafeInteger(minor)) throw invalid(field, 'is too large');
  // 19.999 EUR has no exact minor-unit value: refusing it beats rounding money silently.
  if (Math.abs(minor - amount * 10 ** exponent) > 1e-6 * Math.max(1, Math.abs(minor))) throw invalid(field, `has more decimals than ${currency} allows (${exponent})`);
  return minor;
}

interface StoreContext {
  source: Source;
  receivedAt: number;
}

function eventTimeOf(timestamp: string, field: string, receivedAt: number): number {
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) throw invalid(field, `must be an ISO-8601 date-time, got ${JSON.stringify(timestamp).slice(0, 60)}`);
  if (ms > receivedAt + 24 * 3600 * 1000) throw invalid(field, 'is more than a day in the future');
  return ms;
}

const envelopeOf = (eventId: string, eventTime: number, ctx: StoreContext) => ({
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
  return {
    // A till that re-sends a receipt sends the same receipt id: the event id follows from it, so
    // the receipt is counted once.
    envelope: envelopeOf(input.messageId?.trim() || `pos:${input.storeId}:${input.receiptId}`, eventTimeOf(input.timestamp, at('timestamp'), ctx.receivedAt), ctx),
    storeId: input.storeId,
    receiptId: input.receiptId,
    registerId: input.registerId ?? null,
    kind: input.kind === 'return' ? 'RETURN' : 'SALE',
    loyaltyCard,
    currency,
    totalMinor: toMinor(input.total, currency, at('total')),
    paymentMethod: input.paymentMethod ?? null,
    lines,
  };
}

export function normalizeBeaconSighting(input: BeaconSightingInput, ctx: StoreContext, path: string): CdpStore.BeaconSighting {
  return {
    envelope: envelopeOf(input.messageId?.trim() || randomUUID(), eventTimeOf(input.timestamp, `${path}.timestamp`, ctx.receivedAt), ctx),
    storeId: input.storeId ?? null,
    appInstallId: input.appInstallId,
    userId: input.userId?.trim() || null,
    beaconUuid: input.beaconUuid.toLowerCase(),
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
