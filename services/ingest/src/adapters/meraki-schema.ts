/**
 * JSON Schema of a Cisco Meraki Scanning API v3 POST (see core/meraki.ts for the sources).
 *
 * Only the envelope is required: version, secret, type, data.networkId and data.observations.
 * Everything inside an observation is typed but optional and mostly nullable: Meraki's own
 * documentation and its real posts disagree on types (x, y and nearestApRssi come as strings
 * or numbers, lat/lng as numbers or "NaN"), and one odd client must become a dead letter in
 * core/meraki.ts, not a 400 for a post that carries thousands of good ones. Meraki adds fields
 * over time, so unknown properties are kept.
 */
const text = (maxLength: number) => ({ type: ['string', 'null'], maxLength });
/** A number Meraki may send as a JSON number or as its decimal text. */
const numeric = { type: ['number', 'string', 'null'], maxLength: 64 };
const mac = text(64);
const time = { type: 'string', maxLength: 64 };
const tags = { type: ['array', 'null'], maxItems: 100, items: { type: 'string', maxLength: 200 } };

const rssiRecord = {
  type: 'object',
  properties: { apMac: mac, rssi: { type: ['number', 'string', 'null'], maxLength: 16 } },
};

const location = {
  type: 'object',
  properties: {
    time,
    lat: numeric,
    lng: numeric,
    x: numeric,
    y: numeric,
    variance: numeric,
    floorPlanId: text(200),
    floorPlanName: text(500),
    nearestApTags: tags,
    // A client is heard by a handful of APs; hundreds means a broken post.
    rssiRecords: { type: ['array', 'null'], maxItems: 500, items: rssiRecord },
    // BLE posts carry the floor plan as an object and the nearest AP of each fix.
    floorPlan: { type: ['object', 'null'], properties: { id: text(200), name: text(500), x: numeric, y: numeric } },
    nearestApMac: mac,
  },
};

const latestRecord = {
  type: ['object', 'null'],
  properties: { time, nearestApMac: mac, nearestApRssi: { type: ['number', 'string', 'null'], maxLength: 16 } },
};

const bleBeacon = {
  type: 'object',
  properties: {
    bleType: text(64),
    uuid: text(64),
    major: { type: ['integer', 'string', 'null'], maxLength: 8 },
    minor: { type: ['integer', 'string', 'null'], maxLength: 8 },
  },
};

const observation = {
  type: 'object',
  properties: {
    clientMac: mac,
    ipv4: text(64),
    ipv6: text(128),
    ssid: text(256),
    os: text(200),
    manufacturer: text(200),
    userId: text(512),
    name: text(512),
    // The movement history of one client since the previous post (about a minute apart).
    locations: { type: ['array', 'null'], maxItems: 1000, items: location },
    latestRecord,
    bleBeacons: { type: ['array', 'null'], maxItems: 64, items: bleBeacon },
  },
};

export const merakiPostBody = {
  type: 'object',
  required: ['version', 'secret', 'type', 'data'],
  properties: {
    // Documented as a string ("3.0") in the table and as a number in the schema sketch; receivers
    // route on the major version and accept minor updates.
    version: { type: ['string', 'number'], maxLength: 16, pattern: '^3(\\.[0-9]+)*$', minimum: 3, exclusiveMaximum: 4 },
    secret: { type: 'string', maxLength: 1024 },
    // The documentation says WiFi or BLE; real Bluetooth posts say "Bluetooth".
    type: { type: 'string', enum: ['WiFi', 'BLE', 'Bluetooth'] },
    data: {
      type: 'object',
      required: ['networkId', 'observations'],
      properties: {
        networkId: { type: 'string', minLength: 1, maxLength: 100 },
        // v3 sends one post per network with every client seen: thousands is normal in a busy
        // store. The route's body limit, not this, is what bounds the work.
        observations: { type: 'array', maxItems: 50_000, items: observation },
      },
    },
  },
  examples: [
    {
      version: '3.0',
      secret: 'local-meraki-secret',
      type: 'WiFi',
      data: {
        networkId: 'L_646829496481105433',
        observations: [
          {
            clientMac: '00:1b:63:84:45:e6',
            ssid: 'Kamppi-Guest',
            os: 'iOS',
            manufacturer: 'Apple',
            locations: [{ time: '2026-11-23T11:58:41Z', lat: 60.169012337, lng: 24.932715123, x: '12.48', y: '8.15', variance: 2.21, floorPlanId: 'g_646829496481100001', rssiRecords: [{ apMac: '0c:8d:db:6e:10:01', rssi: -48 }] }],
          },
        ],
      },
    },
  ],
} as const;
