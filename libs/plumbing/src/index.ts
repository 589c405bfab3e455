export * from './errors';
export * from './config';
export * from './logger';
export * from './metrics';
export * from './shutdown';
export * from './schemas';
export * from './topics';
export * from './kafka';
export * from './avro';
export * from './clickhouse';
export * from './migrations';
export * from './generated/avro-types';
export * from './batching-producer';
export * from './outcome';
// One version of these for every package: services use them through the plumbing.
export { z } from 'zod';
export { Counter, Gauge, Histogram, type Registry } from 'prom-client';
export * from './stream-processor';
