/**
 * A bounded cache for the enrichment lookups (user agents, IP addresses), whose keys repeat a lot.
 * It keeps two generations of at most half the size each. A hit in the old one moves to the young
 * one, and when the young one is full it becomes the old one. That is O(1) per call. Evicting one
 * entry at a time from a single Map (delete of keys().next()) slows to ~30 us per call once V8's
 * table fills with holes.
 */
export class TwoGenerationCache<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  private readonly half: number;

  constructor(size: number) {
    this.half = Math.max(1, Math.floor(size / 2));
  }

  /** The cached value (undefined when not cached), kept young. */
  get(key: string): V | undefined {
    const hit = this.young.get(key);
    if (hit !== undefined) return hit;
    const aged = this.old.get(key);
    if (aged !== undefined) this.set(key, aged);
    return aged;
  }

  set(key: string, value: V): void {
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }
}
