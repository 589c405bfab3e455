-- What enrichment adds to every event, each group with its source and version (lineage), and
-- what it looked for and did not find.
ALTER TABLE events_raw
    ADD COLUMN IF NOT EXISTS is_bot UInt8 DEFAULT 0 COMMENT 'A crawler, monitor or headless browser (isbot pattern list)' AFTER device_type,
    ADD COLUMN IF NOT EXISTS geo_country LowCardinality(String) DEFAULT '' COMMENT 'ISO country of the truncated client IP (offline DB-IP database)' AFTER is_bot,
    ADD COLUMN IF NOT EXISTS geo_region LowCardinality(String) DEFAULT '' AFTER geo_country,
    ADD COLUMN IF NOT EXISTS geo_city LowCardinality(String) DEFAULT '' AFTER geo_region,
    ADD COLUMN IF NOT EXISTS campaign_term String DEFAULT '' AFTER campaign_name,
    ADD COLUMN IF NOT EXISTS campaign_content String DEFAULT '' AFTER campaign_term,
    ADD COLUMN IF NOT EXISTS click_id_type LowCardinality(String) DEFAULT '' COMMENT 'gclid, fbclid, msclkid, ... from the page URL' AFTER campaign_content,
    ADD COLUMN IF NOT EXISTS click_id String DEFAULT '' AFTER click_id_type,
    ADD COLUMN IF NOT EXISTS referrer_host LowCardinality(String) DEFAULT '' AFTER click_id,
    ADD COLUMN IF NOT EXISTS marketing_medium LowCardinality(String) DEFAULT '' COMMENT 'Classified: paid, email, social, search, referral, internal, direct' AFTER referrer_host,
    ADD COLUMN IF NOT EXISTS zone_id LowCardinality(String) DEFAULT '' COMMENT 'Store zone of a beacon sighting (store directory)' AFTER store_id,
    ADD COLUMN IF NOT EXISTS store_local_time Nullable(DateTime64(3, 'UTC')) COMMENT 'Store events: the time on the store''s wall clock (its time zone), written as if UTC' AFTER zone_id,
    ADD COLUMN IF NOT EXISTS enrichment_sources Map(LowCardinality(String), String) COMMENT 'Enrichment group (device, geo, campaign, store, catalogue) -> source and version',
    ADD COLUMN IF NOT EXISTS enrichment_missing Array(LowCardinality(String)) COMMENT 'Reference data looked for and not found: catalogue, store_directory, geo';

-- Store Wi-Fi access points' observations of client devices, placed in store and zone. Anonymous
-- (randomised MAC) devices included: they count as visitors and passersby, never as persons.
-- Copies of an event (a replay) share the sort key and collapse; read with FINAL.
CREATE TABLE IF NOT EXISTS store_wifi_observations
(
    tenant              LowCardinality(String),
    event_id            String,
    event_time          DateTime64(3, 'UTC'),
    received_time       DateTime64(3, 'UTC'),
    ingested_at         DateTime64(3, 'UTC')   COMMENT 'When aggregation wrote it; the newest copy wins',
    source              LowCardinality(String) COMMENT 'Configured source (store gateway, Meraki receiver)',
    store_id            LowCardinality(String),
    zone_id             LowCardinality(String) COMMENT 'Zone of the observing access point; empty when unknown',
    store_local_time    Nullable(DateTime64(3, 'UTC')) COMMENT 'The store''s wall clock, written as if UTC; null when the directory does not know the access point',
    in_directory        UInt8                  COMMENT '1 when the store directory placed the access point',
    ap_mac              LowCardinality(String),
    client_mac_hash     String                 COMMENT 'HMAC of the client MAC; never the MAC',
    randomized_mac      UInt8                  COMMENT 'Locally administered MAC: an anonymous visitor, never linked to a person',
    rssi                Int16                  COMMENT 'dBm',
    ssid                String,
    manufacturer        LowCardinality(String),
    os                  LowCardinality(String),
    person_id           String                 COMMENT 'Person at ingest (logged-in devices); resolve through person_overrides',
    enrichment_sources  Map(LowCardinality(String), String),
    INDEX store_idx store_id TYPE set(1000) GRANULARITY 4
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant, toDate(event_time), event_id)
SETTINGS non_replicated_deduplication_window = 10000
COMMENT 'Wi-Fi observations of client devices by store access points: read with FINAL';

-- People-counting sensors (line crossings at entrances, zone occupancy, queues): counts only,
-- no person. Read with FINAL.
CREATE TABLE IF NOT EXISTS store_people_counts
(
    tenant              LowCardinality(String),
    event_id            String,
    event_time          DateTime64(3, 'UTC')   COMMENT 'End of the counting window',
    received_time       DateTime64(3, 'UTC'),
    ingested_at         DateTime64(3, 'UTC'),
    source              LowCardinality(String),
    store_id            LowCardinality(String),
    sensor_id           LowCardinality(String),
    entrance            LowCardinality(String) COMMENT 'Entrance the sensor counts (store directory); empty for zone sensors',
    zone_id             LowCardinality(String),
    store_local_time    Nullable(DateTime64(3, 'UTC')) COMMENT 'The store''s wall clock, written as if UTC; null when the directory does not know the sensor',
    in_directory        UInt8,
    kind                LowCardinality(String) COMMENT 'line_crossing, zone_occupancy, queue_length',
    period_seconds      UInt32                 COMMENT 'Length of the counting window ending at event_time; 0 for a snapshot',
    count_in            Nullable(UInt32),
    count_out           Nullable(UInt32),
    occupancy           Nullable(UInt32),
    queue_length        Nullable(UInt32),
    enrichment_sources  Map(LowCardinality(String), String),
    INDEX store_idx store_id TYPE set(1000) GRANULARITY 4
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant, toDate(event_time), event_id)
SETTINGS non_replicated_deduplication_window = 10000
COMMENT 'People-counting sensor readings: read with FINAL';

-- Reference data as analysts see it: one row per key, the loader's latest version. A row absent
-- from a newer version arrives as a tombstone (is_deleted = 1). Read with FINAL, which leaves
-- deleted rows out.
CREATE TABLE IF NOT EXISTS ref_products
(
    tenant          LowCardinality(String),
    sku             String,
    name            String,
    category        String                 COMMENT 'Category path as text: Shoes > Outdoor',
    category_path   Array(String),
    brand           LowCardinality(String),
    price_minor     Nullable(Int64),
    currency        LowCardinality(String),
    margin_rate     Nullable(Float64)      COMMENT 'Gross margin share of the net price, 0..1',
    source_name     String,
    source_version  String,
    loaded_at       DateTime64(3, 'UTC'),
    is_deleted      UInt8
)
ENGINE = ReplacingMergeTree(loaded_at, is_deleted)
ORDER BY (tenant, sku)
SETTINGS non_replicated_deduplication_window = 10000
COMMENT 'Product catalogue (reference.products.v2): read with FINAL';

CREATE TABLE IF NOT EXISTS ref_stores
(
    tenant          LowCardinality(String),
    store_id        String,
    name            String,
    city            String,
    postal_code     String,
    country_code    LowCardinality(String),
    latitude        Nullable(Float64),
    longitude       Nullable(Float64),
    time_zone       LowCardinality(String),
    opening_hours   Array(Tuple(day_of_week UInt8, opens String, closes String)),
    zones           Array(Tuple(zone_id String, name String, kind String)),
    beacons         Array(Tuple(uuid String, major UInt16, minor UInt16, zone_id String)),
    access_points   Array(Tuple(mac String, zone_id String)),
    sensors         Array(Tuple(sensor_id String, entrance String, zone_id String)),
    source_name     String,
    source_version  String,
    loaded_at       DateTime64(3, 'UTC'),
    is_deleted      UInt8
)
ENGINE = ReplacingMergeTree(loaded_at, is_deleted)
ORDER BY (tenant, store_id)
SETTINGS non_replicated_deduplication_window = 10000
COMMENT 'Store directory (reference.stores.v1): read with FINAL';

CREATE TABLE IF NOT EXISTS ref_partner_segments
(
    tenant          LowCardinality(String),
    id_type         LowCardinality(String) COMMENT 'email_hash or phone_hash, hashed exactly as ingest hashes',
    id_value        String,
    partner         LowCardinality(String),
    segments        Array(String),
    source_name     String,
    source_version  String,
    loaded_at       DateTime64(3, 'UTC'),
    is_deleted      UInt8
)
ENGINE = ReplacingMergeTree(loaded_at, is_deleted)
ORDER BY (tenant, id_type, id_value, partner)
SETTINGS non_replicated_deduplication_window = 10000
COMMENT 'Partner segments by hashed identifier (reference.partner-segments.v1): read with FINAL';

CREATE TABLE IF NOT EXISTS ref_area_demographics
(
    country_code      LowCardinality(String),
    postal_code       String,
    area_name         String,
    municipality      String,
    population        UInt32,
    median_age        Nullable(Float64),
    age_shares        Map(String, Float64) COMMENT 'Age band -> share of the population',
    median_income     Nullable(Int64)      COMMENT 'Median disposable income, EUR per year',
    households        Nullable(UInt32),
    household_shares  Map(String, Float64) COMMENT 'Household type -> share of households',
    statistics_year   Nullable(UInt16),
    source_name       String,
    source_version    String,
    loaded_at         DateTime64(3, 'UTC'),
    is_deleted        UInt8
)
ENGINE = ReplacingMergeTree(loaded_at, is_deleted)
ORDER BY (country_code, postal_code)
SETTINGS non_replicated_deduplication_window = 10000
COMMENT 'Open demographics by postal-code area (reference.area-demographics.v1): read with FINAL';
