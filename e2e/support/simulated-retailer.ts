/**
 * What the e2e tests that run the demo's simulated retailer share: the reference data loaded through
 * the loader under the run's prefix (and read for the simulator), and the wait until everything the
 * simulator sent has landed and the pipeline has settled.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouse } from '@cdp/plumbing';
import { REPO_ROOT } from '@cdp/infra/src/paths';
import type { TestPipeline } from '@cdp/infra/src/testing/pipeline';
import { loadDatasetFile, readCatalogueFile } from '@cdp/loader';
import type { SimulationOptions, StoreLayout } from '../../demo/src/simulator';

const data = (file: string) => join(REPO_ROOT, 'infra', 'data', file);

/** Catalogue, store directory and demographics published under `prefix`; the catalogue and stores as the simulator takes them. */
export async function loadReferenceData(prefix: string): Promise<Pick<SimulationOptions, 'catalogue'> & { stores: StoreLayout[] }> {
  for (const [dataset, file] of [['catalogue', data('catalogue.csv')], ['stores', data('stores.json')], ['demographics', data('demographics.csv')]] as const) {
    await loadDatasetFile(dataset, file, { prefix });
  }
  return {
    catalogue: readCatalogueFile(data('catalogue.csv')).map((p) => ({ sku: p.sku, name: p.name, price: (p.priceMinor ?? 0) / 100 })),
    stores: JSON.parse(readFileSync(data('stores.json'), 'utf8')) as StoreLayout[],
  };
}

/** Distinct events landed: clickstream and receipts, Wi-Fi observations, people counts. */
export async function landedCount(ch: ClickHouse): Promise<number> {
  const [row] = await ch.query<{ n: number }>(
    `SELECT (SELECT uniqExact(event_id) FROM events_raw) + (SELECT uniqExact(event_id) FROM store_wifi_observations) + (SELECT uniqExact(event_id) FROM store_people_counts) AS n`,
  );
  return Number(row!.n);
}

/** Waits until `expected` events have landed, then until every consumer group has read to the end. */
export async function untilLanded(ch: ClickHouse, pipeline: TestPipeline, expected: number, timeoutMs = 180_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; (await landedCount(ch)) < expected; await new Promise((r) => setTimeout(r, 500))) {
    if (Date.now() > deadline) throw new Error(`${expected - (await landedCount(ch))} events never landed\naggregation:\n${pipeline.output('aggregation')}`);
  }
  await pipeline.settle();
}
