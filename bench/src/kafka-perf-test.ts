/**
 * The machine's ceiling that no client choice moves: Kafka's own producer benchmark
 * (`kafka-producer-perf-test.sh`, the class org.apache.kafka.tools.ProducerPerformance in
 * kafka-tools) against a temporary topic on the running broker, acks=all (idempotent, Kafka's
 * default), run with the broker's own Java and jars (the stack has no distribution folder with
 * bin/*.sh: its broker runs from Maven's jars, and kafka-tools is among them).
 */
import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import type { TopicAdmin } from '@cdp/plumbing';

export interface ProducerPerfSummary {
  records: number;
  recordsPerSecond: number;
  /** MiB/s, as the tool prints it ("MB/sec"). */
  mbPerSecond: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
}

export interface ProducerPerfOutput {
  /** Every record, the JVM's warm-up included. */
  whole: ProducerPerfSummary;
  /** After --warmup-records (the tool's "steady state" line), when it was asked for. */
  steadyState?: ProducerPerfSummary;
}

export interface ProducerPerfResult extends ProducerPerfOutput {
  warmupRecords: number;
  recordSize: number;
  partitions: number;
  /** Wall time of the whole tool, JVM start included. */
  wallSeconds: number;
  command: string;
}

const SUMMARY =
  /^(\d+) (steady state )?records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, ([\d.]+) ms 50th, ([\d.]+) ms 95th, ([\d.]+) ms 99th, ([\d.]+) ms 99\.9th\.?\s*$/;

/**
 * The summary lines of the tool's output (the ones with percentiles; the progress lines it
 * prints every 5 s have none): the whole run's and, with --warmup-records, the steady state's
 * ("450000 steady state records sent, ..."). Undefined when there is no summary (the tool failed).
 */
export function parseProducerPerfOutput(stdout: string): ProducerPerfOutput | undefined {
  let whole: ProducerPerfSummary | undefined;
  let steadyState: ProducerPerfSummary | undefined;
  for (const line of stdout.split('\n')) {
    const m = SUMMARY.exec(line.trim());
    if (!m) continue;
    const n = [m[1], ...m.slice(3)].map(Number) as [number, number, number, number, number, number, number, number, number];
    const summary = { records: n[0], recordsPerSecond: n[1], mbPerSecond: n[2], avgLatencyMs: n[3], maxLatencyMs: n[4], p50Ms: n[5], p95Ms: n[6], p99Ms: n[7], p999Ms: n[8] };
    if (m[2]) steadyState = summary;
    else whole = summary;
  }
  return whole ? { whole, ...(steadyState ? { steadyState } : {}) } : undefined;
}

/** The Java program and classpath from a JVM's argv (`java ... -cp A:B ... kafka.Kafka props`). */
export function javaAndClasspathOf(argv: readonly string[]): { java: string; classpath: string } | undefined {
  const i = argv.findIndex((a) => a === '-cp' || a === '-classpath' || a === '--class-path');
  if (i < 0 || !argv[i + 1] || !argv[0]) return undefined;
  return { java: argv[0], classpath: argv[i + 1]! };
}

/** The broker's own Java (its executable, resolved through /proc) and classpath. */
export function kafkaToolsOfBroker(brokerPid: number): { java: string; classpath: string } {
  const argv = readFileSync(`/proc/${brokerPid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  const found = javaAndClasspathOf(argv);
  if (!found) throw new Error(`the Kafka broker (pid ${brokerPid}) has no -cp on its command line`);
  let java = found.java;
  try {
    java = readlinkSync(`/proc/${brokerPid}/exe`);
  } catch {
    // not ours to read: the name on its command line, through PATH
  }
  return { java, classpath: found.classpath };
}

/**
 * Runs the producer benchmark: `records` records of `recordSize` random bytes, as fast as the
 * broker takes them, to a fresh topic of `partitions` partitions that is deleted afterwards; the
 * first `warmupRecords` (the JVM's warm-up) are left out of the steady-state summary.
 */
export async function runProducerPerfTest({
  java,
  classpath,
  admin,
  bootstrap = '127.0.0.1:9092',
  topic,
  records,
  recordSize,
  partitions = 4,
  warmupRecords = 0,
  timeoutMs = 300_000,
}: {
  java: string;
  classpath: string;
  admin: Pick<TopicAdmin, 'createTopics' | 'deleteTopics'>;
  bootstrap?: string;
  topic: string;
  records: number;
  recordSize: number;
  partitions?: number;
  warmupRecords?: number;
  timeoutMs?: number;
}): Promise<ProducerPerfResult> {
  await admin.createTopics([{ name: topic, partitions, cleanupPolicy: 'delete', valueType: 'bytes', key: 'none', doc: 'kafka-producer-perf-test' }]);
  const args = [
    '-Xmx512m',
    // Without a log4j2 file the client logs errors only: its config dump would drown the summary.
    '-cp',
    classpath,
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic', topic,
    '--num-records', String(records),
    '--record-size', String(recordSize),
    '--throughput', '-1',
    '--bootstrap-server', bootstrap,
    '--command-property', 'acks=all',
    ...(warmupRecords > 0 ? ['--warmup-records', String(warmupRecords)] : []),
  ];
  const command = `kafka-producer-perf-test --topic ${topic} --num-records ${records} --record-size ${recordSize} --throughput -1 --command-property acks=all${warmupRecords > 0 ? ` --warmup-records ${warmupRecords}` : ''}`;
  const started = Date.now();
  try {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(java, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-8000)));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('error', reject);
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
    const summary = parseProducerPerfOutput(stdout);
    if (code !== 0 || !summary) throw new Error(`kafka-producer-perf-test ended with ${code}:\n${`${stdout}\n${stderr}`.trim().split('\n').slice(-15).join('\n')}`);
    return { ...summary, warmupRecords, recordSize, partitions, wallSeconds: (Date.now() - started) / 1000, command };
  } finally {
    await admin.deleteTopics([topic]).catch(() => undefined);
  }
}
