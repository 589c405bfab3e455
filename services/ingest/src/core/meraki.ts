/**
 * Cisco Meraki Scanning API v3 posts into Wi-Fi observations and beacon sightings. Pure: the
 * route has checked the JSON types (adapters/meraki-schema.ts), the secret and the network.
 *
 * Sources (Meraki's own pages first, then real v3 posts where the pages are silent or wrong):
 * - https://developer.cisco.com/meraki/scanning-api/overview ("Location API version 3"): one
 *   POST per network, observations grouped by client, userId "can be an email, username or a
 *   phone number", ipv4 is only the address, type is WiFi or BLE, apTags became nearestApTags,
 *   rssiRecords {apMac, rssi} added, randomised MACs are reported for associated clients.
 * - https://developer.cisco.com/meraki/scanning-api/3-0 ("Observation Payloads"): version,
 *   secret, type, data.networkId, data.observations[] with locations[] (x, y, lat, lng,
 *   variance, floorPlanId, nearestApTags, time, rssiRecords), ipv4, ipv6, ssid, os, clientMac,
 *   userId, manufacturer, and latestRecord {time, nearestApMac, nearestApRssi} "IF no recent
 *   locations"; "locations array will contain a recent history of the clients movement
 *   between each API post".
 * - https://developer.cisco.com/meraki/scanning-api/api-version-2-overview: the POST URL must
 *   answer Meraki's GET with the validator string in the response body.
 * - https://developer.cisco.com/meraki/scanning-api/bluetooth-scanning: what BLE scanning sees.
 * - Real v3 posts and receivers, for what the pages leave out: BLE posts say type "Bluetooth"
 *   and carry observations with name, bleBeacons [{bleType, uuid, major, minor, txPower} or
 *   {bleType: "unknown", rawData}], locations with a floorPlan object and nearestApMac;
 *   nearestApRssi is a number there although the page writes "-47"
 *   (github.com/gve-sw/gve_devnet_meraki_ble_location_tracking app.py, and a captured post log
 *   in a public PHP receiver).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { CdpStore } from '@cdp/plumbing';
import { invalid, ItemError, REJECTION_CODES as R, rejectItem, type ItemRejection } from './errors';
import { hashEmail, hashMac, hashPhone, isRandomizedMac, normalizeMac } from './pii';
import { envelopeOf } from './store';
import { notInFuture, parseTime } from './time';
import type { Source } from './sources';

type Numeric = number | string | null;

export interface MerakiRssiRecord {
  apMac?: string | null;
  rssi?: number | string | null;
}

export interface MerakiLocation {
  time?: string;
  lat?: Numeric;
  lng?: Numeric;
  x?: Numeric;
  y?: Numeric;
  variance?: Numeric;
  floorPlanId?: string | null;
  floorPlanName?: string | null;
  nearestApTags?: string[] | null;
  rssiRecords?: MerakiRssiRecord[] | null;
  /** BLE posts: the floor plan as an object. */
  floorPlan?: { id?: string | null; name?: string | null; x?: Numeric; y?: Numeric } | null;
  /** BLE posts: the AP nearest to this fix. */
  nearestApMac?: string | null;
}

export interface MerakiLatestRecord {
  time?: string;
  nearestApMac?: string | null;
  nearestApRssi?: number | string | null;
}

export interface MerakiBleBeacon {
  bleType?: string | null;
  uuid?: string | null;
  major?: number | string | null;
  minor?: number | string | null;
  [field: string]: unknown;
}

export interface MerakiObservation {
  clientMac?: string | null;
  ipv4?: string | null;
  ipv6?: string | null;
  ssid?: string | null;
  os?: string | null;
  manufacturer?: string | null;
  userId?: string | null;
  name?: string | null;
  locations?: MerakiLocation[] | null;
  latestRecord?: MerakiLatestRecord | null;
  bleBeacons?: MerakiBleBeacon[] | null;
}

export interface MerakiPost {
  version: string | number;
  secret: string;
  type: string;
  data: { networkId: string; observations: MerakiObservation[] };
}

export interface MerakiContext {
  source: Source;
  /** Store of data.networkId, resolved by the caller. */
  storeId: string;
  receivedAt: number;
  salt: string;
}

export interface MerakiEvents {
  wifi: { key: string; value: CdpStore.WifiObservation }[];
  beacons: { key: string; value: CdpStore.BeaconSighting }[];
  rejected: ItemRejection[];
}

/** Which records a post becomes: WiFi, or BLE under either of the names Meraki uses. */
export function merakiKind(type: string): 'wifi' | 'ble' | undefined {
  if (type === 'WiFi') return 'wifi';
  if (type === 'BLE' || type === 'Bluetooth') return 'ble';
  return undefined;
}

/**
 * The post's secret against the receiver's, in constant time. Both sides are hashed first so
 * that the comparison runs on equal-length buffers and the secret's length does not leak either.
 */
export function checkMerakiSecret(expected: string, given: unknown): boolean {
  if (expected === '' || typeof given !== 'string') return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(given));
}

/**
 * Login names that are neither an e-mail nor a phone (captive-portal or 802.1X user names).
 * pii.ts would be its home, but it is being edited elsewhere: this keeps the same HMAC scheme
 * with its own "login:" domain so that it can move there unchanged. Directory logins are
 * case-insensitive, hence the lower case.
 */
export const hashLogin = (salt: string, login: string) => createHmac('sha256', salt).update(`login:${login.trim().toLowerCase()}`).digest('hex');

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[\d\s().-]+$/;

/** Meraki's userId is "an email, username or a phone number": each kind goes to its own hash. */
export function userIdHashes(salt: string, userId: unknown): { emailHash: string | null; phoneHash: string | null; loginHash: string | null } {
  const none = { emailHash: null, phoneHash: null, loginHash: null };
  if (typeof userId !== 'string' || userId.trim() === '') return none;
  const id = userId.trim();
  if (EMAIL.test(id)) return { ...none, emailHash: hashEmail(salt, id) };
  // E.164 allows at most 15 digits; fewer than 7 is an extension or a staff number, not a phone.
  const digits = id.replace(/\D/g, '').length;
  if (PHONE.test(id) && digits >= 7 && digits <= 15) return { ...none, phoneHash: hashPhone(salt, id) };
  return { ...none, loginHash: hashLogin(salt, id) };
}

// Meraki writes 2026-11-23T11:58:41Z. A time without a zone would be read in the server's zone.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

function timeOf(value: unknown, field: string, receivedAt: number): number {
  const what = 'an ISO-8601 date-time with a zone';
  if (typeof value !== 'string' || !ISO_TIME.test(value)) throw rejectItem(field, R.badTimestamp, `must be ${what}, got ${JSON.stringify(value ?? null).slice(0, 60)}`);
  return notInFuture(parseTime(field, value, what), field, receivedAt);
}

/** A finite number from a JSON number or its text ("NaN", "" and junk are null). */
function numberOf(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : null;
}

const textOf = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);

function coordinate(value: unknown, limit: number): number | null {
  const n = numberOf(value);
  return n !== null && Math.abs(n) <= limit ? n : null;
}

/**
 * uncertaintyMeters is Meraki's variance as it stands. The 3-0 schema gives no unit, but
 * Meraki itself speaks of v3 "variance" in metres ("from ~2m to 40m" in v2, "~2m to 2.5m" in
 * v3) and v3's variance replaced v2's `unc`, documented as "uncertainty in meters". Taking a
 * square root of a value its producer already reads as metres would understate the error.
 */
function uncertaintyOf(variance: unknown): number | null {
  const n = numberOf(variance);
  return n !== null && n >= 0 ? n : null;
}

interface Fix {
  time: number;
  apMac: string;
  rssi: number;
  location: MerakiLocation | null;
}

function apMacOf(value: unknown, field: string): string {
  const mac = typeof value === 'string' ? normalizeMac(value) : undefined;
  if (!mac) throw rejectItem(field, R.badMac, 'is not a MAC address');
  return mac;
}

/** The AP that heard the client best at this fix: the strongest of its RSSI readings. */
function strongest(records: MerakiRssiRecord[] | null | undefined): { apMac: string; rssi: number } | undefined {
  let best: { apMac: string; rssi: number } | undefined;
  for (const r of records ?? []) {
    const apMac = typeof r?.apMac === 'string' ? normalizeMac(r.apMac) : undefined;
    const rssi = numberOf(r?.rssi);
    if (apMac && rssi !== null && (!best || rssi > best.rssi)) best = { apMac, rssi: Math.round(rssi) };
  }
  return best;
}

function latestAp(latest: MerakiLatestRecord, path: string): { apMac: string; rssi: number } {
  const apMac = apMacOf(latest.nearestApMac, `${path}.nearestApMac`);
  const rssi = numberOf(latest.nearestApRssi);
  if (rssi === null) throw rejectItem(`${path}.nearestApRssi`, R.missingField, 'must be a number (dBm)');
  return { apMac, rssi: Math.round(rssi) };
}

/**
 * The fixes of one client: one per entry of its locations history, or the latestRecord when
 * Meraki had no recent location. A fix that cannot be used is a rejection of its own, so that
 * one bad entry does not cost the client's other fixes.
 */
function fixesOf(obs: MerakiObservation, at: string, ctx: MerakiContext, onReject: (e: ItemError) => void): Fix[] {
  const latest = obs.latestRecord ?? null;
  const locations = obs.locations ?? [];
  if (locations.length === 0) {
    if (!latest) throw rejectItem(`${at}.locations`, R.missingField, 'is empty and there is no latestRecord');
    const path = `${at}.latestRecord`;
    return [{ time: timeOf(latest.time, `${path}.time`, ctx.receivedAt), ...latestAp(latest, path), location: null }];
  }
  const fixes: Fix[] = [];
  locations.forEach((location, j) => {
    const path = `${at}.locations[${j}]`;
    try {
      const time = timeOf(location?.time, `${path}.time`, ctx.receivedAt);
      const ap = strongest(location?.rssiRecords) ?? (latest ? latestAp(latest, `${at}.latestRecord`) : undefined);
      if (!ap) throw rejectItem(`${path}.rssiRecords`, R.missingField, 'has no AP with an RSSI, and there is no latestRecord');
      fixes.push({ time, ...ap, location });
    } catch (e) {
      if (!(e instanceof ItemError)) throw e;
      onReject(e);
    }
  });
  return fixes;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function uint16(value: unknown): number | null {
  const n = numberOf(value);
  return n !== null && Number.isInteger(n) && n >= 0 && n <= 0xffff ? n : null;
}

/** uuid/major/minor of the first well-formed iBeacon advertisement, else all null. */
function iBeaconOf(beacons: MerakiBleBeacon[] | null | undefined): { beaconUuid: string | null; major: number | null; minor: number | null } {
  for (const b of beacons ?? []) {
    if (typeof b?.bleType !== 'string' || b.bleType.toLowerCase() !== 'ibeacon' || typeof b.uuid !== 'string' || !UUID.test(b.uuid.trim())) continue;
    const major = uint16(b.major);
    const minor = uint16(b.minor);
    if (major === null || minor === null) continue;
    const hex = b.uuid.trim().toLowerCase().replace(/-/g, '');
    return { beaconUuid: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`, major, minor };
  }
  return { beaconUuid: null, major: null, minor: null };
}

/**
 * What of an observation may go to the dead-letter topic: an allow-list, so that a field Meraki
 * adds later cannot carry PII out. The MAC and userId leave only as hashes; ipv4/ipv6 and the
 * BLE device name stay behind, and so does a beacon's rawData, which holds the device MAC.
 */
function deadLetterOf(obs: MerakiObservation, salt: string): Record<string, unknown> {
  return {
    clientMacHash: typeof obs.clientMac === 'string' ? hashMac(salt, obs.clientMac) : null,
    ...userIdHashes(salt, obs.userId),
    ssid: obs.ssid ?? null,
    os: obs.os ?? null,
    manufacturer: obs.manufacturer ?? null,
    locations: obs.locations ?? null,
    latestRecord: obs.latestRecord ?? null,
    bleBeacons: obs.bleBeacons?.map((b) => ({ bleType: b?.bleType ?? null, uuid: b?.uuid ?? null, major: b?.major ?? null, minor: b?.minor ?? null })) ?? null,
  };
}


/**
 * A Meraki post into records: one per fix of each client (so the movement history between posts
 * is kept), keyed by store and device. Event ids follow from network, device and fix time, so
 * a post Meraki sends again, or a fix repeated in the next post's history, is stored once.
 *
 * ipv4 and ipv6 are dropped: the records have no place for them and the pipeline does not need
 * a shopper's address in the store network.
 */
export function merakiEvents(payload: MerakiPost, ctx: MerakiContext): MerakiEvents {
  const kind = merakiKind(payload.type);
  if (!kind) throw invalid('type', `must be WiFi, BLE or Bluetooth, got ${JSON.stringify(payload.type).slice(0, 40)}`);
  const out: MerakiEvents = { wifi: [], beacons: [], rejected: [] };
  const { networkId, observations } = payload.data;

  observations.forEach((obs, i) => {
    const at = `data.observations[${i}]`;
    const reject = (e: ItemError) => out.rejected.push({ field: e.field, code: e.code, reason: e.reason, item: deadLetterOf(obs, ctx.salt) });
    try {
      if (typeof obs.clientMac !== 'string') throw rejectItem(`${at}.clientMac`, R.missingField, 'is required');
      const mac = normalizeMac(obs.clientMac);
      if (!mac) throw rejectItem(`${at}.clientMac`, R.badMac, 'is not a MAC address');
      const clientMacHash = hashMac(ctx.salt, mac);
      const randomizedMac = isRandomizedMac(mac);
      const key = `${ctx.storeId}/${clientMacHash}`;
      const device = `${networkId}:${clientMacHash.slice(0, 16)}`;

      if (kind === 'wifi') {
        const identity = userIdHashes(ctx.salt, obs.userId);
        for (const fix of fixesOf(obs, at, ctx, reject)) {
          const loc = fix.location;
          out.wifi.push({
            key,
            value: {
              envelope: envelopeOf(`meraki:${device}:${fix.time}`, fix.time, ctx),
              storeId: ctx.storeId,
              apMac: fix.apMac,
              clientMacHash,
              randomizedMac,
              rssi: fix.rssi,
              ssid: textOf(obs.ssid),
              manufacturer: textOf(obs.manufacturer),
              os: textOf(obs.os),
              lat: coordinate(loc?.lat, 90),
              lng: coordinate(loc?.lng, 180),
              uncertaintyMeters: uncertaintyOf(loc?.variance),
              floorplanId: textOf(loc?.floorPlanId) ?? textOf(loc?.floorPlan?.id),
              ...identity,
            },
          });
        }
      } else {
        const beacon = iBeaconOf(obs.bleBeacons);
        for (const fix of fixesOf(obs, at, ctx, reject)) {
          out.beacons.push({
            key,
            value: {
              envelope: envelopeOf(`meraki-ble:${device}:${fix.time}`, fix.time, ctx),
              storeId: ctx.storeId,
              appInstallId: null,
              userId: null,
              ...beacon,
              rssi: fix.rssi,
              proximity: null,
              accuracyMeters: null,
              apMac: fix.apMac,
              clientMacHash,
              randomizedMac,
            },
          });
        }
      }
    } catch (e) {
      if (!(e instanceof ItemError)) throw e;
      reject(e);
    }
  });
  return out;
}
