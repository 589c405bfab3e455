/**
 * Store directory: JSON only (an array of stores, or one store per line), because a store nests
 * its zones, beacons, Wi-Fi access points and people-counting sensors. Keyed tenant|storeId; a
 * version replaces the tenant's whole directory.
 *
 *   { "storeId": "HEL-1", "name": "Helsinki Kamppi", "city": "Helsinki", "postalCode": "00100",
 *     "countryCode": "FI", "latitude": 60.1690, "longitude": 24.9320, "timeZone": "Europe/Helsinki",
 *     "openingHours": [{ "dayOfWeek": 1, "opens": "09:00", "closes": "21:00" }],
 *     "zones": [{ "zoneId": "entrance", "name": "Entrance", "kind": "entrance" }],
 *     "beacons": [{ "uuid": "f7826da6-...", "major": 1, "minor": 1, "zoneId": "entrance" }],
 *     "accessPoints": [{ "mac": "00:18:0a:01:00:01", "zoneId": "entrance" }],
 *     "sensors": [{ "sensorId": "HEL-1-door-1", "entrance": "main", "zoneId": "entrance" }] }
 *
 * Checks: the time zone is an IANA zone, coordinates are in range (both or neither), opening
 * hours are HH:MM on ISO days 1-7, zone ids are unique in the store and every beacon, access
 * point and sensor names a zone of its store; beacon uuids are lower-cased, access point MACs
 * written aa:bb:cc:dd:ee:ff; no beacon, access point or sensor appears twice in the file.
 */
import type { CdpReference } from '@cdp/plumbing';
import { KeyTracker, type DatasetDefinition, type KeyedRecord } from './dataset';
import { FieldReader } from './fields';

export const STORE_FIELDS = ['storeId', 'name', 'city', 'postalCode', 'countryCode', 'latitude', 'longitude', 'timeZone', 'openingHours', 'zones', 'beacons', 'accessPoints', 'sensors'] as const;
const HOURS_FIELDS = ['dayOfWeek', 'opens', 'closes'];
const ZONE_FIELDS = ['zoneId', 'name', 'kind'];
const BEACON_FIELDS = ['uuid', 'major', 'minor', 'zoneId'];
const AP_FIELDS = ['mac', 'zoneId'];
const SENSOR_FIELDS = ['sensorId', 'entrance', 'zoneId'];

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const ID_EXPECTED = 'must be letters, digits, and . _ : - (starting with a letter or digit)';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export const stores: DatasetDefinition<CdpReference.Store> = {
  name: 'stores',
  topic: 'stores',
  formats: ['json'],
  fields: { known: STORE_FIELDS, required: ['storeId', 'name', 'timeZone'] },
  needsPartner: false,
  scopeDescription: "the tenant: a version is the tenant's whole store directory",
  scopeKeyParts: 1,
  parse(rows, context, errors) {
    const storeIds = new KeyTracker();
    const beaconIds = new KeyTracker();
    const apMacs = new KeyTracker();
    const sensorIds = new KeyTracker();
    const records: KeyedRecord<CdpReference.Store>[] = [];
    for (const row of rows) {
      const r = FieldReader.of(row, errors);
      const storeId = r.text('storeId', { required: true, max: 100, pattern: ID, expected: ID_EXPECTED });
      const name = r.text('name', { required: true, max: 200 });
      const city = r.text('city', { max: 200 }) ?? null;
      const countryCode = r.text('countryCode', { pattern: /^[A-Za-z]{2}$/, expected: 'must be an ISO 3166-1 alpha-2 code such as FI' })?.toUpperCase() ?? null;
      const postalCode = r.text('postalCode', { max: 12, pattern: /^[A-Za-z0-9][A-Za-z0-9 -]*$/, expected: 'must be letters, digits, spaces and -' }) ?? null;
      if (postalCode !== null && countryCode === 'FI' && !/^\d{5}$/.test(postalCode)) r.fail('postalCode', 'must be 5 digits in Finland');
      const latitude = r.number('latitude', { min: -90, max: 90, expected: 'must be a latitude from -90 to 90' }) ?? null;
      const longitude = r.number('longitude', { min: -180, max: 180, expected: 'must be a longitude from -180 to 180' }) ?? null;
      if (r.has('latitude') !== r.has('longitude')) r.fail(r.has('latitude') ? 'longitude' : 'latitude', 'is required when the other coordinate is given');
      const timeZone = r.text('timeZone', { required: true, max: 64 });
      if (timeZone !== undefined && !isTimeZone(timeZone)) r.fail('timeZone', 'must be an IANA time zone such as Europe/Helsinki');
      if (storeId !== undefined) storeIds.claim(storeId, row.line, (first) => r.fail('storeId', `${storeId} is already on line ${first}`));

      const openingHours = (r.array('openingHours') ?? []).flatMap((item, i) => {
        const h = r.nested(`openingHours[${i}]`, item, HOURS_FIELDS);
        if (!h) return [];
        const dayOfWeek = h.number('dayOfWeek', { required: true, integer: true, min: 1, max: 7, expected: 'must be an ISO day from 1 (Monday) to 7 (Sunday)' });
        const opens = h.text('opens', { required: true, pattern: HHMM, expected: 'must be a local time HH:MM' });
        const closes = h.text('closes', { required: true, pattern: /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, expected: 'must be a local time HH:MM (24:00 for midnight)' });
        if (opens !== undefined && closes !== undefined && opens === closes) h.fail('closes', 'is the same time as opens');
        return dayOfWeek === undefined || opens === undefined || closes === undefined || h.failed ? [] : [{ dayOfWeek, opens, closes }];
      });

      const zoneIds = new KeyTracker();
      const zones = (r.array('zones') ?? []).flatMap((item, i) => {
        const z = r.nested(`zones[${i}]`, item, ZONE_FIELDS);
        if (!z) return [];
        const zoneId = z.text('zoneId', { required: true, max: 100, pattern: ID, expected: ID_EXPECTED });
        const zoneName = z.text('name', { required: true, max: 200 });
        const kind = z.text('kind', { max: 50 }) ?? null;
        if (zoneId !== undefined) zoneIds.claim(zoneId, row.line, () => z.fail('zoneId', `${zoneId} is already a zone of this store`));
        return zoneId === undefined || zoneName === undefined || z.failed ? [] : [{ zoneId, name: zoneName, kind }];
      });
      const zoneSet = new Set(zones.map((z) => z.zoneId));
      const zoneOf = (reader: FieldReader): string | null => {
        const zoneId = reader.text('zoneId', { max: 100 });
        if (zoneId === undefined) return null;
        if (!zoneSet.has(zoneId)) return reader.fail('zoneId', `${zoneId} is not a zone of this store`) ?? null;
        return zoneId;
      };

      const beacons = (r.array('beacons') ?? []).flatMap((item, i) => {
        const b = r.nested(`beacons[${i}]`, item, BEACON_FIELDS);
        if (!b) return [];
        const uuid = b.text('uuid', { required: true, pattern: UUID, expected: 'must be a UUID (8-4-4-4-12 hex digits)' })?.toLowerCase();
        const major = b.number('major', { required: true, integer: true, min: 0, max: 65535 });
        const minor = b.number('minor', { required: true, integer: true, min: 0, max: 65535 });
        const zoneId = zoneOf(b);
        if (uuid !== undefined && major !== undefined && minor !== undefined) {
          beaconIds.claim(`${uuid}/${major}/${minor}`, row.line, (first) => b.fail('minor', `beacon ${uuid} major ${major} minor ${minor} is already on line ${first}`));
        }
        return uuid === undefined || major === undefined || minor === undefined || b.failed ? [] : [{ uuid, major, minor, zoneId }];
      });

      const accessPoints = (r.array('accessPoints') ?? []).flatMap((item, i) => {
        const a = r.nested(`accessPoints[${i}]`, item, AP_FIELDS);
        if (!a) return [];
        const written = a.text('mac', { required: true, max: 30 });
        const mac = written === undefined ? undefined : normalizeMac(written);
        if (written !== undefined && mac === undefined) a.fail('mac', 'must be a MAC address such as 00:18:0a:01:00:01');
        const zoneId = zoneOf(a);
        if (mac !== undefined) apMacs.claim(mac, row.line, (first) => a.fail('mac', `access point ${mac} is already on line ${first}`));
        return mac === undefined || a.failed ? [] : [{ mac, zoneId }];
      });

      const sensors = (r.array('sensors') ?? []).flatMap((item, i) => {
        const s = r.nested(`sensors[${i}]`, item, SENSOR_FIELDS);
        if (!s) return [];
        const sensorId = s.text('sensorId', { required: true, max: 100, pattern: ID, expected: ID_EXPECTED });
        const entrance = s.text('entrance', { max: 100 }) ?? null;
        const zoneId = zoneOf(s);
        if (entrance === null && zoneId === null && !s.failed) s.fail('entrance', 'or zoneId is required: a sensor counts at an entrance or in a zone');
        if (sensorId !== undefined) sensorIds.claim(sensorId, row.line, (first) => s.fail('sensorId', `${sensorId} is already on line ${first}`));
        return sensorId === undefined || s.failed ? [] : [{ sensorId, entrance, zoneId }];
      });

      if (r.failed || storeId === undefined || name === undefined || timeZone === undefined) continue;
      records.push({
        key: `${context.tenant}|${storeId}`,
        value: {
          tenant: context.tenant,
          storeId,
          name,
          city,
          postalCode,
          countryCode,
          latitude,
          longitude,
          timeZone,
          openingHours,
          zones,
          beacons,
          accessPoints,
          sensors,
          sourceName: context.sourceName,
          sourceVersion: context.sourceVersion,
          loadedAt: context.loadedAt,
        },
      });
    }
    return { records, scope: { id: context.tenant, keyPrefix: `${context.tenant}|` } };
  },
};

/** An IANA zone name the runtime knows (Area/Location, or UTC); offsets such as +02:00 are not zones. */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** aa:bb:cc:dd:ee:ff from any usual spelling (colons, dashes, dots, none; any case); undefined when not a MAC. */
export function normalizeMac(mac: string): string | undefined {
  if (!/^[0-9a-f:.\-\s]+$/i.test(mac)) return undefined;
  const hex = mac.toLowerCase().replace(/[^0-9a-f]/g, '');
  return hex.length === 12 ? hex.match(/../g)!.join(':') : undefined;
}
