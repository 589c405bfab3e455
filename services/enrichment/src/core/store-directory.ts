/**
 * The store directory as in-memory indexes, fed by the compacted stores topic (key
 * tenant|storeId): a store, and what in it points at a store and zone (beacon uuid/major/minor,
 * Wi-Fi access point MAC, people-counting sensor). A store record replaces the store whole, so
 * its old beacons, access points and sensors are unindexed first.
 */
import type { CdpEnrichment, CdpReference } from '@cdp/plumbing';
import { localTimeOf } from './local-time';

interface Placement {
  store: CdpReference.Store;
  zoneId: string | null;
  entrance: string | null;
}

export const storeKey = (tenant: string, storeId: string): string => `${tenant}|${storeId}`;
const beaconKey = (tenant: string, uuid: string, major: number, minor: number) => `${tenant}|${uuid.toLowerCase()}|${major}|${minor}`;
const apKey = (tenant: string, mac: string) => `${tenant}|${normalizeApMac(mac)}`;
const sensorKey = (tenant: string, storeId: string, sensorId: string) => `${tenant}|${storeId}|${sensorId}`;

/** AP MACs arrive as 00:18:0A:..., 00-18-0a-..., or 00180a...: compare them as 12 lower-case hex digits. */
export const normalizeApMac = (mac: string): string => mac.toLowerCase().replace(/[^0-9a-f]/g, '');

/** What a store event names to find its place. */
export type StoreRef =
  | { kind: 'store'; storeId: string }
  | { kind: 'beacon'; storeId: string | null; uuid: string; major: number; minor: number }
  | { kind: 'access_point'; storeId: string | null; mac: string }
  | { kind: 'sensor'; storeId: string; sensorId: string; zoneId: string | null };

export class StoreDirectory {
  private readonly stores = new Map<string, CdpReference.Store>();
  private readonly beacons = new Map<string, Placement>();
  private readonly accessPoints = new Map<string, Placement>();
  private readonly sensors = new Map<string, Placement>();

  upsert(store: CdpReference.Store): void {
    this.remove(storeKey(store.tenant, store.storeId));
    this.stores.set(storeKey(store.tenant, store.storeId), store);
    for (const b of store.beacons) this.beacons.set(beaconKey(store.tenant, b.uuid, b.major, b.minor), { store, zoneId: b.zoneId, entrance: null });
    for (const ap of store.accessPoints) this.accessPoints.set(apKey(store.tenant, ap.mac), { store, zoneId: ap.zoneId, entrance: null });
    for (const s of store.sensors) this.sensors.set(sensorKey(store.tenant, store.storeId, s.sensorId), { store, zoneId: s.zoneId, entrance: s.entrance });
  }

  /** Removes by topic key (tenant|storeId), as a tombstone names it. */
  remove(key: string): void {
    const old = this.stores.get(key);
    if (!old) return;
    this.stores.delete(key);
    for (const b of old.beacons) this.beacons.delete(beaconKey(old.tenant, b.uuid, b.major, b.minor));
    for (const ap of old.accessPoints) this.accessPoints.delete(apKey(old.tenant, ap.mac));
    for (const s of old.sensors) this.sensors.delete(sensorKey(old.tenant, old.storeId, s.sensorId));
  }

  get size(): { stores: number; beacons: number; accessPoints: number; sensors: number } {
    return { stores: this.stores.size, beacons: this.beacons.size, accessPoints: this.accessPoints.size, sensors: this.sensors.size };
  }

  /**
   * The store and zone of an event. found=false when the directory does not know what the event
   * names; the store id the event itself carries is kept then, with the store's clock when the
   * directory knows the store. Null when the event names no store and the directory cannot place it.
   */
  place(tenant: string, ref: StoreRef, eventTime: number): CdpEnrichment.StoreInfo | null {
    let placement: Placement | undefined;
    if (ref.kind === 'store') {
      const store = this.stores.get(storeKey(tenant, ref.storeId));
      placement = store && { store, zoneId: null, entrance: null };
    } else if (ref.kind === 'beacon') placement = this.beacons.get(beaconKey(tenant, ref.uuid, ref.major, ref.minor));
    else if (ref.kind === 'access_point') placement = this.accessPoints.get(apKey(tenant, ref.mac));
    else placement = this.sensors.get(sensorKey(tenant, ref.storeId, ref.sensorId));

    // The directory does not know it: the store id the event carries still stands, unplaced. When
    // the directory knows that store, its clock still applies: store figures stay in local hours.
    if (!placement) {
      if (!ref.storeId) return null;
      const store = this.stores.get(storeKey(tenant, ref.storeId));
      return {
        storeId: ref.storeId, found: false, storeName: store?.name ?? null, city: store?.city ?? null, postalCode: store?.postalCode ?? null, timeZone: store?.timeZone ?? null,
        zoneId: ref.kind === 'sensor' ? ref.zoneId : null, zoneName: null, entrance: null, localTime: store ? localTimeOf(eventTime, store.timeZone) : null, source: store ? `${store.sourceName}@${store.sourceVersion}` : null,
      };
    }
    const { store } = placement;
    const zoneId = placement.zoneId ?? (ref.kind === 'sensor' ? ref.zoneId : null);
    return {
      storeId: store.storeId,
      found: true,
      storeName: store.name,
      city: store.city,
      postalCode: store.postalCode,
      timeZone: store.timeZone,
      zoneId,
      zoneName: zoneId ? (store.zones.find((z) => z.zoneId === zoneId)?.name ?? null) : null,
      entrance: placement.entrance,
      localTime: localTimeOf(eventTime, store.timeZone),
      source: `${store.sourceName}@${store.sourceVersion}`,
    };
  }
}
