/**
 * The demo's console: signed in as the local console user over HTTP (what a browser's sign-in
 * page does), the management page's revenue read through it held against ClickHouse, the IT
 * page's health; and where to open it.
 */
import { revenueOfDays } from './api-check';
import type { PipelineWatch } from './pipeline-watch';

export const CONSOLE_URL = 'http://127.0.0.1:8060';
/** The local console user (services/console/config/users.local.json). */
export const CONSOLE_USER = { username: 'demo', password: 'local-demo-console' };

const verdict = (ok: boolean) => (ok ? 'match' : 'MISMATCH');
const day = (t: number) => new Date(t).toISOString().slice(0, 10);

export async function checkConsole(watch: PipelineWatch, say: (line: string) => void): Promise<void> {
  say(`\nConsole (${CONSOLE_URL}):`);
  const signIn = await fetch(`${CONSOLE_URL}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(CONSOLE_USER) });
  if (!signIn.ok) throw new Error(`console sign-in refused: ${signIn.status} ${await signIn.text()}`);
  const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
  const read = async (path: string) => {
    const res = await fetch(`${CONSOLE_URL}${path}`, { headers: { cookie } });
    if (!res.ok) throw new Error(`console ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const unsigned = await fetch(`${CONSOLE_URL}/api/v1/kpis/stores`);
  const from = day(Date.now() - 13 * 86_400_000);
  const to = day(Date.now());
  const share = await read(`/api/v1/kpis/digital-share?from=${from}&to=${to}`);
  const [sales] = await watch.ch.query<{ digital: string; store: string }>(
    "SELECT sumIf(revenue_minor, channel IN ('web', 'app')) AS digital, sumIf(revenue_minor, channel = 'store') AS store FROM sales_daily WHERE tenant = 'demo' AND day BETWEEN {from:Date} AND {to:Date}",
    { from, to },
  );
  const { digital, stores: store } = revenueOfDays(share.days);
  say(`  signed in as ${CONSOLE_USER.username} (a read without the session: ${unsigned.status}); management's revenue ${from}..${to}: online ${(digital / 100).toFixed(2)}, stores ${(store / 100).toFixed(2)} EUR; ClickHouse: ${verdict(digital === Number(sales!.digital) && store === Number(sales!.store))}`);
  const ops = await read('/api/ops');
  const up = ops.services.filter((s: { up: boolean }) => s.up).length;
  const accepted = ops.ingest.accepted.reduce((s: number, r: { events: number }) => s + r.events, 0);
  say(`  IT page: ${up} of ${ops.services.length} services answering, ${accepted} events accepted by ingest since it started, ${ops.ingest.deadLettered.reduce((s: number, r: { events: number }) => s + r.events, 0)} dead-lettered, ${ops.lag.length} consumer-group positions read from Kafka`);
}

export const consoleNextSteps = () =>
  [
    '',
    `The console: open ${CONSOLE_URL} in a browser and sign in as ${CONSOLE_USER.username} / ${CONSOLE_USER.password} (or "Sign in with an API key": local-demo-api-key).`,
    '  Management, Marketing, E-commerce, IT, Stores and Customers pages; they read again as events land (run `pnpm demo` again with one open).',
  ].join('\n');
