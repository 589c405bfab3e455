/**
 * `pnpm bench:enrichment`: what one enrichment instance does with every enrichment on (device and
 * bot flag, geo, campaign, catalogue, store and zone), and what its reference tables cost.
 *
 * 1. One instance over Kafka (the headline). Under a fresh topic prefix a catalogue and a store
 *    directory are published to the compacted reference topics, and a realistic mix of resolved
 *    events (plus people counts) is written to the input topics, all BEFORE the service starts.
 *    Then the real service (services/enrichment/src/main.ts, with the Node flags `pnpm start`
 *    gives it) starts as a child process with its own consumer group and works off the backlog.
 *    events/s is measured from its first output record until its group's lag is 0 on both
 *    inputs, and, for reference, from its start (which includes Node, geo database, reference
 *    tables and the group join). Memory is the child's VmRSS / VmHWM from /proc/<pid>/status.
 *    The enriched topic must hold exactly one record per input, and no input may go to a
 *    dead-letter topic, or the run fails.
 * 2. The core in this process: the same records through Avro decode -> processEnrichment ->
 *    Avro encode, no Kafka: the ceiling of the pure step on one thread.
 * 3. Memory per million reference rows: heapUsed after a full collection, before and after
 *    filling a Catalogue with 1,000,000 products and a StoreDirectory with stores holding
 *    1,000,000 beacons and access points in total (each row Avro-encoded and decoded first, as
 *    the service reads them, so the strings are the decoder's own); and the GeoIP database's
 *    fixed cost, outside the heap.
 *
 *   pnpm bench:enrichment [--events 200000] [--products 5000] [--stores 50] [--rows 1000000]
 *
 * Needs the local stack (Kafka and the schema registry; `pnpm stack:up`). Topics are created
 * under `benchenr<id>.` and deleted at the end, also on Ctrl-C. The service can be profiled:
 *   CDP_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" pnpm bench:enrichment
 * Every input is generated before its clock starts, so generation is not measured.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  createAvroCodec,
  createKafkaClients,
  createLogger,
  deadLetterTopicOf,
  loadSchemaCatalog,
  probeBroker,
  probeRegistry,
  topicsWithPrefix,
  valueSubjectOf,
  type AvroCodec,
  type CdpEnrichment,
  type CdpIdentity,
  type CdpReference,
  type CdpStore,
  type CdpWeb,
  type IncomingRecord,
  type OutgoingRecord,
  type TopicAdmin,
  type TopicSpec,
} from '@cdp/plumbing';
// Relative imports: @cdp/bench lists neither @cdp/infra nor the services as dependencies.
import { REPO_ROOT } from '../../infra/src/paths';
import { REGISTRY_URL } from '../../infra/src/stack/servers';
import { SERVICE_NODE_ARGS } from '../../infra/src/system';
import { freePort } from '../../infra/src/testing/pipeline';
import { prepareTopics } from '../../infra/src/testing/topics';
import { classifyCampaign } from '../../services/enrichment/src/core/campaign';
import { GEO_DATABASE, openGeoDatabase, type GeoLookup } from '../../services/enrichment/src/core/geo';
import { processEnrichment } from '../../services/enrichment/src/core/process';
import { Catalogue } from '../../services/enrichment/src/core/products';
import { StoreDirectory } from '../../services/enrichment/src/core/store-directory';
import { createUserAgentParser } from '../../services/enrichment/src/core/user-agent';
import { describeMachine, mulberry32, positive, shortMachine } from './common';

const say = (line: string) => process.stdout.write(`${line}\n`);
const n = (x: number) => Math.round(x).toLocaleString('en');
const pct = (part: number, whole: number) => `${((100 * part) / Math.max(1, whole)).toFixed(1)} %`;
const MB = 2 ** 20;
const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;
const signedMb = (bytes: number) => `${bytes < 0 ? '-' : '+'}${mb(Math.abs(bytes))}`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const REGISTRY = process.env.SCHEMA_REGISTRY_URL ?? REGISTRY_URL;
const TENANT = 'kuura';
const NOW = Date.UTC(2025, 10, 28, 12);
const HOUR = 3_600_000;
const SHOP = 'https://shop.kuura.fi';
const BEACON_UUID = 'f7826da6-4fa2-4e98-8024-bc5b71e0893e';
/** Rows of a StoreDirectory in part 3: each store carries this many beacons and as many access points. */
const ROWS_PER_STORE_KIND = 50;

// ---------------------------------------------------------------------------------------------
// Reference data: a retailer's catalogue and store directory, as the loader publishes them.

const BRANDS = ['Kuura', 'Polku', 'Tuuli', 'Halti', 'Icebug', 'Reima', 'Sasta', 'Luhta', 'Fjällräven', 'Haglöfs'];
const CATEGORY_PATHS = [
  ['Shoes', 'Running'], ['Shoes', 'Hiking'], ['Shoes', 'Winter boots'], ['Clothing', 'Jackets'], ['Clothing', 'Base layers'],
  ['Clothing', 'Trousers'], ['Equipment', 'Backpacks'], ['Equipment', 'Tents'], ['Equipment', 'Poles'], ['Accessories', 'Socks'], ['Accessories', 'Gloves'],
];
const NOUNS: Record<string, string> = {
  Running: 'running shoe', Hiking: 'hiking boot', 'Winter boots': 'winter boot', Jackets: 'shell jacket', 'Base layers': 'merino shirt',
  Trousers: 'trekking trousers', Backpacks: 'daypack 28 l', Tents: 'tent 2p', Poles: 'trekking poles', Socks: 'wool socks', Gloves: 'liner gloves',
};
const ADJECTIVES = ['Fell', 'Summit', 'Trail', 'Aurora', 'Taiga', 'Kaamos', 'Ruska', 'Tunturi', 'Lapland', 'Arctic', 'Metsä', 'Revontuli'];
const CITIES: [city: string, postalCode: string, timeZone: string, country: string][] = [
  ['Helsinki', '00100', 'Europe/Helsinki', 'FI'], ['Espoo', '02100', 'Europe/Helsinki', 'FI'], ['Tampere', '33100', 'Europe/Helsinki', 'FI'],
  ['Turku', '20100', 'Europe/Helsinki', 'FI'], ['Oulu', '90100', 'Europe/Helsinki', 'FI'], ['Stockholm', '111 20', 'Europe/Stockholm', 'SE'],
  ['Tallinn', '10111', 'Europe/Tallinn', 'EE'],
];
const ZONES = [
  { zoneId: 'entrance', name: 'Entrance', kind: 'entrance' },
  { zoneId: 'footwear', name: 'Footwear', kind: 'sales_floor' },
  { zoneId: 'clothing', name: 'Clothing', kind: 'sales_floor' },
  { zoneId: 'equipment', name: 'Equipment and accessories', kind: 'sales_floor' },
  { zoneId: 'checkout', name: 'Checkout', kind: 'checkout' },
];
const SOURCE_VERSION = 'sha256:9f2c41d7a0b35e18';

const skuOf = (i: number) => `SKU-${100_000 + i}`;
const storeIdOf = (i: number) => `S-${1001 + i}`;
const hex2 = (x: number) => (x & 0xff).toString(16).padStart(2, '0');
/** Unique per store and index, Cisco-Meraki-like OUI. */
const apMacOf = (store: number, j: number) => `00:18:0a:${hex2(store >> 8)}:${hex2(store)}:${hex2(j)}`;

function productOf(i: number): CdpReference.Product {
  const path = CATEGORY_PATHS[i % CATEGORY_PATHS.length]!;
  const brand = BRANDS[(i * 7) % BRANDS.length]!;
  return {
    tenant: TENANT,
    sku: skuOf(i),
    name: `${brand} ${ADJECTIVES[(i >> 3) % ADJECTIVES.length]} ${NOUNS[path[1]!]} ${i % 97}`,
    category: path.join(' > '),
    categoryPath: [...path],
    brand,
    priceMinor: 990 + ((i * 2_713) % 40_000),
    currency: 'EUR',
    marginRate: 0.25 + ((i * 37) % 30) / 100,
    sourceName: 'catalogue.csv',
    sourceVersion: SOURCE_VERSION,
    loadedAt: NOW - 48 * HOUR,
  };
}

function storeOf(i: number, beacons: number, accessPoints: number): CdpReference.Store {
  const [city, postalCode, timeZone, countryCode] = CITIES[i % CITIES.length]!;
  const zoneOf = (j: number) => ZONES[j % ZONES.length]!.zoneId;
  return {
    tenant: TENANT,
    storeId: storeIdOf(i),
    name: `Kuura ${city} ${i + 1}`,
    city,
    postalCode,
    countryCode,
    latitude: 60 + (i % 100) / 100,
    longitude: 24 + (i % 50) / 50,
    timeZone,
    openingHours: Array.from({ length: 7 }, (_, d) => ({ dayOfWeek: d + 1, opens: d === 6 ? '12:00' : '09:00', closes: d >= 5 ? '18:00' : '21:00' })),
    zones: ZONES.map((z) => ({ ...z })),
    beacons: Array.from({ length: beacons }, (_, j) => ({ uuid: BEACON_UUID, major: i + 1, minor: j + 1, zoneId: zoneOf(j) })),
    accessPoints: Array.from({ length: accessPoints }, (_, j) => ({ mac: apMacOf(i, j), zoneId: zoneOf(j + 1) })),
    sensors: [
      { sensorId: 'door-main', entrance: 'main', zoneId: 'entrance' },
      { sensorId: 'zone-checkout', entrance: null, zoneId: 'checkout' },
    ],
    sourceName: 'stores.json',
    sourceVersion: SOURCE_VERSION,
    loadedAt: NOW - 48 * HOUR,
  };
}

// ---------------------------------------------------------------------------------------------
// Events: what identity writes to identity.resolved-events.v1 for a retailer's web shop, app and
// stores, and the people counts ingest writes straight to store.people-counts.v1.

class Gen {
  constructor(readonly rng: () => number) {}
  int = (lo: number, hi: number) => lo + Math.floor(this.rng() * (hi - lo + 1));
  chance = (p: number) => this.rng() < p;
  pick = <T>(list: readonly T[]): T => list[Math.floor(this.rng() * list.length)]!;
  weighted = <T>(list: readonly (readonly [T, number])[]): T => {
    let x = this.rng() * list.reduce((s, [, w]) => s + w, 0);
    for (const [v, w] of list) if ((x -= w) < 0) return v;
    return list[list.length - 1]![0];
  };
  hex = (digits: number) => Array.from({ length: digits }, () => Math.floor(this.rng() * 16).toString(16)).join('');
  uuid = () => `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${'89ab'[this.int(0, 3)]}${this.hex(3)}-${this.hex(12)}`;
}

/** Browsers as real sites see them: a few hundred distinct agents (versions, models), some crawlers. */
function userAgentOf(g: Gen): { ua: string; bot: boolean } {
  const chrome = g.int(136, 142);
  const ios = g.pick(['17_6', '18_0', '18_1', '18_3', '18_5', '18_6']);
  const safari = ios.replace('_', '.');
  const android = g.int(12, 15);
  const kind = g.weighted([
    ['win-chrome', 22], ['win-edge', 8], ['win-firefox', 4], ['mac-safari', 8], ['mac-chrome', 5], ['iphone', 26], ['iphone-instagram', 3],
    ['ipad', 3], ['android', 14], ['samsung', 4], ['linux-firefox', 1], ['bot', 3],
  ] as const);
  switch (kind) {
    case 'win-chrome': return { ua: `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome}.0.0.0 Safari/537.36`, bot: false };
    case 'win-edge': return { ua: `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome}.0.0.0 Safari/537.36 Edg/${chrome}.0.${g.int(3000, 3500)}.${g.int(10, 99)}`, bot: false };
    case 'win-firefox': return { ua: `Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${g.int(138, 145)}.0) Gecko/20100101 Firefox/${g.int(138, 145)}.0`, bot: false };
    case 'mac-safari': return { ua: `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${safari} Safari/605.1.15`, bot: false };
    case 'mac-chrome': return { ua: `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome}.0.0.0 Safari/537.36`, bot: false };
    case 'iphone': return { ua: `Mozilla/5.0 (iPhone; CPU iPhone OS ${ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${safari} Mobile/15E148 Safari/604.1`, bot: false };
    case 'iphone-instagram':
      return { ua: `Mozilla/5.0 (iPhone; CPU iPhone OS ${ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram ${g.int(380, 399)}.0.0.${g.int(10, 50)}.${g.int(70, 99)} (iPhone15,${g.int(2, 5)}; iOS ${ios}; fi_FI; fi; scale=3.00; 1179x2556; ${g.int(600_000_000, 700_000_000)})`, bot: false };
    case 'ipad': return { ua: `Mozilla/5.0 (iPad; CPU OS ${ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${safari} Mobile/15E148 Safari/604.1`, bot: false };
    case 'android': return { ua: `Mozilla/5.0 (Linux; Android ${android}; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome}.0.0.0 Mobile Safari/537.36`, bot: false };
    case 'samsung': return { ua: `Mozilla/5.0 (Linux; Android ${android}; SM-${g.pick(['S918B', 'S921B', 'A546B', 'G991B'])}) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/${g.int(26, 28)}.0 Chrome/${chrome - 8}.0.0.0 Mobile Safari/537.36`, bot: false };
    case 'linux-firefox': return { ua: `Mozilla/5.0 (X11; Linux x86_64; rv:${g.int(138, 145)}.0) Gecko/20100101 Firefox/${g.int(138, 145)}.0`, bot: false };
    default:
      return {
        ua: g.pick([
          'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
          'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.7390.122 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
          'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
          'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
          'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
          `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/${chrome}.0.0.0 Safari/537.36`,
        ]),
        bot: true,
      };
  }
}

/** Public networks (placed by the DB-IP database), as ingest leaves addresses: /24 and /48. */
const NETWORKS_V4: readonly (readonly [string, number])[] = [
  ['193.166', 12], ['91.152', 14], ['84.248', 14], ['62.78', 10], ['88.112', 10], ['212.149', 6], // FI
  ['81.224', 6], ['90.190', 4], ['91.64', 4], ['86.128', 3], ['77.86', 1], ['73.162', 3], ['90.84', 2], ['145.53', 2], // SE EE DE GB GB US FR NL
];
const NETWORKS_V6: readonly (readonly [string, number])[] = [['2001:14ba', 6], ['2a02:c7c', 2], ['2003:e2', 2]];

function ipOf(g: Gen): string | null {
  const x = g.rng();
  if (x < 0.005) return null;
  if (x < 0.015) return `10.${g.int(0, 255)}.${g.int(0, 255)}.0`; // a proxy that forwards its own private address
  if (x < 0.115) return `${g.weighted(NETWORKS_V6)}:${g.int(0, 0xffff).toString(16)}::`;
  return `${g.weighted(NETWORKS_V4)}.${g.int(0, 255)}.0`;
}

/** How a visit arrives: the landing page's query, the referrer, and context.campaign as analytics.js fills it from utm_. */
const ARRIVALS: readonly (readonly [{ query: string; referrer: string | null; utm?: { source: string; medium: string; name: string; term?: string; content?: string } }, number])[] = [
  [{ query: '', referrer: null }, 30],
  [{ query: '', referrer: 'https://www.google.com/' }, 22],
  [{ query: '', referrer: 'https://www.bing.com/' }, 3],
  [{ query: '', referrer: 'https://duckduckgo.com/' }, 2],
  [{ query: '?gclid=EAIaIQobChMIr8fK2pWJkQMVxKWDBx1', referrer: 'https://www.google.com/' }, 10],
  [{ query: '?utm_source=google&utm_medium=cpc&utm_campaign=winter-sale&utm_term=trail%20running%20shoes&gclid=Cj0KCQiA', referrer: 'https://www.google.fi/' }, 6],
  [{ query: '?utm_source=newsletter&utm_medium=email&utm_campaign=nl-48&utm_content=hero', referrer: null, utm: { source: 'newsletter', medium: 'email', name: 'nl-48', content: 'hero' } }, 8],
  [{ query: '', referrer: 'https://l.facebook.com/' }, 5],
  [{ query: '?fbclid=IwAR2xQ7kL9m', referrer: 'https://m.facebook.com/' }, 4],
  [{ query: '?utm_source=instagram&utm_medium=social&utm_campaign=ruska', referrer: 'https://l.instagram.com/', utm: { source: 'instagram', medium: 'social', name: 'ruska' } }, 4],
  [{ query: '', referrer: 'android-app://com.google.android.gm/' }, 1],
  [{ query: '', referrer: 'https://www.retkipaikka.fi/artikkelit/vaelluskengat' }, 4],
  [{ query: '?utm_source=partner&utm_medium=affiliate&utm_campaign=q4', referrer: 'https://www.tradedoubler.example/click', utm: { source: 'partner', medium: 'affiliate', name: 'q4' } }, 1],
];
const SEARCHES = ['gore-tex', 'merino', 'vaelluskengät', 'trail running', 'talvikengät', 'backpack 30 l', 'kuura jacket'];

interface Visitor {
  anonymousId: string;
  personId: string;
  userId: string | null;
  ua: string;
  bot: boolean;
  ip: string | null;
  locale: string;
  app: { installId: string; os: 'iOS' | 'Android' } | null;
  card: string | null;
}

type Kind = 'page' | 'viewed' | 'added' | 'searched' | 'order' | 'identify' | 'app' | 'server' | 'receipt' | 'beacon' | 'wifi';
const MIX: readonly (readonly [Kind, number])[] = [
  ['page', 44], ['viewed', 17], ['added', 5], ['searched', 3], ['order', 2.5], ['identify', 2], ['app', 10], ['server', 1.5], ['receipt', 8], ['beacon', 6], ['wifi', 7],
];
const KIND_LABELS: Record<Kind, string> = {
  page: 'web page views', viewed: 'Product Viewed', added: 'Product Added', searched: 'Products Searched', order: 'Order Completed (web)', identify: 'identify',
  app: 'app screens and tracks', server: 'server-side Order Completed', receipt: 'POS receipts', beacon: 'beacon sightings', wifi: 'Wi-Fi observations',
};

const NO_CONTEXT: CdpWeb.SegmentContext = {
  ip: null, userAgent: null, locale: null, timezone: null, libraryName: null, libraryVersion: null, pageUrl: null, pagePath: null, pageReferrer: null,
  pageTitle: null, pageSearch: null, campaignName: null, campaignSource: null, campaignMedium: null, campaignTerm: null, campaignContent: null,
  appName: null, appVersion: null, deviceId: null, deviceType: null, osName: null, osVersion: null, consent: null, extra: null,
};

interface Workload {
  /** Resolved events (the identity topic) and people counts, Avro-encoded with the registry's ids. */
  events: OutgoingRecord[];
  counts: OutgoingRecord[];
  kinds: Record<Kind, number>;
  bytes: number;
  visitors: number;
  agents: number;
  addresses: number;
}

function workload(eventCount: number, countCount: number, stores: CdpReference.Store[], productCount: number, codec: AvroCodec, ids: { resolved: number; counts: number }): Workload {
  const g = new Gen(mulberry32(20_251_128));
  const visitors: Visitor[] = Array.from({ length: Math.max(1_000, Math.round(eventCount / 8)) }, (_, v) => {
    const { ua, bot } = userAgentOf(g);
    const loggedIn = !bot && g.chance(0.4);
    return {
      anonymousId: g.uuid(),
      personId: `prs_${g.hex(20)}`,
      userId: loggedIn ? `cust-${2_000_000 + v}` : null,
      ua,
      bot,
      ip: ipOf(g),
      locale: g.weighted([['fi-FI', 80], ['sv-FI', 6], ['en-US', 8], ['en-GB', 3], ['sv-SE', 3]] as const),
      app: !bot && g.chance(0.2) ? { installId: g.uuid().toUpperCase(), os: g.chance(0.55) ? 'iOS' : 'Android' } : null,
      card: loggedIn && g.chance(0.5) ? `2${String(200_000_000_000 + v * 37).padStart(12, '0')}` : null,
    };
  });
  const humans = visitors.filter((v) => !v.bot);
  const appUsers = visitors.filter((v) => v.app);
  const withCard = visitors.filter((v) => v.card);
  const sku = () => (g.chance(0.03) ? `SKU-9${g.int(10_000, 99_999)}` : skuOf(g.int(0, productCount - 1)));
  const productJson = (s: string) => {
    const i = Number(s.slice(4)) - 100_000;
    const p = i >= 0 && i < productCount ? productOf(i) : null;
    return { product_id: s, sku: s, name: p?.name ?? 'Unlisted item', category: p?.categoryPath[0] ?? 'Other', brand: p?.brand ?? null, price: (p?.priceMinor ?? 990) / 100, currency: 'EUR' };
  };
  const kinds = Object.fromEntries(MIX.map(([k]) => [k, 0])) as Record<Kind, number>;
  const events: OutgoingRecord[] = [];
  let bytes = 0;
  const extra = ['{"screen":{"width":1920,"height":1080,"density":1}}', '{"screen":{"width":390,"height":844,"density":3},"network":{"wifi":true}}', null] as const;

  for (let i = 0; i < eventCount; i++) {
    let kind = g.weighted(MIX);
    // Crawlers only load pages.
    const v = kind === 'app' ? g.pick(appUsers) : g.pick(kind === 'page' ? visitors : humans);
    if (v.bot && kind !== 'page') kind = 'page';
    kinds[kind]++;
    const eventTime = NOW - g.int(0, 48 * HOUR);
    const envelope = (source: string): CdpWeb.SegmentEvent['envelope'] => ({ eventId: `ev-${i.toString(36).padStart(8, '0')}-${g.hex(6)}`, eventTime, receivedTime: eventTime + g.int(20, 900), source, tenant: TENANT, schemaVersion: 1 });
    const identifiers: CdpIdentity.Identifier[] = [{ type: 'anonymous_id', value: v.anonymousId }, ...(v.userId ? [{ type: 'user_id', value: v.userId }] : [])];
    let resolved: CdpIdentity.ResolvedEvent;
    let key: string;

    if (kind === 'receipt' || kind === 'beacon' || kind === 'wifi') {
      const storeIndex = g.int(0, stores.length - 1);
      const store = stores[storeIndex]!;
      if (kind === 'receipt') {
        const buyer = g.chance(0.5) ? g.pick(withCard) : null;
        const lines = Array.from({ length: g.weighted([[1, 45], [2, 30], [3, 15], [4, 10]] as const) }, (_, l): CdpStore.PosLine => {
          const unit = g.int(290, 25_000);
          const quantity = g.chance(0.1) ? 2 : 1;
          return { lineNumber: l + 1, sku: sku(), quantity, unitPriceMinor: unit, discountMinor: 0, totalMinor: unit * quantity };
        });
        const storeId = g.chance(0.02) ? 'S-0999' : store.storeId;
        const registerId = `till-${g.int(1, 6)}`;
        key = `${storeId}/${registerId}`;
        resolved = {
          personId: buyer?.personId ?? null,
          identifiers: buyer ? [{ type: 'loyalty_card', value: buyer.card! }] : [],
          event: {
            'cdp.store.PosTransaction': {
              envelope: envelope('store-gateway'), storeId, receiptId: `R-${i.toString(36)}`, registerId, kind: 'SALE', loyaltyCard: buyer?.card ?? null, customerId: null, consent: null,
              currency: 'EUR', totalMinor: lines.reduce((s, l) => s + l.totalMinor, 0), paymentMethod: g.pick(['card', 'card', 'mobile', 'cash']), lines,
            },
          },
        };
      } else if (kind === 'beacon') {
        const shopper = g.pick(appUsers);
        const meraki = g.chance(0.15);
        const known = g.chance(0.9);
        const clientMacHash = meraki ? g.hex(64) : null;
        key = meraki ? `${store.storeId}/${clientMacHash}` : `${store.storeId}/${shopper.app!.installId}`;
        resolved = {
          personId: meraki ? null : shopper.personId,
          identifiers: meraki ? [] : [{ type: 'anonymous_id', value: shopper.app!.installId }],
          event: {
            'cdp.store.BeaconSighting': {
              envelope: envelope(meraki ? 'meraki-scanning' : 'shop-app'),
              storeId: meraki || g.chance(0.5) ? store.storeId : null,
              appInstallId: meraki ? null : shopper.app!.installId,
              userId: meraki ? null : shopper.userId,
              beaconUuid: meraki ? null : BEACON_UUID,
              major: meraki ? null : known ? storeIndex + 1 : 900 + g.int(0, 99),
              minor: meraki ? null : known ? g.int(1, store.beacons.length) : g.int(1, 8),
              rssi: -g.int(45, 90),
              proximity: meraki ? null : g.pick(['IMMEDIATE', 'NEAR', 'FAR'] as const),
              accuracyMeters: meraki ? null : g.int(5, 150) / 10,
              apMac: meraki ? (known ? g.pick(store.accessPoints).mac : `00:18:0a:ff:${hex2(g.int(0, 255))}:${hex2(g.int(0, 255))}`) : null,
              clientMacHash,
              randomizedMac: false,
            },
          },
        };
      } else {
        const randomized = g.chance(0.6);
        const owner = g.pick(humans);
        const mac = g.chance(0.9) ? g.pick(store.accessPoints).mac : `00:18:0a:fe:${hex2(g.int(0, 255))}:${hex2(g.int(0, 255))}`;
        // Gateways spell the MAC their own way; enrichment compares them as 12 hex digits.
        const apMac = g.weighted([[mac, 7], [mac.toUpperCase().replace(/:/g, '-'), 2], [mac.replace(/:/g, ''), 1]] as const);
        const clientMacHash = g.hex(64);
        key = `${store.storeId}/${clientMacHash}`;
        resolved = {
          personId: randomized ? null : owner.personId,
          identifiers: randomized ? [] : [{ type: 'wifi_mac_hash', value: clientMacHash }],
          event: {
            'cdp.store.WifiObservation': {
              envelope: envelope('meraki-scanning'), storeId: store.storeId, apMac, clientMacHash, randomizedMac: randomized, rssi: -g.int(50, 95),
              ssid: g.chance(0.3) ? 'Kuura-Guest' : null, manufacturer: g.pick(['Apple', 'Samsung', 'Google', null]), os: g.pick(['iOS', 'Android', null]),
              lat: null, lng: null, uncertaintyMeters: g.int(3, 30), floorplanId: null, emailHash: null, phoneHash: null, loginHash: null,
            },
          },
        };
      }
    } else {
      // Web, app and server-side Segment events.
      const s = (fields: Partial<Omit<CdpWeb.SegmentEvent, 'context'>> & { context: Partial<CdpWeb.SegmentContext> }, source: string, channel: CdpWeb.Channel): CdpWeb.SegmentEvent => ({
        envelope: envelope(source), type: 'TRACK', channel, anonymousId: v.anonymousId, userId: v.userId, event: null, name: null, category: null, previousId: null,
        groupId: null, properties: null, traits: null, integrations: null, sentAt: eventTime + g.int(0, 2_000), originalTimestamp: eventTime, ...fields,
        context: { ...NO_CONTEXT, ...fields.context },
      });
      const webContext = (path: string, landing: boolean): Partial<CdpWeb.SegmentContext> => {
        const arrival = landing ? g.weighted(ARRIVALS) : null;
        const search = arrival?.query ?? (path === '/search' ? `?q=${encodeURIComponent(g.pick(SEARCHES))}` : '');
        return {
          ip: v.ip, userAgent: v.ua, locale: v.locale, timezone: 'Europe/Helsinki', libraryName: 'analytics.js', libraryVersion: 'npm:next-1.84.0',
          pageUrl: `${SHOP}${path}${search}`, pagePath: path, pageReferrer: arrival ? arrival.referrer : `${SHOP}/`, pageTitle: 'Kuura | Outdoor', pageSearch: search || null,
          campaignName: arrival?.utm?.name ?? null, campaignSource: arrival?.utm?.source ?? null, campaignMedium: arrival?.utm?.medium ?? null,
          campaignTerm: arrival?.utm?.term ?? null, campaignContent: arrival?.utm?.content ?? null, extra: g.pick(extra),
        };
      };
      const productPath = (s: string) => `/p/${s.slice(4)}-${g.pick(['fell-running-shoe', 'shell-jacket', 'daypack-28', 'merino-shirt'])}`;
      let event: CdpWeb.SegmentEvent;
      key = v.anonymousId;
      if (kind === 'page') {
        const path = g.pick(['/', '/c/shoes', '/c/jackets', '/c/equipment', '/search', '/cart', '/stores', productPath(sku())]);
        const context = webContext(path, v.bot || g.chance(0.25));
        event = s({ type: 'PAGE', name: path === '/' ? 'Home' : path.split('/')[1]!, category: null, properties: JSON.stringify({ path, url: context.pageUrl, referrer: context.pageReferrer, title: 'Kuura | Outdoor' }), context }, 'web-shop', 'WEB');
      } else if (kind === 'viewed' || kind === 'added') {
        const item = sku();
        const properties = kind === 'added' ? { ...productJson(item), quantity: 1, cart_id: `cart-${g.hex(6)}` } : productJson(item);
        event = s({ event: kind === 'viewed' ? 'Product Viewed' : 'Product Added', properties: JSON.stringify(properties), context: webContext(productPath(item), g.chance(0.1)) }, 'web-shop', 'WEB');
      } else if (kind === 'searched') {
        event = s({ event: 'Products Searched', properties: JSON.stringify({ query: g.pick(SEARCHES) }), context: webContext('/search', false) }, 'web-shop', 'WEB');
      } else if (kind === 'order' || kind === 'server') {
        const products = Array.from({ length: g.int(1, 3) }, () => ({ ...productJson(sku()), quantity: g.int(1, 2) }));
        const total = products.reduce((t, p) => t + p.price * p.quantity, 0);
        const properties = JSON.stringify({ order_id: `O-${i.toString(36)}`, total: Math.round(total * 100) / 100, shipping: 4.9, tax: Math.round(total * 20) / 100, currency: 'EUR', products });
        event = kind === 'order'
          ? s({ event: 'Order Completed', properties, context: webContext('/checkout/complete', false) }, 'web-shop', 'WEB')
          : s({ event: 'Order Completed', anonymousId: null, userId: v.userId ?? `cust-${g.int(1, 999_999)}`, properties, context: { libraryName: '@segment/analytics-node', libraryVersion: '2.2.1' } }, 'shop-backend', 'SERVER');
        if (kind === 'server') key = event.userId!;
      } else if (kind === 'identify') {
        event = s({ type: 'IDENTIFY', userId: v.userId ?? `cust-${g.int(1, 999_999)}`, traits: JSON.stringify({ emailHash: g.hex(64), loyaltyTier: 'silver', postalCode: '00100' }), context: webContext('/account', false) }, 'web-shop', 'WEB');
      } else {
        const { installId, os } = v.app!;
        const screen = g.chance(0.6);
        const item = sku();
        event = s(
          {
            type: screen ? 'SCREEN' : 'TRACK', anonymousId: installId, name: screen ? g.pick(['Home', 'Product', 'Offers', 'Stores', 'Cart']) : null, event: screen ? null : 'Product Viewed',
            properties: screen ? null : JSON.stringify(productJson(item)),
            context: {
              ip: v.ip, locale: v.locale, timezone: 'Europe/Helsinki', libraryName: os === 'iOS' ? 'analytics-swift' : 'analytics-kotlin', libraryVersion: '1.7.2',
              // analytics-kotlin sends the system agent; analytics-swift none.
              userAgent: os === 'Android' ? `Dalvik/2.1.0 (Linux; U; Android ${g.int(12, 15)}; Pixel ${g.int(6, 9)} Build/AP2A.240905.003)` : null,
              appName: 'Kuura', appVersion: '5.12.0', deviceId: installId, deviceType: os === 'iOS' ? 'ios' : 'android', osName: os, osVersion: os === 'iOS' ? '18.1' : '15',
            },
          },
          'shop-app',
          'APP',
        );
        key = installId;
      }
      resolved = { personId: v.personId, identifiers: kind === 'app' ? [{ type: 'anonymous_id', value: v.app!.installId }, { type: 'device_id', value: v.app!.installId }] : identifiers, event: { 'cdp.web.SegmentEvent': event } };
    }
    const value = codec.encode(ids.resolved, resolved);
    bytes += value.length;
    events.push({ key, value });
  }

  const counts: OutgoingRecord[] = [];
  for (let i = 0; i < countCount; i++) {
    const store = g.pick(stores);
    const hour = g.int(0, 47);
    const r = g.rng();
    const sensorId = r < 0.7 ? 'door-main' : r < 0.95 ? 'zone-checkout' : 'zone-unknown';
    const eventTime = NOW - hour * HOUR;
    const count: CdpStore.PeopleCount = {
      envelope: { eventId: `pc-${i.toString(36)}-${g.hex(6)}`, eventTime, receivedTime: eventTime + 1_000, source: 'store-gateway', tenant: TENANT, schemaVersion: 1 },
      storeId: store.storeId, sensorId, zoneId: sensorId === 'zone-unknown' ? 'fitting-rooms' : null,
      kind: sensorId === 'door-main' ? 'LINE_CROSSING' : 'ZONE_OCCUPANCY', periodSeconds: sensorId === 'door-main' ? 3600 : 0,
      countIn: sensorId === 'door-main' ? g.int(2, 60) : null, countOut: sensorId === 'door-main' ? g.int(2, 60) : null, occupancy: sensorId === 'door-main' ? null : g.int(0, 12), queueLength: null,
    };
    const value = codec.encode(ids.counts, count);
    bytes += value.length;
    counts.push({ key: `${store.storeId}/${sensorId}`, value });
  }
  return { events, counts, kinds, bytes, visitors: visitors.length, agents: new Set(visitors.map((v) => v.ua)).size, addresses: new Set(visitors.map((v) => v.ip)).size };
}

// ---------------------------------------------------------------------------------------------
// The child process: its memory and CPU from /proc, its log lines.

interface ProcSample {
  rss: number;
  hwm: number;
  /** utime + stime, seconds. */
  cpu: number;
}

const CLOCK_TICKS = 100; // USER_HZ; Linux reports /proc/<pid>/stat times in it on every common platform.

function procSample(pid: number): ProcSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at index 3 of the man page's numbering.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { rss: kb('VmRSS'), hwm: kb('VmHWM'), cpu: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS };
  } catch {
    return undefined;
  }
}

/** The whole machine's busy and total CPU time from /proc/stat, in ticks. */
function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = line.reduce((a, b) => a + b, 0);
  const idle = line[3]! + (line[4] ?? 0);
  return { busy: total - idle, total };
}

interface KafkaRun {
  inputs: number;
  outputs: number;
  deadLetters: number;
  firstOutputMs: number;
  doneMs: number;
  outputsAtFirst: number;
  referenceMs: number | null;
  referenceSeenMs: number | null;
  runningSeenMs: number | null;
  referenceRows: string;
  rssAtReady: number | null;
  rssAtEnd: number;
  rssMaxSampled: number;
  hwm: number;
  cpuWindow: number;
  machineBusyWindow: number;
  polls: number;
}

async function runInstance(opts: { prefix: string; group: string; topics: ReturnType<typeof topicsWithPrefix>; inputs: number; admin: TopicAdmin; onChild: (c: ChildProcess) => void }): Promise<KafkaRun> {
  const { prefix, group, topics, admin } = opts;
  const port = await freePort();
  // As createTestPipeline starts a service, but here: this needs the child's pid and every log line.
  const nodeArgs = process.env.CDP_SERVICE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const t0 = performance.now();
  const child = spawn(process.execPath, [...SERVICE_NODE_ARGS, ...nodeArgs, '--import', 'tsx', join('services', 'enrichment', 'src', 'main.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', TOPIC_PREFIX: prefix, ENRICHMENT_GROUP_ID: group, METRICS_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  opts.onChild(child);
  const pid = child.pid!;
  const tail: string[] = [];
  let referenceMs: number | null = null;
  let referenceSeenMs: number | null = null;
  let runningSeenMs: number | null = null;
  let referenceRows = '';
  let rssAtReady: number | null = null;
  let partial = '';
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    let entry: { msg?: string; ms?: number; products?: number; stores?: number; beacons?: number; accessPoints?: number; sensors?: number };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return;
    }
    if (entry.msg === 'reference tables read; following them') {
      referenceSeenMs = performance.now() - t0;
      referenceMs = entry.ms ?? null;
      referenceRows = `${n(entry.products ?? 0)} products, ${n(entry.stores ?? 0)} stores (${n(entry.beacons ?? 0)} beacons, ${n(entry.accessPoints ?? 0)} access points, ${n(entry.sensors ?? 0)} sensors)`;
      rssAtReady = procSample(pid)?.rss ?? null;
    } else if (entry.msg === 'enrichment running') {
      runningSeenMs = performance.now() - t0;
    }
  };
  const collect = (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const lines = text.split('\n');
    partial = lines.pop()!;
    for (const line of lines) if (line) onLine(line);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  let firstOutputMs = -1;
  let outputsAtFirst = 0;
  let cpuAtFirst = 0;
  let machineAtFirst = { busy: 0, total: 0 };
  let rssMaxSampled = 0;
  let last: ProcSample | undefined;
  let polls = 0;
  const deadline = t0 + 600_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`enrichment exited (${child.exitCode ?? child.signalCode}) before it caught up; its last lines:\n${tail.join('\n')}`);
    if (performance.now() > deadline) throw new Error(`enrichment did not catch up within 600 s; its last lines:\n${tail.join('\n')}`);
    const [outputs, lagEvents, lagCounts] = await Promise.all([admin.endOffsetTotal(topics.enrichedEvents.name), admin.groupLag(group, topics.resolvedEvents.name), admin.groupLag(group, topics.peopleCounts.name)]);
    const t = performance.now() - t0;
    const sample = procSample(pid);
    polls++;
    if (sample) {
      last = sample;
      rssMaxSampled = Math.max(rssMaxSampled, sample.rss);
    }
    if (firstOutputMs < 0 && outputs > 0) {
      firstOutputMs = t;
      outputsAtFirst = outputs;
      cpuAtFirst = sample?.cpu ?? 0;
      machineAtFirst = machineCpu();
    }
    if (lagEvents === 0 && lagCounts === 0 && firstOutputMs >= 0) {
      const machine = machineCpu();
      // Read again: the count above may have been answered before the last batch's send, the lag after its commit.
      const [finalOutputs, deadEvents, deadCounts] = await Promise.all([
        admin.endOffsetTotal(topics.enrichedEvents.name),
        admin.endOffsetTotal(deadLetterTopicOf(topics.resolvedEvents).name),
        admin.endOffsetTotal(deadLetterTopicOf(topics.peopleCounts).name),
      ]);
      return {
        inputs: opts.inputs,
        outputs: finalOutputs,
        deadLetters: deadEvents + deadCounts,
        firstOutputMs,
        doneMs: t,
        outputsAtFirst,
        referenceMs,
        referenceSeenMs,
        runningSeenMs,
        referenceRows,
        rssAtReady,
        rssAtEnd: last?.rss ?? 0,
        rssMaxSampled,
        hwm: last?.hwm ?? 0,
        cpuWindow: (last?.cpu ?? 0) - cpuAtFirst,
        machineBusyWindow: (machine.busy - machineAtFirst.busy) / Math.max(1, machine.total - machineAtFirst.total),
        polls,
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------
// Part 2: the core in this process.

interface CoreStats {
  device: number;
  bots: number;
  geo: number;
  countries: Map<string, number>;
  campaign: number;
  media: Map<string, number>;
  withProducts: number;
  products: number;
  productsFound: number;
  store: number;
  storeFound: number;
  zone: number;
  missing: Map<string, number>;
  rejected: number;
  outBytes: number;
  /** Encoded bodies over avsc's 1,024-byte scratch buffer: Type.toBuffer writes those twice. */
  overScratch: number;
}

type Step = ReturnType<typeof processEnrichment>;

function newStep(geo: GeoLookup, catalogue: Catalogue, stores: StoreDirectory, peopleCounts: string, enriched: TopicSpec, missing: Map<string, number>): Step {
  return processEnrichment(
    { catalogue, stores, parseUserAgent: createUserAgentParser(), lookupGeo: (ip) => geo.lookup(ip), classifyCampaign },
    { peopleCounts, enriched },
    (dataset) => missing.set(dataset, (missing.get(dataset) ?? 0) + 1),
  );
}

/** decode -> process -> encode per record, as the stream processor does (less Kafka and its awaits). */
function corePass(records: IncomingRecord[], readers: Map<string, unknown>, step: Step, decoder: AvroCodec, encoder: AvroCodec, enrichedId: number, stats?: CoreStats): number {
  const t = performance.now();
  for (const record of records) {
    const value = decoder.decodeCached(record.value!, readers.get(record.topic) as never);
    const outcome = step(value, record);
    if (outcome.kind !== 'ok') {
      if (stats) stats.rejected++;
      continue;
    }
    for (const o of outcome.value) {
      const bytes = encoder.encode(enrichedId, o.value);
      if (stats) tally(stats, o.value as CdpEnrichment.EnrichedEvent, bytes.length);
    }
  }
  return performance.now() - t;
}

function tally(s: CoreStats, e: CdpEnrichment.EnrichedEvent, bytes: number): void {
  const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  s.outBytes += bytes;
  if (bytes - 5 > 1024) s.overScratch++;
  if (e.device) s.device++;
  if (e.device?.isBot) s.bots++;
  if (e.geo) {
    s.geo++;
    inc(s.countries, e.geo.countryCode ?? '?');
  }
  if (e.campaign) {
    s.campaign++;
    inc(s.media, e.campaign.medium);
  }
  if (e.products.length > 0) s.withProducts++;
  s.products += e.products.length;
  s.productsFound += e.products.filter((p) => p.found).length;
  if (e.store) s.store++;
  if (e.store?.found) s.storeFound++;
  if (e.store?.zoneName) s.zone++;
}

const top = (m: Map<string, number>, whole: number, k = 6) =>
  [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([key, c]) => `${key} ${pct(c, whole)}`).join(', ');

// ---------------------------------------------------------------------------------------------
// Part 3: memory.

function memory(): NodeJS.MemoryUsage {
  global.gc!();
  return process.memoryUsage();
}

interface TableMemory {
  rows: number;
  heap: number;
  rss: number;
  seconds: number;
  detail: string;
}

function catalogueMemory(rows: number, codec: AvroCodec, productId: number, reader: unknown): TableMemory {
  const before = memory();
  const t = performance.now();
  const catalogue = new Catalogue();
  for (let i = 0; i < rows; i++) catalogue.upsert(codec.decodeCached<CdpReference.Product>(codec.encode(productId, productOf(i)), reader as never)!);
  const seconds = (performance.now() - t) / 1000;
  const after = memory();
  return { rows: catalogue.size, heap: after.heapUsed - before.heapUsed, rss: after.rss - before.rss, seconds, detail: `${n(catalogue.size)} products` };
}

function directoryMemory(rows: number, codec: AvroCodec, storeId: number, reader: unknown): TableMemory {
  const storeCount = Math.ceil(rows / (2 * ROWS_PER_STORE_KIND));
  const before = memory();
  const t = performance.now();
  const directory = new StoreDirectory();
  for (let i = 0; i < storeCount; i++) directory.upsert(codec.decodeCached<CdpReference.Store>(codec.encode(storeId, storeOf(i, ROWS_PER_STORE_KIND, ROWS_PER_STORE_KIND)), reader as never)!);
  const seconds = (performance.now() - t) / 1000;
  const after = memory();
  const size = directory.size;
  return {
    rows: size.beacons + size.accessPoints,
    heap: after.heapUsed - before.heapUsed,
    rss: after.rss - before.rss,
    seconds,
    detail: `${n(size.stores)} stores x (${ROWS_PER_STORE_KIND} beacons + ${ROWS_PER_STORE_KIND} access points), with their ${ZONES.length} zones, ${size.sensors / size.stores} sensors and opening hours`,
  };
}

// ---------------------------------------------------------------------------------------------


async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { events: { type: 'string', default: '200000' }, products: { type: 'string', default: '5000' }, stores: { type: 'string', default: '50' }, rows: { type: 'string', default: '1000000' } },
  });
  const eventCount = positive('events', values.events);
  const productCount = positive('products', values.products);
  const storeCount = positive('stores', values.stores);
  const rows = positive('rows', values.rows);
  if (storeCount > 899) {
    console.error('--stores must be at most 899 (beacon majors 900+ stand for unknown beacons)');
    process.exit(2);
  }
  if (typeof global.gc !== 'function') {
    console.error('bench:enrichment needs node --expose-gc to measure memory: run it as `pnpm bench:enrichment`');
    process.exit(2);
  }
  // Asked by address rather than by the stack's pid files: any Kafka and registry there will do.
  const [kafkaUp, registryUp] = await Promise.all([probeBroker(BROKERS), probeRegistry(REGISTRY)]);
  if (!kafkaUp || !registryUp) throw new Error(`${[!kafkaUp && `Kafka at ${BROKERS.join(',')}`, !registryUp && `the schema registry at ${REGISTRY}`].filter(Boolean).join(' and ')} not answering: run \`pnpm stack:up\` first`);

  const started = performance.now();
  const countCount = Math.max(1, Math.round(eventCount / 40));
  say('bench:enrichment: one enrichment instance with every enrichment on (device and bot flag, geo, campaign, catalogue, store and zone)');
  say(`  machine: ${describeMachine()}`);
  say(`  options: --events ${eventCount} --products ${productCount} --stores ${storeCount} --rows ${rows}`);
  say(`  load average (1 min) at start: ${loadavg()[0]!.toFixed(2)}  (other work on the machine skews every figure: Kafka and the registry share it)`);
  say('  (MB is 2^20 bytes; heap figures are heapUsed after a full collection)');

  const run = `benchenr${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const prefix = `${run}.`;
  const group = `enrichment-${run}`;
  const topics = topicsWithPrefix(prefix);
  const ours: TopicSpec[] = [topics.resolvedEvents, topics.peopleCounts, topics.enrichedEvents, topics.products, topics.stores, deadLetterTopicOf(topics.resolvedEvents), deadLetterTopicOf(topics.peopleCounts)];
  const clients = createKafkaClients({ brokers: BROKERS, clientId: 'bench-enrichment', logger: createLogger('bench-enrichment', 'silent') });
  const admin = await clients.admin();
  let child: ChildProcess | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await stopChild(child).catch(() => undefined);
      // Listed rather than taken from `ours`, so an interrupted setup is cleaned up too.
      const left = (await admin.listTopics().catch(() => [] as string[])).filter((t) => t.startsWith(prefix));
      if (left.length) await admin.deleteTopics(left).catch((e: unknown) => say(`  cleanup: could not delete ${left.length} topics ${prefix}*: ${(e as Error).message}`));
      await admin.close().catch(() => undefined);
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    say(`\n${signal}: stopping enrichment and deleting the bench topics...`);
    void cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    // -- Setup ---------------------------------------------------------------------------------
    let t = performance.now();
    await prepareTopics(ours);
    const catalog = loadSchemaCatalog();
    const codec = createAvroCodec({ url: REGISTRY });
    const idOf = (topic: TopicSpec) => codec.idOf(valueSubjectOf(topic.name), catalog.resolve(topic.valueType));
    const ids = { resolved: await idOf(topics.resolvedEvents), counts: await idOf(topics.peopleCounts), products: await idOf(topics.products), stores: await idOf(topics.stores), enriched: await idOf(topics.enrichedEvents) };
    const setupSeconds = (performance.now() - t) / 1000;

    t = performance.now();
    const products = Array.from({ length: productCount }, (_, i) => productOf(i));
    const stores = Array.from({ length: storeCount }, (_, i) => storeOf(i, 8, 6));
    const productRecords = products.map((p): OutgoingRecord => ({ key: `${p.tenant}|${p.sku}`, value: codec.encode(ids.products, p) }));
    const storeRecords = stores.map((s): OutgoingRecord => ({ key: `${s.tenant}|${s.storeId}`, value: codec.encode(ids.stores, s) }));
    const work = workload(eventCount, countCount, stores, productCount, codec, ids);
    const inputs = work.events.length + work.counts.length;
    const buildSeconds = (performance.now() - t) / 1000;

    t = performance.now();
    const producer = await clients.producer();
    await producer.send(topics.products.name, productRecords);
    await producer.send(topics.stores.name, storeRecords);
    await producer.send(topics.resolvedEvents.name, work.events);
    await producer.send(topics.peopleCounts.name, work.counts);
    await producer.close();
    const publishSeconds = (performance.now() - t) / 1000;

    say(`\nsetup: topics ${prefix}* (${ours.length}, schemas registered) in ${setupSeconds.toFixed(1)} s; inputs built in ${buildSeconds.toFixed(1)} s and published in ${publishSeconds.toFixed(1)} s (not measured)`);
    say(`  reference: ${n(productCount)} products (tenant|sku) -> ${topics.products.name}; ${n(storeCount)} stores with ${ZONES.length} zones, 8 beacons, 6 access points, 2 sensors each -> ${topics.stores.name}`);
    say(`  events:    ${n(work.events.length)} resolved events -> ${topics.resolvedEvents.name} (${topics.resolvedEvents.partitions} partitions), ${n(work.counts.length)} people counts -> ${topics.peopleCounts.name}; ${(work.bytes / MB).toFixed(0)} MB of Avro, ${(work.bytes / inputs).toFixed(0)} bytes each on average`);
    say(`  mix:       ${MIX.map(([k]) => `${KIND_LABELS[k]} ${pct(work.kinds[k], work.events.length)}`).join(', ')}`);
    say(`             web: ${n(work.visitors)} visitors with ${n(work.agents)} distinct browser agents (3 % of visitors crawlers) and ${n(work.addresses)} distinct addresses: public /24 and /48 of 8 countries (10 % IPv6, 1 % private, 0.5 % none),`);
    say('             landing pages with UTM, gclid or fbclid and search, social, e-mail or referral referrers; 3 % of skus and ~10 % of beacons and access points unknown');

    // -- 1. One instance over Kafka ---------------------------------------------------------------
    say('\n1. one enrichment instance over Kafka (services/enrichment/src/main.ts as a child process, its own consumer group, backlog written before it starts)');
    const k = await runInstance({ prefix, group, topics, inputs, admin, onChild: (c) => (child = c) });
    await stopChild(child);
    const windowSeconds = (k.doneMs - k.firstOutputMs) / 1000;
    const steady = (k.outputs - k.outputsAtFirst) / windowSeconds;
    const overall = k.inputs / (k.doneMs / 1000);
    say(`  events/s:        ${n(steady)} from its first output record to lag 0 on both inputs (${n(k.outputs - k.outputsAtFirst)} records in ${windowSeconds.toFixed(2)} s)`);
    say(`                   ${n(overall)} from process start (${n(k.inputs)} inputs in ${secs(k.doneMs)}, startup included)`);
    say(`  startup:         first output ${secs(k.firstOutputMs)} after spawn; reference tables read in ${k.referenceMs === null ? '?' : `${n(k.referenceMs)} ms`} (${k.referenceRows || 'not logged'}),` + ` done ${k.referenceSeenMs === null ? '?' : secs(k.referenceSeenMs)} after spawn; 'enrichment running' at ${k.runningSeenMs === null ? '?' : secs(k.runningSeenMs)}`);
    say('                   (the rest: Node + tsx, the GeoIP database, schema ids, the consumer group join)');
    say(`  memory (RSS):    ${k.rssAtReady === null ? '?' : mb(k.rssAtReady)} when the reference tables were read; ${mb(k.rssAtEnd)} at the end; peak ${mb(k.hwm)} (VmHWM), highest sampled ${mb(k.rssMaxSampled)}`);
    const cpuPerEvent = k.cpuWindow / (k.outputs - k.outputsAtFirst);
    say(`  CPU:             the service used ${(k.cpuWindow / windowSeconds).toFixed(2)} cores (user+system, all its threads) while working: ${(cpuPerEvent * 1e6).toFixed(0)} us of CPU per event, ${n(1 / cpuPerEvent)} events per CPU-second;`);
    say(`                   the whole machine was ${pct(k.machineBusyWindow, 1)} busy meanwhile (Kafka, the registry, this bench, anything else)`);
    say(`  output:          ${n(k.outputs)} records on ${topics.enrichedEvents.name} for ${n(k.inputs)} inputs; ${n(k.deadLetters)} dead letters; lag polled every 100 ms (${k.polls} polls)`);
    if (k.outputs !== k.inputs || k.deadLetters !== 0) {
      throw new Error(`the enriched topic holds ${k.outputs} records for ${k.inputs} inputs and ${k.deadLetters} went to dead-letter topics: every input must give exactly one enriched event`);
    }

    // -- 2. The core in this process -----------------------------------------------------------------
    say('\n2. the core in this process: Avro decode -> processEnrichment -> Avro encode, one thread, no Kafka');
    const beforeGeo = memory();
    t = performance.now();
    const geo = await openGeoDatabase();
    const geoSeconds = (performance.now() - t) / 1000;
    const afterGeo = memory();
    const geoFiles = statSync(GEO_DATABASE.ipv4File).size + statSync(GEO_DATABASE.ipv6File).size;
    // A codec of its own for decoding: it fetches the writer schemas from the registry, as the service's does.
    const decoder = createAvroCodec({ url: REGISTRY });
    const records: IncomingRecord[] = [
      ...work.events.map((r, i): IncomingRecord => ({ topic: topics.resolvedEvents.name, partition: 0, offset: String(i), key: Buffer.from(String(r.key)), value: r.value, timestamp: '0', headers: {} })),
      ...work.counts.map((r, i): IncomingRecord => ({ topic: topics.peopleCounts.name, partition: 0, offset: String(i), key: Buffer.from(String(r.key)), value: r.value, timestamp: '0', headers: {} })),
    ];
    // Interleaved as the consumer hands them over (people counts between the events), not as one block at the end.
    const interleaved: IncomingRecord[] = [];
    const every = Math.max(1, Math.floor(work.events.length / work.counts.length));
    let c = work.events.length;
    for (let i = 0; i < work.events.length; i++) {
      interleaved.push(records[i]!);
      if (i % every === every - 1 && c < records.length) interleaved.push(records[c++]!);
    }
    while (c < records.length) interleaved.push(records[c++]!);
    const readers = new Map<string, unknown>([
      [topics.resolvedEvents.name, catalog.resolve(topics.resolvedEvents.valueType)],
      [topics.peopleCounts.name, catalog.resolve(topics.peopleCounts.valueType)],
    ]);
    for (const r of [records[0]!, records[records.length - 1]!, ...productRecords.slice(0, 1), ...storeRecords.slice(0, 1)]) await decoder.decode(r.value!);
    const catalogue = new Catalogue();
    const directory = new StoreDirectory();
    for (const r of productRecords) catalogue.upsert(decoder.decodeCached<CdpReference.Product>(r.value!, catalog.resolve(topics.products.valueType))!);
    for (const r of storeRecords) directory.upsert(decoder.decodeCached<CdpReference.Store>(r.value!, catalog.resolve(topics.stores.valueType))!);

    const missing = new Map<string, number>();
    const stats: CoreStats = { device: 0, bots: 0, geo: 0, countries: new Map(), campaign: 0, media: new Map(), withProducts: 0, products: 0, productsFound: 0, store: 0, storeFound: 0, zone: 0, missing, rejected: 0, outBytes: 0, overScratch: 0 };
    // Pass 1: cold, as the service starts (empty agent and geo caches, code not yet optimised); counts what the events got.
    const coldMs = corePass(interleaved, readers, newStep(geo, catalogue, directory, topics.peopleCounts.name, topics.enrichedEvents, missing), decoder, codec, ids.enriched, stats);
    // Pass 2: the same records again with warm caches and optimised code: a long-running instance.
    const warmStep = newStep(geo, catalogue, directory, topics.peopleCounts.name, topics.enrichedEvents, new Map());
    corePass(interleaved.slice(0, 20_000), readers, warmStep, decoder, codec, ids.enriched);
    const warmMs = corePass(interleaved, readers, warmStep, decoder, codec, ids.enriched);
    // Pass 3: each stage over every record on its own, warm.
    t = performance.now();
    const decoded = interleaved.map((r) => decoder.decodeCached(r.value!, readers.get(r.topic) as never));
    const decodeMs = performance.now() - t;
    t = performance.now();
    const outcomes = decoded.map((v, i) => warmStep(v, interleaved[i]!));
    const processMs = performance.now() - t;
    t = performance.now();
    for (const o of outcomes) if (o.kind === 'ok') for (const out of o.value) codec.encode(ids.enriched, out.value);
    const encodeMs = performance.now() - t;
    decoded.length = 0;
    outcomes.length = 0;

    const total = interleaved.length;
    const webEvents = work.events.length - work.kinds.receipt - work.kinds.beacon - work.kinds.wifi;
    say(`  events/s:  ${n(total / (coldMs / 1000))} cold (first pass, empty caches: ${n(total)} records in ${secs(coldMs)}); ${n(total / (warmMs / 1000))} warm (second pass, in ${secs(warmMs)})`);
    say(`  per stage: decode ${((1000 * decodeMs) / total).toFixed(1)} us, processEnrichment ${((1000 * processMs) / total).toFixed(1)} us, encode ${((1000 * encodeMs) / total).toFixed(1)} us per record (warm, each stage over all records: ${n(total / (decodeMs / 1000))}, ${n(total / (processMs / 1000))}, ${n(total / (encodeMs / 1000))} per second)`);
    say(`  enriched:  ${n(total - stats.rejected)} of ${n(total)} (${stats.rejected} rejected); ${(stats.outBytes / Math.max(1, total - stats.rejected)).toFixed(0)} bytes each encoded (input ${(work.bytes / inputs).toFixed(0)}); ${pct(stats.overScratch, total - stats.rejected)} over 1 KB, which avsc's toBuffer writes twice`);
    say(`             device on ${pct(stats.device, webEvents)} of web/app/server events, bots ${pct(stats.bots, stats.device)} of those; geo on ${pct(stats.geo, webEvents)} (${top(stats.countries, stats.geo)})`);
    say(`             campaign on ${pct(stats.campaign, webEvents)} (medium: ${top(stats.media, stats.campaign, 8)})`);
    say(`             products on ${n(stats.withProducts)} events (${n(stats.products)} lines, ${pct(stats.productsFound, stats.products)} found); store on ${n(stats.store)} events (${pct(stats.storeFound, stats.store)} found, ${n(stats.zone)} with a zone)`);
    say(`             missing reference data: ${[...missing].map(([d, c]) => `${d} ${n(c)}`).join(', ') || 'none'}`);

    // -- 3. Memory ---------------------------------------------------------------------------------
    records.length = 0;
    interleaved.length = 0;
    work.events.length = 0;
    work.counts.length = 0;
    say(`\n3. memory per 1,000,000 reference rows (heapUsed after a full collection, before and after filling the table; rows Avro-encoded and decoded first, as the service reads them)`);
    const cat = catalogueMemory(rows, codec, ids.products, catalog.resolve(topics.products.valueType));
    const perMillion = (m: TableMemory) => (m.heap / m.rows) * 1_000_000;
    say(`  Catalogue:      ${mb(cat.heap)} heap for ${cat.detail} -> ${mb(perMillion(cat))} per million (${(cat.heap / cat.rows).toFixed(0)} bytes per product); RSS ${signedMb(cat.rss)}; filled in ${cat.seconds.toFixed(1)} s`);
    const dir = directoryMemory(rows, codec, ids.stores, catalog.resolve(topics.stores.valueType));
    say(`  StoreDirectory: ${mb(dir.heap)} heap for ${n(dir.rows)} beacons and access points (${dir.detail}) -> ${mb(perMillion(dir))} per million (${(dir.heap / dir.rows).toFixed(0)} bytes per row); RSS ${signedMb(dir.rss)}; filled in ${dir.seconds.toFixed(1)} s`);
    const geoExternal = afterGeo.external - beforeGeo.external;
    say(
      `  GeoIP database: ${mb(geoExternal)} outside the heap (Buffers; files ${mb(geoFiles)}), heap ${signedMb(afterGeo.heapUsed - beforeGeo.heapUsed)}, RSS ${signedMb(afterGeo.rss - beforeGeo.rss)}; opened in ${geoSeconds.toFixed(2)} s (measured in part 2; fixed, whatever the traffic; its answer cache holds up to 100,000 addresses)`,
    );

    // -- Summary ---------------------------------------------------------------------------------
    say(`\n  whole run: ${((performance.now() - started) / 1000).toFixed(1)} s; load average (1 min) at end: ${loadavg()[0]!.toFixed(2)}`);
    say('\nsummary');
    say(`  one instance over Kafka:     ${n(steady)} events/s (first output -> lag 0; ${n(overall)} events/s counting its ${secs(k.firstOutputMs)} startup), ${n(k.inputs)} inputs, every enrichment on`);
    say(`  reference tables at start:   read in ${k.referenceMs === null ? '?' : `${n(k.referenceMs)} ms`} (${n(productCount)} products, ${n(storeCount)} stores) before the first event`);
    say(`  instance memory:             RSS ${mb(k.rssAtEnd)} at the end, peak ${mb(k.hwm)} (VmHWM), GeoIP database included`);
    say(`  core in-process (1 thread):  ${n(total / (coldMs / 1000))} events/s cold, ${n(total / (warmMs / 1000))} warm (decode -> processEnrichment -> encode)`);
    say(`  memory per million rows:     Catalogue ${mb(perMillion(cat))} of heap per million products; StoreDirectory ${mb(perMillion(dir))} per million beacons + access points`);
    say(`  GeoIP database, fixed:       ${mb(geoExternal)} outside the heap (RSS ${signedMb(afterGeo.rss - beforeGeo.rss)})`);
    say(
      `\nreadme: one enrichment instance with every enrichment on enriches ${n(steady)} events/s from Kafka to Kafka (${n(total / (warmMs / 1000))} events/s for the core alone), RSS ${mb(k.hwm)} at peak; ` +
        `reference data costs ${mb(perMillion(cat))} per million products and ${mb(perMillion(dir))} per million beacons/access points, plus ${mb(geoExternal)} fixed for the GeoIP database (${shortMachine()})`,
    );
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:enrichment failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
