/**
 * JSON Schemas of the HTTP routes: fastify validates every request with them before a handler
 * runs, and a failure becomes a 400 naming the field. Unknown properties are kept (Segment
 * clients send more than the spec names), but known ones must have the right type.
 */
const nullableString = { type: ['string', 'null'] };
const id = { type: ['string', 'number', 'null'] };
const object = { type: ['object', 'null'] };
const dateTime = { type: ['string', 'null'], maxLength: 64 };

export const segmentEventSchema = {
  $id: 'segmentEvent',
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['track', 'page', 'screen', 'identify', 'alias', 'group'] },
    messageId: { type: 'string', minLength: 1, maxLength: 200 },
    anonymousId: id,
    userId: id,
    event: { type: 'string', maxLength: 200 },
    name: nullableString,
    category: nullableString,
    previousId: id,
    groupId: id,
    timestamp: dateTime,
    originalTimestamp: dateTime,
    sentAt: dateTime,
    properties: object,
    traits: object,
    context: object,
    integrations: object,
  },
} as const;

export const singleEventBody = (type: string) => ({
  type: 'object',
  allOf: [{ $ref: 'segmentEvent#' }],
  properties: { type: { type: 'string', const: type } },
});

export const batchBody = {
  type: 'object',
  required: ['batch'],
  properties: {
    batch: { type: 'array', minItems: 1, maxItems: 10_000, items: { type: 'object', allOf: [{ $ref: 'segmentEvent#' }], required: ['type'] } },
    sentAt: dateTime,
    context: object,
    writeKey: { type: 'string' },
  },
} as const;

const money = { type: 'number' };
/** Fields every store event has. */
const storeEventBase = {
  messageId: { type: 'string', minLength: 1, maxLength: 200 },
  timestamp: { type: 'string', maxLength: 64 },
};
const posTransaction = {
  type: 'object',
  required: ['type', 'timestamp', 'receiptId', 'currency', 'total', 'lines'],
  properties: {
    type: { const: 'pos_transaction' },
    ...storeEventBase,
    storeId: { type: 'string', minLength: 1, maxLength: 100 },
    receiptId: { type: 'string', minLength: 1, maxLength: 100 },
    registerId: { type: 'string', maxLength: 100 },
    kind: { type: 'string', enum: ['sale', 'return'] },
    loyaltyCard: { type: ['string', 'null'], maxLength: 100 },
    customerId: { type: ['string', 'null'], maxLength: 100 },
    currency: { type: 'string', pattern: '^[A-Za-z]{3}$' },
    total: money,
    paymentMethod: { type: 'string', maxLength: 50 },
    lines: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      items: {
        type: 'object',
        required: ['sku', 'quantity', 'price'],
        properties: {
          lineNumber: { type: 'integer', minimum: 1 },
          sku: { type: 'string', minLength: 1, maxLength: 100 },
          quantity: { type: 'number', exclusiveMinimum: 0 },
          price: money,
          discount: { type: 'number', minimum: 0 },
        },
      },
    },
  },
};

const beaconSighting = {
  type: 'object',
  required: ['type', 'timestamp', 'appInstallId', 'beaconUuid', 'major', 'minor', 'rssi'],
  properties: {
    type: { const: 'beacon_sighting' },
    ...storeEventBase,
    storeId: { type: 'string', minLength: 1, maxLength: 100 },
    appInstallId: { type: 'string', minLength: 1, maxLength: 200 },
    userId: { type: ['string', 'null'], maxLength: 200 },
    beaconUuid: { type: 'string', pattern: '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$' },
    major: { type: 'integer', minimum: 0, maximum: 65535 },
    minor: { type: 'integer', minimum: 0, maximum: 65535 },
    rssi: { type: 'integer', minimum: -127, maximum: 20 },
    proximity: { type: 'string', enum: ['immediate', 'near', 'far', 'unknown'] },
    accuracy: { type: 'number', minimum: 0 },
  },
};

const mac = { type: 'string', minLength: 11, maxLength: 23 };
const wifiObservation = {
  type: 'object',
  required: ['type', 'timestamp', 'apMac', 'clientMac', 'rssi'],
  properties: {
    type: { const: 'wifi_observation' },
    ...storeEventBase,
    storeId: { type: 'string', minLength: 1, maxLength: 100 },
    apMac: mac,
    clientMac: mac,
    rssi: { type: 'integer', minimum: -127, maximum: 20 },
    ssid: { type: ['string', 'null'], maxLength: 64 },
    manufacturer: { type: ['string', 'null'], maxLength: 100 },
    os: { type: ['string', 'null'], maxLength: 100 },
    lat: { type: 'number', minimum: -90, maximum: 90 },
    lng: { type: 'number', minimum: -180, maximum: 180 },
    uncertainty: { type: 'number', minimum: 0 },
    floorplanId: { type: 'string', maxLength: 100 },
  },
};

const count = { type: 'integer', minimum: 0, maximum: 1_000_000 };
const peopleCount = {
  type: 'object',
  required: ['type', 'timestamp', 'sensorId', 'kind'],
  // Counts only: a people counter that sends images or face data has no field to put them in.
  properties: {
    type: { const: 'people_count' },
    ...storeEventBase,
    storeId: { type: 'string', minLength: 1, maxLength: 100 },
    sensorId: { type: 'string', minLength: 1, maxLength: 100 },
    zoneId: { type: ['string', 'null'], maxLength: 100 },
    kind: { type: 'string', enum: ['line_crossing', 'zone_occupancy', 'queue_length'] },
    periodSeconds: { type: 'integer', minimum: 0, maximum: 86_400 },
    countIn: count,
    countOut: count,
    occupancy: count,
    queueLength: count,
  },
};

const STORE_EVENT_SCHEMAS = { pos_transaction: posTransaction, beacon_sighting: beaconSighting, wifi_observation: wifiObservation, people_count: peopleCount };

export const storeBatchBody = {
  type: 'object',
  required: ['batch'],
  properties: {
    batch: {
      type: 'array',
      minItems: 1,
      maxItems: 10_000,
      items: {
        type: 'object',
        required: ['type'],
        properties: { type: { type: 'string', enum: Object.keys(STORE_EVENT_SCHEMAS) } },
        // Discriminated by type, so an error names the fields of the right kind of event.
        allOf: Object.entries(STORE_EVENT_SCHEMAS).map(([type, schema]) => ({ if: { properties: { type: { const: type } } }, then: schema })),
      },
    },
    writeKey: { type: 'string' },
  },
};

/** What ingest answers RudderStack's browser SDK for its source configuration: the source, nothing to load. */
export const sourceConfigAnswer = {
  type: 'object',
  properties: {
    source: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        name: { type: 'string' },
        workspaceId: { type: 'string', description: 'the tenant' },
        enabled: { type: 'boolean' },
        config: { type: 'object', additionalProperties: true },
        destinations: { type: 'array', items: { type: 'object', additionalProperties: true }, maxItems: 0 },
      },
    },
  },
} as const;
