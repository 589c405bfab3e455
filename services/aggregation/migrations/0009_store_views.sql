-- Store visits and store KPIs, computed at read from store_presence (minutes), store_sales_hourly
-- and store_footfall_hourly, with the thresholds of store_visit_rules: a change of the rules, a
-- merge or an erased person shows at once, and reading one store's day reads that store's day.

-- The thresholds in force: the newest row of each tenant in store_visit_rules (tenant '' is the
-- default the views fall back to).
CREATE OR REPLACE VIEW store_visit_rules_current AS
SELECT tenant, argMax(open_rssi, updated_at) AS open_rssi, argMax(hold_rssi, updated_at) AS hold_rssi,
       argMax(gap_minutes, updated_at) AS gap_minutes, argMax(min_dwell_minutes, updated_at) AS min_dwell_minutes
FROM store_visit_rules
GROUP BY tenant;

-- Who was at the store, minute by minute: a device, or the person behind it (resolved through
-- merges) when it has one, so a customer seen by Wi-Fi and by the app is one visitor.
CREATE OR REPLACE VIEW store_presence_minutes AS
SELECT
    p.tenant AS tenant,
    p.store_id AS store_id,
    p.day AS day,
    if(p.person != '', concat('person:', if(o.person_id != '', o.person_id, p.person)), p.device) AS visitor,
    if(p.person != '', if(o.person_id != '', o.person_id, p.person), '') AS person_id,
    p.minute AS minute,
    max(p.randomized) AS randomized,
    max(p.rssi) AS rssi,
    argMax(p.zone, p.rssi) AS zone,
    groupUniqArray(p.device) AS devices
FROM
(
    SELECT tenant, store_id, day, device, minute, CAST(max(person_id) AS String) AS person, toUInt8(max(randomized)) AS randomized, toInt16(max(max_rssi)) AS rssi, argMaxMerge(zone) AS zone
    FROM store_presence
    GROUP BY tenant, store_id, day, device, minute
) AS p
LEFT JOIN person_survivors AS o ON p.tenant = o.tenant AND p.person = o.old_person_id
GROUP BY tenant, store_id, day, visitor, person_id, minute;

-- One row per visit. A visit opens on a minute at least open_rssi strong, stays open through
-- minutes at least hold_rssi strong (hysteresis), and ends when gap_minutes pass without one;
-- minutes at hold strength before the opening one (walking past the window) are not part of it.
-- A visit of min_dwell_minutes or more is a visitor's (is_visitor = 1); the rest, and devices
-- never seen strong, are passers-by (store_traffic_hourly counts them).
CREATE OR REPLACE VIEW store_visits AS
SELECT
    tenant, store_id, day, visitor, person_id, randomized, devices,
    visit_number,
    kept[1].1 AS started_at,
    kept[-1].1 + 60 AS ended_at,
    toUInt32(dateDiff('minute', kept[1].1, kept[-1].1) + 1) AS dwell_minutes,
    toUInt8(dwell_minutes >= min_dwell_minutes) AS is_visitor,
    arrayMax(arrayMap(x -> x.2, kept)) AS max_rssi,
    arrayFilter((z, i) -> z != '' AND (i = 1 OR z != zones[i - 1]), zones, arrayEnumerate(zones)) AS zone_path,
    CAST(arrayMap(z -> (z, toUInt32(countEqual(zones, z))), arrayFilter(z -> z != '', arrayDistinct(zones))), 'Array(Tuple(zone String, minutes UInt32))') AS zone_minutes
FROM
(
    SELECT
        tenant, store_id, day, visitor, visit_number,
        any(person_id) AS person_id,
        max(randomized) AS randomized,
        arrayDistinct(arrayFlatten(groupArray(devices))) AS devices,
        any(open_rssi) AS open_rssi,
        any(min_dwell_minutes) AS min_dwell_minutes,
        arraySort(groupArray((minute, rssi, zone))) AS minutes,
        arraySlice(minutes, arrayFirstIndex(x -> x.2 >= open_rssi, minutes)) AS kept,
        arrayMap(x -> x.3, kept) AS zones
    FROM
    (
        SELECT *, sum(opens) OVER (PARTITION BY tenant, store_id, day, visitor ORDER BY minute ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS visit_number
        FROM
        (
            SELECT m.tenant AS tenant, m.store_id AS store_id, m.day AS day, m.visitor AS visitor, m.person_id AS person_id, m.minute AS minute,
                   m.randomized AS randomized, m.rssi AS rssi, m.zone AS zone, m.devices AS devices,
                   -- The tenant's own rules, else the default's.
                   if(r.tenant != '', r.open_rssi, d.open_rssi) AS open_rssi,
                   if(r.tenant != '', r.min_dwell_minutes, d.min_dwell_minutes) AS min_dwell_minutes,
                   toUInt32(dateDiff('minute', lagInFrame(m.minute, 1, toDateTime(0, 'UTC')) OVER (PARTITION BY m.tenant, m.store_id, m.day, m.visitor ORDER BY m.minute ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), m.minute) > if(r.tenant != '', r.gap_minutes, d.gap_minutes)) AS opens
            FROM store_presence_minutes AS m
            LEFT JOIN store_visit_rules_current AS r ON m.tenant = r.tenant
            CROSS JOIN (SELECT * FROM store_visit_rules_current WHERE tenant = '') AS d
            WHERE m.rssi >= if(r.tenant != '', r.hold_rssi, d.hold_rssi)
        )
    )
    GROUP BY tenant, store_id, day, visitor, visit_number
    HAVING arrayExists(x -> x.2 >= open_rssi, minutes)
);

-- Per store and store-local hour: footfall (people counters), visitors and passers-by (Wi-Fi, as
-- location analytics counts them: an app user's beacons alone would count a phone twice when its
-- Wi-Fi MAC is randomised and cannot be tied to the app), sales, and the rates made of them.
-- Filter on tenant, store_id and day (the store-local day): every part is joined on them, so the
-- filter reaches each part's sort key and one store's day reads that store's day.
-- visitors: visits heard on Wi-Fi that began in the hour. passersby: Wi-Fi devices seen in the
-- hour that were no visitor at the store that day. capture_rate = visitors / (visitors +
-- passersby); conversion = receipts / visitors.
CREATE OR REPLACE VIEW store_traffic_hourly AS
SELECT
    k.tenant AS tenant,
    k.store_id AS store_id,
    k.day AS day,
    k.hour AS hour,
    f.count_in AS footfall_in,
    f.count_out AS footfall_out,
    v.visitors AS visitors,
    v.anonymous_visitors AS anonymous_visitors,
    v.known_visitors AS known_visitors,
    v.median_dwell_minutes AS median_dwell_minutes,
    p.passersby AS passersby,
    if(v.visitors + p.passersby > 0, v.visitors / (v.visitors + p.passersby), NULL) AS capture_rate,
    s.receipts AS receipts,
    s.returns AS returns,
    s.loyalty_receipts AS loyalty_receipts,
    s.revenue_minor AS revenue_minor,
    s.units AS units,
    if(v.visitors > 0, s.receipts / v.visitors, NULL) AS conversion
FROM
(
    SELECT tenant, store_id, toDate(hour) AS day, hour FROM store_sales_hourly
    UNION DISTINCT SELECT tenant, store_id, toDate(hour) AS day, hour FROM store_footfall_hourly
    UNION DISTINCT SELECT tenant, store_id, day, toStartOfHour(minute) AS hour FROM store_presence
) AS k
LEFT JOIN (SELECT tenant, store_id, toDate(hour) AS day, hour, sum(count_in) AS count_in, sum(count_out) AS count_out FROM store_footfall_hourly GROUP BY tenant, store_id, day, hour) AS f
    ON k.tenant = f.tenant AND k.store_id = f.store_id AND k.day = f.day AND k.hour = f.hour
LEFT JOIN
(
    SELECT tenant, store_id, day, toStartOfHour(started_at) AS hour, count() AS visitors, countIf(person_id = '') AS anonymous_visitors, countIf(person_id != '') AS known_visitors,
           quantileExact(0.5)(dwell_minutes) AS median_dwell_minutes
    FROM store_visits WHERE is_visitor = 1 AND arrayExists(d -> startsWith(d, 'wifi:'), devices)
    GROUP BY tenant, store_id, day, hour
) AS v ON k.tenant = v.tenant AND k.store_id = v.store_id AND k.day = v.day AND k.hour = v.hour
LEFT JOIN
(
    SELECT m.tenant AS tenant, m.store_id AS store_id, m.day AS day, toStartOfHour(m.minute) AS hour, uniqExactIf(m.visitor, arrayExists(d -> startsWith(d, 'wifi:'), m.devices)) AS passersby
    FROM store_presence_minutes AS m
    LEFT ANTI JOIN (SELECT DISTINCT tenant, store_id, day, visitor FROM store_visits WHERE is_visitor = 1) AS x
        ON m.tenant = x.tenant AND m.store_id = x.store_id AND m.day = x.day AND m.visitor = x.visitor
    GROUP BY tenant, store_id, day, hour
) AS p ON k.tenant = p.tenant AND k.store_id = p.store_id AND k.day = p.day AND k.hour = p.hour
LEFT JOIN
(
    SELECT tenant, store_id, toDate(hour) AS day, hour, sum(receipts) AS receipts, sum(returns) AS returns, sum(loyalty_receipts) AS loyalty_receipts, sum(revenue_minor) AS revenue_minor, sum(units) AS units
    FROM store_sales_hourly GROUP BY tenant, store_id, day, hour
) AS s ON k.tenant = s.tenant AND k.store_id = s.store_id AND k.day = s.day AND k.hour = s.hour;

-- Visitors' minutes per zone and store-local hour: the heat map of a store.
-- Filter on tenant, store_id and day, as store_traffic_hourly.
CREATE OR REPLACE VIEW store_zone_heat AS
SELECT v.tenant AS tenant, v.store_id AS store_id, v.day AS day, toStartOfHour(m.minute) AS hour, m.zone AS zone_id,
       uniqExact(v.visitor) AS visitors, count() AS visitor_minutes
FROM store_visits AS v
INNER JOIN store_presence_minutes AS m
    ON v.tenant = m.tenant AND v.store_id = m.store_id AND v.day = m.day AND v.visitor = m.visitor
WHERE v.is_visitor = 1 AND m.minute >= v.started_at AND m.minute < v.ended_at AND m.zone != ''
GROUP BY tenant, store_id, day, hour, zone_id;
