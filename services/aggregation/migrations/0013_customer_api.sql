-- What the customer API reads by person: a person's events newest first (timeline), the products a
-- person bought (recommendations) and their purchases per day (rule segments). Like every table
-- per person they are kept per person *at ingest*; the API knows a survivor's merged persons and
-- reads them all by key, so a merge shows at once and erasure can delete one person's rows.
-- Each table is filled from the events stored before it, then its view keeps it current: the
-- aggregation service migrates before it consumes, so no event falls between the two. A backfill
-- runs only while its table is empty: sums would double if a crash made the migration run again.

-- One row per event of a known person, ordered by person and time: a timeline page reads a few
-- granules of each merged person instead of every day of events_raw. The event-id gate stores
-- each event once; read with LIMIT 1 BY event_id all the same, for a copy not yet merged away.
CREATE TABLE IF NOT EXISTS person_timeline
(
    tenant         LowCardinality(String),
    person_id      String                  COMMENT 'Person at ingest; resolve through person_overrides',
    event_time     DateTime64(3, 'UTC'),
    event_id       String,
    channel        LowCardinality(String)  COMMENT 'web, app, store',
    source         LowCardinality(String),
    event_type     LowCardinality(String),
    event_name     String,
    session_id     String,
    page_path      String,
    store_id       LowCardinality(String),
    order_id       String,
    currency       LowCardinality(String),
    revenue_minor  Int64,
    skus           Array(String)           COMMENT 'Skus of the order, receipt or product event',
    ingested_at    DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY (tenant, person_id, event_time, event_id)
SETTINGS non_replicated_deduplication_window = 10000, index_granularity = 1024;

INSERT INTO person_timeline
SELECT tenant, person_id, event_time, event_id, channel, source, event_type, event_name, session_id, page_path, store_id,
       order_id, currency, revenue_minor, items.sku AS skus, ingested_at
FROM events_raw FINAL
WHERE person_id != '' AND (SELECT count() FROM person_timeline) = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS person_timeline_mv TO person_timeline AS
SELECT tenant, person_id, event_time, event_id, channel, source, event_type, event_name, session_id, page_path, store_id,
       order_id, currency, revenue_minor, items.sku AS skus, ingested_at
FROM events_raw
WHERE person_id != '';

-- What each person bought, per product: online orders and store sales alike (returns are not
-- purchases). Recommendations read one person's rows; the lift model reads every person's.
CREATE TABLE IF NOT EXISTS person_products
(
    tenant        LowCardinality(String),
    person_id     String                                               COMMENT 'Person at ingest; resolve through person_overrides',
    sku           String,
    purchases     SimpleAggregateFunction(sum, UInt64)                 COMMENT 'Orders and receipts with the product',
    units         SimpleAggregateFunction(sum, Float64),
    first_bought  SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_bought   SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (tenant, person_id, sku)
SETTINGS non_replicated_deduplication_window = 10000, index_granularity = 256;

INSERT INTO person_products
SELECT tenant, person_id, line.1 AS sku, count() AS purchases, sum(line.2) AS units, min(event_time) AS first_bought, max(event_time) AS last_bought
FROM events_raw FINAL
ARRAY JOIN arrayZip(items.sku, items.quantity) AS line
WHERE person_id != '' AND line.1 != ''
  AND ((event_type = 'track' AND event_name = 'Order Completed') OR (event_type = 'pos_transaction' AND event_name != 'return'))
  AND (SELECT count() FROM person_products) = 0
GROUP BY tenant, person_id, sku;

CREATE MATERIALIZED VIEW IF NOT EXISTS person_products_mv TO person_products AS
SELECT tenant, person_id, line.1 AS sku, count() AS purchases, sum(line.2) AS units, min(event_time) AS first_bought, max(event_time) AS last_bought
FROM events_raw
ARRAY JOIN arrayZip(items.sku, items.quantity) AS line
WHERE person_id != '' AND line.1 != ''
  AND ((event_type = 'track' AND event_name = 'Order Completed') OR (event_type = 'pos_transaction' AND event_name != 'return'))
GROUP BY tenant, person_id, sku;

-- Each person's purchases and carts per day: rule segments ("bought in store and online in the
-- last 30 days") read days, not events.
CREATE TABLE IF NOT EXISTS person_daily
(
    tenant                LowCardinality(String),
    day                   Date                                   COMMENT 'UTC day of the event',
    person_id             String                                 COMMENT 'Person at ingest; resolve through person_overrides',
    online_orders         SimpleAggregateFunction(sum, UInt64),
    online_revenue_minor  SimpleAggregateFunction(sum, Int64),
    store_receipts        SimpleAggregateFunction(sum, UInt64)   COMMENT 'Sales, returns not counted',
    store_revenue_minor   SimpleAggregateFunction(sum, Int64)    COMMENT 'Sales and returns',
    cart_adds             SimpleAggregateFunction(sum, UInt64),
    store_visits          SimpleAggregateFunction(sum, UInt64)   COMMENT 'Beacon sightings',
    events                SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, day, person_id)
SETTINGS non_replicated_deduplication_window = 10000;

INSERT INTO person_daily
SELECT tenant, toDate(event_time) AS day, person_id,
       countIf(event_type = 'track' AND event_name = 'Order Completed') AS online_orders,
       sumIf(revenue_minor, event_type = 'track' AND event_name = 'Order Completed') AS online_revenue_minor,
       countIf(event_type = 'pos_transaction' AND event_name != 'return') AS store_receipts,
       sumIf(revenue_minor, event_type = 'pos_transaction') AS store_revenue_minor,
       countIf(event_type = 'track' AND event_name = 'Product Added') AS cart_adds,
       countIf(event_type = 'beacon_sighting') AS store_visits,
       count() AS events
FROM events_raw FINAL
WHERE person_id != '' AND (SELECT count() FROM person_daily) = 0
GROUP BY tenant, day, person_id;


CREATE MATERIALIZED VIEW IF NOT EXISTS person_daily_mv TO person_daily AS
SELECT tenant, toDate(event_time) AS day, person_id,
       countIf(event_type = 'track' AND event_name = 'Order Completed') AS online_orders,
       sumIf(revenue_minor, event_type = 'track' AND event_name = 'Order Completed') AS online_revenue_minor,
       countIf(event_type = 'pos_transaction' AND event_name != 'return') AS store_receipts,
       sumIf(revenue_minor, event_type = 'pos_transaction') AS store_revenue_minor,
       countIf(event_type = 'track' AND event_name = 'Product Added') AS cart_adds,
       countIf(event_type = 'beacon_sighting') AS store_visits,
       count() AS events
FROM events_raw
WHERE person_id != ''
GROUP BY tenant, day, person_id;