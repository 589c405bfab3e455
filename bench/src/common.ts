/** What every benchmark and simulation shares: a seeded PRNG and the line naming the machine. */
import { arch, availableParallelism, cpus, platform, totalmem } from 'node:os';

/** mulberry32: small and seeded, so the same seed gives the same traffic or population. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** CPU model, cores, memory and Node: the figures a README line must carry. */
export function describeMachine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown cpu';
  return `${cpu}, ${cpus().length} cores (${availableParallelism()} usable), ${(totalmem() / 2 ** 30).toFixed(1)} GB, Node ${process.version} ${platform()}-${arch()}`;
}

/** The machine in a README line's parentheses. */
export const shortMachine = (): string => `${cpus()[0]?.model.trim() ?? 'unknown cpu'}, ${availableParallelism()} cores, Node ${process.version}`;

/** A command-line count (1_000_000 and 1,000,000 allowed); exits with a usage error otherwise. */
export function positive(name: string, raw: string): number {
  const v = Number(raw.replace(/[_,]/g, ''));
  if (!Number.isInteger(v) || v < 1) {
    console.error(`--${name} must be a positive whole number, got ${raw}`);
    process.exit(2);
  }
  return v;
}
