/**
 * Consumer lag over time: every consumer group of the pipeline sampled about once a second
 * (records written to its input topics and not yet committed by the group), one series per
 * stage, and a compact text rendering of them.
 */
import { topicsWithPrefix, type TopicAdmin } from '@cdp/plumbing';
import { formatTable } from './report-format';

export interface LagStage {
  /** How the report names the stage. */
  stage: string;
  group: string;
  topics: string[];
}

/**
 * The pipeline's consumer groups and the topics each reads on the events' way (not the
 * reference tables, which are quiet under a benchmark). `groups` are the base group ids the
 * services are given (IDENTITY_GROUP_ID, ENRICHMENT_GROUP_ID, AGGREGATION_GROUP_ID); the graph
 * writer's group is identity's with `-graph`, the signals processor's aggregation's with `-signals`.
 */
export function pipelineStages(prefix: string, groups: { identity: string; enrichment: string; aggregation: string }): LagStage[] {
  const t = topicsWithPrefix(prefix);
  return [
    { stage: 'identity (stitchers)', group: groups.identity, topics: [t.webEvents, t.posTransactions, t.beaconSightings, t.wifiObservations].map((x) => x.name) },
    { stage: 'identity (graph writer)', group: `${groups.identity}-graph`, topics: [t.identityLinks.name] },
    { stage: 'enrichment', group: groups.enrichment, topics: [t.resolvedEvents, t.peopleCounts].map((x) => x.name) },
    // The sink also lands aggregation.signals.v1, which the benchmark's traffic never fills (and
    // whose transaction markers a reader's committed offset may stay one short of): left out.
    { stage: 'aggregation (ClickHouse sink)', group: groups.aggregation, topics: [t.enrichedEvents, t.identifierAssignments, t.personMerges, t.identityConflicts, t.identityHistory].map((x) => x.name) },
    { stage: 'aggregation (signals)', group: `${groups.aggregation}-signals`, topics: [t.enrichedEvents.name] },
  ];
}

export interface LagSample {
  /** Seconds since the sampler started. */
  t: number;
  /** Lag per stage, in the order of `stages`; null when the admin request failed. */
  lags: (number | null)[];
}

export interface LagSeries {
  intervalMs: number;
  stages: { stage: string; group: string }[];
  samples: LagSample[];
}

/**
 * Samples every stage's lag every intervalMs until stopped. A sample still in flight when the next
 * is due (a slow broker) makes the next wait, so samples never pile up; a stage whose answer takes
 * longer than two intervals is recorded as null ("?") and the series goes on.
 */
export class LagSampler {
  private samples: LagSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private started = 0;

  constructor(
    private readonly admin: Pick<TopicAdmin, 'groupLag'>,
    private readonly stages: readonly LagStage[],
    private readonly intervalMs = 1000,
  ) {}

  /** A stage's lag, or null when the broker did not answer within twice the interval (a busy broker, a rebalance). */
  private async lagOf(stage: LagStage): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), 2 * this.intervalMs);
    });
    const lag = Promise.all(stage.topics.map((topic) => this.admin.groupLag(stage.group, topic))).then(
      (lags) => lags.reduce((a, b) => a + b, 0),
      () => null,
    );
    try {
      return await Promise.race([lag, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private sample(): void {
    if (this.inFlight) return;
    const t = (Date.now() - this.started) / 1000;
    this.inFlight = Promise.all(this.stages.map((s) => this.lagOf(s)))
      .then((lags) => {
        this.samples.push({ t: Math.round(t * 10) / 10, lags });
      })
      .finally(() => {
        this.inFlight = undefined;
      });
  }

  start(): void {
    this.started = Date.now();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  /** The latest lag per stage (undefined before the first sample). */
  latest(): LagSample | undefined {
    return this.samples[this.samples.length - 1];
  }

  async stop(): Promise<LagSeries> {
    if (this.timer) clearInterval(this.timer);
    await this.inFlight;
    // One last sample: the lag at the end of the window.
    this.sample();
    await this.inFlight;
    return { intervalMs: this.intervalMs, stages: this.stages.map(({ stage, group }) => ({ stage, group })), samples: this.samples };
  }
}

/** 950, 12.3k, 1.2M: a lag in a narrow column. */
export function compactCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '?';
  if (n < 1000) return String(Math.round(n));
  if (n < 100_000) return `${(n / 1000).toFixed(1)}k`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/**
 * The samples at most `columns` wide: every k-th sample from the first, and always the last (the
 * lag where the window ended).
 */
export function pickColumns(samples: readonly LagSample[], columns: number): LagSample[] {
  if (samples.length <= columns) return [...samples];
  const step = Math.ceil((samples.length - 1) / (columns - 1));
  const picked = samples.filter((_, i) => i % step === 0);
  const last = samples[samples.length - 1]!;
  if (picked[picked.length - 1] !== last) {
    // Two columns would show the same second: the last sample takes the place of the one before.
    if (Math.round(picked[picked.length - 1]!.t) === Math.round(last.t)) picked.pop();
    picked.push(last);
  }
  return picked;
}

/** One line per stage: its lag at each picked time, and its peak over all samples. */
export function formatLagSeries(series: LagSeries, { columns = 12, indent = 2 }: { columns?: number; indent?: number } = {}): string {
  if (series.samples.length === 0) return `${' '.repeat(indent)}(no lag sample)`;
  const picked = pickColumns(series.samples, columns);
  const header = ['lag (records) at second', ...picked.map((s) => `${Math.round(s.t)}`), 'peak'];
  const rows = series.stages.map((st, i) => {
    const values = series.samples.map((s) => s.lags[i]).filter((v): v is number => typeof v === 'number');
    return [st.stage, ...picked.map((s) => compactCount(s.lags[i])), compactCount(values.length ? Math.max(...values) : null)];
  });
  return formatTable([header, ...rows], { indent, gap: 1 });
}
