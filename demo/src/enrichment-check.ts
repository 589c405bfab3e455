/**
 * What enrichment added to this run, against what the simulator knows it sent: crawlers flagged
 * as bots, each visitor's arrival classified by medium, visitors placed in their network's
 * country, store sensor traffic in its tables, and the partner's segments joined to the persons.
 * A mismatch is printed as such, not hidden.
 */
import type { PipelineWatch } from './pipeline-watch';
import type { SimulationResult } from './simulator';

export const LOADER_URL = process.env.LOADER_URL ?? 'http://127.0.0.1:8090';
/** The local partner key of services/loader/config/keys.local.json (segments of nordic-loyalty only). */
export const PARTNER_KEY = 'local-partner-nordic-loyalty';
export const PARTNER_SEGMENTS = ['outdoor-enthusiast', 'young-urban', 'family-shopper'];

const same = (a: Record<string, number>, b: Record<string, number>) => {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => (a[k] ?? 0) === (b[k] ?? 0));
};
const show = (x: Record<string, number>) => Object.entries(x).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} ${v}`).join(', ');
const verdict = (ok: boolean) => (ok ? 'match' : 'MISMATCH');

export async function checkEnrichment(watch: PipelineWatch, runId: string, result: SimulationResult, memberships: { email: string; segment: string }[], say: (line: string) => void): Promise<boolean> {
  const p = { p: runId };
  const [[bots], arrivals, countries, [wifi], peopleIn] = await Promise.all([
    watch.ch.query<{ n: number }>("SELECT countIf(is_bot = 1) AS n FROM events WHERE startsWith(event_id, {p:String}) AND event_type = 'page'", p),
    watch.ch.query<{ medium: string; n: number }>(
      "SELECT medium, count() AS n FROM (SELECT anonymous_id, argMin(marketing_medium, event_time) AS medium FROM events WHERE startsWith(event_id, {p:String}) AND event_type = 'page' AND is_bot = 0 GROUP BY anonymous_id) GROUP BY medium",
      p,
    ),
    watch.ch.query<{ country: string; n: number }>(
      "SELECT country, count() AS n FROM (SELECT anonymous_id, argMin(geo_country, event_time) AS country FROM events WHERE startsWith(event_id, {p:String}) AND event_type = 'page' AND is_bot = 0 GROUP BY anonymous_id) GROUP BY country",
      p,
    ),
    watch.ch.query<{ n: number; placed: number }>('SELECT count() AS n, countIf(in_directory = 1) AS placed FROM store_wifi_observations FINAL WHERE startsWith(event_id, {p:String})', p),
    watch.ch.query<{ store_id: string; n: number }>('SELECT store_id, sum(count_in) AS n FROM store_people_counts FINAL WHERE startsWith(event_id, {p:String}) GROUP BY store_id', p),
  ]);
  const toMap = <T extends { n: number }>(rows: T[], key: (r: T) => string) => Object.fromEntries(rows.map((r) => [key(r), Number(r.n)]));
  const checks = [
    [`Crawler page views flagged as bots: sent ${result.botEvents}, flagged ${bots!.n}`, Number(bots!.n) === result.botEvents],
    [`Visitors by arrival medium: sent ${show(result.arrivals)}; classified ${show(toMap(arrivals, (r) => r.medium))}`, same(result.arrivals, toMap(arrivals, (r) => r.medium))],
    [`Visitors by country of their network: sent ${show(result.countries)}; located ${show(toMap(countries, (r) => r.country))}`, same(result.countries, toMap(countries, (r) => r.country))],
    [`Wi-Fi observations: sent ${result.wifiObservations}, landed ${wifi!.n} (${wifi!.placed} placed in a store zone)`, Number(wifi!.n) === result.wifiObservations && Number(wifi!.placed) === result.wifiObservations],
    [`People counted in: sent ${show(result.peopleIn)}; landed ${show(toMap(peopleIn, (r) => r.store_id))}`, same(result.peopleIn, toMap(peopleIn, (r) => r.store_id))],
  ] as const;

  // The segments join through the identity graph: wait until the upload has reached ClickHouse.
  const expected: Record<string, number> = {};
  for (const m of memberships) expected[m.segment] = (expected[m.segment] ?? 0) + 1;
  let joined: Record<string, number> = {};
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
    const rows = await watch.ch.query<{ segment: string; n: number }>(
      "SELECT segment, uniqExact(person_id) AS n FROM person_partner_segments WHERE tenant = 'demo' AND partner = 'nordic-loyalty' GROUP BY segment",
    );
    joined = toMap(rows, (r) => r.segment);
    if (same(expected, joined)) break;
  }
  const all = [...checks, [`Partner segments joined to persons by hashed e-mail: uploaded ${show(expected)}; in ClickHouse ${show(joined)}`, same(expected, joined)] as const];
  say('\nEnrichment, checked against what the simulator sent:');
  for (const [line, ok] of all) say(`  ${line}: ${verdict(ok)}`);
  return all.every(([, ok]) => ok);
}
