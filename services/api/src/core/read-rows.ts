/** Rows as the ClickHouse reads return them (times as epoch milliseconds). */

export interface ActivityRow {
  person_rows: number;
  first_seen: number;
  last_seen: number;
  channels: string[];
  events: number;
  web_page_views: number;
  app_screen_views: number;
  sessions: number;
  store_visits: number;
  online_orders: number;
  online_revenue_minor: number;
  store_orders: number;
  store_revenue_minor: number;
  last_viewed_skus: string[];
  last_carted_skus: string[];
  favourite_categories: string[];
  home_country: string;
  home_postal_code: string;
}

export interface TimelineRow {
  event_id: string;
  time: number;
  person_id: string;
  channel: string;
  source: string;
  event_type: string;
  event_name: string;
  session_id: string;
  page_path: string;
  store_id: string;
  order_id: string;
  currency: string;
  revenue_minor: number;
  skus: string[];
}

export interface IdentifierRow {
  type: string;
  value: string;
}

export interface HistoryRow {
  entry_id: string;
  event_id: string;
  event_time: number;
  applied_at: number;
  identifiers: IdentifierRow[];
  person_id: string;
  first_seen: IdentifierRow[];
  joins: { survivor_person_id: string; absorbed_person_id: string; identifiers: IdentifierRow[]; carried_person_ids: string[] }[];
  refusals: { conflict_id: string; rule: string; reason: string; refused: IdentifierRow; person_id: string; other_person_id: string }[];
  /** An operator's block (BLOCKED) or unblock (UNBLOCKED) of a value; action '' on every other entry. */
  split: { action: '' | 'BLOCKED' | 'UNBLOCKED'; blocked: IdentifierRow; reason: string; requested_by: string; person_before: string; persons_after: string[] };
}

export interface ConflictRow {
  conflict_id: string;
  rule: string;
  reason: string;
  event_id: string;
  event_time: number;
  detected_at: number;
  identifiers: IdentifierRow[];
  refused: IdentifierRow;
  person_id: string;
  other_person_id: string;
}

export interface EventSummaryRow {
  event_id: string;
  channel: string;
  source: string;
  event_type: string;
  event_name: string;
}
