/**
 * A compact set of recently inserted event ids: 52-bit hashes in open-addressing tables of
 * doubles (8 bytes a slot, at most half full: about 16 bytes an id, against some 100 for a Set of
 * strings). A hash can collide, so a hit only means "maybe seen": the gate asks ClickHouse before
 * it drops anything. A miss is certain.
 */

/** Two 32-bit FNV-1a passes with different seeds and a final mix, folded into 52 bits; never 0. */
export function hash52(text: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  b = Math.imul(b ^ (b >>> 16), 0xc2b2ae35);
  b ^= b >>> 16;
  const h = (a >>> 0) * 0x100000 + ((b >>> 0) & 0xfffff);
  return h === 0 ? 1 : h;
}

/** One generation: a growing open-addressing table of hashes. */
class HashTable {
  private slots: Float64Array;
  private mask: number;
  size = 0;

  constructor(initialCapacity = 1 << 16) {
    this.slots = new Float64Array(initialCapacity);
    this.mask = initialCapacity - 1;
  }

  has(h: number): boolean {
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const s = this.slots[i]!;
      if (s === 0) return false;
      if (s === h) return true;
    }
  }

  add(h: number): void {
    if ((this.size + 1) * 2 > this.slots.length) this.grow();
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const s = this.slots[i]!;
      if (s === h) return;
      if (s === 0) {
        this.slots[i] = h;
        this.size++;
        return;
      }
    }
  }

  get bytes(): number {
    return this.slots.byteLength;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(old.length * 2);
    this.mask = this.slots.length - 1;
    this.size = 0;
    for (const h of old) if (h !== 0) this.add(h);
  }
}

/**
 * Ids in two generations. When the current one holds `generationSize` ids the older one is
 * dropped; `completeAfter` then moves to the newest event time the dropped generation held: every
 * id inserted with a later event time is still here (event times that lie ahead of the clock are
 * kept out, see EventIdGate).
 */
export class RecentIds {
  private current = new HashTable();
  private previous = new HashTable();
  private currentMaxTime = -Infinity;
  private previousMaxTime = -Infinity;
  /** Every id whose event time is after this is in the set (ms since epoch). */
  completeAfter: number;

  constructor(private readonly generationSize: number, completeAfter: number) {
    this.completeAfter = completeAfter;
  }

  has(id: string): boolean {
    const h = hash52(id);
    return this.current.has(h) || this.previous.has(h);
  }

  add(id: string, eventTime: number): void {
    if (this.current.size >= this.generationSize) this.rotate();
    this.current.add(hash52(id));
    if (eventTime > this.currentMaxTime) this.currentMaxTime = eventTime;
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  get bytes(): number {
    return this.current.bytes + this.previous.bytes;
  }

  private rotate(): void {
    this.completeAfter = Math.max(this.completeAfter, this.previousMaxTime);
    this.previous = this.current;
    this.previousMaxTime = this.currentMaxTime;
    this.current = new HashTable();
    this.currentMaxTime = -Infinity;
  }
}
