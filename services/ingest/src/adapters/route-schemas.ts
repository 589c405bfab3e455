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

/** One call of each type, for the OpenAPI document (and the fuzz test's examples phase). */
const SINGLE_EXAMPLES: Record<string, object> = {
  track: { anonymousId: 'anon-7f3a', event: 'Product Viewed', properties: { sku: 'SKU-1001', price: 129.9 }, timestamp: '2026-11-23T10:00:05.000Z' },
  page: { anonymousId: 'anon-7f3a', name: 'Product', properties: { path: '/p/sku-1001' } },
  screen: { anonymousId: 'app-5d1c', name: 'Cart' },
  identify: { anonymousId: 'anon-7f3a', userId: 'user-42', traits: { email: 'maija@example.com', loyaltyCard: 'LC-1001' } },
  alias: { previousId: 'anon-7f3a', userId: 'user-42' },
  group: { userId: 'user-42', groupId: 'company-7', traits: { name: 'Oy Example Ab' } },
};

export const singleEventBody = (type: string) => ({
  type: 'object',
  allOf: [{ $ref: 'segmentEvent#' }],
  properties: { type: { type: 'string', const: type } },
  ...(SINGLE_EXAMPLES[type] ? { examples: [SINGLE_EXAMPLES[type]] } : {}),
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
  examples: [
    {
      sentAt: '2026-11-23T10:01:02.000Z',
      batch: [
        { type: 'track', messageId: 'msg-0002', anonymousId: 'anon-7f3a', event: 'Product Viewed', properties: { sku: 'SKU-1001', price: 129.9 }, timestamp: '2026-11-23T10:00:05.000Z' },
        { type: 'identify', messageId: 'msg-0003', anonymousId: 'anon-7f3a', userId: 'user-42', traits: { email: 'maija@example.com', loyaltyCard: 'LC-1001' }, timestamp: '2026-11-23T10:01:00.000Z' },
      ],
    },
  ],
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
    type: { type: 'string', const: 'pos_transaction' },
    ...storeEventBase,
    storeId: { type: 'string', minLength: 1, maxLength: 100 },
    receiptId: { type: 'string', minLength: 1, maxLength: 100 },
    registerId: { type: 'string', maxLength: 100 },
    kind: { type: 'string', enum: ['sale', 'return'] },
    loyaltyCard: { type: ['string', 'null'], maxLength: 100 },
    customerId: { type: ['string', 'null'], maxLength: 100 },
    consent: { type: ['object', 'null'], description: 'The loyalty programme\'s terms as the customer answered them: { "categoryPreferences": { "loyalty-marketing": true } }' },
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
    type: { type: 'string', const: 'beacon_sighting' },
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
    type: { type: 'string', const: 'wifi_observation' },
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
    type: { type: 'string', const: 'people_count' },
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

/** Store event types and their schemas (errors list the types from here). */
export const STORE_EVENT_SCHEMAS = { pos_transaction: posTransaction, beacon_sighting: beaconSighting, wifi_observation: wifiObservation, people_count: peopleCount };

export const storeBatchBody = {
  type: 'object',
  required: ['batch'],
  properties: {
    batch: {
      type: 'array',
      minItems: 1,
      maxItems: 10_000,
      // Discriminated by type, so an error names the fields of the right kind of event (ajv's
      // discriminator; OpenAPI 3.0 has oneOf and discriminator, not if/then).
      items: { type: 'object', required: ['type'], discriminator: { propertyName: 'type' }, oneOf: Object.values(STORE_EVENT_SCHEMAS) },
    },
    writeKey: { type: 'string' },
  },
  examples: [
    {
      batch: [
        { type: 'pos_transaction', storeId: 'HEL-1', timestamp: '2026-11-23T15:30:00Z', receiptId: 'R-000123', registerId: 'till-2', loyaltyCard: 'LC-1001', currency: 'EUR', total: 119.9, lines: [{ sku: 'SKU-1002', quantity: 1, price: 129.9, discount: 10 }] },
        { type: 'beacon_sighting', storeId: 'HEL-1', timestamp: '2026-11-23T15:21:00Z', appInstallId: 'app-5d1c', beaconUuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', major: 1, minor: 12, rssi: -70 },
        { type: 'wifi_observation', storeId: 'HEL-1', timestamp: '2026-11-23T15:20:00Z', apMac: '00:18:0a:13:dd:b0', clientMac: '3c:22:fb:11:22:33', rssi: -63 },
        { type: 'people_count', storeId: 'HEL-1', timestamp: '2026-11-23T15:30:00Z', sensorId: 'door-cam-1', kind: 'line_crossing', periodSeconds: 300, countIn: 42, countOut: 37 },
      ],
    },
  ],
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

/**
 * What ingest answers, for the OpenAPI document and fastify's serializer. Every status a route can
 * give is declared; an error always names its code and reason, a 4xx also the field.
 */
export const acceptedAnswer = {
  type: 'object',
  description: 'Kafka has the accepted items and the dead letters of the refused ones',
  required: ['success'],
  properties: {
    success: { type: 'boolean' },
    accepted: { type: 'integer', minimum: 0, description: 'items accepted; absent on the Segment routes when every item was. An erased person\'s events count as accepted and are not stored (suppression)' },
    rejected: {
      type: 'array',
      description: 'items sent to the dead-letter topic, with the reason',
      items: { type: 'object', required: ['field', 'code', 'reason'], properties: { field: { type: 'string' }, code: { type: 'string' }, reason: { type: 'string' } } },
    },
  },
} as const;

const errorProperties = {
  success: { type: 'boolean' },
  code: { type: 'string', minLength: 1 },
  field: { type: 'string', minLength: 1, description: 'where the problem is: a path in the body such as batch[3].event, (body), writeKey, secret, receiver, (method)' },
  reason: { type: 'string', minLength: 1 },
  message: { type: 'string', minLength: 1, description: 'field and reason in one line' },
};
/** A refused request: the client has something to fix. */
export const refusedAnswer = { description: 'Refused: nothing of the request was stored; field and reason say what to fix', type: 'object', required: ['success', 'code', 'field', 'reason', 'message'], properties: errorProperties } as const;
/** Kafka did not take the events: retry (Retry-After), nothing was stored. */
export const unavailableAnswer = { description: 'Kafka did not acknowledge in time: send again after Retry-After', type: 'object', required: ['success', 'code', 'reason', 'message'], properties: errorProperties } as const;

export const readinessAnswer = {
  description: 'ready (200) or not (503), with what answers',
  type: 'object',
  required: ['service', 'status'],
  properties: { service: { type: 'string' }, status: { type: 'string', enum: ['ready', 'not ready'] }, kafka: { type: 'boolean' }, registry: { type: 'boolean' } },
} as const;

export const textAnswer = (description: string) => ({ description, content: { 'text/plain': { schema: { type: 'string' } } } });
