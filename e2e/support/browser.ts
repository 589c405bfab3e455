/**
 * What the browser tests share: Debian's Chromium (Playwright's own download is not reachable
 * here), and a shop page of another origin than ingest serving one script bundled with esbuild,
 * so the browser's own CORS preflights reach ingest (no request interception).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the browser tests drive Debian's Chromium (Playwright's own download is not reachable). Install it with \`apt-get install chromium\` (\`pnpm test\` does).`);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

export interface ShopServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  close(): Promise<void>;
}

/**
 * Serves `html` (which loads `/shop.js`) at every path starting with `pagePath`, and the page's
 * script, `entry` bundled for the browser, at `/shop.js`; anything else is 404.
 */
export async function serveShop({ entry, html, pagePath = '/' }: { entry: string; html: string; pagePath?: string }): Promise<ShopServer> {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-shop-'));
  try {
    await build({ entryPoints: [entry], bundle: true, format: 'iife', platform: 'browser', target: 'chrome120', outfile: join(dir, 'shop.js'), logLevel: 'error' });
    const script = readFileSync(join(dir, 'shop.js'), 'utf8');
    const server = createServer((req, res) => {
      if (req.url === '/shop.js') res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(script);
      else if (req.url?.startsWith(pagePath)) res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return {
      origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
