-- Links the identity graph refused (a rule would break, e.g. two user ids in one person: a shared
-- kiosk or family computer). The events still land, attributed without the bad link; this table
-- says which persons were kept apart, by which rule, and which event tried to join them.
-- The conflict id is deterministic (tenant, rule, the two persons) and identity publishes a
-- conflict again after a restart, so copies share the sort key (tenant, conflict_id) and collapse
-- into one; the latest detection wins, whatever order the copies arrive in. No partitioning:
-- ReplacingMergeTree only collapses copies inside one partition, and a re-detection can come
-- months later. Read it with FINAL so a copy not yet merged is never counted twice:
--   SELECT rule, count() FROM identity_conflicts FINAL WHERE tenant = 'demo' GROUP BY rule;
-- person_id and other_person_id are as at detection; resolve them to survivors through
-- person_overrides (argMax(person_id, merged_at)) like the view `events` does.
CREATE TABLE IF NOT EXISTS identity_conflicts
(
    tenant           LowCardinality(String)   COMMENT 'Retailer the conflict belongs to',
    conflict_id      String                   COMMENT 'Deterministic from tenant, rule and the two persons; the same conflict keeps its id',
    rule             LowCardinality(String)   COMMENT 'Rule the link would have broken (identity.limit_exceeded, ...)',
    reason           String                   COMMENT 'Human-readable: identifier type, the count of each person and the limit',
    event_id         String                   COMMENT 'Event whose identifiers would have made the link (latest detection)',
    event_time       DateTime64(3, 'UTC')     COMMENT 'When that event happened',
    identifiers      Array(Tuple(type LowCardinality(String), value String)) COMMENT 'All identifiers of the link (hashed where PII)',
    refused          Tuple(type LowCardinality(String), value String) COMMENT 'The identifier whose person could not join',
    person_id        String                   COMMENT 'Person the link was being built into (at detection)',
    other_person_id  String                   COMMENT 'Person that could not join it (at detection)',
    detected_at      DateTime64(3, 'UTC')     COMMENT 'When the graph refused the link; the latest detection wins',
    ingested_at      DateTime64(3, 'UTC')     COMMENT 'When aggregation wrote it'
)
ENGINE = ReplacingMergeTree(detected_at)
ORDER BY (tenant, conflict_id)
SETTINGS non_replicated_deduplication_window = 10000
COMMENT 'Links the identity graph refused, one row per conflict_id: read with FINAL';
