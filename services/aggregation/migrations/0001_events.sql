-- Every event once, as it was processed. Analysts read the view `events` below, not this table.
-- ReplacingMergeTree keyed by event id: a replay (crash before the offset commit, a client that
-- re-sends) writes the same event again, and the copies collapse into one; `events` reads FINAL
-- so a copy not yet merged is never counted twice. Identical retries of one insert are dropped
-- on arrival by insert_deduplication_token (non_replicated_deduplication_window).
CREATE TABLE IF NOT EXISTS events_raw
(
    tenant           LowCardinality(String)   COMMENT 'Retailer the event belongs to',
    event_id         String                   COMMENT 'Segment messageId, or the id ingest gave the event',
    event_time       DateTime64(3, 'UTC')     COMMENT 'When it happened (client clock corrected)',
    received_time    DateTime64(3, 'UTC')     COMMENT 'When ingest accepted it',
    ingested_at      DateTime64(3, 'UTC')     COMMENT 'When aggregation wrote it; the newest copy wins',
    channel          LowCardinality(String)   COMMENT 'web, app, store',
    source           LowCardinality(String)   COMMENT 'Configured source id (web-shop, mobile-app, store-gateway)',
    event_type       LowCardinality(String)   COMMENT 'track, page, screen, identify, alias, group, pos_transaction, beacon_sighting',
    event_name       String                   COMMENT 'track event name, page/screen name',
    person_id        String                   COMMENT 'Person when processed; read the resolved one from the view events',
    anonymous_id     String,
    user_id          String,
    identifiers      Array(Tuple(type LowCardinality(String), value String)) COMMENT 'Identifiers the event carried (hashed where PII)',
    page_path        String,
    page_url         String,
    referrer         String,
    campaign_source  LowCardinality(String),
    campaign_medium  LowCardinality(String),
    campaign_name    String,
    properties       String                   COMMENT 'Segment properties as JSON text',
    traits           String                   COMMENT 'Segment traits as JSON text (PII hashed)',
    browser          LowCardinality(String)   COMMENT 'From the user agent (bowser)',
    os               LowCardinality(String),
    device_type      LowCardinality(String)   COMMENT 'desktop, mobile, tablet, tv, bot',
    store_id         LowCardinality(String),
    order_id         String                   COMMENT 'Online order id, or store receipt id',
    currency         LowCardinality(String),
    revenue_minor    Int64                    COMMENT 'Order or receipt total in minor units (cents); 0 for other events',
    items            Nested
    (
        sku              String,
        quantity         Float64,
        unit_price_minor Int64,
        total_minor      Int64,
        product_name     String,
        category         String,
        brand            String,
        in_catalogue     UInt8
    )                                         COMMENT 'Order lines or receipt lines with catalogue data',
    beacon           Tuple(uuid String, major UInt16, minor UInt16, rssi Int16) COMMENT 'Beacon sightings only'
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant, toDate(event_time), event_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- identifier -> person, the latest answer of the identity graph per identifier.
CREATE TABLE IF NOT EXISTS identities
(
    tenant      LowCardinality(String),
    id_type     LowCardinality(String)  COMMENT 'anonymous_id, user_id, loyalty_card, email_hash, phone_hash',
    id_value    String,
    person_id   String,
    first_seen  DateTime64(3, 'UTC'),
    updated_at  DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant, id_type, id_value)
SETTINGS non_replicated_deduplication_window = 10000;

-- Merges: an absorbed person and the surviving person it now belongs to (always a survivor).
CREATE TABLE IF NOT EXISTS person_overrides
(
    tenant          LowCardinality(String),
    old_person_id   String,
    person_id       String  COMMENT 'The surviving person',
    merged_at       DateTime64(3, 'UTC'),
    cause_event_id  String  COMMENT 'The event whose identifiers linked the two'
)
ENGINE = ReplacingMergeTree(merged_at)
ORDER BY (tenant, old_person_id)
SETTINGS non_replicated_deduplication_window = 10000;
