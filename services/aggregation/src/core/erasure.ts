/**
 * Erasure in ClickHouse: what to delete of a person, table by table. A person's rows carry the
 * person at ingest, which is the survivor or one of the persons merged into it; the identity graph
 * writer names them all (ErasureRequest.personIds, IDENTITY_ERASED). Every table of the database
 * either has a rule here or a stated reason why it holds no person: a new table without either
 * fails the tests.
 *
 * Statements are lightweight DELETEs: the rows disappear from every query at once and leave the
 * parts at their next merge. Counts and sums that name no person (sales per day, product views per
 * hour) keep the person's contribution: they were anonymous already.
 */
import { deleteStatement, type DeleteStatement } from './deletes';

export interface ErasureRule {
  table: string;
  /** A condition over the table's columns with the query parameters {tenant:String} and {ids:Array(String)}. */
  where: string;
}

const BY_PERSON = 'person_id IN {ids:Array(String)}';

/** In order: a table read to find what to delete comes after the tables deleted through it. */
export const ERASURE_RULES: readonly ErasureRule[] = [
  { table: 'events_raw', where: BY_PERSON },
  { table: 'store_wifi_observations', where: BY_PERSON },
  { table: 'person_timeline', where: BY_PERSON },
  // The person of a session is an argMax state: each part's row holds the person of its newest event.
  { table: 'session_activity', where: 'finalizeAggregation(person_id) IN {ids:Array(String)}' },
  { table: 'person_daily', where: BY_PERSON },
  { table: 'person_activity', where: BY_PERSON },
  { table: 'person_products', where: BY_PERSON },
  { table: 'person_first_purchase', where: BY_PERSON },
  { table: 'store_presence', where: BY_PERSON },
  { table: 'signals', where: BY_PERSON },
  { table: 'person_consent', where: BY_PERSON },
  { table: 'identity_conflicts', where: 'person_id IN {ids:Array(String)} OR other_person_id IN {ids:Array(String)}' },
  { table: 'identities', where: BY_PERSON },
  { table: 'person_identifiers', where: BY_PERSON },
  { table: 'person_overrides', where: 'old_person_id IN {ids:Array(String)} OR person_id IN {ids:Array(String)}' },
  { table: 'person_merged_from', where: 'old_person_id IN {ids:Array(String)} OR person_id IN {ids:Array(String)}' },
  // Every copy of an entry that names the person, filed under other persons too (a refusal names both).
  { table: 'identity_history_by_person', where: 'entry_id IN (SELECT entry_id FROM identity_history WHERE tenant = {tenant:String} AND hasAny(persons, {ids:Array(String)}))' },
  { table: 'identity_history', where: 'hasAny(persons, {ids:Array(String)})' },
];

/** Tables that name no person, and why. */
export const HOLDS_NO_PERSON: Readonly<Record<string, string>> = {
  store_people_counts: 'anonymous sensor counts',
  page_load_hourly: 'counts per page and hour',
  product_hourly: 'counts per product and hour',
  sales_daily: 'sums per day and channel',
  search_daily: 'counts per search term and day',
  store_footfall_hourly: 'counts per store and hour',
  store_sales_hourly: 'sums per store and hour',
  ref_products: 'reference data',
  ref_stores: 'reference data',
  ref_area_demographics: 'open data by postal-code area',
  ref_partner_segments: 'the partner\'s data, by hashed e-mail or phone: it joins no person once the person\'s identifiers are gone, and the partner\'s next delivery replaces it',
  store_visit_rules: 'configuration',
  consent_policy: 'configuration',
  partner_terms: 'configuration',
  schema_migrations: 'the migrations applied',
};

/** Per table: a count of the rows to delete and the DELETE, both over {tenant} and {ids}. */
export function erasureStatements(rules: readonly ErasureRule[] = ERASURE_RULES): DeleteStatement[] {
  return rules.map(({ table, where }) => deleteStatement(table, `(${where})`));
}

/**
 * The persons erased while this process runs: events of theirs still in flight are not stored and
 * raise no signal. Until the request is withdrawn: the person ids are derived from identifiers, so
 * a customer let in again comes back under the same ones.
 */
export class ErasedPersons {
  private readonly keys = new Map<string, string>();

  add(tenant: string, personIds: readonly string[], requestId: string): void {
    for (const p of personIds) this.keys.set(`${tenant}|${p}`, requestId);
  }

  withdraw(requestId: string): void {
    for (const [key, request] of this.keys) if (request === requestId) this.keys.delete(key);
  }

  has(tenant: string, personId: string | null | undefined): boolean {
    return this.keys.size > 0 && !!personId && this.keys.has(`${tenant}|${personId}`);
  }

  get size(): number {
    return this.keys.size;
  }
}
