/**
 * Recommendations by lift: "people who bought A bought B more often than people in general do".
 *
 * A basket is everything one person (the survivor: online orders and store receipts alike) bought
 * in the model's window. With N baskets, n(a) baskets holding a and n(a,b) holding both:
 *
 *   lift(a, b) = P(b | a) / P(b) = N * n(a,b) / (n(a) * n(b))
 *
 * Raw co-occurrence would make the best seller everyone's top item ("80 % of milk buyers also
 * bought bread", when 80 % of everyone buys bread: lift 1). Only pairs seen together in at least
 * minPairSupport baskets count (lift of rare pairs is noise), and only lift above 1 (a positive
 * association). A person's candidates are scored by the sum of their lifts with everything the
 * person bought, so a product tied to several of their purchases ranks higher; what they bought
 * in the last excludeDays is left out. When that gives fewer than asked, the rest comes from the
 * best sellers of their favourite categories, then of their home area, then of everyone, in that
 * order: a new customer gets those only.
 */

export interface LiftInputs {
  /** Baskets in the window (persons with a purchase). */
  baskets: number;
  /** sku -> baskets holding it. */
  items: ReadonlyMap<string, number>;
  /** Unordered pairs held together by at least minPairSupport baskets. */
  pairs: readonly { a: string; b: string; n: number }[];
  /** sku -> its catalogue category ('' when not in the catalogue). */
  categories: ReadonlyMap<string, string>;
  /** 'country|postal code' -> skus by baskets in that area, best first. */
  areaBestSellers: ReadonlyMap<string, readonly string[]>;
}

export interface LiftParams {
  minPairSupport: number;
  /** Neighbours kept per product, highest lift first. */
  neighbours: number;
}

export interface Neighbour {
  sku: string;
  lift: number;
  /** Baskets holding both. */
  support: number;
}

export type RecommendationReason = 'bought_together' | 'favourite_category' | 'home_area' | 'best_seller';

export interface Recommendation {
  sku: string;
  reason: RecommendationReason;
  /** Sum of lifts for bought_together; the product's baskets for the best-seller lists. */
  score: number;
  /** bought_together: the person's purchases that lift it most. */
  because?: { sku: string; lift: number; support: number }[];
}

export interface PersonPurchases {
  /** What the survivor and its merged persons bought, with the last time. */
  bought: readonly { sku: string; lastBought: number }[];
  /** Categories the person viewed, carted or bought most, first the most. */
  favouriteCategories: readonly string[];
  /** 'country|postal code' of the person's home, or ''. */
  homeArea: string;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export class LiftModel {
  private readonly neighbours = new Map<string, Neighbour[]>();
  private readonly bestSellers: string[];
  private readonly categoryBestSellers = new Map<string, string[]>();

  constructor(
    private readonly inputs: LiftInputs,
    readonly params: LiftParams,
    /** When the inputs were read, epoch ms. */
    readonly builtAt: number,
  ) {
    for (const { a, b, n } of inputs.pairs) {
      if (n < params.minPairSupport) continue;
      const lift = (inputs.baskets * n) / ((inputs.items.get(a) ?? n) * (inputs.items.get(b) ?? n));
      if (!(lift > 1)) continue;
      this.neighbourList(a).push({ sku: b, lift, support: n });
      this.neighbourList(b).push({ sku: a, lift, support: n });
    }
    for (const [sku, list] of this.neighbours) {
      list.sort((x, y) => y.lift - x.lift || y.support - x.support || (x.sku < y.sku ? -1 : 1));
      this.neighbours.set(sku, list.slice(0, params.neighbours));
    }
    this.bestSellers = [...inputs.items].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).map(([sku]) => sku);
    for (const sku of this.bestSellers) {
      const category = inputs.categories.get(sku) ?? '';
      if (category === '') continue;
      let list = this.categoryBestSellers.get(category);
      if (!list) this.categoryBestSellers.set(category, (list = []));
      list.push(sku);
    }
  }

  get size(): { baskets: number; products: number; productsWithNeighbours: number } {
    return { baskets: this.inputs.baskets, products: this.inputs.items.size, productsWithNeighbours: this.neighbours.size };
  }

  neighboursOf(sku: string): readonly Neighbour[] {
    return this.neighbours.get(sku) ?? [];
  }

  /** Products by baskets holding them, best first: what raw popularity would recommend. */
  popular(): readonly string[] {
    return this.bestSellers;
  }

  recommend(person: PersonPurchases, { limit, excludeDays, now }: { limit: number; excludeDays: number; now: number }): Recommendation[] {
    const excludedSince = now - excludeDays * 86_400_000;
    const excluded = new Set(person.bought.filter((b) => b.lastBought >= excludedSince).map((b) => b.sku));
    const scored = new Map<string, { score: number; because: Neighbour[] }>();
    for (const { sku: anchor } of person.bought) {
      for (const n of this.neighboursOf(anchor)) {
        if (excluded.has(n.sku)) continue;
        let s = scored.get(n.sku);
        if (!s) scored.set(n.sku, (s = { score: 0, because: [] }));
        s.score += n.lift;
        s.because.push({ sku: anchor, lift: n.lift, support: n.support });
      }
    }
    const out: Recommendation[] = [...scored]
      .sort((x, y) => y[1].score - x[1].score || (x[0] < y[0] ? -1 : 1))
      .slice(0, limit)
      .map(([sku, s]) => ({
        sku,
        reason: 'bought_together' as const,
        score: round(s.score),
        because: s.because.sort((x, y) => y.lift - x.lift).slice(0, 3).map((b) => ({ sku: b.sku, lift: round(b.lift), support: b.support })),
      }));
    const taken = new Set(out.map((r) => r.sku));
    const fill = (skus: readonly string[] | undefined, reason: RecommendationReason) => {
      for (const sku of skus ?? []) {
        if (out.length >= limit) return;
        if (taken.has(sku) || excluded.has(sku)) continue;
        taken.add(sku);
        out.push({ sku, reason, score: this.inputs.items.get(sku) ?? 0 });
      }
    };
    for (const category of person.favouriteCategories) fill(this.categoryBestSellers.get(category), 'favourite_category');
    if (person.homeArea !== '') fill(this.inputs.areaBestSellers.get(person.homeArea), 'home_area');
    fill(this.bestSellers, 'best_seller');
    return out;
  }

  private neighbourList(sku: string): Neighbour[] {
    let list = this.neighbours.get(sku);
    if (!list) this.neighbours.set(sku, (list = []));
    return list;
  }
}
