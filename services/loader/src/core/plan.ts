/**
 * What publishing a version means against what is live: the new version's records, plus a
 * tombstone for every live key of the scope the version lacks. When the scope already holds
 * exactly this version with the same keys, nothing is published: loading a file twice changes
 * nothing.
 */
import type { KeyedRecord, Scope } from './dataset';

export type Plan =
  | { kind: 'unchanged'; records: number }
  | { kind: 'publish'; upserts: number; tombstones: string[] };

/** `live`: key -> sourceVersion of the records a read_committed reader sees now (any scope). */
export function planVersion(live: ReadonlyMap<string, string>, scope: Scope, version: string, records: readonly KeyedRecord<unknown>[]): Plan {
  const next = new Set(records.map((r) => r.key));
  const tombstones: string[] = [];
  let sameVersion = 0;
  let liveInScope = 0;
  for (const [key, liveVersion] of live) {
    if (!key.startsWith(scope.keyPrefix)) continue;
    liveInScope++;
    if (!next.has(key)) tombstones.push(key);
    else if (liveVersion === version) sameVersion++;
  }
  if (tombstones.length === 0 && liveInScope === next.size && sameVersion === next.size) return { kind: 'unchanged', records: next.size };
  return { kind: 'publish', upserts: records.length, tombstones: tombstones.sort() };
}
