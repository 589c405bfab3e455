/**
 * Segment's browser library loaded the way a self-hosted shop loads it: no Segment CDN, every
 * request to ingest (`apiHost`: host:port/v1 of ingest, no scheme).
 */
import { AnalyticsBrowser } from '@segment/analytics-next';

export async function loadSegment(writeKey: string, apiHost: string, batching?: { size: number; timeout: number }) {
  const delivery = batching ? { deliveryStrategy: { strategy: 'batching' as const, config: batching } } : {};
  const [analytics] = await AnalyticsBrowser.load(
    // Settings given inline: without cdnSettings the library fetches them from Segment's CDN.
    { writeKey, cdnSettings: { integrations: { 'Segment.io': { apiKey: writeKey } } } },
    // apiHost in the load options, not only in cdnSettings, so nothing goes to Segment's hosts.
    { integrations: { 'Segment.io': { apiHost, protocol: 'http', ...delivery } } },
  );
  return analytics;
}
