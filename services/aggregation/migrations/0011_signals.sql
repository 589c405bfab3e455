-- Real-time signals (aggregation.signals.v1) for analysts: what applications were told, when, and
-- why. The signals processor publishes each signal once per occasion under a deterministic
-- signal_id; the sink lands the topic here. A batch inserted again is dropped by its token, a copy
-- from another batch shares (tenant, signal_id) and its occurred_at (so its partition), and
-- ReplacingMergeTree keeps one: read with FINAL.
CREATE TABLE IF NOT EXISTS signals
(
    tenant            LowCardinality(String),
    signal_id         String                                           COMMENT 'Deterministic from kind, tenant, person and the triggering event',
    kind              LowCardinality(String)                           COMMENT 'cart_abandoned, known_customer_entered_store, first_purchase, store_visit_after_browsing',
    person_id         String                                           COMMENT 'Person at ingest; resolve through person_overrides',
    fired_at          DateTime64(3, 'UTC')                             COMMENT 'When aggregation emitted the signal',
    occurred_at       DateTime64(3, 'UTC')                             COMMENT 'Event time of the triggering event',
    source_event_ids  Array(String)                                    COMMENT 'The events it came from, the triggering one first',
    channel           LowCardinality(String)                           COMMENT 'web, app or store: where the triggering event came from',
    store_id          LowCardinality(String)                           COMMENT 'Store signals and store purchases; empty otherwise',
    store_name        String                                           COMMENT 'From the store directory; empty when unknown',
    skus              Array(String)                                    COMMENT 'Cart, purchase or browsed skus',
    segments          Array(Tuple(partner String, segment String))     COMMENT 'Partner segments when a store signal fired',
    value_minor       Nullable(Int64)                                  COMMENT 'Cart value or purchase total, minor units of currency',
    currency          LowCardinality(String),
    order_id          String                                           COMMENT 'First purchase: order id or receipt id',
    ingested_at       DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant, signal_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- Each person's earliest purchase (an online order or a store receipt, returns included: something
-- was bought), for the signals processor's "did this person buy before this event?". A question
-- by time and event id has the same answer whether or not the sink has stored this event, or a
-- later one, already: the sink and the processor read the same topic at their own pace.
CREATE TABLE IF NOT EXISTS person_first_purchase
(
    tenant          LowCardinality(String),
    person_id       String                                                                      COMMENT 'Person at ingest; resolve through person_overrides',
    first_purchase  SimpleAggregateFunction(min, Tuple(time DateTime64(3, 'UTC'), event_id String)) COMMENT 'Event time and id of the earliest purchase'
)
ENGINE = AggregatingMergeTree
ORDER BY (tenant, person_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS person_first_purchase_mv TO person_first_purchase AS
SELECT tenant, person_id, min((event_time, event_id)) AS first_purchase
FROM events_raw
WHERE person_id != '' AND (event_type = 'pos_transaction' OR (event_type = 'track' AND event_name = 'Order Completed'))
GROUP BY tenant, person_id;

-- The purchases stored before this migration. A minimum is the same however often a row comes,
-- so running it again (a crash mid-migration) or beside the view's own rows changes nothing.
INSERT INTO person_first_purchase (tenant, person_id, first_purchase)
SELECT tenant, person_id, min((event_time, event_id))
FROM events_raw
WHERE person_id != '' AND (event_type = 'pos_transaction' OR (event_type = 'track' AND event_name = 'Order Completed'))
GROUP BY tenant, person_id;
