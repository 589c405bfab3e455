-- `events` again, with what enrichment adds (0004). Same contract: one row per event id,
-- person_id resolved to the surviving person at read time.
CREATE OR REPLACE VIEW events AS
SELECT
    e.tenant AS tenant, e.event_id AS event_id, e.event_time AS event_time, e.received_time AS received_time,
    e.ingested_at AS ingested_at, e.channel AS channel, e.source AS source, e.event_type AS event_type, e.event_name AS event_name,
    if(o.person_id != '', o.person_id, e.person_id) AS person_id,
    e.person_id AS person_id_at_ingest,
    e.anonymous_id AS anonymous_id, e.user_id AS user_id, e.identifiers AS identifiers,
    e.page_path AS page_path, e.page_url AS page_url, e.referrer AS referrer,
    e.campaign_source AS campaign_source, e.campaign_medium AS campaign_medium, e.campaign_name AS campaign_name,
    e.campaign_term AS campaign_term, e.campaign_content AS campaign_content, e.click_id_type AS click_id_type, e.click_id AS click_id,
    e.referrer_host AS referrer_host, e.marketing_medium AS marketing_medium,
    e.properties AS properties, e.traits AS traits, e.browser AS browser, e.os AS os, e.device_type AS device_type, e.is_bot AS is_bot,
    e.geo_country AS geo_country, e.geo_region AS geo_region, e.geo_city AS geo_city,
    e.store_id AS store_id, e.zone_id AS zone_id, e.store_local_time AS store_local_time,
    e.order_id AS order_id, e.currency AS currency, e.revenue_minor AS revenue_minor,
    e.items.sku AS `items.sku`, e.items.quantity AS `items.quantity`, e.items.unit_price_minor AS `items.unit_price_minor`,
    e.items.total_minor AS `items.total_minor`, e.items.product_name AS `items.product_name`, e.items.category AS `items.category`,
    e.items.brand AS `items.brand`, e.items.in_catalogue AS `items.in_catalogue`, e.beacon AS beacon,
    e.enrichment_sources AS enrichment_sources, e.enrichment_missing AS enrichment_missing
FROM events_raw AS e FINAL
LEFT JOIN
(
    SELECT tenant, old_person_id, argMax(person_id, merged_at) AS person_id
    FROM person_overrides
    GROUP BY tenant, old_person_id
) AS o ON e.tenant = o.tenant AND e.person_id = o.old_person_id;

-- Partner segments belong to a person, not to an event: joined here, at read time, through the
-- identity graph (identities) and the merges (person_overrides), so a merge carries them to the
-- surviving person and a new upload applies at once. One row per person, partner and segment.
CREATE OR REPLACE VIEW person_partner_segments AS
SELECT
    s.tenant AS tenant,
    if(o.person_id != '', o.person_id, i.person_id) AS person_id,
    s.partner AS partner,
    s.segment AS segment,
    s.id_type AS matched_on,
    s.source_name AS source_name,
    s.source_version AS source_version,
    s.loaded_at AS loaded_at
FROM
(
    SELECT tenant, partner, id_type, id_value, segment, source_name, source_version, loaded_at
    FROM ref_partner_segments FINAL
    ARRAY JOIN segments AS segment
) AS s
INNER JOIN
(
    SELECT tenant, id_type, id_value, argMax(person_id, updated_at) AS person_id
    FROM identities
    GROUP BY tenant, id_type, id_value
) AS i ON s.tenant = i.tenant AND s.id_type = i.id_type AND s.id_value = i.id_value
LEFT JOIN
(
    SELECT tenant, old_person_id, argMax(person_id, merged_at) AS person_id
    FROM person_overrides
    GROUP BY tenant, old_person_id
) AS o ON i.tenant = o.tenant AND i.person_id = o.old_person_id;

-- A person's home area: the postal code of their latest identify traits (Segment's
-- address.postalCode), with the open demographics of that area. The country is the traits'
-- two-letter address.country, else FI (the demo tenant's country).
CREATE OR REPLACE VIEW person_home_area AS
SELECT
    p.tenant AS tenant,
    p.person_id AS person_id,
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
    SELECT tenant, person_id, argMax(pc, event_time) AS postal_code, argMax(cc, event_time) AS country_code
    FROM
    (
        SELECT tenant, person_id, event_time,
               JSONExtractString(traits, 'address', 'postalCode') AS pc,
               if(match(upper(JSONExtractString(traits, 'address', 'country')), '^[A-Z]{2}$'), upper(JSONExtractString(traits, 'address', 'country')), 'FI') AS cc
        FROM events
        WHERE event_type = 'identify' AND person_id != '' AND traits LIKE '%postalCode%'
    )
    WHERE pc != ''
    GROUP BY tenant, person_id
) AS p
LEFT JOIN (SELECT * FROM ref_area_demographics FINAL) AS d ON p.country_code = d.country_code AND p.postal_code = d.postal_code;
