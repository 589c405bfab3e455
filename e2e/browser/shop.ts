/**
 * The shop page's script: Segment's browser library, unchanged, loaded the way a self-hosted shop
 * loads it (no Segment CDN), making the calls a visitor's browsing would. browser-sdk.e2e.test.ts
 * bundles it with esbuild and runs it in Chromium; the test only says which ids to use.
 */
import { loadSegment } from './segment';

export interface ShopVisit {
  writeKey: string;
  /** host:port/v1 of ingest, as Segment's `apiHost` (no scheme). */
  apiHost: string;
  /** Segment's batching delivery instead of one request per call. */
  batching?: { size: number; timeout: number };
  userId: string;
  email: string;
  name: string;
  groupId: string;
  groupEmail: string;
  productViewed: Record<string, unknown>;
  order: Record<string, unknown>;
}

export type CallName = 'page' | 'track' | 'alias' | 'identify' | 'group';

export interface VisitCall {
  call: CallName;
  messageId: string;
}

export interface VisitResult {
  calls: VisitCall[];
  /** Errors the library reported (e.g. `delivery_failure`); a healthy visit has none. */
  errors: string[];
}

async function visit(v: ShopVisit): Promise<VisitResult> {
  const analytics = await loadSegment(v.writeKey, v.apiHost, v.batching);
  const errors: string[] = [];
  analytics.on('error', (e) => errors.push(`${e.code}: ${String((e as { reason?: unknown }).reason)}`));

  const calls: VisitCall[] = [];
  const note = (call: CallName, ctx: { event: { messageId?: string } }) => calls.push({ call, messageId: ctx.event.messageId! });

  // One call after the other, as a visitor's clicks come: each must be in effect for the next.
  note('page', await analytics.page('Tuotteet', 'Villasukat'));
  note('track', await analytics.track('Product Viewed', v.productViewed));
  // Sign-up: alias the anonymous visitor to the new user id, then identify. (Called after identify,
  // 1.84.3 replaces alias's userId by the identified id and sends userId === previousId.)
  note('alias', await analytics.alias(v.userId));
  note('identify', await analytics.identify(v.userId, { email: v.email, name: v.name }));
  note('group', await analytics.group(v.groupId, { name: 'Villasukka Oy', plan: 'wholesale', email: v.groupEmail }));
  note('track', await analytics.track('Order Completed', v.order));
  return { calls, errors };
}

declare global {
  interface Window {
    shop: { visit: typeof visit };
  }
}

window.shop = { visit };
