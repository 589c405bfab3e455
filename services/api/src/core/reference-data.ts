/**
 * The reference data a profile shows, held in memory from its compacted topics (as enrichment
 * holds the catalogue): partner segments by hashed identifier, and open demographics by postal
 * area. Keyed by identifier, so a profile takes the segments of whatever identifiers the
 * directory says the person has now, merges included: no ClickHouse read per profile.
 */
import type { CdpIdentity, CdpReference } from '@cdp/plumbing';

export interface AreaFacts {
  name: string;
  municipality: string | null;
  population: number;
  medianAge: number | null;
  medianIncomeEur: number | null;
}

const identifierKey = (tenant: string, type: string, value: string) => `${tenant}|${type}|${value}`;

export class ReferenceData {
  /** tenant|type|value -> partner -> segments. */
  private readonly segments = new Map<string, Map<string, readonly string[]>>();
  /** The topic's key -> where its row went, for tombstones. */
  private readonly membershipOf = new Map<string, { identifier: string; partner: string }>();
  private readonly areas = new Map<string, AreaFacts>();

  get size(): { partnerMemberships: number; areas: number } {
    return { partnerMemberships: this.membershipOf.size, areas: this.areas.size };
  }

  upsertMembership(key: string, m: CdpReference.PartnerSegmentMembership): void {
    this.removeMembership(key);
    const identifier = identifierKey(m.tenant, m.identifier.type, m.identifier.value);
    let byPartner = this.segments.get(identifier);
    if (!byPartner) this.segments.set(identifier, (byPartner = new Map()));
    byPartner.set(m.partner, [...m.segments]);
    this.membershipOf.set(key, { identifier, partner: m.partner });
  }

  removeMembership(key: string): void {
    const was = this.membershipOf.get(key);
    if (!was) return;
    this.membershipOf.delete(key);
    const byPartner = this.segments.get(was.identifier);
    byPartner?.delete(was.partner);
    if (byPartner?.size === 0) this.segments.delete(was.identifier);
  }

  upsertArea(key: string, a: CdpReference.AreaDemographics): void {
    this.areas.set(key, { name: a.areaName, municipality: a.municipality, population: a.population, medianAge: a.medianAge, medianIncomeEur: a.medianIncome });
  }

  removeArea(key: string): void {
    this.areas.delete(key);
  }

  /** Each partner's segments of any of the identifiers, by partner, segments sorted and distinct. */
  partnerSegmentsOf(tenant: string, identifiers: readonly CdpIdentity.Identifier[]): { partner: string; segments: string[] }[] {
    const byPartner = new Map<string, Set<string>>();
    for (const id of identifiers) {
      for (const [partner, segments] of this.segments.get(identifierKey(tenant, id.type, id.value)) ?? []) {
        let set = byPartner.get(partner);
        if (!set) byPartner.set(partner, (set = new Set()));
        for (const s of segments) set.add(s);
      }
    }
    return [...byPartner].sort(([a], [b]) => (a < b ? -1 : 1)).map(([partner, set]) => ({ partner, segments: [...set].sort() }));
  }

  /** An area by the loader's key countryCode|postalCode. */
  areaOf(countryCode: string, postalCode: string): AreaFacts | undefined {
    return this.areas.get(`${countryCode}|${postalCode}`);
  }
}
