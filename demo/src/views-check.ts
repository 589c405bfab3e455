/**
 * This run's sessions, funnel, receipts and store visitors in the derived views, against what the
 * simulator knows really happened (truth.ts). Other runs share the demo tenant, so each figure is
 * taken for this run's own ids: sessions are named after their first event (this run's message
 * ids), receipts carry this run's receipt ids, visits this run's phones.
 */
import { hashMac, saltOf } from '@cdp/plumbing';
import type { PipelineWatch } from './pipeline-watch';
import type { SimulationResult } from './simulator';

const verdict = (ok: boolean) => (ok ? 'match' : 'MISMATCH');
/** aggregation's Prometheus metrics (its METRICS_PORT as `pnpm start` runs it). */
const AGGREGATION_METRICS = 'http://127.0.0.1:9103/metrics';

export async function checkViews(watch: PipelineWatch, runId: string, result: SimulationResult, say: (line: string) => void): Promise<boolean> {
  const truth = result.truth;
  const p = { p: runId };
  const [[sessions], funnel] = await Promise.all([
    watch.ch.query<{ n: number }>("SELECT count() AS n FROM sessions WHERE tenant = 'demo' AND startsWith(session_id, {p:String}) AND is_bot = 0", p),
    watch.ch.query<{ medium: string; sessions: number; carted: number; ordered: number }>(
      `SELECT marketing_medium AS medium, count() AS sessions, countIf(cart_adds > 0) AS carted, countIf(orders > 0) AS ordered
       FROM sessions WHERE tenant = 'demo' AND startsWith(session_id, {p:String}) AND is_bot = 0 AND channel = 'web' AND landing_page != '' GROUP BY medium`,
      p,
    ),
  ]);
  const sessionsOk = Number(sessions!.n) === truth.sessions;
  say(`Sessions of this run (30 minutes of inactivity end one): ${sessions!.n} in ClickHouse, ${truth.sessions} sent: ${verdict(sessionsOk)}`);
  const expected = truth.funnel;
  const funnelOk =
    funnel.length === Object.keys(expected).length &&
    funnel.every((f) => expected[f.medium]?.sessions === Number(f.sessions) && expected[f.medium]?.carted === Number(f.carted) && expected[f.medium]?.ordered === Number(f.ordered));
  say(`Funnel by arrival medium (web sessions -> carted -> ordered): ${funnel.map((f) => `${f.medium} ${f.sessions}->${f.carted}->${f.ordered}`).join(', ')}: ${verdict(funnelOk)}`);

  // Receipts per store and store-local hour, for this run's receipts.
  const receipts = await watch.ch.query<{ key: string; n: number }>(
    `SELECT concat(store_id, ' ', formatDateTime(toStartOfHour(toDateTime(assumeNotNull(store_local_time), 'UTC')), '%Y-%m-%d %H:00')) AS key, count() AS n
     FROM events WHERE tenant = 'demo' AND event_type = 'pos_transaction' AND startsWith(order_id, {r:String}) AND store_local_time IS NOT NULL GROUP BY key`,
    { r: `R-${runId}` },
  );
  const expectedReceipts = new Map([...truth.stores].flatMap(([store, hours]) => [...hours].filter(([, h]) => h.receipts > 0).map(([hour, h]) => [`${store} ${hour}`, h.receipts])));
  const receiptsOk = receipts.length === expectedReceipts.size && receipts.every((r) => expectedReceipts.get(r.key) === Number(r.n));
  say(`Receipts per store and local hour: ${receipts.reduce((s, r) => s + Number(r.n), 0)} in ${receipts.length} store-hours, as sent: ${verdict(receiptsOk)}`);

  // Visitors per store-hour: the visits of this run's phones (heard on Wi-Fi) against the truth.
  const salt = saltOf(process.env);
  const phones = [...truth.visitorMacs.values()].flatMap((macs) => [...macs]).map((m) => `wifi:${hashMac(salt, m)}`);
  const passersby = [...truth.passerbyMacs].map((m) => `wifi:${hashMac(salt, m)}`);
  const [visits, [mistaken]] = await Promise.all([
    watch.ch.query<{ key: string; n: number }>(
      `SELECT concat(store_id, ' ', formatDateTime(toStartOfHour(started_at), '%Y-%m-%d %H:00')) AS key, count() AS n
       FROM store_visits WHERE tenant = 'demo' AND is_visitor = 1 AND hasAny(devices, {phones:Array(String)}) GROUP BY key`,
      { phones },
    ),
    watch.ch.query<{ n: number }>("SELECT count() AS n FROM store_visits WHERE tenant = 'demo' AND is_visitor = 1 AND hasAny(devices, {passersby:Array(String)})", { passersby }),
  ]);
  const measured = new Map(visits.map((v) => [v.key, Number(v.n)]));
  let within = 0;
  let hours = 0;
  for (const [store, byHour] of truth.stores) {
    for (const [hour, h] of byHour) {
      if (h.visitors === 0) continue;
      hours++;
      if (Math.abs((measured.get(`${store} ${hour}`) ?? 0) - h.visitors) <= 0.05 * h.visitors) within++;
    }
  }
  const visitorsOk = within === hours && Number(mistaken!.n) === 0;
  say(
    `Store visitors per hour (Wi-Fi, hysteresis, 5 min dwell): ${within} of ${hours} store-hours within 5 % of the ${[...truth.stores.values()].reduce((s, m) => s + [...m.values()].reduce((a, h) => a + h.visitors, 0), 0)} visits sent; passers-by counted as visitors: ${mistaken!.n} of ${passersby.length}: ${verdict(visitorsOk)}`,
  );

  // The live part of the run (the last 40 minutes): each signal once. A cart is abandoned at the
  // next timer tick after 30 minutes, so wait a little for it.
  const expectedSignals = Object.fromEntries(Object.entries(truth.signals).filter(([, n]) => n > 0));
  let signals: Record<string, number> = {};
  for (const deadline = Date.now() + 30_000; ; ) {
    const rows = await watch.ch.query<{ kind: string; n: number }>(
      "SELECT kind, count() AS n FROM signals FINAL WHERE tenant = 'demo' AND arrayExists(x -> startsWith(x, {p:String}), source_event_ids) GROUP BY kind",
      p,
    );
    signals = Object.fromEntries(rows.map((r) => [r.kind, Number(r.n)]));
    if (Object.entries(expectedSignals).every(([k, n]) => (signals[k] ?? 0) >= n) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const signalsOk = JSON.stringify(Object.entries(signals).sort()) === JSON.stringify(Object.entries(expectedSignals).sort());
  say(`Real-time signals of this run's last 40 minutes: ${Object.entries(signals).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}; expected ${Object.entries(expectedSignals).map(([k, n]) => `${k} ${n}`).join(', ')}: ${verdict(signalsOk)}`);
  // Set up but not told: the shopper refused marketing on the banner (aggregation counts what it withholds).
  const withheld = Object.entries(result.withheldSignals);
  if (withheld.length > 0) {
    const metrics = await fetch(AGGREGATION_METRICS).then((r) => r.text()).catch(() => '');
    const counted = (kind: string) => Number(new RegExp(`^aggregation_signals_withheld_total\\{kind="${kind.toUpperCase()}"[^}]*\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
    say(`  withheld for lack of marketing consent: ${withheld.map(([k, n]) => `${k} ${n} (aggregation_signals_withheld_total: ${counted(k)})`).join(', ')}: ${verdict(withheld.every(([k, n]) => counted(k) >= n) && (signals.cart_abandoned ?? 0) === expectedSignals.cart_abandoned)}`);
  }
  return sessionsOk && funnelOk && receiptsOk && visitorsOk && signalsOk;
}
