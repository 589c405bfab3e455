/**
 * Firefox for the browser tests. Playwright's own Firefox build cannot be downloaded here (only npm,
 * Maven Central, PyPI and Debian apt are reachable), so the tests drive Debian's firefox-esr with
 * puppeteer-core over WebDriver BiDi (Firefox no longer speaks CDP). puppeteer writes a temporary
 * profile with its test preferences (no network, no first-run pages) and deletes it on close; root,
 * HOME and the sandbox need nothing extra. A launch takes about 4 s here.
 * CDP-only under BiDi (they throw): emulateMediaFeatures/emulateMediaType, setJavaScriptEnabled,
 * emulateNetworkConditions, setBypassCSP, accessibility, coverage, tracing, metrics, createCDPSession,
 * drag interception; setViewport's hasTouch/isMobile are ignored (deviceScaleFactor works).
 */
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type LaunchOptions } from 'puppeteer-core';

export const FIREFOX = '/usr/bin/firefox-esr';

/** Headless firefox-esr over WebDriver BiDi; `options` override the defaults (e.g. `defaultViewport`). */
export async function launchFirefox(options: LaunchOptions = {}): Promise<Browser> {
  if (!existsSync(FIREFOX)) throw new Error(`${FIREFOX} is missing: the Firefox tests drive Debian's firefox-esr (Playwright's own Firefox is not reachable). Install it with \`apt-get install firefox-esr\` or \`bash infra/scripts/ensure-browser.sh firefox-esr ${FIREFOX}\` (\`pnpm test\` does).`);
  return puppeteer.launch({ browser: 'firefox', protocol: 'webDriverBiDi', executablePath: FIREFOX, headless: true, ...options });
}
