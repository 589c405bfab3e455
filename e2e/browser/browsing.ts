/**
 * An anonymous visitor's browsing before sign-up, with Segment's browser library unchanged: pages
 * and product views under the anonymous id the library gives the browser. identity.e2e.test.ts
 * bundles it, runs it in Chromium, and continues the story on the shop's server.
 */
import { loadSegment } from './segment';

export interface Browsing {
  writeKey: string;
  apiHost: string;
  skus: string[];
}

export interface BrowsingResult {
  anonymousId: string;
  messageIds: string[];
  errors: string[];
}

async function browse(b: Browsing): Promise<BrowsingResult> {
  const analytics = await loadSegment(b.writeKey, b.apiHost);
  const errors: string[] = [];
  analytics.on('error', (e) => errors.push(`${e.code}: ${String((e as { reason?: unknown }).reason)}`));
  const messageIds: string[] = [];
  messageIds.push((await analytics.page('Home')).event.messageId!);
  for (const sku of b.skus) messageIds.push((await analytics.track('Product Viewed', { sku })).event.messageId!);
  const anonymousId = (await analytics.user()).anonymousId()!;
  return { anonymousId, messageIds, errors };
}

declare global {
  interface Window {
    browsing: { browse: typeof browse };
  }
}

window.browsing = { browse };
