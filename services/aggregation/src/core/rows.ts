/**
 * Enriched events, identifier assignments, merges and identity conflicts -> ClickHouse rows. Pure.
 * Times go out as seconds with a millisecond fraction (toDateTime64), money in minor units.
 */
import { toDateTime64, type CdpEnrichment, type CdpIdentity, type CdpStore, type CdpWeb } from '@cdp/plumbing';

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
  store_id: string;
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
}

const NO_BEACON: EventRow['beacon'] = { uuid: '', major: 0, minor: 0, rssi: 0 };

interface Line {
  sku: string;
  quantity: number;
  unitPriceMinor: number;
  totalMinor: number;
}

/** Major-unit amounts from Segment properties (revenue 59.8) into minor units, exactly. */
const minor = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 100) : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Math.round(Number(v) * 100) : 0);

function parseJson(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function segmentLines(props: Record<string, unknown>): Line[] {
  const products = Array.isArray(props.products) ? props.products : props.sku || props.product_id ? [props] : [];
  return products.flatMap((p): Line[] => {
    if (!p || typeof p !== 'object') return [];
    const o = p as Record<string, unknown>;
    const sku = String(o.sku ?? o.product_id ?? '');
    if (!sku) return [];
    const quantity = typeof o.quantity === 'number' ? o.quantity : 1;
    const unit = minor(o.price);
    return [{ sku, quantity, unitPriceMinor: unit, totalMinor: Math.round(unit * quantity) }];
  });
}

function withItems(row: Omit<EventRow, `items.${string}`>, lines: Line[], products: CdpEnrichment.ProductInfo[]): EventRow {
  const info = (sku: string) => products.find((p) => p.sku === sku);
  return {
    ...row,
    'items.sku': lines.map((l) => l.sku),
    'items.quantity': lines.map((l) => l.quantity),
    'items.unit_price_minor': lines.map((l) => l.unitPriceMinor),
    'items.total_minor': lines.map((l) => l.totalMinor),
    'items.product_name': lines.map((l) => info(l.sku)?.name ?? ''),
    'items.category': lines.map((l) => info(l.sku)?.category ?? ''),
    'items.brand': lines.map((l) => info(l.sku)?.brand ?? ''),
    'items.in_catalogue': lines.map((l) => (info(l.sku)?.found ? 1 : 0)),
  };
}

export function eventRow(e: CdpEnrichment.EnrichedEvent, ingestedAt: number): EventRow {
  const base = {
    person_id: e.personId ?? '',
    identifiers: e.identifiers.map((i) => ({ type: i.type, value: i.value })),
    ingested_at: toDateTime64(ingestedAt),
    browser: e.device?.browserName ?? '',
    os: e.device?.osName ?? '',
    device_type: e.device?.deviceType ?? '',
  };
  const web: CdpWeb.SegmentEvent | undefined = e.event['cdp.web.SegmentEvent'];
  const receipt: CdpStore.PosTransaction | undefined = e.event['cdp.store.PosTransaction'];
  const beacon: CdpStore.BeaconSighting | undefined = e.event['cdp.store.BeaconSighting'];
  const envelope = (web ?? receipt ?? beacon)!.envelope;
  const common = {
    ...base,
    tenant: envelope.tenant,
    event_id: envelope.eventId,
    event_time: toDateTime64(envelope.eventTime),
    received_time: toDateTime64(envelope.receivedTime),
    source: envelope.source,
  };
  const blank = { page_path: '', page_url: '', referrer: '', campaign_source: '', campaign_medium: '', campaign_name: '', properties: '', traits: '', anonymous_id: '', user_id: '', event_name: '' };

  if (web) {
    const props = parseJson(web.properties);
    const order = web.type === 'TRACK' && web.event === 'Order Completed';
    return withItems(
      {
        ...common,
        channel: web.channel.toLowerCase(),
        event_type: web.type.toLowerCase(),
        event_name: web.event ?? web.name ?? '',
        anonymous_id: web.anonymousId ?? '',
        user_id: web.userId ?? '',
        page_path: web.context.pagePath ?? '',
        page_url: web.context.pageUrl ?? '',
        referrer: web.context.pageReferrer ?? '',
        campaign_source: web.context.campaignSource ?? '',
        campaign_medium: web.context.campaignMedium ?? '',
        campaign_name: web.context.campaignName ?? '',
        properties: web.properties ?? '',
        traits: web.traits ?? '',
        store_id: '',
        order_id: order ? String(props.order_id ?? props.orderId ?? '') : '',
        currency: typeof props.currency === 'string' ? props.currency.toUpperCase() : '',
        // Segment's Order Completed: total is what the customer paid; revenue excludes shipping and tax.
        revenue_minor: order ? minor(props.total ?? props.revenue) : 0,
        beacon: NO_BEACON,
      },
      segmentLines(props),
      e.products,
    );
  }
  if (receipt) {
    const sign = receipt.kind === 'RETURN' ? -1 : 1;
    return withItems(
      {
        ...common,
        ...blank,
        channel: 'store',
        event_type: 'pos_transaction',
        event_name: receipt.kind.toLowerCase(),
        store_id: receipt.storeId,
        order_id: receipt.receiptId,
        currency: receipt.currency,
        revenue_minor: sign * receipt.totalMinor,
        beacon: NO_BEACON,
      },
      receipt.lines,
      e.products,
    );
  }
  const b = beacon!;
  return withItems(
    {
      ...common,
      ...blank,
      channel: 'store',
      event_type: 'beacon_sighting',
      anonymous_id: b.appInstallId ?? '',
      user_id: b.userId ?? '',
      store_id: b.storeId ?? '',
      order_id: '',
      currency: '',
      revenue_minor: 0,
      beacon: { uuid: b.beaconUuid ?? '', major: b.major ?? 0, minor: b.minor ?? 0, rssi: b.rssi },
    },
    [],
    e.products,
  );
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
});

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
