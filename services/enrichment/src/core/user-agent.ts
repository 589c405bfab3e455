/**
 * User agent -> browser, OS, device type and a bot flag. Browser and OS come from bowser (MIT,
 * maintained), chosen over ua-parser-js, whose 2.x line is AGPL. The bot flag comes from isbot
 * (Unlicense), whose pattern list of crawlers, monitors and headless browsers is maintained
 * upstream; it replaced a hand-made regex that also flagged phones such as the CUBOT range.
 * Results are cached: a shop sees few distinct agents.
 */
import Bowser from 'bowser';
import { isbot } from 'isbot';
import type { CdpEnrichment } from '@cdp/plumbing';
import { TwoGenerationCache } from './two-generation-cache';

const BOWSER_VERSION = (require('bowser/package.json') as { version: string }).version;
const ISBOT_VERSION = (require('isbot/package.json') as { version: string }).version;
export const USER_AGENT_SOURCE = `bowser ${BOWSER_VERSION}, isbot ${ISBOT_VERSION}`;

/**
 * Real agents stay well under 1 KB. Only this many characters are parsed and used as the cache
 * key, so an oversized header costs neither parse time (bowser takes ~60 ms on 1 MB) nor cache
 * memory.
 */
export const MAX_USER_AGENT_LENGTH = 2048;

const DEVICE_TYPES = new Set(['desktop', 'mobile', 'tablet', 'tv']);

/**
 * A parser with its own cache of up to `cacheSize` agents (least recently used go first). Null for a
 * missing or blank agent. `deviceType` is `bot` exactly when `isBot`; otherwise bowser's platform
 * (desktop, mobile, tablet, tv) or null. Returned objects are shared between calls: frozen.
 */
export function createUserAgentParser(cacheSize = 10_000): (ua: string | null) => CdpEnrichment.DeviceInfo | null {
  const cache = new TwoGenerationCache<CdpEnrichment.DeviceInfo>(cacheSize);
  return (raw) => {
    if (!raw) return null;
    const ua = raw.length > MAX_USER_AGENT_LENGTH ? raw.slice(0, MAX_USER_AGENT_LENGTH) : raw;
    const hit = cache.get(ua);
    if (hit) return hit;
    if (ua.trim() === '') return null;
    const info = Object.freeze(parse(ua));
    cache.set(ua, info);
    return info;
  };
}

function parse(ua: string): CdpEnrichment.DeviceInfo {
  const bot = isbot(ua);
  let browserName: string | null = null;
  let browserVersion: string | null = null;
  let osName: string | null = null;
  let osVersion: string | null = null;
  let platform: string | null = null;
  try {
    const parser = Bowser.getParser(ua);
    const browser = parser.getBrowser();
    const os = parser.getOS();
    browserName = browser.name || null;
    browserVersion = browser.version || null;
    osName = os.name || null;
    osVersion = os.versionName || os.version || null;
    // getPlatformType(true) is String(type).toLowerCase(): 'undefined' when bowser found none.
    const type = parser.getPlatformType(true);
    platform = DEVICE_TYPES.has(type) ? type : null;
  } catch {
    // bowser throws only on input it cannot take (empty); the agent still gets its bot flag.
  }
  return { browserName, browserVersion, osName, osVersion, deviceType: bot ? 'bot' : platform, isBot: bot, source: USER_AGENT_SOURCE };
}
