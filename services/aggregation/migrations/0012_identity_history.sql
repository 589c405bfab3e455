-- The identity history (identity.history.v1): one row per link the graph writer applied that
-- saw an identifier first, joined persons or was refused, with the event that caused it. What
-- the API's "why are these identifiers one person" reads; person_overrides keeps only the latest
-- merge per absorbed person, and identity.links.v1 expires with the broker's retention.
-- The entry id is deterministic (tenant, event id, the link's identifiers): a link published again
-- after a crash shares (tenant, entry_id) and ReplacingMergeTree keeps one: read with FINAL.
-- No TTL and no partitioning: kept for as long as the person exists; privacy work deletes by person.
CREATE TABLE IF NOT EXISTS identity_history
(
    tenant          LowCardinality(String)                                   COMMENT 'Retailer the link belongs to',
    entry_id        String                                                   COMMENT 'Deterministic from tenant, event id and the link''s identifiers',
    event_id        String                                                   COMMENT 'Event whose identifiers made the link',
    event_time      DateTime64(3, 'UTC')                                     COMMENT 'When that event happened; first-seen identifiers are dated by it',
    applied_at      DateTime64(3, 'UTC')                                     COMMENT 'When the graph writer applied the link',
    history_offset  UInt64                                                   COMMENT 'Offset in identity.history.v1, one partition per tenant: the order links were applied in, within a millisecond too',
    identifiers     Array(Tuple(type LowCardinality(String), value String))  COMMENT 'The link''s identifiers as the graph typed them, strongest first',
    person_id       String                                                   COMMENT 'Person of the link''s strongest identifier after the link',
    first_seen      Array(Tuple(type LowCardinality(String), value String))  COMMENT 'Identifiers seen for the first time in this link',
    joins           Array(Tuple(
                        survivor_person_id String,
                        absorbed_person_id String,
                        identifiers Array(Tuple(type LowCardinality(String), value String)),
                        carried_person_ids Array(String)))                   COMMENT 'Persons joined, in order: survivor, the person absorbed, its identifiers, the persons it had absorbed before',
    refusals        Array(Tuple(
                        conflict_id String,
                        rule LowCardinality(String),
                        reason String,
                        refused Tuple(type LowCardinality(String), value String),
                        person_id String,
                        other_person_id String))                             COMMENT 'Joins the rules refused, as in identity_conflicts',
    persons         Array(String)                                            COMMENT 'Every person the entry names: person_id, survivors, absorbed, carried and refusal persons',
    ingested_at     DateTime64(3, 'UTC')                                     COMMENT 'When aggregation wrote it; the newest copy wins'
)
ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY (tenant, entry_id)
SETTINGS non_replicated_deduplication_window = 10000
COMMENT 'Append-only identity history, one row per entry_id: read with FINAL';

-- The history filed under every person an entry names, so that one person's history (the
-- survivor's, and that of the persons merged into it, from person_merged_from) is read by the
-- primary key. A copy of the entry per person: entries are small and a profile reads a few.
CREATE TABLE IF NOT EXISTS identity_history_by_person
(
    tenant          LowCardinality(String)                                   COMMENT 'Retailer',
    person_id       String                                                   COMMENT 'A person the entry names (any of its persons)',
    applied_at      DateTime64(3, 'UTC')                                     COMMENT 'When the graph writer applied the link',
    entry_id        String                                                   COMMENT 'The entry in identity_history',
    history_offset  UInt64                                                   COMMENT 'Order of application within the tenant',
    event_id        String                                                   COMMENT 'Event whose identifiers made the link',
    event_time      DateTime64(3, 'UTC')                                     COMMENT 'When that event happened',
    link_person_id  String                                                   COMMENT 'Person of the link''s strongest identifier after the link (identity_history.person_id)',
    identifiers     Array(Tuple(type LowCardinality(String), value String))  COMMENT 'The link''s identifiers, strongest first',
    first_seen      Array(Tuple(type LowCardinality(String), value String))  COMMENT 'Identifiers seen for the first time in this link',
    joins           Array(Tuple(
                        survivor_person_id String,
                        absorbed_person_id String,
                        identifiers Array(Tuple(type LowCardinality(String), value String)),
                        carried_person_ids Array(String)))                   COMMENT 'Persons joined, in order',
    refusals        Array(Tuple(
                        conflict_id String,
                        rule LowCardinality(String),
                        reason String,
                        refused Tuple(type LowCardinality(String), value String),
                        person_id String,
                        other_person_id String))                             COMMENT 'Joins the rules refused',
    ingested_at     DateTime64(3, 'UTC')                                     COMMENT 'When aggregation wrote it'
)
ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY (tenant, person_id, applied_at, entry_id)
SETTINGS non_replicated_deduplication_window = 10000, index_granularity = 256
COMMENT 'identity_history by person: read with FINAL, WHERE tenant and person_id';

-- Qualified names: the alias person_id would otherwise shadow the entry's own person_id.
CREATE MATERIALIZED VIEW IF NOT EXISTS identity_history_by_person_mv TO identity_history_by_person AS
SELECT
    h.tenant AS tenant, person AS person_id, h.applied_at AS applied_at, h.entry_id AS entry_id, h.history_offset AS history_offset,
    h.event_id AS event_id, h.event_time AS event_time, h.person_id AS link_person_id, h.identifiers AS identifiers,
    h.first_seen AS first_seen, h.joins AS joins, h.refusals AS refusals, h.ingested_at AS ingested_at
FROM identity_history AS h
ARRAY JOIN h.persons AS person;

-- PersonMerge v2: the person an absorption was moved along with (its causeEventId is then the
-- newer merge's). Empty for the person absorbed directly, and for rows written before.
ALTER TABLE person_overrides
    ADD COLUMN IF NOT EXISTS via_person_id String DEFAULT '' COMMENT 'Set when this row moved an earlier absorption along with a newer merge: the person old_person_id had been absorbed into; cause_event_id is then the newer merge''s';
