/**
 * `pnpm bench:views`: how fast the customer views in ClickHouse answer at scale. Four figures, on a
 * database of its own filled with at least 10 million events:
 *
 * 1. one profile by person id: `customer_profile(tenant, person_id)` for a few hundred persons
 *    sampled across the activity distribution (absorbed persons included: they must answer with
 *    their survivor), one after the other: p50 / p99 / max;
 * 2. one profile by identifier: identifier -> person (identities, latest answer) -> survivor ->
 *    profile, as one query (a scalar subquery as the view's person_id); the two-round-trip form is
 *    timed too, for comparison;
 * 3. the top 100 customers by revenue from `customer_totals`: median and max of a few runs, and
 *    the rows ClickHouse read (persons, not events);
 * 4. one store's KPIs for one day (footfall, visitors, passers-by, receipts, revenue, units) from
 *    store_traffic_hourly filtered on the store and its day; the same store and day is also read
 *    from the base tables, as a cross-check.
 *
 *   pnpm bench:views [--events 10000000] [--persons N] [--database bench_views] [--fresh]
 *                    [--chunk 250000] [--samples 300] [--runs 5] [--settle MINUTES] [--explain]
 *
 * Data. The events are generated inside ClickHouse, `INSERT INTO events_raw (...) SELECT ... FROM
 * numbers(...)` in chunks, so the materialized views (person_activity_mv, session_activity_mv and
 * every other view on events_raw) fire on every insert as they do in production. Everything is derived from the row number with
 * cityHash64 (no unseeded rand): the same options give the same data, so runs compare. One tenant
 * `bench`; persons (default 3 % of the events: 300,000 for 10 million) with power-law activity
 * (person of rank r gets a share of events proportional to r^(1/SKEW - 1)); 90 days ending at the
 * generation day; web, app and store; pages, screens, Product Viewed / Added, Checkout Started,
 * Order Completed with items, identifies (most with a postal code), till receipts (with a loyalty
 * card or anonymous, person_id '') and beacon sightings in 20 stores; one web or app session per
 * person, day and channel. Then identities (every person an anonymous id, most a user id, an
 * e-mail hash, some a loyalty card and an app install), 5 % of persons absorbed into another
 * (person_overrides, flattened) with their identifiers republished to the survivor, Wi-Fi
 * observations (30 % of the event count) and hourly people counts per entrance for the 20 stores,
 * partner segments for a third of the e-mail hashes and demographics for 3,000 postal areas (what
 * customer_profile joins). Events and Wi-Fi rows are inserted one month at a time, as production
 * inserts recent events, so each part lands in one partition.
 * A database that already holds at least --events events from this generator, migrated with the
 * same migrations, is reused (the table bench_views_meta records both); otherwise, or with
 * --fresh, it is dropped and generated again. Only a database whose name starts with `bench` is
 * ever dropped.
 *
 * Merges. Nothing is OPTIMIZEd: production never forces merges. The figures are taken in the state
 * the database is in (right after generation that is "as inserted", with merges running); with
 * --settle MINUTES the run then waits (at most that long) until ClickHouse's background merges are
 * idle and measures again.
 *
 * Timing. Each read is timed twice, in two passes: through @cdp/plumbing's createClickHouse (what a
 * service sees: HTTP, JSONEachRow, wall time in this process), and through a bare fetch with the
 * same settings that reads ClickHouse's X-ClickHouse-Summary header (server elapsed time, rows and
 * bytes read, peak memory of the query; the local server keeps no system.query_log, the header
 * carries the same counters). Values reach SQL only as query parameters ({name:Type}).
 *
 * Needs the local ClickHouse (`pnpm stack:up`); CLICKHOUSE_URL, CLICKHOUSE_USER and
 * CLICKHOUSE_PASSWORD as for the services. Nothing asserts times: the run prints figures, and
 * fails only when it cannot run.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { CLICKHOUSE_SETTINGS, createClickHouse, loadMigrations, migrate, MigrationError, type ClickHouse, type ClickHouseOptions, type QueryParams } from '@cdp/plumbing';
// Relative import: @cdp/bench does not list the aggregation service as a dependency.
import { MIGRATIONS_DIR } from '../../services/aggregation/src/adapters/clickhouse-sink';
import { describeMachine, mulberry32, positive, shortMachine } from './common';

const say = (line: string) => process.stdout.write(`${line}\n`);
const n = (x: number) => Math.round(x).toLocaleString('en');
const MB = 2 ** 20;
const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const secs = (millis: number) => `${(millis / 1000).toFixed(1)} s`;

export const CONNECTION: ClickHouseOptions = {
  url: process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123',
  username: process.env.CLICKHOUSE_USER ?? 'default',
  password: process.env.CLICKHOUSE_PASSWORD ?? '',
  requestTimeoutMs: 900_000,
};

/** Bumped whenever the generated data changes shape: a database from another version is regenerated. */
const GENERATOR_VERSION = 2;
export const TENANT = 'bench';
const DAYS = 90;
/** Activity skew: person of rank r (0 = most active) draws events with density ~ r^(1/SKEW - 1). */
const SKEW = 2.5;
const PRODUCTS = 5_000;
const STORES = Array.from({ length: 20 }, (_, i) => `S-${1001 + i}`);
const CATEGORIES = [
  'Shoes > Running', 'Shoes > Hiking', 'Shoes > Winter boots', 'Clothing > Jackets', 'Clothing > Base layers', 'Clothing > Trousers',
  'Equipment > Backpacks', 'Equipment > Tents', 'Equipment > Poles', 'Accessories > Socks', 'Accessories > Gloves', 'Accessories > Hats',
];
const BRANDS = ['Kuura', 'Polku', 'Tuuli', 'Halti', 'Icebug', 'Reima', 'Sasta', 'Luhta', 'Fjällräven', 'Haglöfs'];
const POSTAL_CODES = ['00100', '00120', '00530', '00780', '00980', '02100', '02600', '01300', '33100', '33500', '20100', '20540', '90100', '40100', '15100', '70100'];
/** Share of the event count generated as Wi-Fi observations. */
const WIFI_SHARE = 0.3;

/**
 * The settings of the generating INSERT ... SELECTs. One insert thread and insert blocks of 32k
 * rows keep ClickHouse's memory near 500 MB (the server is capped at 2 GB and shared): the
 * materialized views aggregate each block, and person_activity_mv alone holds about 10 KB of
 * aggregate states (two uniqExact sets, two groupArraySorted, ...) per distinct person in it, so
 * a block of 131k rows needed over 1.2 GB. Each block is what the views see, as they see each
 * batch in production (where batches are smaller still). Deduplication is off: every block is new.
 */
const GENERATION_SETTINGS = {
  max_insert_threads: 1,
  max_threads: 2,
  min_insert_block_size_rows: 32_768,
  min_insert_block_size_bytes: 96 * MB,
  max_block_size: 16_384,
  insert_deduplicate: 0,
  max_memory_usage: 1_200 * MB,
};

// ---------------------------------------------------------------------------------------------
// The reads being measured. Every value is a query parameter.

/** One profile by person id: the parameterized view, as the API reads it. */
const PROFILE_BY_PERSON = 'SELECT * FROM customer_profile(tenant = {tenant:String}, person_id = {person:String})';

/**
 * One profile by identifier, as one query: the identifier's latest person in `identities`
 * (argMax by updated_at, what FINAL would give) becomes the view's person_id; the view resolves
 * an absorbed person to its survivor (person_overrides) itself.
 */
const PROFILE_BY_IDENTIFIER = `SELECT * FROM customer_profile(tenant = {tenant:String}, person_id = (
    SELECT argMax(person_id, updated_at) FROM identities
    WHERE tenant = {tenant:String} AND id_type = {id_type:String} AND id_value = {id_value:String}))`;

/** The same in two round trips: identifier -> surviving person, then PROFILE_BY_PERSON. */
const PERSON_OF_IDENTIFIER = `WITH (SELECT argMax(person_id, updated_at) FROM identities
           WHERE tenant = {tenant:String} AND id_type = {id_type:String} AND id_value = {id_value:String}) AS found
SELECT if(o.survivor != '', o.survivor, found) AS person
FROM (SELECT argMax(person_id, merged_at) AS survivor FROM person_overrides WHERE tenant = {tenant:String} AND old_person_id = found) AS o`;

/**
 * The top 100 customers by revenue (online and store), from customer_totals: the view for ranking
 * and listing (customer_profiles merges every heavy state of every person first: 14.6 s here).
 */
const TOP_CUSTOMERS = 'SELECT person_id, revenue_minor, online_orders, store_orders, first_seen, last_seen FROM customer_totals WHERE tenant = {tenant:String} ORDER BY revenue_minor DESC LIMIT 100';

/**
 * One store's KPIs for one store-local day, as the product reads them: store_traffic_hourly
 * filtered on tenant, store and day (the filter reaches every part of the view).
 */
const STORE_DAY_KPIS = `SELECT sum(footfall_in) AS entered, sum(footfall_out) AS went_out, sum(visitors) AS visitors, sum(passersby) AS passersby,
       sum(receipts) AS receipts, sum(returns) AS returns, sum(revenue_minor) AS revenue_minor, sum(units) AS units
FROM store_traffic_hourly
WHERE tenant = {tenant:String} AND store_id = {store:String} AND day = {day:Date}`;

/**
 * The same store and day from the base tables, as a cross-check. The day is the UTC day,
 * toDate(event_time), which is in the key of all three tables.
 */
const STORE_DAY_FROM_BASE_TABLES = `WITH
    sales AS
    (
        SELECT countIf(event_name = 'sale') AS receipts, countIf(event_name = 'return') AS returns,
               sum(revenue_minor) AS net_revenue_minor, sum(if(revenue_minor < 0, -1, 1) * arraySum(items.quantity)) AS items_sold,
               uniqExactIf(person_id, person_id != '') AS identified_customers
        FROM events_raw FINAL
        WHERE tenant = {tenant:String} AND toDate(event_time) = {day:Date} AND event_type = 'pos_transaction' AND store_id = {store:String}
    ),
    footfall AS
    (
        SELECT sumIf(count_in, kind = 'line_crossing') AS entered, sumIf(count_out, kind = 'line_crossing') AS went_out
        FROM store_people_counts FINAL
        WHERE tenant = {tenant:String} AND toDate(event_time) = {day:Date} AND store_id = {store:String}
    ),
    wifi AS
    (
        SELECT uniqExact(client_mac_hash) AS wifi_devices, uniqExactIf(client_mac_hash, randomized_mac = 0) AS wifi_known_devices
        FROM store_wifi_observations FINAL
        WHERE tenant = {tenant:String} AND toDate(event_time) = {day:Date} AND store_id = {store:String}
    )
SELECT receipts, returns, net_revenue_minor, items_sold, identified_customers, entered, went_out, wifi_devices, wifi_known_devices,
       if(entered > 0, round(receipts / entered, 4), 0) AS receipts_per_visitor
FROM sales CROSS JOIN footfall CROSS JOIN wifi`;

// ---------------------------------------------------------------------------------------------
// The generator: SQL expressions of a person's rank p (a UInt64; 0 is the most active person).
// Fragments of code, not values: every value (tenant, counts, dates, lists) is a query parameter.

const PERSON_ID = (p: string) => `concat('prs_', lower(hex(cityHash64('person', ${p}))))`;
const IS_ABSORBED = (p: string) => `(${p} % 20 = 19)`;
/** The survivor of an absorbed person: a rank = 18 (mod 20), never absorbed itself. */
const SURVIVOR = (p: string) =>
  `if(${p} + 20 * (cityHash64('survivor', ${p}) % 997) - 1 < {persons:UInt64}, ${p} + 20 * (cityHash64('survivor', ${p}) % 997) - 1, ${p} - 1)`;
/** Merges happened in the last 30 days; identifiers were first seen in the first 30 days. */
const MERGED_AT = (p: string) => `(toDateTime64({end_day:Date}, 3, 'UTC') - toIntervalMillisecond(1 + cityHash64('merged', ${p}) % 2592000000))`;
const FIRST_SEEN = (p: string) => `addMilliseconds(toDateTime64(subtractDays({end_day:Date}, {days:UInt16}), 3, 'UTC'), cityHash64('first-seen', ${p}) % 2592000000)`;
const HAS_USER = (p: string) => `(cityHash64('user', ${p}) % 100 < 80)`;
const HAS_EMAIL = (p: string) => `(${HAS_USER(p)} OR cityHash64('email', ${p}) % 100 < 50)`;
const HAS_CARD = (p: string) => `(cityHash64('card', ${p}) % 100 < 40)`;
const APP_USER = (p: string) => `(cityHash64('app', ${p}) % 100 < 35)`;
const ANON = (p: string) => `concat('a-', lower(hex(cityHash64('anonymous', ${p}))), '-', lower(hex(cityHash64('cookie', ${p}))))`;
const INSTALL = (p: string) => `concat('i-', hex(cityHash64('install', ${p})), '-', hex(cityHash64('device', ${p})))`;
const USER_ID = (p: string) => `concat('cust-', toString(2000000 + ${p}))`;
const EMAIL = (p: string) => `lower(hex(SHA256(concat('bench-email-', toString(${p})))))`;
const CARD = (p: string) => `concat('2', leftPad(toString(200000000000 + ${p} * 37), 12, '0'))`;
const IDENTIFIERS_OF = (p: string) => `arrayConcat(
        [('anonymous_id', ${ANON(p)})],
        if(${APP_USER(p)}, [('anonymous_id', ${INSTALL(p)})], []),
        if(${HAS_USER(p)}, [('user_id', ${USER_ID(p)})], []),
        if(${HAS_EMAIL(p)}, [('email_hash', ${EMAIL(p)})], []),
        if(${HAS_CARD(p)}, [('loyalty_card', ${CARD(p)})], []))`;
/** A sku index, skewed (popular products first), from a hash. */
const SKU_INDEX = (h: string) => `toUInt32(floor({products:UInt32} * pow((${h} % 1000000) / 1000000., 2)))`;
const PRICE = (s: string) => `toInt64(490 + (cityHash64('price', ${s}) % 200) * 50)`;
const CATEGORY = (s: string) => `{categories:Array(String)}[1 + ${s} % length({categories:Array(String)})]`;
const BRAND = (s: string) => `{brands:Array(String)}[1 + cityHash64('brand', ${s}) % length({brands:Array(String)})]`;
const STORE_LOCAL = (t: string) => `toDateTime64(toString(${t}, 'Europe/Helsinki'), 3, 'UTC')`;
const LINEAGE_STORE = `'stores.json@9f2c41d7a0b3'`;
const LINEAGE_CATALOGUE = `'catalogue.csv@ac3a52e2c68c'`;

/** Events of numbers({start}, {count}): every column of events_raw that the views or analysts read. */
const GENERATE_EVENTS = `INSERT INTO events_raw
    (tenant, event_id, event_time, received_time, ingested_at, channel, source, event_type, event_name, person_id, anonymous_id, user_id, identifiers,
     page_path, page_url, referrer, campaign_source, campaign_medium, campaign_name, properties, traits, browser, os, device_type, geo_country, geo_city,
     referrer_host, marketing_medium, store_id, zone_id, store_local_time, order_id, currency, revenue_minor,
     \`items.sku\`, \`items.quantity\`, \`items.unit_price_minor\`, \`items.total_minor\`, \`items.product_name\`, \`items.category\`, \`items.brand\`, \`items.in_catalogue\`,
     beacon, enrichment_sources, enrichment_missing, session_id, session_started_at)
SELECT
    {tenant:String},
    concat(multiIf(act = 'receipt', 'pos-', act = 'beacon', 'bcn-', 'ajs-next-'), lower(hex(cityHash64(i, 'id1'))), lower(hex(cityHash64(i, 'id2')))),
    t,
    received,
    addMilliseconds(received, 1000 + cityHash64(i, 'ingested') % 2000),
    ch,
    multiIf(ch = 'web', 'web-shop', ch = 'app' OR act = 'beacon', 'shop-app', 'store-gateway'),
    multiIf(act IN ('page', 'screen', 'identify'), act, act = 'receipt', 'pos_transaction', act = 'beacon', 'beacon_sighting', 'track'),
    multiIf(act = 'page', page_name, act = 'screen', screen_name, act = 'viewed', 'Product Viewed', act = 'added', 'Product Added',
            act = 'checkout', 'Checkout Started', act = 'order', 'Order Completed', act = 'receipt', if(is_return, 'return', 'sale'), ''),
    person,
    anon,
    uid,
    multiIf(act = 'receipt', if(card_shown, [('loyalty_card', ${CARD('p')})], []),
            arrayConcat([('anonymous_id', anon)], if(logged_in, [('user_id', uid)], []), if(act = 'identify' AND has_email, [('email_hash', ${EMAIL('p')})], []))),
    page_path,
    page_url,
    arrival.1,
    arrival.4,
    arrival.5,
    arrival.6,
    multiIf(
        act IN ('viewed', 'added'), concat('{"sku":"SKU-', toString(100000 + skus[1]), '","price":', toString(unit_prices[1] / 100), ',"currency":"EUR","category":"', categories[1], '"}'),
        act = 'checkout', concat('{"cart_id":"cart-', lower(hex(cityHash64('cart', p, day_index))), '","currency":"EUR"}'),
        act = 'order', concat('{"order_id":"', order_id, '","total":', toString(revenue / 100), ',"currency":"EUR","products":', toString(line_count), '}'),
        act = 'page', concat('{"path":"', path, '","url":"', page_url, '"}'),
        act = 'screen', concat('{"name":"', screen_name, '"}'),
        ''),
    if(act = 'identify',
       concat('{', if(has_email, concat('"emailHash":"', ${EMAIL('p')}, '",'), ''), '"loyaltyTier":"', ['bronze', 'silver', 'gold'][1 + cityHash64('tier', p) % 3], '"',
              if(cityHash64(i, 'address') % 100 < 70,
                 concat(',"address":{"postalCode":"', {postal_codes:Array(String)}[1 + (cityHash64('home', p) + (cityHash64(i, 'moved') % 10 = 0)) % length({postal_codes:Array(String)})], '","country":"FI"}'),
                 ''),
              '}'),
       ''),
    multiIf(ch = 'web', device.1, ch = 'app', if(app_os = 'iOS', 'Kuura app (iOS)', 'Kuura app (Android)'), ''),
    multiIf(ch = 'web', device.2, ch = 'app', app_os, ''),
    multiIf(ch = 'web', device.3, ch = 'app', 'mobile', ''),
    country,
    city,
    arrival.2,
    arrival.3,
    if(ch = 'store', store, ''),
    multiIf(act = 'beacon', zone, act = 'receipt', 'checkout', ''),
    if(ch = 'store', ${STORE_LOCAL('t')}, NULL),
    order_id,
    if(act IN ('viewed', 'added', 'checkout', 'order', 'receipt'), 'EUR', ''),
    revenue,
    arrayMap(s -> concat('SKU-', toString(100000 + s)), skus),
    quantities,
    unit_prices,
    line_totals,
    arrayMap((s, k, c) -> if(k, concat(${BRAND('s')}, ' ', ['Fell', 'Summit', 'Trail', 'Aurora', 'Taiga', 'Ruska'][1 + intDiv(s, 12) % 6], ' ', lower(arrayElement(splitByString(' > ', c), -1))), ''),
             skus, in_catalogue, categories),
    categories,
    arrayMap((s, k) -> if(k, ${BRAND('s')}, ''), skus, in_catalogue),
    in_catalogue,
    if(act = 'beacon', ('f7826da6-4fa2-4e98-8024-bc5b71e0893e', toUInt16(1 + store_index), toUInt16(zone_index), toInt16(-45 - toInt16(cityHash64(i, 'rssi') % 45))), ('', 0, 0, 0)),
    multiIf(ch = 'store' AND line_count > 0, map('store', ${LINEAGE_STORE}, 'catalogue', ${LINEAGE_CATALOGUE}),
            ch = 'store', map('store', ${LINEAGE_STORE}),
            line_count > 0, map('device', 'bowser@2.11.0', 'geo', 'dbip-city-lite@2025-11', 'campaign', 'campaign-rules@3', 'catalogue', ${LINEAGE_CATALOGUE}),
            map('device', 'bowser@2.11.0', 'geo', 'dbip-city-lite@2025-11', 'campaign', 'campaign-rules@3')),
    if(has(in_catalogue, 0), ['catalogue'], []),
    if(in_session, concat('ajs-next-', lower(hex(cityHash64('session-id', p, day_index, ch))), lower(hex(cityHash64('session-id2', p, day_index, ch)))), ''),
    if(in_session, session_start, NULL)
FROM
(
    SELECT
        number AS i,
        -- who: a power law over ranks, then what that person can do
        least({persons:UInt64} - 1, toUInt64(floor({persons:UInt64} * pow((cityHash64(i, 'person') % 4294967296) / 4294967296., {skew:Float64})))) AS p,
        ${APP_USER('p')} AS app_user,
        ${HAS_USER('p')} AS has_user,
        ${HAS_EMAIL('p')} AS has_email,
        ${HAS_CARD('p')} AS has_card,
        cityHash64(i, 'kind') % 1000 AS r,
        multiIf(r < 360, 'page', r < 480, 'viewed', r < 520, 'added', r < 535, 'checkout', r < 547, 'order', r < 557, 'identify',
                r < 677, 'app_screen', r < 737, 'app_viewed', r < 757, 'app_added', r < 765, 'app_order', r < 770, 'app_identify',
                r < 880, 'receipt', 'beacon') AS kind0,
        -- Only app users use the app and are seen by beacons; the others do the same on the web.
        if(app_user OR NOT (startsWith(kind0, 'app_') OR kind0 = 'beacon'), kind0, if(kind0 IN ('app_screen', 'beacon'), 'page', substring(kind0, 5))) AS kind,
        multiIf(startsWith(kind, 'app_'), 'app', kind IN ('receipt', 'beacon'), 'store', 'web') AS ch,
        if(startsWith(kind, 'app_'), substring(kind, 5), kind) AS act,
        -- when: a person is active on about one day per 6 expected events, one session a day and channel
        {events_total:Float64} / {persons:UInt64} / {skew:Float64} * pow((p + 0.5) / {persons:UInt64}, 1 / {skew:Float64} - 1) AS expected,
        toUInt64(greatest(1, least({days:UInt16}, round(expected / 6)))) AS active_days,
        (cityHash64('first-day', p) + intDiv((cityHash64(i, 'day') % active_days) * {days:UInt16}, active_days)) % {days:UInt16} AS day_index,
        toDateTime64(addDays(subtractDays({end_day:Date}, {days:UInt16}), day_index), 3, 'UTC') AS day_start,
        addSeconds(day_start, 28800 + cityHash64('session', p, day_index, ch) % 50400) AS session_start,
        if(ch = 'store', addMilliseconds(day_start, 25200000 + cityHash64(i, 'store-time') % 43200000),
                         addMilliseconds(session_start, cityHash64(i, 'offset') % 1800000)) AS t,
        addMilliseconds(t, 50 + cityHash64(i, 'received') % 2000) AS received,
        ch IN ('web', 'app') AND act != 'identify' AS in_session,
        -- the person at ingest: an absorbed person's events after the merge carry the survivor
        ${IS_ABSORBED('p')} AND t >= ${MERGED_AT('p')} AS moved,
        has_card AND cityHash64(i, 'card-shown') % 100 < 85 AS card_shown,
        if(act = 'receipt' AND NOT card_shown, '', ${PERSON_ID(`if(moved, ${SURVIVOR('p')}, p)`)}) AS person,
        ch IN ('web', 'app') AND has_user AND (act = 'identify' OR cityHash64(i, 'logged-in') % 100 < 60) AS logged_in,
        if(logged_in, ${USER_ID('p')}, '') AS uid,
        multiIf(ch = 'web', ${ANON('p')}, ch = 'app' OR act = 'beacon', ${INSTALL('p')}, '') AS anon,
        -- lines: one for a product view or add, 1-3 for an order, 1-4 for a receipt
        multiIf(act IN ('viewed', 'added'), 1, act = 'order', 1 + cityHash64(i, 'lines') % 3, act = 'receipt', 1 + cityHash64(i, 'lines') % 4, 0) AS line_count,
        act = 'receipt' AND cityHash64(i, 'return') % 100 < 3 AS is_return,
        arrayMap(j -> ${SKU_INDEX("cityHash64(i, j, 'sku')")}, range(line_count)) AS skus,
        -- a return's lines are as the till sends them (positive); its revenue_minor is negative
        arrayMap(j -> if(act = 'receipt' AND cityHash64(i, j, 'quantity') % 10 = 0, 2., 1.), range(line_count)) AS quantities,
        arrayMap(s -> ${PRICE('s')}, skus) AS unit_prices,
        arrayMap((u, q) -> toInt64(u * q), unit_prices, quantities) AS line_totals,
        arrayMap(s -> toUInt8(cityHash64('catalogue', s) % 100 >= 2), skus) AS in_catalogue,
        arrayMap((s, k) -> if(k, ${CATEGORY('s')}, ''), skus, in_catalogue) AS categories,
        if(act IN ('order', 'receipt'), if(is_return, -1, 1) * arraySum(line_totals), 0) AS revenue,
        -- web and app context
        cityHash64('device', p) % 100 AS device_roll,
        multiIf(device_roll < 30, ('Mobile Safari', 'iOS', 'mobile'), device_roll < 55, ('Chrome', 'Android', 'mobile'), device_roll < 75, ('Chrome', 'Windows', 'desktop'),
                device_roll < 83, ('Edge', 'Windows', 'desktop'), device_roll < 93, ('Safari', 'macOS', 'desktop'), device_roll < 96, ('Firefox', 'Linux', 'desktop'),
                ('Safari', 'iPadOS', 'tablet')) AS device,
        if(cityHash64('app-os', p) % 100 < 55, 'iOS', 'Android') AS app_os,
        cityHash64('geo', p) % 100 AS geo_roll,
        if(ch = 'store', '', multiIf(geo_roll < 88, 'FI', geo_roll < 94, 'SE', 'EE')) AS country,
        multiIf(country = 'FI', ['Helsinki', 'Espoo', 'Tampere', 'Turku', 'Oulu', 'Vantaa', 'Jyväskylä'][1 + cityHash64('city', p) % 7],
                country = 'SE', 'Stockholm', country = 'EE', 'Tallinn', '') AS city,
        cityHash64('arrival', p, day_index) % 100 AS arrival_roll,
        -- (referrer, referrer host, marketing medium, campaign source, campaign medium, campaign name), one per web session
        multiIf(ch != 'web', ('', '', '', '', '', ''),
                arrival_roll < 30, ('', '', 'direct', '', '', ''),
                arrival_roll < 55, ('https://www.google.com/', 'google.com', 'search', 'google', '', ''),
                arrival_roll < 70, ('https://www.google.com/', 'google.com', 'paid', 'google', 'cpc', 'winter-sale'),
                arrival_roll < 80, ('', '', 'email', 'newsletter', 'email', 'nl-48'),
                arrival_roll < 90, ('https://l.instagram.com/', 'l.instagram.com', 'social', 'instagram', 'social', 'ruska'),
                ('https://www.retkipaikka.fi/artikkelit/vaelluskengat', 'retkipaikka.fi', 'referral', 'retkipaikka.fi', '', '')) AS arrival,
        cityHash64(i, 'page') % 10 AS page_roll,
        multiIf(act = 'page' AND page_roll < 3, 'Product', act = 'page', ['Home', 'Category', 'Category', 'Category', 'Search', 'Cart', 'Stores'][page_roll - 2], '') AS page_name,
        ['Home', 'Product', 'Offers', 'Stores', 'Cart'][1 + cityHash64(i, 'screen') % 5] AS screen_name,
        multiIf(act = 'page' AND page_roll < 3, concat('/p/', toString(100000 + ${SKU_INDEX("cityHash64(i, 'page-sku')")})),
                act = 'page', ['/', '/c/shoes', '/c/clothing', '/c/equipment', '/search', '/cart', '/stores'][page_roll - 2],
                act IN ('viewed', 'added'), concat('/p/', toString(100000 + skus[1])),
                act = 'checkout', '/checkout', act = 'order', '/checkout/complete', act = 'identify', '/account', '') AS path,
        if(ch = 'web', path, '') AS page_path,
        if(ch = 'web' AND path != '', concat('https://shop.bench.example', path), '') AS page_url,
        multiIf(act = 'order', concat('O-', hex(cityHash64(i, 'order'))), act = 'receipt', concat('R-', store, '-', hex(cityHash64(i, 'receipt'))), '') AS order_id,
        -- stores: mostly the person's home store
        if(cityHash64(i, 'away') % 100 < 80, cityHash64('home-store', p), cityHash64(i, 'store')) % length({stores:Array(String)}) AS store_index,
        {stores:Array(String)}[1 + store_index] AS store,
        1 + cityHash64(i, 'zone') % 5 AS zone_index,
        ['entrance', 'footwear', 'clothing', 'equipment', 'checkout'][zone_index] AS zone
    FROM numbers({start:UInt64}, {count:UInt64})
    -- One month per INSERT, as production inserts recent events: each part lands in one partition.
    WHERE toYYYYMM(day_start) = {month:UInt32}
)`;

/** Every person's identifiers, as identity first assigned them. */
const GENERATE_IDENTITIES = `INSERT INTO identities (tenant, id_type, id_value, person_id, first_seen, updated_at)
SELECT {tenant:String}, id.1, id.2, ${PERSON_ID('p')}, first_seen, addMilliseconds(first_seen, cityHash64('updated', p, id.1) % 600000)
FROM
(
    SELECT number AS p, ${FIRST_SEEN('p')} AS first_seen, arrayJoin(${IDENTIFIERS_OF('p')}) AS id
    FROM numbers({start:UInt64}, {count:UInt64})
)`;

/** The merges, flattened (absorbed -> survivor, never a chain). */
const GENERATE_OVERRIDES = `INSERT INTO person_overrides (tenant, old_person_id, person_id, merged_at, cause_event_id)
SELECT {tenant:String}, ${PERSON_ID('p')}, ${PERSON_ID(SURVIVOR('p'))}, ${MERGED_AT('p')}, concat('ajs-next-', lower(hex(cityHash64('cause', p))))
FROM (SELECT number AS p FROM numbers({persons:UInt64}))
WHERE ${IS_ABSORBED('p')}`;

/** What identity publishes after a merge: the absorbed person's identifiers now with the survivor. */
const GENERATE_REPUBLISHED = `INSERT INTO identities (tenant, id_type, id_value, person_id, first_seen, updated_at)
SELECT {tenant:String}, id.1, id.2, ${PERSON_ID(SURVIVOR('p'))}, ${FIRST_SEEN('p')}, ${MERGED_AT('p')}
FROM (SELECT number AS p, arrayJoin(${IDENTIFIERS_OF('p')}) AS id FROM numbers({persons:UInt64}) WHERE ${IS_ABSORBED('p')})`;

/** Wi-Fi observations: visits of about 8 sightings each; 60 % randomised MACs, the rest known phones. */
const GENERATE_WIFI = `INSERT INTO store_wifi_observations
    (tenant, event_id, event_time, received_time, ingested_at, source, store_id, zone_id, store_local_time, in_directory, ap_mac, client_mac_hash,
     randomized_mac, rssi, ssid, manufacturer, os, person_id, enrichment_sources)
SELECT
    {tenant:String}, concat('wifi-', lower(hex(cityHash64(i, 'id1'))), lower(hex(cityHash64(i, 'id2')))), t, received, addMilliseconds(received, 1000 + cityHash64(i, 'ingested') % 2000),
    'meraki-scanning', store, if(in_directory, zone, ''), if(in_directory, ${STORE_LOCAL('t')}, NULL), in_directory,
    if(in_directory, lower(concat('00:18:0a:', hex(toUInt8(store_index)), ':', hex(toUInt8(zone_index)), ':01')), concat('00:18:0a:fe:', lower(hex(toUInt8(cityHash64(i, 'ap') % 256))), ':01')),
    mac_hash, randomized, toInt16(-40 - toInt16(cityHash64(i, 'rssi') % 55)), if(cityHash64(v, 'ssid') % 100 < 30, 'Bench-Guest', ''),
    ['Apple', 'Samsung', 'Google', ''][1 + cityHash64(v, 'maker') % 4], ['iOS', 'Android', 'Android', ''][1 + cityHash64(v, 'maker') % 4], person,
    map('store', ${LINEAGE_STORE})
FROM
(
    SELECT
        number AS i,
        intDiv(i, 8) AS v,
        toUInt64(floor(length({stores:Array(String)}) * pow((cityHash64(v, 'store') % 1000000) / 1000000., 1.5))) AS store_index,
        {stores:Array(String)}[1 + store_index] AS store,
        cityHash64(v, 'day') % {days:UInt16} AS day_index,
        toDateTime64(addDays(subtractDays({end_day:Date}, {days:UInt16}), day_index), 3, 'UTC') AS day_start,
        addSeconds(day_start, 21600 + cityHash64(v, 'arrive') % 50400) AS visit_start,
        addMilliseconds(visit_start, cityHash64(i, 'seen') % 2400000) AS t,
        addMilliseconds(t, 200 + cityHash64(i, 'received') % 3000) AS received,
        toUInt8(cityHash64(v, 'randomized') % 100 < 60) AS randomized,
        toUInt64(floor({persons:UInt64} * pow((cityHash64(v, 'owner') % 1000000) / 1000000., {skew:Float64}))) AS owner,
        if(randomized, lower(hex(SHA256(concat('rmac-', toString(v))))), lower(hex(SHA256(concat('mac-', toString(owner)))))) AS mac_hash,
        if(NOT randomized AND cityHash64('portal', owner) % 100 < 30, ${PERSON_ID('owner')}, '') AS person,
        1 + cityHash64(i, 'zone') % 5 AS zone_index,
        ['entrance', 'footwear', 'clothing', 'equipment', 'checkout'][zone_index] AS zone,
        toUInt8(cityHash64(i, 'placed') % 100 >= 2) AS in_directory
    FROM numbers({start:UInt64}, {count:UInt64})
    WHERE toYYYYMM(day_start) = {month:UInt32}
)`;

/** Hourly readings of every store's two entrance counters and its checkout occupancy sensor. */
const GENERATE_PEOPLE_COUNTS = `INSERT INTO store_people_counts
    (tenant, event_id, event_time, received_time, ingested_at, source, store_id, sensor_id, entrance, zone_id, store_local_time, in_directory, kind,
     period_seconds, count_in, count_out, occupancy, queue_length, enrichment_sources)
SELECT
    {tenant:String}, concat('pc-', lower(hex(cityHash64(i, 'id1'))), lower(hex(cityHash64(i, 'id2')))), t, addMilliseconds(t, 1000 + cityHash64(i, 'received') % 5000),
    addMilliseconds(t, 7000 + cityHash64(i, 'ingested') % 3000), 'store-gateway', store, ['door-main', 'door-side', 'zone-checkout'][1 + sensor],
    ['main', 'side', ''][1 + sensor], ['entrance', 'entrance', 'checkout'][1 + sensor], ${STORE_LOCAL('t')}, 1,
    if(sensor < 2, 'line_crossing', 'zone_occupancy'), if(sensor < 2, 3600, 0),
    if(sensor < 2, toNullable(toUInt32(crossings)), NULL),
    if(sensor < 2, toNullable(toUInt32(crossings * (90 + cityHash64(i, 'out') % 20) / 100)), NULL),
    if(sensor = 2, toNullable(toUInt32(intDiv(crossings, 10))), NULL),
    NULL,
    map('store', ${LINEAGE_STORE})
FROM
(
    SELECT
        number AS i,
        i % length({stores:Array(String)}) AS store_index,
        {stores:Array(String)}[1 + store_index] AS store,
        intDiv(i, length({stores:Array(String)})) % 3 AS sensor,
        intDiv(i, length({stores:Array(String)}) * 3) % 24 AS hour,
        intDiv(i, length({stores:Array(String)}) * 72) AS day_index,
        addHours(toDateTime64(addDays(subtractDays({end_day:Date}, {days:UInt16}), day_index), 3, 'UTC'), hour + 1) AS t,
        -- open 09-21 Helsinki (about 06-19 UTC); the main door takes three quarters
        if(hour >= 6 AND hour < 19, (20 + cityHash64(i, 'in') % 80) * if(sensor = 1, 1, 3) * 20 / (10 + store_index), cityHash64(i, 'in') % 3) AS crossings
    FROM numbers({count:UInt64})
)`;

/** Partner segments bought for about a third of the e-mail hashes: what customer_profile joins by identifier. */
const GENERATE_PARTNER_SEGMENTS = `INSERT INTO ref_partner_segments (tenant, id_type, id_value, partner, segments, source_name, source_version, loaded_at, is_deleted)
SELECT {tenant:String}, 'email_hash', ${EMAIL('p')}, partner,
       arrayPushFront(arrayFilter((x, k) -> cityHash64('segment', p, partner, k) % 100 < 20, segment_list, arrayEnumerate(segment_list)), segment_list[1 + cityHash64('first-segment', p, partner) % 7]),
       'partner-segments.csv', 'sha256:5d1f0c2b7e9a4d33', toDateTime64(subtractDays({end_day:Date}, 7), 3, 'UTC'), 0
FROM
(
    SELECT number AS p, arrayJoin(['acme-data', 'kuluttajadata']) AS partner,
           ['outdoor-enthusiast', 'family-with-children', 'high-income', 'runner', 'urban', 'eco-conscious', 'deal-seeker'] AS segment_list
    FROM numbers({persons:UInt64})
)
WHERE ${HAS_EMAIL('p')} AND cityHash64('partner', p, partner) % 100 < if(partner = 'acme-data', 30, 10)`;

/** Open demographics for about 3,000 postal areas, the generated home postal codes among them. */
const GENERATE_DEMOGRAPHICS = `INSERT INTO ref_area_demographics
    (country_code, postal_code, area_name, municipality, population, median_age, age_shares, median_income, households, household_shares,
     statistics_year, source_name, source_version, loaded_at, is_deleted)
SELECT 'FI', code, concat('Area ', code), ['Helsinki', 'Espoo', 'Vantaa', 'Tampere', 'Turku', 'Oulu', 'Jyväskylä', 'Lahti', 'Kuopio'][1 + cityHash64('municipality', code) % 9],
       toUInt32(300 + cityHash64('population', code) % 25000), 30 + (cityHash64('age', code) % 250) / 10,
       map('0-14', 0.15, '15-64', 0.64, '65-', 0.21), toInt64(21000 + cityHash64('income', code) % 24000), toUInt32(150 + cityHash64('households', code) % 12000),
       map('single', 0.45, 'couple', 0.3, 'family', 0.25), toUInt16(2024), 'paavo.csv', 'sha256:0c9e77d1a2b4f610', toDateTime64(subtractDays({end_day:Date}, 30), 3, 'UTC'), 0
FROM
(
    SELECT arrayJoin({postal_codes:Array(String)}) AS code
    UNION ALL
    SELECT leftPad(toString(number * 33 + 7), 5, '0') AS code FROM numbers(3000) WHERE NOT has({postal_codes:Array(String)}, code)
)`;

// ---------------------------------------------------------------------------------------------
// ClickHouse over HTTP, reading the summary header: server time, rows read, peak memory.

interface Summary {
  elapsedMs: number;
  readRows: number;
  readBytes: number;
  writtenRows: number;
  memoryBytes: number;
}

interface Probed<T> {
  rows: T[];
  wallMs: number;
  summary: Summary;
}

/** A query parameter as @clickhouse/client formats it (escaped text; arrays as literals). */
function formatParam(value: unknown, inArray = false): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (Array.isArray(value)) return `[${value.map((v) => formatParam(v, true)).join(',')}]`;
  if (typeof value === 'string') {
    const escaped = value.replace(/[\\'\t\n\r]/g, (c) => ({ '\\': '\\\\', "'": "\\'", '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
    return inArray ? `'${escaped}'` : escaped;
  }
  throw new Error(`unsupported query parameter ${String(value)}`);
}

const num = (x: unknown) => Number(x ?? 0);

/**
 * One statement over ClickHouse's HTTP interface with parameters and settings in the URL, as
 * @clickhouse/client sends them, plus wait_end_of_query so the summary header is final.
 */
export async function probe<T = Record<string, unknown>>(database: string, sql: string, params: QueryParams = {}, settings: Record<string, string | number> = {}, select = true): Promise<Probed<T>> {
  const url = new URL(CONNECTION.url);
  url.searchParams.set('database', database);
  for (const [k, v] of Object.entries({ ...CLICKHOUSE_SETTINGS, wait_end_of_query: 1, ...settings })) url.searchParams.set(k, String(v));
  for (const [k, v] of Object.entries(params)) url.searchParams.set(`param_${k}`, formatParam(v));
  const t = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    body: select ? `${sql}\nFORMAT JSONEachRow` : sql,
    headers: { authorization: `Basic ${Buffer.from(`${CONNECTION.username}:${CONNECTION.password}`).toString('base64')}` },
  });
  const text = await response.text();
  const wallMs = performance.now() - t;
  if (!response.ok) throw new Error(`ClickHouse answered ${response.status}: ${text.trim().slice(0, 3000)}`);
  const s = JSON.parse(response.headers.get('x-clickhouse-summary') ?? '{}') as Record<string, string>;
  return {
    rows: select ? text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as T) : [],
    wallMs,
    summary: { elapsedMs: num(s.elapsed_ns) / 1e6, readRows: num(s.read_rows), readBytes: num(s.read_bytes), writtenRows: num(s.written_rows), memoryBytes: num(s.memory_usage) },
  };
}

// ---------------------------------------------------------------------------------------------
// Figures.

interface Spread {
  n: number;
  p50: number;
  p99: number;
  max: number;
  min: number;
}

/** Nearest-rank percentiles. */
function spread(values: number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? 0;
  return { n: s.length, p50: q(0.5), p99: q(0.99), max: s[s.length - 1] ?? 0, min: s[0] ?? 0 };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const roundSpread = (s: Spread) => ({ n: s.n, p50: round1(s.p50), p99: round1(s.p99), max: round1(s.max) });

interface Measured {
  /** Wall time through createClickHouse (what a service sees). */
  app: Spread;
  /** ClickHouse's own elapsed time (summary header). */
  server: Spread;
  readRows: Spread;
  readBytes: Spread;
  memoryBytes: Spread;
}

/** Every call once through createClickHouse (timed, answers kept), then once through probe (summary header). */
async function measure(ch: ClickHouse, database: string, calls: { sql: string; params: QueryParams }[]): Promise<{ m: Measured; answers: Record<string, unknown>[][]; appTimes: number[] }> {
  const app: number[] = [];
  const answers: Record<string, unknown>[][] = [];
  for (const c of calls) {
    const t = performance.now();
    answers.push(await ch.query(c.sql, c.params));
    app.push(performance.now() - t);
  }
  const server: number[] = [];
  const readRows: number[] = [];
  const readBytes: number[] = [];
  const memory: number[] = [];
  for (const c of calls) {
    const r = await probe(database, c.sql, c.params);
    server.push(r.summary.elapsedMs);
    readRows.push(r.summary.readRows);
    readBytes.push(r.summary.readBytes);
    memory.push(r.summary.memoryBytes);
  }
  return {
    m: { app: spread(app), server: spread(server), readRows: spread(readRows), readBytes: spread(readBytes), memoryBytes: spread(memory) },
    answers,
    appTimes: app,
  };
}

// ---------------------------------------------------------------------------------------------
// The database: reuse, or generate.

export interface Meta {
  generator: number;
  /** The migrations (version, name, checksum) the data went through: a later one may add materialized views. */
  schema: string;
  events: number;
  persons: number;
  end_day: string;
  skew: number;
  days: number;
  generated_at: string;
  generation_seconds: number;
}

interface TableSize {
  table: string;
  rows: number;
  parts: number;
  bytes_on_disk: number;
  uncompressed: number;
}

async function tableSizes(ch: ClickHouse): Promise<TableSize[]> {
  const rows = await ch.query<TableSize>(
    `SELECT table, sum(rows) AS rows, count() AS parts, sum(bytes_on_disk) AS bytes_on_disk, sum(data_uncompressed_bytes) AS uncompressed
     FROM system.parts WHERE database = {db:String} AND active
     GROUP BY table ORDER BY bytes_on_disk DESC`,
    { db: ch.database },
  );
  return rows.map((r) => ({ table: r.table, rows: num(r.rows), parts: num(r.parts), bytes_on_disk: num(r.bytes_on_disk), uncompressed: num(r.uncompressed) }));
}

async function runningMerges(ch: ClickHouse): Promise<number> {
  const [row] = await ch.query<{ merges: number }>('SELECT count() AS merges FROM system.merges WHERE database = {db:String}', { db: ch.database });
  return num(row?.merges);
}

async function readMeta(ch: ClickHouse): Promise<Meta | undefined> {
  const [exists] = await ch.query<{ c: number }>("SELECT count() AS c FROM system.tables WHERE database = {db:String} AND name = 'bench_views_meta'", { db: ch.database });
  if (!num(exists?.c)) return undefined;
  // A table of an older generator (other columns) reads as no record: the database is generated again.
  const [meta] = await ch.query<Meta>('SELECT generator, schema, events, persons, toString(end_day) AS end_day, skew, days, toString(generated_at) AS generated_at, generation_seconds FROM bench_views_meta ORDER BY generated_at DESC LIMIT 1').catch(() => []);
  return meta ? { ...meta, generator: num(meta.generator), events: num(meta.events), persons: num(meta.persons), skew: num(meta.skew), days: num(meta.days), generation_seconds: num(meta.generation_seconds) } : undefined;
}

export interface Generated {
  meta: Meta;
  steps: { table: string; rows: number; seconds: number; peakMemory: number; written: number }[];
}

async function generate(database: string, ch: ClickHouse, events: number, persons: number, chunk: number, schema: string): Promise<Generated> {
  const end = new Date();
  const endDay = `${end.getUTCFullYear()}-${String(end.getUTCMonth() + 1).padStart(2, '0')}-${String(end.getUTCDate()).padStart(2, '0')}`;
  const common = {
    tenant: TENANT, persons, end_day: endDay, days: DAYS, skew: SKEW, products: PRODUCTS, events_total: events,
    stores: STORES, categories: CATEGORIES, brands: BRANDS, postal_codes: POSTAL_CODES,
  };
  // Each statement gets only the parameters it names; ClickHouse ignores none of them silently.
  const paramsOf = (sql: string, extra: QueryParams = {}): QueryParams => {
    const all: QueryParams = { ...common, ...extra };
    return Object.fromEntries(Object.entries(all).filter(([k]) => sql.includes(`{${k}:`)));
  };
  const steps: Generated['steps'] = [];
  const started = performance.now();
  // The months of the generated days: the events and Wi-Fi rows are inserted a month at a time.
  const months = [...new Set(Array.from({ length: DAYS }, (_, d) => new Date(Date.parse(`${endDay}T00:00:00Z`) - (DAYS - d) * 86_400_000).toISOString().slice(0, 7)))];
  const run = async (table: string, sql: string, total: number, size: number, label: string, byMonth = false) => {
    const t0 = performance.now();
    let written = 0;
    let peak = 0;
    for (const month of byMonth ? months : ['']) {
      for (let start = 0; start < total; start += size) {
        const count = Math.min(size, total - start);
        const r = await probe(database, sql, paramsOf(sql, { start, count, ...(month ? { month: Number(month.replace('-', '')) } : {}) }), GENERATION_SETTINGS, false);
        written += r.summary.writtenRows;
        peak = Math.max(peak, r.summary.memoryBytes);
      }
      if (byMonth) {
        const elapsed = performance.now() - t0;
        say(`    ${label} ${month}: done in ${secs(elapsed)} so far (${n(written)} rows written with the views' rows; peak ${mb(peak)})`);
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    steps.push({ table, rows: total, seconds, peakMemory: peak, written });
  };

  say(`\ngenerating into ${database}: ${n(events)} events, ${n(persons)} persons, ${DAYS} days to ${endDay} (INSERT ... SELECT FROM numbers, chunks of ${n(chunk)} numbers, one month of events per INSERT)`);
  await run('events_raw', GENERATE_EVENTS, events, chunk, 'events', true);
  // identities: rows per person vary, so count them after the insert
  await run('identities', GENERATE_IDENTITIES, persons, persons, 'identities');
  await run('person_overrides', GENERATE_OVERRIDES, 1, 1, 'overrides');
  await run('identities (republished)', GENERATE_REPUBLISHED, 1, 1, 'republished');
  const wifi = Math.round(events * WIFI_SHARE);
  await run('store_wifi_observations', GENERATE_WIFI, wifi, Math.max(chunk, 1), 'wifi', true);
  await run('store_people_counts', GENERATE_PEOPLE_COUNTS, STORES.length * 3 * 24 * DAYS, STORES.length * 3 * 24 * DAYS, 'people counts');
  await run('ref_partner_segments', GENERATE_PARTNER_SEGMENTS, 1, 1, 'partner segments');
  await run('ref_area_demographics', GENERATE_DEMOGRAPHICS, 1, 1, 'demographics');
  // Real row counts of the steps whose count depends on the data: a republished identifier is a second row of its key.
  const [counts] = await ch.query<{ identities: number; distinct_identifiers: number; overrides: number; segments: number; areas: number }>(
    `SELECT (SELECT count() FROM identities WHERE tenant = {tenant:String}) AS identities,
            (SELECT uniqExact(id_type, id_value) FROM identities WHERE tenant = {tenant:String}) AS distinct_identifiers,
            (SELECT count() FROM person_overrides WHERE tenant = {tenant:String}) AS overrides,
            (SELECT count() FROM ref_partner_segments WHERE tenant = {tenant:String}) AS segments,
            (SELECT count() FROM ref_area_demographics) AS areas`,
    { tenant: TENANT },
  );
  const fix = (table: string, rows: number) => {
    const s = steps.find((x) => x.table === table);
    if (s) s.rows = rows;
  };
  fix('identities', num(counts?.distinct_identifiers));
  fix('person_overrides', num(counts?.overrides));
  fix('identities (republished)', num(counts?.identities) - num(counts?.distinct_identifiers));
  fix('ref_partner_segments', num(counts?.segments));
  fix('ref_area_demographics', num(counts?.areas));
  const generationSeconds = (performance.now() - started) / 1000;
  say(`  ${'step'.padEnd(26)} ${'rows'.padStart(12)} ${'seconds'.padStart(8)} ${'rows/s'.padStart(10)} ${'peak mem'.padStart(9)}  rows written (with the materialized views' rows)`);
  for (const s of steps) {
    say(`  ${s.table.padEnd(26)} ${n(s.rows).padStart(12)} ${s.seconds.toFixed(1).padStart(8)} ${n(s.rows / s.seconds).padStart(10)} ${mb(s.peakMemory).padStart(9)}  ${n(s.written)}`);
  }
  const meta: Meta = { generator: GENERATOR_VERSION, schema, events, persons, end_day: endDay, skew: SKEW, days: DAYS, generated_at: new Date().toISOString().slice(0, 19).replace('T', ' '), generation_seconds: generationSeconds };
  await ch.command(
    `CREATE TABLE IF NOT EXISTS bench_views_meta (generator UInt32, schema String, events UInt64, persons UInt64, end_day Date, skew Float64, days UInt16, generated_at DateTime, generation_seconds Float64)
     ENGINE = MergeTree ORDER BY generated_at COMMENT 'pnpm bench:views: how this database was generated'`,
  );
  await ch.insert('bench_views_meta', [meta]);
  return { meta, steps };
}

// ---------------------------------------------------------------------------------------------
// Who to read: persons across the activity distribution, and what each must answer.

interface Sample {
  rank: number;
  person: string;
  absorbed: boolean;
  survivor: string;
  id_type: string;
  id_value: string;
}

/**
 * `count` distinct ranks: half log-spaced (the most active persons), half evenly spaced (the long
 * tail); every sixth moved to the next absorbed rank (19 mod 20). Shuffled with a fixed seed so
 * that heavy and light persons interleave.
 */
function sampleRanks(persons: number, count: number): number[] {
  const wanted = Math.min(count, persons);
  const half = Math.max(1, Math.floor(wanted / 2));
  const candidates: number[] = [];
  for (let k = 0; k < half; k++) candidates.push(Math.floor(Math.exp((k / Math.max(1, half - 1)) * Math.log(persons))) - 1);
  for (let k = 0; k < wanted - half; k++) candidates.push(Math.floor(((k + 0.5) * persons) / (wanted - half)));
  const taken = new Set<number>();
  candidates.forEach((r0, k) => {
    let r = Math.max(0, Math.min(persons - 1, r0));
    if (k % 6 === 0 && r + ((19 - (r % 20) + 20) % 20) < persons) r += (19 - (r % 20) + 20) % 20;
    // A rank taken already: the next free one (20 further keeps an absorbed rank absorbed).
    const step = r % 20 === 19 ? 20 : 1;
    while (taken.has(r) && r + step < persons) r += step;
    while (taken.has(r)) r = (r + 1) % persons;
    taken.add(r);
  });
  const ranks = [...taken];
  const rng = mulberry32(20_261_201);
  for (let i = ranks.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [ranks[i], ranks[j]] = [ranks[j]!, ranks[i]!];
  }
  return ranks;
}

async function samplesOf(ch: ClickHouse, meta: Meta, count: number): Promise<Sample[]> {
  const ranks = sampleRanks(meta.persons, count);
  const want = ranks.map((_, k) => k % 4);
  const rows = await ch.query<Sample>(
    `SELECT rank, person, absorbed, survivor,
            multiIf(want = 0 AND ${HAS_EMAIL('p')}, 'email_hash', want = 1 AND ${HAS_USER('p')}, 'user_id', want = 2 AND ${HAS_CARD('p')}, 'loyalty_card', 'anonymous_id') AS id_type,
            multiIf(id_type = 'email_hash', ${EMAIL('p')}, id_type = 'user_id', ${USER_ID('p')}, id_type = 'loyalty_card', ${CARD('p')}, ${ANON('p')}) AS id_value
     FROM
     (
         SELECT pw.1 AS p, pw.2 AS want, toUInt32(p) AS rank, ${PERSON_ID('p')} AS person, ${IS_ABSORBED('p')} AS absorbed,
                if(absorbed, ${PERSON_ID(SURVIVOR('p'))}, person) AS survivor
         FROM (SELECT arrayJoin(arrayZip({ranks:Array(UInt64)}, {want:Array(UInt8)})) AS pw)
     )`,
    { ranks, want, persons: meta.persons },
  );
  const byRank = new Map(rows.map((r) => [num(r.rank), { ...r, rank: num(r.rank), absorbed: Boolean(num(r.absorbed)) }]));
  return ranks.map((r) => byRank.get(r)!);
}

/** The day of the store KPIs: the last whole day of the generated data. */
const kpiDayOf = (meta: Meta) => new Date(Date.parse(`${meta.end_day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

export interface Truth {
  events: number;
  revenue_minor: number;
}

/** Ground truth for the sampled survivors, from events_raw itself (one scan, not timed). */
export async function truthOf(ch: ClickHouse, survivors: string[]): Promise<Map<string, Truth>> {
  const rows = await ch.query<{ survivor: string } & Truth>(
    `SELECT if(o.person_id != '', o.person_id, e.person_id) AS survivor, count() AS events,
            sumIf(revenue_minor, event_type = 'pos_transaction' OR (event_type = 'track' AND event_name = 'Order Completed')) AS revenue_minor
     FROM events_raw AS e
     LEFT JOIN (SELECT old_person_id, argMax(person_id, merged_at) AS person_id FROM person_overrides WHERE tenant = {tenant:String} GROUP BY old_person_id) AS o
         ON e.person_id = o.old_person_id
     WHERE e.tenant = {tenant:String} AND e.person_id != '' AND survivor IN {survivors:Array(String)}
     GROUP BY survivor`,
    { tenant: TENANT, survivors },
  );
  return new Map(rows.map((r) => [r.survivor, { events: num(r.events), revenue_minor: num(r.revenue_minor) }]));
}

/**
 * EXPLAIN indexes = 1, boiled down to what each read of a MergeTree table keeps after its
 * indexes: parts and granules (of 8,192 rows by default). Scalar subqueries run while the query
 * is analysed and do not appear in the plan; the summary header's read_rows counts them.
 */
async function explainReads(database: string, sql: string, params: QueryParams): Promise<string[]> {
  const { rows } = await probe<{ explain: string }>(database, `EXPLAIN indexes = 1 ${sql}`, params);
  const out: string[] = [];
  let table: string | undefined;
  let parts = '';
  let granules = '';
  const flush = () => {
    if (table) out.push(`${table}: parts ${parts || '?'}, granules ${granules || '?'}`);
    table = undefined;
    parts = granules = '';
  };
  for (const { explain } of rows) {
    const read = /ReadFromMergeTree \(([^)]+)\)/.exec(explain);
    if (read) {
      flush();
      table = read[1]!.split('.').pop();
      continue;
    }
    const p = /^[\s│└├─]*Parts: (\d+\/\d+|\d+)/.exec(explain);
    if (table && p) parts = p[1]!;
    const g = /^[\s│└├─]*Granules: (\d+\/\d+|\d+)/.exec(explain);
    if (table && g) granules = g[1]!;
  }
  flush();
  return out;
}

// ---------------------------------------------------------------------------------------------
// One round of measurements.

interface Round {
  label: string;
  parts: Record<string, number>;
  mergesRunning: number;
  profileByPerson: Measured & { mismatches: number; missing: number; absorbedSampled: number; wrongSurvivor: number; wrongFigures: number; examples: string[]; slowest: string[] };
  profileByIdentifier: Measured & { mismatches: number };
  profileByIdentifierTwoTrips: { app: Spread; firstTrip: Spread; mismatches: number };
  topCustomers: Measured & { mismatches: number; fromEventsMs: number };
  storeDay: Measured & { store: string; day: string; answer: Record<string, unknown> };
  storeDayView?: Measured & { answer: Record<string, unknown> };
}

async function round(label: string, ch: ClickHouse, database: string, meta: Meta, samples: Sample[], truth: Map<string, Truth>, runs: number, topTruth: { ids: string[]; ms: number }, storeView: boolean): Promise<Round> {
  const sizes = await tableSizes(ch);
  const parts = Object.fromEntries(sizes.map((s) => [s.table, s.parts]));
  const mergesRunning = await runningMerges(ch);
  say(`\n== ${label} ==`);
  say(`  active parts: ${['events_raw', 'person_activity', 'session_activity', 'identities', 'person_identifiers', 'person_overrides', 'person_merged_from'].map((t) => `${t} ${parts[t] ?? 0}`).join(', ')}; merges running: ${mergesRunning}`);
  say(`  load average (1 min): ${loadavg()[0]!.toFixed(2)}`);

  // -- 1. one profile by person id
  const warm = samples.slice(0, 10);
  for (const s of warm) await ch.query(PROFILE_BY_PERSON, { tenant: TENANT, person: s.person });
  const byPerson = await measure(ch, database, samples.map((s) => ({ sql: PROFILE_BY_PERSON, params: { tenant: TENANT, person: s.person } })));
  let missing = 0;
  let wrongSurvivor = 0;
  let wrongFigures = 0;
  const examples: string[] = [];
  byPerson.answers.forEach((rows, k) => {
    const s = samples[k]!;
    const row = rows[0];
    if (!row) {
      missing++;
      if (examples.length < 5) examples.push(`${s.person} (rank ${s.rank}${s.absorbed ? ', absorbed' : ''}): no row`);
      return;
    }
    const merged = (row.merged_person_ids as string[] | undefined) ?? [];
    if (row.person_id !== s.survivor || (s.absorbed && !merged.includes(s.person))) {
      wrongSurvivor++;
      if (examples.length < 5) examples.push(`${s.person} (rank ${s.rank}${s.absorbed ? ', absorbed' : ''}): person_id ${String(row.person_id)}, expected ${s.survivor}; merged_person_ids [${merged.join(', ')}]`);
      return;
    }
    const t = truth.get(s.survivor);
    if (!t || num(row.events) !== t.events || num(row.revenue_minor) !== t.revenue_minor) {
      wrongFigures++;
      if (examples.length < 5) examples.push(`${s.person}: events ${String(row.events)} / revenue ${String(row.revenue_minor)}, events_raw says ${t?.events} / ${t?.revenue_minor}`);
    }
  });
  const absorbedSampled = samples.filter((s) => s.absorbed).length;
  const slowest = byPerson.appTimes
    .map((t, k) => ({ t, s: samples[k]! }))
    .sort((a, b) => b.t - a.t)
    .slice(0, 3)
    .map(({ t, s }) => `${ms(t)} ms ${s.person} (rank ${n(s.rank)}${s.absorbed ? ', absorbed' : ''}, ${n(truth.get(s.survivor)?.events ?? 0)} events)`);
  const profileByPerson = { ...byPerson.m, mismatches: missing + wrongSurvivor + wrongFigures, missing, absorbedSampled, wrongSurvivor, wrongFigures, examples, slowest };

  // -- 2. one profile by identifier
  for (const s of warm) await ch.query(PROFILE_BY_IDENTIFIER, { tenant: TENANT, id_type: s.id_type, id_value: s.id_value });
  const byId = await measure(ch, database, samples.map((s) => ({ sql: PROFILE_BY_IDENTIFIER, params: { tenant: TENANT, id_type: s.id_type, id_value: s.id_value } })));
  let idMismatches = 0;
  byId.answers.forEach((rows, k) => {
    if (rows[0]?.person_id !== samples[k]!.survivor) {
      idMismatches++;
      if (examples.length < 8) examples.push(`${samples[k]!.id_type} ${samples[k]!.id_value}: person_id ${String(rows[0]?.person_id)}, expected ${samples[k]!.survivor}`);
    }
  });
  const twoTrips: number[] = [];
  const firstTrip: number[] = [];
  let twoTripMismatches = 0;
  for (const s of samples) {
    const t = performance.now();
    const [found] = await ch.query<{ person: string }>(PERSON_OF_IDENTIFIER, { tenant: TENANT, id_type: s.id_type, id_value: s.id_value });
    firstTrip.push(performance.now() - t);
    const rows = await ch.query(PROFILE_BY_PERSON, { tenant: TENANT, person: found?.person ?? '' });
    twoTrips.push(performance.now() - t);
    if (rows[0]?.person_id !== s.survivor) twoTripMismatches++;
  }

  // -- 3. top 100 customers by revenue
  const top = await measure(ch, database, Array.from({ length: runs }, () => ({ sql: TOP_CUSTOMERS, params: { tenant: TENANT } })));
  const topIds = (top.answers[0] ?? []).map((r) => String(r.person_id));
  const topMismatches = topIds.filter((id, k) => id !== topTruth.ids[k]).length + Math.max(0, topTruth.ids.length - topIds.length);

  // -- 4. one store's KPIs for a day: the first store, the day before the last generated day
  const store = STORES[0]!;
  const day = kpiDayOf(meta);
  const kpi = await measure(ch, database, Array.from({ length: runs }, () => ({ sql: STORE_DAY_KPIS, params: { tenant: TENANT, store, day } })));
  const kpiView = storeView ? await measure(ch, database, Array.from({ length: runs }, () => ({ sql: STORE_DAY_FROM_BASE_TABLES, params: { tenant: TENANT, store, day } }))) : undefined;

  return {
    label,
    parts,
    mergesRunning,
    profileByPerson,
    profileByIdentifier: { ...byId.m, mismatches: idMismatches },
    profileByIdentifierTwoTrips: { app: spread(twoTrips), firstTrip: spread(firstTrip), mismatches: twoTripMismatches },
    topCustomers: { ...top.m, mismatches: topMismatches, fromEventsMs: topTruth.ms },
    storeDay: { ...kpi.m, store, day, answer: kpi.answers[0]?.[0] ?? {} },
    ...(kpiView ? { storeDayView: { ...kpiView.m, answer: kpiView.answers[0]?.[0] ?? {} } } : {}),
  };
}

function printRound(r: Round): void {
  const row = (what: string, m: Measured, extra: string) =>
    say(
      `  ${what.padEnd(34)} ${ms(m.app.p50).padStart(7)} ${ms(m.app.p99).padStart(7)} ${ms(m.app.max).padStart(7)} | ${ms(m.server.p50).padStart(7)} ${ms(m.server.p99).padStart(7)} | ${n(m.readRows.p50).padStart(10)} ${mb(m.memoryBytes.max).padStart(7)}  ${extra}`,
    );
  say('');
  say(`  ${'read'.padEnd(34)} ${'p50'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)} | ${'srv p50'.padStart(7)} ${'srv p99'.padStart(7)} | ${'rows read'.padStart(10)} ${'peak'.padStart(7)}`);
  say(`  ${''.padEnd(34)} ${'(ms, createClickHouse wall time)'.padStart(23)} | ${'(ms, ClickHouse)'.padStart(15)} | ${'(p50)'.padStart(10)} ${'memory'.padStart(7)}`);
  const p = r.profileByPerson;
  row(`profile by person id (n=${p.app.n})`, p, `target p99 < 50 ms; ${p.absorbedSampled} absorbed sampled; mismatches ${p.mismatches}`);
  const i = r.profileByIdentifier;
  row(`profile by identifier, 1 query`, i, `mismatches ${i.mismatches}`);
  const two = r.profileByIdentifierTwoTrips;
  say(`  ${'profile by identifier, 2 trips'.padEnd(34)} ${ms(two.app.p50).padStart(7)} ${ms(two.app.p99).padStart(7)} ${ms(two.app.max).padStart(7)} |  identifier -> survivor alone: p50 ${ms(two.firstTrip.p50)}, p99 ${ms(two.firstTrip.p99)} ms; mismatches ${two.mismatches}`);
  const t = r.topCustomers;
  say(
    `  ${`top 100 by revenue (runs=${t.app.n})`.padEnd(34)} ${ms(t.app.p50).padStart(7)} ${'-'.padStart(7)} ${ms(t.app.max).padStart(7)} | ${ms(t.server.p50).padStart(7)} ${'-'.padStart(7)} | ${n(t.readRows.p50).padStart(10)} ${mb(t.memoryBytes.max).padStart(7)}  median/max; target < 1 s; order vs events_raw: ${t.mismatches} differ`,
  );
  const k = r.storeDay;
  say(
    `  ${`store KPIs, one day (runs=${k.app.n})`.padEnd(34)} ${ms(k.app.p50).padStart(7)} ${'-'.padStart(7)} ${ms(k.app.max).padStart(7)} | ${ms(k.server.p50).padStart(7)} ${'-'.padStart(7)} | ${n(k.readRows.p50).padStart(10)} ${mb(k.memoryBytes.max).padStart(7)}  median/max; target < 1 s`,
  );
  const v = r.storeDayView;
  if (v) {
    say(
      `  ${`same day from the base tables`.padEnd(34)} ${ms(v.app.p50).padStart(7)} ${'-'.padStart(7)} ${ms(v.app.max).padStart(7)} | ${ms(v.server.p50).padStart(7)} ${'-'.padStart(7)} | ${n(v.readRows.p50).padStart(10)} ${mb(v.memoryBytes.max).padStart(7)}  median/max; UTC day, a cross-check`,
    );
  }
  say(`  (top 100 and store KPIs: the p50 column is the median of the runs; rows read is ClickHouse's read_rows, summed over every table the query reads)`);
  say(`  slowest profiles by person id: ${p.slowest.join('; ')}`);
  say(`  store ${k.store} on ${k.day} (store_traffic_hourly): ${Object.entries(k.answer).map(([key, v]) => `${key} ${String(v)}`).join(', ')}`);
  if (v) say(`  base tables, same store, UTC day: ${Object.entries(v.answer).map(([key, x]) => `${key} ${String(x)}`).join(', ')}`);
  say(`  top 100 straight from events_raw (one scan, for the check): ${secs(t.fromEventsMs)}`);
  if (p.mismatches || i.mismatches || two.mismatches) {
    say(`  MISMATCHES: profile by person id: ${p.missing} without a row, ${p.wrongSurvivor} not the survivor, ${p.wrongFigures} with events or revenue other than events_raw's; by identifier: ${i.mismatches} (1 query), ${two.mismatches} (2 trips)`);
    for (const e of p.examples) say(`    ${e}`);
  }
}

// ---------------------------------------------------------------------------------------------

/** The persons of a generated database when --persons is not given: 3 % of the events. */
export const defaultPersonsOf = (events: number): number => Math.max(1_000, Math.round(events * 0.03));

export interface BenchDatabaseOptions {
  database: string;
  events: number;
  /** Unset: defaultPersonsOf(events), and a reused database may have any number of persons. */
  persons?: number | undefined;
  chunk: number;
  fresh: boolean;
}

/**
 * Reuses the database when it holds at least `events` events of this generator, migrated with
 * the same migrations; otherwise (or when fresh) drops it and generates it again. Only a
 * database whose name starts with `bench` is ever dropped. Prints what it does.
 */
export async function ensureBenchDatabase(options: BenchDatabaseOptions): Promise<{ meta: Meta; generated: Generated | undefined }> {
  const { database, events, chunk, fresh } = options;
  const persons = options.persons ?? defaultPersonsOf(events);
  const admin = createClickHouse({ ...CONNECTION, database: 'default' });
  let ch = createClickHouse({ ...CONNECTION, database });
  const canDrop = database.startsWith('bench');
  const dropAndMigrate = async (why: string) => {
    if (!canDrop) {
      console.error(`${database} ${why}, and only a database whose name starts with "bench" is ever dropped: pick another --database`);
      process.exit(2);
    }
    say(`  ${database}: ${why}; dropping it and generating again`);
    await admin.command('DROP DATABASE IF EXISTS {db:Identifier} SYNC', { db: database });
  };
  const migrations = loadMigrations(MIGRATIONS_DIR);
  const schema = migrations.map((m) => `${m.version}:${m.name}:${m.checksum}`).join(',');
  const migrateNow = async () => {
    const r = await migrate({ ...CONNECTION, database }, migrations);
    say(`  migrations (${MIGRATIONS_DIR}): ${r.applied.length ? `applied ${r.applied.join(', ')}` : 'none pending'}; the schema is ${migrations.map((m) => `${String(m.version).padStart(4, '0')}_${m.name}`).join(', ')}`);
  };

  // Reuse the database, or drop it and generate again.
  const [exists] = await admin.query<{ c: number }>('SELECT count() AS c FROM system.databases WHERE name = {db:String}', { db: database });
  let meta: Meta | undefined;
  if (num(exists?.c)) {
    let why: string | undefined = fresh ? '--fresh' : undefined;
    if (!why) {
      try {
        await migrateNow();
      } catch (error) {
        // A migration edited since this database was migrated (a schema still being written).
        if (!(error instanceof MigrationError)) throw error;
        why = `cannot be migrated (${error.message})`;
      }
    }
    if (!why) {
      const found = await readMeta(ch);
      const [held] = await ch.query<{ c: number }>('SELECT count() AS c FROM events_raw WHERE tenant = {tenant:String}', { tenant: TENANT });
      const heldEvents = num(held?.c);
      if (!found) why = `holds ${n(heldEvents)} events but no record of this generator`;
      else if (found.generator !== GENERATOR_VERSION) why = `was generated by generator version ${found.generator}, this is ${GENERATOR_VERSION}`;
      else if (found.schema !== schema) why = 'was generated before the migrations changed (its data never went through the new ones)';
      else if (heldEvents < events) why = `holds ${n(heldEvents)} events, fewer than ${n(events)}`;
      else if (options.persons !== undefined && found.persons !== persons) why = `was generated with ${n(found.persons)} persons, not ${n(persons)}`;
      else {
        meta = found;
        say(`  reusing ${database}: ${n(heldEvents)} events, ${n(found.persons)} persons, generated ${found.generated_at} UTC in ${found.generation_seconds.toFixed(0)} s (--fresh to generate again)`);
      }
    }
    if (why) await dropAndMigrate(why);
  }

  let generated: Generated | undefined;
  if (!meta) {
    await ch.close();
    await migrateNow();
    ch = createClickHouse({ ...CONNECTION, database });
    generated = await generate(database, ch, events, persons, chunk, schema);
    meta = generated.meta;
    say(`  generation: ${secs(meta.generation_seconds * 1000)} in all, ${n(meta.events / meta.generation_seconds)} events/s counting every table`);
  }
  await ch.close();
  await admin.close();
  return { meta, generated };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '10000000' },
      persons: { type: 'string' },
      database: { type: 'string', default: 'bench_views' },
      fresh: { type: 'boolean', default: false },
      chunk: { type: 'string', default: '250000' },
      samples: { type: 'string', default: '300' },
      runs: { type: 'string', default: '5' },
      settle: { type: 'string', default: '0' },
      explain: { type: 'boolean', default: false },
    },
  });
  const events = positive('events', values.events);
  const persons = values.persons ? positive('persons', values.persons) : defaultPersonsOf(events);
  const chunk = positive('chunk', values.chunk);
  const sampleCount = positive('samples', values.samples);
  const runs = positive('runs', values.runs);
  const settleMinutes = Number(values.settle);
  const database = values.database;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    console.error(`--database must be a plain identifier, got ${database}`);
    process.exit(2);
  }
  const started = performance.now();
  say('bench:views: the customer views in ClickHouse at scale (customer_profile, customer_profiles, store KPIs)');
  say(`  machine: ${describeMachine()}`);
  say(`  options: --database ${database} --events ${events} --persons ${persons} --chunk ${chunk} --samples ${sampleCount} --runs ${runs} --settle ${settleMinutes}${values.fresh ? ' --fresh' : ''}`);
  say(`  clickhouse: ${CONNECTION.url}`);
  say(`  load average (1 min) at start: ${loadavg()[0]!.toFixed(2)}  (other work on the machine, tests included, skews every figure)`);

  const admin = createClickHouse({ ...CONNECTION, database: 'default' });
  const [server] = await admin.query<{ version: string; memory: string }>(
    "SELECT version() AS version, formatReadableSize(toUInt64(getServerSetting('max_server_memory_usage'))) AS memory",
  ).catch(() => admin.query<{ version: string; memory: string }>("SELECT version() AS version, '?' AS memory"));
  say(`  ClickHouse ${server?.version}, server memory limit ${server?.memory}`);

  const { meta, generated } = await ensureBenchDatabase({ database, events, persons: values.persons ? persons : undefined, chunk, fresh: values.fresh });
  const ch = createClickHouse({ ...CONNECTION, database });

  // -- What the database holds
  const sizes = await tableSizes(ch);
  const [census] = await ch.query<{ events: number; persons_at_ingest: number; absorbed: number; survivors: number; identifiers: number }>(
    `SELECT (SELECT count() FROM events_raw WHERE tenant = {tenant:String}) AS events,
            (SELECT uniqExact(person_id) FROM person_activity WHERE tenant = {tenant:String}) AS persons_at_ingest,
            (SELECT uniqExact(old_person_id) FROM person_overrides WHERE tenant = {tenant:String}) AS absorbed,
            (SELECT uniqExact(if(o.person_id != '', o.person_id, a.person_id)) FROM (SELECT DISTINCT person_id FROM person_activity WHERE tenant = {tenant:String}) AS a
                 LEFT JOIN (SELECT old_person_id, argMax(person_id, merged_at) AS person_id FROM person_overrides WHERE tenant = {tenant:String} GROUP BY old_person_id) AS o
                 ON a.person_id = o.old_person_id) AS survivors,
            (SELECT uniqExact(id_type, id_value) FROM identities WHERE tenant = {tenant:String}) AS identifiers`,
    { tenant: TENANT },
  );
  say(`\ndatabase ${database} (tenant ${TENANT}):`);
  say(`  events: ${n(num(census?.events))}; persons at ingest: ${n(num(census?.persons_at_ingest))}, of which absorbed ${n(num(census?.absorbed))}; surviving persons (profiles): ${n(num(census?.survivors))}; identifiers: ${n(num(census?.identifiers))}`);
  say(`  ${'table'.padEnd(26)} ${'rows'.padStart(12)} ${'parts'.padStart(6)} ${'on disk'.padStart(9)} ${'uncompr.'.padStart(9)} ${'B/row'.padStart(6)}`);
  for (const s of sizes) {
    say(`  ${s.table.padEnd(26)} ${n(s.rows).padStart(12)} ${String(s.parts).padStart(6)} ${mb(s.bytes_on_disk).padStart(9)} ${mb(s.uncompressed).padStart(9)} ${(s.rows ? s.bytes_on_disk / s.rows : 0).toFixed(0).padStart(6)}`);
  }

  // -- Samples and ground truth (not timed)
  const samples = await samplesOf(ch, meta, sampleCount);
  let t = performance.now();
  const truth = await truthOf(ch, [...new Set(samples.map((s) => s.survivor))]);
  const truthMs = performance.now() - t;
  t = performance.now();
  const topTruthRows = await ch.query<{ survivor: string }>(
    `SELECT if(o.person_id != '', o.person_id, e.person_id) AS survivor,
            sumIf(revenue_minor, event_type = 'pos_transaction' OR (event_type = 'track' AND event_name = 'Order Completed')) AS revenue
     FROM events_raw AS e
     LEFT JOIN (SELECT old_person_id, argMax(person_id, merged_at) AS person_id FROM person_overrides WHERE tenant = {tenant:String} GROUP BY old_person_id) AS o
         ON e.person_id = o.old_person_id
     WHERE e.tenant = {tenant:String} AND e.person_id != ''
     GROUP BY survivor ORDER BY revenue DESC, survivor LIMIT 100
     SETTINGS max_memory_usage = 1200000000`,
    { tenant: TENANT },
  );
  const topTruth = { ids: topTruthRows.map((r) => r.survivor), ms: performance.now() - t };
  say(
    `\nsamples: ${samples.length} persons (ranks ${Math.min(...samples.map((s) => s.rank))}..${Math.max(...samples.map((s) => s.rank))} of ${n(meta.persons)}, log-spaced and evenly spaced), ${samples.filter((s) => s.absorbed).length} of them absorbed; ` +
      `identifiers: ${Object.entries(samples.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s.id_type]: (acc[s.id_type] ?? 0) + 1 }), {})).map(([k, v]) => `${v} ${k}`).join(', ')}`,
  );
  const sampleEvents = samples.map((s) => truth.get(s.survivor)?.events ?? 0);
  const se = spread(sampleEvents);
  say(`  events per sampled profile (survivor, from events_raw): min ${n(se.min)}, median ${n(se.p50)}, p99 ${n(se.p99)}, max ${n(se.max)}  (ground truth read in ${secs(truthMs)})`);

  const [viewRow] = await ch.query<{ c: number }>("SELECT count() AS c FROM system.tables WHERE database = {db:String} AND name = 'store_traffic_hourly'", { db: database });
  const storeView = num(viewRow?.c) > 0;

  if (values.explain) {
    const s = samples.find((x) => x.absorbed) ?? samples[0]!;
    const store = STORES[0]!;
    const day = kpiDayOf(meta);
    say('\nEXPLAIN indexes = 1, parts and granules each MergeTree read keeps (scalar subqueries not shown):');
    for (const [what, sql, params] of [
      ['profile by person id', PROFILE_BY_PERSON, { tenant: TENANT, person: s.person }],
      ['profile by identifier', PROFILE_BY_IDENTIFIER, { tenant: TENANT, id_type: s.id_type, id_value: s.id_value }],
      ['top 100 by revenue', TOP_CUSTOMERS, { tenant: TENANT }],
      ['store KPIs, one day', STORE_DAY_KPIS, { tenant: TENANT, store, day }],
      ...(storeView ? [['same day from the base tables', STORE_DAY_FROM_BASE_TABLES, { tenant: TENANT, store, day }] as const] : []),
    ] as const) {
      say(`  ${what}: ${(await explainReads(database, sql, params)).join('; ')}`);
    }
  }

  const rounds: Round[] = [];
  const first = await round(generated ? 'as inserted (right after generation)' : 'as found (reused database)', ch, database, meta, samples, truth, runs, topTruth, storeView);
  printRound(first);
  rounds.push(first);

  if (settleMinutes > 0) {
    say(`\nwaiting up to ${settleMinutes} min for background merges to go idle (no OPTIMIZE: production never forces merges)...`);
    const deadline = performance.now() + settleMinutes * 60_000;
    let idle = 0;
    let last = '';
    const t0 = performance.now();
    while (performance.now() < deadline && idle < 3) {
      await new Promise((r) => setTimeout(r, 10_000));
      const merges = await runningMerges(ch);
      const partCounts = (await tableSizes(ch)).map((s) => `${s.table}:${s.parts}`).join(',');
      idle = merges === 0 && partCounts === last ? idle + 1 : 0;
      last = partCounts;
    }
    say(`  ${idle >= 3 ? 'merges idle' : 'still merging at the deadline'} after ${secs(performance.now() - t0)}`);
    const settled = await round(idle >= 3 ? 'after background merges settled' : `after ${settleMinutes} min of background merges (not idle yet)`, ch, database, meta, samples, truth, runs, topTruth, storeView);
    printRound(settled);
    rounds.push(settled);
  }

  const final = rounds[rounds.length - 1]!;
  const finalSizes = await tableSizes(ch);
  say(`\n  whole run: ${secs(performance.now() - started)}; load average (1 min) at end: ${loadavg()[0]!.toFixed(2)}`);
  say(
    `\nreadme: ${n(num(census?.events))} events, ${n(num(census?.survivors))} profiles in ClickHouse: one profile p99 ${ms(final.profileByPerson.app.p99)} ms by person id, ${ms(final.profileByIdentifier.app.p99)} ms by identifier; ` +
      `top 100 customers by revenue ${ms(final.topCustomers.app.p50)} ms; one store's day ${ms(final.storeDay.app.p50)} ms (${final.label}; ${shortMachine()})`,
  );
  const json = {
    bench: 'views',
    database,
    machine: shortMachine(),
    clickhouse: server?.version,
    events: num(census?.events),
    personsAtIngest: num(census?.persons_at_ingest),
    absorbed: num(census?.absorbed),
    profiles: num(census?.survivors),
    generation: generated
      ? { seconds: round1(generated.meta.generation_seconds), steps: generated.steps.map((s) => ({ table: s.table, rows: s.rows, seconds: round1(s.seconds), rowsPerSecond: Math.round(s.rows / s.seconds), peakMemoryBytes: s.peakMemory })) }
      : { reused: true, generatedAt: meta.generated_at, seconds: round1(meta.generation_seconds) },
    tables: Object.fromEntries(finalSizes.map((s) => [s.table, { rows: s.rows, parts: s.parts, bytesOnDisk: s.bytes_on_disk }])),
    rounds: rounds.map((r) => ({
      label: r.label,
      mergesRunning: r.mergesRunning,
      parts: r.parts,
      profileByPersonMs: { ...roundSpread(r.profileByPerson.app), serverP50: round1(r.profileByPerson.server.p50), serverP99: round1(r.profileByPerson.server.p99), readRowsP50: r.profileByPerson.readRows.p50, peakMemoryBytes: r.profileByPerson.memoryBytes.max, mismatches: r.profileByPerson.mismatches, absorbedSampled: r.profileByPerson.absorbedSampled },
      profileByIdentifierMs: { ...roundSpread(r.profileByIdentifier.app), oneQuery: true, serverP50: round1(r.profileByIdentifier.server.p50), serverP99: round1(r.profileByIdentifier.server.p99), mismatches: r.profileByIdentifier.mismatches, twoTrips: { ...roundSpread(r.profileByIdentifierTwoTrips.app), mismatches: r.profileByIdentifierTwoTrips.mismatches } },
      topCustomersMs: { median: round1(r.topCustomers.app.p50), max: round1(r.topCustomers.app.max), serverMedian: round1(r.topCustomers.server.p50), readRows: r.topCustomers.readRows.p50, readBytes: r.topCustomers.readBytes.p50, peakMemoryBytes: r.topCustomers.memoryBytes.max, orderMismatches: r.topCustomers.mismatches },
      storeDayKpisMs: { median: round1(r.storeDay.app.p50), max: round1(r.storeDay.app.max), serverMedian: round1(r.storeDay.server.p50), readRows: r.storeDay.readRows.p50, peakMemoryBytes: r.storeDay.memoryBytes.max, store: r.storeDay.store, day: r.storeDay.day },
      ...(r.storeDayView
        ? { storeDayFromTrafficViewMs: { median: round1(r.storeDayView.app.p50), max: round1(r.storeDayView.app.max), serverMedian: round1(r.storeDayView.server.p50), readRows: r.storeDayView.readRows.p50, peakMemoryBytes: r.storeDayView.memoryBytes.max } }
        : {}),
    })),
    peakQueryMemoryBytes: Math.max(...rounds.flatMap((r) => [r.profileByPerson.memoryBytes.max, r.profileByIdentifier.memoryBytes.max, r.topCustomers.memoryBytes.max, r.storeDay.memoryBytes.max, r.storeDayView?.memoryBytes.max ?? 0]), ...(generated?.steps.map((s) => s.peakMemory) ?? [])),
  };
  say(JSON.stringify(json));
  await ch.close();
  await admin.close();
}

// Only as `pnpm bench:views`: bench/src/api.ts imports the generator.
if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
