/**
 * The derived views through the real sink: the fixture shop (fixture.ts) goes into Kafka as Avro,
 * aggregation's sink (in this process) writes it to ClickHouse, and the materialized views must
 * count every event once: after the same records are sent again, after a copy whose corrected
 * time fell on the next day, and across a restart of the sink. A merge must re-attribute history
 * in the profile and the sessions, and an absorbed person's id must find the survivor. The identity
 * history lands once per entry and is filed under every person it names.
 */
import { personIdOf, Registry, type CdpEnrichment, type CdpIdentity, type ClickHouse, type TopicSpec } from '@cdp/plumbing';
import { localTimeOf } from '../../enrichment/src/core/local-time';
import { ASSIGNMENTS, DAY, ENRICHED, HISTORY, HOUR, MERGES, MINUTE, T0, TENANT, beaconSighting, graphMergesOf, segment, type Visitor } from './fixture';
import { createAggregationTestStack, type AggregationTestStack } from './harness';

let stack: AggregationTestStack;
let ch: ClickHouse;
let sink: { stop(): Promise<void> } | undefined;
let registry: Registry;

async function startSink(): Promise<void> {
  registry = new Registry();
  sink = await stack.startSink(registry, { sessionTimeoutMs: 30 * MINUTE });
}

const send = (topic: TopicSpec, records: { key: string; value: unknown }[]) => stack.send(topic, records);
// With the fixture's merges, so that the graph's merge records for the events point at survivors.
const sendEvents = (events: CdpEnrichment.EnrichedEvent[]) => stack.sendEvents(events, MERGES);

/**
 * Event rows the sink has inserted (its metric): an insert returns once every materialized view
 * has its rows, while a count of events_raw can see the table's part before a view's.
 */
async function eventRowsInserted(): Promise<number> {
  const metric = await registry.getSingleMetric('aggregation_rows_inserted_total')!.get();
  return metric.values.filter((v) => ['events_raw', 'store_wifi_observations', 'store_people_counts'].includes(String(v.labels.table))).reduce((sum, v) => sum + v.value, 0);
}

async function copiesDropped(): Promise<number> {
  const metric = await registry.getSingleMetric('aggregation_event_copies_dropped_total')!.get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
}

async function waitFor(what: string, done: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) {
      const tables = await ch.query('SELECT (SELECT count() FROM events_raw) AS raw, (SELECT count() FROM store_wifi_observations) AS wifi, (SELECT count() FROM store_people_counts) AS counts');
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(tables)}, copies dropped ${await copiesDropped()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

const count = async (sql: string, params: Record<string, unknown> = {}): Promise<number> => Number((await ch.query<{ n: number }>(sql, params))[0]?.n ?? 0);

/** Rows in the gated tables, copies included (no FINAL): what was inserted. */
const insertedEvents = () =>
  count('SELECT (SELECT count() FROM events_raw) + (SELECT count() FROM store_wifi_observations) + (SELECT count() FROM store_people_counts) AS n');

const anna: Visitor = { person: 'p_anna', anonymousId: 'anon-anna', userId: 'user-anna', channel: 'WEB', device: { browserName: 'Chrome', browserVersion: null, osName: 'Windows', osVersion: null, deviceType: 'desktop', isBot: false, source: 'bowser' }, geo: null, campaign: null };

beforeAll(async () => {
  stack = await createAggregationTestStack('views');
  ch = stack.ch;
  await startSink();
}, 120_000);

afterAll(async () => {
  await sink?.stop();
  await stack?.close();
});

describe('derived views through the sink', () => {
  const eventCount = ENRICHED.length;
  // Just before midnight UTC on the fixture's second day, and a client's re-send whose corrected
  // time fell 0.6 s later, on the next day: a copy that (tenant, day, event id) keys cannot collapse.
  const midnight = Math.floor((T0 + 2 * DAY) / DAY) * DAY;
  const dana: Visitor = { ...anna, person: 'p_dana', anonymousId: 'anon-dana', userId: null };
  const late = segment(dana, 'web-midnight', midnight - 300, { type: 'TRACK', event: 'Order Completed', properties: { order_id: 'O-1009', total: 10, currency: 'EUR' } });
  const lateCopy: CdpEnrichment.EnrichedEvent = structuredClone(late);
  lateCopy.event['cdp.web.SegmentEvent']!.envelope.eventTime = midnight + 300;

  it('stores every event once, also when the same records come again and a copy falls on the next day', async () => {
    await send(stack.topics.identifierAssignments, ASSIGNMENTS.map((a) => ({ key: `${a.tenant}|${a.identifier.type}|${a.identifier.value}`, value: a })));
    await send(stack.topics.personMerges, MERGES.map((m) => ({ key: `${m.tenant}|${m.fromPersonId}`, value: m })));
    await sendEvents([...ENRICHED, late]);
    await waitFor('the fixture in ClickHouse', async () => (await eventRowsInserted()) >= eventCount + 1);
    const merges = MERGES.length + graphMergesOf([...ENRICHED, late], MERGES).length;
    await waitFor('the merge records', async () => (await count('SELECT count() AS n FROM person_overrides FINAL')) >= merges);

    await sendEvents([...ENRICHED, lateCopy]);
    await waitFor('the copies to be dropped', async () => (await copiesDropped()) >= eventCount + 1);
    expect(await copiesDropped()).toBe(eventCount + 1);
    expect(await insertedEvents()).toBe(eventCount + 1);
    expect(await count('SELECT count() AS n FROM events_raw WHERE event_id = {id:String}', { id: 'web-midnight' })).toBe(1);

    // The materialized views counted each event once: Anna's orders O-1001 (web, 149.80) and
    // O-1002 (app, before the merge under p_anna_app, 59.90); Dana's O-1009 (10.00) once.
    const [profile] = await ch.query<{ online_orders: number; online_revenue_minor: number; events: number }>(
      "SELECT online_orders, online_revenue_minor, events FROM customer_profiles WHERE tenant = 'demo' AND person_id = 'p_anna'",
    );
    expect(profile).toMatchObject({ online_orders: 2, online_revenue_minor: 14980 + 5990 });
    expect(await count("SELECT online_revenue_minor AS n FROM customer_profiles WHERE tenant = 'demo' AND person_id = 'p_dana'")).toBe(1000);
    const annaEvents = await count("SELECT count() AS n FROM events WHERE tenant = 'demo' AND person_id = 'p_anna'");
    expect(Number(profile!.events)).toBe(annaEvents);
  });

  it('answers an absorbed person id with the survivor and both histories', async () => {
    const rows = await ch.query<{ person_id: string; merged_person_ids: string[]; channels: string[]; online_orders: number; store_orders: number; sessions: number; identifiers: [string, string][]; partner_segments: [string, string][] }>(
      'SELECT person_id, merged_person_ids, channels, online_orders, store_orders, sessions, identifiers, partner_segments FROM customer_profile(tenant = {t:String}, person_id = {p:String})',
      { t: TENANT, p: 'p_anna_app' },
    );
    expect(rows).toHaveLength(1);
    const p = rows[0]!;
    // Her app's first person, and the first person of each identifier her events were filed under.
    const firstPersons = graphMergesOf(ENRICHED, MERGES).filter((m) => m.toPersonId === 'p_anna').map((m) => m.fromPersonId);
    expect(firstPersons.length).toBeGreaterThanOrEqual(3);
    expect(p).toMatchObject({ person_id: 'p_anna', channels: ['app', 'store', 'web'], online_orders: 2, store_orders: 1 });
    expect([...p.merged_person_ids].sort()).toEqual(['p_anna_app', ...firstPersons].sort());
    // Web session a1..a5 and the app session.
    expect(Number(p.sessions)).toBe(2);
    expect(p.identifiers.map(([t, v]) => `${t}:${v}`)).toEqual(expect.arrayContaining(['anonymous_id:anon-anna', 'anonymous_id:app-install-anna', 'device_id:dev-anna', 'loyalty_card:LC-1001']));
    expect(await ch.query('SELECT * FROM customer_profile(tenant = {t:String}, person_id = {p:String})', { t: TENANT, p: 'p_nobody' })).toEqual([]);
    expect(await count("SELECT count() AS n FROM customer_profiles WHERE tenant = 'demo' AND person_id = 'p_anna_app'")).toBe(0);
    // The app session, begun before the merge, belongs to the survivor.
    const appSession = await ch.query<{ person_id: string; person_id_at_ingest: string; orders: number }>("SELECT person_id, person_id_at_ingest, orders FROM sessions WHERE tenant = 'demo' AND session_id = 'app-a1'");
    expect(appSession).toEqual([{ person_id: 'p_anna', person_id_at_ingest: personIdOf(TENANT, { type: 'anonymous_id', value: 'app-install-anna' }), orders: 1 }]);
  });

  it('makes sessions with the funnel, campaign and device of their first event', async () => {
    const sessions = await ch.query<Record<string, unknown>>(
      "SELECT session_id, anonymous_id, page_views, product_views, orders, converted, revenue_minor, landing_page, marketing_medium, campaign_name, device_type, is_bot FROM sessions WHERE tenant = 'demo' ORDER BY session_id",
    );
    expect(sessions).toEqual([
      { session_id: 'app-a1', anonymous_id: 'app-install-anna', page_views: 1, product_views: 0, orders: 1, converted: 1, revenue_minor: 5990, landing_page: '', marketing_medium: '', campaign_name: '', device_type: 'mobile', is_bot: 0 },
      { session_id: 'web-a1', anonymous_id: 'anon-anna', page_views: 2, product_views: 1, orders: 1, converted: 1, revenue_minor: 14980, landing_page: '/', marketing_medium: 'email', campaign_name: 'winter-sale', device_type: 'desktop', is_bot: 0 },
      { session_id: 'web-b1', anonymous_id: 'anon-ben', page_views: 1, product_views: 1, orders: 1, converted: 1, revenue_minor: 23980, landing_page: '/c/shoes', marketing_medium: 'paid', campaign_name: 'spring-running', device_type: 'mobile', is_bot: 0 },
      { session_id: 'web-c1', anonymous_id: 'anon-carl', page_views: 1, product_views: 0, orders: 0, converted: 0, revenue_minor: 0, landing_page: '/c/clothing', marketing_medium: 'social', campaign_name: '', device_type: 'desktop', is_bot: 0 },
      { session_id: 'web-midnight', anonymous_id: 'anon-dana', page_views: 0, product_views: 0, orders: 1, converted: 1, revenue_minor: 1000, landing_page: '', marketing_medium: '', campaign_name: '', device_type: 'desktop', is_bot: 0 },
      { session_id: 'web-x1', anonymous_id: 'crawler-1', page_views: 1, product_views: 0, orders: 0, converted: 0, revenue_minor: 0, landing_page: '/', marketing_medium: 'direct', campaign_name: '', device_type: 'bot', is_bot: 1 },
    ]);
  });

  it('makes store visits with hysteresis and a minimum dwell, passers-by, and the store hour by hour', async () => {
    const localHour = (at: number) => Math.floor(localTimeOf(at, 'Europe/Helsinki') / HOUR) * HOUR / 1000;
    const visits = await ch.query<Record<string, unknown>>(
      "SELECT visitor, person_id, toUnixTimestamp(started_at) AS started, dwell_minutes, is_visitor, zone_path, randomized FROM store_visits WHERE tenant = 'demo' AND store_id = 'HEL-1' ORDER BY started_at",
    );
    const annaStart = Math.floor(localTimeOf(T0 + DAY + 3 * HOUR, 'Europe/Helsinki') / 1000);
    expect(visits).toEqual([
      // The anonymous phone: 10:55 (entrance) and nine minutes from 10:56, all strong.
      expect.objectContaining({ person_id: '', dwell_minutes: 10, is_visitor: 1, zone_path: ['entrance'], randomized: 1 }),
      // Anna: her app's beacon at 11:00 and her phone's Wi-Fi to 11:13, one visitor.
      { visitor: 'person:p_anna', person_id: 'p_anna', started: annaStart, dwell_minutes: 14, is_visitor: 1, zone_path: ['footwear', 'entrance', 'footwear'], randomized: 0 },
      // An access point the directory does not list (no zone, the store's clock): one strong
      // minute, too short for a visitor.
      expect.objectContaining({ person_id: '', dwell_minutes: 1, is_visitor: 0, zone_path: [] }),
      // Two strong minutes: too short. (The weak phone at the window never opened a visit.)
      expect.objectContaining({ person_id: '', dwell_minutes: 2, is_visitor: 0 }),
    ]);
    const hours = await ch.query<{ hour: number; footfall_in: number; visitors: number; passersby: number; receipts: number; conversion: number | null; capture_rate: number | null }>(
      "SELECT toUnixTimestamp(hour) AS hour, footfall_in, visitors, passersby, receipts, conversion, capture_rate FROM store_traffic_hourly WHERE tenant = 'demo' AND store_id = 'HEL-1' ORDER BY hour",
    );
    const at = (h: number) => hours.find((x) => x.hour === h);
    // 12:55 local: the anonymous visitor; the door counted 19 in from 10:00 to 11:00 UTC.
    expect(at(localHour(T0 + DAY + 2 * HOUR + 55 * MINUTE))).toMatchObject({ visitors: 1, passersby: 0, footfall_in: 19 });
    // Anna's hour: one visitor, three passers-by (the unlisted access point's phone, the weak one
    // at the window, the brief one), her receipt: conversion 1, capture rate 1 / 4; the door counted
    // 7 in, and a door sensor the directory does not list 3 more.
    expect(at(localHour(T0 + DAY + 3 * HOUR))).toMatchObject({ visitors: 1, passersby: 3, receipts: 1, footfall_in: 10, conversion: 1, capture_rate: 0.25 });

    const products = await ch.query<Record<string, unknown>>(
      "SELECT sku, sum(views) AS viewed, sum(cart_adds) AS carted, sum(online_units) AS units_online, sum(store_units) AS units_in_store FROM product_hourly WHERE tenant = 'demo' GROUP BY sku ORDER BY sku",
    );
    expect(products).toEqual([
      { sku: 'SKU-1001', viewed: 1, carted: 0, units_online: 1, units_in_store: 1 },
      { sku: 'SKU-1002', viewed: 1, carted: 0, units_online: 2, units_in_store: 1 },
      { sku: 'SKU-2001', viewed: 0, carted: 1, units_online: 2, units_in_store: -2 },
      { sku: 'SKU-3001', viewed: 0, carted: 0, units_online: 1, units_in_store: 0 },
      { sku: 'SKU-9999', viewed: 0, carted: 0, units_online: 0, units_in_store: 1 },
    ]);
    const searches = await ch.query<Record<string, unknown>>("SELECT query, sum(searches) AS n, sum(zero_results) AS zero FROM search_daily WHERE tenant = 'demo' GROUP BY query ORDER BY query");
    expect(searches).toEqual([{ query: 'running shoes', n: 1, zero: 0 }, { query: 'trail shoes', n: 1, zero: 1 }]);
    const channels = await ch.query<Record<string, unknown>>("SELECT channel, sum(orders) AS orders, sum(returns) AS returned, sum(revenue_minor) AS revenue FROM sales_daily WHERE tenant = 'demo' GROUP BY channel ORDER BY channel");
    expect(channels).toEqual([
      { channel: 'app', orders: 1, returned: 0, revenue: 5990 },
      { channel: 'store', orders: 2, returned: 1, revenue: 12990 - 1990 + 13490 },
      { channel: 'web', orders: 3, returned: 0, revenue: 14980 + 23980 + 1000 },
    ]);
    const carl = await ch.query<Record<string, unknown>>("SELECT cart_adds, checkouts, orders FROM sessions WHERE tenant = 'demo' AND session_id = 'web-c1'");
    expect(carl).toEqual([{ cart_adds: 1, checkouts: 1, orders: 0 }]);
  });

  it("applies a tenant's own visit rules at once, and the default again when they go", async () => {
    const visitors = async () => (await ch.query<{ started: number; is_visitor: number }>("SELECT toUnixTimestamp(started_at) AS started, is_visitor FROM store_visits WHERE tenant = 'demo' AND store_id = 'HEL-1' AND dwell_minutes >= 10 ORDER BY started_at")).map((v) => v.is_visitor);
    expect(await visitors()).toEqual([1, 1]);
    // A stricter minimum dwell (15 minutes) for this tenant: the 10- and 14-minute visits pass by.
    await ch.command("INSERT INTO store_visit_rules VALUES ('demo', -70, -80, 15, 15, now64(3))");
    expect(await visitors()).toEqual([0, 0]);
    const [hour] = await ch.query<{ visitors: number }>("SELECT sum(visitors) AS visitors FROM store_traffic_hourly WHERE tenant = 'demo' AND store_id = 'HEL-1'");
    expect(Number(hour!.visitors)).toBe(0);
    // An opening threshold stronger than any of their minutes, with the default dwell: no visit opens.
    await ch.command("INSERT INTO store_visit_rules VALUES ('demo', -50, -80, 15, 5, now64(3) + 1)");
    expect(await visitors()).toEqual([]);
    await ch.command("INSERT INTO store_visit_rules VALUES ('demo', -70, -80, 15, 5, now64(3) + 2)");
    expect(await visitors()).toEqual([1, 1]);
  });

  it('continues an open session after a restart, asks ClickHouse about an old copy, and re-attributes on a later merge', async () => {
    await sink!.stop();
    await startSink();
    const before = await insertedEvents();
    // 20 minutes after Anna's last web event of the first session: the same session; 40 minutes
    // later: a new one. And a copy of Ben's order from two days ago, older than what the restarted
    // gate loaded into memory: ClickHouse is asked and finds it.
    await sendEvents([
      segment({ ...anna, userId: null }, 'web-a6', T0 + 26 * MINUTE, { type: 'PAGE', name: '/c/socks', pagePath: '/c/socks' }),
      segment({ ...anna, userId: null }, 'web-a7', T0 + 67 * MINUTE, { type: 'PAGE', name: '/', pagePath: '/' }),
      ENRICHED.find((e) => e.event['cdp.web.SegmentEvent']?.envelope.eventId === 'web-b4')!,
    ]);
    await waitFor('the two new pages and the dropped copy', async () => (await eventRowsInserted()) >= 2 && (await copiesDropped()) >= 1);
    expect(await insertedEvents()).toBe(before + 2);
    expect(await copiesDropped()).toBe(1);
    const ids = await ch.query<{ event_id: string; session_id: string }>("SELECT event_id, session_id FROM events_raw WHERE event_id IN ('web-a6', 'web-a7') ORDER BY event_id");
    expect(ids).toEqual([{ event_id: 'web-a6', session_id: 'web-a1' }, { event_id: 'web-a7', session_id: 'web-a7' }]);
    expect(await ch.query("SELECT session_date, page_views, events FROM sessions WHERE tenant = 'demo' AND session_id = 'web-a1'")).toEqual([{ session_date: expect.any(String), page_views: 3, events: 5 }]);

    // Carl shops at the Helsinki store for eight minutes, his app seeing a beacon each minute.
    const carlInStore = Array.from({ length: 8 }, (_, i) => beaconSighting(`beacon-carl-${i}`, T0 + DAY + 5 * HOUR + i * MINUTE, 'HEL-1', 'footwear', 'p_carl', 'app-install-carl', 'user-carl'));
    const carlRows = await eventRowsInserted();
    await sendEvents(carlInStore);
    await waitFor('Carl in the store', async () => (await eventRowsInserted()) >= carlRows + carlInStore.length);
    const visitOf = async () => ch.query<{ visitor: string; person_id: string; dwell_minutes: number }>("SELECT visitor, person_id, dwell_minutes FROM store_visits WHERE tenant = 'demo' AND has(devices, 'app:app-install-carl')");
    // The app's first person resolves to Carl once its merge record has landed.
    await waitFor('Carl\'s app merged into him', async () => (await visitOf())[0]?.person_id === 'p_carl');
    expect(await visitOf()).toEqual([{ visitor: 'person:p_carl', person_id: 'p_carl', dwell_minutes: 8 }]);

    // Carl turns out to be Ben: his session, events and store visit move to Ben at once.
    const carlEvents = await count("SELECT events AS n FROM customer_profiles WHERE tenant = 'demo' AND person_id = 'p_carl'");
    const benEvents = await count("SELECT events AS n FROM customer_profiles WHERE tenant = 'demo' AND person_id = 'p_ben'");
    const merge: CdpIdentity.PersonMerge = { tenant: TENANT, fromPersonId: 'p_carl', toPersonId: 'p_ben', mergedAt: Date.now(), causeEventId: 'web-c9', link: [{ type: 'user_id', value: 'user-ben' }], viaPersonId: null };
    // As the graph writer does: the persons merged into Carl move along with him.
    const carlFirstPersons = graphMergesOf([...ENRICHED, ...carlInStore], MERGES).filter((m) => m.toPersonId === 'p_carl');
    const movedAlong = carlFirstPersons.map((m): CdpIdentity.PersonMerge => ({ ...m, toPersonId: 'p_ben', mergedAt: merge.mergedAt, causeEventId: merge.causeEventId, viaPersonId: 'p_carl' }));
    await send(stack.topics.personMerges, [merge, ...movedAlong].map((m) => ({ key: `${TENANT}|${m.fromPersonId}`, value: m })));
    await waitFor('the merge in the profiles', async () => (await count("SELECT count() AS n FROM customer_profiles WHERE tenant = 'demo' AND person_id = 'p_carl'")) === 0);
    expect(await count("SELECT events AS n FROM customer_profiles WHERE tenant = 'demo' AND person_id = 'p_ben'")).toBe(benEvents + carlEvents);
    expect(await count("SELECT person_id = 'p_ben' AS n FROM sessions WHERE tenant = 'demo' AND session_id = 'web-c1'")).toBe(1);
    expect(await visitOf()).toEqual([{ visitor: 'person:p_ben', person_id: 'p_ben', dwell_minutes: 8 }]);
    const [carl] = await ch.query<{ person_id: string; merged_person_ids: string[] }>('SELECT person_id, merged_person_ids FROM customer_profile(tenant = {t:String}, person_id = {p:String})', { t: TENANT, p: 'p_carl' });
    expect(carl).toEqual({ person_id: 'p_ben', merged_person_ids: expect.arrayContaining(['p_carl', ...carlFirstPersons.map((m) => m.fromPersonId)]) });
  });

  it('lands the identity history once per entry, filed under every person it names, and a re-pointed merge with its via person', async () => {
    const history = () => count('SELECT count() AS n FROM identity_history');
    await send(stack.topics.identityHistory, HISTORY.map((e) => ({ key: e.tenant, value: e })));
    await waitFor('the history in ClickHouse', async () => (await history()) >= HISTORY.length);
    // A link applied again after a crash: published again under its entry id, stored once.
    await send(stack.topics.identityHistory, [{ key: TENANT, value: { ...HISTORY[3]!, appliedAt: HISTORY[3]!.appliedAt + 5_000 } }]);
    await waitFor('the copy', async () => (await history()) >= HISTORY.length + 1);
    expect(await count('SELECT count() AS n FROM identity_history FINAL')).toBe(HISTORY.length);
    const [join] = await ch.query<{ joins: unknown; persons: string[]; history_offset: number }>("SELECT joins, persons, history_offset FROM identity_history FINAL WHERE tenant = 'demo' AND entry_id = 'h-app-a3'");
    expect(join).toEqual({
      joins: [{ survivor_person_id: 'p_anna', absorbed_person_id: 'p_anna_app', identifiers: [{ type: 'device_id', value: 'dev-anna' }, { type: 'anonymous_id', value: 'app-install-anna' }], carried_person_ids: [] }],
      persons: ['p_anna', 'p_anna_app'],
      history_offset: expect.anything(),
    });
    const byPerson = await ch.query<{ person_id: string; entries: string[] }>(
      "SELECT person_id, groupUniqArray(entry_id) AS entries FROM identity_history_by_person FINAL WHERE tenant = 'demo' GROUP BY person_id ORDER BY person_id",
    );
    expect(byPerson.map((r) => [r.person_id, [...r.entries].sort()])).toEqual([
      ['p_anna', ['h-app-a3', 'h-web-a1', 'h-web-a4']],
      ['p_anna_app', ['h-app-a1', 'h-app-a3']],
      ['p_ben', ['h-kiosk-e1']],
      ['p_kiosk', ['h-kiosk-e1']],
    ]);

    // Ben absorbed later: Carl, absorbed into Ben before, moves along with Ben's merge.
    const moved: CdpIdentity.PersonMerge = { tenant: TENANT, fromPersonId: 'p_carl', toPersonId: 'p_dora', mergedAt: Date.now() + 1, causeEventId: 'web-d1', link: [], viaPersonId: 'p_ben' };
    await send(stack.topics.personMerges, [{ key: `${TENANT}|p_carl`, value: moved }]);
    await waitFor('the re-pointed merge', async () => (await count("SELECT count() AS n FROM person_overrides FINAL WHERE old_person_id = 'p_carl' AND via_person_id = 'p_ben'")) === 1);
    expect(await count("SELECT count() AS n FROM person_overrides FINAL WHERE old_person_id = 'p_anna_app' AND via_person_id = ''")).toBe(1);
  });
});
