-- Consent per purpose. Events carry what a person stated, in the categories of the client's consent
-- manager (Segment's context.consent.categoryPreferences) or of the loyalty programme's terms at a
-- till. They are stored as stated; the tenant's consent policy (consent_policy, written by
-- aggregation at start from CONSENT_POLICY_FILE) maps categories to purposes when read, so a
-- changed policy applies to every statement already made.
ALTER TABLE events_raw
    ADD COLUMN IF NOT EXISTS consent_categories Array(String) COMMENT 'Consent categories stated with the event, as sent',
    ADD COLUMN IF NOT EXISTS consent_answers Array(UInt8) COMMENT '1 consented, 0 refused, per consent_categories';

-- Per person at ingest and category: the newest answer, when and through which channel.
CREATE TABLE IF NOT EXISTS person_consent
(
    tenant      LowCardinality(String),
    person_id   String                                                  COMMENT 'Person at ingest; resolve through person_overrides',
    category    String                                                  COMMENT 'As the client named it',
    answer      AggregateFunction(argMax, UInt8, DateTime64(3, 'UTC'))  COMMENT 'Newest answer: 1 consented, 0 refused',
    stated_at   SimpleAggregateFunction(max, DateTime64(3, 'UTC'))      COMMENT 'Event time of the newest answer',
    source      AggregateFunction(argMax, String, DateTime64(3, 'UTC')) COMMENT 'Channel of the newest answer: web, app, store'
)
ENGINE = AggregatingMergeTree
ORDER BY (tenant, person_id, category)
SETTINGS non_replicated_deduplication_window = 10000, index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS person_consent_mv TO person_consent AS
SELECT tenant, person_id, category, argMaxState(answer, event_time) AS answer, max(event_time) AS stated_at, argMaxState(toString(channel), event_time) AS source
FROM events_raw
ARRAY JOIN consent_categories AS category, consent_answers AS answer
WHERE person_id != ''
GROUP BY tenant, person_id, category;

-- The tenant's policy as aggregation last wrote it: per purpose its policy, per category its purpose.
-- tenant '' is the default of every tenant without its own.
CREATE TABLE IF NOT EXISTS consent_policy
(
    tenant      LowCardinality(String),
    purpose     LowCardinality(String)  COMMENT 'analytics, personalisation, marketing',
    policy      LowCardinality(String)  COMMENT 'opt-in: not consented until given; opt-out: consented until withdrawn',
    categories  Array(String)           COMMENT 'The categories that state it, lower-cased',
    updated_at  DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant, purpose);

-- What a partner's terms need before its segments join a person.
CREATE TABLE IF NOT EXISTS partner_terms
(
    tenant      LowCardinality(String),
    partner     String,
    purposes    Array(LowCardinality(String)),
    updated_at  DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant, partner);

-- Each surviving person's stated consent per purpose: the newest answer of any of the purpose's
-- categories, across every person merged into them (a refusal wins a tie). Purposes a person has
-- not stated are absent: the policy's default holds for them (person_purposes).
CREATE OR REPLACE VIEW person_consent_stated AS
WITH
    policy AS
    (
        SELECT tenant, purpose, argMax(policy, updated_at) AS policy, argMax(categories, updated_at) AS categories
        FROM consent_policy GROUP BY tenant, purpose
    ),
    answers AS
    (
        SELECT c.tenant AS tenant, if(o.person_id != '', o.person_id, c.person_id) AS person_id, lower(c.category) AS category,
               argMaxMerge(c.answer) AS answer, max(c.stated_at) AS stated_at, argMaxMerge(c.source) AS source
        FROM person_consent AS c
        LEFT JOIN person_survivors AS o ON c.tenant = o.tenant AND c.person_id = o.old_person_id
        GROUP BY c.tenant, person_id, c.person_id, category
    )
SELECT a.tenant AS tenant, a.person_id AS person_id, p.purpose AS purpose,
       argMax(a.answer, (a.stated_at, -a.answer)) AS granted, CAST(max(a.stated_at) AS DateTime64(3, 'UTC')) AS stated_at, argMax(a.source, (a.stated_at, -a.answer)) AS source
FROM answers AS a
INNER JOIN (SELECT t.tenant AS tenant, t.purpose AS purpose, category FROM policy AS t ARRAY JOIN t.categories AS category) AS p
    ON p.category = a.category AND p.tenant = if(a.tenant IN (SELECT tenant FROM policy WHERE tenant != ''), a.tenant, '')
GROUP BY tenant, person_id, purpose;
