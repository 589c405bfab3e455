import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CdpReference } from '@cdp/plumbing';
import { parseDelivery } from './dataset';
import { LoaderUsageError } from './errors';
import { isTimeZone, normalizeMac, stores } from './stores';

const context = { tenant: 'demo', salt: 'unused-salt-0123456789', sourceName: 'stores.json', loadedAt: 7 };
const load = (value: unknown) => parseDelivery(stores, Buffer.from(typeof value === 'string' ? value : JSON.stringify(value, null, 1)), 'json', context);
const UUID = 'F7826DA6-4FA2-4E98-8024-BC5B71E0893E';

const store = (over: Record<string, unknown> = {}) => ({
  storeId: 'HEL-1',
  name: 'Helsinki Kamppi',
  city: 'Helsinki',
  postalCode: '00100',
  countryCode: 'fi',
  latitude: 60.169,
  longitude: 24.932,
  timeZone: 'Europe/Helsinki',
  openingHours: [{ dayOfWeek: 1, opens: '09:00', closes: '21:00' }],
  zones: [{ zoneId: 'entrance', name: 'Entrance', kind: 'entrance' }, { zoneId: 'checkout', name: 'Checkout' }],
  beacons: [{ uuid: UUID, major: 1, minor: 1, zoneId: 'entrance' }],
  accessPoints: [{ mac: '00-18-0A-01-00-01', zoneId: 'checkout' }],
  sensors: [{ sensorId: 'HEL-1-door-1', entrance: 'main', zoneId: 'entrance' }],
  ...over,
});

describe('stores', () => {
  it('reads a store with its zones and devices: uuid lower-cased, MAC normalised, country upper-cased', () => {
    const d = load([store()]);
    expect(d.ok && d.records).toEqual([{
      key: 'demo|HEL-1',
      value: {
        tenant: 'demo', storeId: 'HEL-1', name: 'Helsinki Kamppi', city: 'Helsinki', postalCode: '00100', countryCode: 'FI', latitude: 60.169, longitude: 24.932, timeZone: 'Europe/Helsinki',
        openingHours: [{ dayOfWeek: 1, opens: '09:00', closes: '21:00' }],
        zones: [{ zoneId: 'entrance', name: 'Entrance', kind: 'entrance' }, { zoneId: 'checkout', name: 'Checkout', kind: null }],
        beacons: [{ uuid: UUID.toLowerCase(), major: 1, minor: 1, zoneId: 'entrance' }],
        accessPoints: [{ mac: '00:18:0a:01:00:01', zoneId: 'checkout' }],
        sensors: [{ sensorId: 'HEL-1-door-1', entrance: 'main', zoneId: 'entrance' }],
        sourceName: 'stores.json', sourceVersion: expect.stringMatching(/^[0-9a-f]{12}$/), loadedAt: 7,
      } satisfies CdpReference.Store,
    }]);
  });

  it('names the store line and the path of every bad nested value', () => {
    const bad = store({
      timeZone: 'Europe/Espoo',
      latitude: 95,
      openingHours: [{ dayOfWeek: 8, opens: '9:00', closes: '21:00' }, { dayOfWeek: 2, opens: '10:00', closes: '10:00' }],
      zones: [{ zoneId: 'entrance', name: 'Entrance' }, { zoneId: 'entrance', name: 'Again' }],
      beacons: [{ uuid: 'not-a-uuid', major: 1, minor: 70000, zoneId: 'entrance' }, { uuid: UUID, major: 1, minor: 2, zoneId: 'cellar' }],
      accessPoints: [{ mac: '00:18:0a:01:00', zoneId: null }],
      sensors: [{ sensorId: 'HEL-1-door-1' }],
      colour: 'red',
    });
    const d = load([bad]);
    expect(!d.ok && d.errors).toEqual([
      { line: 2, field: 'colour', reason: expect.stringContaining('is not a field of this dataset') },
      { line: 2, field: 'latitude', reason: 'must be a latitude from -90 to 90' },
      { line: 2, field: 'timeZone', reason: 'must be an IANA time zone such as Europe/Helsinki' },
      { line: 2, field: 'openingHours[0].dayOfWeek', reason: 'must be an ISO day from 1 (Monday) to 7 (Sunday)' },
      { line: 2, field: 'openingHours[0].opens', reason: 'must be a local time HH:MM' },
      { line: 2, field: 'openingHours[1].closes', reason: 'is the same time as opens' },
      { line: 2, field: 'zones[1].zoneId', reason: 'entrance is already a zone of this store' },
      { line: 2, field: 'beacons[0].uuid', reason: 'must be a UUID (8-4-4-4-12 hex digits)' },
      { line: 2, field: 'beacons[0].minor', reason: 'must be a whole number from 0 to 65535' },
      { line: 2, field: 'beacons[1].zoneId', reason: 'cellar is not a zone of this store' },
      { line: 2, field: 'accessPoints[0].mac', reason: 'must be a MAC address such as 00:18:0a:01:00:01' },
      { line: 2, field: 'sensors[0].entrance', reason: 'or zoneId is required: a sensor counts at an entrance or in a zone' },
    ]);
  });

  it('refuses the same store, beacon, access point or sensor twice in one file, naming the first line', () => {
    const text = `[\n${JSON.stringify(store())},\n${JSON.stringify(store({ storeId: 'ESP-2', accessPoints: [{ mac: '00180a010001' }] }))},\n${JSON.stringify(store({ beacons: [], accessPoints: [], sensors: [] }))}\n]`;
    const d = load(text);
    expect(!d.ok && d.errors).toEqual([
      { line: 3, field: 'beacons[0].minor', reason: `beacon ${UUID.toLowerCase()} major 1 minor 1 is already on line 2` },
      { line: 3, field: 'accessPoints[0].mac', reason: 'access point 00:18:0a:01:00:01 is already on line 2' },
      { line: 3, field: 'sensors[0].sensorId', reason: 'HEL-1-door-1 is already on line 2' },
      { line: 4, field: 'storeId', reason: 'HEL-1 is already on line 2' },
    ]);
  });

  it('requires storeId, name and time zone, and both coordinates or neither', () => {
    const d = load([{ storeId: 'X', latitude: 60 }]);
    expect(!d.ok && d.errors).toEqual([
      { line: 2, field: 'name', reason: 'is required' },
      { line: 2, field: 'longitude', reason: 'is required when the other coordinate is given' },
      { line: 2, field: 'timeZone', reason: 'is required' },
    ]);
  });

  it('reads JSON only', () => {
    expect(() => parseDelivery(stores, Buffer.from('storeId\nX\n'), 'csv', context)).toThrow(LoaderUsageError);
  });

  it('accepts the demo directory', () => {
    const d = parseDelivery(stores, readFileSync(join(__dirname, '../../../../infra/data/stores.json')), 'json', context);
    expect(d.ok && d.records.map((r) => [r.key, r.value.zones.length, r.value.beacons.map((b) => b.minor), r.value.sensors.length])).toEqual([
      ['demo|HEL-1', 5, [1, 2, 3, 4, 5, 6, 7], 2],
      ['demo|ESP-2', 4, [1, 2, 3, 4, 5, 6, 7], 2],
      ['demo|TRE-3', 5, [1, 2, 3, 4, 5, 6, 7], 2],
    ]);
  });

  it.each([['Europe/Helsinki', true], ['UTC', true], ['America/Argentina/Buenos_Aires', true], ['Europe/Espoo', false], ['+02:00', false], ['', false]])('time zone %j: %s', (zone, ok) => expect(isTimeZone(zone)).toBe(ok));

  it.each([['00:18:0A:01:00:01', '00:18:0a:01:00:01'], ['0018.0a01.0001', '00:18:0a:01:00:01'], ['00180a010001', '00:18:0a:01:00:01'], ['00:18:0a:01:00', undefined], ['zz:18:0a:01:00:01', undefined]])('MAC %j -> %j', (mac, norm) =>
    expect(normalizeMac(mac)).toBe(norm),
  );
});
