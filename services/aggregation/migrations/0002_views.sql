-- `events`: one row per event, whatever replays happened, with person_id resolved to the
-- surviving person at read time (persons-on-events with overrides). A stable name for analysts.
CREATE OR REPLACE VIEW events AS
SELECT
    e.tenant AS tenant, e.event_id AS event_id, e.event_time AS event_time, e.received_time AS received_time,
    e.ingested_at AS ingested_at, e.channel AS channel, e.source AS source, e.event_type AS event_type, e.event_name AS event_name,
    if(o.person_id != '', o.person_id, e.person_id) AS person_id,
    e.person_id AS person_id_at_ingest,
    e.anonymous_id AS anonymous_id, e.user_id AS user_id, e.identifiers AS identifiers,
    e.page_path AS page_path, e.page_url AS page_url, e.referrer AS referrer,
    e.campaign_source AS campaign_source, e.campaign_medium AS campaign_medium, e.campaign_name AS campaign_name,
    e.properties AS properties, e.traits AS traits, e.browser AS browser, e.os AS os, e.device_type AS device_type,
    e.store_id AS store_id, e.order_id AS order_id, e.currency AS currency, e.revenue_minor AS revenue_minor,
    e.items.sku AS `items.sku`, e.items.quantity AS `items.quantity`, e.items.unit_price_minor AS `items.unit_price_minor`,
    e.items.total_minor AS `items.total_minor`, e.items.product_name AS `items.product_name`, e.items.category AS `items.category`,
    e.items.brand AS `items.brand`, e.items.in_catalogue AS `items.in_catalogue`, e.beacon AS beacon
FROM events_raw AS e FINAL
LEFT JOIN
(
    SELECT tenant, old_person_id, argMax(person_id, merged_at) AS person_id
    FROM person_overrides
    GROUP BY tenant, old_person_id
) AS o ON e.tenant = o.tenant AND e.person_id = o.old_person_id;

-- `customer_profiles`: one row per surviving person, across every channel.
CREATE OR REPLACE VIEW customer_profiles AS
WITH
    ids AS
    (
        SELECT i.tenant AS tenant, if(o.person_id != '', o.person_id, i.person_id) AS person_id,
               groupUniqArray(tuple(i.id_type, i.id_value)) AS identifiers
        FROM (SELECT tenant, id_type, id_value, argMax(person_id, updated_at) AS person_id FROM identities GROUP BY tenant, id_type, id_value) AS i
        LEFT JOIN (SELECT tenant, old_person_id, argMax(person_id, merged_at) AS person_id FROM person_overrides GROUP BY tenant, old_person_id) AS o
            ON i.tenant = o.tenant AND i.person_id = o.old_person_id
        GROUP BY tenant, person_id
    ),
    activity AS
    (
        SELECT
            tenant,
            person_id,
            min(event_time) AS first_seen,
            max(event_time) AS last_seen,
            arraySort(groupUniqArray(channel)) AS channels,
            countIf(event_type = 'page') AS web_page_views,
            uniqExactIf(tuple(store_id, toDate(event_time)), event_type = 'beacon_sighting') AS store_visits,
            countIf(event_type = 'track' AND event_name = 'Order Completed') AS online_orders,
            sumIf(revenue_minor, event_type = 'track' AND event_name = 'Order Completed') AS online_revenue_minor,
            countIf(event_type = 'pos_transaction') AS store_orders,
            sumIf(revenue_minor, event_type = 'pos_transaction') AS store_revenue_minor,
            count() AS events
        FROM events
        WHERE person_id != ''
        GROUP BY tenant, person_id
    )
SELECT
    a.tenant AS tenant,
    a.person_id AS person_id,
    ids.identifiers AS identifiers,
    a.first_seen AS first_seen,
    a.last_seen AS last_seen,
    a.channels AS channels,
    a.web_page_views AS web_page_views,
    a.store_visits AS store_visits,
    a.online_orders AS online_orders,
    toDecimal64(a.online_revenue_minor, 2) / 100 AS online_revenue,
    a.store_orders AS store_orders,
    toDecimal64(a.store_revenue_minor, 2) / 100 AS store_revenue,
    a.online_revenue_minor AS online_revenue_minor,
    a.store_revenue_minor AS store_revenue_minor,
    a.events AS events
FROM activity AS a
LEFT JOIN ids ON a.tenant = ids.tenant AND a.person_id = ids.person_id;
