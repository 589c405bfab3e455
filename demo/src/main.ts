/**
 * `pnpm demo`: starts the stack and the services (whatever is not running yet), loads the
 * catalogue, sends a seeded simulated retailer through ingest with real Segment clients, shows
 * progress until every event has landed in ClickHouse, and prints a report from ClickHouse and
 * from the customer API, with queries and API calls to paste.
 * It leaves everything running; Ctrl-C during the run stops what this run started.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MultiBar, Presets } from 'cli-progress';
import { REPO_ROOT } from '@cdp/infra/src/paths';
import { loadDatasetFile, readCatalogueFile } from '@cdp/loader';
import { runningPid } from '@cdp/infra/src/stack/processes';
import { SERVICES, start, stop, stopServices } from '@cdp/infra/src/system';
import { buildReport, formatReport, NEXT_STEPS } from './report';
import { checkEnrichment, LOADER_URL, PARTNER_KEY, PARTNER_SEGMENTS } from './enrichment-check';
import { createRandom } from './random';
import { checkViews } from './views-check';
import { apiNextSteps, checkApi } from './api-check';
import { checkConsole, consoleNextSteps } from './console-check';
import { checkConsent, checkErasure, checkSplit } from './privacy-check';
import { simulateLive, simulateRetailer, type SimulationOptions, type StoreLayout } from './simulator';
import { watchPipeline } from './pipeline-watch';

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { customers: { type: 'string', default: '300' }, seed: { type: 'string', default: '42' } } });
  const customers = Number(values.customers);
  const seed = Number(values.seed);
  if (!Number.isInteger(customers) || customers < 1) throw new Error(`--customers must be a positive whole number, got ${values.customers}`);

  // Remember what was already running, so Ctrl-C stops only what this run started.
  const stackWasUp = runningPid('kafka') !== undefined;
  const servicesWereUp = SERVICES.every((s) => runningPid(s.name) !== undefined);
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    say('\nInterrupted: stopping what this run started...');
    const stopping = stackWasUp ? (servicesWereUp ? Promise.resolve() : stopServices({ say })) : stop({ say });
    void stopping.finally(() => process.exit(130));
  });

  say('== Starting the stack and the services');
  await start({ say });
  if (interrupted) return;

  // Every reference dataset goes in through the loader, as a retailer's would; the partner's
  // segments follow once the simulated customers exist (they are keyed by their e-mails).
  const dataFile = (name: string) => join(REPO_ROOT, 'infra', 'data', name);
  say('\n== Reference data (pnpm load <dataset> FILE: one Kafka transaction per version)');
  for (const [dataset, file] of [['catalogue', 'catalogue.csv'], ['stores', 'stores.json'], ['demographics', 'demographics.csv']] as const) {
    const loaded = await loadDatasetFile(dataset, dataFile(file));
    say(`  ${dataset.padEnd(12)} ${String(loaded.records).padStart(3)} records from infra/data/${file}, version ${loaded.version}: ${loaded.status === 'unchanged' ? 'already live, nothing published' : `${loaded.upserts} published, ${loaded.tombstones} removed`}`);
  }
  const catalogue = readCatalogueFile(dataFile('catalogue.csv')).map((p) => ({ sku: p.sku, name: p.name, price: (p.priceMinor ?? 0) / 100 }));
  const stores = JSON.parse(readFileSync(dataFile('stores.json'), 'utf8')) as StoreLayout[];
  const areaCodes = readFileSync(dataFile('demographics.csv'), 'utf8').split('\n').filter((l) => /^FI,\d{5},/.test(l)).map((l) => l.split(',')[1]!);
  // A few customers live where the open data sample has no figures: they show as not covered.
  const postalCodes = [...areaCodes, '99990', '00990'];

  const runId = `demo${Date.now().toString(36)}`;
  say(`\n== Simulated retailer: ${customers} customers, seed ${seed}, run ${runId}`);
  const watch = await watchPipeline();
  const bars = new MultiBar({ format: ' {label} |{bar}| {value}/{total} {extra}', hideCursor: true, clearOnComplete: false, stopOnComplete: false, noTTYOutput: true, notTTYSchedule: 5000 }, Presets.shades_classic);
  const estimate = customers * 12;
  const sentBar = bars.create(estimate, 0, { label: 'sent  ', extra: '' });
  const landedBar = bars.create(estimate, 0, { label: 'landed', extra: '' });
  let sent = 0;
  let done = false;
  const poll = (async () => {
    while (!done) {
      const [landed, lag] = await Promise.all([watch.landed(runId), watch.lag()]);
      landedBar.update(landed, { extra: `lag ${lag}` });
      await new Promise((r) => setTimeout(r, 500));
    }
  })();

  const started = Date.now();
  const simulation: SimulationOptions = {
    ingestUrl: 'http://127.0.0.1:8080',
    customers,
    seed,
    runId,
    catalogue,
    stores,
    postalCodes,
    onSent: (n) => {
      sent = n;
      if (n > sentBar.getTotal()) sentBar.setTotal(n);
      sentBar.update(n);
    },
  };
  const result = await simulateRetailer(simulation);
  sentBar.setTotal(sent);
  sentBar.update(sent, { extra: `web ${result.sentByChannel.web}, app ${result.sentByChannel.app}, store ${result.sentByChannel.store}` });
  landedBar.setTotal(result.eventIds.size);

  // Wait until every event of this run is visible, or say what is missing.
  const deadline = Date.now() + 180_000;
  let landed = 0;
  while (Date.now() < deadline && !interrupted) {
    landed = await watch.landed(runId);
    if (landed >= result.eventIds.size) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  // The identity graph's merges and conflicts land after the events: the report waits for them.
  while (Date.now() < deadline && !interrupted && (await watch.lag()) > 0) await new Promise((r) => setTimeout(r, 300));
  // Then the live part, the last 40 minutes: what the real-time signals are for.
  await simulateLive(simulation, result);
  sentBar.setTotal(result.eventIds.size);
  landedBar.setTotal(result.eventIds.size);
  while (Date.now() < deadline && !interrupted) {
    landed = await watch.landed(runId);
    if (landed >= result.eventIds.size && (await watch.lag()) === 0) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  const landedAt = Date.now();
  done = true;
  await poll;
  landedBar.update(landed, { extra: `lag ${await watch.lag()}` });
  bars.stop();
  const seconds = (Date.now() - started) / 1000;
  say(`\n${result.eventIds.size} events sent, ${landed} landed in ClickHouse in ${seconds.toFixed(1)} s (${Math.round(landed / seconds)} events/s end to end); client errors: ${result.failed}`);
  if (landed < result.eventIds.size) say(`WARNING: ${result.eventIds.size - landed} events have not landed yet; see .stack/logs/*.log and the *.dlq topics`);
  say(`Personas: ${result.customers.map((c) => `${c.persona} ${c.count}`).join(', ')}`);

  // What this run sent against what ClickHouse holds for this run's events.
  const [own] = await watch.ch.query<{ online: number; store: number }>(
    `SELECT sumIf(revenue_minor, event_name = 'Order Completed') AS online, sumIf(revenue_minor, event_type = 'pos_transaction') AS store
     FROM events WHERE startsWith(event_id, {p:String}) OR startsWith(order_id, {r:String})`,
    { p: runId, r: `R-${runId}` },
  );
  const matches = own!.online === result.onlineRevenueMinor && own!.store === result.storeRevenueMinor;
  say(`This run: revenue sent online ${(result.onlineRevenueMinor / 100).toFixed(2)} / in store ${(result.storeRevenueMinor / 100).toFixed(2)} EUR; in ClickHouse ${(own!.online / 100).toFixed(2)} / ${(own!.store / 100).toFixed(2)} EUR: ${matches ? 'match' : 'MISMATCH'}`);

  // Sign-ups through the backend: each account must be one person with its anonymous browsing.
  if (result.signups.length > 0) {
    const [joined] = await watch.ch.query<{ n: number }>(
      `SELECT count() AS n FROM customer_profiles
       WHERE arrayExists((u, a) -> has(identifiers, tuple('user_id', u)) AND has(identifiers, tuple('anonymous_id', a)), {users:Array(String)}, {anons:Array(String)})`,
      { users: result.signups.map((x) => x.userId), anons: result.signups.map((x) => x.anonymousId) },
    );
    const ok = Number(joined!.n) === result.signups.length;
    say(`Server-side sign-ups (the backend's alias, RudderStack Node SDK): ${result.signups.length} accounts, ${joined!.n} of them one person with their anonymous browsing: ${ok ? 'match' : 'MISMATCH'}`);
  }

  // The partner delivers its segments for this run's customers by e-mail, through the loader's
  // HTTP upload with its own key; the loader hashes every address as ingest does.
  const random = createRandom(seed + 1);
  const memberships = result.emails.flatMap((email) => PARTNER_SEGMENTS.filter(() => random.chance(0.3)).map((segment) => ({ email, segment })));
  const upload = await fetch(`${LOADER_URL}/v1/datasets/segments`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${PARTNER_KEY}`, 'content-type': 'text/csv' },
    body: `email,segment\n${memberships.map((m) => `${m.email},${m.segment}`).join('\n')}\n`,
  });
  if (!upload.ok) throw new Error(`partner segment upload refused: ${upload.status} ${await upload.text()}`);
  const uploaded = (await upload.json()) as { version: string; upserts: number; tombstones: number };
  say(`Partner nordic-loyalty uploaded ${memberships.length} memberships of ${new Set(memberships.map((m) => m.email)).size} customers (version ${uploaded.version}, ${uploaded.tombstones} earlier rows removed)`);
  await checkEnrichment(watch, runId, result, memberships, say);
  await checkViews(watch, runId, result, say);
  const example = await checkApi(watch, result, landedAt, say);

  // Retention as aggregation set it at start (services/aggregation/README.md#retention).
  const ttls = await watch.ch.query<{ name: string; days: number | null }>(
    "SELECT name, toUInt32OrNull(extract(engine_full, ' TTL .*toIntervalDay\\((\\d+)\\)')) AS days FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree'",
  );
  const byDays = new Map<string, string[]>();
  for (const t of ttls) byDays.set(t.days === null ? 'none' : String(t.days), [...(byDays.get(t.days === null ? 'none' : String(t.days)) ?? []), t.name]);
  const kept = [...byDays].filter(([d]) => d !== 'none').sort(([a], [b]) => Number(a) - Number(b)).map(([d, names]) => `${names.length} tables ${d} days (${names.includes('events_raw') ? 'events_raw, ' : ''}${names.includes('sales_daily') ? 'sales_daily, ' : ''}...)`);
  say(`Retention in ClickHouse: ${kept.join('; ')}; ${byDays.get('none')?.length ?? 0} kept until deleted (identity state and history, reference data). Kafka's event topics: ${(await watch.eventTopicRetentionHours()) ?? 'the broker default of 168'} h`);

  await checkConsent(watch, result, say);
  // Last of the checks: the erased customer's rows are gone from what the checks above read.
  await checkErasure(watch, result, simulation.ingestUrl, runId, say);
  await checkSplit(watch, result, say);
  await checkConsole(watch, say);

  const report = await buildReport(watch.ch);
  say(formatReport(report));
  say(NEXT_STEPS);
  say(apiNextSteps(example));
  say(consoleNextSteps());
  await watch.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`\ndemo failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
