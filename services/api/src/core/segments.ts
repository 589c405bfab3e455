/**
 * Rule segments: named conditions on a person's purchases and visits in the last `days` days
 * (person_daily, every merged person's days together). The HAVING text is fixed here and chosen by
 * name; the request only supplies the name (checked against this map) and the number of days.
 * Columns the conditions may use: online_orders, store_receipts, cart_adds, store_visits (in the
 * window) and purchases_before (before it; allHistory rules read every day).
 */
export interface RuleSegment {
  description: string;
  having: string;
  /** Reads every day, not only the window's (a "before the window" condition). */
  allHistory?: boolean;
}

export const RULE_SEGMENTS = {
  omnichannel_buyers: { description: 'bought online and in a store in the last {days} days', having: 'online_orders > 0 AND store_receipts > 0' },
  online_only_buyers: { description: 'bought online, not in a store, in the last {days} days', having: 'online_orders > 0 AND store_receipts = 0' },
  store_only_buyers: { description: 'bought in a store, not online, in the last {days} days', having: 'store_receipts > 0 AND online_orders = 0' },
  cart_abandoners: { description: 'added to a cart and bought nothing in the last {days} days', having: 'cart_adds > 0 AND online_orders = 0 AND store_receipts = 0' },
  store_visitors_not_buying: { description: 'seen in a store (app beacon) and bought nothing there in the last {days} days', having: 'store_visits > 0 AND store_receipts = 0' },
  lapsed_buyers: { description: 'bought before the last {days} days and not since', having: 'purchases_before > 0 AND online_orders = 0 AND store_receipts = 0', allHistory: true },
} as const satisfies Record<string, RuleSegment>;

export type RuleSegmentName = keyof typeof RULE_SEGMENTS;
export const RULE_SEGMENT_NAMES = Object.keys(RULE_SEGMENTS) as RuleSegmentName[];
export const DEFAULT_SEGMENT_DAYS = 30;
