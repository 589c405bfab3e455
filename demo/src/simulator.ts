/**
 * A seeded simulated retailer. Customers browse anonymously, some log in on the web and in the
 * app, some sign up through the shop's backend, some shop in a store with their loyalty card; the
 * app sees in-store beacons. Web and app traffic goes through @segment/analytics-node (a real
 * Segment client, unchanged) pointed at ingest; the backend uses RudderStack's Node SDK, as a shop
 * moving from RudderStack would (it labels its gzip JSON as a form); store traffic goes through
 * the store endpoint. Every event's id and money is remembered,
 * so what lands in ClickHouse can be checked against what was sent.
 */
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { Analytics } from '@segment/analytics-node';
import { createRandom, type Random } from './random';

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
  /** The store directory's access points and people-counting sensors per store (from infra/data/stores.json). */
  storeDevices?: Record<string, { accessPoints: string[]; sensors: string[] }>;
  /** Postal codes customers give in their identify traits (address.postalCode). */
  postalCodes?: string[];
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
}

export type Persona = 'anonymous_browser' | 'web_shopper' | 'server_signup' | 'app_shopper' | 'omnichannel' | 'store_only' | 'crawler';

const STORES = ['HEL-1', 'ESP-2', 'TRE-3'];
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
    emails: [], botEvents: 0, arrivals: {}, countries: {}, wifiObservations: 0, peopleIn: {},
  };
  const devices = options.storeDevices ?? {};
  const postalCodes = options.postalCodes ?? ['00100'];
  const mac = (locallyAdministered: boolean) => {
    const bytes = Array.from({ length: 6 }, () => r.int(0, 255));
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
  for (let c = 0; c < options.customers; c++) {
    const persona = personaOf(r);
    personas.set(persona, (personas.get(persona) ?? 0) + 1);
    const customer = `${runId}-c${c}`;
    const anonymousId = `anon-${customer}`;
    const installId = `app-${customer}`;
    const userId = `user-${customer}`;
    const card = `LC-${customer}`;
    const email = `${customer}@example.com`;
    const userAgent = persona === 'crawler' ? r.pick(BOT_UAS) : r.pick(UAS);
    let t = now - r.int(1, 6) * DAY - r.int(0, 12 * 3600) * 1000;
    const at = () => new Date((t += r.int(5, 120) * 1000));
    const network = r.chance(0.75) ? NETWORKS[r.int(0, 2)]! : r.pick(NETWORKS);
    // Crawlers come from their operators' networks (Googlebot's 66.249.64.0/19).
    const ip = persona === 'crawler' ? `66.249.${r.int(64, 95)}.${r.int(1, 254)}` : `${network.prefix}.${r.int(0, 255)}.${r.int(1, 254)}`;
    const webContext = { userAgent, ip, locale: 'fi-FI' };
    const arrival = r.pick(ARRIVALS);
    const traits = () => ({ email, address: { postalCode: r.pick(postalCodes), country: 'FI' } });
    // A phone that is not randomising its MAC (older Android, or the shop's Wi-Fi remembered) is seen
    // again visit after visit; most phones randomise.
    const phoneMac = mac(r.chance(0.7));
    const appContext = { app: { name: 'Kuura Shop', version: '4.2.0' }, device: { type: 'ios', id: installId }, os: { name: 'iOS', version: '18.1' } };

    let arrived = false;
    const browseWeb = (identified: boolean) => {
      for (let i = r.int(2, 6); i > 0; i--) {
        const path = r.pick(PAGES);
        const messageId = id();
        const first = !arrived;
        arrived = true;
        const url = `${SHOP}${path}${first ? arrival.query : ''}`;
        const referrer = first ? arrival.referrer : `${SHOP}/`;
        if (first && persona !== 'crawler') {
          result.arrivals[arrival.medium] = (result.arrivals[arrival.medium] ?? 0) + 1;
          result.countries[network.country] = (result.countries[network.country] ?? 0) + 1;
        }
        if (persona === 'crawler') result.botEvents++;
        web.page({ anonymousId, ...(identified ? { userId } : {}), name: path, properties: { path, url, ...(referrer ? { referrer } : {}) }, context: { ...webContext, page: { path, url, ...(referrer ? { referrer } : {}) } }, timestamp: at(), messageId });
        sent('web', messageId);
        if (persona === 'crawler') continue;
        if (r.chance(0.6)) {
          const p = r.pick(catalogue);
          const viewId = id();
          web.track({ anonymousId, ...(identified ? { userId } : {}), event: 'Product Viewed', properties: { sku: p.sku, name: p.name, price: p.price }, context: webContext, timestamp: at(), messageId: viewId });
          sent('web', viewId);
        }
      }
    };
    const order = (client: Pick<Analytics, 'track'>, channel: 'web' | 'app', ids: { anonymousId?: string; userId: string }, context: object) => {
      const lines = Array.from({ length: r.int(1, 3) }, () => ({ p: r.pick(catalogue), quantity: r.int(1, 2) }));
      const totalMinor = lines.reduce((s, l) => s + Math.round(l.p.price * 100) * l.quantity, 0);
      const messageId = id();
      client.track({
        ...ids, event: 'Order Completed', context, timestamp: at(), messageId,
        properties: { order_id: `O-${messageId}`, total: totalMinor / 100, currency: 'EUR', products: lines.map((l) => ({ sku: l.p.sku, name: l.p.name, price: l.p.price, quantity: l.quantity })) },
      });
      sent(channel, messageId);
      result.onlineRevenueMinor += totalMinor;
    };
    const storeVisit = (withApp: boolean, withCard: boolean) => {
      const store = r.pick(STORES);
      // The visitor's phone is heard by a few of the store's access points while they shop.
      const aps = devices[store]?.accessPoints ?? [];
      for (let i = aps.length > 0 ? r.int(2, 5) : 0; i > 0; i--) {
        const messageId = id();
        storeBatch.push({ type: 'wifi_observation', messageId, timestamp: at().toISOString(), storeId: store, apMac: r.pick(aps), clientMac: phoneMac, rssi: -r.int(50, 75), manufacturer: r.pick(['Apple', 'Samsung', 'Google']) });
        sent('store', messageId);
        result.wifiObservations++;
      }
      if (withApp) {
        for (let i = r.int(1, 3); i > 0; i--) {
          const messageId = id();
          storeBatch.push({ type: 'beacon_sighting', messageId, timestamp: at().toISOString(), storeId: store, appInstallId: installId, beaconUuid: BEACON_UUID, major: STORES.indexOf(store) + 1, minor: r.int(1, 8), rssi: -r.int(45, 85), proximity: r.pick(['immediate', 'near', 'far']) });
          sent('store', messageId);
        }
      }
      const lines = Array.from({ length: r.int(1, 4) }, () => ({ p: r.chance(0.05) ? { sku: `UNLISTED-${r.int(1, 99)}`, name: '', price: 4.9 } : r.pick(catalogue), quantity: r.int(1, 2) }));
      const totalMinor = lines.reduce((s, l) => s + Math.round(l.p.price * 100) * l.quantity, 0);
      const receiptId = `R-${id()}`;
      storeBatch.push({
        type: 'pos_transaction', timestamp: at().toISOString(), storeId: store, receiptId, currency: 'EUR', total: totalMinor / 100, paymentMethod: r.pick(['card', 'cash', 'mobile']),
        ...(withCard ? { loyaltyCard: card } : {}),
        lines: lines.map((l, i) => ({ lineNumber: i + 1, sku: l.p.sku, quantity: l.quantity, price: l.p.price })),
      });
      sent('store', `pos:${store}:${receiptId}`);
      result.storeRevenueMinor += totalMinor;
    };

    switch (persona) {
      case 'crawler':
      case 'anonymous_browser':
        browseWeb(false);
        break;
      case 'web_shopper': {
        browseWeb(false);
        const messageId = id();
        web.identify({ anonymousId, userId, traits: { ...traits(), ...(r.chance(0.5) ? { loyaltyCard: card } : {}) }, context: webContext, timestamp: at(), messageId });
        result.emails.push(email);
        sent('web', messageId);
        browseWeb(true);
        if (r.chance(0.7)) order(web, 'web', { anonymousId, userId }, webContext);
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
        order({ track: (m) => backend.track(m as RudderParams<'track'>) }, 'web', { userId }, webContext);
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
          app.screen({ anonymousId: installId, userId, name: r.pick(['Home', 'Product', 'Offers', 'Stores']), context: appContext, timestamp: at(), messageId: screenId });
          sent('app', screenId);
        }
        if (r.chance(0.6)) order(app, 'app', { anonymousId: installId, userId }, appContext);
        if (persona === 'omnichannel') {
          storeVisit(true, true);
          if (r.chance(0.4)) storeVisit(true, true);
        }
        break;
      }
      case 'store_only':
        storeVisit(false, r.chance(0.7));
        break;
    }
    if (storeBatch.length >= 200) await flushStore();
    // Let the clients' timers run: a simulated shop is not one synchronous burst.
    if (c % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
  }
  // Each store: passersby heard weakly at the entrance, and the people counters' hourly line
  // crossings over the simulated days, during opening hours.
  for (const store of STORES) {
    const { accessPoints = [], sensors = [] } = devices[store] ?? {};
    for (let i = accessPoints.length > 0 ? Math.max(10, Math.round(options.customers / 10)) : 0; i > 0; i--) {
      const messageId = id();
      storeBatch.push({ type: 'wifi_observation', messageId, timestamp: new Date(now - r.int(1, 6 * 24 * 3600) * 1000).toISOString(), storeId: store, apMac: accessPoints[0]!, clientMac: mac(true), rssi: -r.int(82, 95) });
      sent('store', messageId);
      result.wifiObservations++;
    }
    for (const sensorId of sensors) {
      for (let day = 6; day >= 1; day--) {
        for (let hour = 9; hour < 21; hour++) {
          const end = new Date(now - day * DAY);
          end.setUTCHours(hour - 2, 0, 0, 0);
          const countIn = r.int(2, 30);
          const messageId = id();
          storeBatch.push({ type: 'people_count', messageId, timestamp: end.toISOString(), storeId: store, sensorId, kind: 'line_crossing', periodSeconds: 3600, countIn, countOut: Math.max(0, countIn - r.int(0, 3)) });
          sent('store', messageId);
          result.peopleIn[store] = (result.peopleIn[store] ?? 0) + countIn;
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
  return result;
}
