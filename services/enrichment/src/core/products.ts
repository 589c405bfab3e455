/**
 * The product catalogue as an in-memory table fed by the compacted topic, and the skus an event
 * mentions. A sku the catalogue does not know still yields a ProductInfo (found=false): missing
 * reference data never drops an event.
 */
import type { CdpEnrichment, CdpReference, CdpStore, CdpWeb } from '@cdp/plumbing';

export class Catalogue {
  private readonly products = new Map<string, CdpReference.Product>();

  upsert(product: CdpReference.Product): void {
    this.products.set(product.sku, product);
  }

  remove(sku: string): void {
    this.products.delete(sku);
  }

  get size(): number {
    return this.products.size;
  }

  lookup(sku: string): CdpEnrichment.ProductInfo {
    const p = this.products.get(sku);
    if (!p) return { sku, found: false, name: null, category: null, brand: null, priceMinor: null, source: null };
    return { sku, found: true, name: p.name, category: p.category, brand: p.brand, priceMinor: p.priceMinor, source: `${p.sourceName}@${p.sourceVersion}` };
  }
}

const skuOf = (item: unknown): string | null => {
  if (!item || typeof item !== 'object') return null;
  const o = item as Record<string, unknown>;
  const v = o.sku ?? o.product_id ?? o.productId;
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null;
};

/** Skus in Segment e-commerce properties (sku / product_id, or a products array) or on receipt lines. */
export function skusOf(event: { 'cdp.web.SegmentEvent': CdpWeb.SegmentEvent } | { 'cdp.store.PosTransaction': CdpStore.PosTransaction } | { 'cdp.store.BeaconSighting': CdpStore.BeaconSighting }): string[] {
  const skus = new Set<string>();
  if ('cdp.store.PosTransaction' in event) {
    for (const line of event['cdp.store.PosTransaction'].lines) skus.add(line.sku);
  } else if ('cdp.web.SegmentEvent' in event) {
    const json = event['cdp.web.SegmentEvent'].properties;
    if (json) {
      try {
        const props = JSON.parse(json) as Record<string, unknown>;
        const single = skuOf(props);
        if (single) skus.add(single);
        if (Array.isArray(props.products)) for (const p of props.products) {
          const s = skuOf(p);
          if (s) skus.add(s);
        }
      } catch {
        // properties are written by ingest as JSON; nothing to read otherwise.
      }
    }
  }
  return [...skus];
}
