/**
 * Everything the API reads from ClickHouse. Every value reaches SQL as a query parameter
 * ({name:Type}); the only SQL chosen by a request is picked from fixed maps here (a rule
 * segment's condition, a sort direction), never spliced from its text.
 *
 * Per-person reads take the survivor's merged persons from the person directory (identity's
 * topics, in memory) and read each table by its key (tenant, person_id): no read resolves merges
 * through person_overrides, so a merge published a moment ago already shows.
 */
import type { CategoryAnswer, ClickHouse } from '@cdp/plumbing';
import type { SegmentConsent } from '../core/consent';
import type { LiftInputs } from '../core/lift';
import type { ActivityRow, ConflictRow, EventSummaryRow, HistoryRow, TimelineRow } from '../core/read-rows';
import type { PersonPosition, TimelinePosition } from '../core/cursor';
import { RULE_SEGMENT_NAMES, RULE_SEGMENTS, type RuleSegment, type RuleSegmentName } from '../core/segments';

/** A store's time zone from the directory's column, UTC where it names none (the store's figures are then in UTC). */
const zoneOr = (column: string) => `if(ifNull(${column}, '') = '', 'UTC', ${column})`;
/** The store's time zone (a constant for the query), UTC when the directory has none. */
const STORE_ZONE = `WITH (SELECT any(time_zone) FROM ref_stores FINAL WHERE tenant = {tenant:String} AND store_id = {storeId:String} AND is_deleted = 0) AS found_zone,
       ${zoneOr('found_zone')} AS zone`;
/** A store-local hour column as its wall time and as the UTC instant. */
const STORE_HOUR = `formatDateTime(hour, '%Y-%m-%dT%H:%i:00') AS hour_local,
       formatDateTime(toDateTime(formatDateTime(hour, '%Y-%m-%d %H:%i:%S'), zone), '%Y-%m-%dT%H:%i:00Z', 'UTC') AS hour_utc, zone AS time_zone`;

/**
 * A segment's persons (subquery `s`, column person_id: survivors) with the consent the export
 * needs: per purpose, a person's stated answer (person_consent_stated, survivors as the segment's),
 * else the policy's default ({defaults}, 1 when a person who stated nothing is in). Filtered
 * before ORDER BY and LIMIT, so a page and its cursor count consenting persons only.
 */
const CONSENT_STATED = `LEFT JOIN
       (
           SELECT person_id, mapFromArrays(groupArray(purpose), groupArray(granted)) AS stated
           FROM person_consent_stated
           WHERE tenant = {tenant:String} AND purpose IN {purposes:Array(String)}
           GROUP BY person_id
       ) AS c ON s.person_id = c.person_id`;
/** After CONSENT_STATED: the person consents to every purpose asked. */
const CONSENTS = `arrayAll((purpose, fallback) -> if(mapContains(c.stated, purpose), c.stated[purpose] = 1, fallback = 1), {purposes:Array(String)}, {defaults:Array(UInt8)})`;
const WITH_CONSENT = `${CONSENT_STATED}
       WHERE ${CONSENTS}`;

/**
 * Per surviving person (the merged persons' days together), the columns rule segments' conditions
 * read (core/segments.ts) for the {days:UInt32} days before `end` and `end` itself (an SQL date
 * of this file: today() or {end:Date}): online_orders, store_receipts, cart_adds, store_visits,
 * window_rows (the person's rows in the window), and purchases_before (before the window). Days
 * after `end` are left out; without `allHistory` only the window's days are read.
 */
const personWindow = (end: string, allHistory: boolean) => `
           SELECT if(o.person_id != '', o.person_id, d.person_id) AS person_id,
                  sumIf(d.online_orders, d.day >= ${end} - {days:UInt32}) AS online_orders,
                  sumIf(d.store_receipts, d.day >= ${end} - {days:UInt32}) AS store_receipts,
                  sumIf(d.cart_adds, d.day >= ${end} - {days:UInt32}) AS cart_adds,
                  sumIf(d.store_visits, d.day >= ${end} - {days:UInt32}) AS store_visits,
                  countIf(d.day >= ${end} - {days:UInt32}) AS window_rows,
                  sumIf(d.online_orders + d.store_receipts, d.day < ${end} - {days:UInt32}) AS purchases_before
           FROM person_daily AS d
           LEFT JOIN (SELECT * FROM person_survivors WHERE tenant = {tenant:String}) AS o ON d.person_id = o.old_person_id
           WHERE d.tenant = {tenant:String} AND d.day <= ${end} ${allHistory ? '' : `AND d.day >= ${end} - {days:UInt32}`}
           GROUP BY person_id`;

/** A rule segment's condition over personWindow(end, true): a rule that reads only its window needs a row in it. */
const inSegment = (name: RuleSegmentName) => {
  const rule: RuleSegment = RULE_SEGMENTS[name];
  return rule.allHistory ? rule.having : `window_rows > 0 AND (${rule.having})`;
};

/**
 * The surviving persons a partner's delivered identifiers name (columns segment, person_id; one
 * row each): the partner's rows of ref_partner_segments (hashed e-mails and phones), each
 * identifier to the identity graph's newest person for it, resolved through merges. With
 * `oneSegment`, only {segment:String}'s.
 */
const partnerMatches = (oneSegment: boolean) => `
           SELECT DISTINCT r.segment AS segment, if(o.person_id != '', o.person_id, i.person_id) AS person_id
           FROM
           (
               SELECT id_type, id_value, segment FROM ref_partner_segments FINAL
               ARRAY JOIN segments AS segment
               WHERE tenant = {tenant:String} AND partner = {partner:String} AND is_deleted = 0 ${oneSegment ? 'AND segment = {segment:String}' : ''}
           ) AS r
           INNER JOIN
           (
               SELECT id_type, id_value, argMax(person_id, updated_at) AS person_id FROM identities
               WHERE tenant = {tenant:String} AND id_type IN ('email_hash', 'phone_hash')
               GROUP BY id_type, id_value
           ) AS i ON r.id_type = i.id_type AND r.id_value = i.id_value
           LEFT JOIN (SELECT * FROM person_survivors WHERE tenant = {tenant:String}) AS o ON i.person_id = o.old_person_id`;

const ms = (column: string) => `toUnixTimestamp64Milli(CAST(${column} AS DateTime64(3, 'UTC')))`;

export type Row = Record<string, unknown>;

export class ClickHouseReads {
  constructor(private readonly ch: ClickHouse) {}

  async activity(tenant: string, members: readonly string[]): Promise<ActivityRow | undefined> {
    const rows = await this.ch.query<ActivityRow>(
      `SELECT count() AS person_rows,
              ${ms('min(first_seen)')} AS first_seen, ${ms('max(last_seen)')} AS last_seen,
              arraySort(groupUniqArrayArray(channels)) AS channels,
              sum(events) AS events, sum(page_views) AS web_page_views, sum(screen_views) AS app_screen_views,
              uniqExactMerge(sessions) AS sessions, uniqExactMerge(store_days) AS store_visits,
              sum(online_orders) AS online_orders, sum(online_revenue_minor) AS online_revenue_minor,
              sum(store_receipts) AS store_orders, sum(store_revenue_minor) AS store_revenue_minor,
              arrayDistinct(arrayMap(x -> x.2, groupArraySortedMerge(10)(last_viewed))) AS last_viewed_skus,
              arrayDistinct(arrayMap(x -> x.2, groupArraySortedMerge(10)(last_carted))) AS last_carted_skus,
              sumMap(category_lines) AS lines,
              arraySlice(arrayMap(x -> x.1, arrayReverseSort(x -> x.2, arrayZip(lines.1, lines.2))), 1, 3) AS favourite_categories,
              argMaxMerge(home_area) AS home,
              home.1 AS home_country, home.2 AS home_postal_code
       FROM person_activity
       WHERE tenant = {tenant:String} AND person_id IN {members:Array(String)}`,
      { tenant, members },
    );
    const row = rows[0];
    return row && row.person_rows > 0 ? row : undefined;
  }

  /** A page of the merged persons' events, newest first, after the cursor's position. */
  timeline(tenant: string, members: readonly string[], limit: number, after?: TimelinePosition): Promise<TimelineRow[]> {
    return this.ch.query<TimelineRow>(
      `SELECT event_id, ${ms('event_time')} AS time, person_id, channel, source, event_type, event_name, session_id, page_path, store_id,
              order_id, currency, revenue_minor, skus
       FROM person_timeline
       WHERE tenant = {tenant:String} AND person_id IN {members:Array(String)}
         ${after ? `AND (event_time, event_id) < (fromUnixTimestamp64Milli({afterMs:Int64}, 'UTC'), {afterId:String})` : ''}
       ORDER BY event_time DESC, event_id DESC
       LIMIT 1 BY event_id
       LIMIT {limit:UInt32}`,
      { tenant, members, limit, ...(after ? { afterMs: after.t, afterId: after.id } : {}) },
    );
  }

  /** Identity's history entries that name any of the persons, in the order the graph applied them; splits are filed under the person before and every person after. */
  history(tenant: string, members: readonly string[]): Promise<HistoryRow[]> {
    return this.ch.query<HistoryRow>(
      `SELECT entry_id, event_id, ${ms('event_time')} AS event_time, ${ms('applied_at')} AS applied_at, identifiers, link_person_id AS person_id, first_seen, joins, refusals, split
       FROM identity_history_by_person
       WHERE tenant = {tenant:String} AND person_id IN {members:Array(String)}
       ORDER BY history_offset, entry_id
       LIMIT 1 BY entry_id`,
      { tenant, members },
    );
  }

  /** Links refused between one of the persons and another (identity_conflicts, latest detection). */
  conflicts(tenant: string, members: readonly string[]): Promise<ConflictRow[]> {
    return this.ch.query<ConflictRow>(
      `SELECT conflict_id, rule, reason, event_id, ${ms('event_time')} AS event_time, ${ms('detected_at')} AS detected_at, identifiers, refused, person_id, other_person_id
       FROM identity_conflicts FINAL
       WHERE tenant = {tenant:String} AND (person_id IN {members:Array(String)} OR other_person_id IN {members:Array(String)})
       ORDER BY detected_at`,
      { tenant, members },
    );
  }

  /** What the events behind an explanation were (channel, type, name), from the persons' timelines. */
  eventSummaries(tenant: string, persons: readonly string[], eventIds: readonly string[]): Promise<EventSummaryRow[]> {
    if (eventIds.length === 0) return Promise.resolve([]);
    return this.ch.query<EventSummaryRow>(
      `SELECT event_id, channel, source, event_type, event_name
       FROM person_timeline
       WHERE tenant = {tenant:String} AND person_id IN {persons:Array(String)} AND event_id IN {eventIds:Array(String)}
       LIMIT 1 BY event_id`,
      { tenant, persons, eventIds },
    );
  }

  /** What the merged persons bought, per product, with the last time. */
  bought(tenant: string, members: readonly string[]): Promise<{ sku: string; last_bought: number }[]> {
    return this.ch.query(
      `SELECT sku, ${ms('max(last_bought)')} AS last_bought
       FROM person_products
       WHERE tenant = {tenant:String} AND person_id IN {members:Array(String)}
       GROUP BY sku`,
      { tenant, members },
    );
  }

  /**
   * The merged persons' newest consent answer per category, per person at ingest (person_consent,
   * by its key): the policy maps categories to purposes and takes the newest (core/consent.ts).
   */
  async consentAnswers(tenant: string, members: readonly string[]): Promise<CategoryAnswer[]> {
    const rows = await this.ch.query<{ category: string; answer: number; at: number | string; source: string }>(
      `SELECT category, argMaxMerge(answer) AS answer, ${ms('max(stated_at)')} AS at, argMaxMerge(source) AS source
       FROM person_consent
       WHERE tenant = {tenant:String} AND person_id IN {members:Array(String)}
       GROUP BY person_id, category`,
      { tenant, members },
    );
    return rows.map((r) => ({ category: r.category, granted: Number(r.answer) === 1, at: Number(r.at), source: r.source }));
  }

  /** Rows of person_products, all tenants: how much the purchases grew since a model was built. */
  async purchaseRows(): Promise<number> {
    const [row] = await this.ch.query<{ n: number }>('SELECT count() AS n FROM person_products');
    return Number(row?.n ?? 0);
  }

  /** Tenants with purchases: those a lift model is built for. */
  async tenantsWithPurchases(): Promise<string[]> {
    const rows = await this.ch.query<{ tenant: string }>(`SELECT DISTINCT tenant FROM person_products ORDER BY tenant`);
    return rows.map((r) => r.tenant);
  }

  /**
   * The lift model's inputs: one basket per surviving person (its merged persons' purchases
   * together) over the window; baskets of more than maxBasket products (a business buyer, a
   * test account) are left out, their pairs would swamp everyone else's.
   */
  async liftInputs(tenant: string, p: { windowDays: number; minPairSupport: number; maxBasket: number; areaBestSellers: number }): Promise<LiftInputs> {
    const baskets = `
      baskets AS
      (
          SELECT if(o.person_id != '', o.person_id, b.person_id) AS survivor, groupUniqArray(b.sku) AS skus
          FROM person_products AS b
          LEFT JOIN (SELECT * FROM person_survivors WHERE tenant = {tenant:String}) AS o ON b.person_id = o.old_person_id
          WHERE b.tenant = {tenant:String} AND b.last_bought >= now64(3) - toIntervalDay({windowDays:UInt32})
          GROUP BY survivor
          HAVING length(skus) <= {maxBasket:UInt32}
      )`;
    const params = { tenant, windowDays: p.windowDays, minPairSupport: p.minPairSupport, maxBasket: p.maxBasket, areaBestSellers: p.areaBestSellers };
    const [items, pairs, categories, areas] = await Promise.all([
      this.ch.query<{ sku: string; baskets: number; total: number }>(
        `WITH ${baskets} SELECT sku, count() AS baskets, (SELECT count() FROM baskets) AS total FROM baskets ARRAY JOIN skus AS sku GROUP BY sku`,
        params,
      ),
      this.ch.query<{ a: string; b: string; n: number }>(
        `WITH ${baskets}
         SELECT a, b, count() AS n FROM baskets ARRAY JOIN skus AS a ARRAY JOIN skus AS b
         WHERE a < b GROUP BY a, b HAVING n >= {minPairSupport:UInt32}`,
        params,
      ),
      this.ch.query<{ sku: string; category: string }>(`SELECT sku, category FROM ref_products FINAL WHERE tenant = {tenant:String} AND is_deleted = 0`, params),
      this.ch.query<{ area: string; skus: string[] }>(
        `WITH ${baskets},
         homes AS
         (
             SELECT if(o.person_id != '', o.person_id, a.person_id) AS survivor, argMaxMerge(a.home_area) AS home
             FROM person_activity AS a
             LEFT JOIN (SELECT * FROM person_survivors WHERE tenant = {tenant:String}) AS o ON a.person_id = o.old_person_id
             WHERE a.tenant = {tenant:String}
             GROUP BY survivor
             HAVING home.2 != ''
         )
         SELECT area, groupArray({areaBestSellers:UInt32})(sku) AS skus FROM
         (
             SELECT concat(h.home.1, '|', h.home.2) AS area, sku, count() AS buyers
             FROM baskets AS k INNER JOIN homes AS h ON k.survivor = h.survivor
             ARRAY JOIN k.skus AS sku
             GROUP BY area, sku
             ORDER BY area, buyers DESC, sku
         )
         GROUP BY area`,
        params,
      ),
    ]);
    return {
      baskets: items[0]?.total ?? 0,
      items: new Map(items.map((i) => [i.sku, i.baskets])),
      pairs,
      categories: new Map(categories.map((c) => [c.sku, c.category])),
      areaBestSellers: new Map(areas.map((a) => [a.area, a.skus])),
    };
  }

  /** A page of a rule segment's surviving persons with the consent an export needs, by person id after the cursor. */
  ruleSegment(tenant: string, name: RuleSegmentName, days: number, limit: number, after: PersonPosition | undefined, consent: SegmentConsent): Promise<{ person_id: string }[]> {
    return this.ch.query(
      `SELECT s.person_id AS person_id FROM
       (
           SELECT person_id FROM (${personWindow('today()', (RULE_SEGMENTS[name] as RuleSegment).allHistory === true)} HAVING ${RULE_SEGMENTS[name].having})
           WHERE person_id > {after:String}
       ) AS s
       ${WITH_CONSENT}
       ORDER BY person_id
       LIMIT {limit:UInt32}`,
      { tenant, days, limit, after: after?.p ?? '', purposes: consent.purposes, defaults: consent.defaults },
    );
  }

  /** A page of the surviving persons whose identifiers a partner put in a segment, with the consent the partner's terms need. */
  partnerSegment(tenant: string, partner: string, segment: string, limit: number, after: PersonPosition | undefined, consent: SegmentConsent): Promise<{ person_id: string }[]> {
    return this.ch.query(
      `SELECT s.person_id AS person_id FROM
       (
           SELECT person_id FROM (${partnerMatches(true)})
           WHERE person_id > {after:String}
       ) AS s
       ${WITH_CONSENT}
       ORDER BY person_id
       LIMIT {limit:UInt32}`,
      { tenant, partner, segment, limit, after: after?.p ?? '', purposes: consent.purposes, defaults: consent.defaults },
    );
  }

  /** Partner segments with their size in identifiers. */
  partnerSegmentList(tenant: string): Promise<{ partner: string; segment: string; identifiers: number }[]> {
    return this.ch.query(
      `SELECT partner, segment, count() AS identifiers
       FROM (SELECT partner, segments FROM ref_partner_segments FINAL WHERE tenant = {tenant:String} AND is_deleted = 0)
       ARRAY JOIN segments AS segment
       GROUP BY partner, segment
       ORDER BY partner, segment`,
      { tenant },
    );
  }

  /**
   * Per rule segment, its surviving persons for the {days} days before `end` (YYYY-MM-DD, UTC) and
   * that day, as the members export finds them (no consent asked: a count names no one). One read of
   * person_daily up to `end` for every segment.
   */
  async ruleSegmentSizes(tenant: string, days: number, end: string): Promise<Record<RuleSegmentName, number>> {
    const [row] = await this.ch.query<Record<RuleSegmentName, number>>(
      `SELECT ${RULE_SEGMENT_NAMES.map((name) => `countIf(${inSegment(name)}) AS ${name}`).join(', ')}
       FROM (${personWindow('{end:Date}', true)})`,
      { tenant, days, end },
    );
    return row!;
  }

  /** Per segment of a partner: the surviving persons its identifiers name, and those whose consent allows the purposes asked (the partner's terms, as its members export). */
  partnerSegmentReach(tenant: string, partner: string, consent: SegmentConsent): Promise<{ segment: string; persons: number; consenting_persons: number }[]> {
    return this.ch.query(
      `SELECT s.segment AS segment, count() AS persons, countIf(${CONSENTS}) AS consenting_persons
       FROM (${partnerMatches(false)}) AS s
       ${CONSENT_STATED}
       GROUP BY segment
       ORDER BY segment`,
      { tenant, partner, purposes: consent.purposes, defaults: consent.defaults },
    );
  }

  /** The tenant's store directory, each store with its zones. */
  stores(tenant: string): Promise<Row[]> {
    return this.ch.query(
      `SELECT store_id, name, city, postal_code, country_code, ${zoneOr('time_zone')} AS time_zone, zones
       FROM ref_stores FINAL
       WHERE tenant = {tenant:String} AND is_deleted = 0
       ORDER BY store_id`,
      { tenant },
    );
  }

  /**
   * A store's visits on its own day by dwell: [minutes, visits] pairs, the visits of visitors heard
   * on Wi-Fi as store_traffic_hourly counts them (its visitors), with the store's time zone.
   */
  async storeDwell(tenant: string, storeId: string, day: string): Promise<{ time_zone: string; dwell: [number, number][] }> {
    const [row] = await this.ch.query<{ time_zone: string; dwell: [number, number][] }>(
      `${STORE_ZONE}
       SELECT zone AS time_zone, groupArray((dwell_minutes, visits)) AS dwell
       FROM
       (
           SELECT dwell_minutes, count() AS visits
           FROM store_visits
           WHERE tenant = {tenant:String} AND store_id = {storeId:String} AND day = {day:Date} AND is_visitor = 1 AND arrayExists(d -> startsWith(d, 'wifi:'), devices)
           GROUP BY dwell_minutes
           ORDER BY dwell_minutes
       )`,
      { tenant, storeId, day },
    );
    return row!;
  }

  /** The tenant's events in events_raw: how many, the newest event time and the last landing (epoch ms), and the events landed since `sinceMs`. */
  async freshness(tenant: string, sinceMs: number): Promise<{ events: number; newest_event_time: number; last_landed_at: number; landed_since: number }> {
    const [row] = await this.ch.query<{ events: number; newest_event_time: number; last_landed_at: number; landed_since: number }>(
      `SELECT count() AS events, ${ms('max(event_time)')} AS newest_event_time, ${ms('max(ingested_at)')} AS last_landed_at,
              uniqExactIf(event_id, ingested_at >= fromUnixTimestamp64Milli({sinceMs:Int64}, 'UTC')) AS landed_since
       FROM events_raw
       WHERE tenant = {tenant:String}`,
      { tenant, sinceMs },
    );
    return row!;
  }

  // The store views count in the store's own wall-clock hours (written as if UTC): the hour is
  // given as that wall time and, read in the store's zone, as the UTC instant it was.
  storeHours(tenant: string, storeId: string, day: string): Promise<Row[]> {
    return this.ch.query(
      `${STORE_ZONE}
       SELECT ${STORE_HOUR},
              footfall_in, footfall_out, visitors, known_visitors, anonymous_visitors, passersby, capture_rate,
              receipts, returns, revenue_minor, units, conversion, median_dwell_minutes
       FROM store_traffic_hourly
       WHERE tenant = {tenant:String} AND store_id = {storeId:String} AND day = {day:Date}
       ORDER BY hour`,
      { tenant, storeId, day },
    );
  }

  storeZones(tenant: string, storeId: string, day: string): Promise<Row[]> {
    return this.ch.query(
      `${STORE_ZONE}
       SELECT ${STORE_HOUR}, zone_id, visitors, visitor_minutes
       FROM store_zone_heat
       WHERE tenant = {tenant:String} AND store_id = {storeId:String} AND day = {day:Date}
       ORDER BY hour, zone_id`,
      { tenant, storeId, day },
    );
  }

  campaignFunnel(tenant: string, from: string, to: string): Promise<Row[]> {
    return this.ch.query(
      `SELECT marketing_medium, campaign_source, campaign_name, count() AS sessions,
              countIf(product_views > 0) AS viewed_product, countIf(cart_adds > 0) AS added_to_cart,
              countIf(checkouts > 0) AS started_checkout, countIf(orders > 0) AS ordered, sum(revenue_minor) AS revenue_minor
       FROM sessions
       WHERE tenant = {tenant:String} AND session_date BETWEEN {from:Date} AND {to:Date} AND is_bot = 0
       GROUP BY marketing_medium, campaign_source, campaign_name
       ORDER BY sessions DESC, marketing_medium, campaign_source, campaign_name`,
      { tenant, from, to },
    );
  }

  productGroups(tenant: string, from: string, to: string, level: number, order: 'top' | 'bottom', limit: number): Promise<Row[]> {
    return this.ch.query(
      `SELECT if(c.group != '', c.group, '(not in catalogue)') AS product_group,
              sum(p.online_revenue_minor) AS online_revenue_minor, sum(p.store_revenue_minor) AS store_revenue_minor,
              online_revenue_minor + store_revenue_minor AS revenue_minor,
              sum(p.online_units + p.store_units) AS units, sum(p.views) AS views
       FROM product_hourly AS p
       LEFT JOIN
       (
           SELECT sku, arrayStringConcat(arraySlice(category_path, 1, {level:UInt8}), ' > ') AS group
           FROM ref_products FINAL WHERE tenant = {tenant:String} AND is_deleted = 0
       ) AS c ON p.sku = c.sku
       WHERE p.tenant = {tenant:String} AND p.hour >= toDateTime({from:Date}, 'UTC') AND p.hour < toDateTime({to:Date}, 'UTC') + INTERVAL 1 DAY
       GROUP BY product_group
       ORDER BY revenue_minor ${order === 'top' ? 'DESC' : 'ASC'}, product_group
       LIMIT {limit:UInt32}`,
      { tenant, from, to, level, limit },
    );
  }

  digitalShare(tenant: string, from: string, to: string): Promise<Row[]> {
    return this.ch.query(
      `SELECT day, currency,
              sumIf(revenue_minor, channel IN ('web', 'app')) AS digital_revenue_minor,
              sumIf(revenue_minor, channel = 'store') AS store_revenue_minor,
              if(digital_revenue_minor + store_revenue_minor != 0, digital_revenue_minor / (digital_revenue_minor + store_revenue_minor), NULL) AS digital_share,
              sumIf(orders, channel IN ('web', 'app')) AS digital_orders, sumIf(orders, channel = 'store') AS store_orders
       FROM sales_daily
       WHERE tenant = {tenant:String} AND day BETWEEN {from:Date} AND {to:Date}
       GROUP BY day, currency
       ORDER BY day, currency`,
      { tenant, from, to },
    );
  }

  /** Searches by query over days: how often, and how often nothing was found; the most frequent first. */
  searches(tenant: string, from: string, to: string, zeroResultsOnly: boolean, limit: number): Promise<Row[]> {
    return this.ch.query(
      `SELECT query, sum(searches) AS searches, sum(zero_results) AS zero_results, sum(with_results) AS with_results
       FROM search_daily
       WHERE tenant = {tenant:String} AND day BETWEEN {from:Date} AND {to:Date}
       GROUP BY query
       ${zeroResultsOnly ? 'HAVING zero_results > 0' : ''}
       ORDER BY ${zeroResultsOnly ? 'zero_results' : 'searches'} DESC, query
       LIMIT {limit:UInt32}`,
      { tenant, from, to, limit },
    );
  }

  /** The web and app checkout funnel over days: sessions that viewed a product, added to a cart, began a checkout, ordered (crawlers left out). */
  checkoutFunnel(tenant: string, from: string, to: string): Promise<Row[]> {
    return this.ch.query(
      `SELECT channel, count() AS sessions, countIf(product_views > 0) AS viewed_product, countIf(cart_adds > 0) AS added_to_cart,
              countIf(checkouts > 0) AS started_checkout, countIf(orders > 0) AS ordered, sum(revenue_minor) AS revenue_minor,
              countIf(cart_adds > 0 AND orders = 0) AS abandoned_cart, countIf(checkouts > 0 AND orders = 0) AS abandoned_checkout
       FROM sessions
       WHERE tenant = {tenant:String} AND session_date BETWEEN {from:Date} AND {to:Date} AND is_bot = 0
       GROUP BY channel
       ORDER BY channel`,
      { tenant, from, to },
    );
  }

  /** Products viewed most that nobody bought over the days (online or in a store), with their names from the catalogue. */
  viewedNotBought(tenant: string, from: string, to: string, limit: number): Promise<Row[]> {
    return this.ch.query(
      `SELECT p.sku AS sku, ifNull(c.name, '') AS name, ifNull(c.category, '') AS category, p.views AS views, p.cart_adds AS cart_adds
       FROM
       (
           SELECT sku, sum(views) AS views, sum(cart_adds) AS cart_adds, sum(online_orders) + sum(store_receipts) AS bought
           FROM product_hourly
           WHERE tenant = {tenant:String} AND hour >= toDateTime({from:Date}, 'UTC') AND hour < toDateTime({to:Date} + 1, 'UTC')
           GROUP BY sku
           HAVING views > 0 AND bought = 0
           ORDER BY views DESC, sku
           LIMIT {limit:UInt32}
       ) AS p
       LEFT JOIN (SELECT sku, argMax(name, loaded_at) AS name, argMax(category, loaded_at) AS category FROM ref_products WHERE tenant = {tenant:String} GROUP BY sku) AS c
           ON p.sku = c.sku
       ORDER BY views DESC, sku`,
      { tenant, from, to, limit },
    );
  }

  /** Sessions by device type, operating system and browser over days (crawlers left out): one row per (dimension, value). */
  technology(tenant: string, from: string, to: string): Promise<Row[]> {
    return this.ch.query(
      `SELECT pair.1 AS dimension, pair.2 AS value, count() AS sessions
       FROM sessions
       ARRAY JOIN [('device', device_type), ('os', os), ('browser', browser)] AS pair
       WHERE tenant = {tenant:String} AND session_date BETWEEN {from:Date} AND {to:Date} AND is_bot = 0 AND pair.2 != ''
       GROUP BY dimension, value
       ORDER BY dimension, sessions DESC, value`,
      { tenant, from, to },
    );
  }

  /** Page-load times by hour over days (every page) and the slowest pages by their 90th percentile. */
  async pageLoad(tenant: string, from: string, to: string, limit: number): Promise<{ hours: Row[]; pages: Row[] }> {
    const where = `tenant = {tenant:String} AND hour >= toDateTime({from:Date}, 'UTC') AND hour < toDateTime({to:Date} + 1, 'UTC')`;
    const quantiles = 'sum(loads) AS loads, quantilesMerge(0.5, 0.9, 0.99)(load_ms) AS q, round(q[1]) AS p50_ms, round(q[2]) AS p90_ms, round(q[3]) AS p99_ms';
    const [hours, pages] = await Promise.all([
      this.ch.query<Row>(`SELECT formatDateTime(hour, '%Y-%m-%dT%H:00:00Z', 'UTC') AS hour_utc, ${quantiles} FROM page_load_hourly WHERE ${where} GROUP BY hour ORDER BY hour`, { tenant, from, to }),
      this.ch.query<Row>(`SELECT page_path, ${quantiles} FROM page_load_hourly WHERE ${where} GROUP BY page_path ORDER BY p90_ms DESC, page_path LIMIT {limit:UInt32}`, { tenant, from, to, limit }),
    ]);
    const drop = (rows: Row[]) => rows.map(({ q: _q, ...rest }) => rest);
    return { hours: drop(hours), pages: drop(pages) };
  }
}
