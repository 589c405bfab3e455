import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { merakiPostBody } from '../adapters/meraki-schema';
import { REJECTION_CODES } from './errors';
import { checkMerakiSecret, hashLogin, merakiEvents, userIdHashes, type MerakiPost } from './meraki';
import { hashEmail, hashMac, hashPhone } from './pii';
import type { Source } from './sources';

const fixture = (name: string): MerakiPost => JSON.parse(readFileSync(join(__dirname, '../../test/fixtures/meraki', name), 'utf8'));
const wifiPost = () => fixture('wifi-v3.json');
const blePost = () => fixture('ble-v3.json');

// The source sources.ts derives for receiver demo-stores of sources.local.json.
const source: Source = { id: 'meraki-demo-stores', writeKey: '', kind: 'store', channel: 'STORE', tenant: 'demo' };
const receivedAt = Date.parse('2026-11-23T12:00:00Z');
const salt = 'test-salt-0123456789';
const ctx = { source, storeId: 'HEL-1', receivedAt, salt };
const network = 'L_646829496481105433';
const ms = (iso: string) => Date.parse(iso);

const MACS = { anna: '00:1b:63:84:45:e6', random: 'da:a1:19:5c:2e:07', staff: 'f4:0f:24:3a:91:bc', idle: '3c:22:fb:77:10:d2' };
const AP = { one: '0c:8d:db:6e:10:01', two: '0c:8d:db:6e:10:02', three: '0c:8d:db:6e:10:03' };
const FLOOR = 'g_646829496481100001';

/** Nothing a person could be found by may appear in clear anywhere in the output. */
function expectNoClearPii(output: unknown, clear: string[]) {
  const json = JSON.stringify(output).toLowerCase();
  for (const value of clear) expect(json).not.toContain(value.toLowerCase());
}

describe('merakiEvents: WiFi', () => {
  it('turns each location of each client into a Wi-Fi observation at its strongest AP', () => {
    const { wifi, beacons, rejected } = merakiEvents(wifiPost(), ctx);
    expect(rejected).toEqual([]);
    expect(beacons).toEqual([]);
    expect(wifi).toHaveLength(7); // 2 + 1 + 3 locations, and one client known only by its latestRecord

    const anna = hashMac(salt, MACS.anna);
    expect(wifi[0]).toEqual({
      key: `HEL-1/${anna}`,
      value: {
        envelope: { eventId: `meraki:${network}:${anna.slice(0, 16)}:${ms('2026-11-23T11:58:41Z')}`, eventTime: ms('2026-11-23T11:58:41Z'), receivedTime: receivedAt, source: 'meraki-demo-stores', tenant: 'demo', schemaVersion: 1 },
        storeId: 'HEL-1',
        apMac: AP.one,
        clientMacHash: anna,
        randomizedMac: false,
        rssi: -48,
        ssid: 'Kamppi-Guest',
        manufacturer: 'Apple',
        os: 'iOS',
        lat: 60.169012337,
        lng: 24.932715123,
        uncertaintyMeters: 2.21,
        floorplanId: FLOOR,
        emailHash: hashEmail(salt, 'anna.virtanen@example.com'),
        phoneHash: null,
        loginHash: null,
      },
    });
    // The second fix was heard best by another AP.
    expect(wifi[1]!.value).toMatchObject({ apMac: AP.two, rssi: -52, lat: 60.169025562, lng: 24.932741008, uncertaintyMeters: 1.94 });
    expect(wifi[1]!.value.envelope.eventTime).toBe(ms('2026-11-23T11:59:12Z'));
  });

  it('marks the locally administered MAC as randomised and hashes a phone userId', () => {
    const { wifi } = merakiEvents(wifiPost(), ctx);
    expect(wifi[2]!.value).toMatchObject({
      clientMacHash: hashMac(salt, MACS.random),
      randomizedMac: true,
      apMac: AP.three,
      rssi: -64,
      manufacturer: null,
      os: 'Android',
      emailHash: null,
      phoneHash: hashPhone(salt, '+358 40 123 4567'),
      loginHash: null,
    });
  });

  it('hashes an upper-case MAC as its lower-case form and a user name as a login', () => {
    const { wifi } = merakiEvents(wifiPost(), ctx);
    const staff = wifi.filter((w) => w.value.clientMacHash === hashMac(salt, MACS.staff));
    expect(staff.map((w) => [w.value.apMac, w.value.rssi])).toEqual([[AP.two, -58], [AP.two, -55], [AP.three, -60]]);
    expect(staff.every((w) => w.value.randomizedMac === false && w.value.loginHash === hashLogin(salt, 'mkorhonen') && w.value.emailHash === null)).toBe(true);
    expect(staff[0]!.value).toMatchObject({ ssid: 'Kamppi-Staff', os: 'Mac OS X' });
  });

  it('uses latestRecord when a client has no recent location, reading the RSSI the page writes as text', () => {
    const { wifi } = merakiEvents(wifiPost(), ctx);
    const idle = wifi[6]!;
    expect(idle.key).toBe(`HEL-1/${hashMac(salt, MACS.idle)}`);
    expect(idle.value).toMatchObject({ apMac: AP.one, rssi: -71, lat: null, lng: null, uncertaintyMeters: null, floorplanId: null, ssid: null, os: null, manufacturer: 'Apple', emailHash: null, phoneHash: null, loginHash: null });
    expect(idle.value.envelope.eventTime).toBe(ms('2026-11-23T11:56:48Z'));

    const numeric = wifiPost();
    numeric.data.observations[3]!.latestRecord!.nearestApRssi = -71; // as real posts send it
    expect(merakiEvents(numeric, ctx).wifi[6]!.value.rssi).toBe(-71);
  });

  it('lets no MAC, e-mail, phone, login or IP address out in clear', () => {
    const result = merakiEvents(wifiPost(), ctx);
    expectNoClearPii(result, [...Object.values(MACS), ...Object.values(MACS).map((m) => m.replace(/:/g, '')), 'anna.virtanen', 'example.com', '+358', '123 4567', 'mkorhonen', '10.20.0.41', '10.20.0.77', '10.30.0.12', 'fe80::']);
  });
});

describe('merakiEvents: BLE', () => {
  it('turns BLE fixes into beacon sightings with the iBeacon ids when the device advertises them', () => {
    const { wifi, beacons, rejected } = merakiEvents(blePost(), ctx);
    expect(rejected).toEqual([]);
    expect(wifi).toEqual([]);
    expect(beacons).toHaveLength(4);

    const tag = hashMac(salt, 'c4:be:84:12:0a:3f');
    expect(beacons[0]).toEqual({
      key: `HEL-1/${tag}`,
      value: {
        envelope: { eventId: `meraki-ble:${network}:${tag.slice(0, 16)}:${ms('2026-11-23T11:58:20Z')}`, eventTime: ms('2026-11-23T11:58:20Z'), receivedTime: receivedAt, source: 'meraki-demo-stores', tenant: 'demo', schemaVersion: 1 },
        storeId: 'HEL-1',
        appInstallId: null,
        userId: null,
        beaconUuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e',
        major: 1,
        minor: 17,
        rssi: -63,
        proximity: null,
        accuracyMeters: null,
        apMac: AP.two,
        clientMacHash: tag,
        randomizedMac: false,
      },
    });
    // A phone with a randomised address and no iBeacon frame, known only by its latestRecord.
    expect(beacons[1]!.value).toMatchObject({ clientMacHash: hashMac(salt, '7a:3e:92:11:c5:08'), randomizedMac: true, beaconUuid: null, major: null, minor: null, apMac: AP.three, rssi: -77 });
    expect(beacons.slice(2).map((b) => [b.value.apMac, b.value.rssi, b.value.beaconUuid, b.value.major, b.value.minor])).toEqual([
      [AP.three, -58, 'e2c56db5-dffb-48d2-b060-d0f5a71096e0', 100, 7],
      [AP.two, -61, 'e2c56db5-dffb-48d2-b060-d0f5a71096e0', 100, 7],
    ]);
  });

  it('reads type "Bluetooth", as real posts say, like "BLE", and never lets out a MAC or the raw advertisement', () => {
    const post = { ...blePost(), type: 'Bluetooth' };
    const result = merakiEvents(post, ctx);
    expect(result.beacons.map((b) => b.value)).toEqual(merakiEvents(blePost(), ctx).beacons.map((b) => b.value));
    expectNoClearPii(result, ['c4:be:84:12:0a:3f', '7a:3e:92:11:c5:08', 'e4:7c:1a:0b:33:91', '7a3e9211c508', 'Cart-17', 'rawData']);
  });

  it('refuses a post of an unknown type as a whole', () => {
    expect(() => merakiEvents({ ...wifiPost(), type: 'Wifi' }, ctx)).toThrow('type: must be WiFi, BLE or Bluetooth, got "Wifi"');
  });
});

describe('merakiEvents: identity of events', () => {
  it('gives the same ids to the same post received twice, and distinct ids within a post', () => {
    const ids = (r: ReturnType<typeof merakiEvents>) => [...r.wifi, ...r.beacons].map((e) => e.value.envelope.eventId);
    for (const post of [wifiPost, blePost]) {
      const first = ids(merakiEvents(post(), ctx));
      const again = ids(merakiEvents(post(), { ...ctx, receivedAt: receivedAt + 60_000 }));
      expect(again).toEqual(first);
      expect(new Set(first).size).toBe(first.length);
    }
  });

  it('gives a fix repeated in the next post the id it had in the first', () => {
    const next = wifiPost();
    next.data.observations = [next.data.observations[0]!];
    next.data.observations[0]!.locations!.shift(); // the 11:59:12 fix is now the oldest in the history
    expect(merakiEvents(next, ctx).wifi[0]!.value.envelope.eventId).toBe(merakiEvents(wifiPost(), ctx).wifi[1]!.value.envelope.eventId);
  });
});

describe('merakiEvents: rejections', () => {
  it('rejects only the bad fix or client, names its path and keeps the rest', () => {
    const post = wifiPost();
    const obs = post.data.observations;
    obs[0]!.locations![1]!.time = '2026-11-25T12:00:00Z';
    obs[1]!.clientMac = 'not-a-mac';
    obs[2]!.locations![0]!.time = 'yesterday';
    obs[3]!.latestRecord!.time = '2026-11-23T11:56:48'; // no zone: whose 11:56?

    const { wifi, rejected } = merakiEvents(post, ctx);
    expect(rejected.map(({ field, code }) => [field, code])).toEqual([
      ['data.observations[0].locations[1].time', REJECTION_CODES.futureTimestamp],
      ['data.observations[1].clientMac', REJECTION_CODES.badMac],
      ['data.observations[2].locations[0].time', REJECTION_CODES.badTimestamp],
      ['data.observations[3].latestRecord.time', REJECTION_CODES.badTimestamp],
    ]);
    expect(rejected[2]!.reason).toBe('must be an ISO-8601 date-time with a zone, got "yesterday"');
    expect(wifi.map((w) => w.value.envelope.eventTime)).toEqual([ms('2026-11-23T11:58:41Z'), ms('2026-11-23T11:58:05Z'), ms('2026-11-23T11:59:05Z')]);
  });

  it('puts the client in the dead letter with its MAC and userId hashed and its addresses left out', () => {
    const post = wifiPost();
    post.data.observations[0]!.locations![0]!.time = 'soon';
    post.data.observations[1]!.clientMac = 'da-a1-19-zz';
    const { rejected } = merakiEvents(post, ctx);

    const item = rejected[0]!.item as Record<string, unknown>;
    expect(item).toMatchObject({ clientMacHash: hashMac(salt, MACS.anna), emailHash: hashEmail(salt, 'anna.virtanen@example.com'), phoneHash: null, loginHash: null, ssid: 'Kamppi-Guest' });
    expect(item).not.toHaveProperty('clientMac');
    expect(item).not.toHaveProperty('userId');
    expect(item).not.toHaveProperty('ipv4');
    expect((item.locations as unknown[]).length).toBe(2);
    expect(rejected[1]!.item).toMatchObject({ clientMacHash: hashMac(salt, 'da-a1-19-zz'), phoneHash: hashPhone(salt, '+358 40 123 4567') });
    expectNoClearPii(rejected, [MACS.anna, 'da-a1-19-zz', 'anna.virtanen', '123 4567', '10.20.0.41', 'fe80::']);
  });

  it('strips the raw advertisement, which holds the MAC, from a BLE dead letter', () => {
    const post = blePost();
    post.data.observations[1]!.latestRecord!.time = 'n/a';
    const { rejected } = merakiEvents(post, ctx);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.item).toMatchObject({ clientMacHash: hashMac(salt, '7a:3e:92:11:c5:08'), bleBeacons: [{ bleType: 'unknown', uuid: null, major: null, minor: null }] });
    expectNoClearPii(rejected, ['7a:3e:92:11:c5:08', '7a3e9211c508', 'rawData']);
  });

  it('rejects a client without any AP to place it, and one with no MAC', () => {
    const post = wifiPost();
    post.data.observations[0]!.locations![0]!.rssiRecords = [];
    delete post.data.observations[3]!.latestRecord;
    delete post.data.observations[1]!.clientMac;
    const { rejected } = merakiEvents(post, ctx);
    expect(rejected.map(({ field, code }) => [field, code])).toEqual([
      ['data.observations[0].locations[0].rssiRecords', REJECTION_CODES.missingField],
      ['data.observations[1].clientMac', REJECTION_CODES.missingField],
      ['data.observations[3].locations', REJECTION_CODES.missingField],
    ]);
  });

  it('reads junk coordinates and variance as unknown rather than refusing the fix', () => {
    const post = wifiPost();
    Object.assign(post.data.observations[0]!.locations![0]!, { lat: 'NaN', lng: null, variance: -1 });
    const { wifi, rejected } = merakiEvents(post, ctx);
    expect(rejected).toEqual([]);
    expect(wifi[0]!.value).toMatchObject({ lat: null, lng: null, uncertaintyMeters: null, apMac: AP.one });
  });
});

describe('userIdHashes', () => {
  it('sorts Meraki userIds into e-mail, phone and login, each hashed', () => {
    expect(userIdHashes(salt, ' Anna@Example.com ')).toEqual({ emailHash: hashEmail(salt, 'anna@example.com'), phoneHash: null, loginHash: null });
    expect(userIdHashes(salt, '040-123 4567')).toEqual({ emailHash: null, phoneHash: hashPhone(salt, '0401234567'), loginHash: null });
    expect(userIdHashes(salt, 'CORP\\MKorhonen')).toEqual({ emailHash: null, phoneHash: null, loginHash: hashLogin(salt, 'corp\\mkorhonen') });
    expect(hashLogin(salt, ' CORP\\MKorhonen ')).toBe(hashLogin(salt, 'corp\\mkorhonen'));
    expect(userIdHashes(salt, '4711').loginHash).toBe(hashLogin(salt, '4711')); // too short for a phone
    expect(userIdHashes(salt, '  ')).toEqual({ emailHash: null, phoneHash: null, loginHash: null });
    expect(userIdHashes(salt, null)).toEqual({ emailHash: null, phoneHash: null, loginHash: null });
    expect(hashLogin(salt, 'mkorhonen')).toMatch(/^[0-9a-f]{64}$/);
    expect(hashLogin(salt, 'mkorhonen')).not.toBe(hashLogin('other-salt', 'mkorhonen'));
  });
});

describe('checkMerakiSecret', () => {
  it('accepts only the exact secret', () => {
    expect(checkMerakiSecret('local-meraki-secret', 'local-meraki-secret')).toBe(true);
    expect(checkMerakiSecret('local-meraki-secret', 'local-meraki-secreT')).toBe(false);
    expect(checkMerakiSecret('local-meraki-secret', 'local')).toBe(false);
    expect(checkMerakiSecret('local-meraki-secret', '')).toBe(false);
    expect(checkMerakiSecret('local-meraki-secret', undefined)).toBe(false);
    expect(checkMerakiSecret('local-meraki-secret', 42)).toBe(false);
    expect(checkMerakiSecret('', '')).toBe(false);
  });
});

describe('merakiPostBody', () => {
  // ajv is not a dependency of ingest: take the copy fastify validates with, through
  // @fastify/ajv-compiler, with fastify's defaults under the options http.ts sets.
  interface AjvError { instancePath: string; keyword: string; params: Record<string, unknown> }
  type Validate = ((data: unknown) => boolean) & { errors?: AjvError[] | null };
  const compilerPath = require.resolve('@fastify/ajv-compiler', { paths: [require.resolve('fastify')] });
  const Ajv: new (options: object) => { compile(schema: object): Validate } = require(require.resolve('ajv', { paths: [compilerPath] })).default;
  const validate = new Ajv({ coerceTypes: false, useDefaults: true, removeAdditional: false, allErrors: false, allowUnionTypes: true }).compile(merakiPostBody);
  const errorOf = (body: unknown) => {
    expect(validate(body)).toBe(false);
    const e = validate.errors![0]!;
    return { at: e.instancePath, keyword: e.keyword, missing: e.params.missingProperty };
  };

  it('accepts both fixtures, Bluetooth posts, numeric RSSI and fields Meraki adds later', () => {
    expect(validate(wifiPost())).toBe(true);
    expect(validate(blePost())).toBe(true);
    expect(validate({ ...blePost(), type: 'Bluetooth' })).toBe(true);
    const post = wifiPost() as unknown as { version: unknown; futureField: unknown; data: { observations: Record<string, unknown>[] } };
    post.version = 3;
    post.futureField = { anything: true };
    post.data.observations[0]!.hostname = 'annas-iphone';
    post.data.observations[3]!.latestRecord = { time: '2026-11-23T11:56:48Z', nearestApMac: AP.one, nearestApRssi: -71 };
    expect(validate(post)).toBe(true);
  });

  it('names the field of a broken post', () => {
    const post = () => wifiPost() as unknown as Record<string, any>;
    const noNetwork = post();
    delete noNetwork.data.networkId;
    expect(errorOf(noNetwork)).toEqual({ at: '/data', keyword: 'required', missing: 'networkId' });
    const noSecret = post();
    delete noSecret.secret;
    expect(errorOf(noSecret)).toMatchObject({ at: '', missing: 'secret' });
    expect(errorOf({ ...post(), type: 'Wifi' })).toMatchObject({ at: '/type', keyword: 'enum' });
    expect(errorOf({ ...post(), version: '2.0' })).toMatchObject({ at: '/version', keyword: 'pattern' });
    expect(errorOf({ ...post(), secret: 12345678 })).toMatchObject({ at: '/secret', keyword: 'type' });
    const notArray = post();
    notArray.data.observations = { clientMac: MACS.anna };
    expect(errorOf(notArray)).toMatchObject({ at: '/data/observations', keyword: 'type' });
    const badRssi = post();
    badRssi.data.observations[2].locations[1].rssiRecords[0].rssi = { dBm: -55 };
    expect(errorOf(badRssi)).toMatchObject({ at: '/data/observations/2/locations/1/rssiRecords/0/rssi', keyword: 'type' });
  });
});
