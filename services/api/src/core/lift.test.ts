import { LiftModel, type LiftInputs } from './lift';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1);

/**
 * 100 baskets. Bread is in 80 and goes with milk no more than with anything (lift 1.0): raw
 * co-occurrence would put it first for every milk buyer. Champagne is rare but goes with caviar
 * (lift 6.67); butter goes a little with milk (1.5).
 */
function grocery(): LiftInputs {
  return {
    baskets: 100,
    items: new Map([
      ['bread', 80],
      ['milk', 50],
      ['butter', 20],
      ['caviar', 10],
      ['champagne', 12],
      ['jam', 2],
    ]),
    pairs: [
      { a: 'bread', b: 'milk', n: 40 },
      { a: 'butter', b: 'milk', n: 15 },
      { a: 'caviar', b: 'champagne', n: 8 },
      { a: 'bread', b: 'butter', n: 16 },
      // Seen together twice only: below the support floor, however high its lift.
      { a: 'jam', b: 'milk', n: 2 },
    ],
    categories: new Map([
      ['bread', 'Bakery'],
      ['milk', 'Dairy'],
      ['butter', 'Dairy'],
      ['caviar', 'Deli'],
      ['champagne', 'Drinks'],
    ]),
    areaBestSellers: new Map([['FI|00100', ['champagne', 'caviar']]]),
  };
}

const params = { minPairSupport: 3, neighbours: 50 };
const bought = (skus: string[], daysAgo = 60) => skus.map((sku) => ({ sku, lastBought: NOW - daysAgo * DAY }));

describe('LiftModel', () => {
  const model = new LiftModel(grocery(), params, NOW);

  it('computes lift as N * n(a,b) / (n(a) * n(b)) and keeps only pairs above 1 with enough support', () => {
    expect(model.neighboursOf('caviar')).toEqual([{ sku: 'champagne', lift: (100 * 8) / (10 * 12), support: 8 }]);
    expect(model.neighboursOf('milk')).toEqual([{ sku: 'butter', lift: (100 * 15) / (50 * 20), support: 15 }]);
    // bread-milk is exactly 1.0, bread-butter 100*16/(80*20) = 1.0, jam-milk below support.
    expect(model.neighboursOf('bread')).toEqual([]);
    expect(model.neighboursOf('jam')).toEqual([]);
  });

  it('ranks by lift where raw popularity would rank by support', () => {
    const recs = model.recommend({ bought: bought(['milk', 'caviar']), favouriteCategories: [], homeArea: '' }, { limit: 3, excludeDays: 30, now: NOW });
    // By popularity among the products not yet bought: bread, butter, champagne.
    expect(model.popular().filter((s) => s !== 'milk' && s !== 'caviar').slice(0, 3)).toEqual(['bread', 'butter', 'champagne']);
    expect(recs.map((r) => [r.sku, r.reason])).toEqual([
      ['champagne', 'bought_together'],
      ['butter', 'bought_together'],
      ['bread', 'best_seller'],
    ]);
    expect(recs[0]!.score).toBeCloseTo(6.667, 3);
    expect(recs[0]!.because).toEqual([{ sku: 'caviar', lift: 6.667, support: 8 }]);
  });

  it('sums lifts over everything the person bought', () => {
    const inputs = grocery();
    // Butter also goes with caviar now: tied to two purchases, it overtakes champagne.
    const withPair = { ...inputs, pairs: [...inputs.pairs, { a: 'butter', b: 'caviar', n: 6 }] };
    const m = new LiftModel(withPair, params, NOW);
    const recs = m.recommend({ bought: bought(['milk', 'caviar']), favouriteCategories: [], homeArea: '' }, { limit: 2, excludeDays: 30, now: NOW });
    expect(recs.map((r) => r.sku)).toEqual(['champagne', 'butter']);
    const butter = recs.find((r) => r.sku === 'butter')!;
    expect(butter.score).toBeCloseTo(1.5 + (100 * 6) / (20 * 10), 3);
  });

  it('leaves out what the person bought in the last excludeDays, but not older purchases', () => {
    const recent = model.recommend({ bought: [...bought(['caviar']), ...bought(['champagne'], 3)], favouriteCategories: [], homeArea: '' }, { limit: 10, excludeDays: 30, now: NOW });
    expect(recent.map((r) => r.sku)).not.toContain('champagne');
    const longAgo = model.recommend({ bought: [...bought(['caviar'], 3), ...bought(['champagne'], 90)], favouriteCategories: [], homeArea: '' }, { limit: 1, excludeDays: 30, now: NOW });
    expect(longAgo[0]!.sku).toBe('champagne');
  });

  it('gives a new customer the best sellers of their favourite categories, then of their home area, then of everyone', () => {
    const recs = model.recommend({ bought: [], favouriteCategories: ['Dairy'], homeArea: 'FI|00100' }, { limit: 5, excludeDays: 30, now: NOW });
    expect(recs.map((r) => [r.sku, r.reason])).toEqual([
      ['milk', 'favourite_category'],
      ['butter', 'favourite_category'],
      ['champagne', 'home_area'],
      ['caviar', 'home_area'],
      ['bread', 'best_seller'],
    ]);
  });

  it('recommends nothing from an empty model', () => {
    const empty = new LiftModel({ baskets: 0, items: new Map(), pairs: [], categories: new Map(), areaBestSellers: new Map() }, params, 0);
    expect(empty.recommend({ bought: bought(['milk']), favouriteCategories: ['Dairy'], homeArea: '' }, { limit: 5, excludeDays: 30, now: NOW })).toEqual([]);
  });
});
