/**
 * Enriched events, identifier assignments, merges, identity conflicts and history -> ClickHouse rows. Pure.
 * Times go out as seconds with a millisecond fraction (toDateTime64), money in minor units.
 */
import { rowPersonIdOf, toDateTime64, type CdpCommon, type CdpEnrichment, type CdpIdentity, type CdpReference, type CdpStore, type CdpWeb } from '@cdp/plumbing';
import { minorOf, parseProperties, productLines } from './segment-properties';

export interface EventRow {
  tenant: string;
  event_id: string;
  event_time: number;
  received_time: number;
  ingested_at: number;
  channel: string;
  source: string;
  event_type: string;
  event_name: string;
  person_id: string;
  anonymous_id: string;
  user_id: string;
  identifiers: { type: string; value: string }[];
  page_path: string;
  page_url: string;
  referrer: string;
  campaign_source: string;
  campaign_medium: string;
  campaign_name: string;
  properties: string;
  traits: string;
  browser: string;
  os: string;
  device_type: string;
  is_bot: number;
  geo_country: string;
  geo_region: string;
  geo_city: string;
  campaign_term: string;
  campaign_content: string;
  click_id_type: string;
  click_id: string;
  referrer_host: string;
  marketing_medium: string;
  store_id: string;
  zone_id: string;
  store_local_time: number | null;
  enrichment_sources: Record<string, string>;
  enrichment_missing: string[];
  order_id: string;
  currency: string;
  revenue_minor: number;
  'items.sku': string[];
  'items.quantity': number[];
  'items.unit_price_minor': number[];
  'items.total_minor': number[];
  'items.product_name': string[];
  'items.category': string[];
  'items.brand': string[];
  'items.in_catalogue': number[];
  beacon: { uuid: string; major: number; minor: number; rssi: number };
  /** Filled by the sink's sessionizer for web and app activity (core/sessions.ts). */
  session_id: string;
  session_started_at: number | null;
  /** A consent stated with the event, as the client's categories (the policy maps them to purposes when read). */
  consent_categories: string[];
  consent_answers: number[];
}

const NO_BEACON: EventRow['beacon'] = { uuid: '', major: 0, minor: 0, rssi: 0 };

interface Line {
  sku: string;
  quantity: number;
  unitPriceMinor: number;
  totalMinor: number;
}

const minor = (v: unknown): number => minorOf(v) ?? 0;

/** Order or cart lines of a Segment event: a line without a quantity is one unit. */
const segmentLines = (props: Record<string, unknown>): Line[] =>
  productLines(props).map((l) => {
    const quantity = l.quantity ?? 1;
    return { sku: l.sku, quantity, unitPriceMinor: l.unitPriceMinor, totalMinor: Math.round(l.unitPriceMinor * quantity) };
  });

/** The items.* columns of a row: one entry per line, product details from the catalogue where found. */
function itemColumns(lines: Line[], products: CdpEnrichment.ProductInfo[]): Pick<EventRow, `items.${string}` & keyof EventRow> {
  const n = lines.length;
  const sku = new Array<string>(n);
  const quantity = new Array<number>(n);
  const unitPrice = new Array<number>(n);
  const total = new Array<number>(n);
  const name = new Array<string>(n);
  const category = new Array<string>(n);
  const brand = new Array<string>(n);
  const inCatalogue = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const l = lines[i]!;
    const info = products.find((p) => p.sku === l.sku);
    sku[i] = l.sku;
    quantity[i] = l.quantity;
    unitPrice[i] = l.unitPriceMinor;
    total[i] = l.totalMinor;
    name[i] = info?.name ?? '';
    category[i] = info?.category ?? '';
    brand[i] = info?.brand ?? '';
    inCatalogue[i] = info?.found ? 1 : 0;
  }
  return { 'items.sku': sku, 'items.quantity': quantity, 'items.unit_price_minor': unitPrice, 'items.total_minor': total, 'items.product_name': name, 'items.category': category, 'items.brand': brand, 'items.in_catalogue': inCatalogue };
}

const NO_LINES: Line[] = [];

/** Enrichment group -> source@version, for every group that added something to the event. */
export function lineageOf(e: CdpEnrichment.EnrichedEvent): Record<string, string> {
  const out: Record<string, string> = {};
  if (e.device) out.device = e.device.source;
  if (e.geo) out.geo = e.geo.source;
  if (e.campaign) out.campaign = e.campaign.source;
  if (e.store?.source) out.store = e.store.source;
  const catalogue = [...new Set(e.products.flatMap((p) => (p.source ? [p.source] : [])))];
  if (catalogue.length > 0) out.catalogue = catalogue.join(', ');
  return out;
}

const storeTimes = (e: CdpEnrichment.EnrichedEvent) => ({
  zone_id: e.store?.zoneId ?? '',
  store_local_time: e.store?.localTime === null || e.store?.localTime === undefined ? null : toDateTime64(e.store.localTime),
});

/** What an event row takes from the source event itself; the rest comes from enrichment. */
interface SourceColumns {
  channel: string;
  event_type: string;
  event_name: string;
  anonymous_id: string;
  user_id: string;
  page_path: string;
  page_url: string;
  referrer: string;
  properties: string;
  traits: string;
  store_id: string;
  order_id: string;
  currency: string;
  revenue_minor: number;
  beacon: EventRow['beacon'];
  lines: Line[];
}

function sourceColumns(e: CdpEnrichment.EnrichedEvent, web: CdpWeb.SegmentEvent | undefined, receipt: CdpStore.PosTransaction | undefined, beacon: CdpStore.BeaconSighting | undefined): SourceColumns {
  if (web) {
    const props = parseProperties(web.properties);
    const order = web.type === 'TRACK' && web.event === 'Order Completed';
    return {
      channel: web.channel.toLowerCase(),
      event_type: web.type.toLowerCase(),
      event_name: web.event ?? web.name ?? '',
      anonymous_id: web.anonymousId ?? '',
      user_id: web.userId ?? '',
      page_path: web.context.pagePath ?? '',
      page_url: web.context.pageUrl ?? '',
      referrer: web.context.pageReferrer ?? '',
      properties: web.properties ?? '',
      traits: web.traits ?? '',
      store_id: '',
      order_id: order ? String(props.order_id ?? props.orderId ?? '') : '',
      currency: typeof props.currency === 'string' ? props.currency.toUpperCase() : '',
      // Segment's Order Completed: total is what the customer paid; revenue excludes shipping and tax.
      revenue_minor: order ? minor(props.total ?? props.revenue) : 0,
      beacon: NO_BEACON,
      lines: segmentLines(props),
    };
  }
  const blank = { anonymous_id: '', user_id: '', page_path: '', page_url: '', referrer: '', properties: '', traits: '' };
  if (receipt) {
    const sign = receipt.kind === 'RETURN' ? -1 : 1;
    return {
      ...blank,
      channel: 'store',
      event_type: 'pos_transaction',
      event_name: receipt.kind.toLowerCase(),
      store_id: e.store?.storeId ?? receipt.storeId,
      order_id: receipt.receiptId,
      currency: receipt.currency,
      revenue_minor: sign * receipt.totalMinor,
      beacon: NO_BEACON,
      lines: receipt.lines,
    };
  }
  const b = beacon!;
  return {
    ...blank,
    channel: 'store',
    event_type: 'beacon_sighting',
    event_name: '',
    anonymous_id: b.appInstallId ?? '',
    user_id: b.userId ?? '',
    store_id: e.store?.storeId ?? b.storeId ?? '',
    order_id: '',
    currency: '',
    revenue_minor: 0,
    beacon: { uuid: b.beaconUuid ?? '', major: b.major ?? 0, minor: b.minor ?? 0, rssi: b.rssi },
    lines: NO_LINES,
  };
}

/**
 * One events_raw row, built as one object literal: the sink makes one per event, and spreading
 * partial rows into each other showed up in its profile (allocation and garbage collection).
 */
export function eventRow(e: CdpEnrichment.EnrichedEvent, ingestedAt: number): EventRow {
  const web: CdpWeb.SegmentEvent | undefined = e.event['cdp.web.SegmentEvent'];
  const receipt: CdpStore.PosTransaction | undefined = e.event['cdp.store.PosTransaction'];
  const beacon: CdpStore.BeaconSighting | undefined = e.event['cdp.store.BeaconSighting'];
  if (!web && !receipt && !beacon) throw new Error(`not an events_raw event: ${Object.keys(e.event)[0]}`);
  const envelope = (web ?? receipt ?? beacon)!.envelope;
  const s = sourceColumns(e, web, receipt, beacon);
  const c = e.campaign;
  const identifiers = new Array<{ type: string; value: string }>(e.identifiers.length);
  for (let i = 0; i < identifiers.length; i++) identifiers[i] = { type: e.identifiers[i]!.type, value: e.identifiers[i]!.value };
  const times = storeTimes(e);
  return {
    tenant: envelope.tenant,
    event_id: envelope.eventId,
    event_time: toDateTime64(envelope.eventTime),
    received_time: toDateTime64(envelope.receivedTime),
    ingested_at: toDateTime64(ingestedAt),
    channel: s.channel,
    source: envelope.source,
    event_type: s.event_type,
    event_name: s.event_name,
    // The strongest identifier's first person, not the survivor resolved now: views resolve it
    // through person_overrides, so a split that re-points merge records re-attributes the row.
    person_id: rowPersonIdOf(envelope.tenant, e.identifiers),
    anonymous_id: s.anonymous_id,
    user_id: s.user_id,
    identifiers,
    page_path: s.page_path,
    page_url: s.page_url,
    referrer: s.referrer,
    campaign_source: c?.campaignSource ?? '',
    campaign_medium: c?.campaignMedium ?? '',
    campaign_name: c?.campaignName ?? '',
    properties: s.properties,
    traits: s.traits,
    browser: e.device?.browserName ?? '',
    os: e.device?.osName ?? '',
    device_type: e.device?.deviceType ?? '',
    is_bot: e.device?.isBot ? 1 : 0,
    geo_country: e.geo?.countryCode ?? '',
    geo_region: e.geo?.region ?? '',
    geo_city: e.geo?.city ?? '',
    campaign_term: c?.campaignTerm ?? '',
    campaign_content: c?.campaignContent ?? '',
    click_id_type: c?.clickIdType ?? '',
    click_id: c?.clickId ?? '',
    referrer_host: c?.referrerHost ?? '',
    marketing_medium: c?.medium ?? '',
    store_id: s.store_id,
    zone_id: times.zone_id,
    store_local_time: times.store_local_time,
    enrichment_sources: lineageOf(e),
    enrichment_missing: e.missing,
    order_id: s.order_id,
    currency: s.currency,
    revenue_minor: s.revenue_minor,
    ...itemColumns(s.lines, e.products),
    beacon: s.beacon,
    session_id: '',
    session_started_at: null,
    ...consentColumns((web ? web.context.consent : receipt?.consent) ?? null),
  };
}

const NO_CONSENT = { consent_categories: [] as string[], consent_answers: [] as number[] };

function consentColumns(consent: CdpCommon.Consent | null): Pick<EventRow, 'consent_categories' | 'consent_answers'> {
  if (!consent) return NO_CONSENT;
  const categories = Object.keys(consent.categoryPreferences);
  return { consent_categories: categories, consent_answers: categories.map((c) => (consent.categoryPreferences[c] ? 1 : 0)) };
}

export const identityRow = (a: CdpIdentity.IdentifierAssignment) => ({
  tenant: a.tenant,
  id_type: a.identifier.type,
  id_value: a.identifier.value,
  person_id: a.personId,
  first_seen: toDateTime64(a.firstSeen),
  updated_at: toDateTime64(a.updatedAt),
});

export const overrideRow = (m: CdpIdentity.PersonMerge) => ({
  tenant: m.tenant,
  old_person_id: m.fromPersonId,
  person_id: m.toPersonId,
  merged_at: toDateTime64(m.mergedAt),
  cause_event_id: m.causeEventId,
  via_person_id: m.viaPersonId ?? '',
});

const identifierTuples = (ids: CdpIdentity.Identifier[]) => ids.map((i) => ({ type: i.type, value: i.value }));

/** One history entry; `offset` is its offset on the history topic, the order within a tenant. */
export function historyRow(e: CdpIdentity.IdentityHistoryEntry, offset: number, ingestedAt: number) {
  // Every person the entry names, so the by-person table files it under each of them.
  const persons = new Set([e.personId]);
  for (const j of e.joins) {
    persons.add(j.survivorPersonId);
    persons.add(j.absorbedPersonId);
    for (const p of j.carriedPersonIds) persons.add(p);
  }
  for (const r of e.refusals) {
    persons.add(r.personId);
    persons.add(r.otherPersonId);
  }
  // A split names the person it took apart and the persons it left: each one's history shows it.
  if (e.split) {
    if (e.split.personBefore) persons.add(e.split.personBefore);
    for (const p of e.split.personsAfter) persons.add(p);
  }
  return {
    tenant: e.tenant,
    entry_id: e.entryId,
    event_id: e.eventId,
    event_time: toDateTime64(e.eventTime),
    applied_at: toDateTime64(e.appliedAt),
    history_offset: offset,
    identifiers: identifierTuples(e.identifiers),
    person_id: e.personId,
    first_seen: identifierTuples(e.firstSeen),
    joins: e.joins.map((j) => ({ survivor_person_id: j.survivorPersonId, absorbed_person_id: j.absorbedPersonId, identifiers: identifierTuples(j.identifiers), carried_person_ids: j.carriedPersonIds })),
    refusals: e.refusals.map((r) => ({ conflict_id: r.conflictId, rule: r.rule, reason: r.reason, refused: { type: r.refused.type, value: r.refused.value }, person_id: r.personId, other_person_id: r.otherPersonId })),
    split: splitColumn(e.split),
    persons: [...persons],
    ingested_at: toDateTime64(ingestedAt),
  };
}

/** The history row's split tuple; action '' on the entries that are no split. */
const NO_SPLIT = { action: '', blocked: { type: '', value: '' }, reason: '', requested_by: '', person_before: '', persons_after: [] as string[] };

const splitColumn = (s: CdpIdentity.IdentitySplit | null | undefined) =>
  s ? { action: s.action, blocked: { type: s.blocked.type, value: s.blocked.value }, reason: s.reason, requested_by: s.requestedBy, person_before: s.personBefore, persons_after: s.personsAfter } : NO_SPLIT;

export const conflictRow = (c: CdpIdentity.IdentityConflict, ingestedAt: number) => ({
  tenant: c.tenant,
  conflict_id: c.conflictId,
  rule: c.rule,
  reason: c.reason,
  event_id: c.eventId,
  event_time: toDateTime64(c.eventTime),
  // Named tuples as objects (JSON input maps them by field name), like the event's identifiers.
  identifiers: c.identifiers.map((i) => ({ type: i.type, value: i.value })),
  refused: { type: c.refused.type, value: c.refused.value },
  person_id: c.personId,
  other_person_id: c.otherPersonId,
  detected_at: toDateTime64(c.detectedAt),
  ingested_at: toDateTime64(ingestedAt),
});

/** Which table an enriched event lands in: store sensor traffic has tables of its own. */
export type EventTable = 'events_raw' | 'store_wifi_observations' | 'store_people_counts';

export const tableOfEvent = (e: CdpEnrichment.EnrichedEvent): EventTable =>
  e.event['cdp.store.WifiObservation'] ? 'store_wifi_observations' : e.event['cdp.store.PeopleCount'] ? 'store_people_counts' : 'events_raw';

export function wifiRow(e: CdpEnrichment.EnrichedEvent, ingestedAt: number) {
  const w = e.event['cdp.store.WifiObservation']!;
  return {
    tenant: w.envelope.tenant,
    event_id: w.envelope.eventId,
    event_time: toDateTime64(w.envelope.eventTime),
    received_time: toDateTime64(w.envelope.receivedTime),
    ingested_at: toDateTime64(ingestedAt),
    source: w.envelope.source,
    store_id: e.store?.storeId ?? w.storeId ?? '',
    ...storeTimes(e),
    in_directory: e.store?.found ? 1 : 0,
    ap_mac: w.apMac,
    client_mac_hash: w.clientMacHash,
    randomized_mac: w.randomizedMac ? 1 : 0,
    rssi: w.rssi,
    ssid: w.ssid ?? '',
    manufacturer: w.manufacturer ?? '',
    os: w.os ?? '',
    person_id: rowPersonIdOf(w.envelope.tenant, e.identifiers),
    enrichment_sources: lineageOf(e),
  };
}

export function peopleCountRow(e: CdpEnrichment.EnrichedEvent, ingestedAt: number) {
  const p = e.event['cdp.store.PeopleCount']!;
  return {
    tenant: p.envelope.tenant,
    event_id: p.envelope.eventId,
    event_time: toDateTime64(p.envelope.eventTime),
    received_time: toDateTime64(p.envelope.receivedTime),
    ingested_at: toDateTime64(ingestedAt),
    source: p.envelope.source,
    store_id: p.storeId,
    sensor_id: p.sensorId,
    entrance: e.store?.entrance ?? '',
    ...storeTimes(e),
    in_directory: e.store?.found ? 1 : 0,
    kind: p.kind.toLowerCase(),
    period_seconds: p.periodSeconds,
    count_in: p.countIn,
    count_out: p.countOut,
    occupancy: p.occupancy,
    queue_length: p.queueLength,
    enrichment_sources: lineageOf(e),
  };
}

/** A row of an enriched event for its table. */
export function enrichedRow(e: CdpEnrichment.EnrichedEvent, ingestedAt: number): { table: EventTable; row: Record<string, unknown> } {
  const table = tableOfEvent(e);
  const row = table === 'events_raw' ? eventRow(e, ingestedAt) : table === 'store_wifi_observations' ? wifiRow(e, ingestedAt) : peopleCountRow(e, ingestedAt);
  return { table, row: row as unknown as Record<string, unknown> };
}

/**
 * Reference records into their ClickHouse tables. A tombstone carries only its key: the key's
 * parts fill the sort key, is_deleted = 1, and the record's Kafka timestamp (the load that
 * removed it) is its version, newer than the row it removes.
 */
const lineageRow = (r: { sourceName: string; sourceVersion: string; loadedAt: number }) => ({ source_name: r.sourceName, source_version: r.sourceVersion, loaded_at: toDateTime64(r.loadedAt), is_deleted: 0 });
const deleted = (timestamp: number) => ({ source_name: '', source_version: '', loaded_at: toDateTime64(timestamp), is_deleted: 1 });

/** Splits a key of `n` parts joined by '|'; the last part keeps any further '|'. */
export function keyParts(key: string, n: number): string[] {
  const parts = key.split('|');
  if (parts.length < n) throw new Error(`reference key "${key}" has ${parts.length} parts, expected ${n}`);
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join('|')];
}

export function productRefRow(key: string, p: CdpReference.Product | null, timestamp: number) {
  if (!p) {
    const [tenant, sku] = keyParts(key, 2);
    return { tenant, sku, name: '', category: '', category_path: [], brand: '', price_minor: null, currency: '', margin_rate: null, ...deleted(timestamp) };
  }
  return {
    tenant: p.tenant, sku: p.sku, name: p.name, category: p.category ?? '', category_path: p.categoryPath, brand: p.brand ?? '', price_minor: p.priceMinor,
    currency: p.currency ?? '', margin_rate: p.marginRate, ...lineageRow(p),
  };
}

export function storeRefRow(key: string, s: CdpReference.Store | null, timestamp: number) {
  if (!s) {
    const [tenant, store_id] = keyParts(key, 2);
    return { tenant, store_id, name: '', city: '', postal_code: '', country_code: '', latitude: null, longitude: null, time_zone: '', opening_hours: [], zones: [], beacons: [], access_points: [], sensors: [], ...deleted(timestamp) };
  }
  return {
    tenant: s.tenant, store_id: s.storeId, name: s.name, city: s.city ?? '', postal_code: s.postalCode ?? '', country_code: s.countryCode ?? '', latitude: s.latitude, longitude: s.longitude, time_zone: s.timeZone,
    opening_hours: s.openingHours.map((h) => ({ day_of_week: h.dayOfWeek, opens: h.opens, closes: h.closes })),
    zones: s.zones.map((z) => ({ zone_id: z.zoneId, name: z.name, kind: z.kind ?? '' })),
    beacons: s.beacons.map((b) => ({ uuid: b.uuid, major: b.major, minor: b.minor, zone_id: b.zoneId ?? '' })),
    access_points: s.accessPoints.map((a) => ({ mac: a.mac, zone_id: a.zoneId ?? '' })),
    sensors: s.sensors.map((x) => ({ sensor_id: x.sensorId, entrance: x.entrance ?? '', zone_id: x.zoneId ?? '' })),
    ...lineageRow(s),
  };
}

export function partnerSegmentRefRow(key: string, m: CdpReference.PartnerSegmentMembership | null, timestamp: number) {
  if (!m) {
    const [tenant, partner, id_type, id_value] = keyParts(key, 4);
    return { tenant, id_type, id_value, partner, segments: [], ...deleted(timestamp) };
  }
  return { tenant: m.tenant, id_type: m.identifier.type, id_value: m.identifier.value, partner: m.partner, segments: m.segments, ...lineageRow(m) };
}

export function demographicsRefRow(key: string, d: CdpReference.AreaDemographics | null, timestamp: number) {
  if (!d) {
    const [country_code, postal_code] = keyParts(key, 2);
    return { country_code, postal_code, area_name: '', municipality: '', population: 0, median_age: null, age_shares: {}, median_income: null, households: null, household_shares: {}, statistics_year: null, ...deleted(timestamp) };
  }
  return {
    country_code: d.countryCode, postal_code: d.postalCode, area_name: d.areaName, municipality: d.municipality ?? '', population: d.population, median_age: d.medianAge, age_shares: d.ageShares,
    median_income: d.medianIncome, households: d.households, household_shares: d.householdShares, statistics_year: d.statisticsYear, ...lineageRow(d),
  };
}
