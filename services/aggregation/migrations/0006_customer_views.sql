-- Derived state kept current by materialized views as events land. Aggregation's event-id gate
-- inserts each event id once (copies are dropped before ClickHouse), and a repeated insert block
-- is dropped by its token in every view's target too, so sums and counts here are exact.
-- Everything per person is kept per person *at ingest* and resolved to the surviving person at
-- read time through person_overrides: a merge (or an undone merge) changes what the views show at
-- once, and one person's rows can be deleted (erasure).

-- Web and app sessions: aggregation assigns each page, screen and track event to a session of its
-- device (anonymous id) in arrival order; 30 minutes without an event closes one
-- (AGGREGATION_SESSION_TIMEOUT_MINUTES). The id is the event id of the session's first event.
ALTER TABLE events_raw
    ADD COLUMN IF NOT EXISTS session_id String COMMENT 'Web or app session (the event id of its first event); empty for store, identify, alias and group events',
    ADD COLUMN IF NOT EXISTS session_started_at Nullable(DateTime64(3, 'UTC')) COMMENT 'Event time of the session''s first event as assigned; its day keys the session';

-- One row per person at ingest (after merges in the background): read through the views
-- customer_profiles (every person) and customer_profile(tenant, person_id) (one person).
-- Small granules (256 rows): one profile reads a few of its rows' aggregate states per part, not
-- 8,192 other persons' (measured at 10 million events: 105 -> about 40 ms a profile).
CREATE TABLE IF NOT EXISTS person_activity
(
    tenant                LowCardinality(String),
    person_id             String                                                   COMMENT 'Person at ingest; resolve through person_overrides',
    first_seen            SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_seen             SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    channels              SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    events                SimpleAggregateFunction(sum, UInt64),
    page_views            SimpleAggregateFunction(sum, UInt64)                     COMMENT 'Web page events',
    screen_views          SimpleAggregateFunction(sum, UInt64)                     COMMENT 'App screen events',
    sessions              AggregateFunction(uniqExact, String)                     COMMENT 'Session ids',
    store_days            AggregateFunction(uniqExact, String, Date)               COMMENT 'Store and day pairs with a beacon sighting or a receipt',
    online_orders         SimpleAggregateFunction(sum, UInt64),
    online_revenue_minor  SimpleAggregateFunction(sum, Int64),
    store_receipts        SimpleAggregateFunction(sum, UInt64)                     COMMENT 'Receipts, returns included',
    store_revenue_minor   SimpleAggregateFunction(sum, Int64),
    last_viewed           AggregateFunction(groupArraySorted(10), Tuple(Int64, String)) COMMENT '(-event time in ms, sku) of Product Viewed: the 10 newest',
    last_carted           AggregateFunction(groupArraySorted(10), Tuple(Int64, String)) COMMENT '(-event time in ms, sku) of Product Added: the 10 newest',
    category_lines        SimpleAggregateFunction(sumMap, Tuple(Array(String), Array(UInt64))) COMMENT 'Lines viewed, carted, ordered or bought per category',
    home_area             AggregateFunction(argMax, Tuple(String, String), DateTime64(3, 'UTC')) COMMENT '(country, postal code) of the newest identify traits with an address.postalCode'
)
ENGINE = AggregatingMergeTree
ORDER BY (tenant, person_id)
SETTINGS non_replicated_deduplication_window = 10000, index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS person_activity_mv TO person_activity AS
SELECT
    tenant,
    person_id,
    min(event_time) AS first_seen,
    max(event_time) AS last_seen,
    groupUniqArray(toString(channel)) AS channels,
    count() AS events,
    countIf(event_type = 'page') AS page_views,
    countIf(event_type = 'screen') AS screen_views,
    uniqExactIfState(session_id, session_id != '') AS sessions,
    uniqExactIfState(toString(store_id), toDate(event_time), event_type IN ('beacon_sighting', 'pos_transaction') AND store_id != '') AS store_days,
    countIf(event_type = 'track' AND event_name = 'Order Completed') AS online_orders,
    sumIf(revenue_minor, event_type = 'track' AND event_name = 'Order Completed') AS online_revenue_minor,
    countIf(event_type = 'pos_transaction') AS store_receipts,
    sumIf(revenue_minor, event_type = 'pos_transaction') AS store_revenue_minor,
    groupArraySortedIfState(10)((-toUnixTimestamp64Milli(event_time), items.sku[1]), event_name = 'Product Viewed' AND notEmpty(items.sku)) AS last_viewed,
    groupArraySortedIfState(10)((-toUnixTimestamp64Milli(event_time), items.sku[1]), event_name = 'Product Added' AND notEmpty(items.sku)) AS last_carted,
    sumMap(arrayFilter(c -> c != '', items.category), arrayMap(c -> toUInt64(1), arrayFilter(c -> c != '', items.category))) AS category_lines,
    -- The country is the traits' two-letter address.country, else FI (the demo tenant's country).
    argMaxIfState(
        (if(match(upper(JSONExtractString(traits, 'address', 'country')), '^[A-Z]{2}$'), upper(JSONExtractString(traits, 'address', 'country')), 'FI'),
         JSONExtractString(traits, 'address', 'postalCode')),
        event_time,
        event_type = 'identify' AND JSONExtractString(traits, 'address', 'postalCode') != '') AS home_area
FROM events_raw
WHERE person_id != ''
GROUP BY tenant, person_id;

-- person_overrides turned around: which persons were absorbed into a survivor. A row stays when
-- the absorbed person later moves on (a survivor absorbed in turn); readers keep only the rows
-- whose latest override still points at the survivor.
CREATE TABLE IF NOT EXISTS person_merged_from
(
    tenant         LowCardinality(String),
    person_id      String                  COMMENT 'The surviving person',
    old_person_id  String                  COMMENT 'A person absorbed into it',
    merged_at      DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(merged_at)
ORDER BY (tenant, person_id, old_person_id)
SETTINGS non_replicated_deduplication_window = 10000, index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS person_merged_from_mv TO person_merged_from AS
SELECT tenant, person_id, old_person_id, merged_at FROM person_overrides;

-- identities turned around: a person's identifiers, read by person. A merge republishes the
-- absorbed person's identifiers with the survivor, so a survivor's rows hold them all.
CREATE TABLE IF NOT EXISTS person_identifiers
(
    tenant      LowCardinality(String),
    person_id   String,
    id_type     LowCardinality(String),
    id_value    String,
    first_seen  DateTime64(3, 'UTC'),
    updated_at  DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant, person_id, id_type, id_value)
SETTINGS non_replicated_deduplication_window = 10000, index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS person_identifiers_mv TO person_identifiers AS
SELECT tenant, person_id, id_type, id_value, first_seen, updated_at FROM identities;

-- One row per session (after merges in the background): read through the view `sessions`.
CREATE TABLE IF NOT EXISTS session_activity
(
    tenant            LowCardinality(String),
    session_date      Date                                                      COMMENT 'Day of session_started_at',
    session_id        String,
    anonymous_id      SimpleAggregateFunction(any, String),
    channel           SimpleAggregateFunction(any, String),
    started_at        SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    ended_at          SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    person_id         AggregateFunction(argMax, String, DateTime64(3, 'UTC'))   COMMENT 'Person at ingest of the newest event',
    events            SimpleAggregateFunction(sum, UInt64),
    page_views        SimpleAggregateFunction(sum, UInt64),
    landing_page      AggregateFunction(argMin, String, DateTime64(3, 'UTC'))   COMMENT 'Path of the first page or screen',
    landing_url       AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
    referrer_host     AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
    marketing_medium  AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
    campaign_source   AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
    campaign_medium   AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
    campaign_name     AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
    device_type       AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
    browser           AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
    os                AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
    geo_country       AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
    is_bot            SimpleAggregateFunction(max, UInt8),
    product_views     SimpleAggregateFunction(sum, UInt64),
    cart_adds         SimpleAggregateFunction(sum, UInt64),
    checkouts         SimpleAggregateFunction(sum, UInt64),
    orders            SimpleAggregateFunction(sum, UInt64),
    revenue_minor     SimpleAggregateFunction(sum, Int64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(session_date)
ORDER BY (tenant, session_date, session_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS session_activity_mv TO session_activity AS
SELECT
    tenant,
    toDate(assumeNotNull(session_started_at)) AS session_date,
    session_id,
    any(anonymous_id) AS anonymous_id,
    any(toString(channel)) AS channel,
    min(event_time) AS started_at,
    max(event_time) AS ended_at,
    argMaxState(person_id, event_time) AS person_id,
    count() AS events,
    countIf(event_type IN ('page', 'screen')) AS page_views,
    argMinIfState(page_path, event_time, event_type IN ('page', 'screen')) AS landing_page,
    argMinIfState(page_url, event_time, event_type IN ('page', 'screen')) AS landing_url,
    argMinState(toString(referrer_host), event_time) AS referrer_host,
    argMinState(toString(marketing_medium), event_time) AS marketing_medium,
    argMinState(toString(campaign_source), event_time) AS campaign_source,
    argMinState(toString(campaign_medium), event_time) AS campaign_medium,
    argMinState(campaign_name, event_time) AS campaign_name,
    argMinState(toString(device_type), event_time) AS device_type,
    argMinState(toString(browser), event_time) AS browser,
    argMinState(toString(os), event_time) AS os,
    argMinState(toString(geo_country), event_time) AS geo_country,
    max(is_bot) AS is_bot,
    countIf(event_name = 'Product Viewed') AS product_views,
    countIf(event_name = 'Product Added') AS cart_adds,
    countIf(event_name = 'Checkout Started') AS checkouts,
    countIf(event_type = 'track' AND event_name = 'Order Completed') AS orders,
    sumIf(revenue_minor, event_type = 'track' AND event_name = 'Order Completed') AS revenue_minor
FROM events_raw
WHERE session_id != ''
GROUP BY tenant, session_date, session_id;
