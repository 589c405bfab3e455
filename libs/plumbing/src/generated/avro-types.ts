/* eslint-disable */
// Generated from schemas/*.avsc by `pnpm codegen`. Do not edit: change the .avsc file and regenerate.

/* eslint-disable @typescript-eslint/no-namespace */


export namespace CdpAggregation {
    export const PersonUpdatesSchema = "{\"type\":\"record\",\"name\":\"PersonUpdates\",\"namespace\":\"cdp.aggregation\",\"doc\":\"A change notification for readers that cache per person (the customer API): aggregation's ClickHouse sink publishes it after a batch of events has landed in ClickHouse (events_raw and, through the materialized views, person_activity and the other per-person tables) and before the batch's offsets are committed. At least once: a replayed batch notifies again, so a reader treats a repeat as harmless. Not a record of the events. One record per tenant per batch, with at most 2,000 persons; a batch with more gives several, and a batch of events that name no one (people counts, receipts without a card) gives one with none: it still says when the tenant's data changed (the console refreshes on it). Keyed by tenant.\",\"fields\":[{\"name\":\"tenant\",\"type\":\"string\",\"doc\":\"Retailer (tenant) the persons belong to.\"},{\"name\":\"personIds\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"doc\":\"Persons at ingest (the person_id the events carry in events_raw, not resolved through merges) whose rows this batch inserted, or would have had the event-id gate not dropped them as copies (a batch read again after a crash notifies again); each once. A reader resolves them to the survivor, or looks them up among the merged persons of what it cached.\"},{\"name\":\"landedAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"},\"doc\":\"When the batch's last ClickHouse insert returned: rows are queryable from then on.\"}]}";
    export const PersonUpdatesName = "cdp.aggregation.PersonUpdates";
    /**
     * A change notification for readers that cache per person (the customer API): aggregation's ClickHouse sink publishes it after a batch of events has landed in ClickHouse (events_raw and, through the materialized views, person_activity and the other per-person tables) and before the batch's offsets are committed. At least once: a replayed batch notifies again, so a reader treats a repeat as harmless. Not a record of the events. One record per tenant per batch, with at most 2,000 persons; a batch with more gives several, and a batch of events that name no one (people counts, receipts without a card) gives one with none: it still says when the tenant's data changed (the console refreshes on it). Keyed by tenant.
     */
    export interface PersonUpdates {
        /**
         * Retailer (tenant) the persons belong to.
         */
        tenant: string;
        /**
         * Persons at ingest (the person_id the events carry in events_raw, not resolved through merges) whose rows this batch inserted, or would have had the event-id gate not dropped them as copies (a batch read again after a crash notifies again); each once. A reader resolves them to the survivor, or looks them up among the merged persons of what it cached.
         */
        personIds: string[];
        /**
         * When the batch's last ClickHouse insert returned: rows are queryable from then on.
         */
        landedAt: number;
    }
    export const SignalCartLineSchema = "{\"type\":\"record\",\"name\":\"SignalCartLine\",\"fields\":[{\"name\":\"sku\",\"type\":\"string\"},{\"name\":\"quantity\",\"type\":\"double\"},{\"name\":\"unitPriceMinor\",\"type\":\"long\",\"doc\":\"Minor units of the cart's currency; 0 when the event named no price.\"}]}";
    export const SignalCartLineName = "cdp.aggregation.SignalCartLine";
    export interface SignalCartLine {
        sku: string;
        quantity: number;
        /**
         * Minor units of the cart's currency; 0 when the event named no price.
         */
        unitPriceMinor: number;
    }
    export const SignalCartSchema = "{\"type\":\"record\",\"name\":\"SignalCart\",\"doc\":\"The person's open web or app cart, from Product Added and Product Removed. An order (Order Completed) or an emptied cart ends it.\",\"fields\":[{\"name\":\"channel\",\"type\":\"string\",\"doc\":\"Channel of the last change: web or app.\"},{\"name\":\"lastChangeAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"},\"doc\":\"Event time of the last change; the cart is abandoned at this plus the cart-abandon time.\"},{\"name\":\"lastChangeEventId\",\"type\":\"string\",\"doc\":\"The last change: the triggering event of the occasion's CART_ABANDONED.\"},{\"name\":\"changeEventIds\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"doc\":\"Changes since the occasion began (the cart opened or the last abandonment), newest first, at most 20.\"},{\"name\":\"lines\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"SignalCartLine\",\"fields\":[{\"name\":\"sku\",\"type\":\"string\"},{\"name\":\"quantity\",\"type\":\"double\"},{\"name\":\"unitPriceMinor\",\"type\":\"long\",\"doc\":\"Minor units of the cart's currency; 0 when the event named no price.\"}]}}},{\"name\":\"currency\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"abandonedSignalId\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Set when the occasion that ended at lastChangeEventId was signalled (or passed too long ago to signal): the next change starts a new occasion.\"}]}";
    export const SignalCartName = "cdp.aggregation.SignalCart";
    /**
     * The person's open web or app cart, from Product Added and Product Removed. An order (Order Completed) or an emptied cart ends it.
     */
    export interface SignalCart {
        /**
         * Channel of the last change: web or app.
         */
        channel: string;
        /**
         * Event time of the last change; the cart is abandoned at this plus the cart-abandon time.
         */
        lastChangeAt: number;
        /**
         * The last change: the triggering event of the occasion's CART_ABANDONED.
         */
        lastChangeEventId: string;
        /**
         * Changes since the occasion began (the cart opened or the last abandonment), newest first, at most 20.
         */
        changeEventIds: string[];
        lines: CdpAggregation.SignalCartLine[];
        /**
         * Default: null
         */
        currency: null | string;
        /**
         * Set when the occasion that ended at lastChangeEventId was signalled (or passed too long ago to signal): the next change starts a new occasion.
         *
         * Default: null
         */
        abandonedSignalId: null | string;
    }
    export const SignalProductViewSchema = "{\"type\":\"record\",\"name\":\"SignalProductView\",\"doc\":\"The newest web or app Product Viewed of one sku within the browsing window.\",\"fields\":[{\"name\":\"sku\",\"type\":\"string\"},{\"name\":\"viewedAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},{\"name\":\"eventId\",\"type\":\"string\"}]}";
    export const SignalProductViewName = "cdp.aggregation.SignalProductView";
    /**
     * The newest web or app Product Viewed of one sku within the browsing window.
     */
    export interface SignalProductView {
        sku: string;
        viewedAt: number;
        eventId: string;
    }
    export const SignalStorePresenceSchema = "{\"type\":\"record\",\"name\":\"SignalStorePresence\",\"doc\":\"The person's current or last visit to one store, from beacon sightings and Wi-Fi observations of a non-randomised MAC, with the thresholds of store_visit_rules.\",\"fields\":[{\"name\":\"storeId\",\"type\":\"string\"},{\"name\":\"visitStartedAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"},\"doc\":\"First sighting at hold strength or stronger after a gap.\"},{\"name\":\"lastSeenAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"},\"doc\":\"Latest sighting at hold strength or stronger: the visit ends when the gap passes without one.\"},{\"name\":\"entryEventId\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"The first strong (open strength) sighting of the visit: the entry, signalled once. Null while the visit has had none.\"}]}";
    export const SignalStorePresenceName = "cdp.aggregation.SignalStorePresence";
    /**
     * The person's current or last visit to one store, from beacon sightings and Wi-Fi observations of a non-randomised MAC, with the thresholds of store_visit_rules.
     */
    export interface SignalStorePresence {
        storeId: string;
        /**
         * First sighting at hold strength or stronger after a gap.
         */
        visitStartedAt: number;
        /**
         * Latest sighting at hold strength or stronger: the visit ends when the gap passes without one.
         */
        lastSeenAt: number;
        /**
         * The first strong (open strength) sighting of the visit: the entry, signalled once. Null while the visit has had none.
         *
         * Default: null
         */
        entryEventId: null | string;
    }
    export const SignalStateSchema = "{\"type\":\"record\",\"name\":\"SignalState\",\"namespace\":\"cdp.aggregation\",\"doc\":\"What the signals processor remembers of one person, keyed tenant|personId on a compacted topic: written in the same Kafka transaction as the signals it made and the input offsets it consumed, and read back on start, so open timers survive a restart and nothing fires twice. Per person at ingest: a merge leaves the absorbed person's state as it was (its open timers still fire once under the absorbed id) and the survivor's state goes on with the survivor's events.\",\"fields\":[{\"name\":\"tenant\",\"type\":\"string\"},{\"name\":\"personId\",\"type\":\"string\"},{\"name\":\"partition\",\"type\":\"int\",\"doc\":\"Partition of the enriched-events topic the person's events arrive on: the processor instance that owns it fires the person's timers.\"},{\"name\":\"updatedAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"},\"doc\":\"Wall-clock time of the last change.\"},{\"name\":\"purchased\",\"type\":[\"null\",\"boolean\"],\"default\":null,\"doc\":\"The person has bought (an order, a store sale or return). Null: not known yet; ClickHouse is asked when a purchase arrives.\"},{\"name\":\"known\",\"type\":[\"null\",\"boolean\"],\"default\":null,\"doc\":\"The person has an identifier other than anonymous, device and Wi-Fi MAC ids (user_id, customer_id, loyalty_card, email_hash, phone_hash, external ids) or a purchase. Null: not known yet; ClickHouse is asked when a store entry arrives.\"},{\"name\":\"cart\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"SignalCart\",\"doc\":\"The person's open web or app cart, from Product Added and Product Removed. An order (Order Completed) or an emptied cart ends it.\",\"fields\":[{\"name\":\"channel\",\"type\":\"string\",\"doc\":\"Channel of the last change: web or app.\"},{\"name\":\"lastChangeAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"},\"doc\":\"Event time of the last change; the cart is abandoned at this plus the cart-abandon time.\"},{\"name\":\"lastChangeEventId\",\"type\":\"string\",\"doc\":\"The last change: the triggering event of the occasion's CART_ABANDONED.\"},{\"name\":\"changeEventIds\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"doc\":\"Changes since the occasion began (the cart opened or the last abandonment), newest first, at most 20.\"},{\"name\":\"lines\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"SignalCartLine\",\"fields\":[{\"name\":\"sku\",\"type\":\"string\"},{\"name\":\"quantity\",\"type\":\"double\"},{\"name\":\"unitPriceMinor\",\"type\":\"long\",\"doc\":\"Minor units of the cart's currency; 0 when the event named no price.\"}]}}},{\"name\":\"currency\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"abandonedSignalId\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Set when the occasion that ended at lastChangeEventId was signalled (or passed too long ago to signal): the next change starts a new occasion.\"}]}],\"default\":null},{\"name\":\"productViews\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"SignalProductView\",\"doc\":\"The newest web or app Product Viewed of one sku within the browsing window.\",\"fields\":[{\"name\":\"sku\",\"type\":\"string\"},{\"name\":\"viewedAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},{\"name\":\"eventId\",\"type\":\"string\"}]}},\"default\":[],\"doc\":\"Newest first, at most 20 skus.\"},{\"name\":\"stores\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"SignalStorePresence\",\"doc\":\"The person's current or last visit to one store, from beacon sightings and Wi-Fi observations of a non-randomised MAC, with the thresholds of store_visit_rules.\",\"fields\":[{\"name\":\"storeId\",\"type\":\"string\"},{\"name\":\"visitStartedAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"},\"doc\":\"First sighting at hold strength or stronger after a gap.\"},{\"name\":\"lastSeenAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"},\"doc\":\"Latest sighting at hold strength or stronger: the visit ends when the gap passes without one.\"},{\"name\":\"entryEventId\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"The first strong (open strength) sighting of the visit: the entry, signalled once. Null while the visit has had none.\"}]}},\"default\":[]},{\"name\":\"firedSignalIds\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"default\":[],\"doc\":\"Signal ids emitted (or passed over as too late) lately, newest first, at most 32: a replayed trigger finds its id here and fires nothing.\"},{\"name\":\"recentEventIds\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"default\":[],\"doc\":\"Ids of the latest events that changed this state, newest first, at most 64: a copy of one of them changes nothing.\"}]}";
    export const SignalStateName = "cdp.aggregation.SignalState";
    /**
     * What the signals processor remembers of one person, keyed tenant|personId on a compacted topic: written in the same Kafka transaction as the signals it made and the input offsets it consumed, and read back on start, so open timers survive a restart and nothing fires twice. Per person at ingest: a merge leaves the absorbed person's state as it was (its open timers still fire once under the absorbed id) and the survivor's state goes on with the survivor's events.
     */
    export interface SignalState {
        tenant: string;
        personId: string;
        /**
         * Partition of the enriched-events topic the person's events arrive on: the processor instance that owns it fires the person's timers.
         */
        partition: number;
        /**
         * Wall-clock time of the last change.
         */
        updatedAt: number;
        /**
         * The person has bought (an order, a store sale or return). Null: not known yet; ClickHouse is asked when a purchase arrives.
         *
         * Default: null
         */
        purchased: null | boolean;
        /**
         * The person has an identifier other than anonymous, device and Wi-Fi MAC ids (user_id, customer_id, loyalty_card, email_hash, phone_hash, external ids) or a purchase. Null: not known yet; ClickHouse is asked when a store entry arrives.
         *
         * Default: null
         */
        known: null | boolean;
        /**
         * Default: null
         */
        cart: null | CdpAggregation.SignalCart;
        /**
         * Newest first, at most 20 skus.
         *
         * Default: []
         */
        productViews: CdpAggregation.SignalProductView[];
        /**
         * Default: []
         */
        stores: CdpAggregation.SignalStorePresence[];
        /**
         * Signal ids emitted (or passed over as too late) lately, newest first, at most 32: a replayed trigger finds its id here and fires nothing.
         *
         * Default: []
         */
        firedSignalIds: string[];
        /**
         * Ids of the latest events that changed this state, newest first, at most 64: a copy of one of them changes nothing.
         *
         * Default: []
         */
        recentEventIds: string[];
    }
    export const SignalKindSchema = "{\"type\":\"enum\",\"name\":\"SignalKind\",\"doc\":\"CART_ABANDONED: a web or app cart changed and no order followed within the cart-abandon time (AGGREGATION_CART_ABANDON_MINUTES, default 30); a later cart change starts a new occasion. KNOWN_CUSTOMER_ENTERED_STORE: a known person (an identifier other than anonymous and device ids, or a purchase) was first seen strong at a store after the visit gap; once per visit. FIRST_PURCHASE: the person's first order or store sale. STORE_VISIT_AFTER_BROWSING: a store entry (as for KNOWN_CUSTOMER_ENTERED_STORE, known or not) by a person who viewed products online within the browsing window (default 7 days).\",\"symbols\":[\"CART_ABANDONED\",\"KNOWN_CUSTOMER_ENTERED_STORE\",\"FIRST_PURCHASE\",\"STORE_VISIT_AFTER_BROWSING\"]}";
    export const SignalKindName = "cdp.aggregation.SignalKind";
    /**
     * CART_ABANDONED: a web or app cart changed and no order followed within the cart-abandon time (AGGREGATION_CART_ABANDON_MINUTES, default 30); a later cart change starts a new occasion. KNOWN_CUSTOMER_ENTERED_STORE: a known person (an identifier other than anonymous and device ids, or a purchase) was first seen strong at a store after the visit gap; once per visit. FIRST_PURCHASE: the person's first order or store sale. STORE_VISIT_AFTER_BROWSING: a store entry (as for KNOWN_CUSTOMER_ENTERED_STORE, known or not) by a person who viewed products online within the browsing window (default 7 days).
     */
    export type SignalKind = "CART_ABANDONED" | "KNOWN_CUSTOMER_ENTERED_STORE" | "FIRST_PURCHASE" | "STORE_VISIT_AFTER_BROWSING";
    export const SignalSegmentSchema = "{\"type\":\"record\",\"name\":\"SignalSegment\",\"doc\":\"One partner segment of the person.\",\"fields\":[{\"name\":\"partner\",\"type\":\"string\"},{\"name\":\"segment\",\"type\":\"string\"}]}";
    export const SignalSegmentName = "cdp.aggregation.SignalSegment";
    /**
     * One partner segment of the person.
     */
    export interface SignalSegment {
        partner: string;
        segment: string;
    }
    export const SignalSchema = "{\"type\":\"record\",\"name\":\"Signal\",\"namespace\":\"cdp.aggregation\",\"doc\":\"Something that just happened to one person and is worth acting on now, for applications (web personalisation, store clerk app, marketing automation). Each fires once per occasion: signalId comes from kind, tenant, person and the triggering event, so a replayed event never makes a second one. Keyed tenant|personId. Aggregation writes signals in Kafka transactions: read them read_committed (kafkajs' and the Java client's isolation.level=read_committed), or an aborted attempt can be seen.\",\"fields\":[{\"name\":\"signalId\",\"type\":\"string\",\"doc\":\"Deterministic: the first 32 hex digits of SHA-256 over kind, tenant, personId and the triggering event id (the first of sourceEventIds). The same occasion always gets the same id: deduplicate on it.\"},{\"name\":\"tenant\",\"type\":\"string\",\"doc\":\"Retailer (tenant) the person belongs to.\"},{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"SignalKind\",\"doc\":\"CART_ABANDONED: a web or app cart changed and no order followed within the cart-abandon time (AGGREGATION_CART_ABANDON_MINUTES, default 30); a later cart change starts a new occasion. KNOWN_CUSTOMER_ENTERED_STORE: a known person (an identifier other than anonymous and device ids, or a purchase) was first seen strong at a store after the visit gap; once per visit. FIRST_PURCHASE: the person's first order or store sale. STORE_VISIT_AFTER_BROWSING: a store entry (as for KNOWN_CUSTOMER_ENTERED_STORE, known or not) by a person who viewed products online within the browsing window (default 7 days).\",\"symbols\":[\"CART_ABANDONED\",\"KNOWN_CUSTOMER_ENTERED_STORE\",\"FIRST_PURCHASE\",\"STORE_VISIT_AFTER_BROWSING\"]}},{\"name\":\"personId\",\"type\":\"string\",\"doc\":\"The person as the source events carried it (at ingest). A later merge may absorb it into another person: customer_profile(tenant, person_id) and the query API find the survivor from it.\"},{\"name\":\"firedAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"},\"doc\":\"When aggregation emitted the signal.\"},{\"name\":\"occurredAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"},\"doc\":\"Event time of the triggering event: the last cart change, the store sighting, the order or receipt. A cart was abandoned at occurredAt plus the cart-abandon time.\"},{\"name\":\"sourceEventIds\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"doc\":\"The events the signal came from (envelope.eventId), the triggering one first. CART_ABANDONED: the cart changes of the occasion, newest first (at most 20); STORE_VISIT_AFTER_BROWSING: the sighting, then the product views.\"},{\"name\":\"channel\",\"type\":\"string\",\"doc\":\"Where the triggering event came from: web, app or store.\"},{\"name\":\"storeId\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Store signals, and a FIRST_PURCHASE at a till: the store (as the store directory placed the event, else as the event named it). Null otherwise.\"},{\"name\":\"storeName\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"The store's name from the store directory; null when the directory does not know the store.\"},{\"name\":\"skus\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"default\":[],\"doc\":\"CART_ABANDONED: the skus in the cart; FIRST_PURCHASE: the skus bought; STORE_VISIT_AFTER_BROWSING: the skus viewed online within the browsing window before the visit, newest first. Every viewed sku: the store directory has no per-store assortment, so they are not narrowed to what this store carries. Empty for KNOWN_CUSTOMER_ENTERED_STORE.\"},{\"name\":\"segments\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"SignalSegment\",\"doc\":\"One partner segment of the person.\",\"fields\":[{\"name\":\"partner\",\"type\":\"string\"},{\"name\":\"segment\",\"type\":\"string\"}]}},\"default\":[],\"doc\":\"Store signals: the person's partner segments as ClickHouse knew them when the signal fired (customer_profile: partner data by the person's hashed e-mail or phone). Empty for other kinds and for persons no partner matched.\"},{\"name\":\"valueMinor\",\"type\":[\"null\",\"long\"],\"default\":null,\"doc\":\"CART_ABANDONED: the cart's value (quantity times unit price of each line); FIRST_PURCHASE: the order's or receipt's total. Minor units (cents) of currency. Null for store signals.\"},{\"name\":\"currency\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"ISO 4217 code of valueMinor, upper case; null when the events named none.\"},{\"name\":\"orderId\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"FIRST_PURCHASE: the order id (web, app) or receipt id (store). Null otherwise.\"}]}";
    export const SignalName = "cdp.aggregation.Signal";
    /**
     * Something that just happened to one person and is worth acting on now, for applications (web personalisation, store clerk app, marketing automation). Each fires once per occasion: signalId comes from kind, tenant, person and the triggering event, so a replayed event never makes a second one. Keyed tenant|personId. Aggregation writes signals in Kafka transactions: read them read_committed (kafkajs' and the Java client's isolation.level=read_committed), or an aborted attempt can be seen.
     */
    export interface Signal {
        /**
         * Deterministic: the first 32 hex digits of SHA-256 over kind, tenant, personId and the triggering event id (the first of sourceEventIds). The same occasion always gets the same id: deduplicate on it.
         */
        signalId: string;
        /**
         * Retailer (tenant) the person belongs to.
         */
        tenant: string;
        kind: CdpAggregation.SignalKind;
        /**
         * The person as the source events carried it (at ingest). A later merge may absorb it into another person: customer_profile(tenant, person_id) and the query API find the survivor from it.
         */
        personId: string;
        /**
         * When aggregation emitted the signal.
         */
        firedAt: number;
        /**
         * Event time of the triggering event: the last cart change, the store sighting, the order or receipt. A cart was abandoned at occurredAt plus the cart-abandon time.
         */
        occurredAt: number;
        /**
         * The events the signal came from (envelope.eventId), the triggering one first. CART_ABANDONED: the cart changes of the occasion, newest first (at most 20); STORE_VISIT_AFTER_BROWSING: the sighting, then the product views.
         */
        sourceEventIds: string[];
        /**
         * Where the triggering event came from: web, app or store.
         */
        channel: string;
        /**
         * Store signals, and a FIRST_PURCHASE at a till: the store (as the store directory placed the event, else as the event named it). Null otherwise.
         *
         * Default: null
         */
        storeId: null | string;
        /**
         * The store's name from the store directory; null when the directory does not know the store.
         *
         * Default: null
         */
        storeName: null | string;
        /**
         * CART_ABANDONED: the skus in the cart; FIRST_PURCHASE: the skus bought; STORE_VISIT_AFTER_BROWSING: the skus viewed online within the browsing window before the visit, newest first. Every viewed sku: the store directory has no per-store assortment, so they are not narrowed to what this store carries. Empty for KNOWN_CUSTOMER_ENTERED_STORE.
         *
         * Default: []
         */
        skus: string[];
        /**
         * Store signals: the person's partner segments as ClickHouse knew them when the signal fired (customer_profile: partner data by the person's hashed e-mail or phone). Empty for other kinds and for persons no partner matched.
         *
         * Default: []
         */
        segments: CdpAggregation.SignalSegment[];
        /**
         * CART_ABANDONED: the cart's value (quantity times unit price of each line); FIRST_PURCHASE: the order's or receipt's total. Minor units (cents) of currency. Null for store signals.
         *
         * Default: null
         */
        valueMinor: null | number;
        /**
         * ISO 4217 code of valueMinor, upper case; null when the events named none.
         *
         * Default: null
         */
        currency: null | string;
        /**
         * FIRST_PURCHASE: the order id (web, app) or receipt id (store). Null otherwise.
         *
         * Default: null
         */
        orderId: null | string;
    }
}

export namespace CdpCommon {
    export const ConsentSchema = "{\"type\":\"record\",\"name\":\"Consent\",\"namespace\":\"cdp.common\",\"doc\":\"What a person stated about the use of their data, as the client sent it: Segment's context.consent (a consent manager's categories, e.g. OneTrust's C0002 or 'Analytics') or the loyalty programme's terms accepted at a till. Categories are the tenant's words; the tenant's consent policy maps them to the pipeline's purposes (analytics, personalisation, marketing).\",\"fields\":[{\"name\":\"categoryPreferences\",\"type\":{\"type\":\"map\",\"values\":\"boolean\"},\"doc\":\"Category -> consented (true) or refused (false). Only the categories the person answered.\"}]}";
    export const ConsentName = "cdp.common.Consent";
    /**
     * What a person stated about the use of their data, as the client sent it: Segment's context.consent (a consent manager's categories, e.g. OneTrust's C0002 or 'Analytics') or the loyalty programme's terms accepted at a till. Categories are the tenant's words; the tenant's consent policy maps them to the pipeline's purposes (analytics, personalisation, marketing).
     */
    export interface Consent {
        /**
         * Category -> consented (true) or refused (false). Only the categories the person answered.
         */
        categoryPreferences: {
            [index: string]: boolean;
        };
    }
    export const EnvelopeSchema = "{\"type\":\"record\",\"name\":\"Envelope\",\"namespace\":\"cdp.common\",\"doc\":\"Fields every event carries, whatever its family. Times are epoch milliseconds (UTC).\",\"fields\":[{\"name\":\"eventId\",\"type\":\"string\",\"doc\":\"Unique id of the event: the Segment messageId where the client sent one, otherwise generated at ingest. Deduplication key end to end.\"},{\"name\":\"eventTime\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"},\"doc\":\"When the event happened, corrected for client clock skew where the client sent sentAt.\"},{\"name\":\"receivedTime\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"},\"doc\":\"When ingest (or the store gateway) accepted the event.\"},{\"name\":\"source\",\"type\":\"string\",\"doc\":\"Id of the configured source that sent the event (e.g. web-shop, store-gateway).\"},{\"name\":\"tenant\",\"type\":\"string\",\"doc\":\"Retailer (tenant) the event belongs to.\"},{\"name\":\"schemaVersion\",\"type\":\"int\",\"doc\":\"Version of the event family's schema the producer wrote.\"}]}";
    export const EnvelopeName = "cdp.common.Envelope";
    /**
     * Fields every event carries, whatever its family. Times are epoch milliseconds (UTC).
     */
    export interface Envelope {
        /**
         * Unique id of the event: the Segment messageId where the client sent one, otherwise generated at ingest. Deduplication key end to end.
         */
        eventId: string;
        /**
         * When the event happened, corrected for client clock skew where the client sent sentAt.
         */
        eventTime: number;
        /**
         * When ingest (or the store gateway) accepted the event.
         */
        receivedTime: number;
        /**
         * Id of the configured source that sent the event (e.g. web-shop, store-gateway).
         */
        source: string;
        /**
         * Retailer (tenant) the event belongs to.
         */
        tenant: string;
        /**
         * Version of the event family's schema the producer wrote.
         */
        schemaVersion: number;
    }
}

export namespace CdpIdentity {
    export const IdentifierSchema = "{\"type\":\"record\",\"name\":\"Identifier\",\"namespace\":\"cdp.identity\",\"doc\":\"One identifier of a person: its type (anonymous_id, user_id, loyalty_card, email_hash, ...) and value.\",\"fields\":[{\"name\":\"type\",\"type\":\"string\"},{\"name\":\"value\",\"type\":\"string\"}]}";
    export const IdentifierName = "cdp.identity.Identifier";
    /**
     * One identifier of a person: its type (anonymous_id, user_id, loyalty_card, email_hash, ...) and value.
     */
    export interface Identifier {
        type: string;
        value: string;
    }
    export const IdentifierAssignmentSchema = "{\"type\":\"record\",\"name\":\"IdentifierAssignment\",\"namespace\":\"cdp.identity\",\"doc\":\"The identity graph's answer for one identifier: the person it belongs to now. Keyed by tenant|type|value on a compacted topic, so the latest record per identifier is the truth.\",\"fields\":[{\"name\":\"tenant\",\"type\":\"string\"},{\"name\":\"identifier\",\"type\":\"cdp.identity.Identifier\"},{\"name\":\"personId\",\"type\":\"string\"},{\"name\":\"firstSeen\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"},\"doc\":\"Event time at which the identifier was first seen.\"},{\"name\":\"updatedAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"},\"doc\":\"When the identity service wrote this record.\"}]}";
    export const IdentifierAssignmentName = "cdp.identity.IdentifierAssignment";
    /**
     * The identity graph's answer for one identifier: the person it belongs to now. Keyed by tenant|type|value on a compacted topic, so the latest record per identifier is the truth.
     */
    export interface IdentifierAssignment {
        tenant: string;
        identifier: CdpIdentity.Identifier;
        personId: string;
        /**
         * Event time at which the identifier was first seen.
         */
        firstSeen: number;
        /**
         * When the identity service wrote this record.
         */
        updatedAt: number;
    }
    export const IdentifierBlockStateSchema = "{\"type\":\"enum\",\"name\":\"IdentifierBlockState\",\"symbols\":[\"BLOCK_REQUESTED\",\"BLOCKED\",\"UNBLOCK_REQUESTED\",\"UNBLOCKED\"]}";
    export const IdentifierBlockStateName = "cdp.identity.IdentifierBlockState";
    export type IdentifierBlockState = "BLOCK_REQUESTED" | "BLOCKED" | "UNBLOCK_REQUESTED" | "UNBLOCKED";
    export const IdentifierBlockSchema = "{\"type\":\"record\",\"name\":\"IdentifierBlock\",\"namespace\":\"cdp.identity\",\"doc\":\"An identifier value an operator blocked because it glued different people together (a family's shared e-mail, a shared device), keyed by tenant|type|value on a compacted topic. Each step writes the record again: the API or the command (BLOCK_REQUESTED), the identity graph writer (BLOCKED: the person that held it is derived again from the identity history without it, and split), and the same for undoing it (UNBLOCK_REQUESTED, UNBLOCKED: the links that named it are applied again, which restores the merge). While BLOCK_REQUESTED or BLOCKED the value links no one.\",\"fields\":[{\"name\":\"tenant\",\"type\":\"string\"},{\"name\":\"identifier\",\"type\":\"cdp.identity.Identifier\",\"doc\":\"The blocked value as ingest stores it (e-mails and phones hashed).\"},{\"name\":\"state\",\"type\":{\"type\":\"enum\",\"name\":\"IdentifierBlockState\",\"symbols\":[\"BLOCK_REQUESTED\",\"BLOCKED\",\"UNBLOCK_REQUESTED\",\"UNBLOCKED\"]}},{\"name\":\"reason\",\"type\":\"string\",\"doc\":\"Why the operator blocked it (free text, shown by the explain endpoint); must not hold personal data.\"},{\"name\":\"requestedBy\",\"type\":\"string\",\"doc\":\"Who asked: the API key's id, or cli:<user> for the command.\"},{\"name\":\"requestedAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},{\"name\":\"updatedAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},{\"name\":\"personBefore\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"BLOCKED: the person that held the value; UNBLOCKED: the person holding it again. Null when no person held it.\"},{\"name\":\"personsAfter\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"default\":[],\"doc\":\"BLOCKED: the persons the held person became; UNBLOCKED: the persons the restored links joined.\"},{\"name\":\"detail\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"What the graph writer did, in words.\"}]}";
    export const IdentifierBlockName = "cdp.identity.IdentifierBlock";
    /**
     * An identifier value an operator blocked because it glued different people together (a family's shared e-mail, a shared device), keyed by tenant|type|value on a compacted topic. Each step writes the record again: the API or the command (BLOCK_REQUESTED), the identity graph writer (BLOCKED: the person that held it is derived again from the identity history without it, and split), and the same for undoing it (UNBLOCK_REQUESTED, UNBLOCKED: the links that named it are applied again, which restores the merge). While BLOCK_REQUESTED or BLOCKED the value links no one.
     */
    export interface IdentifierBlock {
        tenant: string;
        /**
         * The blocked value as ingest stores it (e-mails and phones hashed).
         */
        identifier: CdpIdentity.Identifier;
        state: CdpIdentity.IdentifierBlockState;
        /**
         * Why the operator blocked it (free text, shown by the explain endpoint); must not hold personal data.
         */
        reason: string;
        /**
         * Who asked: the API key's id, or cli:<user> for the command.
         */
        requestedBy: string;
        requestedAt: number;
        updatedAt: number;
        /**
         * BLOCKED: the person that held the value; UNBLOCKED: the person holding it again. Null when no person held it.
         *
         * Default: null
         */
        personBefore: null | string;
        /**
         * BLOCKED: the persons the held person became; UNBLOCKED: the persons the restored links joined.
         *
         * Default: []
         */
        personsAfter: string[];
        /**
         * What the graph writer did, in words.
         *
         * Default: null
         */
        detail: null | string;
    }
    export const IdentityConflictSchema = "{\"type\":\"record\",\"name\":\"IdentityConflict\",\"namespace\":\"cdp.identity\",\"doc\":\"A link the graph refused because it would break a rule (e.g. two user ids in one person: a shared kiosk or family computer). The event still flows, attributed without the bad link.\",\"fields\":[{\"name\":\"tenant\",\"type\":\"string\"},{\"name\":\"conflictId\",\"type\":\"string\",\"doc\":\"Deterministic from tenant, rule and the two persons: a replayed link records the same conflict.\"},{\"name\":\"rule\",\"type\":\"string\",\"doc\":\"identity.limit_exceeded, ...\"},{\"name\":\"reason\",\"type\":\"string\"},{\"name\":\"eventId\",\"type\":\"string\",\"doc\":\"The event whose identifiers would have made the link.\"},{\"name\":\"eventTime\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},{\"name\":\"identifiers\",\"type\":{\"type\":\"array\",\"items\":\"cdp.identity.Identifier\"},\"doc\":\"All identifiers of the link.\"},{\"name\":\"refused\",\"type\":\"cdp.identity.Identifier\",\"doc\":\"The identifier whose person could not join.\"},{\"name\":\"personId\",\"type\":\"string\",\"doc\":\"The person the link was being built into.\"},{\"name\":\"otherPersonId\",\"type\":\"string\",\"doc\":\"The person that could not join it.\"},{\"name\":\"detectedAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}}]}";
    export const IdentityConflictName = "cdp.identity.IdentityConflict";
    /**
     * A link the graph refused because it would break a rule (e.g. two user ids in one person: a shared kiosk or family computer). The event still flows, attributed without the bad link.
     */
    export interface IdentityConflict {
        tenant: string;
        /**
         * Deterministic from tenant, rule and the two persons: a replayed link records the same conflict.
         */
        conflictId: string;
        /**
         * identity.limit_exceeded, ...
         */
        rule: string;
        reason: string;
        /**
         * The event whose identifiers would have made the link.
         */
        eventId: string;
        eventTime: number;
        /**
         * All identifiers of the link.
         */
        identifiers: CdpIdentity.Identifier[];
        /**
         * The identifier whose person could not join.
         */
        refused: CdpIdentity.Identifier;
        /**
         * The person the link was being built into.
         */
        personId: string;
        /**
         * The person that could not join it.
         */
        otherPersonId: string;
        detectedAt: number;
    }
    export const IdentityJoinSchema = "{\"type\":\"record\",\"name\":\"IdentityJoin\",\"doc\":\"One person absorbed into another by the link.\",\"fields\":[{\"name\":\"survivorPersonId\",\"type\":\"string\",\"doc\":\"The person that absorbed the other (a survivor at that step; a later join of the same link may absorb it in turn).\"},{\"name\":\"absorbedPersonId\",\"type\":\"string\",\"doc\":\"The person absorbed directly in this step.\"},{\"name\":\"identifiers\",\"type\":{\"type\":\"array\",\"items\":\"cdp.identity.Identifier\"},\"doc\":\"The identifiers the absorbed person held, which moved to the survivor; strongest type first, then by value.\"},{\"name\":\"carriedPersonIds\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"doc\":\"Persons the absorbed person had absorbed earlier, moved along to the survivor; sorted.\"}]}";
    export const IdentityJoinName = "cdp.identity.IdentityJoin";
    /**
     * One person absorbed into another by the link.
     */
    export interface IdentityJoin {
        /**
         * The person that absorbed the other (a survivor at that step; a later join of the same link may absorb it in turn).
         */
        survivorPersonId: string;
        /**
         * The person absorbed directly in this step.
         */
        absorbedPersonId: string;
        /**
         * The identifiers the absorbed person held, which moved to the survivor; strongest type first, then by value.
         */
        identifiers: CdpIdentity.Identifier[];
        /**
         * Persons the absorbed person had absorbed earlier, moved along to the survivor; sorted.
         */
        carriedPersonIds: string[];
    }
    export const IdentityRefusalSchema = "{\"type\":\"record\",\"name\":\"IdentityRefusal\",\"doc\":\"A join of the link the rules refused; the same values as its IdentityConflict record.\",\"fields\":[{\"name\":\"conflictId\",\"type\":\"string\",\"doc\":\"The IdentityConflict's id.\"},{\"name\":\"rule\",\"type\":\"string\",\"doc\":\"identity.limit_exceeded, ...\"},{\"name\":\"reason\",\"type\":\"string\",\"doc\":\"Human-readable: identifier type, the count of each person and the limit.\"},{\"name\":\"refused\",\"type\":\"cdp.identity.Identifier\",\"doc\":\"The identifier whose person could not join.\"},{\"name\":\"personId\",\"type\":\"string\",\"doc\":\"The person the link was being built into (after the link).\"},{\"name\":\"otherPersonId\",\"type\":\"string\",\"doc\":\"The person that could not join it (after the link).\"}]}";
    export const IdentityRefusalName = "cdp.identity.IdentityRefusal";
    /**
     * A join of the link the rules refused; the same values as its IdentityConflict record.
     */
    export interface IdentityRefusal {
        /**
         * The IdentityConflict's id.
         */
        conflictId: string;
        /**
         * identity.limit_exceeded, ...
         */
        rule: string;
        /**
         * Human-readable: identifier type, the count of each person and the limit.
         */
        reason: string;
        /**
         * The identifier whose person could not join.
         */
        refused: CdpIdentity.Identifier;
        /**
         * The person the link was being built into (after the link).
         */
        personId: string;
        /**
         * The person that could not join it (after the link).
         */
        otherPersonId: string;
    }
    export const IdentitySplitActionSchema = "{\"type\":\"enum\",\"name\":\"IdentitySplitAction\",\"symbols\":[\"BLOCKED\",\"UNBLOCKED\"]}";
    export const IdentitySplitActionName = "cdp.identity.IdentitySplitAction";
    export type IdentitySplitAction = "BLOCKED" | "UNBLOCKED";
    export const IdentitySplitSchema = "{\"type\":\"record\",\"name\":\"IdentitySplit\",\"doc\":\"An operator blocked (or unblocked) an identifier value: the persons it had glued were derived again from the history without it.\",\"fields\":[{\"name\":\"action\",\"type\":{\"type\":\"enum\",\"name\":\"IdentitySplitAction\",\"symbols\":[\"BLOCKED\",\"UNBLOCKED\"]}},{\"name\":\"blocked\",\"type\":\"cdp.identity.Identifier\",\"doc\":\"The value blocked or unblocked.\"},{\"name\":\"reason\",\"type\":\"string\",\"doc\":\"The operator's reason.\"},{\"name\":\"requestedBy\",\"type\":\"string\",\"doc\":\"The API key's id, or cli:<user>.\"},{\"name\":\"personBefore\",\"type\":\"string\",\"doc\":\"BLOCKED: the person that held the value before the split; UNBLOCKED: the person holding it again.\"},{\"name\":\"personsAfter\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"doc\":\"BLOCKED: the persons after the split; UNBLOCKED: the persons the restored links joined.\"}]}";
    export const IdentitySplitName = "cdp.identity.IdentitySplit";
    /**
     * An operator blocked (or unblocked) an identifier value: the persons it had glued were derived again from the history without it.
     */
    export interface IdentitySplit {
        action: CdpIdentity.IdentitySplitAction;
        /**
         * The value blocked or unblocked.
         */
        blocked: CdpIdentity.Identifier;
        /**
         * The operator's reason.
         */
        reason: string;
        /**
         * The API key's id, or cli:<user>.
         */
        requestedBy: string;
        /**
         * BLOCKED: the person that held the value before the split; UNBLOCKED: the person holding it again.
         */
        personBefore: string;
        /**
         * BLOCKED: the persons after the split; UNBLOCKED: the persons the restored links joined.
         */
        personsAfter: string[];
    }
    export const IdentityHistoryEntrySchema = "{\"type\":\"record\",\"name\":\"IdentityHistoryEntry\",\"namespace\":\"cdp.identity\",\"doc\":\"One link the graph writer applied that changed something or was refused: the identifiers it saw first, the persons it joined (in the order it joined them) and the joins it refused, with the event that caused it. Append-only and kept for as long as the person exists: replaying the entries' identifiers in order into an empty graph gives the persons again. A link that changes nothing (a replay, a lagging stitcher) has no entry. An operator blocking an identifier value (a split) leaves an entry too.\",\"fields\":[{\"name\":\"tenant\",\"type\":\"string\",\"doc\":\"Retailer the link belongs to.\"},{\"name\":\"entryId\",\"type\":\"string\",\"doc\":\"Deterministic from tenant, event id and the link's identifiers (sha256, 24 hex characters): the same link applied again has the same id.\"},{\"name\":\"eventId\",\"type\":\"string\",\"doc\":\"The event whose identifiers made the link.\"},{\"name\":\"eventTime\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"},\"doc\":\"When that event happened; first-seen identifiers are dated by it.\"},{\"name\":\"appliedAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"},\"doc\":\"When the graph writer applied the link.\"},{\"name\":\"identifiers\",\"type\":{\"type\":\"array\",\"items\":\"cdp.identity.Identifier\"},\"doc\":\"The link's identifiers as the graph typed them (an alias's previous id with its type), strongest first: the order the graph applies them in.\"},{\"name\":\"personId\",\"type\":\"string\",\"doc\":\"The person of the link's strongest identifier after the link.\"},{\"name\":\"firstSeen\",\"type\":{\"type\":\"array\",\"items\":\"cdp.identity.Identifier\"},\"doc\":\"Identifiers the graph saw for the first time in this link (each got a person of its own before any join).\"},{\"name\":\"joins\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"IdentityJoin\",\"doc\":\"One person absorbed into another by the link.\",\"fields\":[{\"name\":\"survivorPersonId\",\"type\":\"string\",\"doc\":\"The person that absorbed the other (a survivor at that step; a later join of the same link may absorb it in turn).\"},{\"name\":\"absorbedPersonId\",\"type\":\"string\",\"doc\":\"The person absorbed directly in this step.\"},{\"name\":\"identifiers\",\"type\":{\"type\":\"array\",\"items\":\"cdp.identity.Identifier\"},\"doc\":\"The identifiers the absorbed person held, which moved to the survivor; strongest type first, then by value.\"},{\"name\":\"carriedPersonIds\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"doc\":\"Persons the absorbed person had absorbed earlier, moved along to the survivor; sorted.\"}]}},\"doc\":\"Persons joined by the link, in the order the joins happened.\"},{\"name\":\"refusals\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"IdentityRefusal\",\"doc\":\"A join of the link the rules refused; the same values as its IdentityConflict record.\",\"fields\":[{\"name\":\"conflictId\",\"type\":\"string\",\"doc\":\"The IdentityConflict's id.\"},{\"name\":\"rule\",\"type\":\"string\",\"doc\":\"identity.limit_exceeded, ...\"},{\"name\":\"reason\",\"type\":\"string\",\"doc\":\"Human-readable: identifier type, the count of each person and the limit.\"},{\"name\":\"refused\",\"type\":\"cdp.identity.Identifier\",\"doc\":\"The identifier whose person could not join.\"},{\"name\":\"personId\",\"type\":\"string\",\"doc\":\"The person the link was being built into (after the link).\"},{\"name\":\"otherPersonId\",\"type\":\"string\",\"doc\":\"The person that could not join it (after the link).\"}]}},\"doc\":\"Joins the rules refused, in the order they were refused.\"},{\"name\":\"split\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"IdentitySplit\",\"doc\":\"An operator blocked (or unblocked) an identifier value: the persons it had glued were derived again from the history without it.\",\"fields\":[{\"name\":\"action\",\"type\":{\"type\":\"enum\",\"name\":\"IdentitySplitAction\",\"symbols\":[\"BLOCKED\",\"UNBLOCKED\"]}},{\"name\":\"blocked\",\"type\":\"cdp.identity.Identifier\",\"doc\":\"The value blocked or unblocked.\"},{\"name\":\"reason\",\"type\":\"string\",\"doc\":\"The operator's reason.\"},{\"name\":\"requestedBy\",\"type\":\"string\",\"doc\":\"The API key's id, or cli:<user>.\"},{\"name\":\"personBefore\",\"type\":\"string\",\"doc\":\"BLOCKED: the person that held the value before the split; UNBLOCKED: the person holding it again.\"},{\"name\":\"personsAfter\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"doc\":\"BLOCKED: the persons after the split; UNBLOCKED: the persons the restored links joined.\"}]}],\"default\":null,\"doc\":\"Set on the entry an operator's block or unblock of an identifier value leaves; identifiers, firstSeen, joins and refusals are then empty, so a replay applies nothing of it.\"}]}";
    export const IdentityHistoryEntryName = "cdp.identity.IdentityHistoryEntry";
    /**
     * One link the graph writer applied that changed something or was refused: the identifiers it saw first, the persons it joined (in the order it joined them) and the joins it refused, with the event that caused it. Append-only and kept for as long as the person exists: replaying the entries' identifiers in order into an empty graph gives the persons again. A link that changes nothing (a replay, a lagging stitcher) has no entry. An operator blocking an identifier value (a split) leaves an entry too.
     */
    export interface IdentityHistoryEntry {
        /**
         * Retailer the link belongs to.
         */
        tenant: string;
        /**
         * Deterministic from tenant, event id and the link's identifiers (sha256, 24 hex characters): the same link applied again has the same id.
         */
        entryId: string;
        /**
         * The event whose identifiers made the link.
         */
        eventId: string;
        /**
         * When that event happened; first-seen identifiers are dated by it.
         */
        eventTime: number;
        /**
         * When the graph writer applied the link.
         */
        appliedAt: number;
        /**
         * The link's identifiers as the graph typed them (an alias's previous id with its type), strongest first: the order the graph applies them in.
         */
        identifiers: CdpIdentity.Identifier[];
        /**
         * The person of the link's strongest identifier after the link.
         */
        personId: string;
        /**
         * Identifiers the graph saw for the first time in this link (each got a person of its own before any join).
         */
        firstSeen: CdpIdentity.Identifier[];
        /**
         * Persons joined by the link, in the order the joins happened.
         */
        joins: CdpIdentity.IdentityJoin[];
        /**
         * Joins the rules refused, in the order they were refused.
         */
        refusals: CdpIdentity.IdentityRefusal[];
        /**
         * Set on the entry an operator's block or unblock of an identifier value leaves; identifiers, firstSeen, joins and refusals are then empty, so a replay applies nothing of it.
         *
         * Default: null
         */
        split: null | CdpIdentity.IdentitySplit;
    }
    export const IdentityLinkSchema = "{\"type\":\"record\",\"name\":\"IdentityLink\",\"namespace\":\"cdp.identity\",\"doc\":\"Identifiers seen together in one event (or one identifier seen for the first time), from the stitcher to the graph writer. Keyed by tenant, so one writer applies a tenant's links in order.\",\"fields\":[{\"name\":\"tenant\",\"type\":\"string\"},{\"name\":\"eventId\",\"type\":\"string\"},{\"name\":\"eventTime\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},{\"name\":\"identifiers\",\"type\":{\"type\":\"array\",\"items\":\"cdp.identity.Identifier\"},\"doc\":\"Highest priority first.\"}]}";
    export const IdentityLinkName = "cdp.identity.IdentityLink";
    /**
     * Identifiers seen together in one event (or one identifier seen for the first time), from the stitcher to the graph writer. Keyed by tenant, so one writer applies a tenant's links in order.
     */
    export interface IdentityLink {
        tenant: string;
        eventId: string;
        eventTime: number;
        /**
         * Highest priority first.
         */
        identifiers: CdpIdentity.Identifier[];
    }
    export const PersonMergeSchema = "{\"type\":\"record\",\"name\":\"PersonMerge\",\"namespace\":\"cdp.identity\",\"doc\":\"A person absorbed into another: every view resolves fromPersonId to toPersonId. Flat: toPersonId is always a surviving person, never itself merged. Keyed by tenant|fromPersonId on a compacted topic.\",\"fields\":[{\"name\":\"tenant\",\"type\":\"string\"},{\"name\":\"fromPersonId\",\"type\":\"string\"},{\"name\":\"toPersonId\",\"type\":\"string\"},{\"name\":\"mergedAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},{\"name\":\"causeEventId\",\"type\":\"string\",\"doc\":\"The event whose identifiers linked the two persons (with viaPersonId set: the newer merge's event).\"},{\"name\":\"link\",\"type\":{\"type\":\"array\",\"items\":\"cdp.identity.Identifier\"},\"doc\":\"The identifiers that arrived together and made the link.\"},{\"name\":\"viaPersonId\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Set when this record moves an earlier absorption along with a newer merge: the person fromPersonId had been absorbed into, itself absorbed now. causeEventId and link are then the newer merge's, not those of the merge that first absorbed fromPersonId. Null for the person absorbed directly. Added in schema version 2.\"}]}";
    export const PersonMergeName = "cdp.identity.PersonMerge";
    /**
     * A person absorbed into another: every view resolves fromPersonId to toPersonId. Flat: toPersonId is always a surviving person, never itself merged. Keyed by tenant|fromPersonId on a compacted topic.
     */
    export interface PersonMerge {
        tenant: string;
        fromPersonId: string;
        toPersonId: string;
        mergedAt: number;
        /**
         * The event whose identifiers linked the two persons (with viaPersonId set: the newer merge's event).
         */
        causeEventId: string;
        /**
         * The identifiers that arrived together and made the link.
         */
        link: CdpIdentity.Identifier[];
        /**
         * Set when this record moves an earlier absorption along with a newer merge: the person fromPersonId had been absorbed into, itself absorbed now. causeEventId and link are then the newer merge's, not those of the merge that first absorbed fromPersonId. Null for the person absorbed directly. Added in schema version 2.
         *
         * Default: null
         */
        viaPersonId: null | string;
    }
    export const ResolvedEventSchema = "{\"type\":\"record\",\"name\":\"ResolvedEvent\",\"namespace\":\"cdp.identity\",\"doc\":\"An event after identity stitching: the person it belongs to (as known when it was processed) and the identifiers it carried. Later merges are applied at read time through the merge records. Wi-Fi observations pass too (added in schema version 2): they feed the graph and go on to the store tables.\",\"fields\":[{\"name\":\"personId\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Null when the event carries no usable identifier (e.g. a receipt without loyalty card).\"},{\"name\":\"identifiers\",\"type\":{\"type\":\"array\",\"items\":\"cdp.identity.Identifier\"}},{\"name\":\"event\",\"type\":[\"cdp.web.SegmentEvent\",\"cdp.store.PosTransaction\",\"cdp.store.BeaconSighting\",\"cdp.store.WifiObservation\"]}]}";
    export const ResolvedEventName = "cdp.identity.ResolvedEvent";
    /**
     * An event after identity stitching: the person it belongs to (as known when it was processed) and the identifiers it carried. Later merges are applied at read time through the merge records. Wi-Fi observations pass too (added in schema version 2): they feed the graph and go on to the store tables.
     */
    export interface ResolvedEvent {
        /**
         * Null when the event carries no usable identifier (e.g. a receipt without loyalty card).
         *
         * Default: null
         */
        personId: null | string;
        identifiers: CdpIdentity.Identifier[];
        event: {
            "cdp.web.SegmentEvent": CdpWeb.SegmentEvent;
            "cdp.store.PosTransaction"?: never;
            "cdp.store.BeaconSighting"?: never;
            "cdp.store.WifiObservation"?: never;
        } | {
            "cdp.web.SegmentEvent"?: never;
            "cdp.store.PosTransaction": CdpStore.PosTransaction;
            "cdp.store.BeaconSighting"?: never;
            "cdp.store.WifiObservation"?: never;
        } | {
            "cdp.web.SegmentEvent"?: never;
            "cdp.store.PosTransaction"?: never;
            "cdp.store.BeaconSighting": CdpStore.BeaconSighting;
            "cdp.store.WifiObservation"?: never;
        } | {
            "cdp.web.SegmentEvent"?: never;
            "cdp.store.PosTransaction"?: never;
            "cdp.store.BeaconSighting"?: never;
            "cdp.store.WifiObservation": CdpStore.WifiObservation;
        };
    }
}

export namespace CdpWeb {
    export const SegmentEventTypeSchema = "{\"type\":\"enum\",\"name\":\"SegmentEventType\",\"symbols\":[\"TRACK\",\"PAGE\",\"SCREEN\",\"IDENTIFY\",\"ALIAS\",\"GROUP\"]}";
    export const SegmentEventTypeName = "cdp.web.SegmentEventType";
    export type SegmentEventType = "TRACK" | "PAGE" | "SCREEN" | "IDENTIFY" | "ALIAS" | "GROUP";
    export const ChannelSchema = "{\"type\":\"enum\",\"name\":\"Channel\",\"symbols\":[\"WEB\",\"APP\",\"SERVER\",\"STORE\",\"OTHER\"],\"default\":\"OTHER\"}";
    export const ChannelName = "cdp.web.Channel";
    export type Channel = "WEB" | "APP" | "SERVER" | "STORE" | "OTHER";
    export const SegmentContextSchema = "{\"type\":\"record\",\"name\":\"SegmentContext\",\"doc\":\"The Segment context object: the fields the pipeline reads are typed; the rest stays in extra.\",\"fields\":[{\"name\":\"ip\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"userAgent\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"locale\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"timezone\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"libraryName\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"libraryVersion\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"pageUrl\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"pagePath\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"pageReferrer\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"pageTitle\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"pageSearch\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"campaignName\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"campaignSource\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"campaignMedium\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"campaignTerm\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"campaignContent\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"appName\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"appVersion\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"deviceId\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"deviceType\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"osName\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"osVersion\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"consent\",\"type\":[\"null\",\"cdp.common.Consent\"],\"default\":null,\"doc\":\"context.consent: the categories the consent manager recorded (categoryPreferences). Null when the client sent none.\"},{\"name\":\"extra\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"JSON object text: every other context key, as sent; null when there is none. (Apicurio 3.3 refuses a string default of {} in any schema, so JSON fields are nullable instead.)\"}]}";
    export const SegmentContextName = "cdp.web.SegmentContext";
    /**
     * The Segment context object: the fields the pipeline reads are typed; the rest stays in extra.
     */
    export interface SegmentContext {
        /**
         * Default: null
         */
        ip: null | string;
        /**
         * Default: null
         */
        userAgent: null | string;
        /**
         * Default: null
         */
        locale: null | string;
        /**
         * Default: null
         */
        timezone: null | string;
        /**
         * Default: null
         */
        libraryName: null | string;
        /**
         * Default: null
         */
        libraryVersion: null | string;
        /**
         * Default: null
         */
        pageUrl: null | string;
        /**
         * Default: null
         */
        pagePath: null | string;
        /**
         * Default: null
         */
        pageReferrer: null | string;
        /**
         * Default: null
         */
        pageTitle: null | string;
        /**
         * Default: null
         */
        pageSearch: null | string;
        /**
         * Default: null
         */
        campaignName: null | string;
        /**
         * Default: null
         */
        campaignSource: null | string;
        /**
         * Default: null
         */
        campaignMedium: null | string;
        /**
         * Default: null
         */
        campaignTerm: null | string;
        /**
         * Default: null
         */
        campaignContent: null | string;
        /**
         * Default: null
         */
        appName: null | string;
        /**
         * Default: null
         */
        appVersion: null | string;
        /**
         * Default: null
         */
        deviceId: null | string;
        /**
         * Default: null
         */
        deviceType: null | string;
        /**
         * Default: null
         */
        osName: null | string;
        /**
         * Default: null
         */
        osVersion: null | string;
        /**
         * context.consent: the categories the consent manager recorded (categoryPreferences). Null when the client sent none.
         *
         * Default: null
         */
        consent: null | CdpCommon.Consent;
        /**
         * JSON object text: every other context key, as sent; null when there is none. (Apicurio 3.3 refuses a string default of {} in any schema, so JSON fields are nullable instead.)
         *
         * Default: null
         */
        extra: null | string;
    }
    export const SegmentEventSchema = "{\"type\":\"record\",\"name\":\"SegmentEvent\",\"namespace\":\"cdp.web\",\"doc\":\"One web or app event in the Segment spec (track, page, screen, identify, alias, group). Free-form objects (properties, traits, integrations, unknown context keys) travel as JSON text so nothing the client sent is lost.\",\"fields\":[{\"name\":\"envelope\",\"type\":\"cdp.common.Envelope\"},{\"name\":\"type\",\"type\":{\"type\":\"enum\",\"name\":\"SegmentEventType\",\"symbols\":[\"TRACK\",\"PAGE\",\"SCREEN\",\"IDENTIFY\",\"ALIAS\",\"GROUP\"]}},{\"name\":\"channel\",\"type\":{\"type\":\"enum\",\"name\":\"Channel\",\"symbols\":[\"WEB\",\"APP\",\"SERVER\",\"STORE\",\"OTHER\"],\"default\":\"OTHER\"},\"default\":\"OTHER\",\"doc\":\"Where the event came from, from the source's configuration or the client library.\"},{\"name\":\"anonymousId\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"userId\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"event\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"track: the event name, e.g. 'Order Completed'.\"},{\"name\":\"name\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"page/screen: the page or screen name.\"},{\"name\":\"category\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"page: the page category.\"},{\"name\":\"previousId\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"alias: the previous identity.\"},{\"name\":\"groupId\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"group: the group (account) id.\"},{\"name\":\"properties\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"JSON object text: track/page/screen properties; null when the client sent none.\"},{\"name\":\"traits\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"JSON object text: identify/group traits (and context.traits); null when none. PII traits (email, phone) are hashed at ingest.\"},{\"name\":\"integrations\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"JSON object text: the client's integrations switch, kept as sent; null when none.\"},{\"name\":\"sentAt\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}],\"default\":null,\"doc\":\"Client clock when the batch was sent.\"},{\"name\":\"originalTimestamp\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}],\"default\":null,\"doc\":\"Client clock when the event happened, as sent.\"},{\"name\":\"context\",\"type\":{\"type\":\"record\",\"name\":\"SegmentContext\",\"doc\":\"The Segment context object: the fields the pipeline reads are typed; the rest stays in extra.\",\"fields\":[{\"name\":\"ip\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"userAgent\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"locale\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"timezone\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"libraryName\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"libraryVersion\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"pageUrl\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"pagePath\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"pageReferrer\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"pageTitle\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"pageSearch\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"campaignName\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"campaignSource\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"campaignMedium\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"campaignTerm\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"campaignContent\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"appName\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"appVersion\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"deviceId\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"deviceType\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"osName\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"osVersion\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"consent\",\"type\":[\"null\",\"cdp.common.Consent\"],\"default\":null,\"doc\":\"context.consent: the categories the consent manager recorded (categoryPreferences). Null when the client sent none.\"},{\"name\":\"extra\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"JSON object text: every other context key, as sent; null when there is none. (Apicurio 3.3 refuses a string default of {} in any schema, so JSON fields are nullable instead.)\"}]}}]}";
    export const SegmentEventName = "cdp.web.SegmentEvent";
    /**
     * One web or app event in the Segment spec (track, page, screen, identify, alias, group). Free-form objects (properties, traits, integrations, unknown context keys) travel as JSON text so nothing the client sent is lost.
     */
    export interface SegmentEvent {
        envelope: CdpCommon.Envelope;
        type: CdpWeb.SegmentEventType;
        /**
         * Where the event came from, from the source's configuration or the client library.
         *
         * Default: "OTHER"
         */
        channel: CdpWeb.Channel;
        /**
         * Default: null
         */
        anonymousId: null | string;
        /**
         * Default: null
         */
        userId: null | string;
        /**
         * track: the event name, e.g. 'Order Completed'.
         *
         * Default: null
         */
        event: null | string;
        /**
         * page/screen: the page or screen name.
         *
         * Default: null
         */
        name: null | string;
        /**
         * page: the page category.
         *
         * Default: null
         */
        category: null | string;
        /**
         * alias: the previous identity.
         *
         * Default: null
         */
        previousId: null | string;
        /**
         * group: the group (account) id.
         *
         * Default: null
         */
        groupId: null | string;
        /**
         * JSON object text: track/page/screen properties; null when the client sent none.
         *
         * Default: null
         */
        properties: null | string;
        /**
         * JSON object text: identify/group traits (and context.traits); null when none. PII traits (email, phone) are hashed at ingest.
         *
         * Default: null
         */
        traits: null | string;
        /**
         * JSON object text: the client's integrations switch, kept as sent; null when none.
         *
         * Default: null
         */
        integrations: null | string;
        /**
         * Client clock when the batch was sent.
         *
         * Default: null
         */
        sentAt: null | number;
        /**
         * Client clock when the event happened, as sent.
         *
         * Default: null
         */
        originalTimestamp: null | number;
        context: CdpWeb.SegmentContext;
    }
}

export namespace CdpStore {
    export const PosTransactionKindSchema = "{\"type\":\"enum\",\"name\":\"PosTransactionKind\",\"symbols\":[\"SALE\",\"RETURN\"]}";
    export const PosTransactionKindName = "cdp.store.PosTransactionKind";
    export type PosTransactionKind = "SALE" | "RETURN";
    export const PosLineSchema = "{\"type\":\"record\",\"name\":\"PosLine\",\"fields\":[{\"name\":\"lineNumber\",\"type\":\"int\"},{\"name\":\"sku\",\"type\":\"string\"},{\"name\":\"quantity\",\"type\":\"double\",\"doc\":\"Units, or kilograms for weighed goods.\"},{\"name\":\"unitPriceMinor\",\"type\":\"long\"},{\"name\":\"discountMinor\",\"type\":\"long\",\"default\":0},{\"name\":\"totalMinor\",\"type\":\"long\",\"doc\":\"Line total after discount, minor units.\"}]}";
    export const PosLineName = "cdp.store.PosLine";
    export interface PosLine {
        lineNumber: number;
        sku: string;
        /**
         * Units, or kilograms for weighed goods.
         */
        quantity: number;
        unitPriceMinor: number;
        /**
         * Default: 0
         */
        discountMinor: number;
        /**
         * Line total after discount, minor units.
         */
        totalMinor: number;
    }
    export const PosTransactionSchema = "{\"type\":\"record\",\"name\":\"PosTransaction\",\"namespace\":\"cdp.store\",\"doc\":\"A till receipt. Money is in minor units (cents) of currency, so sums are exact.\",\"fields\":[{\"name\":\"envelope\",\"type\":\"cdp.common.Envelope\"},{\"name\":\"storeId\",\"type\":\"string\"},{\"name\":\"receiptId\",\"type\":\"string\",\"doc\":\"Unique per store; with storeId it identifies the receipt.\"},{\"name\":\"registerId\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"PosTransactionKind\",\"symbols\":[\"SALE\",\"RETURN\"]},\"default\":\"SALE\"},{\"name\":\"loyaltyCard\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Loyalty card number shown at the till, if any.\"},{\"name\":\"customerId\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"The retailer's customer number the till recorded (its CRM id), if any.\"},{\"name\":\"consent\",\"type\":[\"null\",\"cdp.common.Consent\"],\"default\":null,\"doc\":\"The loyalty programme's terms as the customer answered them at the till (categories such as loyalty-marketing); null when the till sent none.\"},{\"name\":\"currency\",\"type\":\"string\",\"doc\":\"ISO 4217 code, e.g. EUR.\"},{\"name\":\"totalMinor\",\"type\":\"long\",\"doc\":\"Receipt total after discounts, minor units.\"},{\"name\":\"paymentMethod\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"lines\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"PosLine\",\"fields\":[{\"name\":\"lineNumber\",\"type\":\"int\"},{\"name\":\"sku\",\"type\":\"string\"},{\"name\":\"quantity\",\"type\":\"double\",\"doc\":\"Units, or kilograms for weighed goods.\"},{\"name\":\"unitPriceMinor\",\"type\":\"long\"},{\"name\":\"discountMinor\",\"type\":\"long\",\"default\":0},{\"name\":\"totalMinor\",\"type\":\"long\",\"doc\":\"Line total after discount, minor units.\"}]}}}]}";
    export const PosTransactionName = "cdp.store.PosTransaction";
    /**
     * A till receipt. Money is in minor units (cents) of currency, so sums are exact.
     */
    export interface PosTransaction {
        envelope: CdpCommon.Envelope;
        storeId: string;
        /**
         * Unique per store; with storeId it identifies the receipt.
         */
        receiptId: string;
        /**
         * Default: null
         */
        registerId: null | string;
        /**
         * Default: "SALE"
         */
        kind: CdpStore.PosTransactionKind;
        /**
         * Loyalty card number shown at the till, if any.
         *
         * Default: null
         */
        loyaltyCard: null | string;
        /**
         * The retailer's customer number the till recorded (its CRM id), if any.
         *
         * Default: null
         */
        customerId: null | string;
        /**
         * The loyalty programme's terms as the customer answered them at the till (categories such as loyalty-marketing); null when the till sent none.
         *
         * Default: null
         */
        consent: null | CdpCommon.Consent;
        /**
         * ISO 4217 code, e.g. EUR.
         */
        currency: string;
        /**
         * Receipt total after discounts, minor units.
         */
        totalMinor: number;
        /**
         * Default: null
         */
        paymentMethod: null | string;
        lines: CdpStore.PosLine[];
    }
    export const BeaconProximitySchema = "{\"type\":\"enum\",\"name\":\"BeaconProximity\",\"symbols\":[\"IMMEDIATE\",\"NEAR\",\"FAR\",\"UNKNOWN\"]}";
    export const BeaconProximityName = "cdp.store.BeaconProximity";
    export type BeaconProximity = "IMMEDIATE" | "NEAR" | "FAR" | "UNKNOWN";
    export const BeaconSightingSchema = "{\"type\":\"record\",\"name\":\"BeaconSighting\",\"namespace\":\"cdp.store\",\"doc\":\"A Bluetooth Low Energy sighting in a store. Either the retailer's app saw an in-store beacon (appInstallId set), or a store access point heard a BLE device (apMac and clientMacHash set, Meraki scanning API); beacon uuid/major/minor are set when the device is an iBeacon.\",\"fields\":[{\"name\":\"envelope\",\"type\":\"cdp.common.Envelope\"},{\"name\":\"storeId\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Store, when the gateway knows it; otherwise enrichment resolves it from the beacon directory.\"},{\"name\":\"appInstallId\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"The app install that saw the beacon (the Segment anonymousId of the app); null when an access point made the sighting.\"},{\"name\":\"userId\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"The logged-in account in the app, if any.\"},{\"name\":\"beaconUuid\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"iBeacon proximity uuid, lower case.\"},{\"name\":\"major\",\"type\":[\"null\",\"int\"],\"default\":null},{\"name\":\"minor\",\"type\":[\"null\",\"int\"],\"default\":null},{\"name\":\"rssi\",\"type\":\"int\",\"doc\":\"Received signal strength, dBm (negative).\"},{\"name\":\"proximity\",\"type\":[\"null\",{\"type\":\"enum\",\"name\":\"BeaconProximity\",\"symbols\":[\"IMMEDIATE\",\"NEAR\",\"FAR\",\"UNKNOWN\"]}],\"default\":null},{\"name\":\"accuracyMeters\",\"type\":[\"null\",\"double\"],\"default\":null},{\"name\":\"apMac\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Access point that heard the device (infrastructure, not personal); null for app sightings.\"},{\"name\":\"clientMacHash\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"HMAC-SHA-256 of the BLE device MAC, hex; the MAC never leaves ingest in clear.\"},{\"name\":\"randomizedMac\",\"type\":\"boolean\",\"default\":false,\"doc\":\"The device MAC was locally administered (randomised): it never links to a person.\"}]}";
    export const BeaconSightingName = "cdp.store.BeaconSighting";
    /**
     * A Bluetooth Low Energy sighting in a store. Either the retailer's app saw an in-store beacon (appInstallId set), or a store access point heard a BLE device (apMac and clientMacHash set, Meraki scanning API); beacon uuid/major/minor are set when the device is an iBeacon.
     */
    export interface BeaconSighting {
        envelope: CdpCommon.Envelope;
        /**
         * Store, when the gateway knows it; otherwise enrichment resolves it from the beacon directory.
         *
         * Default: null
         */
        storeId: null | string;
        /**
         * The app install that saw the beacon (the Segment anonymousId of the app); null when an access point made the sighting.
         *
         * Default: null
         */
        appInstallId: null | string;
        /**
         * The logged-in account in the app, if any.
         *
         * Default: null
         */
        userId: null | string;
        /**
         * iBeacon proximity uuid, lower case.
         *
         * Default: null
         */
        beaconUuid: null | string;
        /**
         * Default: null
         */
        major: null | number;
        /**
         * Default: null
         */
        minor: null | number;
        /**
         * Received signal strength, dBm (negative).
         */
        rssi: number;
        /**
         * Default: null
         */
        proximity: null | CdpStore.BeaconProximity;
        /**
         * Default: null
         */
        accuracyMeters: null | number;
        /**
         * Access point that heard the device (infrastructure, not personal); null for app sightings.
         *
         * Default: null
         */
        apMac: null | string;
        /**
         * HMAC-SHA-256 of the BLE device MAC, hex; the MAC never leaves ingest in clear.
         *
         * Default: null
         */
        clientMacHash: null | string;
        /**
         * The device MAC was locally administered (randomised): it never links to a person.
         *
         * Default: false
         */
        randomizedMac: boolean;
    }
    export const WifiObservationSchema = "{\"type\":\"record\",\"name\":\"WifiObservation\",\"namespace\":\"cdp.store\",\"doc\":\"A store Wi-Fi access point observed a client device (Meraki scanning API style). The client MAC never leaves ingest in clear.\",\"fields\":[{\"name\":\"envelope\",\"type\":\"cdp.common.Envelope\"},{\"name\":\"storeId\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"apMac\",\"type\":\"string\",\"doc\":\"MAC of the observing access point (infrastructure, not personal).\"},{\"name\":\"clientMacHash\",\"type\":\"string\",\"doc\":\"HMAC-SHA-256 of the client MAC, hex.\"},{\"name\":\"randomizedMac\",\"type\":\"boolean\",\"default\":false,\"doc\":\"The MAC was locally administered (randomized by the OS): it never links to a person.\"},{\"name\":\"rssi\",\"type\":\"int\"},{\"name\":\"ssid\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Network the client is associated with, if any.\"},{\"name\":\"manufacturer\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"os\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"lat\",\"type\":[\"null\",\"double\"],\"default\":null},{\"name\":\"lng\",\"type\":[\"null\",\"double\"],\"default\":null},{\"name\":\"uncertaintyMeters\",\"type\":[\"null\",\"double\"],\"default\":null},{\"name\":\"floorplanId\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"emailHash\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Captive-portal or 802.1X login that was an e-mail address: its HMAC, as every e-mail is hashed.\"},{\"name\":\"phoneHash\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Login that was a phone number: its HMAC.\"},{\"name\":\"loginHash\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Any other login name: its HMAC.\"}]}";
    export const WifiObservationName = "cdp.store.WifiObservation";
    /**
     * A store Wi-Fi access point observed a client device (Meraki scanning API style). The client MAC never leaves ingest in clear.
     */
    export interface WifiObservation {
        envelope: CdpCommon.Envelope;
        /**
         * Default: null
         */
        storeId: null | string;
        /**
         * MAC of the observing access point (infrastructure, not personal).
         */
        apMac: string;
        /**
         * HMAC-SHA-256 of the client MAC, hex.
         */
        clientMacHash: string;
        /**
         * The MAC was locally administered (randomized by the OS): it never links to a person.
         *
         * Default: false
         */
        randomizedMac: boolean;
        rssi: number;
        /**
         * Network the client is associated with, if any.
         *
         * Default: null
         */
        ssid: null | string;
        /**
         * Default: null
         */
        manufacturer: null | string;
        /**
         * Default: null
         */
        os: null | string;
        /**
         * Default: null
         */
        lat: null | number;
        /**
         * Default: null
         */
        lng: null | number;
        /**
         * Default: null
         */
        uncertaintyMeters: null | number;
        /**
         * Default: null
         */
        floorplanId: null | string;
        /**
         * Captive-portal or 802.1X login that was an e-mail address: its HMAC, as every e-mail is hashed.
         *
         * Default: null
         */
        emailHash: null | string;
        /**
         * Login that was a phone number: its HMAC.
         *
         * Default: null
         */
        phoneHash: null | string;
        /**
         * Any other login name: its HMAC.
         *
         * Default: null
         */
        loginHash: null | string;
    }
    export const PeopleCountKindSchema = "{\"type\":\"enum\",\"name\":\"PeopleCountKind\",\"symbols\":[\"LINE_CROSSING\",\"ZONE_OCCUPANCY\",\"QUEUE_LENGTH\"]}";
    export const PeopleCountKindName = "cdp.store.PeopleCountKind";
    export type PeopleCountKind = "LINE_CROSSING" | "ZONE_OCCUPANCY" | "QUEUE_LENGTH";
    export const PeopleCountSchema = "{\"type\":\"record\",\"name\":\"PeopleCount\",\"namespace\":\"cdp.store\",\"doc\":\"An anonymous people-counting sensor reading (video line crossing, zone occupancy, queue length). Counts only: never biometric, never an identifier.\",\"fields\":[{\"name\":\"envelope\",\"type\":\"cdp.common.Envelope\"},{\"name\":\"storeId\",\"type\":\"string\"},{\"name\":\"sensorId\",\"type\":\"string\"},{\"name\":\"zoneId\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"PeopleCountKind\",\"symbols\":[\"LINE_CROSSING\",\"ZONE_OCCUPANCY\",\"QUEUE_LENGTH\"]}},{\"name\":\"periodSeconds\",\"type\":\"int\",\"default\":0,\"doc\":\"Length of the counting window that ends at eventTime; 0 for a snapshot.\"},{\"name\":\"countIn\",\"type\":[\"null\",\"int\"],\"default\":null,\"doc\":\"LINE_CROSSING: people who crossed inwards.\"},{\"name\":\"countOut\",\"type\":[\"null\",\"int\"],\"default\":null,\"doc\":\"LINE_CROSSING: people who crossed outwards.\"},{\"name\":\"occupancy\",\"type\":[\"null\",\"int\"],\"default\":null,\"doc\":\"ZONE_OCCUPANCY: people in the zone.\"},{\"name\":\"queueLength\",\"type\":[\"null\",\"int\"],\"default\":null,\"doc\":\"QUEUE_LENGTH: people queueing.\"}]}";
    export const PeopleCountName = "cdp.store.PeopleCount";
    /**
     * An anonymous people-counting sensor reading (video line crossing, zone occupancy, queue length). Counts only: never biometric, never an identifier.
     */
    export interface PeopleCount {
        envelope: CdpCommon.Envelope;
        storeId: string;
        sensorId: string;
        /**
         * Default: null
         */
        zoneId: null | string;
        kind: CdpStore.PeopleCountKind;
        /**
         * Length of the counting window that ends at eventTime; 0 for a snapshot.
         *
         * Default: 0
         */
        periodSeconds: number;
        /**
         * LINE_CROSSING: people who crossed inwards.
         *
         * Default: null
         */
        countIn: null | number;
        /**
         * LINE_CROSSING: people who crossed outwards.
         *
         * Default: null
         */
        countOut: null | number;
        /**
         * ZONE_OCCUPANCY: people in the zone.
         *
         * Default: null
         */
        occupancy: null | number;
        /**
         * QUEUE_LENGTH: people queueing.
         *
         * Default: null
         */
        queueLength: null | number;
    }
}

export namespace CdpEnrichment {
    export const DeviceInfoSchema = "{\"type\":\"record\",\"name\":\"DeviceInfo\",\"doc\":\"Parsed from the user agent.\",\"fields\":[{\"name\":\"browserName\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"browserVersion\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"osName\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"osVersion\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"deviceType\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"desktop, mobile, tablet, tv, bot or null when unknown.\"},{\"name\":\"isBot\",\"type\":\"boolean\",\"default\":false,\"doc\":\"A crawler, monitor or headless browser by the maintained isbot pattern list.\"},{\"name\":\"source\",\"type\":\"string\",\"doc\":\"Parsers and versions, e.g. bowser 2.15.0, isbot 5.1.0.\"}]}";
    export const DeviceInfoName = "cdp.enrichment.DeviceInfo";
    /**
     * Parsed from the user agent.
     */
    export interface DeviceInfo {
        /**
         * Default: null
         */
        browserName: null | string;
        /**
         * Default: null
         */
        browserVersion: null | string;
        /**
         * Default: null
         */
        osName: null | string;
        /**
         * Default: null
         */
        osVersion: null | string;
        /**
         * desktop, mobile, tablet, tv, bot or null when unknown.
         *
         * Default: null
         */
        deviceType: null | string;
        /**
         * A crawler, monitor or headless browser by the maintained isbot pattern list.
         *
         * Default: false
         */
        isBot: boolean;
        /**
         * Parsers and versions, e.g. bowser 2.15.0, isbot 5.1.0.
         */
        source: string;
    }
    export const ProductInfoSchema = "{\"type\":\"record\",\"name\":\"ProductInfo\",\"doc\":\"Catalogue data for one sku the event mentions; found=false when the catalogue does not know it (the event still goes on).\",\"fields\":[{\"name\":\"sku\",\"type\":\"string\"},{\"name\":\"found\",\"type\":\"boolean\"},{\"name\":\"name\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"category\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"brand\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"priceMinor\",\"type\":[\"null\",\"long\"],\"default\":null},{\"name\":\"source\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Catalogue delivery: sourceName@sourceVersion of the product record.\"},{\"name\":\"categoryPath\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"default\":[]},{\"name\":\"marginRate\",\"type\":[\"null\",\"double\"],\"default\":null}]}";
    export const ProductInfoName = "cdp.enrichment.ProductInfo";
    /**
     * Catalogue data for one sku the event mentions; found=false when the catalogue does not know it (the event still goes on).
     */
    export interface ProductInfo {
        sku: string;
        found: boolean;
        /**
         * Default: null
         */
        name: null | string;
        /**
         * Default: null
         */
        category: null | string;
        /**
         * Default: null
         */
        brand: null | string;
        /**
         * Default: null
         */
        priceMinor: null | number;
        /**
         * Catalogue delivery: sourceName@sourceVersion of the product record.
         *
         * Default: null
         */
        source: null | string;
        /**
         * Default: []
         */
        categoryPath: string[];
        /**
         * Default: null
         */
        marginRate: null | number;
    }
    export const GeoInfoSchema = "{\"type\":\"record\",\"name\":\"GeoInfo\",\"doc\":\"Where the client's (truncated) IP address is, from an offline database.\",\"fields\":[{\"name\":\"countryCode\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"ISO 3166-1 alpha-2.\"},{\"name\":\"region\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"city\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"source\",\"type\":\"string\",\"doc\":\"Database and version, e.g. dbip-city-lite 2026-06.\"}]}";
    export const GeoInfoName = "cdp.enrichment.GeoInfo";
    /**
     * Where the client's (truncated) IP address is, from an offline database.
     */
    export interface GeoInfo {
        /**
         * ISO 3166-1 alpha-2.
         *
         * Default: null
         */
        countryCode: null | string;
        /**
         * Default: null
         */
        region: null | string;
        /**
         * Default: null
         */
        city: null | string;
        /**
         * Database and version, e.g. dbip-city-lite 2026-06.
         */
        source: string;
    }
    export const CampaignInfoSchema = "{\"type\":\"record\",\"name\":\"CampaignInfo\",\"doc\":\"Marketing attribution of a web or app event: the client's context.campaign, else UTM parameters and click ids of the page URL, and the referrer classified.\",\"fields\":[{\"name\":\"campaignSource\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"utm_source, or the referrer's source when there is no UTM.\"},{\"name\":\"campaignMedium\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"utm_medium as sent.\"},{\"name\":\"campaignName\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"campaignTerm\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"campaignContent\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"clickIdType\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"gclid, fbclid, msclkid, ttclid, ...\"},{\"name\":\"clickId\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"referrerHost\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"medium\",\"type\":\"string\",\"doc\":\"Classified: paid, email, social, search, referral, internal, direct (or the utm_medium's class).\"},{\"name\":\"source\",\"type\":\"string\",\"doc\":\"Rules and their version.\"}]}";
    export const CampaignInfoName = "cdp.enrichment.CampaignInfo";
    /**
     * Marketing attribution of a web or app event: the client's context.campaign, else UTM parameters and click ids of the page URL, and the referrer classified.
     */
    export interface CampaignInfo {
        /**
         * utm_source, or the referrer's source when there is no UTM.
         *
         * Default: null
         */
        campaignSource: null | string;
        /**
         * utm_medium as sent.
         *
         * Default: null
         */
        campaignMedium: null | string;
        /**
         * Default: null
         */
        campaignName: null | string;
        /**
         * Default: null
         */
        campaignTerm: null | string;
        /**
         * Default: null
         */
        campaignContent: null | string;
        /**
         * gclid, fbclid, msclkid, ttclid, ...
         *
         * Default: null
         */
        clickIdType: null | string;
        /**
         * Default: null
         */
        clickId: null | string;
        /**
         * Default: null
         */
        referrerHost: null | string;
        /**
         * Classified: paid, email, social, search, referral, internal, direct (or the utm_medium's class).
         */
        medium: string;
        /**
         * Rules and their version.
         */
        source: string;
    }
    export const StoreInfoSchema = "{\"type\":\"record\",\"name\":\"StoreInfo\",\"doc\":\"The store (and zone or entrance) of a store event, from the store directory.\",\"fields\":[{\"name\":\"storeId\",\"type\":\"string\"},{\"name\":\"found\",\"type\":\"boolean\",\"doc\":\"False when the directory does not know the store, beacon, access point or sensor.\"},{\"name\":\"storeName\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"city\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"postalCode\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"timeZone\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"zoneId\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"zoneName\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"entrance\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"People counts: the entrance the sensor counts.\"},{\"name\":\"localTime\",\"type\":[\"null\",\"long\"],\"default\":null,\"doc\":\"The event's time on the store's wall clock, as milliseconds since 1970-01-01T00:00 local (no zone).\"},{\"name\":\"source\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Directory delivery: sourceName@sourceVersion.\"}]}";
    export const StoreInfoName = "cdp.enrichment.StoreInfo";
    /**
     * The store (and zone or entrance) of a store event, from the store directory.
     */
    export interface StoreInfo {
        storeId: string;
        /**
         * False when the directory does not know the store, beacon, access point or sensor.
         */
        found: boolean;
        /**
         * Default: null
         */
        storeName: null | string;
        /**
         * Default: null
         */
        city: null | string;
        /**
         * Default: null
         */
        postalCode: null | string;
        /**
         * Default: null
         */
        timeZone: null | string;
        /**
         * Default: null
         */
        zoneId: null | string;
        /**
         * Default: null
         */
        zoneName: null | string;
        /**
         * People counts: the entrance the sensor counts.
         *
         * Default: null
         */
        entrance: null | string;
        /**
         * The event's time on the store's wall clock, as milliseconds since 1970-01-01T00:00 local (no zone).
         *
         * Default: null
         */
        localTime: null | number;
        /**
         * Directory delivery: sourceName@sourceVersion.
         *
         * Default: null
         */
        source: null | string;
    }
    export const EnrichedEventSchema = "{\"type\":\"record\",\"name\":\"EnrichedEvent\",\"namespace\":\"cdp.enrichment\",\"doc\":\"An event with what external and partner data add. Every added block names its source and version (lineage); a lookup that found nothing leaves its block empty and is named in missing. People counts carry no person and come straight from ingest.\",\"fields\":[{\"name\":\"personId\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"identifiers\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"Identifier\",\"namespace\":\"cdp.identity\",\"doc\":\"One identifier of a person: its type (anonymous_id, user_id, loyalty_card, email_hash, ...) and value.\",\"fields\":[{\"name\":\"type\",\"type\":\"string\"},{\"name\":\"value\",\"type\":\"string\"}]}}},{\"name\":\"event\",\"type\":[{\"type\":\"record\",\"name\":\"SegmentEvent\",\"namespace\":\"cdp.web\",\"doc\":\"One web or app event in the Segment spec (track, page, screen, identify, alias, group). Free-form objects (properties, traits, integrations, unknown context keys) travel as JSON text so nothing the client sent is lost.\",\"fields\":[{\"name\":\"envelope\",\"type\":\"cdp.common.Envelope\"},{\"name\":\"type\",\"type\":{\"type\":\"enum\",\"name\":\"SegmentEventType\",\"symbols\":[\"TRACK\",\"PAGE\",\"SCREEN\",\"IDENTIFY\",\"ALIAS\",\"GROUP\"]}},{\"name\":\"channel\",\"type\":{\"type\":\"enum\",\"name\":\"Channel\",\"symbols\":[\"WEB\",\"APP\",\"SERVER\",\"STORE\",\"OTHER\"],\"default\":\"OTHER\"},\"default\":\"OTHER\",\"doc\":\"Where the event came from, from the source's configuration or the client library.\"},{\"name\":\"anonymousId\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"userId\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"event\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"track: the event name, e.g. 'Order Completed'.\"},{\"name\":\"name\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"page/screen: the page or screen name.\"},{\"name\":\"category\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"page: the page category.\"},{\"name\":\"previousId\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"alias: the previous identity.\"},{\"name\":\"groupId\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"group: the group (account) id.\"},{\"name\":\"properties\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"JSON object text: track/page/screen properties; null when the client sent none.\"},{\"name\":\"traits\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"JSON object text: identify/group traits (and context.traits); null when none. PII traits (email, phone) are hashed at ingest.\"},{\"name\":\"integrations\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"JSON object text: the client's integrations switch, kept as sent; null when none.\"},{\"name\":\"sentAt\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}],\"default\":null,\"doc\":\"Client clock when the batch was sent.\"},{\"name\":\"originalTimestamp\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}],\"default\":null,\"doc\":\"Client clock when the event happened, as sent.\"},{\"name\":\"context\",\"type\":{\"type\":\"record\",\"name\":\"SegmentContext\",\"doc\":\"The Segment context object: the fields the pipeline reads are typed; the rest stays in extra.\",\"fields\":[{\"name\":\"ip\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"userAgent\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"locale\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"timezone\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"libraryName\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"libraryVersion\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"pageUrl\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"pagePath\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"pageReferrer\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"pageTitle\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"pageSearch\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"campaignName\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"campaignSource\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"campaignMedium\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"campaignTerm\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"campaignContent\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"appName\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"appVersion\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"deviceId\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"deviceType\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"osName\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"osVersion\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"consent\",\"type\":[\"null\",\"cdp.common.Consent\"],\"default\":null,\"doc\":\"context.consent: the categories the consent manager recorded (categoryPreferences). Null when the client sent none.\"},{\"name\":\"extra\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"JSON object text: every other context key, as sent; null when there is none. (Apicurio 3.3 refuses a string default of {} in any schema, so JSON fields are nullable instead.)\"}]}}]},{\"type\":\"record\",\"name\":\"PosTransaction\",\"namespace\":\"cdp.store\",\"doc\":\"A till receipt. Money is in minor units (cents) of currency, so sums are exact.\",\"fields\":[{\"name\":\"envelope\",\"type\":\"cdp.common.Envelope\"},{\"name\":\"storeId\",\"type\":\"string\"},{\"name\":\"receiptId\",\"type\":\"string\",\"doc\":\"Unique per store; with storeId it identifies the receipt.\"},{\"name\":\"registerId\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"PosTransactionKind\",\"symbols\":[\"SALE\",\"RETURN\"]},\"default\":\"SALE\"},{\"name\":\"loyaltyCard\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Loyalty card number shown at the till, if any.\"},{\"name\":\"customerId\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"The retailer's customer number the till recorded (its CRM id), if any.\"},{\"name\":\"consent\",\"type\":[\"null\",\"cdp.common.Consent\"],\"default\":null,\"doc\":\"The loyalty programme's terms as the customer answered them at the till (categories such as loyalty-marketing); null when the till sent none.\"},{\"name\":\"currency\",\"type\":\"string\",\"doc\":\"ISO 4217 code, e.g. EUR.\"},{\"name\":\"totalMinor\",\"type\":\"long\",\"doc\":\"Receipt total after discounts, minor units.\"},{\"name\":\"paymentMethod\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"lines\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"PosLine\",\"fields\":[{\"name\":\"lineNumber\",\"type\":\"int\"},{\"name\":\"sku\",\"type\":\"string\"},{\"name\":\"quantity\",\"type\":\"double\",\"doc\":\"Units, or kilograms for weighed goods.\"},{\"name\":\"unitPriceMinor\",\"type\":\"long\"},{\"name\":\"discountMinor\",\"type\":\"long\",\"default\":0},{\"name\":\"totalMinor\",\"type\":\"long\",\"doc\":\"Line total after discount, minor units.\"}]}}}]},{\"type\":\"record\",\"name\":\"BeaconSighting\",\"namespace\":\"cdp.store\",\"doc\":\"A Bluetooth Low Energy sighting in a store. Either the retailer's app saw an in-store beacon (appInstallId set), or a store access point heard a BLE device (apMac and clientMacHash set, Meraki scanning API); beacon uuid/major/minor are set when the device is an iBeacon.\",\"fields\":[{\"name\":\"envelope\",\"type\":\"cdp.common.Envelope\"},{\"name\":\"storeId\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Store, when the gateway knows it; otherwise enrichment resolves it from the beacon directory.\"},{\"name\":\"appInstallId\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"The app install that saw the beacon (the Segment anonymousId of the app); null when an access point made the sighting.\"},{\"name\":\"userId\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"The logged-in account in the app, if any.\"},{\"name\":\"beaconUuid\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"iBeacon proximity uuid, lower case.\"},{\"name\":\"major\",\"type\":[\"null\",\"int\"],\"default\":null},{\"name\":\"minor\",\"type\":[\"null\",\"int\"],\"default\":null},{\"name\":\"rssi\",\"type\":\"int\",\"doc\":\"Received signal strength, dBm (negative).\"},{\"name\":\"proximity\",\"type\":[\"null\",{\"type\":\"enum\",\"name\":\"BeaconProximity\",\"symbols\":[\"IMMEDIATE\",\"NEAR\",\"FAR\",\"UNKNOWN\"]}],\"default\":null},{\"name\":\"accuracyMeters\",\"type\":[\"null\",\"double\"],\"default\":null},{\"name\":\"apMac\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Access point that heard the device (infrastructure, not personal); null for app sightings.\"},{\"name\":\"clientMacHash\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"HMAC-SHA-256 of the BLE device MAC, hex; the MAC never leaves ingest in clear.\"},{\"name\":\"randomizedMac\",\"type\":\"boolean\",\"default\":false,\"doc\":\"The device MAC was locally administered (randomised): it never links to a person.\"}]},{\"type\":\"record\",\"name\":\"WifiObservation\",\"namespace\":\"cdp.store\",\"doc\":\"A store Wi-Fi access point observed a client device (Meraki scanning API style). The client MAC never leaves ingest in clear.\",\"fields\":[{\"name\":\"envelope\",\"type\":\"cdp.common.Envelope\"},{\"name\":\"storeId\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"apMac\",\"type\":\"string\",\"doc\":\"MAC of the observing access point (infrastructure, not personal).\"},{\"name\":\"clientMacHash\",\"type\":\"string\",\"doc\":\"HMAC-SHA-256 of the client MAC, hex.\"},{\"name\":\"randomizedMac\",\"type\":\"boolean\",\"default\":false,\"doc\":\"The MAC was locally administered (randomized by the OS): it never links to a person.\"},{\"name\":\"rssi\",\"type\":\"int\"},{\"name\":\"ssid\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Network the client is associated with, if any.\"},{\"name\":\"manufacturer\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"os\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"lat\",\"type\":[\"null\",\"double\"],\"default\":null},{\"name\":\"lng\",\"type\":[\"null\",\"double\"],\"default\":null},{\"name\":\"uncertaintyMeters\",\"type\":[\"null\",\"double\"],\"default\":null},{\"name\":\"floorplanId\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"emailHash\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Captive-portal or 802.1X login that was an e-mail address: its HMAC, as every e-mail is hashed.\"},{\"name\":\"phoneHash\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Login that was a phone number: its HMAC.\"},{\"name\":\"loginHash\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Any other login name: its HMAC.\"}]},{\"type\":\"record\",\"name\":\"PeopleCount\",\"namespace\":\"cdp.store\",\"doc\":\"An anonymous people-counting sensor reading (video line crossing, zone occupancy, queue length). Counts only: never biometric, never an identifier.\",\"fields\":[{\"name\":\"envelope\",\"type\":\"cdp.common.Envelope\"},{\"name\":\"storeId\",\"type\":\"string\"},{\"name\":\"sensorId\",\"type\":\"string\"},{\"name\":\"zoneId\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"PeopleCountKind\",\"symbols\":[\"LINE_CROSSING\",\"ZONE_OCCUPANCY\",\"QUEUE_LENGTH\"]}},{\"name\":\"periodSeconds\",\"type\":\"int\",\"default\":0,\"doc\":\"Length of the counting window that ends at eventTime; 0 for a snapshot.\"},{\"name\":\"countIn\",\"type\":[\"null\",\"int\"],\"default\":null,\"doc\":\"LINE_CROSSING: people who crossed inwards.\"},{\"name\":\"countOut\",\"type\":[\"null\",\"int\"],\"default\":null,\"doc\":\"LINE_CROSSING: people who crossed outwards.\"},{\"name\":\"occupancy\",\"type\":[\"null\",\"int\"],\"default\":null,\"doc\":\"ZONE_OCCUPANCY: people in the zone.\"},{\"name\":\"queueLength\",\"type\":[\"null\",\"int\"],\"default\":null,\"doc\":\"QUEUE_LENGTH: people queueing.\"}]}]},{\"name\":\"device\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"DeviceInfo\",\"doc\":\"Parsed from the user agent.\",\"fields\":[{\"name\":\"browserName\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"browserVersion\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"osName\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"osVersion\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"deviceType\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"desktop, mobile, tablet, tv, bot or null when unknown.\"},{\"name\":\"isBot\",\"type\":\"boolean\",\"default\":false,\"doc\":\"A crawler, monitor or headless browser by the maintained isbot pattern list.\"},{\"name\":\"source\",\"type\":\"string\",\"doc\":\"Parsers and versions, e.g. bowser 2.15.0, isbot 5.1.0.\"}]}],\"default\":null},{\"name\":\"products\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"ProductInfo\",\"doc\":\"Catalogue data for one sku the event mentions; found=false when the catalogue does not know it (the event still goes on).\",\"fields\":[{\"name\":\"sku\",\"type\":\"string\"},{\"name\":\"found\",\"type\":\"boolean\"},{\"name\":\"name\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"category\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"brand\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"priceMinor\",\"type\":[\"null\",\"long\"],\"default\":null},{\"name\":\"source\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Catalogue delivery: sourceName@sourceVersion of the product record.\"},{\"name\":\"categoryPath\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"default\":[]},{\"name\":\"marginRate\",\"type\":[\"null\",\"double\"],\"default\":null}]}},\"default\":[]},{\"name\":\"geo\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"GeoInfo\",\"doc\":\"Where the client's (truncated) IP address is, from an offline database.\",\"fields\":[{\"name\":\"countryCode\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"ISO 3166-1 alpha-2.\"},{\"name\":\"region\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"city\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"source\",\"type\":\"string\",\"doc\":\"Database and version, e.g. dbip-city-lite 2026-06.\"}]}],\"default\":null},{\"name\":\"campaign\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"CampaignInfo\",\"doc\":\"Marketing attribution of a web or app event: the client's context.campaign, else UTM parameters and click ids of the page URL, and the referrer classified.\",\"fields\":[{\"name\":\"campaignSource\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"utm_source, or the referrer's source when there is no UTM.\"},{\"name\":\"campaignMedium\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"utm_medium as sent.\"},{\"name\":\"campaignName\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"campaignTerm\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"campaignContent\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"clickIdType\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"gclid, fbclid, msclkid, ttclid, ...\"},{\"name\":\"clickId\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"referrerHost\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"medium\",\"type\":\"string\",\"doc\":\"Classified: paid, email, social, search, referral, internal, direct (or the utm_medium's class).\"},{\"name\":\"source\",\"type\":\"string\",\"doc\":\"Rules and their version.\"}]}],\"default\":null},{\"name\":\"store\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"StoreInfo\",\"doc\":\"The store (and zone or entrance) of a store event, from the store directory.\",\"fields\":[{\"name\":\"storeId\",\"type\":\"string\"},{\"name\":\"found\",\"type\":\"boolean\",\"doc\":\"False when the directory does not know the store, beacon, access point or sensor.\"},{\"name\":\"storeName\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"city\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"postalCode\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"timeZone\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"zoneId\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"zoneName\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"entrance\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"People counts: the entrance the sensor counts.\"},{\"name\":\"localTime\",\"type\":[\"null\",\"long\"],\"default\":null,\"doc\":\"The event's time on the store's wall clock, as milliseconds since 1970-01-01T00:00 local (no zone).\"},{\"name\":\"source\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Directory delivery: sourceName@sourceVersion.\"}]}],\"default\":null},{\"name\":\"missing\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"default\":[],\"doc\":\"Reference data an enrichment looked for and did not find: catalogue, store_directory, geo.\"}]}";
    export const EnrichedEventName = "cdp.enrichment.EnrichedEvent";
    /**
     * An event with what external and partner data add. Every added block names its source and version (lineage); a lookup that found nothing leaves its block empty and is named in missing. People counts carry no person and come straight from ingest.
     */
    export interface EnrichedEvent {
        /**
         * Default: null
         */
        personId: null | string;
        identifiers: CdpIdentity.Identifier[];
        event: {
            "cdp.web.SegmentEvent": CdpWeb.SegmentEvent;
            "cdp.store.PosTransaction"?: never;
            "cdp.store.BeaconSighting"?: never;
            "cdp.store.WifiObservation"?: never;
            "cdp.store.PeopleCount"?: never;
        } | {
            "cdp.web.SegmentEvent"?: never;
            "cdp.store.PosTransaction": CdpStore.PosTransaction;
            "cdp.store.BeaconSighting"?: never;
            "cdp.store.WifiObservation"?: never;
            "cdp.store.PeopleCount"?: never;
        } | {
            "cdp.web.SegmentEvent"?: never;
            "cdp.store.PosTransaction"?: never;
            "cdp.store.BeaconSighting": CdpStore.BeaconSighting;
            "cdp.store.WifiObservation"?: never;
            "cdp.store.PeopleCount"?: never;
        } | {
            "cdp.web.SegmentEvent"?: never;
            "cdp.store.PosTransaction"?: never;
            "cdp.store.BeaconSighting"?: never;
            "cdp.store.WifiObservation": CdpStore.WifiObservation;
            "cdp.store.PeopleCount"?: never;
        } | {
            "cdp.web.SegmentEvent"?: never;
            "cdp.store.PosTransaction"?: never;
            "cdp.store.BeaconSighting"?: never;
            "cdp.store.WifiObservation"?: never;
            "cdp.store.PeopleCount": CdpStore.PeopleCount;
        };
        /**
         * Default: null
         */
        device: null | CdpEnrichment.DeviceInfo;
        /**
         * Default: []
         */
        products: CdpEnrichment.ProductInfo[];
        /**
         * Default: null
         */
        geo: null | CdpEnrichment.GeoInfo;
        /**
         * Default: null
         */
        campaign: null | CdpEnrichment.CampaignInfo;
        /**
         * Default: null
         */
        store: null | CdpEnrichment.StoreInfo;
        /**
         * Reference data an enrichment looked for and did not find: catalogue, store_directory, geo.
         *
         * Default: []
         */
        missing: string[];
    }
}

export namespace CdpOps {
    export const DeadLetterSchema = "{\"type\":\"record\",\"name\":\"DeadLetter\",\"namespace\":\"cdp.ops\",\"doc\":\"A record a service could not process, kept with its original bytes so it can be inspected and replayed to originalTopic.\",\"fields\":[{\"name\":\"originalTopic\",\"type\":\"string\"},{\"name\":\"originalPartition\",\"type\":\"int\"},{\"name\":\"originalOffset\",\"type\":\"long\"},{\"name\":\"originalKey\",\"type\":[\"null\",\"bytes\"],\"default\":null},{\"name\":\"originalValue\",\"type\":[\"null\",\"bytes\"],\"default\":null},{\"name\":\"service\",\"type\":\"string\"},{\"name\":\"step\",\"type\":\"string\",\"doc\":\"Processing step that rejected the record.\"},{\"name\":\"code\",\"type\":\"string\",\"doc\":\"Rejection code, area.snake_reason (see the rejection catalogue).\"},{\"name\":\"message\",\"type\":\"string\",\"doc\":\"Human-readable reason, truncated to 1000 characters.\"},{\"name\":\"failedAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},{\"name\":\"originalFormat\",\"type\":\"string\",\"default\":\"kafka-record\",\"doc\":\"kafka-record: originalKey and originalValue are the bytes of a record read from originalTopic (partition and offset say where), replayed as they are. ingest-json: originalValue is the JSON item ingest refused at the door (PII already hashed) with its source and route, replayed through ingest's checks; partition and offset are -1.\"}]}";
    export const DeadLetterName = "cdp.ops.DeadLetter";
    /**
     * A record a service could not process, kept with its original bytes so it can be inspected and replayed to originalTopic.
     */
    export interface DeadLetter {
        originalTopic: string;
        originalPartition: number;
        originalOffset: number;
        /**
         * Default: null
         */
        originalKey: null | Buffer;
        /**
         * Default: null
         */
        originalValue: null | Buffer;
        service: string;
        /**
         * Processing step that rejected the record.
         */
        step: string;
        /**
         * Rejection code, area.snake_reason (see the rejection catalogue).
         */
        code: string;
        /**
         * Human-readable reason, truncated to 1000 characters.
         */
        message: string;
        failedAt: number;
        /**
         * kafka-record: originalKey and originalValue are the bytes of a record read from originalTopic (partition and offset say where), replayed as they are. ingest-json: originalValue is the JSON item ingest refused at the door (PII already hashed) with its source and route, replayed through ingest's checks; partition and offset are -1.
         *
         * Default: "kafka-record"
         */
        originalFormat: string;
    }
}

export namespace CdpPrivacy {
    export const ErasureStateSchema = "{\"type\":\"enum\",\"name\":\"ErasureState\",\"symbols\":[\"REQUESTED\",\"IDENTITY_ERASED\",\"DONE\",\"NOT_FOUND\",\"WITHDRAWN\"]}";
    export const ErasureStateName = "cdp.privacy.ErasureState";
    export type ErasureState = "REQUESTED" | "IDENTITY_ERASED" | "DONE" | "NOT_FOUND" | "WITHDRAWN";
    export const ErasureRequestSchema = "{\"type\":\"record\",\"name\":\"ErasureRequest\",\"namespace\":\"cdp.privacy\",\"doc\":\"One request to erase a person (the right to be forgotten), keyed by tenant|requestId on a compacted topic. Each step writes the request again with its state: the API or the command (REQUESTED, with the identifier asked for), the identity graph writer (IDENTITY_ERASED: the identifier is gone, the persons at ingest to delete are named), aggregation (DONE: no identifier and no person left, only counts). WITHDRAWN ends the suppression of the person's identifiers.\",\"fields\":[{\"name\":\"tenant\",\"type\":\"string\"},{\"name\":\"requestId\",\"type\":\"string\"},{\"name\":\"requestedAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},{\"name\":\"requestedBy\",\"type\":\"string\",\"doc\":\"Who asked: the API key's id, or cli:<user> for the command. Never a person's data.\"},{\"name\":\"state\",\"type\":{\"type\":\"enum\",\"name\":\"ErasureState\",\"symbols\":[\"REQUESTED\",\"IDENTITY_ERASED\",\"DONE\",\"NOT_FOUND\",\"WITHDRAWN\"]}},{\"name\":\"identifier\",\"type\":[\"null\",\"cdp.identity.Identifier\"],\"default\":null,\"doc\":\"The identifier the request names, as ingest stores it (hashed where ingest hashes). Only while REQUESTED: every later state drops it.\"},{\"name\":\"personIds\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"default\":[],\"doc\":\"Only while IDENTITY_ERASED: the persons at ingest (the survivor and every person merged into it) whose rows aggregation deletes.\"},{\"name\":\"historyEntryIds\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"default\":[],\"doc\":\"Only while IDENTITY_ERASED: identity history entries tombstoned, for aggregation to delete too.\"},{\"name\":\"identifiers\",\"type\":\"int\",\"default\":0,\"doc\":\"Identifiers erased from the graph and suppressed.\"},{\"name\":\"kafkaTombstones\",\"type\":\"int\",\"default\":0,\"doc\":\"Tombstones written on compacted topics (identifiers, merges, history, signal state).\"},{\"name\":\"clickhouseRows\",\"type\":\"long\",\"default\":0,\"doc\":\"Rows deleted from ClickHouse tables.\"},{\"name\":\"updatedAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},{\"name\":\"doneAt\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}],\"default\":null},{\"name\":\"detail\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Why the request ended as it did, without personal data.\"}]}";
    export const ErasureRequestName = "cdp.privacy.ErasureRequest";
    /**
     * One request to erase a person (the right to be forgotten), keyed by tenant|requestId on a compacted topic. Each step writes the request again with its state: the API or the command (REQUESTED, with the identifier asked for), the identity graph writer (IDENTITY_ERASED: the identifier is gone, the persons at ingest to delete are named), aggregation (DONE: no identifier and no person left, only counts). WITHDRAWN ends the suppression of the person's identifiers.
     */
    export interface ErasureRequest {
        tenant: string;
        requestId: string;
        requestedAt: number;
        /**
         * Who asked: the API key's id, or cli:<user> for the command. Never a person's data.
         */
        requestedBy: string;
        state: CdpPrivacy.ErasureState;
        /**
         * The identifier the request names, as ingest stores it (hashed where ingest hashes). Only while REQUESTED: every later state drops it.
         *
         * Default: null
         */
        identifier: null | CdpIdentity.Identifier;
        /**
         * Only while IDENTITY_ERASED: the persons at ingest (the survivor and every person merged into it) whose rows aggregation deletes.
         *
         * Default: []
         */
        personIds: string[];
        /**
         * Only while IDENTITY_ERASED: identity history entries tombstoned, for aggregation to delete too.
         *
         * Default: []
         */
        historyEntryIds: string[];
        /**
         * Identifiers erased from the graph and suppressed.
         *
         * Default: 0
         */
        identifiers: number;
        /**
         * Tombstones written on compacted topics (identifiers, merges, history, signal state).
         *
         * Default: 0
         */
        kafkaTombstones: number;
        /**
         * Rows deleted from ClickHouse tables.
         *
         * Default: 0
         */
        clickhouseRows: number;
        updatedAt: number;
        /**
         * Default: null
         */
        doneAt: null | number;
        /**
         * Why the request ended as it did, without personal data.
         *
         * Default: null
         */
        detail: null | string;
    }
    export const SuppressionSchema = "{\"type\":\"record\",\"name\":\"Suppression\",\"namespace\":\"cdp.privacy\",\"doc\":\"An identifier whose events are dropped at ingest and by the stitchers, because its person was erased. Keyed by tenant|type|value on a compacted topic; a tombstone (the request withdrawn) lets its events in again.\",\"fields\":[{\"name\":\"tenant\",\"type\":\"string\"},{\"name\":\"identifier\",\"type\":\"cdp.identity.Identifier\"},{\"name\":\"requestId\",\"type\":\"string\",\"doc\":\"The erasure request that suppressed it.\"},{\"name\":\"since\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}}]}";
    export const SuppressionName = "cdp.privacy.Suppression";
    /**
     * An identifier whose events are dropped at ingest and by the stitchers, because its person was erased. Keyed by tenant|type|value on a compacted topic; a tombstone (the request withdrawn) lets its events in again.
     */
    export interface Suppression {
        tenant: string;
        identifier: CdpIdentity.Identifier;
        /**
         * The erasure request that suppressed it.
         */
        requestId: string;
        since: number;
    }
}

export namespace CdpReference {
    export const AreaDemographicsSchema = "{\"type\":\"record\",\"name\":\"AreaDemographics\",\"namespace\":\"cdp.reference\",\"doc\":\"Open demographics of one postal-code area (modelled on Statistics Finland's Paavo), keyed countryCode|postalCode. Shares are 0..1 of the area's population or households.\",\"fields\":[{\"name\":\"countryCode\",\"type\":\"string\",\"doc\":\"ISO 3166-1 alpha-2.\"},{\"name\":\"postalCode\",\"type\":\"string\"},{\"name\":\"areaName\",\"type\":\"string\"},{\"name\":\"municipality\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"population\",\"type\":\"int\"},{\"name\":\"medianAge\",\"type\":[\"null\",\"double\"],\"default\":null},{\"name\":\"ageShares\",\"type\":{\"type\":\"map\",\"values\":\"double\"},\"doc\":\"Age band (0-14, 15-24, 25-34, 35-44, 45-54, 55-64, 65+) -> share of the population.\"},{\"name\":\"medianIncome\",\"type\":[\"null\",\"long\"],\"default\":null,\"doc\":\"Median disposable income of inhabitants, euros per year.\"},{\"name\":\"households\",\"type\":[\"null\",\"int\"],\"default\":null},{\"name\":\"householdShares\",\"type\":{\"type\":\"map\",\"values\":\"double\"},\"doc\":\"Household type (single, couple, family_with_children, other) -> share of households.\"},{\"name\":\"statisticsYear\",\"type\":[\"null\",\"int\"],\"default\":null},{\"name\":\"sourceName\",\"type\":\"string\"},{\"name\":\"sourceVersion\",\"type\":\"string\"},{\"name\":\"loadedAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}}]}";
    export const AreaDemographicsName = "cdp.reference.AreaDemographics";
    /**
     * Open demographics of one postal-code area (modelled on Statistics Finland's Paavo), keyed countryCode|postalCode. Shares are 0..1 of the area's population or households.
     */
    export interface AreaDemographics {
        /**
         * ISO 3166-1 alpha-2.
         */
        countryCode: string;
        postalCode: string;
        areaName: string;
        /**
         * Default: null
         */
        municipality: null | string;
        population: number;
        /**
         * Default: null
         */
        medianAge: null | number;
        /**
         * Age band (0-14, 15-24, 25-34, 35-44, 45-54, 55-64, 65+) -> share of the population.
         */
        ageShares: {
            [index: string]: number;
        };
        /**
         * Median disposable income of inhabitants, euros per year.
         *
         * Default: null
         */
        medianIncome: null | number;
        /**
         * Default: null
         */
        households: null | number;
        /**
         * Household type (single, couple, family_with_children, other) -> share of households.
         */
        householdShares: {
            [index: string]: number;
        };
        /**
         * Default: null
         */
        statisticsYear: null | number;
        sourceName: string;
        sourceVersion: string;
        loadedAt: number;
    }
    export const PartnerSegmentMembershipSchema = "{\"type\":\"record\",\"name\":\"PartnerSegmentMembership\",\"namespace\":\"cdp.reference\",\"doc\":\"The segments a partner puts one person in, keyed tenant|partner|identifierType|identifierValue. The partner delivers e-mails or phones; the loader hashes them exactly as ingest does (email_hash, phone_hash), so no clear value reaches Kafka and the identifier joins with the identity graph's.\",\"fields\":[{\"name\":\"tenant\",\"type\":\"string\"},{\"name\":\"partner\",\"type\":\"string\",\"doc\":\"The partner whose key uploaded it: its rows replace only its own.\"},{\"name\":\"identifier\",\"type\":\"cdp.identity.Identifier\"},{\"name\":\"segments\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"doc\":\"Segment names, sorted, without repeats.\"},{\"name\":\"sourceName\",\"type\":\"string\"},{\"name\":\"sourceVersion\",\"type\":\"string\"},{\"name\":\"loadedAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}}]}";
    export const PartnerSegmentMembershipName = "cdp.reference.PartnerSegmentMembership";
    /**
     * The segments a partner puts one person in, keyed tenant|partner|identifierType|identifierValue. The partner delivers e-mails or phones; the loader hashes them exactly as ingest does (email_hash, phone_hash), so no clear value reaches Kafka and the identifier joins with the identity graph's.
     */
    export interface PartnerSegmentMembership {
        tenant: string;
        /**
         * The partner whose key uploaded it: its rows replace only its own.
         */
        partner: string;
        identifier: CdpIdentity.Identifier;
        /**
         * Segment names, sorted, without repeats.
         */
        segments: string[];
        sourceName: string;
        sourceVersion: string;
        loadedAt: number;
    }
    export const ProductSchema = "{\"type\":\"record\",\"name\":\"Product\",\"namespace\":\"cdp.reference\",\"doc\":\"One product of a tenant's catalogue (from the PIM), keyed tenant|sku on a compacted topic: the latest record per key is the product; a tombstone (null value) removes it.\",\"fields\":[{\"name\":\"tenant\",\"type\":\"string\"},{\"name\":\"sku\",\"type\":\"string\"},{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"category\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Category path as text, most general first, separated by ' > '.\"},{\"name\":\"categoryPath\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"default\":[],\"doc\":\"The same path as a list, most general first: ['Shoes', 'Outdoor'].\"},{\"name\":\"brand\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"priceMinor\",\"type\":[\"null\",\"long\"],\"default\":null,\"doc\":\"List price in minor units of currency.\"},{\"name\":\"currency\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"marginRate\",\"type\":[\"null\",\"double\"],\"default\":null,\"doc\":\"Gross margin as a share of the net price, 0..1 (0.35 = 35 %).\"},{\"name\":\"sourceName\",\"type\":\"string\",\"doc\":\"Where this version came from (file name, or partner name for an upload).\"},{\"name\":\"sourceVersion\",\"type\":\"string\",\"doc\":\"The dataset version: a checksum of the delivered file, so the same file is the same version.\"},{\"name\":\"loadedAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"},\"doc\":\"When the loader published this version.\"}]}";
    export const ProductName = "cdp.reference.Product";
    /**
     * One product of a tenant's catalogue (from the PIM), keyed tenant|sku on a compacted topic: the latest record per key is the product; a tombstone (null value) removes it.
     */
    export interface Product {
        tenant: string;
        sku: string;
        name: string;
        /**
         * Category path as text, most general first, separated by ' > '.
         *
         * Default: null
         */
        category: null | string;
        /**
         * The same path as a list, most general first: ['Shoes', 'Outdoor'].
         *
         * Default: []
         */
        categoryPath: string[];
        /**
         * Default: null
         */
        brand: null | string;
        /**
         * List price in minor units of currency.
         *
         * Default: null
         */
        priceMinor: null | number;
        /**
         * Default: null
         */
        currency: null | string;
        /**
         * Gross margin as a share of the net price, 0..1 (0.35 = 35 %).
         *
         * Default: null
         */
        marginRate: null | number;
        /**
         * Where this version came from (file name, or partner name for an upload).
         */
        sourceName: string;
        /**
         * The dataset version: a checksum of the delivered file, so the same file is the same version.
         */
        sourceVersion: string;
        /**
         * When the loader published this version.
         */
        loadedAt: number;
    }
    export const OpeningHoursSchema = "{\"type\":\"record\",\"name\":\"OpeningHours\",\"fields\":[{\"name\":\"dayOfWeek\",\"type\":\"int\",\"doc\":\"ISO day: 1 = Monday ... 7 = Sunday.\"},{\"name\":\"opens\",\"type\":\"string\",\"doc\":\"Local time HH:MM.\"},{\"name\":\"closes\",\"type\":\"string\",\"doc\":\"Local time HH:MM; before opens means past midnight.\"}]}";
    export const OpeningHoursName = "cdp.reference.OpeningHours";
    export interface OpeningHours {
        /**
         * ISO day: 1 = Monday ... 7 = Sunday.
         */
        dayOfWeek: number;
        /**
         * Local time HH:MM.
         */
        opens: string;
        /**
         * Local time HH:MM; before opens means past midnight.
         */
        closes: string;
    }
    export const StoreZoneSchema = "{\"type\":\"record\",\"name\":\"StoreZone\",\"fields\":[{\"name\":\"zoneId\",\"type\":\"string\"},{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"kind\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"entrance, sales_floor, checkout, fitting_rooms, ... (free text).\"}]}";
    export const StoreZoneName = "cdp.reference.StoreZone";
    export interface StoreZone {
        zoneId: string;
        name: string;
        /**
         * entrance, sales_floor, checkout, fitting_rooms, ... (free text).
         *
         * Default: null
         */
        kind: null | string;
    }
    export const StoreBeaconSchema = "{\"type\":\"record\",\"name\":\"StoreBeacon\",\"doc\":\"An iBeacon placed in the store.\",\"fields\":[{\"name\":\"uuid\",\"type\":\"string\",\"doc\":\"Proximity uuid, lower case.\"},{\"name\":\"major\",\"type\":\"int\"},{\"name\":\"minor\",\"type\":\"int\"},{\"name\":\"zoneId\",\"type\":[\"null\",\"string\"],\"default\":null}]}";
    export const StoreBeaconName = "cdp.reference.StoreBeacon";
    /**
     * An iBeacon placed in the store.
     */
    export interface StoreBeacon {
        /**
         * Proximity uuid, lower case.
         */
        uuid: string;
        major: number;
        minor: number;
        /**
         * Default: null
         */
        zoneId: null | string;
    }
    export const StoreAccessPointSchema = "{\"type\":\"record\",\"name\":\"StoreAccessPoint\",\"fields\":[{\"name\":\"mac\",\"type\":\"string\",\"doc\":\"Access point MAC, lower case with colons.\"},{\"name\":\"zoneId\",\"type\":[\"null\",\"string\"],\"default\":null}]}";
    export const StoreAccessPointName = "cdp.reference.StoreAccessPoint";
    export interface StoreAccessPoint {
        /**
         * Access point MAC, lower case with colons.
         */
        mac: string;
        /**
         * Default: null
         */
        zoneId: null | string;
    }
    export const StoreSensorSchema = "{\"type\":\"record\",\"name\":\"StoreSensor\",\"doc\":\"A people-counting sensor: counts at an entrance, or occupancy of a zone.\",\"fields\":[{\"name\":\"sensorId\",\"type\":\"string\"},{\"name\":\"entrance\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Entrance it counts (e.g. main, mall-side); null for a zone sensor.\"},{\"name\":\"zoneId\",\"type\":[\"null\",\"string\"],\"default\":null}]}";
    export const StoreSensorName = "cdp.reference.StoreSensor";
    /**
     * A people-counting sensor: counts at an entrance, or occupancy of a zone.
     */
    export interface StoreSensor {
        sensorId: string;
        /**
         * Entrance it counts (e.g. main, mall-side); null for a zone sensor.
         *
         * Default: null
         */
        entrance: null | string;
        /**
         * Default: null
         */
        zoneId: null | string;
    }
    export const StoreSchema = "{\"type\":\"record\",\"name\":\"Store\",\"namespace\":\"cdp.reference\",\"doc\":\"One store of the store directory with its zones and in-store infrastructure (beacons, Wi-Fi access points, people-counting sensors), keyed tenant|storeId on a compacted topic; a tombstone removes the store.\",\"fields\":[{\"name\":\"tenant\",\"type\":\"string\"},{\"name\":\"storeId\",\"type\":\"string\"},{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"city\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"postalCode\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"countryCode\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"ISO 3166-1 alpha-2.\"},{\"name\":\"latitude\",\"type\":[\"null\",\"double\"],\"default\":null},{\"name\":\"longitude\",\"type\":[\"null\",\"double\"],\"default\":null},{\"name\":\"timeZone\",\"type\":\"string\",\"doc\":\"IANA time zone, e.g. Europe/Helsinki: store-local time is read in it.\"},{\"name\":\"openingHours\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"OpeningHours\",\"fields\":[{\"name\":\"dayOfWeek\",\"type\":\"int\",\"doc\":\"ISO day: 1 = Monday ... 7 = Sunday.\"},{\"name\":\"opens\",\"type\":\"string\",\"doc\":\"Local time HH:MM.\"},{\"name\":\"closes\",\"type\":\"string\",\"doc\":\"Local time HH:MM; before opens means past midnight.\"}]}},\"default\":[]},{\"name\":\"zones\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"StoreZone\",\"fields\":[{\"name\":\"zoneId\",\"type\":\"string\"},{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"kind\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"entrance, sales_floor, checkout, fitting_rooms, ... (free text).\"}]}},\"default\":[]},{\"name\":\"beacons\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"StoreBeacon\",\"doc\":\"An iBeacon placed in the store.\",\"fields\":[{\"name\":\"uuid\",\"type\":\"string\",\"doc\":\"Proximity uuid, lower case.\"},{\"name\":\"major\",\"type\":\"int\"},{\"name\":\"minor\",\"type\":\"int\"},{\"name\":\"zoneId\",\"type\":[\"null\",\"string\"],\"default\":null}]}},\"default\":[]},{\"name\":\"accessPoints\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"StoreAccessPoint\",\"fields\":[{\"name\":\"mac\",\"type\":\"string\",\"doc\":\"Access point MAC, lower case with colons.\"},{\"name\":\"zoneId\",\"type\":[\"null\",\"string\"],\"default\":null}]}},\"default\":[]},{\"name\":\"sensors\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"StoreSensor\",\"doc\":\"A people-counting sensor: counts at an entrance, or occupancy of a zone.\",\"fields\":[{\"name\":\"sensorId\",\"type\":\"string\"},{\"name\":\"entrance\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Entrance it counts (e.g. main, mall-side); null for a zone sensor.\"},{\"name\":\"zoneId\",\"type\":[\"null\",\"string\"],\"default\":null}]}},\"default\":[]},{\"name\":\"sourceName\",\"type\":\"string\"},{\"name\":\"sourceVersion\",\"type\":\"string\"},{\"name\":\"loadedAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}}]}";
    export const StoreName = "cdp.reference.Store";
    /**
     * One store of the store directory with its zones and in-store infrastructure (beacons, Wi-Fi access points, people-counting sensors), keyed tenant|storeId on a compacted topic; a tombstone removes the store.
     */
    export interface Store {
        tenant: string;
        storeId: string;
        name: string;
        /**
         * Default: null
         */
        city: null | string;
        /**
         * Default: null
         */
        postalCode: null | string;
        /**
         * ISO 3166-1 alpha-2.
         *
         * Default: null
         */
        countryCode: null | string;
        /**
         * Default: null
         */
        latitude: null | number;
        /**
         * Default: null
         */
        longitude: null | number;
        /**
         * IANA time zone, e.g. Europe/Helsinki: store-local time is read in it.
         */
        timeZone: string;
        /**
         * Default: []
         */
        openingHours: CdpReference.OpeningHours[];
        /**
         * Default: []
         */
        zones: CdpReference.StoreZone[];
        /**
         * Default: []
         */
        beacons: CdpReference.StoreBeacon[];
        /**
         * Default: []
         */
        accessPoints: CdpReference.StoreAccessPoint[];
        /**
         * Default: []
         */
        sensors: CdpReference.StoreSensor[];
        sourceName: string;
        sourceVersion: string;
        loadedAt: number;
    }
}
