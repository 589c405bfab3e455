/**
 * `pnpm bench:geo-truncation`: what ingest's IP truncation (IPv4 to /24, IPv6 to /48, before
 * Kafka) costs enrichment's geo lookup. Offline, no stack.
 *
 * Addresses are sampled, with a seeded PRNG, from the networks the DB-IP database places (walking
 * its search tree; private and special ranges are not in it), each one looked up in full and as
 * ingest's truncateIp cuts it, and the answers compared: same country, same region, same city,
 * no answer. Two samplings per family:
 * - by address: every placed address equally likely (a uniform sample of allocated address space,
 *   NOT of real shoppers: big hosting and mobile blocks weigh more, home broadband less);
 * - by range: every database range equally likely (small, finely placed ranges weigh more).
 * Also prints the cost of the database: load time, memory, lookups per second. Memory figures
 * are exact only after a full collection: run under `node --expose-gc` for them,
 *
 *   pnpm bench:geo-truncation [--samples 100000] [--seed 1]
 *   node --expose-gc --import tsx bench/src/geo-truncation.ts
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Reader, type Response } from 'maxmind';
import type { CdpEnrichment } from '@cdp/plumbing';
// Relative imports: @cdp/bench does not list the services as dependencies (services, not libraries).
import { classifyIp, GEO_DATABASE, openGeoDatabase, type GeoLookup } from '../../services/enrichment/src/core/geo';
import { truncateIp } from '../../services/ingest/src/core/pii';
import { describeMachine, mulberry32 } from './common';

const MB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;
const collect = () => {
  gc?.();
  return process.memoryUsage();
};

/** The search tree of one mmdb file: node links and, per node, placed addresses and ranges below it. */
class Tree {
  readonly nodeCount: number;
  readonly bits: number;
  /** Placed addresses under each node (a double: IPv6 subtrees reach 2^125). */
  private readonly addresses: Float64Array;
  /** Database ranges (data records) under each node. */
  private readonly ranges: Float64Array;
  private readonly left: (node: number) => number;
  private readonly right: (node: number) => number;

  constructor(db: Buffer) {
    const { nodeCount, recordSize, nodeByteSize, ipVersion } = new Reader<Response>(db).metadata;
    if (recordSize !== 24 && recordSize !== 28 && recordSize !== 32) throw new Error(`record size ${recordSize}`);
    this.nodeCount = nodeCount;
    this.bits = ipVersion === 4 ? 32 : 128;
    const at = (n: number) => n * nodeByteSize;
    if (recordSize === 24) {
      this.left = (n) => db.readUIntBE(at(n), 3);
      this.right = (n) => db.readUIntBE(at(n) + 3, 3);
    } else if (recordSize === 28) {
      this.left = (n) => ((db[at(n) + 3]! & 0xf0) << 20) | db.readUIntBE(at(n), 3);
      this.right = (n) => ((db[at(n) + 3]! & 0x0f) << 24) | db.readUIntBE(at(n) + 4, 3);
    } else {
      this.left = (n) => db.readUInt32BE(at(n));
      this.right = (n) => db.readUInt32BE(at(n) + 4);
    }
    this.addresses = new Float64Array(nodeCount);
    this.ranges = new Float64Array(nodeCount);
    this.measure();
  }

  /** Post-order walk from the root with an explicit stack (the tree is 32 or 128 deep). */
  private measure(): void {
    const depth = new Uint8Array(this.nodeCount);
    const seen = new Uint8Array(this.nodeCount);
    const stack: number[] = [0];
    while (stack.length > 0) {
      const node = stack[stack.length - 1]!;
      const l = this.left(node);
      const r = this.right(node);
      if (!seen[node]) {
        seen[node] = 1;
        for (const c of [l, r]) {
          if (c < this.nodeCount && !seen[c]) {
            depth[c] = depth[node]! + 1;
            stack.push(c);
          }
        }
        continue;
      }
      stack.pop();
      const d = depth[node]! + 1;
      this.addresses[node] = this.weigh(l, d, 'address') + this.weigh(r, d, 'address');
      this.ranges[node] = this.weigh(l, d, 'range') + this.weigh(r, d, 'range');
    }
  }

  /** Placed addresses or ranges of a record at a depth: a node, nothing, or a data pointer. */
  private weigh(record: number, depth: number, by: 'address' | 'range'): number {
    if (record < this.nodeCount) return (by === 'address' ? this.addresses : this.ranges)[record]!;
    if (record === this.nodeCount) return 0;
    return by === 'address' ? 2 ** (this.bits - depth) : 1;
  }

  get totalAddresses(): number {
    return this.addresses[0]!;
  }

  get totalRanges(): number {
    return this.ranges[0]!;
  }

  /**
   * One address: walk down choosing each side with probability proportional to its weight, then
   * fill the host bits at random. Returns the address bits (big-endian) and the range's prefix.
   */
  sample(rand: () => number, by: 'address' | 'range'): { bits: Uint8Array; prefix: number } {
    const bits = new Uint8Array(this.bits);
    let node = 0;
    for (let depth = 0; ; depth++) {
      const l = this.left(node);
      const r = this.right(node);
      const wl = this.weigh(l, depth + 1, by);
      const wr = this.weigh(r, depth + 1, by);
      const goRight = rand() * (wl + wr) >= wl;
      bits[depth] = goRight ? 1 : 0;
      const next = goRight ? r : l;
      if (next > this.nodeCount) {
        for (let i = depth + 1; i < this.bits; i++) bits[i] = rand() < 0.5 ? 0 : 1;
        return { bits, prefix: depth + 1 };
      }
      node = next;
    }
  }
}

const word = (bits: Uint8Array, from: number, width: number) => {
  let v = 0;
  for (let i = from; i < from + width; i++) v = v * 2 + bits[i]!;
  return v;
};

function addressText(bits: Uint8Array): string {
  if (bits.length === 32) return [0, 8, 16, 24].map((i) => word(bits, i, 8)).join('.');
  return [0, 16, 32, 48, 64, 80, 96, 112].map((i) => word(bits, i, 16).toString(16)).join(':');
}

interface Tally {
  samples: number;
  skipped: number;
  fullAnswered: number;
  cutAnswered: number;
  neither: number;
  onlyFull: number;
  onlyCut: number;
  sameCountry: number;
  sameRegion: number;
  sameCity: number;
  finerThanCut: number;
}

const same = (a: CdpEnrichment.GeoInfo | null, b: CdpEnrichment.GeoInfo | null, depth: 1 | 2 | 3) =>
  a !== null && b !== null && a.countryCode === b.countryCode && (depth < 2 || a.region === b.region) && (depth < 3 || a.city === b.city);

function compare(geo: GeoLookup, tree: Tree, by: 'address' | 'range', samples: number, seed: number, cutBits: number): Tally {
  const rand = mulberry32(seed);
  const t: Tally = { samples: 0, skipped: 0, fullAnswered: 0, cutAnswered: 0, neither: 0, onlyFull: 0, onlyCut: 0, sameCountry: 0, sameRegion: 0, sameCity: 0, finerThanCut: 0 };
  while (t.samples < samples) {
    const { bits, prefix } = tree.sample(rand, by);
    const ip = addressText(bits);
    // The database leaves private ranges out; skip anything our classifier would not look up.
    if (classifyIp(ip).kind !== 'public') {
      t.skipped++;
      continue;
    }
    t.samples++;
    if (prefix > cutBits) t.finerThanCut++;
    const full = geo.lookup(ip);
    const cut = geo.lookup(truncateIp(ip));
    if (full) t.fullAnswered++;
    if (cut) t.cutAnswered++;
    if (!full && !cut) t.neither++;
    if (full && !cut) t.onlyFull++;
    if (!full && cut) t.onlyCut++;
    if (same(full, cut, 1)) t.sameCountry++;
    if (same(full, cut, 2)) t.sameRegion++;
    if (same(full, cut, 3)) t.sameCity++;
  }
  return t;
}

const pct = (n: number, of: number) => (of === 0 ? 'n/a' : `${((100 * n) / of).toFixed(2)}%`);

function report(label: string, t: Tally, cut: string): string[] {
  const both = t.fullAnswered; // the base: addresses the full lookup places
  return [
    `  ${label}: ${t.samples.toLocaleString('en')} addresses${t.skipped ? ` (${t.skipped} special-range draws skipped)` : ''}; ${pct(t.finerThanCut, t.samples)} sat in a range finer than ${cut}`,
    `    of the ${both.toLocaleString('en')} placed in full, the truncated address had the same country ${pct(t.sameCountry, both)}, region ${pct(t.sameRegion, both)}, city ${pct(t.sameCity, both)}`,
    `    no answer for both ${t.neither}, for the truncated address only ${t.onlyFull}, for the full address only ${t.onlyCut}`,
  ];
}

function lookupRate(geo: GeoLookup, addresses: string[]): number {
  const started = performance.now();
  for (const a of addresses) geo.lookup(a);
  return addresses.length / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { samples: { type: 'string', default: '100000' }, seed: { type: 'string', default: '1' } } });
  const samples = Number(values.samples);
  const seed = Number(values.seed);
  if (!Number.isInteger(samples) || samples < 1 || !Number.isInteger(seed)) throw new Error('--samples and --seed take whole numbers');

  console.log(`geo truncation: ${GEO_DATABASE.package} ${GEO_DATABASE.version} (DB-IP City Lite ${GEO_DATABASE.date}, CC BY 4.0, IP Geolocation by DB-IP https://db-ip.com)`);
  console.log(`machine: ${describeMachine()}`);

  const before = collect();
  let started = performance.now();
  const geo = await openGeoDatabase();
  const loadMs = performance.now() - started;
  const loaded = collect();
  const grew = (from: number, to: number) => `${Math.round((to - from) / MB) >= 0 ? '+' : '-'}${Math.abs(Math.round((to - from) / MB))} MB`;
  console.log(
    `database: loaded in ${loadMs.toFixed(0)} ms; ${grew(before.rss, loaded.rss)} RSS, ` +
      `${grew(before.arrayBuffers, loaded.arrayBuffers)} buffers (outside the JS heap)${gc ? `, ${grew(before.heapUsed, loaded.heapUsed)} heap` : ''}`,
  );

  started = performance.now();
  const [v4, v6] = await Promise.all([readFile(GEO_DATABASE.ipv4File), readFile(GEO_DATABASE.ipv6File)]).then(([a, b]) => [new Tree(a), new Tree(b)] as const);
  console.log(
    `trees walked in ${((performance.now() - started) / 1000).toFixed(1)} s: IPv4 ${v4.totalRanges.toLocaleString('en')} ranges, ${(v4.totalAddresses / 2 ** 32 * 100).toFixed(1)}% of the address space placed; ` +
      `IPv6 ${v6.totalRanges.toLocaleString('en')} ranges, 2^${Math.log2(v6.totalAddresses).toFixed(1)} addresses placed`,
  );
  // Lookup cost, on a fresh cache: distinct full addresses miss it; 1,000 truncated ones repeated hit it.
  const rand = mulberry32(seed + 4);
  const fresh = Array.from({ length: 200_000 }, () => addressText(v4.sample(rand, 'address').bits));
  const fresh6 = Array.from({ length: 200_000 }, () => addressText(v6.sample(rand, 'range').bits));
  const hot = Array.from({ length: 200_000 }, (_, i) => truncateIp(fresh[i % 1000]!)!);
  const cacheBefore = collect();
  const missRate = lookupRate(geo, fresh);
  const missRate6 = lookupRate(geo, fresh6);
  const hitRate = lookupRate(geo, hot);
  const cacheAfter = collect();
  console.log(
    `lookups, one core: ${Math.round(missRate).toLocaleString('en')}/s IPv4 and ${Math.round(missRate6).toLocaleString('en')}/s IPv6 uncached, ` +
      `${Math.round(hitRate).toLocaleString('en')}/s cached; ` +
      (gc ? `the full cache (100,000 answers) takes ${((cacheAfter.heapUsed - cacheBefore.heapUsed) / MB).toFixed(0)} MB of heap` : 'cache memory: run under node --expose-gc'),
  );

  console.log(`samples: uniform over allocated address space, not over real shoppers (seed ${seed})`);
  const lines: string[] = [];
  lines.push('IPv4, truncated to /24:');
  lines.push(...report('by address', compare(geo, v4, 'address', samples, seed, 24), '/24'));
  lines.push(...report('by range', compare(geo, v4, 'range', samples, seed + 1, 24), '/24'));
  lines.push('IPv6, truncated to /48:');
  lines.push(...report('by address', compare(geo, v6, 'address', samples, seed + 2, 48), '/48'));
  lines.push(...report('by range', compare(geo, v6, 'range', samples, seed + 3, 48), '/48'));
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
