import { CdpError } from './errors';
import { chunkByBytes, createKafkaClients, type OutgoingRecord } from './kafka';
import { createLogger } from './logger';

const record = (bytes: number): OutgoingRecord => ({ key: 'k', value: Buffer.alloc(bytes) });

describe('chunkByBytes', () => {
  it('cuts a send into requests under the limit, keeping order and every record', () => {
    const records = Array.from({ length: 100 }, (_, i) => ({ key: String(i), value: Buffer.alloc(1000) }));
    const chunks = [...chunkByBytes(records, 10_000)];
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.reduce((n, r) => n + r.value!.length + 64 + r.key!.length, 0)).toBeLessThanOrEqual(10_000);
    expect(chunks.flat().map((r) => r.key)).toEqual(records.map((r) => r.key));
  });

  it('refuses a single record larger than the limit, saying its size', () => {
    expect(() => [...chunkByBytes([record(20_000)], 10_000)]).toThrow(CdpError);
    expect(() => [...chunkByBytes([record(20_000)], 10_000)]).toThrow(/20065 bytes exceeds the 10000-byte request limit/);
  });

  it('yields nothing for nothing', () => {
    expect([...chunkByBytes([])]).toEqual([]);
  });
});

describe('consumer options', () => {
  it('refuses transactional commits together with stable batches before it connects anywhere', async () => {
    const clients = createKafkaClients({ brokers: ['127.0.0.1:1'], clientId: 'options-test', logger: createLogger('options-test', 'silent') });
    await expect(clients.consumer({ groupId: 'g', topics: ['t'], transactionalCommits: true, stableBatches: true })).rejects.toThrow(/transactionalCommits and stableBatches/);
  });
});
