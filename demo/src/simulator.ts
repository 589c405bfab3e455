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
}

export type Persona = 'anonymous_browser' | 'web_shopper' | 'server_signup' | 'app_shopper' | 'omnichannel' | 'store_only';

const STORES = ['HEL-1', 'ESP-2', 'TRE-3'];
const BEACON_UUID = 'f7826da6-4fa2-4e98-8024-bc5b71e0893e';
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
];
const PAGES = ['/', '/c/shoes', '/c/clothing', '/c/equipment', '/campaign/winter'];
const CAMPAIGNS = [null, null, { source: 'newsletter', medium: 'email', name: 'winter-sale' }, { source: 'google', medium: 'cpc', name: 'brand' }];

/** RudderStack's typings leave out messageId, which the SDK keeps when a caller gives one. */
type RudderParams<K extends 'identify' | 'alias' | 'track'> = Parameters<RudderAnalytics[K]>[0];

const personaOf = (r: Random): Persona => {
  const x = r.next();
  return x < 0.33 ? 'anonymous_browser' : x < 0.53 ? 'web_shopper' : x < 0.61 ? 'server_signup' : x < 0.72 ? 'app_shopper' : x < 0.9 ? 'omnichannel' : 'store_only';
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

  const result: SimulationResult = { eventIds: new Set(), sentByChannel: { web: 0, app: 0, store: 0 }, onlineRevenueMinor: 0, storeRevenueMinor: 0, customers: [], signups: [], failed: 0 };
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
    const userAgent = r.pick(UAS);
    let t = now - r.int(1, 6) * DAY - r.int(0, 12 * 3600) * 1000;
    const at = () => new Date((t += r.int(5, 120) * 1000));
    const campaign = r.pick(CAMPAIGNS);
    const webContext = { userAgent, ip: `10.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`, locale: 'fi-FI', ...(campaign ? { campaign } : {}) };
    const appContext = { app: { name: 'Kuura Shop', version: '4.2.0' }, device: { type: 'ios', id: installId }, os: { name: 'iOS', version: '18.1' } };

    const browseWeb = (identified: boolean) => {
      for (let i = r.int(2, 6); i > 0; i--) {
        const path = r.pick(PAGES);
        const messageId = id();
        web.page({ anonymousId, ...(identified ? { userId } : {}), name: path, properties: { path, url: `https://shop.example${path}` }, context: { ...webContext, page: { path, url: `https://shop.example${path}` } }, timestamp: at(), messageId });
        sent('web', messageId);
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
      case 'anonymous_browser':
        browseWeb(false);
        break;
      case 'web_shopper': {
        browseWeb(false);
        const messageId = id();
        web.identify({ anonymousId, userId, traits: { email, ...(r.chance(0.5) ? { loyaltyCard: card } : {}) }, context: webContext, timestamp: at(), messageId });
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
        backend.identify({ userId, traits: { email }, context: webContext, timestamp: at(), messageId } as RudderParams<'identify'>);
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
        web.identify({ anonymousId, userId, traits: { email, loyaltyCard: card }, context: webContext, timestamp: at(), messageId });
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
  await flushStore();
  // RudderStack's flush sends what is queued; a second one waits for what the first left in flight.
  await Promise.all([web.closeAndFlush({ timeout: 60_000 }), app.closeAndFlush({ timeout: 60_000 }), backend.flush().then(() => backend.flush())]);
  result.failed = failed;
  result.customers = [...personas].map(([persona, count]) => ({ persona, count }));
  return result;
}
