-- Views over the derived state of 0006: what analysts and the API read.

-- Each absorbed person and the survivor it belongs to now (its latest override): what every view
-- that resolves persons joins, written once.
CREATE OR REPLACE VIEW person_survivors AS
SELECT tenant, old_person_id, argMax(person_id, merged_at) AS person_id
FROM person_overrides
GROUP BY tenant, old_person_id;

-- Every surviving person, one row each, from person_activity (one row per person at ingest, not
-- one per event): listing the top customers reads persons, never events.
-- Identifiers come from the identity map; partner segments and the home area's demographics are
-- in customer_profile() (one person) and the views person_partner_segments and person_home_area.
CREATE OR REPLACE VIEW customer_profiles AS
WITH
    activity AS
    (
        SELECT
            a.tenant AS tenant,
            if(o.person_id != '', o.person_id, a.person_id) AS survivor,
            CAST(min(a.first_seen) AS DateTime64(3, 'UTC')) AS first_seen,
            CAST(max(a.last_seen) AS DateTime64(3, 'UTC')) AS last_seen,
            arraySort(groupUniqArrayArray(a.channels)) AS channels,
            sum(a.events) AS events,
            sum(a.page_views) AS web_page_views,
            sum(a.screen_views) AS app_screen_views,
            uniqExactMerge(a.sessions) AS sessions,
            uniqExactMerge(a.store_days) AS store_visits,
            sum(a.online_orders) AS online_orders,
            sum(a.online_revenue_minor) AS online_revenue_minor,
            sum(a.store_receipts) AS store_orders,
            sum(a.store_revenue_minor) AS store_revenue_minor,
            arrayDistinct(arrayMap(x -> x.2, groupArraySortedMerge(10)(a.last_viewed))) AS last_viewed_skus,
            arrayDistinct(arrayMap(x -> x.2, groupArraySortedMerge(10)(a.last_carted))) AS last_carted_skus,
            sumMap(a.category_lines) AS category_lines,
            argMaxMerge(a.home_area) AS home_area
        FROM person_activity AS a
        LEFT JOIN person_survivors AS o ON a.tenant = o.tenant AND a.person_id = o.old_person_id
        GROUP BY tenant, survivor
    ),
    ids AS
    (
        SELECT i.tenant AS tenant, if(o.person_id != '', o.person_id, i.person_id) AS survivor, groupUniqArray((i.id_type, i.id_value)) AS identifiers
        FROM (SELECT tenant, id_type, id_value, argMax(person_id, updated_at) AS person_id FROM identities GROUP BY tenant, id_type, id_value) AS i
        LEFT JOIN person_survivors AS o ON i.tenant = o.tenant AND i.person_id = o.old_person_id
        GROUP BY tenant, survivor
    )
SELECT
    a.tenant AS tenant,
    a.survivor AS person_id,
    ids.identifiers AS identifiers,
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
    a.home_area.1 AS home_country,
    a.home_area.2 AS home_postal_code
FROM activity AS a
LEFT JOIN ids ON a.tenant = ids.tenant AND a.survivor = ids.survivor;

-- One person's profile: SELECT * FROM customer_profile(tenant = 'demo', person_id = 'p-...').
-- Reads that person's rows only: the survivor of person_id (an absorbed person's id finds it),
-- the persons merged into it, their person_activity rows, identifiers, partner segments and home
-- area. No row for an unknown person. The persons and identifiers are worked out once, as arrays
-- (scalar subqueries), and the tables are read by key with has(): a CTE used twice would run twice.
CREATE OR REPLACE VIEW customer_profile AS
WITH
    (SELECT argMax(person_id, merged_at) FROM person_overrides WHERE tenant = {tenant:String} AND old_person_id = {person_id:String}) AS absorbed_into,
    if(ifNull(absorbed_into, '') != '', assumeNotNull(absorbed_into), {person_id:String}) AS survivor,
    -- Absorbed persons whose latest override still points at the survivor.
    (
        SELECT groupArray(old_person_id) FROM
        (
            SELECT old_person_id FROM person_overrides
            WHERE tenant = {tenant:String}
              AND old_person_id IN (SELECT old_person_id FROM person_merged_from WHERE tenant = {tenant:String} AND person_id = survivor)
            GROUP BY old_person_id
            HAVING argMax(person_id, merged_at) = survivor
        )
    ) AS absorbed,
    arrayPushFront(absorbed, survivor) AS members,
    (SELECT groupUniqArray((id_type, id_value)) FROM person_identifiers WHERE tenant = {tenant:String} AND has(members, person_id)) AS person_ids_known,
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

-- Every surviving person's totals, without identifiers or the heavier states: what ranking and
-- listing customers needs ("the top 100 by revenue"), about ten times cheaper than
-- customer_profiles. Then customer_profile(...) for the persons you show.
CREATE OR REPLACE VIEW customer_totals AS
SELECT
    a.tenant AS tenant,
    if(o.person_id != '', o.person_id, a.person_id) AS person_id,
    CAST(min(a.first_seen) AS DateTime64(3, 'UTC')) AS first_seen,
    CAST(max(a.last_seen) AS DateTime64(3, 'UTC')) AS last_seen,
    sum(a.events) AS events,
    sum(a.online_orders) AS online_orders,
    sum(a.online_revenue_minor) AS online_revenue_minor,
    sum(a.store_receipts) AS store_orders,
    sum(a.store_revenue_minor) AS store_revenue_minor,
    online_revenue_minor + store_revenue_minor AS revenue_minor
FROM person_activity AS a
LEFT JOIN person_survivors AS o ON a.tenant = o.tenant AND a.person_id = o.old_person_id
GROUP BY tenant, person_id;

-- Web and app sessions, one row each, with the person resolved to the survivor.
-- converted: the session has an Order Completed. duration_seconds: first to last event.
CREATE OR REPLACE VIEW sessions AS
SELECT
    s.tenant AS tenant,
    s.session_id AS session_id,
    s.session_date AS session_date,
    if(o.person_id != '', o.person_id, s.person_id_at_ingest) AS person_id,
    s.person_id_at_ingest AS person_id_at_ingest,
    s.anonymous_id AS anonymous_id,
    s.channel AS channel,
    s.started_at AS started_at,
    s.ended_at AS ended_at,
    dateDiff('second', s.started_at, s.ended_at) AS duration_seconds,
    s.events AS events,
    s.page_views AS page_views,
    s.landing_page AS landing_page,
    s.landing_url AS landing_url,
    s.referrer_host AS referrer_host,
    s.marketing_medium AS marketing_medium,
    s.campaign_source AS campaign_source,
    s.campaign_medium AS campaign_medium,
    s.campaign_name AS campaign_name,
    s.device_type AS device_type,
    s.browser AS browser,
    s.os AS os,
    s.geo_country AS geo_country,
    s.is_bot AS is_bot,
    s.product_views AS product_views,
    s.cart_adds AS cart_adds,
    s.checkouts AS checkouts,
    s.orders AS orders,
    s.orders > 0 AS converted,
    s.revenue_minor AS revenue_minor
FROM
(
    SELECT
        tenant, session_date, session_id,
        CAST(any(anonymous_id) AS String) AS anonymous_id, CAST(any(channel) AS String) AS channel,
        CAST(min(started_at) AS DateTime64(3, 'UTC')) AS started_at, CAST(max(ended_at) AS DateTime64(3, 'UTC')) AS ended_at,
        argMaxMerge(person_id) AS person_id_at_ingest,
        sum(events) AS events, sum(page_views) AS page_views,
        argMinMerge(landing_page) AS landing_page, argMinMerge(landing_url) AS landing_url,
        argMinMerge(referrer_host) AS referrer_host, argMinMerge(marketing_medium) AS marketing_medium,
        argMinMerge(campaign_source) AS campaign_source, argMinMerge(campaign_medium) AS campaign_medium, argMinMerge(campaign_name) AS campaign_name,
        argMinMerge(device_type) AS device_type, argMinMerge(browser) AS browser, argMinMerge(os) AS os, argMinMerge(geo_country) AS geo_country,
        toUInt8(max(is_bot)) AS is_bot,
        sum(product_views) AS product_views, sum(cart_adds) AS cart_adds, sum(checkouts) AS checkouts, sum(orders) AS orders, sum(revenue_minor) AS revenue_minor
    FROM session_activity
    GROUP BY tenant, session_date, session_id
) AS s
LEFT JOIN person_survivors AS o ON s.tenant = o.tenant AND s.person_id_at_ingest = o.old_person_id;

-- A person's home area (0005), now from person_activity instead of every identify event.
CREATE OR REPLACE VIEW person_home_area AS
SELECT
    p.tenant AS tenant,
    p.survivor AS person_id,
    p.postal_code AS postal_code,
    p.country_code AS country_code,
    d.area_name AS area_name,
    d.municipality AS municipality,
    d.population AS population,
    d.median_age AS median_age,
    d.age_shares AS age_shares,
    d.median_income AS median_income,
    d.households AS households,
    d.household_shares AS household_shares,
    d.source_name AS source_name,
    d.source_version AS source_version,
    d.postal_code != '' AS in_demographics
FROM
(
    SELECT a.tenant AS tenant, if(o.person_id != '', o.person_id, a.person_id) AS survivor, argMaxMerge(a.home_area) AS home, home.1 AS country_code, home.2 AS postal_code
    FROM person_activity AS a
    LEFT JOIN person_survivors AS o ON a.tenant = o.tenant AND a.person_id = o.old_person_id
    GROUP BY tenant, survivor
    HAVING postal_code != ''
) AS p
LEFT JOIN (SELECT * FROM ref_area_demographics FINAL) AS d ON p.country_code = d.country_code AND p.postal_code = d.postal_code;
