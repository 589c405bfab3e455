import { MultipleErrors, NetworkError, ProtocolError, TimeoutError, UserError } from '@platformatic/kafka';
import { CdpError, TransientError } from './errors';
import { chunkByBytes, createKafkaClients, wrapKafkaError, type OutgoingRecord } from './kafka';
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

describe('wrapKafkaError with the producer client\'s errors', () => {
  it('marks network failures, timeouts and retriable broker answers transient, alone or all of one request', () => {
    const retriable = new ProtocolError('NOT_LEADER_OR_FOLLOWER');
    for (const error of [new NetworkError('Connection closed'), new TimeoutError('Request timed out'), retriable, new MultipleErrors('all failed', [new NetworkError('a'), retriable])]) {
      const wrapped = wrapKafkaError(error, 'send to t');
      expect(wrapped).toBeInstanceOf(TransientError);
      expect((wrapped as Error).message).toMatch(/^Kafka send to t failed: /);
    }
  });

  it('passes on what retrying will not fix', () => {
    const fatal = new ProtocolError('MESSAGE_TOO_LARGE');
    const user = new UserError('Failed to serialize a message.');
    for (const error of [fatal, user, new MultipleErrors('mixed', [new NetworkError('a'), fatal]), new Error('plain')]) {
      expect(wrapKafkaError(error, 'send')).toBe(error);
    }
  });
});

describe('the patched kafkajs request queue (patches/kafkajs@2.2.4.patch)', () => {
  // kafkajs 2.2.4 re-armed a timer of negative delay after every check, pending requests or not:
  // a 1 ms loop per broker connection that cost each idle service about 0.1 core here.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: Record<string, unknown>) => {
    pending: unknown[];
    throttledUntil: number;
    throttleCheckTimeoutId: NodeJS.Timeout | null;
    checkPendingRequests(): void;
  };
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const queue = () => new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 1000, enforceRequestTimeout: true, clientId: 't', broker: 'b:1', logger: quiet, isConnected: () => true });

  it('arms no timer when nothing waits', () => {
    const q = queue();
    q.checkPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeNull();
    q.throttledUntil = Date.now() + 60_000;
    q.checkPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeNull();
  });

  it('still checks again for a request that waits out a throttle', () => {
    const q = queue();
    q.throttledUntil = Date.now() + 60_000;
    q.pending.push({ send: () => undefined, correlationId: 1 });
    q.checkPendingRequests();
    expect(q.pending).toHaveLength(1);
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    clearTimeout(q.throttleCheckTimeoutId!);
  });
});
