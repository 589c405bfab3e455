/**
 * Every topic of the pipeline, in one place: name, partitions, cleanup policy and the Avro type of
 * its values (registered under the TopicNameStrategy subject `<topic>-value`). Keys are plain
 * UTF-8 strings. Names follow `<domain>.<entity>.v<N>`; dead letters are `<topic>.dlq`.
 */
import { ConfigError } from './errors';
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** compact: state and reference topics, where the latest record per key is the truth. */
  readonly cleanupPolicy: 'delete' | 'compact';
  readonly valueType: string;
  /**
   * retention.ms of a delete topic; -1 keeps records forever. Unset: the broker's default (7 days),
   * which is right for a stream whose consumers keep what they need.
   */
  readonly retentionMs?: number;
  /**
   * A compacted topic that holds personal data: its segments roll daily (segment.ms), so that a
   * tombstoned key's older records are compacted away within days, not when a 1 GiB segment fills.
   */
  readonly personal?: boolean;
  /**
   * Records go to the partition of this part of the key (the text before the first `|`), not of
   * the whole key: a compacted topic keyed per record that keeps one tenant's records in order.
   */
  readonly partitionBy?: 'tenant';
  readonly key: string;
  readonly doc: string;
}

const DEAD_LETTER_TYPE = 'cdp.ops.DeadLetter';

const topic = (spec: TopicSpec): TopicSpec => Object.freeze(spec);

/** Topic prefixes may only hold characters Kafka allows in names and end with a separator. */
export const TOPIC_PREFIX_PATTERN = /^([a-z0-9-]+\.)?$/;

export const TOPICS = Object.freeze({
  webEvents: topic({
    name: 'web.segment-events.v1',
    partitions: 4,
    cleanupPolicy: 'delete',
    valueType: 'cdp.web.SegmentEvent',
    key: 'anonymousId, else userId: keeps one browser or app install in order',
    doc: 'Web and app events accepted by ingest (Segment spec).',
  }),
  beaconSightings: topic({
    name: 'store.beacon-sightings.v1',
    partitions: 4,
    cleanupPolicy: 'delete',
    valueType: 'cdp.store.BeaconSighting',
    key: 'storeId/appInstallId (Meraki BLE: storeId/clientMacHash): one device in order',
    doc: 'In-store BLE beacon sightings reported by the app or a store gateway.',
  }),
  wifiObservations: topic({
    name: 'store.wifi-observations.v1',
    partitions: 4,
    cleanupPolicy: 'delete',
    valueType: 'cdp.store.WifiObservation',
    key: 'storeId/clientMacHash: one device in order',
    doc: 'Wi-Fi access point observations of client devices (hashed MACs).',
  }),
  peopleCounts: topic({
    name: 'store.people-counts.v1',
    partitions: 2,
    cleanupPolicy: 'delete',
    valueType: 'cdp.store.PeopleCount',
    key: 'storeId/sensorId',
    doc: 'Anonymous people-counting sensor readings.',
  }),
  posTransactions: topic({
    name: 'store.pos-transactions.v1',
    partitions: 2,
    cleanupPolicy: 'delete',
    valueType: 'cdp.store.PosTransaction',
    key: 'storeId/registerId, else storeId/receiptId: one till in order',
    doc: 'Till receipts with their lines.',
  }),
  resolvedEvents: topic({
    name: 'identity.resolved-events.v1',
    partitions: 4,
    cleanupPolicy: 'delete',
    valueType: 'cdp.identity.ResolvedEvent',
    key: 'the input record\'s key: one device or visitor stays in order',
    doc: 'Every event after identity stitching, with its person id and identifiers.',
  }),
  identifierAssignments: topic({
    name: 'identity.identifiers.v1',
    partitions: 4,
    cleanupPolicy: 'compact',
    valueType: 'cdp.identity.IdentifierAssignment',
    personal: true,
    key: 'tenant|type|value',
    doc: 'The identity graph as a table: identifier -> person. Identity rebuilds its state from it on start.',
  }),
  personMerges: topic({
    name: 'identity.person-merges.v1',
    partitions: 1,
    cleanupPolicy: 'compact',
    valueType: 'cdp.identity.PersonMerge',
    personal: true,
    key: 'tenant|fromPersonId',
    doc: 'Flat merge records (absorbed person -> surviving person); views resolve person ids through them.',
  }),
  identityLinks: topic({
    name: 'identity.links.v1',
    partitions: 4,
    cleanupPolicy: 'delete',
    valueType: 'cdp.identity.IdentityLink',
    key: 'tenant: one graph writer applies a tenant\'s links in order',
    doc: 'Identifiers seen together, from the stitchers to the graph writer.',
  }),
  identityHistory: topic({
    name: 'identity.history.v2',
    partitions: 4,
    cleanupPolicy: 'compact',
    personal: true,
    partitionBy: 'tenant',
    valueType: 'cdp.identity.IdentityHistoryEntry',
    key: 'tenant|entryId, on the partition of the tenant: one tenant\'s history stays in the order the graph writer applied it',
    doc: 'Identity history: every link that changed the graph (first-seen identifiers, joined persons) or was refused, with its cause event. No time retention: kept for as long as the person exists. Compacted per entry, so that erasing a person tombstones its entries. Replaying its identifiers in order into an empty graph gives the persons again. v2: v1 was keyed by tenant and could not lose one person\'s entries.',
  }),
  identityConflicts: topic({
    name: 'identity.conflicts.v1',
    partitions: 1,
    cleanupPolicy: 'delete',
    valueType: 'cdp.identity.IdentityConflict',
    key: 'tenant|conflictId',
    doc: 'Links the graph refused, with the rule and the reason.',
  }),
  enrichedEvents: topic({
    name: 'enrichment.enriched-events.v1',
    partitions: 4,
    cleanupPolicy: 'delete',
    valueType: 'cdp.enrichment.EnrichedEvent',
    key: 'personId, else eventId',
    doc: 'Every event with what enrichment adds (device, bot flag, geo, campaign, store and zone, catalogue), people counts included.',
  }),
  signals: topic({
    name: 'aggregation.signals.v1',
    partitions: 4,
    cleanupPolicy: 'delete',
    valueType: 'cdp.aggregation.Signal',
    key: 'tenant|personId',
    doc: 'Real-time signals for applications (cart abandoned, known customer entered a store, first purchase, store visit after browsing), once per occasion. Written in transactions: read read_committed.',
  }),
  signalState: topic({
    name: 'aggregation.signal-state.v1',
    partitions: 4,
    cleanupPolicy: 'compact',
    valueType: 'cdp.aggregation.SignalState',
    personal: true,
    key: 'tenant|personId',
    doc: 'The signals processor\'s per-person state (open cart, store visits, product views, signals fired), written in the transaction of the signals it made; read back on start so timers survive a restart.',
  }),
  personUpdates: topic({
    name: 'aggregation.person-updates.v1',
    partitions: 1,
    cleanupPolicy: 'delete',
    retentionMs: 86_400_000,
    valueType: 'cdp.aggregation.PersonUpdates',
    key: 'tenant',
    doc: 'A change feed: after each batch of events lands in ClickHouse, the persons (at ingest) whose rows it changed. Readers invalidate what they cached for those persons (the customer API). A notification, not a record of the events: kept one day, at least once.',
  }),
  identifierBlocks: topic({
    name: 'identity.identifier-blocks.v1',
    partitions: 4,
    cleanupPolicy: 'compact',
    personal: true,
    partitionBy: 'tenant',
    valueType: 'cdp.identity.IdentifierBlock',
    key: 'tenant|type|value, on the partition of the tenant: the same partition as the tenant\'s links, so the graph writer of its links splits its persons',
    doc: 'Identifier values an operator blocked because they glued people together, and their progress: BLOCK_REQUESTED (API or command), BLOCKED (the graph writer split the person), UNBLOCK_REQUESTED, UNBLOCKED (the merge restored). A blocked value links no one.',
  }),
  erasureRequests: topic({
    name: 'privacy.erasure-requests.v1',
    partitions: 4,
    cleanupPolicy: 'compact',
    personal: true,
    partitionBy: 'tenant',
    valueType: 'cdp.privacy.ErasureRequest',
    key: 'tenant|requestId, on the partition of the tenant: the same partition as the tenant\'s links, so the graph writer of its links erases its persons',
    doc: 'Erasure requests and their progress: REQUESTED (by the API or the command, with the identifier), IDENTITY_ERASED (by the graph writer, with the persons to delete), DONE (by aggregation, counts only), NOT_FOUND, WITHDRAWN. The newest state per request wins; compaction removes the earlier ones that named the person.',
  }),
  suppressions: topic({
    name: 'privacy.suppressions.v1',
    partitions: 1,
    cleanupPolicy: 'compact',
    valueType: 'cdp.privacy.Suppression',
    key: 'tenant|type|value',
    doc: 'Identifiers of erased persons: ingest and the stitchers drop events carrying them until the erasure is withdrawn (a tombstone).',
  }),
  products: topic({
    name: 'reference.products.v2',
    partitions: 1,
    cleanupPolicy: 'compact',
    valueType: 'cdp.reference.Product',
    key: 'tenant|sku',
    doc: 'Product catalogue from the PIM, per tenant; latest record per key wins, null value deletes. v2: keyed by tenant, with category path, margin and load time.',
  }),
  stores: topic({
    name: 'reference.stores.v1',
    partitions: 1,
    cleanupPolicy: 'compact',
    valueType: 'cdp.reference.Store',
    key: 'tenant|storeId',
    doc: 'Store directory: stores with zones, beacons, Wi-Fi access points and people-counting sensors.',
  }),
  partnerSegments: topic({
    name: 'reference.partner-segments.v1',
    partitions: 1,
    cleanupPolicy: 'compact',
    valueType: 'cdp.reference.PartnerSegmentMembership',
    key: 'tenant|partner|identifierType|identifierValue',
    doc: 'Partner segments by hashed e-mail or phone; each partner replaces only its own rows.',
  }),
  areaDemographics: topic({
    name: 'reference.area-demographics.v1',
    partitions: 1,
    cleanupPolicy: 'compact',
    valueType: 'cdp.reference.AreaDemographics',
    key: 'countryCode|postalCode',
    doc: 'Open demographics by postal-code area (modelled on Statistics Finland Paavo).',
  }),
});

export type TopicKey = keyof typeof TOPICS;

/** segment.ms of the compacted topics that hold personal data: a tombstoned key's older records go within about a day of it. */
export const PERSONAL_SEGMENT_MS = 86_400_000;

export const deadLetterTopicOf = (spec: TopicSpec): TopicSpec =>
  topic({
    name: `${spec.name}.dlq`,
    partitions: 1,
    cleanupPolicy: 'delete',
    valueType: DEAD_LETTER_TYPE,
    key: 'original key',
    doc: `Records from ${spec.name} that a service rejected, with their original bytes and the reason.`,
  });

/**
 * The same topic under a prefix. Production uses none; tests and benchmarks run the whole
 * pipeline on their own prefixed topics (and subjects) beside the demo's without touching them.
 */
export const withPrefix = (spec: TopicSpec, prefix: string): TopicSpec => (prefix ? topic({ ...spec, name: `${prefix}${spec.name}` }) : spec);

/** Every topic the stack creates: the catalogue plus a dead-letter topic for each of them. */
export function allTopics(prefix = ''): TopicSpec[] {
  const main = Object.values(TOPICS).map((t) => withPrefix(t, prefix));
  return [...main, ...main.map(deadLetterTopicOf)];
}

/** The topic catalogue under a prefix, keyed like TOPICS. */
export function topicsWithPrefix(prefix = ''): Record<TopicKey, TopicSpec> {
  return Object.fromEntries(Object.entries(TOPICS).map(([k, t]) => [k, withPrefix(t, prefix)])) as Record<TopicKey, TopicSpec>;
}

export const valueSubjectOf = (topicName: string): string => `${topicName}-value`;

/** How long event topics keep records unless configured (CDP_EVENT_RETENTION_HOURS): Kafka's own default, stated. */
export const DEFAULT_EVENT_RETENTION_HOURS = 168;

/**
 * The specs with the event retention where a delete topic states none of its own: the raw,
 * resolved and enriched events, identity's links, the signals and every dead-letter topic (which
 * hold events' original bytes). Compacted state topics and topics with a retention of their own
 * (the identity history, kept for ever; person updates, a day) are left as they are.
 */
export function withEventRetention(specs: readonly TopicSpec[], hours: number = DEFAULT_EVENT_RETENTION_HOURS): TopicSpec[] {
  return specs.map((s) => (s.cleanupPolicy === 'delete' && s.retentionMs === undefined ? topic({ ...s, retentionMs: hours * 3_600_000 }) : s));
}

/** CDP_EVENT_RETENTION_HOURS, checked: a whole number of hours, at least 1. */
export function eventRetentionHoursOf(env: Record<string, string | undefined> = process.env): number {
  const raw = env.CDP_EVENT_RETENTION_HOURS;
  if (raw === undefined || raw.trim() === '') return DEFAULT_EVENT_RETENTION_HOURS;
  const hours = Number(raw);
  if (!Number.isInteger(hours) || hours < 1) throw new ConfigError([{ variable: 'CDP_EVENT_RETENTION_HOURS', reason: `"${raw}" is not a whole number of hours of at least 1` }]);
  return hours;
}
