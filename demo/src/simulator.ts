/**
 * A seeded simulated retailer. Customers browse anonymously, some log in on the web and in the
 * app, some sign up through the shop's backend, some shop in a store with their loyalty card; the
 * app sees in-store beacons. Web and app traffic goes through @segment/analytics-node (a real
 * Segment client, unchanged) pointed at ingest; the backend uses RudderStack's Node SDK, as a shop
 * moving from RudderStack would (it labels its gzip JSON as a form); store traffic goes through
 * the store endpoint. In stores, customers walk from the entrance through the zones to the
 * checkout while the Wi-Fi hears their phones minute by minute (most with randomised MACs) and the
 * app sees the zones' beacons; passers-by are heard weakly or briefly; the people counters count
 * everyone in and out. Every event's id and money is remembered, and what really happened
 * (sessions, the funnel, each store's visitors and receipts per hour) is written to a ground
 * truth (truth.ts), so what lands in ClickHouse can be checked against it.
 */
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { Analytics } from '@segment/analytics-node';
import { createRandom, type Random } from './random';
import { GroundTruth, localHour, utcOfLocal } from './truth';

export interface Product {
  sku: string;
  name: string;
  price: number;
}

export interface SimulationOptions {
  ingestUrl: string;
  customers: number;
  seed: number;
  runId: string;
  catalogue: Product[];
  /** Called after every event handed to a client or store batch. */
  onSent?: (sent: number) => void;
  webKey?: string;
  appKey?: string;
  storeKey?: string;
  /** The store directory (infra/data/stores.json): zones, access points, beacons, sensors, time zone. */
  stores?: StoreLayout[];
  /** Postal codes customers give in their identify traits (address.postalCode). */
  postalCodes?: string[];
}

export interface StoreLayout {
  storeId: string;
  timeZone: string;
  zones: { zoneId: string }[];
  accessPoints: { mac: string; zoneId?: string | null }[];
  beacons: { major: number; minor: number; zoneId?: string | null }[];
  sensors: { sensorId: string; entrance?: string | null }[];
}

export interface SimulationResult {
  eventIds: Set<string>;
  sentByChannel: Record<'web' | 'app' | 'store', number>;
  onlineRevenueMinor: number;
  storeRevenueMinor: number;
  customers: { persona: Persona; count: number }[];
  /** Accounts the backend created with a server-side alias of the visitor's anonymous id. */
  signups: { anonymousId: string; userId: string }[];
  /** Events the clients gave up on (they report errors): should be zero. */
  failed: number;
  /** E-mail addresses of customers who identified: what a partner would know them by. */
  emails: string[];
  /** Page views sent with a crawler's user agent. */
  botEvents: number;
  /** How each visitor arrived (the first page view), by marketing medium. */
  arrivals: Record<string, number>;
  /** Web visitors (not crawlers) by the country of the network they browse from. */
  countries: Record<string, number>;
  wifiObservations: number;
  /** People counted in at entrances, per store. */
  peopleIn: Record<string, number>;
  /** What really happened: sessions, funnel, store visitors and receipts per local hour. */
  truth: GroundTruth;
  /** How customers answered the consent banner (web), and one customer of each answer, by anonymous id. */
  consent: Record<BannerAnswer, number>;
  consentSamples: Partial<Record<BannerAnswer, string>>;
  /** Signals the live part set up that must not be published: the person refused marketing. */
  withheldSignals: Record<string, number>;
  /** Customers with the app and a loyalty card, who come back in the live part (simulateLive). */
  regulars: { anonymousId: string; installId: string; userId: string; loyaltyCard: string; email: string; webContext: object }[];
  /**
   * A mother (loyalty card, buys in the store) and her son (web account, orders online) who both
   * gave the family's e-mail, which the default identity rules merge on: one person until an
   * operator blocks the e-mail. Their own revenues, to hold the split against.
   */
  family?: { email: string; mother: { anonymousId: string; loyaltyCard: string; storeRevenueMinor: number }; son: { userId: string; onlineRevenueMinor: number } };
}

/**
 * The web shop's consent banner (a consent manager such as OneTrust, reported in Segment's
 * context.consent.categoryPreferences on every event): accept all, only analytics, refuse all, or
 * closed without an answer. The tenant's policy (infra/config/consent-policy.json) decides what an
 * unanswered purpose means.
 */
export type BannerAnswer = 'accept_all' | 'analytics_only' | 'refuse_all' | 'none';
export const BANNER: Readonly<Record<Exclude<BannerAnswer, 'none'>, Record<string, boolean>>> = {
  accept_all: { Analytics: true, Personalization: true, Advertising: true },
  analytics_only: { Analytics: true, Personalization: false, Advertising: false },
  refuse_all: { Analytics: false, Personalization: false, Advertising: false },
};
/** Loyalty-programme terms a regular accepted at the till: personalised offers and marketing. */
export const LOYALTY_TERMS = { 'loyalty-personalisation': true, 'loyalty-marketing': true };
const withConsent = (context: object, answer: BannerAnswer) => (answer === 'none' ? context : { ...context, consent: { categoryPreferences: BANNER[answer] } });

export type Persona = 'anonymous_browser' | 'web_shopper' | 'server_signup' | 'app_shopper' | 'omnichannel' | 'store_only' | 'crawler';

const BEACON_UUID = 'f7826da6-4fa2-4e98-8024-bc5b71e0893e';
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
];
const BOT_UAS = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/142.0.0.0 Safari/537.36',
];
const PAGES = ['/', '/c/shoes', '/c/clothing', '/c/equipment', '/campaign/winter'];
/** What visitors search for; the last two find nothing in this catalogue. */
const SEARCHES = ['running shoes', 'merino socks', 'headlamp', 'trail shoes', 'snowshoes xl', 'kids ski boots'];
const ZERO_RESULT_SEARCHES = new Set(['snowshoes xl', 'kids ski boots']);
/** Store opening hours (every store of the demo directory opens 09-21 local). */
const OPENS = 9;
const CLOSES = 21;
const SHOP = 'https://shop.example';
/**
 * How a visitor arrives: the first page's URL query and referrer, and the medium enrichment must
 * classify it as. Later pages have the shop itself as referrer (internal).
 */
const ARRIVALS: { medium: string; query: string; referrer: string | null }[] = [
  { medium: 'direct', query: '', referrer: null },
  { medium: 'direct', query: '', referrer: null },
  { medium: 'search', query: '', referrer: 'https://www.google.com/' },
  { medium: 'search', query: '', referrer: 'https://www.bing.com/' },
  { medium: 'paid', query: '?gclid=EAIaIQobChMI', referrer: 'https://www.google.com/' },
  { medium: 'email', query: '?utm_source=newsletter&utm_medium=email&utm_campaign=winter-sale', referrer: null },
  { medium: 'social', query: '', referrer: 'https://l.facebook.com/' },
  { medium: 'paid', query: '?utm_source=facebook&utm_medium=cpc&utm_campaign=winter-sale&fbclid=IwAR2x', referrer: 'https://m.facebook.com/' },
  { medium: 'referral', query: '', referrer: 'https://juoksija.example.org/blogi/kengat' },
];
/** Public networks by country (checked against the DB-IP database; ingest truncates to /24 anyway). */
const NETWORKS: { country: string; prefix: string }[] = [
  { country: 'FI', prefix: '193.166' },
  { country: 'FI', prefix: '91.152' },
  { country: 'FI', prefix: '84.248' },
  { country: 'SE', prefix: '81.224' },
  { country: 'EE', prefix: '90.190' },
  { country: 'DE', prefix: '91.64' },
];

/** RudderStack's typings leave out messageId, which the SDK keeps when a caller gives one. */
type RudderParams<K extends 'identify' | 'alias' | 'track'> = Parameters<RudderAnalytics[K]>[0];

const personaOf = (r: Random): Persona => {
  const x = r.next();
  return x < 0.04 ? 'crawler' : x < 0.33 ? 'anonymous_browser' : x < 0.53 ? 'web_shopper' : x < 0.61 ? 'server_signup' : x < 0.72 ? 'app_shopper' : x < 0.9 ? 'omnichannel' : 'store_only';
};

export async function simulateRetailer(options: SimulationOptions): Promise<SimulationResult> {
  const r = createRandom(options.seed);
  const { runId, catalogue } = options;
  const clientOptions = { host: options.ingestUrl, path: '/v1/batch', flushAt: 100, flushInterval: 200, maxRetries: 5 };
  const web = new Analytics({ ...clientOptions, writeKey: options.webKey ?? 'local-web' });
  const app = new Analytics({ ...clientOptions, writeKey: options.appKey ?? 'local-app' });
  let failed = 0;
  for (const client of [web, app]) client.on('error', () => failed++);
  const backend = new RudderAnalytics(options.webKey ?? 'local-web', { dataPlaneUrl: options.ingestUrl, flushAt: 100, flushInterval: 200, retryCount: 5, logLevel: 'error', errorHandler: () => failed++ });

  const result: SimulationResult = {
    eventIds: new Set(), sentByChannel: { web: 0, app: 0, store: 0 }, onlineRevenueMinor: 0, storeRevenueMinor: 0, customers: [], signups: [], failed: 0,
    emails: [], botEvents: 0, arrivals: {}, countries: {}, wifiObservations: 0, peopleIn: {}, truth: new GroundTruth(), regulars: [],
    consent: { accept_all: 0, analytics_only: 0, refuse_all: 0, none: 0 }, consentSamples: {}, withheldSignals: {},
  };
  // Its own stream, so that the answers do not change what the rest of the run draws.
  const banner = createRandom(options.seed + 11);
  const truth = result.truth;
  const layouts = options.stores ?? [];
  const postalCodes = options.postalCodes ?? ['00100'];
  // The run id goes into every MAC, so that two runs with the same seed are different phones.
  const runBytes = [...runId].reduce((h, ch) => Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0, 2166136261);
  const mac = (locallyAdministered: boolean) => {
    const bytes = Array.from({ length: 6 }, (_, i) => (r.int(0, 255) ^ (i >= 2 ? (runBytes >>> ((i - 2) * 8)) & 0xff : 0)) & 0xff);
    bytes[0] = locallyAdministered ? (bytes[0]! | 0x02) & 0xfe : bytes[0]! & 0xfc;
    return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
  };
  const personas = new Map<Persona, number>();
  const storeBatch: object[] = [];
  let seq = 0;
  const id = () => `${runId}-${(seq++).toString(36)}`;
  const sent = (channel: 'web' | 'app' | 'store', eventId: string) => {
    result.eventIds.add(eventId);
    result.sentByChannel[channel]++;
    options.onSent?.(result.eventIds.size);
  };
  const flushStore = async () => {
    if (storeBatch.length === 0) return;
    const batch = storeBatch.splice(0);
    const res = await fetch(`${options.ingestUrl}/v1/store/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${options.storeKey ?? 'local-store'}:`).toString('base64')}` },
      body: JSON.stringify({ batch }),
    });
    if (!res.ok) throw new Error(`store batch refused: ${res.status} ${await res.text()}`);
  };

  const now = Date.now();
  const DAY = 24 * 3600 * 1000;
  const regulars = result.regulars;
  const familyEmail = `family-${runId}@example.com`;
  const family: Partial<NonNullable<SimulationResult['family']>> = {};
  for (let c = 0; c < options.customers; c++) {
    const persona = personaOf(r);
    personas.set(persona, (personas.get(persona) ?? 0) + 1);
    const customer = `${runId}-c${c}`;
    const anonymousId = `anon-${customer}`;
    const installId = `app-${customer}`;
    const userId = `user-${customer}`;
    const card = `LC-${customer}`;
    // The first web shopper is the family's son, the first store-only customer its mother.
    const isSon = persona === 'web_shopper' && !family.son;
    const isMother = persona === 'store_only' && !family.mother;
    const email = isSon ? familyEmail : `${customer}@example.com`;
    const userAgent = persona === 'crawler' ? r.pick(BOT_UAS) : r.pick(UAS);
    let t = now - r.int(1, 6) * DAY - r.int(0, 12 * 3600) * 1000;
    const at = () => new Date((t += r.int(5, 120) * 1000));
    const network = r.chance(0.75) ? NETWORKS[r.int(0, 2)]! : r.pick(NETWORKS);
    // Crawlers come from their operators' networks (Googlebot's 66.249.64.0/19).
    const ip = persona === 'crawler' ? `66.249.${r.int(64, 95)}.${r.int(1, 254)}` : `${network.prefix}.${r.int(0, 255)}.${r.int(1, 254)}`;
    // Regulars accepted everything (and the loyalty terms at the till); crawlers see no banner.
    const roll = banner.int(1, 100);
    // The family accepted everything too: the split is shown with their figures.
    const answer: BannerAnswer = persona === 'omnichannel' || isSon || isMother ? 'accept_all' : persona === 'crawler' ? 'none' : roll <= 55 ? 'accept_all' : roll <= 75 ? 'analytics_only' : roll <= 85 ? 'refuse_all' : 'none';
    if (persona !== 'crawler') {
      result.consent[answer]++;
      // Samples the API check looks up: customers seen on the web under their anonymous id.
      if (persona !== 'store_only' && persona !== 'server_signup') result.consentSamples[answer] ??= anonymousId;
    }
    const webContext = withConsent({ userAgent, ip, locale: 'fi-FI' }, answer);
    const arrival = r.pick(ARRIVALS);
    const traits = () => ({ email, address: { postalCode: r.pick(postalCodes), country: 'FI' } });
    // A phone that is not randomising its MAC (older Android, or the shop's Wi-Fi remembered) is seen
    // again visit after visit; most phones randomise.
    const phoneRandomizes = r.chance(0.7);
    const phoneMac = mac(phoneRandomizes);
    const appContext = { app: { name: 'Kuura Shop', version: '4.2.0' }, device: { type: 'ios', id: installId }, os: { name: 'iOS', version: '18.1' } };

    const webDevice = anonymousId;
    let arrived = false;
    let sessionStart = true;
    const browseWeb = (identified: boolean) => {
      for (let i = r.int(2, 6); i > 0; i--) {
        const path = r.pick(PAGES);
        const messageId = id();
        // The first page of the visitor's first session carries how they arrived; a later
        // session (another day) begins direct; the rest of a session comes from the shop itself.
        const first = !arrived;
        const opening = sessionStart;
        arrived = true;
        sessionStart = false;
        const url = `${SHOP}${path}${first ? arrival.query : ''}`;
        const referrer = first ? arrival.referrer : opening ? null : `${SHOP}/`;
        if (first && persona !== 'crawler') {
          result.arrivals[arrival.medium] = (result.arrivals[arrival.medium] ?? 0) + 1;
          result.countries[network.country] = (result.countries[network.country] ?? 0) + 1;
        }
        if (persona === 'crawler') result.botEvents++;
        const timestamp = at();
        web.page({ anonymousId, ...(identified ? { userId } : {}), name: path, properties: { path, url, ...(referrer ? { referrer } : {}), load_time_ms: r.int(300, 2500) }, context: { ...webContext, page: { path, url, ...(referrer ? { referrer } : {}) } }, timestamp, messageId });
        sent('web', messageId);
        if (persona === 'crawler') continue;
        truth.activity(webDevice, timestamp.getTime(), 'page', { medium: first ? arrival.medium : 'direct' });
        if (r.chance(0.6)) {
          const p = r.pick(catalogue);
          const viewId = id();
          const viewedAt = at();
          web.track({ anonymousId, ...(identified ? { userId } : {}), event: 'Product Viewed', properties: { sku: p.sku, name: p.name, price: p.price }, context: webContext, timestamp: viewedAt, messageId: viewId });
          sent('web', viewId);
          truth.activity(webDevice, viewedAt.getTime(), 'view');
        }
        if (r.chance(0.12)) {
          const query = r.pick(SEARCHES);
          const results = ZERO_RESULT_SEARCHES.has(query) ? 0 : r.int(3, 40);
          const searchId = id();
          const searchedAt = at();
          web.track({ anonymousId, ...(identified ? { userId } : {}), event: 'Products Searched', properties: { query, results }, context: webContext, timestamp: searchedAt, messageId: searchId });
          sent('web', searchId);
          truth.activity(webDevice, searchedAt.getTime(), 'other');
          truth.searches++;
          if (results === 0) truth.zeroResultSearches++;
        }
      }
    };
    type Lines = { p: Product; quantity: number }[];
    /** Cart adds, and maybe a checkout that is left: what a visitor does who does not buy. */
    const leaveCart = (client: Pick<Analytics, 'track'>, device: string, ids: { anonymousId: string; userId?: string }, context: object, checkout: boolean) => {
      const p = r.pick(catalogue);
      let messageId = id();
      let when = at();
      client.track({ ...ids, event: 'Product Added', properties: { sku: p.sku, name: p.name, price: p.price, quantity: 1 }, context, timestamp: when, messageId });
      sent(device === installId ? 'app' : 'web', messageId);
      truth.activity(device, when.getTime(), 'cart');
      if (!checkout) return;
      messageId = id();
      when = at();
      client.track({ ...ids, event: 'Checkout Started', properties: { value: p.price, currency: 'EUR' }, context, timestamp: when, messageId });
      sent(device === installId ? 'app' : 'web', messageId);
      truth.activity(device, when.getTime(), 'checkout');
    };
    const order = (client: Pick<Analytics, 'track'>, channel: 'web' | 'app', device: string, ids: { anonymousId?: string; userId: string }, context: object, withCart = true) => {
      const lines: Lines = Array.from({ length: r.int(1, 3) }, () => ({ p: r.pick(catalogue), quantity: r.int(1, 2) }));
      const totalMinor = lines.reduce((s, l) => s + Math.round(l.p.price * 100) * l.quantity, 0);
      if (withCart) {
        for (const l of lines) {
          const addId = id();
          const when = at();
          client.track({ ...ids, event: 'Product Added', properties: { sku: l.p.sku, name: l.p.name, price: l.p.price, quantity: l.quantity }, context, timestamp: when, messageId: addId });
          sent(channel, addId);
          truth.activity(device, when.getTime(), 'cart');
        }
        const checkoutId = id();
        const when = at();
        client.track({ ...ids, event: 'Checkout Started', properties: { value: totalMinor / 100, currency: 'EUR' }, context, timestamp: when, messageId: checkoutId });
        sent(channel, checkoutId);
        truth.activity(device, when.getTime(), 'checkout');
      }
      const messageId = id();
      const when = at();
      client.track({
        ...ids, event: 'Order Completed', context, timestamp: when, messageId,
        properties: { order_id: `O-${messageId}`, total: totalMinor / 100, currency: 'EUR', products: lines.map((l) => ({ sku: l.p.sku, name: l.p.name, price: l.p.price, quantity: l.quantity })) },
      });
      sent(channel, messageId);
      truth.activity(device, when.getTime(), 'order', { revenueMinor: totalMinor });
      result.onlineRevenueMinor += totalMinor;
    };
    /**
     * A visit on the day of `t`, at a time the store is open: the phone is heard once a minute
     * by the access point of the zone the customer is in (strong: inside the shop), the app sees
     * the zone's beacon every other minute, and a receipt ends the visit at the checkout.
     */
    const storeVisit = (withApp: boolean, withCard: boolean) => {
      if (layouts.length === 0) return;
      const store = r.pick(layouts);
      const day = localHour(t, store.timeZone).slice(0, 10);
      const start = utcOfLocal(day, r.int(OPENS, CLOSES - 2), r.int(0, 59), store.timeZone);
      // The whole visit and its hour lie in the past, so the door's count of that hour is sent too.
      if (start > now - 2 * 3_600_000) return;
      const apOf = (zoneId: string) => store.accessPoints.find((a) => a.zoneId === zoneId)?.mac ?? store.accessPoints.find((a) => a.zoneId === 'entrance')?.mac ?? store.accessPoints[0]?.mac;
      const floor = store.zones.map((z) => z.zoneId).filter((z) => z !== 'entrance' && z !== 'checkout');
      // A quarter of visitors look around and leave without buying.
      const buying = r.chance(0.75);
      const path = ['entrance', ...Array.from({ length: r.int(1, 3) }, () => r.pick(floor)), ...(buying ? ['checkout'] : [])];
      // Minutes per stop: 1-2 at the entrance, 3-9 per zone, 2-3 at the checkout.
      const stops = path.map((zoneId, i) => ({ zoneId, minutes: i === 0 ? r.int(1, 2) : zoneId === 'checkout' ? r.int(2, 3) : r.int(3, 9) }));
      // A randomising phone shows a new MAC; one that does not is the same phone visit after visit.
      const visitMac = phoneRandomizes ? mac(true) : phoneMac;
      let minute = 0;
      for (const stop of stops) {
        for (let m = 0; m < stop.minutes; m++, minute++) {
          const at = start + minute * 60_000 + r.int(0, 50) * 1000;
          const ap = apOf(stop.zoneId);
          if (ap) {
            const messageId = id();
            storeBatch.push({ type: 'wifi_observation', messageId, timestamp: new Date(at).toISOString(), storeId: store.storeId, apMac: ap, clientMac: visitMac, rssi: -r.int(45, 66), manufacturer: r.pick(['Apple', 'Samsung', 'Google']) });
            sent('store', messageId);
            result.wifiObservations++;
          }
          const beacon = store.beacons.find((b) => b.zoneId === stop.zoneId);
          if (withApp && beacon && minute % 2 === 0) {
            const messageId = id();
            storeBatch.push({ type: 'beacon_sighting', messageId, timestamp: new Date(at + 5000).toISOString(), storeId: store.storeId, appInstallId: installId, beaconUuid: BEACON_UUID, major: beacon.major, minor: beacon.minor, rssi: -r.int(50, 70), proximity: r.pick(['immediate', 'near']) });
            sent('store', messageId);
          }
        }
      }
      const paidAt = start + (minute - 1) * 60_000 + 55_000;
      truth.visit(store.storeId, localHour(start, store.timeZone), localHour(start + minute * 60_000, store.timeZone), visitMac);
      if (!buying) return;
      const lines = Array.from({ length: r.int(1, 4) }, () => ({ p: r.chance(0.05) ? { sku: `UNLISTED-${r.int(1, 99)}`, name: '', price: 4.9 } : r.pick(catalogue), quantity: r.int(1, 2) }));
      const totalMinor = lines.reduce((s, l) => s + Math.round(l.p.price * 100) * l.quantity, 0);
      const receiptId = `R-${id()}`;
      storeBatch.push({
        type: 'pos_transaction', timestamp: new Date(paidAt).toISOString(), storeId: store.storeId, receiptId, currency: 'EUR', total: totalMinor / 100, paymentMethod: r.pick(['card', 'cash', 'mobile']),
        ...(withCard ? { loyaltyCard: card } : {}),
        ...(withCard && persona === 'omnichannel' ? { consent: { categoryPreferences: LOYALTY_TERMS } } : {}),
        lines: lines.map((l, i) => ({ lineNumber: i + 1, sku: l.p.sku, quantity: l.quantity, price: l.p.price })),
      });
      sent('store', `pos:${store.storeId}:${receiptId}`);
      truth.receipt(store.storeId, localHour(paidAt, store.timeZone));
      result.storeRevenueMinor += totalMinor;
    };
    /** Another session a day or two later (when that is still in the past), begun directly. */
    const returnLater = (identified: boolean) => {
      const later = t + r.int(1, 2) * DAY;
      if (later > now - 3_600_000) return;
      t = later;
      sessionStart = true;
      browseWeb(identified);
    };

    switch (persona) {
      case 'crawler':
        browseWeb(false);
        break;
      case 'anonymous_browser':
        browseWeb(false);
        if (r.chance(0.25)) leaveCart(web, webDevice, { anonymousId }, webContext, r.chance(0.3));
        break;
      case 'web_shopper': {
        const revenueBefore = result.onlineRevenueMinor;
        browseWeb(false);
        const messageId = id();
        web.identify({ anonymousId, userId, traits: { ...traits(), ...(r.chance(0.5) ? { loyaltyCard: card } : {}) }, context: webContext, timestamp: at(), messageId });
        result.emails.push(email);
        sent('web', messageId);
        browseWeb(true);
        // The family's son always orders: the split is shown with his revenue.
        if (r.chance(0.7) || isSon) order(web, 'web', webDevice, { anonymousId, userId }, webContext);
        else leaveCart(web, webDevice, { anonymousId, userId }, webContext, r.chance(0.5));
        if (r.chance(0.3)) returnLater(true);
        if (isSon) family.son = { userId, onlineRevenueMinor: result.onlineRevenueMinor - revenueBefore };
        break;
      }
      case 'server_signup': {
        // Browses anonymously, then signs up: the shop's backend creates the account and aliases
        // the visitor's anonymous id to it (Segment's server-side alias: no anonymousId on the
        // call); its later events carry the user id alone.
        browseWeb(false);
        let messageId = id();
        backend.identify({ userId, traits: traits(), context: webContext, timestamp: at(), messageId } as RudderParams<'identify'>);
        result.emails.push(email);
        sent('web', messageId);
        messageId = id();
        backend.alias({ previousId: anonymousId, userId, timestamp: at(), messageId } as RudderParams<'alias'>);
        sent('web', messageId);
        result.signups.push({ anonymousId, userId });
        // The backend's order has the user id alone: its device is the user.
        order({ track: (m) => backend.track(m as RudderParams<'track'>) }, 'web', `user:${userId}`, { userId }, webContext, false);
        break;
      }
      case 'app_shopper':
      case 'omnichannel': {
        // Logs in on the web and in the app: one user id, two anonymous ids.
        browseWeb(false);
        let messageId = id();
        web.identify({ anonymousId, userId, traits: { ...traits(), loyaltyCard: card }, context: webContext, timestamp: at(), messageId });
        result.emails.push(email);
        sent('web', messageId);
        messageId = id();
        app.identify({ anonymousId: installId, userId, traits: { email }, context: appContext, timestamp: at(), messageId });
        sent('app', messageId);
        for (let i = r.int(1, 4); i > 0; i--) {
          const screenId = id();
          const when = at();
          app.screen({ anonymousId: installId, userId, name: r.pick(['Home', 'Product', 'Offers', 'Stores']), context: appContext, timestamp: when, messageId: screenId });
          sent('app', screenId);
          truth.activity(installId, when.getTime(), 'page');
        }
        if (r.chance(0.6)) order(app, 'app', installId, { anonymousId: installId, userId }, appContext);
        if (persona === 'omnichannel') {
          regulars.push({ anonymousId, installId, userId, loyaltyCard: card, email, webContext });
          storeVisit(true, true);
          if (r.chance(0.4)) {
            t += DAY;
            if (t < now - 3_600_000) storeVisit(true, true);
          }
        }
        break;
      }
      case 'store_only': {
        const withCard = r.chance(0.7);
        const revenueBefore = result.storeRevenueMinor;
        storeVisit(false, isMother || withCard);
        if (isMother) {
          // She signs up for the newsletter on the web with her card and the family's e-mail.
          // Its time is not drawn from the run's random stream, which stays as it was.
          const messageId = id();
          const when = new Date(t - 3_600_000);
          web.identify({ anonymousId, traits: { email: familyEmail, loyaltyCard: card }, context: webContext, timestamp: when, messageId });
          sent('web', messageId);
          family.mother = { anonymousId, loyaltyCard: card, storeRevenueMinor: result.storeRevenueMinor - revenueBefore };
        }
        break;
      }
    }
    if (storeBatch.length >= 200) await flushStore();
    // Let the clients' timers run: a simulated shop is not one synchronous burst.
    if (c % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
  }
  // Each store, each opening hour of the simulated days: passers-by heard weakly at the entrance
  // or stepping in for a minute or two, and the people counters' line crossings of the hour
  // (everyone the visits above brought in and out, at the main door).
  for (const store of layouts) {
    const entranceAp = store.accessPoints.find((a) => a.zoneId === 'entrance')?.mac ?? store.accessPoints[0]?.mac;
    const door = store.sensors.find((x) => x.entrance)?.sensorId;
    const counted = truth.stores.get(store.storeId);
    for (let day = 7; day >= 0; day--) {
      const date = localHour(now - day * DAY, store.timeZone).slice(0, 10);
      for (let hour = OPENS; hour < CLOSES; hour++) {
        const from = utcOfLocal(date, hour, 0, store.timeZone);
        if (from + 3_600_000 > now) continue;
        for (let i = entranceAp ? r.int(0, 2) : 0; i > 0; i--) {
          const passer = mac(true);
          const strong = r.chance(0.3);
          const begin = from + r.int(0, 55) * 60_000;
          for (let m = 0; m < r.int(1, 2) + (strong ? 0 : 1); m++) {
            const messageId = id();
            storeBatch.push({ type: 'wifi_observation', messageId, timestamp: new Date(begin + m * 60_000 + r.int(0, 50) * 1000).toISOString(), storeId: store.storeId, apMac: entranceAp!, clientMac: passer, rssi: strong ? -r.int(55, 68) : -r.int(83, 95) });
            sent('store', messageId);
            result.wifiObservations++;
          }
          truth.passerbyMacs.add(passer);
        }
        const h = counted?.get(localHour(from, store.timeZone));
        if (door && (h || r.chance(0.5))) {
          const messageId = id();
          const countIn = h?.footfallIn ?? 0;
          storeBatch.push({ type: 'people_count', messageId, timestamp: new Date(from + 3_600_000).toISOString(), storeId: store.storeId, sensorId: door, kind: 'line_crossing', periodSeconds: 3600, countIn, countOut: h?.footfallOut ?? 0 });
          sent('store', messageId);
          result.peopleIn[store.storeId] = (result.peopleIn[store.storeId] ?? 0) + countIn;
        }
        if (storeBatch.length >= 200) await flushStore();
      }
    }
  }
  await flushStore();
  // RudderStack's flush sends what is queued; a second one waits for what the first left in flight.
  await Promise.all([web.closeAndFlush({ timeout: 60_000 }), app.closeAndFlush({ timeout: 60_000 }), backend.flush().then(() => backend.flush())]);
  result.failed = failed;
  result.customers = [...personas].map(([persona, count]) => ({ persona, count }));
  if (family.son && family.mother) result.family = { email: familyEmail, mother: family.mother, son: family.son };
  return result;
}

/**
 * What happens now, in the last 40 minutes, once the history above has landed: what the
 * real-time signals are for (the history is older than a signal may be late). Shoppers leave
 * carts, new customers buy for the first time, regulars browse the shop and walk into a store.
 * Sent after the history, as it would be live: by then identity has long joined each regular's
 * app, web and card into one person.
 */
export async function simulateLive(options: SimulationOptions, result: SimulationResult): Promise<void> {
  const r = createRandom(options.seed + 7);
  const { runId, catalogue } = options;
  const truth = result.truth;
  const layouts = options.stores ?? [];
  const web = new Analytics({ host: options.ingestUrl, path: '/v1/batch', flushAt: 100, flushInterval: 200, maxRetries: 5, writeKey: options.webKey ?? 'local-web' });
  web.on('error', () => result.failed++);
  let seq = 0;
  const id = () => `${runId}-live-${(seq++).toString(36)}`;
  const sent = (channel: 'web' | 'app' | 'store', eventId: string) => {
    result.eventIds.add(eventId);
    result.sentByChannel[channel]++;
    options.onSent?.(result.eventIds.size);
  };
  const storeBatch: object[] = [];
  const now = Date.now();
  const live = async (at: number, send: (timestamp: Date, messageId: string) => void) => {
    const messageId = id();
    send(new Date(at), messageId);
    sent('web', messageId);
    return messageId;
  };
  for (let i = 0; i < 3; i++) {
    // Carts left: a shopper logs in, puts something in the cart 31-33 minutes ago, and leaves.
    const who = `${runId}-live-cart-${i}`;
    const ids = { anonymousId: `anon-${who}`, userId: `user-${who}` };
    // The third refused marketing on the banner: its cart is abandoned all the same, and not told.
    const refused = i === 2;
    const context = withConsent({ userAgent: UAS[0]!, ip: `193.166.${i}.10`, locale: 'fi-FI' }, refused ? 'analytics_only' : 'accept_all');
    result.arrivals.direct = (result.arrivals.direct ?? 0) + 1;
    result.countries.FI = (result.countries.FI ?? 0) + 1;
    const p = r.pick(catalogue);
    const start = now - (36 + i) * 60_000;
    await live(start, (timestamp, messageId) => web.page({ ...ids, name: '/', properties: { path: '/', url: `${SHOP}/` }, context: { ...context, page: { path: '/', url: `${SHOP}/` } }, timestamp, messageId }));
    truth.activity(ids.anonymousId, start, 'page', { medium: 'direct' });
    await live(start + 60_000, (timestamp, messageId) => web.identify({ ...ids, traits: { email: `${who}@example.com` }, context, timestamp, messageId }));
    const added = start + 3 * 60_000;
    await live(added, (timestamp, messageId) => web.track({ ...ids, event: 'Product Added', properties: { sku: p.sku, name: p.name, price: p.price, quantity: 1 }, context, timestamp, messageId }));
    truth.activity(ids.anonymousId, added, 'cart');
    if (refused) result.withheldSignals.cart_abandoned = (result.withheldSignals.cart_abandoned ?? 0) + 1;
    else truth.signals.cart_abandoned++;
  }
  for (let i = 0; i < 2; i++) {
    // First purchases: new customers who buy now.
    const who = `${runId}-live-buyer-${i}`;
    const ids = { anonymousId: `anon-${who}`, userId: `user-${who}` };
    const context = withConsent({ userAgent: UAS[1]!, ip: `91.152.${i}.20`, locale: 'fi-FI' }, 'accept_all');
    result.arrivals.direct = (result.arrivals.direct ?? 0) + 1;
    result.countries.FI = (result.countries.FI ?? 0) + 1;
    const start = now - (15 + i) * 60_000;
    await live(start, (timestamp, messageId) => web.page({ ...ids, name: '/c/shoes', properties: { path: '/c/shoes', url: `${SHOP}/c/shoes` }, context: { ...context, page: { path: '/c/shoes', url: `${SHOP}/c/shoes` } }, timestamp, messageId }));
    truth.activity(ids.anonymousId, start, 'page', { medium: 'direct' });
    const p = r.pick(catalogue);
    const totalMinor = Math.round(p.price * 100);
    await live(start + 60_000, (timestamp, messageId) => web.track({ ...ids, event: 'Product Added', properties: { sku: p.sku, name: p.name, price: p.price, quantity: 1 }, context, timestamp, messageId }));
    truth.activity(ids.anonymousId, start + 60_000, 'cart');
    await live(start + 120_000, (timestamp, messageId) => web.track({ ...ids, event: 'Checkout Started', properties: { value: p.price, currency: 'EUR' }, context, timestamp, messageId }));
    truth.activity(ids.anonymousId, start + 120_000, 'checkout');
    await live(start + 180_000, (timestamp, messageId) =>
      web.track({ ...ids, event: 'Order Completed', properties: { order_id: `O-${messageId}`, total: totalMinor / 100, currency: 'EUR', products: [{ sku: p.sku, name: p.name, price: p.price, quantity: 1 }] }, context, timestamp, messageId }),
    );
    truth.activity(ids.anonymousId, start + 180_000, 'order', { revenueMinor: totalMinor });
    result.onlineRevenueMinor += totalMinor;
    truth.signals.first_purchase++;
  }
  const liveStore = layouts.find((l) => l.beacons.length > 0);
  for (const regular of result.regulars.slice(0, 2)) {
    if (!liveStore) break;
    // Regulars browse the shop online, then walk into a store: their app sees the entrance beacon.
    const ids = { anonymousId: regular.anonymousId, userId: regular.userId };
    const p = r.pick(catalogue);
    const start = now - 20 * 60_000;
    await live(start, (timestamp, messageId) => web.page({ ...ids, name: '/c/shoes', properties: { path: '/c/shoes', url: `${SHOP}/c/shoes` }, context: { ...regular.webContext, page: { path: '/c/shoes', url: `${SHOP}/c/shoes` } }, timestamp, messageId }));
    truth.activity(regular.anonymousId, start, 'page', { medium: 'direct' });
    await live(start + 60_000, (timestamp, messageId) => web.track({ ...ids, event: 'Product Viewed', properties: { sku: p.sku, name: p.name, price: p.price }, context: regular.webContext, timestamp, messageId }));
    truth.activity(regular.anonymousId, start + 60_000, 'view');
    const beacon = liveStore.beacons.find((b) => b.zoneId === 'entrance') ?? liveStore.beacons[0]!;
    for (const minutesAgo of [8, 7]) {
      const messageId = id();
      storeBatch.push({ type: 'beacon_sighting', messageId, timestamp: new Date(now - minutesAgo * 60_000).toISOString(), storeId: liveStore.storeId, appInstallId: regular.installId, beaconUuid: BEACON_UUID, major: beacon.major, minor: beacon.minor, rssi: -58, proximity: 'near' });
      sent('store', messageId);
    }
    truth.signals.known_customer_entered_store++;
    truth.signals.store_visit_after_browsing++;
  }

  // The regulars browsed twelve minutes before they walked in: their web events go first, and get
  // a moment to pass the pipeline, as they would have had those minutes.
  await web.closeAndFlush({ timeout: 60_000 });
  await new Promise((resolve) => setTimeout(resolve, 3000));
  if (storeBatch.length > 0) {
    const res = await fetch(`${options.ingestUrl}/v1/store/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${options.storeKey ?? 'local-store'}:`).toString('base64')}` },
      body: JSON.stringify({ batch: storeBatch }),
    });
    if (!res.ok) throw new Error(`store batch refused: ${res.status} ${await res.text()}`);
  }
}
