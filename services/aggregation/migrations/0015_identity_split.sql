-- Splitting a wrong merge (an operator blocked an identifier value that glued people together).
-- The identity graph writer re-derives the person without the value and publishes new
-- assignments, changed merge records (X -> X: X is a survivor again), a tombstone for the blocked
-- assignment, a history entry with `split`, and the block (identity.identifier-blocks.v1).
-- Rows are filed under the person of their strongest identifier as first seen (not the survivor),
-- so re-pointed merge records re-attribute them. What the split leaves stale here:
-- person_identifiers keeps (old person, identifier) rows and person_merged_from keeps
-- (old survivor, person) rows, both keyed so that a new row does not replace them. The reads below
-- skip them whatever the timing; the split executor (src/adapters/split-executor.ts) deletes them.

ALTER TABLE identity_history
    ADD COLUMN IF NOT EXISTS split Tuple(action LowCardinality(String), blocked Tuple(type LowCardinality(String), value String), reason String, requested_by String, person_before String, persons_after Array(String))
        COMMENT 'An operator''s block (BLOCKED) or unblock (UNBLOCKED) of an identifier value and the persons it split or joined again; action '''' on every other entry';

ALTER TABLE identity_history_by_person
    ADD COLUMN IF NOT EXISTS split Tuple(action LowCardinality(String), blocked Tuple(type LowCardinality(String), value String), reason String, requested_by String, person_before String, persons_after Array(String))
        COMMENT 'As in identity_history: action '''' when the entry is no split';

-- MODIFY QUERY, not DROP VIEW and CREATE: the view is swapped at once, so no history row inserted
-- meanwhile (another instance still running) misses its copies by person. Running it again is harmless.
ALTER TABLE identity_history_by_person_mv MODIFY QUERY
SELECT
    h.tenant AS tenant, person AS person_id, h.applied_at AS applied_at, h.entry_id AS entry_id, h.history_offset AS history_offset,
    h.event_id AS event_id, h.event_time AS event_time, h.person_id AS link_person_id, h.identifiers AS identifiers,
    h.first_seen AS first_seen, h.joins AS joins, h.refusals AS refusals, h.split AS split, h.ingested_at AS ingested_at
FROM identity_history AS h
ARRAY JOIN h.persons AS person;

-- One person's profile: SELECT * FROM customer_profile(tenant = 'demo', person_id = 'p-...').
-- Reads that person's rows only: the survivor of person_id (an absorbed person's id finds it),
-- the persons merged into it, their person_activity rows, identifiers, partner segments and home
-- area. No row for an unknown person. The persons and identifiers are worked out once, as arrays
-- (scalar subqueries), and the tables are read by key with has(): a CTE used twice would run twice.
CREATE OR REPLACE VIEW customer_profile AS
WITH
    (SELECT argMax(person_id, merged_at) FROM person_overrides WHERE tenant = {tenant:String} AND old_person_id = {person_id:String}) AS absorbed_into,
    if(ifNull(absorbed_into, '') != '', assumeNotNull(absorbed_into), {person_id:String}) AS survivor,
    -- Absorbed persons whose latest override still points at the survivor; not the survivor itself
    -- (a split leaves it a row X -> X, "a survivor again").
    (
        SELECT groupArray(old_person_id) FROM
        (
            SELECT old_person_id FROM person_overrides
            WHERE tenant = {tenant:String}
              AND old_person_id IN (SELECT old_person_id FROM person_merged_from WHERE tenant = {tenant:String} AND person_id = survivor AND old_person_id != survivor)
            GROUP BY old_person_id
            HAVING argMax(person_id, merged_at) = survivor
        )
    ) AS absorbed,
    arrayPushFront(absorbed, survivor) AS members,
    -- The members' person_identifiers rows (by person), each counted only while its identifier's
    -- latest assignment in identities (by its key) names that person: a split reassigns some.
    (SELECT groupArray((id_type, id_value, person_id)) FROM person_identifiers WHERE tenant = {tenant:String} AND has(members, person_id)) AS identifier_rows,
    (
        SELECT groupUniqArray((id_type, id_value)) FROM
        (
            SELECT id_type, id_value, argMax(person_id, updated_at) AS assigned_to FROM identities
            WHERE tenant = {tenant:String} AND (id_type, id_value) IN (SELECT r.1, r.2 FROM (SELECT arrayJoin(identifier_rows) AS r))
            GROUP BY id_type, id_value
        )
        WHERE has(identifier_rows, (id_type, id_value, assigned_to))
    ) AS person_ids_known,
    (
        SELECT groupUniqArray((partner, segment)) FROM
        (
            SELECT partner, segments FROM ref_partner_segments FINAL
            WHERE tenant = {tenant:String} AND (id_type, id_value) IN (SELECT arrayJoin(person_ids_known)) AND is_deleted = 0
        )
        ARRAY JOIN segments AS segment
    ) AS segments_of_person,
    activity AS
    (
        SELECT
            count() AS person_rows,
            CAST(min(first_seen) AS DateTime64(3, 'UTC')) AS first_seen,
            CAST(max(last_seen) AS DateTime64(3, 'UTC')) AS last_seen,
            arraySort(groupUniqArrayArray(channels)) AS channels,
            sum(events) AS events,
            sum(page_views) AS web_page_views,
            sum(screen_views) AS app_screen_views,
            uniqExactMerge(sessions) AS sessions,
            uniqExactMerge(store_days) AS store_visits,
            sum(online_orders) AS online_orders,
            sum(online_revenue_minor) AS online_revenue_minor,
            sum(store_receipts) AS store_orders,
            sum(store_revenue_minor) AS store_revenue_minor,
            arrayDistinct(arrayMap(x -> x.2, groupArraySortedMerge(10)(last_viewed))) AS last_viewed_skus,
            arrayDistinct(arrayMap(x -> x.2, groupArraySortedMerge(10)(last_carted))) AS last_carted_skus,
            sumMap(category_lines) AS category_lines,
            argMaxMerge(home_area) AS home_area
        FROM person_activity
        WHERE tenant = {tenant:String} AND has(members, person_id)
    )
SELECT
    CAST({tenant:String} AS LowCardinality(String)) AS tenant,
    survivor AS person_id,
    absorbed AS merged_person_ids,
    person_ids_known AS identifiers,
    a.first_seen AS first_seen,
    a.last_seen AS last_seen,
    a.channels AS channels,
    a.events AS events,
    a.web_page_views AS web_page_views,
    a.app_screen_views AS app_screen_views,
    a.sessions AS sessions,
    a.store_visits AS store_visits,
    a.online_orders AS online_orders,
    toDecimal64(a.online_revenue_minor, 2) / 100 AS online_revenue,
    a.store_orders AS store_orders,
    toDecimal64(a.store_revenue_minor, 2) / 100 AS store_revenue,
    a.online_revenue_minor AS online_revenue_minor,
    a.store_revenue_minor AS store_revenue_minor,
    a.online_revenue_minor + a.store_revenue_minor AS revenue_minor,
    if(a.online_orders + a.store_orders > 0, intDiv(a.online_revenue_minor + a.store_revenue_minor, a.online_orders + a.store_orders), 0) AS average_order_minor,
    a.last_viewed_skus AS last_viewed_skus,
    a.last_carted_skus AS last_carted_skus,
    arraySlice(arrayMap(x -> x.1, arrayReverseSort(x -> x.2, arrayZip(a.category_lines.1, a.category_lines.2))), 1, 3) AS favourite_categories,
    segments_of_person AS partner_segments,
    a.home_area.1 AS home_country,
    a.home_area.2 AS home_postal_code,
    d.area_name AS home_area_name,
    d.median_income AS home_area_median_income,
    d.median_age AS home_area_median_age
FROM activity AS a
LEFT JOIN (SELECT * FROM ref_area_demographics FINAL WHERE is_deleted = 0) AS d ON d.country_code = a.home_area.1 AND d.postal_code = a.home_area.2
WHERE a.person_rows > 0;
