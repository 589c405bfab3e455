/**
 * The person-updates feed (aggregation.person-updates.v1): which persons a landed batch changed, so
 * that readers caching per person (the customer API) drop what they hold for them. Pure.
 */
import type { CdpAggregation } from '@cdp/plumbing';

/** Keeps one record well below Kafka's request limit (2,000 ids of ~40 bytes: ~80 KB). */
export const PERSONS_PER_UPDATE = 2_000;

/** Tenant -> distinct persons at ingest. */
export type PersonsByTenant = Map<string, Set<string>>;

/**
 * The persons of a batch's events_raw rows, per tenant, and the persons identity resolved those
 * events to (`resolved`): a row is filed under its strongest identifier's first person, and a
 * reader that has not seen that person's merge record yet knows the event by its survivor. Taken
 * before the event-id gate drops copies: a batch read again after a crash finds its rows stored,
 * drops them all, and must still notify.
 */
export function personsByTenant(rows: readonly Record<string, unknown>[], resolved: readonly { tenant: string; personId: string | null }[] = [], landedTenants: Iterable<string> = []): PersonsByTenant {
  const out: PersonsByTenant = new Map();
  // Tenants whose events landed without naming anyone (people counts, receipts without a card)
  // are told too, with no persons: the console refreshes its pages on any landing.
  for (const tenant of landedTenants) if (!out.has(tenant)) out.set(tenant, new Set());
  const add = (tenant: string, person: string | null) => {
    // Anonymous sensor events and events identity could not attribute belong to no one.
    if (!person) return;
    let set = out.get(tenant);
    if (!set) {
      set = new Set();
      out.set(tenant, set);
    }
    set.add(person);
  };
  for (const row of rows) add(row.tenant as string, row.person_id as string);
  for (const r of resolved) add(r.tenant, r.personId);
  return out;
}

/** One record per tenant, cut into records of at most `perRecord` persons; a tenant without persons gets one with none. */
export function personUpdatesOf(persons: PersonsByTenant, landedAt: number, perRecord = PERSONS_PER_UPDATE): CdpAggregation.PersonUpdates[] {
  const out: CdpAggregation.PersonUpdates[] = [];
  for (const [tenant, set] of persons) {
    const ids = [...set];
    if (ids.length === 0) out.push({ tenant, personIds: [], landedAt });
    for (let i = 0; i < ids.length; i += perRecord) out.push({ tenant, personIds: ids.slice(i, i + perRecord), landedAt });
  }
  return out;
}
