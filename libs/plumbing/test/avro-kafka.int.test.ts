import { createAvroCodec } from '../src/avro';
import { Partitioners } from 'kafkajs';
import { createKafkaClients, type IncomingRecord } from '../src/kafka';
import { loadSchemaCatalog } from '../src/schemas';
import { valueSubjectOf, type TopicSpec } from '../src/topics';
import type { CdpWeb } from '../src/generated/avro-types';
import { LOCAL, eventually, testLogger, unique } from './helpers';

const catalog = loadSchemaCatalog();
const segmentSchema = catalog.resolve('cdp.web.SegmentEvent');

function segmentEvent(i: number): CdpWeb.SegmentEvent {
  return {
    envelope: { eventId: `ajs-next-${i}`, eventTime: 1_763_900_000_000 + i, receivedTime: 1_763_900_000_500 + i, source: 'web', tenant: 'acme', schemaVersion: 1 },
    type: i % 2 ? 'TRACK' : 'PAGE',
    channel: 'WEB',
    anonymousId: `anon-${i % 7}`,
    userId: i % 3 ? null : `user-${i}`,
    event: i % 2 ? 'Product Viewed' : null,
    name: i % 2 ? null : 'Home',
    category: null,
    previousId: null,
    groupId: null,
    properties: JSON.stringify({ sku: `SKU-${i}`, price: 19.9, note: 'ä\u0000"\\' }),
    traits: null,
    integrations: null,
    sentAt: 1_763_900_000_400 + i,
    originalTimestamp: 1_763_900_000_000 + i,
    context: {
      ip: '127.0.0.1', userAgent: 'Mozilla/5.0', locale: 'fi-FI', timezone: 'Europe/Helsinki', libraryName: 'analytics-node', libraryVersion: '3.1.0',
      pageUrl: 'https://shop.example/', pagePath: '/', pageReferrer: null, pageTitle: 'Shop', pageSearch: null,
      campaignName: null, campaignSource: null, campaignMedium: null, campaignTerm: null, campaignContent: null,
      appName: null, appVersion: null, deviceId: null, deviceType: null, osName: null, osVersion: null, consent: null, extra: null,
    },
  };
}

describe('Avro through the registry over Kafka', () => {
  const clients = createKafkaClients({ brokers: LOCAL.brokers, clientId: 'int-test', logger: testLogger });
  const codec = createAvroCodec({ url: LOCAL.registryUrl });

  it('produces registry-encoded records that a consumer group reads back and decodes intact', async () => {
    const topic: TopicSpec = { name: `test.${unique('avro').replace(/_/g, '-')}.v1`, partitions: 3, cleanupPolicy: 'delete', valueType: 'cdp.web.SegmentEvent', key: 'anonymousId', doc: 'test' };
    const admin = await clients.admin();
    await admin.createTopics([topic]);
    const id = await codec.register(valueSubjectOf(topic.name), segmentSchema);
    expect(await codec.idOf(valueSubjectOf(topic.name), segmentSchema)).toBe(id);

    const sent = Array.from({ length: 200 }, (_, i) => segmentEvent(i));
    const producer = await clients.producer();
    await producer.send(topic.name, sent.map((e) => ({ key: e.anonymousId, value: codec.encode(id, e) })));
    await producer.close();

    // A fresh codec has no cache: decoding must fetch the writer schema by id from the registry.
    const reader = createAvroCodec({ url: LOCAL.registryUrl });
    const received: IncomingRecord[] = [];
    const groupId = unique('avro-group');
    const consumer = await clients.consumer({ groupId, topics: [topic.name] });
    void consumer.run(async (batch) => {
      received.push(...batch.records);
    });
    await eventually('200 records consumed', async () => (received.length >= 200 ? true : undefined));
    await consumer.close();

    const decoded = await Promise.all(received.map((r) => reader.decode<CdpWeb.SegmentEvent>(r.value!)));
    decoded.sort((a, b) => a.envelope.eventTime - b.envelope.eventTime);
    expect(decoded).toEqual(sent);
    expect(received[0]!.value![0]).toBe(0);
    expect(received[0]!.value!.readInt32BE(1)).toBe(id);

    // Offsets were committed after each batch: the group has nothing left to read.
    expect(await admin.groupLag(groupId, topic.name)).toBe(0);
    await admin.deleteTopics([topic.name]);
    await admin.close();
  });

  it('puts a key on the partition kafkajs and Java clients choose, keeps headers, and sends several topics in one call', async () => {
    // Producer and transactional producer are different clients: a person's records must land on
    // the same partition whichever of them wrote them, and where any Java client would put them.
    const topics: TopicSpec[] = [3, 4].map((partitions) => ({ name: `test.${unique('parts').replace(/_/g, '-')}-${partitions}.v1`, partitions, cleanupPolicy: 'delete', valueType: 'cdp.web.SegmentEvent', key: 'anonymousId', doc: 'test' }));
    const admin = await clients.admin();
    await admin.createTopics(topics);
    const keys = Array.from({ length: 300 }, (_, i) => `person-${i}-${'ä'.repeat(i % 3)}`);
    const producer = await clients.producer();
    await producer.sendBatches(topics.map((t) => ({ topic: t.name, records: keys.map((key, i) => ({ key, value: Buffer.from(`v${i}`), headers: { 'cdp-origin': `h-${i}` } })) })));
    await producer.close();

    const kafkajsPartitioner = Partitioners.DefaultPartitioner();
    for (const topic of topics) {
      const received: IncomingRecord[] = [];
      const consumer = await clients.consumer({ groupId: unique('parts-group'), topics: [topic.name] });
      void consumer.run(async (batch) => {
        received.push(...batch.records);
      });
      await eventually(`${keys.length} records from ${topic.name}`, async () => (received.length >= keys.length ? true : undefined));
      await consumer.close();
      const partitionMetadata = Array.from({ length: topic.partitions }, (_, partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
      const expected = keys.map((key) => kafkajsPartitioner({ topic: topic.name, partitionMetadata, message: { key, value: null } }));
      const got = new Map(received.map((r) => [r.key!.toString(), r]));
      expect(keys.map((key) => got.get(key)?.partition)).toEqual(expected);
      expect(new Set(expected).size).toBe(topic.partitions);
      expect(keys.map((key) => [got.get(key)?.value?.toString(), got.get(key)?.headers['cdp-origin']])).toEqual(keys.map((_, i) => [`v${i}`, `h-${i}`]));
    }
    await admin.deleteTopics(topics.map((t) => t.name));
    await admin.close();
  });

  it('reads records written with an older schema through a newer reader schema (defaults filled in)', async () => {
    const subject = `${unique('evolve')}-value`;
    const v1 = { type: 'record', name: 'Visit', namespace: 'test', fields: [{ name: 'id', type: 'string' }] };
    const v2 = { ...v1, fields: [...v1.fields, { name: 'zone', type: 'string', default: 'unknown' }] };
    const id1 = await codec.register(subject, v1);
    const old = codec.encode(id1, { id: 'a' });
    await codec.register(subject, v2);
    expect(await createAvroCodec({ url: LOCAL.registryUrl }).decode(old, v2)).toEqual({ id: 'a', zone: 'unknown' });
  });

  it('refuses to encode a value that does not fit, naming the field', async () => {
    const subject = `${unique('bad')}-value`;
    const id = await codec.register(subject, segmentSchema);
    const bad = { ...segmentEvent(1), envelope: { ...segmentEvent(1).envelope, eventTime: 'yesterday' } };
    expect(() => codec.encode(id, bad)).toThrow(/bad field\(s\) envelope\.eventTime/);
  });

  it('encodes records of any size, each buffer its own: small, over 1 KiB, and larger than the scratch space', async () => {
    const subject = `${unique('sizes')}-value`;
    const id = await codec.register(subject, segmentSchema);
    const sizes = [10, 2_000, 200_000, 50];
    const encoded = sizes.map((n, i) => codec.encode(id, { ...segmentEvent(i), properties: JSON.stringify({ blob: 'x'.repeat(n) }) }));
    // Each buffer keeps its bytes after later encodes reused the scratch space.
    for (const [i, buffer] of encoded.entries()) {
      expect(buffer[0]).toBe(0);
      expect(buffer.readInt32BE(1)).toBe(id);
      const back = await codec.decode<CdpWeb.SegmentEvent>(buffer);
      expect(JSON.parse(back.properties!).blob).toHaveLength(sizes[i]!);
      expect(back.envelope.eventId).toBe(`ajs-next-${i}`);
    }
  });
});
