/**
 * The closed set of what can become of one input: it goes on, or it is rejected with a code
 * and lands in the dead-letter topic with its original bytes. Nothing else, so nothing is lost
 * without a trace. Infrastructure faults are not outcomes: they throw and the batch is re-read.
 */
import { Counter, type Registry } from 'prom-client';
import type { AvroCodec } from './avro';
import type { AvroSchema } from './schemas';
import type { CdpOps } from './generated/avro-types';
import type { IncomingRecord, OutgoingRecord } from './kafka';

export interface Rejection {
  /** area.snake_reason, e.g. identity.no_identifier */
  code: string;
  /** The step that decided, e.g. extractIdentifiers. */
  step: string;
  message: string;
}

export type Outcome<T> = { kind: 'ok'; value: T } | { kind: 'rejected'; rejection: Rejection };

export const ok = <T>(value: T): Outcome<T> => ({ kind: 'ok', value });
export const rejected = (code: string, step: string, message: string): Outcome<never> => ({ kind: 'rejected', rejection: { code, step, message } });

const MAX_MESSAGE = 1000;

/** A dead letter's reason, cut to what the schema promises (1000 characters). */
export const deadLetterMessage = (message: string): string => (message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message);

/** The dead-letter record for an input: original bytes, where it came from, and why. */
export function deadLetterOf(record: IncomingRecord, service: string, rejection: Rejection, now = Date.now()): CdpOps.DeadLetter {
  return {
    originalTopic: record.topic,
    originalPartition: record.partition,
    originalOffset: Number(record.offset),
    originalKey: record.key,
    originalValue: record.value,
    service,
    step: rejection.step,
    code: rejection.code,
    message: deadLetterMessage(rejection.message),
    failedAt: now,
    originalFormat: 'kafka-record',
  };
}

export function encodeDeadLetter(codec: AvroCodec, schemaId: number, letter: CdpOps.DeadLetter): OutgoingRecord {
  return { key: letter.originalKey, value: codec.encode(schemaId, letter), headers: { 'cdp-rejection-code': letter.code } };
}

/** cdp_records_total{topic, outcome, code}: every input counted by what became of it. */
export function createOutcomeCounter(registry: Registry): Counter<'topic' | 'outcome' | 'code'> {
  // Several processors in one process (identity's stitcher and graph writer) share the metric;
  // its topic label tells them apart.
  const existing = registry.getSingleMetric('cdp_records_total');
  if (existing) return existing as Counter<'topic' | 'outcome' | 'code'>;
  return new Counter({
    name: 'cdp_records_total',
    help: 'Input records by topic and outcome (ok, rejected) and rejection code',
    labelNames: ['topic', 'outcome', 'code'],
    registers: [registry],
  });
}

/**
 * One record's value, read with its topic's reader schema. Bytes that are not a valid record
 * become a rejection (they belong in the dead-letter topic); an unreachable registry throws a
 * retriable error, so the batch is read again.
 */
export async function decodeRecord(codec: AvroCodec, record: IncomingRecord, reader: AvroSchema | undefined): Promise<Outcome<unknown>> {
  try {
    return ok(codec.decodeCached(record.value!, reader) ?? (await codec.decode(record.value!, reader)));
  } catch (error) {
    if ((error as { retriable?: boolean }).retriable) throw error;
    return rejected('decode.invalid_record', 'decode', (error as Error).message);
  }
}
