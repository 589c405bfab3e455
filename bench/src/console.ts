/**
 * `pnpm bench:console`: how soon each console page shows its first view, in Debian's Chromium
 * (playwright-core), on a running system with data (`pnpm demo` first). A page marks
 * `console:first-view` (performance.mark) when its first read of every panel has finished and
 * been drawn; the figure is that mark's time from the start of the navigation: the HTML, the
 * scripts (ECharts among them), the session, the customer-API reads and the charts. Each page is
 * loaded --runs times after one load to warm the browser's cache (a returning user); the first,
 * cold load of each is printed too. Figures, nothing asserted.
 *
 *   pnpm bench:console [--url http://127.0.0.1:8060] [--runs 5] [--screenshots docs/console]
 *
 * --screenshots DIR saves each page at 1280 px wide (what the README shows).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { launchChromium } from '../../e2e/support/browser';
import { shortMachine, positive } from './common';
import { formatTable, int, spreadOf } from './report-format';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.CONSOLE_URL ?? 'http://127.0.0.1:8060' },
    user: { type: 'string', default: 'demo' },
    password: { type: 'string', default: 'local-demo-console' },
    runs: { type: 'string', default: '5' },
    screenshots: { type: 'string' },
  },
});
const base = values.url!.replace(/\/+$/, '');
const runs = positive('runs', values.runs!);

async function firstView(page: Page, path: string): Promise<number> {
  await page.goto(`${base}${path}`);
  await page.waitForSelector('body[data-state="ready"], body[data-state="failed"]', { timeout: 30_000 });
  if ((await page.getAttribute('body', 'data-state')) === 'failed') throw new Error(`${path} failed: ${await page.textContent('main')}`);
  const failures = await page.$$eval('.failure:not([hidden])', (els) => els.map((e) => e.textContent));
  if (failures.length) throw new Error(`${path}: panels failed: ${failures.join('; ')}`);
  return page.evaluate(() => performance.getEntriesByName('console:first-view')[0]!.startTime);
}

async function main(): Promise<void> {
  const health = await fetch(`${base}/health`).catch(() => undefined);
  if (!health?.ok) throw new Error(`no console answers at ${base}: start the system with data first (pnpm demo), or pass --url`);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}/login`);
    await page.fill('#username', values.user!);
    await page.fill('#password', values.password!);
    await Promise.all([page.waitForURL('**/app/**'), page.click('#sign-in')]);

    // A customer worth looking up: the first omnichannel buyer, found through the console's own API read.
    const members = await page.evaluate(async () => (await fetch('/api/v1/segments/rules/omnichannel_buyers/members?days=30&limit=1')).json());
    const personId = (members as { persons?: { personId: string }[] }).persons?.[0]?.personId;
    // The store page on yesterday, the store's last whole day.
    const yesterday = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Helsinki' }).format(new Date(Date.now() - 86_400_000));
    const pages: [string, string][] = [
      ['management', '/app/management'],
      ['marketing', '/app/marketing'],
      ['ecommerce', '/app/ecommerce'],
      ['it', '/app/it'],
      ['stores', `/app/stores?store=HEL-1&day=${yesterday}`],
      ['customers', personId ? `/app/customers?type=person_id&value=${encodeURIComponent(personId)}` : '/app/customers'],
    ];

    console.log(`Console first view, Chromium, ${base} (${shortMachine()}), each page's first load and ${runs} more:`);
    const rows: string[][] = [['page', 'first ms', 'warm p50 ms', 'warm max ms']];
    for (const [name, path] of pages) {
      const cold = await firstView(page, path);
      const warm: number[] = [];
      for (let i = 0; i < runs; i++) warm.push(await firstView(page, path));
      const s = spreadOf(warm);
      rows.push([name, int(cold), int(s.p50), int(s.max)]);
      if (values.screenshots) {
        mkdirSync(values.screenshots, { recursive: true });
        await page.screenshot({ path: join(values.screenshots, `${name}.png`), fullPage: true });
      }
    }
    console.log(formatTable(rows));
    if (values.screenshots) console.log(`Screenshots in ${values.screenshots}/`);
  } finally {
    await browser.close();
  }
}

main().catch((error: unknown) => {
  console.error(`bench:console failed: ${(error as Error).message}`);
  process.exit(1);
});
