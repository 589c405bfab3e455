/**
 * A store gateway that produces Avro straight to the raw store topics instead of POSTing to
 * ingest. Written the way a retailer's gateway team would: kafkajs, avsc and fetch, nothing of
 * the pipeline's own code. See README.md beside it for the contract.
 *
 *   pnpm exec tsx services/ingest/examples/kafka-gateway/produce.ts --store HEL-1
 */
import { createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';
import avro from 'avsc';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';

const BROKERS = (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean);
const REGISTRY_URL = (process.env.SCHEMA_REGISTRY_URL || 'http://127.0.0.1:8081/apis/ccompat/v7').replace(/\/+$/, '');
const TOPIC_PREFIX = process.env.TOPIC_PREFIX ?? '';
// The development salt of ingest; production gets its secret salt from the pipeline team, and
// must use the same one as ingest so that a MAC hashes alike on both paths.
const PII_HASH_SALT = process.env.PII_HASH_SALT || 'local-development-salt-not-secret';
// Agreed when the gateway is onboarded: the tenant, and a source id per store gateway.
const TENANT = 'demo';
const SCHEMA_VERSION = 1;

const TOPICS = {
  pos: `${TOPIC_PREFIX}store.pos-transactions.v1`,
  peopleCount: `${TOPIC_PREFIX}store.people-counts.v1`,
  wifi: `${TOPIC_PREFIX}store.wifi-observations.v1`,
} as const;
type Kind = keyof typeof TOPICS;

/** A failure with a message meant for the operator: printed without a stack. */
class GatewayError extends Error {}

// --- the contract's rules, done by the gateway since ingest is not in the path ----------------

/** ISO 4217 minor-unit exponents that are not 2. */
const EXPONENTS: Record<string, number> = { JPY: 0, KRW: 0, ISK: 0, CLP: 0, BHD: 3, KWD: 3, OMR: 3, TND: 3 };

/** 19.90 EUR -> 1990. Refuses amounts with more decimals than the currency has instead of rounding money. */
function toMinor(amount: number, currency: string): number {
  const scale = 10 ** (EXPONENTS[currency] ?? 2);
  const minor = Math.round(amount * scale);
  if (!Number.isSafeInteger(minor) || Math.abs(minor - amount * scale) > 1e-6 * Math.max(1, Math.abs(minor))) {
    throw new GatewayError(`${amount} ${currency} has no exact minor-unit value`);
  }
  return minor;
}

/** aa:bb:cc:dd:ee:ff, whatever separators and case the device reported. */
function normalizeMac(mac: string): string {
  const hex = mac.toLowerCase().replace(/[^0-9a-f]/g, '');
  if (hex.length !== 12) throw new GatewayError(`${mac} is not a 48-bit MAC address`);
  return hex.match(/../g)!.join(':');
}

/** Same normalisation as ingest: `mac:` + 12 lower-case hex digits, HMAC-SHA-256 with the shared salt. */
const hashMac = (mac: string): string => createHmac('sha256', PII_HASH_SALT).update(`mac:${mac.toLowerCase().replace(/[^0-9a-f]/g, '')}`).digest('hex');

/** A locally administered (randomised) MAC changes over time: it must never link to a person. */
const isRandomizedMac = (mac: string): boolean => (parseInt(mac.replace(/[^0-9a-f]/gi, '').slice(0, 2), 16) & 0x02) === 0x02;

// --- registry and wire format -----------------------------------------------------------------

interface WriterSchema {
  subject: string;
  id: number;
  version: number;
  type: avro.Type;
}

/**
 * The latest schema registered under the topic's subject. Looked up, never registered: the
 * pipeline team owns the contract, and a gateway that registered would change it for everyone.
 */
async function latestSchema(topic: string): Promise<WriterSchema> {
  const subject = `${topic}-value`;
  let res: Response;
  try {
    res = await fetch(`${REGISTRY_URL}/subjects/${encodeURIComponent(subject)}/versions/latest`, { signal: AbortSignal.timeout(5000) });
  } catch (error) {
    throw new GatewayError(`schema registry at ${REGISTRY_URL} unreachable (${causeOf(error)}); start the local stack: pnpm stack:up`);
  }
  if (res.status === 404) throw new GatewayError(`subject ${subject} is not registered at ${REGISTRY_URL}; register the contract first: pnpm schemas:register`);
  if (!res.ok) throw new GatewayError(`schema registry answered ${res.status} for ${subject}: ${(await res.text()).slice(0, 300)}`);
  const body = (await res.json()) as { id: number; version: number; schema: string; schemaType?: string };
  if (body.schemaType && body.schemaType !== 'AVRO') throw new GatewayError(`subject ${subject} holds a ${body.schemaType} schema, not Avro`);
  return { subject, id: body.id, version: body.version, type: avro.Type.forSchema(JSON.parse(body.schema) as avro.Schema) };
}

/** Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian int, the Avro binary. */
function encode(writer: WriterSchema, value: object): Buffer {
  let body: Buffer;
  try {
    // Fields the gateway does not know yet (added later, always with a default) get their default.
    body = writer.type.toBuffer(value);
  } catch {
    const bad: string[] = [];
    writer.type.isValid(value, { errorHook: (path) => bad.push(path.join('.')) });
    throw new GatewayError(`value does not fit ${writer.subject} v${writer.version}: bad field(s) ${bad.join(', ') || '(unknown)'}`);
  }
  const header = Buffer.alloc(5);
  header.writeUInt8(0, 0);
  header.writeInt32BE(writer.id, 1);
  return Buffer.concat([header, body]);
}

// --- the events -------------------------------------------------------------------------------

interface Outgoing {
  kind: Kind;
  key: string;
  value: { envelope: { eventId: string } };
}

function sampleEvents(storeId: string, now: number): Outgoing[] {
  const envelope = (eventId: string, eventTime: number) => ({
    eventId,
    eventTime,
    receivedTime: now,
    source: `store-${storeId.toLowerCase()}`,
    tenant: TENANT,
    schemaVersion: SCHEMA_VERSION,
  });

  // A receipt as the till reports it, in major units.
  const saleTime = now - 30_000;
  const receiptId = `R-${new Date(saleTime).toISOString().replace(/\D/g, '').slice(0, 14)}`;
  const currency = 'EUR';
  const tillLines = [
    { sku: 'SKU-1001', quantity: 2, price: 12.95, discount: 0 },
    { sku: 'SKU-1002', quantity: 1, price: 129.9, discount: 10 },
  ];
  const lines = tillLines.map((l, i) => {
    const unitPriceMinor = toMinor(l.price, currency);
    const discountMinor = toMinor(l.discount, currency);
    return { lineNumber: i + 1, sku: l.sku, quantity: l.quantity, unitPriceMinor, discountMinor, totalMinor: Math.round(unitPriceMinor * l.quantity) - discountMinor };
  });
  const registerId = 'T01';
  const pos = {
    // From the receipt, not random: a re-sent receipt is the same event and is counted once.
    envelope: envelope(`pos:${storeId}:${receiptId}`, saleTime),
    storeId,
    receiptId,
    registerId,
    kind: 'SALE',
    loyaltyCard: 'LC-1001',
    currency,
    totalMinor: lines.reduce((sum, l) => sum + l.totalMinor, 0),
    paymentMethod: 'card',
    lines,
  };

  // A door counter's last whole minute.
  const windowEnd = Math.floor(now / 60_000) * 60_000;
  const sensorId = 'cam-door';
  const zoneId = 'entrance';
  const peopleCount = {
    envelope: envelope(`people:${storeId}:${sensorId}:${zoneId}:line_crossing:${windowEnd}`, windowEnd),
    storeId,
    sensorId,
    zoneId,
    kind: 'LINE_CROSSING',
    periodSeconds: 60,
    countIn: 7,
    countOut: 3,
    occupancy: null,
    queueLength: null,
  };

  // The access point reports the phone's MAC in clear; only its keyed hash may leave the gateway.
  const seenAt = now - 5_000;
  const apMac = normalizeMac('00-18-0A-13-DD-B0');
  const clientMac = normalizeMac('DA:A1:19:5E:42:0B');
  const clientMacHash = hashMac(clientMac);
  const wifi = {
    envelope: envelope(`wifi:${storeId}:${clientMacHash.slice(0, 16)}:${apMac}:${seenAt}`, seenAt),
    storeId,
    apMac,
    clientMacHash,
    randomizedMac: isRandomizedMac(clientMac),
    rssi: -58,
    ssid: null,
    manufacturer: null,
    os: null,
    lat: null,
    lng: null,
    uncertaintyMeters: null,
    floorplanId: null,
    emailHash: null,
    phoneHash: null,
    loginHash: null,
  };

  // Keys keep one till, sensor or device of a store in order on one partition.
  return [
    { kind: 'pos', key: `${storeId}/${registerId}`, value: pos },
    { kind: 'peopleCount', key: `${storeId}/${sensorId}`, value: peopleCount },
    { kind: 'wifi', key: `${storeId}/${clientMacHash}`, value: wifi },
  ];
}

// --- main -------------------------------------------------------------------------------------

function causeOf(error: unknown): string {
  const e = error as { message?: string; cause?: unknown };
  const cause = e.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? e.message ?? String(error);
}

async function connect(): Promise<Producer> {
  const kafka = new Kafka({
    clientId: 'store-gateway-example',
    brokers: BROKERS,
    connectionTimeout: 3000,
    retry: { initialRetryTime: 300, retries: 3 },
    // Errors are reported below in one line each; kafkajs' own log would repeat every retry.
    logLevel: logLevel.NOTHING,
  });
  // Idempotent with acks=-1: a retried send neither duplicates nor reorders records. The default
  // partitioner is murmur2, the partition Java clients and ingest choose for the same key.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  try {
    await producer.connect();
  } catch (error) {
    throw new GatewayError(`cannot reach Kafka at ${BROKERS.join(',')} (${causeOf(error)}); start the local stack: pnpm stack:up`);
  }
  return producer;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { store: { type: 'string', default: 'HEL-1' } } });
  const storeId = values.store.trim();
  if (!storeId) throw new GatewayError('--store needs a store id, e.g. --store HEL-1');

  // Once at startup: a newer compatible version is picked up on the next restart.
  const writers = Object.fromEntries(await Promise.all((Object.keys(TOPICS) as Kind[]).map(async (k) => [k, await latestSchema(TOPICS[k])] as const))) as Record<Kind, WriterSchema>;
  const events = sampleEvents(storeId, Date.now());
  const encoded = events.map((e) => ({ ...e, bytes: encode(writers[e.kind], e.value) }));

  const producer = await connect();
  try {
    for (const e of encoded) {
      const topic = TOPICS[e.kind];
      let sent;
      try {
        [sent] = await producer.send({ topic, acks: -1, messages: [{ key: e.key, value: e.bytes }] });
      } catch (error) {
        const text = `${(error as Error).message} ${causeOf(error)}`;
        if (/topic-partition|UNKNOWN_TOPIC|not host this topic/i.test(text)) throw new GatewayError(`topic ${topic} does not exist; create the topics first: pnpm topics`);
        throw new GatewayError(`sending to ${topic} failed (${text}); is Kafka up? pnpm stack:up`);
      }
      const w = writers[e.kind];
      console.log(`${topic}  partition ${sent!.partition}  offset ${sent!.baseOffset}  schema ${w.id} (v${w.version})  key ${e.key}  event ${e.value.envelope.eventId}`);
    }
  } finally {
    await producer.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof GatewayError ? `kafka-gateway: ${error.message}` : error);
  process.exit(1);
});
