/**
 * User agent -> browser, OS and device type, with bowser (MIT, maintained). Chosen over
 * ua-parser-js, whose 2.x line is AGPL. Results are cached: a shop sees few distinct agents.
 */
import Bowser from 'bowser';
import type { CdpEnrichment } from '@cdp/plumbing';

const BOWSER_VERSION = (require('bowser/package.json') as { version: string }).version;
export const USER_AGENT_SOURCE = `bowser ${BOWSER_VERSION}`;

const BOTS = /bot|crawl|spider|slurp|headless|lighthouse|pingdom|uptime/i;

export function createUserAgentParser(cacheSize = 10_000): (ua: string | null) => CdpEnrichment.DeviceInfo | null {
  const cache = new Map<string, CdpEnrichment.DeviceInfo>();
  return (ua) => {
    if (!ua) return null;
    const hit = cache.get(ua);
    if (hit) return hit;
    const parser = Bowser.getParser(ua);
    const browser = parser.getBrowser();
    const os = parser.getOS();
    const platform = parser.getPlatformType(true);
    const info: CdpEnrichment.DeviceInfo = {
      browserName: browser.name ?? null,
      browserVersion: browser.version ?? null,
      osName: os.name ?? null,
      osVersion: os.versionName ?? os.version ?? null,
      deviceType: BOTS.test(ua) ? 'bot' : platform || null,
      source: USER_AGENT_SOURCE,
    };
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
    cache.set(ua, info);
    return info;
  };
}
