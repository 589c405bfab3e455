/**
 * A shop page's script with RudderStack's browser SDK, unchanged, pointed at ingest: its data
 * plane (events) and its configUrl (the source configuration it reads before it starts) are both
 * ingest. The bundled build carries its plugins, so nothing is fetched from RudderStack's CDN.
 * rudderstack.e2e.test.ts bundles it with esbuild and runs it in Chromium.
 */
import { RudderAnalytics, type ApiObject } from '@rudderstack/analytics-js/bundled';

export type RudderDelivery = 'xhr' | 'batch' | 'beacon';

export interface RudderVisit {
  writeKey: string;
  /** ingest's base URL, as dataPlaneUrl and configUrl. */
  ingestUrl: string;
  delivery: RudderDelivery;
  userId: string;
  email: string;
  name: string;
  groupId: string;
  groupEmail: string;
  productViewed: ApiObject;
  order: ApiObject;
}

export type RudderCallName = 'page' | 'track' | 'alias' | 'identify' | 'group';

/** A call and the event the SDK queued for it (its API callback receives it). */
export interface RudderCall {
  call: RudderCallName;
  event: { messageId: string; anonymousId: string; context: { library: { name: string; version: string }; timezone?: string } & Record<string, unknown> };
}

const LOAD_OPTIONS: Record<RudderDelivery, object> = {
  xhr: {},
  batch: { queueOptions: { batch: { enabled: true, maxItems: 4, flushInterval: 1000 } } },
  // The beacon queue flushes every 10 minutes, at 10 events or when the page hides; sooner here.
  beacon: { useBeacon: true, beaconQueueOptions: { flushQueueInterval: 1000 } },
};

function visit(v: RudderVisit): Promise<RudderCall[]> {
  const analytics = new RudderAnalytics();
  return new Promise((resolve) => {
    analytics.load(v.writeKey, v.ingestUrl, {
      configUrl: v.ingestUrl,
      logLevel: 'ERROR',
      ...LOAD_OPTIONS[v.delivery],
      onLoaded: () => {
        // Each callback runs when the SDK has queued its event: done when all six have.
        const calls: RudderCall[] = [];
        const note = (call: RudderCallName) => (event: RudderCall['event']) => {
          calls.push({ call, event });
          if (calls.length === 6) resolve(calls);
        };
        analytics.page('Tuotteet', 'Villasukat', {}, note('page'));
        analytics.track('Product Viewed', v.productViewed, note('track'));
        // Sign-up: the anonymous visitor becomes the user, then identifies.
        analytics.alias(v.userId, note('alias'));
        analytics.identify(v.userId, { email: v.email, name: v.name }, note('identify'));
        analytics.group(v.groupId, { name: 'Villasukka Oy', plan: 'wholesale', email: v.groupEmail }, note('group'));
        analytics.track('Order Completed', v.order, note('track'));
      },
    });
  });
}

declare global {
  interface Window {
    rudderShop: { visit: typeof visit };
  }
}

window.rudderShop = { visit };
