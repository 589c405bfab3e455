-- Store, product and business figures, kept current by materialized views as events land. Each
-- event id is inserted once (aggregation's gate), so the sums are exact. None of these tables
-- holds a person except store_presence (for visits), whose rows can be deleted per person.
-- Store figures are keyed by the store's wall clock (store_local_time, written as if UTC), so
-- "9 to 10" is the store's morning; an event the store directory could not place falls back to UTC.

-- Minutes a device was seen at a store: the stuff store visits are made of. One row per tenant,
-- store, day, device and minute (after background merges), from Wi-Fi observations and beacon
-- sightings.
CREATE TABLE IF NOT EXISTS store_presence
(
    tenant      LowCardinality(String),
    store_id    LowCardinality(String),
    day         Date                                          COMMENT 'Store-local day',
    device      String                                        COMMENT 'wifi:<client MAC hash> or app:<app install id>',
    minute      DateTime('UTC')                               COMMENT 'Store-local minute, written as if UTC',
    person_id   SimpleAggregateFunction(max, String)          COMMENT 'Person at ingest; empty for randomised MACs and unknown devices',
    randomized  SimpleAggregateFunction(max, UInt8)           COMMENT '1 for a randomised (locally administered) MAC',
    max_rssi    SimpleAggregateFunction(max, Int16)           COMMENT 'Strongest signal in the minute, dBm',
    zone        AggregateFunction(argMax, String, Int16)      COMMENT 'Zone of the strongest signal',
    sightings   SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, store_id, day, device, minute)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS store_presence_wifi_mv TO store_presence AS
SELECT
    tenant,
    store_id,
    toDate(ifNull(store_local_time, event_time)) AS day,
    concat('wifi:', client_mac_hash) AS device,
    toStartOfMinute(toDateTime(ifNull(store_local_time, event_time), 'UTC')) AS minute,
    -- A randomised MAC never links to a person.
    max(if(randomized_mac = 1, '', person_id)) AS person_id,
    max(randomized_mac) AS randomized,
    max(rssi) AS max_rssi,
    argMaxState(toString(zone_id), rssi) AS zone,
    count() AS sightings
FROM store_wifi_observations
WHERE store_id != ''
GROUP BY tenant, store_id, day, device, minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS store_presence_beacon_mv TO store_presence AS
SELECT
    tenant,
    store_id,
    toDate(ifNull(store_local_time, event_time)) AS day,
    concat('app:', anonymous_id) AS device,
    toStartOfMinute(toDateTime(ifNull(store_local_time, event_time), 'UTC')) AS minute,
    max(person_id) AS person_id,
    toUInt8(0) AS randomized,
    max(beacon.rssi) AS max_rssi,
    argMaxState(toString(zone_id), beacon.rssi) AS zone,
    count() AS sightings
FROM events_raw
WHERE event_type = 'beacon_sighting' AND store_id != '' AND anonymous_id != ''
GROUP BY tenant, store_id, day, device, minute;

-- The thresholds that make minutes into visits, per tenant; the row of tenant '' applies to a
-- tenant without its own. Change them with an INSERT: the views read the newest row.
CREATE TABLE IF NOT EXISTS store_visit_rules
(
    tenant             LowCardinality(String)  COMMENT 'Tenant, or empty for the default',
    open_rssi          Int16                   COMMENT 'A visit opens on a minute at least this strong (dBm)',
    hold_rssi          Int16                   COMMENT 'It stays open through minutes at least this strong (dBm): hysteresis',
    gap_minutes        UInt16                  COMMENT 'It closes after this many minutes without a minute at hold strength',
    min_dwell_minutes  UInt16                  COMMENT 'A visit this long or longer is a visitor; shorter, or never strong, is a passer-by',
    updated_at         DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY tenant;

-- Defaults: Meraki's location analytics counts a device as a visitor after 5 minutes in the store;
-- Cloud4Wi closes a visit after 15 minutes without a signal (its default visit session timeout);
-- Extreme Location classifies inside and outside with two RSSI thresholds. -70 dBm is a phone
-- inside a shop with the access point on the sales floor, -80 dBm the edge of that floor.
INSERT INTO store_visit_rules (tenant, open_rssi, hold_rssi, gap_minutes, min_dwell_minutes, updated_at)
SELECT '', -70, -80, 15, 5, toDateTime64('2026-12-01 00:00:00', 3, 'UTC')
WHERE (SELECT count() FROM store_visit_rules WHERE tenant = '') = 0;

-- Receipts per store and store-local hour.
CREATE TABLE IF NOT EXISTS store_sales_hourly
(
    tenant             LowCardinality(String),
    store_id           LowCardinality(String),
    hour               DateTime('UTC')          COMMENT 'Store-local hour, written as if UTC',
    receipts           UInt64                   COMMENT 'Sales',
    returns            UInt64,
    loyalty_receipts   UInt64                   COMMENT 'Sales with a known person (loyalty card)',
    revenue_minor      Int64                    COMMENT 'Sales minus returns, cents',
    units              Float64                  COMMENT 'Units sold minus units returned'
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant, store_id, hour)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS store_sales_hourly_mv TO store_sales_hourly AS
SELECT
    tenant,
    store_id,
    toStartOfHour(toDateTime(ifNull(store_local_time, event_time), 'UTC')) AS hour,
    countIf(amount >= 0) AS receipts,
    countIf(amount < 0) AS returns,
    countIf(amount >= 0 AND person_id != '') AS loyalty_receipts,
    sum(amount) AS revenue_minor,
    sum(if(amount < 0, -1, 1) * arraySum(items.quantity)) AS units
FROM (SELECT *, revenue_minor AS amount FROM events_raw WHERE event_type = 'pos_transaction' AND store_id != '')
GROUP BY tenant, store_id, hour;

-- People counted in and out per entrance and store-local hour (line-crossing sensors).
CREATE TABLE IF NOT EXISTS store_footfall_hourly
(
    tenant     LowCardinality(String),
    store_id   LowCardinality(String),
    entrance   LowCardinality(String)  COMMENT 'Entrance of the sensor (store directory); the sensor id when the directory does not say',
    hour       DateTime('UTC')         COMMENT 'Store-local hour in which the counting window began',
    count_in   UInt64,
    count_out  UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant, store_id, entrance, hour)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS store_footfall_hourly_mv TO store_footfall_hourly AS
SELECT
    tenant,
    store_id,
    if(entrance != '', toString(entrance), toString(sensor_id)) AS entrance,
    toStartOfHour(toDateTime(ifNull(store_local_time, event_time), 'UTC') - toIntervalSecond(period_seconds)) AS hour,
    sum(ifNull(count_in, 0)) AS count_in,
    sum(ifNull(count_out, 0)) AS count_out
FROM store_people_counts
WHERE kind = 'line_crossing'
GROUP BY tenant, store_id, entrance, hour;

-- Products per hour: views and carts online, units and revenue online and in stores.
CREATE TABLE IF NOT EXISTS product_hourly
(
    tenant                LowCardinality(String),
    hour                  DateTime('UTC')   COMMENT 'UTC hour',
    sku                   String,
    views                 UInt64            COMMENT 'Product Viewed',
    cart_adds             UInt64            COMMENT 'Product Added',
    online_orders         UInt64            COMMENT 'Order Completed lines',
    online_units          Float64,
    online_revenue_minor  Int64             COMMENT 'Line totals, cents',
    store_receipts        UInt64            COMMENT 'Receipt lines, returns negative',
    store_units           Float64,
    store_revenue_minor   Int64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant, hour, sku)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS product_hourly_mv TO product_hourly AS
SELECT
    tenant,
    toStartOfHour(toDateTime(event_time, 'UTC')) AS hour,
    line.1 AS sku,
    countIf(event_name = 'Product Viewed') AS views,
    countIf(event_name = 'Product Added') AS cart_adds,
    countIf(event_name = 'Order Completed') AS online_orders,
    sumIf(line.2, event_name = 'Order Completed') AS online_units,
    sumIf(line.3, event_name = 'Order Completed') AS online_revenue_minor,
    sumIf(if(revenue_minor < 0, -1, 1), event_type = 'pos_transaction') AS store_receipts,
    sumIf(if(revenue_minor < 0, -1, 1) * line.2, event_type = 'pos_transaction') AS store_units,
    sumIf(if(revenue_minor < 0, -1, 1) * line.3, event_type = 'pos_transaction') AS store_revenue_minor
FROM events_raw
ARRAY JOIN arrayZip(items.sku, items.quantity, items.total_minor) AS line
WHERE (event_type = 'track' AND event_name IN ('Product Viewed', 'Product Added', 'Order Completed')) OR event_type = 'pos_transaction'
GROUP BY tenant, hour, sku;

-- Searches per day and query (Segment's Products Searched: properties.query). A search whose
-- properties say how many results it found (results, result_count or total_results) and say 0
-- is a zero-result search; one that does not say is not counted as either.
CREATE TABLE IF NOT EXISTS search_daily
(
    tenant        LowCardinality(String),
    day           Date,
    query         String    COMMENT 'Lower case, spaces trimmed and collapsed',
    searches      UInt64,
    zero_results  UInt64,
    with_results  UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, day, query)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS search_daily_mv TO search_daily AS
SELECT
    tenant,
    toDate(event_time) AS day,
    lower(trimBoth(replaceRegexpAll(JSONExtractString(properties, 'query'), '\\s+', ' '))) AS query,
    count() AS searches,
    countIf(results = 0) AS zero_results,
    countIf(results > 0) AS with_results
FROM
(
    SELECT tenant, event_time, properties,
           coalesce(JSONExtract(properties, 'results', 'Nullable(Float64)'), JSONExtract(properties, 'result_count', 'Nullable(Float64)'), JSONExtract(properties, 'total_results', 'Nullable(Float64)')) AS results
    FROM events_raw
    WHERE event_type = 'track' AND event_name = 'Products Searched'
)
GROUP BY tenant, day, query;

-- Sales per day and channel: digital share of sales is web and app over all.
CREATE TABLE IF NOT EXISTS sales_daily
(
    tenant         LowCardinality(String),
    day            Date               COMMENT 'UTC day',
    channel        LowCardinality(String),
    currency       LowCardinality(String),
    orders         SimpleAggregateFunction(sum, UInt64) COMMENT 'Online orders and store sales receipts',
    returns        SimpleAggregateFunction(sum, UInt64) COMMENT 'Store return receipts',
    revenue_minor  SimpleAggregateFunction(sum, Int64)  COMMENT 'Cents, net of returns',
    customers      AggregateFunction(uniqExact, String) COMMENT 'Persons at ingest who bought: uniqExactMerge'
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, day, channel, currency)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS sales_daily_mv TO sales_daily AS
SELECT
    tenant,
    toDate(event_time) AS day,
    channel,
    currency,
    countIf(amount >= 0) AS orders,
    countIf(amount < 0) AS returns,
    sum(amount) AS revenue_minor,
    uniqExactIfState(person_id, person_id != '') AS customers
FROM (SELECT *, revenue_minor AS amount FROM events_raw WHERE (event_type = 'track' AND event_name = 'Order Completed') OR event_type = 'pos_transaction')
GROUP BY tenant, day, channel, currency;

-- Page-load times where the shop sends them: a page event's properties.load_time_ms.
CREATE TABLE IF NOT EXISTS page_load_hourly
(
    tenant     LowCardinality(String),
    hour       DateTime('UTC'),
    page_path  String,
    loads      SimpleAggregateFunction(sum, UInt64),
    load_ms    AggregateFunction(quantiles(0.5, 0.9, 0.99), Float64) COMMENT 'quantilesMerge(0.5, 0.9, 0.99)(load_ms)'
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant, hour, page_path)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS page_load_hourly_mv TO page_load_hourly AS
SELECT
    tenant,
    toStartOfHour(toDateTime(event_time, 'UTC')) AS hour,
    page_path,
    count() AS loads,
    quantilesState(0.5, 0.9, 0.99)(assumeNotNull(load)) AS load_ms
FROM
(
    SELECT tenant, event_time, page_path, JSONExtract(properties, 'load_time_ms', 'Nullable(Float64)') AS load
    FROM events_raw
    WHERE event_type = 'page'
)
WHERE load IS NOT NULL AND load >= 0
GROUP BY tenant, hour, page_path;
