import { compactCount, formatLagSeries, LagSampler, pickColumns, pipelineStages, type LagSample, type LagSeries } from './lag';

const samples = (n: number): LagSample[] => Array.from({ length: n }, (_, i) => ({ t: i, lags: [i * 100, null] }));

describe('pipelineStages', () => {
  it('names every consumer group of the pipeline with its prefixed input topics', () => {
    const stages = pipelineStages('run1.', { identity: 'identity-x', enrichment: 'enrichment-x', aggregation: 'aggregation-x' });
    expect(stages.map((s) => s.group)).toEqual(['identity-x', 'identity-x-graph', 'enrichment-x', 'aggregation-x', 'aggregation-x-signals']);
    expect(stages[0]!.topics).toContain('run1.web.segment-events.v1');
    expect(stages[1]!.topics).toEqual(['run1.identity.links.v1']);
    expect(stages[4]!.topics).toEqual(['run1.enrichment.enriched-events.v1']);
    expect(stages.every((s) => s.topics.every((t) => t.startsWith('run1.')))).toBe(true);
  });
});

describe('compactCount', () => {
  it('keeps lags narrow', () => {
    expect(compactCount(0)).toBe('0');
    expect(compactCount(999)).toBe('999');
    expect(compactCount(12_345)).toBe('12.3k');
    expect(compactCount(456_789)).toBe('457k');
    expect(compactCount(1_250_000)).toBe('1.3M');
    expect(compactCount(null)).toBe('?');
  });
});

describe('pickColumns', () => {
  it('keeps every sample when they fit', () => {
    expect(pickColumns(samples(5), 12)).toHaveLength(5);
  });

  it('takes every k-th sample from the first and always the last', () => {
    const picked = pickColumns(samples(30), 12);
    expect(picked.length).toBeLessThanOrEqual(13);
    expect(picked[0]!.t).toBe(0);
    expect(picked[1]!.t).toBe(3);
    expect(picked[picked.length - 1]!.t).toBe(29);
  });

  it('shows a second once: the last sample replaces a picked one of the same second', () => {
    // The final sample at stop() comes a moment after the periodic one of the same second.
    const s = [...samples(21), { t: 20.4, lags: [1, 1] }];
    const picked = pickColumns(s, 12);
    expect(picked.map((x) => Math.round(x.t))).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect(picked[picked.length - 1]!.t).toBe(20.4);
  });
});

describe('formatLagSeries', () => {
  it('prints one line per stage with its lag at the picked seconds and its peak', () => {
    const series: LagSeries = { intervalMs: 1000, stages: [{ stage: 'enrichment', group: 'e' }, { stage: 'aggregation', group: 'a' }], samples: samples(4) };
    expect(formatLagSeries(series, { indent: 0 }).split('\n')).toEqual([
      'lag (records) at second 0   1   2   3 peak',
      '----------------------- - --- --- --- ----',
      'enrichment              0 100 200 300  300',
      'aggregation             ?   ?   ?   ?    ?',
    ]);
  });

  it('says when there is no sample', () => {
    expect(formatLagSeries({ intervalMs: 1000, stages: [], samples: [] })).toMatch(/no lag sample/);
  });
});

describe('LagSampler', () => {
  it('sums each stage over its topics, records a failed request as null, and samples once more at the end', async () => {
    const admin = {
      groupLag: jest.fn(async (group: string, topic: string) => {
        if (group === 'bad') throw new Error('coordinator loading');
        return topic === 't1' ? 5 : 7;
      }),
    };
    const sampler = new LagSampler(admin, [{ stage: 's', group: 'g', topics: ['t1', 't2'] }, { stage: 'b', group: 'bad', topics: ['t1'] }], 60_000);
    sampler.start();
    const series = await sampler.stop();
    expect(series.samples.length).toBe(2);
    expect(series.samples.every((s) => s.lags[0] === 12 && s.lags[1] === null)).toBe(true);
    expect(series.stages).toEqual([{ stage: 's', group: 'g' }, { stage: 'b', group: 'bad' }]);
  });

  it('records a stage that does not answer within two intervals as null and goes on', async () => {
    const admin = { groupLag: jest.fn((group: string) => (group === 'slow' ? new Promise<number>(() => undefined) : Promise.resolve(3))) };
    const sampler = new LagSampler(admin, [{ stage: 'fast', group: 'g', topics: ['t'] }, { stage: 'slow', group: 'slow', topics: ['t'] }], 20);
    sampler.start();
    await new Promise((r) => setTimeout(r, 150));
    const series = await sampler.stop();
    expect(series.samples.length).toBeGreaterThanOrEqual(2);
    expect(series.samples.every((s) => s.lags[0] === 3 && s.lags[1] === null)).toBe(true);
  });
});
