import { javaAndClasspathOf, parseProducerPerfOutput } from './kafka-perf-test';

// What Kafka 4.3's kafka-producer-perf-test printed on this machine (log lines elided).
const OUTPUT = [
  '[2026-12-01 23:09:25,291] INFO Kafka version: 4.3.1 (org.apache.kafka.common.utils.AppInfoParser)',
  '101234 records sent, 20238.8 records/sec (6.54 MB/sec), 812.3 ms avg latency, 1503.0 ms max latency.',
  '200000 records sent, 76103.500761 records/sec (24.60 MB/sec), 476.31 ms avg latency, 747.00 ms max latency, 578 ms 50th, 726 ms 95th, 736 ms 99th, 743 ms 99.9th.',
  '',
].join('\n');

describe('parseProducerPerfOutput', () => {
  it('reads the final summary line, not the progress lines', () => {
    expect(parseProducerPerfOutput(OUTPUT)).toEqual({
      whole: {
        records: 200000,
        recordsPerSecond: 76103.500761,
        mbPerSecond: 24.6,
        avgLatencyMs: 476.31,
        maxLatencyMs: 747,
        p50Ms: 578,
        p95Ms: 726,
        p99Ms: 736,
        p999Ms: 743,
      },
    });
  });

  it('reads the steady-state summary that --warmup-records adds', () => {
    const warm = [
      'Warmup first 50000 records. Steady state results will print after the complete test summary.',
      '500000 records sent, 103863.730785 records/sec (33.48 MB/sec), 680.71 ms avg latency, 1513.00 ms max latency, 592 ms 50th, 1108 ms 95th, 1303 ms 99th, 1451 ms 99.9th.',
      '450000 steady state records sent, 115118.956255 records/sec (37.11 MB/sec), 719.27 ms avg latency, 1513.00 ms max latency, 631 ms 50th, 1113 ms 95th, 1311 ms 99th, 1452 ms 99.9th.',
    ].join('\n');
    const parsed = parseProducerPerfOutput(warm)!;
    expect(parsed.whole).toMatchObject({ records: 500000, recordsPerSecond: 103863.730785, p99Ms: 1303 });
    expect(parsed.steadyState).toEqual({ records: 450000, recordsPerSecond: 115118.956255, mbPerSecond: 37.11, avgLatencyMs: 719.27, maxLatencyMs: 1513, p50Ms: 631, p95Ms: 1113, p99Ms: 1311, p999Ms: 1452 });
  });

  it('is undefined when the tool printed no summary (it failed)', () => {
    expect(parseProducerPerfOutput('ERROR Topic not found\n1000 records sent, 1.0 records/sec (0.00 MB/sec), 1.0 ms avg latency, 1.0 ms max latency.\n')).toBeUndefined();
  });
});

describe('javaAndClasspathOf', () => {
  it('finds the program and the classpath of a JVM command line', () => {
    expect(javaAndClasspathOf(['java', '-Xmx1g', '-cp', '/a.jar:/b.jar', '-Dx=y', 'kafka.Kafka', 'server.properties'])).toEqual({ java: 'java', classpath: '/a.jar:/b.jar' });
    expect(javaAndClasspathOf(['/usr/bin/java', '-classpath', '/c.jar', 'Main'])).toEqual({ java: '/usr/bin/java', classpath: '/c.jar' });
  });

  it('is undefined without a classpath', () => {
    expect(javaAndClasspathOf(['java', '-jar', 'quarkus-run.jar'])).toBeUndefined();
    expect(javaAndClasspathOf(['java', '-cp'])).toBeUndefined();
  });
});
