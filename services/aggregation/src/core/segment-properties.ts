/** Segment properties as aggregation reads them: the JSON text, money and the products of ecommerce events. Pure. */

/** The properties object; anything else (absent, not JSON, not an object) reads as empty. */
export function parseProperties(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Major-unit amounts (59.8, or "59.8") into minor units, exactly; null when not a number. */
export const minorOf = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 100) : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Math.round(Number(v) * 100) : null;

export interface ProductLine {
  sku: string;
  /** As sent; undefined when the event did not say. */
  quantity: number | undefined;
  unitPriceMinor: number;
}

/** The products of Segment's ecommerce events: `products: [...]`, or the properties themselves (sku or product_id). */
export function productLines(props: Record<string, unknown>): ProductLine[] {
  const items = Array.isArray(props.products) ? props.products : props.sku || props.product_id ? [props] : [];
  return items.flatMap((item): ProductLine[] => {
    if (!item || typeof item !== 'object') return [];
    const o = item as Record<string, unknown>;
    const sku = String(o.sku ?? o.product_id ?? '');
    if (!sku) return [];
    return [{ sku, quantity: typeof o.quantity === 'number' && Number.isFinite(o.quantity) ? o.quantity : undefined, unitPriceMinor: minorOf(o.price) ?? 0 }];
  });
}
