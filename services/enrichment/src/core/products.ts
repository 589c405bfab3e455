/**
 * The product catalogue as an in-memory table fed by the compacted topic (key tenant|sku), and
 * the skus an event mentions. A sku the catalogue does not know still yields a ProductInfo
 * (found=false): missing reference data never drops an event.
 */
import type { CdpEnrichment, CdpReference, CdpStore, CdpWeb } from '@cdp/plumbing';

export const productKey = (tenant: string, sku: string): string => `${tenant}|${sku}`;

export class Catalogue {
  private readonly products = new Map<string, CdpEnrichment.ProductInfo>();

  upsert(p: CdpReference.Product): void {
    // Stored as the answer itself: a lookup on the hot path allocates nothing.
    this.products.set(productKey(p.tenant, p.sku), {
      sku: p.sku, found: true, name: p.name, category: p.category, brand: p.brand, priceMinor: p.priceMinor,
      source: `${p.sourceName}@${p.sourceVersion}`, categoryPath: p.categoryPath, marginRate: p.marginRate,
    });
  }

  /** Removes by topic key (tenant|sku), as a tombstone names it. */
  remove(key: string): void {
    this.products.delete(key);
  }

  get size(): number {
    return this.products.size;
  }

  lookup(tenant: string, sku: string): CdpEnrichment.ProductInfo {
    return this.products.get(productKey(tenant, sku)) ?? { sku, found: false, name: null, category: null, brand: null, priceMinor: null, source: null, categoryPath: [], marginRate: null };
  }
}

const skuOf = (item: unknown): string | null => {
  if (!item || typeof item !== 'object') return null;
  const o = item as Record<string, unknown>;
  const v = o.sku ?? o.product_id ?? o.productId;
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null;
};

/** Skus in Segment e-commerce properties (sku / product_id, or a products array) or on receipt lines. */
export function skusOf(event: { 'cdp.web.SegmentEvent'?: CdpWeb.SegmentEvent; 'cdp.store.PosTransaction'?: CdpStore.PosTransaction }): string[] {
  const receipt = event['cdp.store.PosTransaction'];
  if (receipt) return [...new Set(receipt.lines.map((l) => l.sku))];
  const json = event['cdp.web.SegmentEvent']?.properties;
  // Most web events mention no product: skip the parse when no key can be there.
  if (!json || !(json.includes('sku') || json.includes('roduct'))) return [];
  const skus = new Set<string>();
  try {
    const props = JSON.parse(json) as Record<string, unknown>;
    const single = skuOf(props);
    if (single) skus.add(single);
    if (Array.isArray(props.products)) {
      for (const p of props.products) {
        const s = skuOf(p);
        if (s) skus.add(s);
      }
    }
  } catch {
    // properties are written by ingest as JSON; nothing to read otherwise.
  }
  return [...skus];
}
