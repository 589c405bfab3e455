/**
 * The lift model of each tenant, rebuilt from ClickHouse in the background: at start, every
 * API_RECOMMENDATION_REFRESH_SECONDS, and sooner when there was nothing to build from or the
 * purchases have doubled since (looked at every GROWTH_CHECK_MS, at most once a minute: a new
 * shop's first purchases do not wait for the next refresh, and a busy one is not rebuilt over and
 * over while it grows). The model is the population's; a person's own purchases are read live with each
 * request, so what they bought a moment ago is already excluded.
 */
import type { Logger } from '@cdp/plumbing';
import { LiftModel, type LiftParams } from '../core/lift';
import type { ClickHouseReads } from './clickhouse-reads';

export interface ModelParams extends LiftParams {
  windowDays: number;
  maxBasket: number;
  areaBestSellers: number;
}

const GROWTH_CHECK_MS = 15_000;
const GROWTH = 2;
const MIN_GROWTH_REBUILD_MS = 60_000;

const EMPTY = (params: LiftParams) => new LiftModel({ baskets: 0, items: new Map(), pairs: [], categories: new Map(), areaBestSellers: new Map() }, params, 0);

export class Recommender {
  private readonly models = new Map<string, LiftModel>();
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private running: Promise<void> | undefined;
  /** Purchase rows (person_products) when the models were last built, and when. */
  private builtFrom = 0;
  private builtAt = 0;

  constructor(
    private readonly reads: ClickHouseReads,
    readonly params: ModelParams,
    private readonly logger: Logger,
  ) {}

  modelOf(tenant: string): LiftModel {
    return this.models.get(tenant) ?? EMPTY(this.params);
  }

  /** Rebuilds every tenant's model; one rebuild at a time. */
  refresh(): Promise<void> {
    this.running ??= this.rebuild().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Refreshes now, then every intervalMs; a failed rebuild keeps the previous model and is logged. */
  async start(intervalMs: number): Promise<void> {
    await this.refresh().catch((error: unknown) => this.logger.error({ err: error }, 'recommendation model not built; recommendations fall back to best sellers until it is'));
    if (this.stopped) return;
    const rebuild = () => this.refresh().catch((error: unknown) => this.logger.error({ err: error }, 'recommendation model rebuild failed; keeping the previous one'));
    this.timers.push(setInterval(rebuild, intervalMs));
    this.timers.push(
      setInterval(() => {
        this.reads
          .purchaseRows()
          .then((rows) => (rows > 0 && rows >= this.builtFrom * GROWTH && Date.now() - this.builtAt >= (this.builtFrom === 0 ? 0 : MIN_GROWTH_REBUILD_MS) ? rebuild() : undefined))
          .catch((error: unknown) => this.logger.warn({ err: error }, 'could not look at the purchases for the recommendation model'));
      }, GROWTH_CHECK_MS),
    );
    for (const t of this.timers) t.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.running?.catch(() => undefined);
  }

  private async rebuild(): Promise<void> {
    this.builtFrom = await this.reads.purchaseRows();
    this.builtAt = Date.now();
    for (const tenant of await this.reads.tenantsWithPurchases()) {
      const started = Date.now();
      const inputs = await this.reads.liftInputs(tenant, this.params);
      const model = new LiftModel(inputs, this.params, started);
      this.models.set(tenant, model);
      this.logger.info({ tenant, ...model.size, pairs: inputs.pairs.length, ms: Date.now() - started }, 'recommendation model built');
    }
  }
}
