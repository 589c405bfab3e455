/**
 * What the person routes answer, as JSON Schema: the OpenAPI document's responses (for client
 * generators) and fastify's serializer. Shapes follow core/views.ts; the end-to-end test reads
 * every field, so a field missing here (and so dropped on the wire) fails it.
 */
import { PURPOSE_EFFECTS, PURPOSES } from '@cdp/plumbing';

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const num = { type: 'number' } as const;
const nullable = <T extends { type: string }>(s: T) => ({ ...s, type: [s.type, 'null'] });
const strings = { type: 'array', items: str } as const;
const time = { type: 'string', format: 'date-time' } as const;
/** An object of exactly these properties, all required unless named optional. */
const object = (properties: Record<string, unknown>, description?: string, optional: readonly string[] = []) => ({
  type: 'object',
  ...(description ? { description } : {}),
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  additionalProperties: false,
  properties,
});

const identifier = object({ type: str, value: str });
const identifiers = { type: 'array', items: identifier };
const event = nullable({ ...object({ channel: str, source: str, type: str, name: str }, 'What the event was; null when it is not in the person\'s timeline') });

const bool = { type: 'boolean' } as const;
const decision = object(
  { granted: bool, stated: bool, statedAt: nullable({ ...time, description: 'When the person stated it (the event\'s time); null when they have not' }), source: nullable({ ...str, description: 'The channel they stated it through (web, app, store); null when they have not' }) },
  'granted: the person\'s newest answer (stated true), else the tenant\'s policy (stated false: opt-out grants, opt-in does not)',
);
/** Consent per purpose, as the profile shows it (core/consent.ts). */
const CONSENT = object(Object.fromEntries(PURPOSES.map((p) => [p, { ...decision, description: `${p}: ${PURPOSE_EFFECTS[p]}` }])), 'The person\'s consent per purpose');
/** The purposes not granted that left parts of an answer out; empty when nothing was. */
const withheld = (what: string) => ({ type: 'array', items: { type: 'string', enum: [...PURPOSES] }, description: `Purposes the person has not granted that left ${what} out of this answer; empty when nothing was left out` });
/** A figure of the profile: null when withheld (analytics not granted). */
const figure = nullable({ ...int, description: 'null when withheld (analytics not granted)' });

export const ERROR_RESPONSE = object({ error: str, message: str, parameter: str }, undefined, ['parameter']);

export const PROFILE_RESPONSE = object({
  personId: str,
  mergedPersonIds: strings,
  identifiers,
  consent: CONSENT,
  withheld: withheld('the figures (analytics: every count, sum, time, list of products and categories, and the home area are null or empty) or partner segments (the purposes their terms need)'),
  firstSeen: nullable(time),
  lastSeen: nullable(time),
  channels: strings,
  events: figure,
  webPageViews: figure,
  appScreenViews: figure,
  sessions: figure,
  storeVisitDays: figure,
  onlineOrders: figure,
  onlineRevenueMinor: figure,
  storeReceipts: figure,
  storeRevenueMinor: figure,
  revenueMinor: figure,
  averageOrderMinor: figure,
  lastViewedSkus: strings,
  lastCartedSkus: strings,
  favouriteCategories: strings,
  partnerSegments: { type: 'array', items: object({ partner: str, segments: strings }) },
  homeArea: nullable({
    ...object({ countryCode: str, postalCode: str, name: nullable(str), municipality: nullable(str), population: nullable(int), medianAge: nullable(num), medianIncomeEur: nullable(int) }),
  }),
  asOf: time,
});

export const TIMELINE_RESPONSE = object({
  personId: str,
  events: {
    type: 'array',
    items: object({
      eventId: str,
      time,
      personIdAtIngest: str,
      channel: str,
      source: str,
      type: str,
      name: str,
      sessionId: nullable(str),
      pagePath: nullable(str),
      storeId: nullable(str),
      orderId: nullable(str),
      currency: nullable(str),
      revenueMinor: int,
      skus: strings,
    }),
  },
  nextCursor: nullable(str),
  withheld: withheld('the events (analytics: events is empty)'),
});

export const EXPLAIN_RESPONSE = object({
  personId: str,
  mergedPersonIds: strings,
  identifiers,
  merges: {
    type: 'array',
    items: object({
      mergedAt: time,
      eventId: str,
      eventTime: time,
      event,
      link: identifiers,
      survivorPersonId: str,
      absorbedPersonId: str,
      joinedIdentifiers: identifiers,
      carriedPersonIds: strings,
      summary: str,
    }),
  },
  splits: {
    type: 'array',
    description: 'An operator\'s blocks (and undos) of an identifier value that glued different people together, oldest first',
    items: object({
      appliedAt: time,
      action: { type: 'string', enum: ['BLOCKED', 'UNBLOCKED'] },
      blocked: { ...identifier, description: 'The value, as ingest stores it (e-mails hashed)' },
      reason: str,
      requestedBy: { ...str, description: 'An API key\'s name, or cli:<user>' },
      personBefore: { ...str, description: 'BLOCKED: the person that held the value; UNBLOCKED: the person holding it again' },
      personsAfter: { ...strings, description: 'BLOCKED: the persons it was split into; UNBLOCKED: the persons the restored links joined' },
      summary: str,
    }),
  },
  steps: {
    type: 'array',
    description: 'Merges and splits in the order the identity graph applied them',
    items: object({ kind: { type: 'string', enum: ['merge', 'blocked', 'unblocked'] }, at: time, summary: str }),
  },
  firstSeen: { type: 'array', items: object({ identifier, eventId: str, eventTime: time, event }) },
  refused: {
    type: 'array',
    items: object({
      conflictId: str,
      rule: str,
      reason: str,
      eventId: str,
      eventTime: time,
      detectedAt: time,
      link: identifiers,
      refused: identifier,
      personId: str,
      otherPersonId: str,
    }),
  },
});

export const RECOMMENDATIONS_RESPONSE = object({
  personId: str,
  method: { type: 'string', enum: ['lift'] },
  modelBuiltAt: nullable(time),
  items: {
    type: 'array',
    items: {
      type: 'object',
      required: ['sku', 'reason', 'score'],
      additionalProperties: false,
      properties: {
        sku: str,
        reason: { type: 'string', enum: ['bought_together', 'favourite_category', 'home_area', 'best_seller'] },
        score: num,
        because: { type: 'array', items: object({ sku: str, lift: num, support: int }) },
      },
    },
  },
  withheld: withheld('the recommendations (personalisation: items is empty)'),
});

const ERASURE_STATE = { type: 'string', enum: ['REQUESTED', 'IDENTITY_ERASED', 'DONE', 'NOT_FOUND', 'WITHDRAWN'] } as const;

/** An erasure request as a caller sees it (core/erasures.ts erasureViewOf): never its identifier or persons. */
export const ERASURE_RESPONSE = object({
  requestId: str,
  state: ERASURE_STATE,
  requestedAt: time,
  requestedBy: str,
  updatedAt: time,
  doneAt: nullable(time),
  identifiers: int,
  kafkaTombstones: int,
  clickhouseRows: int,
  detail: nullable(str),
});

export const ERASURE_ACCEPTED_RESPONSE = object({ requestId: str, state: { type: 'string', enum: ['REQUESTED'] }, location: str }, 'The request is written; follow it at location');

export const ERASURE_LIST_RESPONSE = object({ erasures: { type: 'array', items: ERASURE_RESPONSE } });

/** A block of an identifier value as a caller sees it (core/identifier-blocks.ts blockViewOf): the record but its tenant. */
export const BLOCK_RESPONSE = object({
  identifier: { ...identifier, description: 'The blocked value as ingest stores it (e-mails, phones and MACs hashed)' },
  state: { type: 'string', enum: ['BLOCK_REQUESTED', 'BLOCKED', 'UNBLOCK_REQUESTED', 'UNBLOCKED'], description: 'BLOCK_REQUESTED and BLOCKED: the value links no one; UNBLOCK_REQUESTED, UNBLOCKED: the block is undone' },
  reason: str,
  requestedBy: { ...str, description: 'Who asked for the newest state: an API key\'s name, or cli:<user>' },
  requestedAt: time,
  updatedAt: time,
  personBefore: nullable({ ...str, description: 'BLOCKED: the person that held the value; UNBLOCKED: the person holding it again; null before the identity graph writer has answered' }),
  personsAfter: { ...strings, description: 'BLOCKED: the persons the held person became; UNBLOCKED: the persons the restored links joined' },
  detail: nullable({ ...str, description: 'What the identity graph writer did, in words' }),
});

export const BLOCK_LIST_RESPONSE = object({ blocks: { type: 'array', items: BLOCK_RESPONSE } });

const day = { type: 'string', format: 'date' } as const;

/** The store directory (core/kpis.ts storeDirectoryOf). */
export const STORES_RESPONSE = object({
  stores: {
    type: 'array',
    items: object({
      storeId: str,
      name: str,
      city: nullable(str),
      postalCode: nullable(str),
      countryCode: nullable(str),
      timeZone: { ...str, description: 'IANA time zone the store\'s figures are counted in (its day, its hours); UTC when the directory names none' },
      zones: { type: 'array', items: object({ zoneId: str, name: str, kind: str }) },
    }),
  },
});

/** A store's day by dwell (core/kpis.ts dwellDistributionOf). */
export const DWELL_RESPONSE = object({
  storeId: str,
  day: { ...day, description: 'The store\'s own day' },
  timeZone: str,
  visitors: { ...int, description: 'Visits of visitors heard on Wi-Fi that day: the sum of the store hours\' visitors' },
  buckets: {
    type: 'array',
    items: object({ fromMinutes: { ...int, description: 'Dwell from this many minutes (inclusive)' }, toMinutes: nullable({ ...int, description: 'to this many (exclusive); null: and longer' }), visitors: int }),
  },
});

/** Rule segments' growth (core/kpis.ts segmentGrowthOf). */
export const SEGMENT_GROWTH_RESPONSE = object({
  days: int,
  compareDays: int,
  window: object({ from: day, to: day }, 'The days counted now: from days before today (UTC) to today'),
  compareWindow: object({ from: day, to: day }, 'The same window, ended compareDays ago'),
  segments: {
    type: 'array',
    description: 'The largest change first',
    items: object({
      segment: str,
      description: str,
      persons: { ...int, description: 'Surviving persons in the segment over window' },
      personsBefore: { ...int, description: 'Surviving persons in the segment over compareWindow' },
      change: { ...int, description: 'persons - personsBefore' },
      relativeChange: nullable({ ...num, description: 'change / personsBefore; null when personsBefore is 0' }),
    }),
  },
});

/** Partner segments' reach (core/kpis.ts partnerReachOf). */
export const PARTNER_REACH_RESPONSE = object({
  segments: {
    type: 'array',
    items: object({
      partner: str,
      segment: str,
      identifiers: { ...int, description: 'Hashed e-mails and phones the partner delivered in the segment' },
      persons: { ...int, description: 'Surviving persons they name' },
      consentingPersons: { ...int, description: 'Of those, the persons whose consent allows every purpose of purposes: the members export of the segment' },
      purposes: { type: 'array', items: { type: 'string', enum: [...PURPOSES] }, description: 'Marketing and whatever else the partner\'s terms need' },
    }),
  },
});

/** When the tenant's data last landed (core/kpis.ts freshnessOf). */
export const FRESHNESS_RESPONSE = object({
  newestEventTime: nullable({ ...time, description: 'When the newest event happened (its event time); null without events' }),
  lastLandedAt: nullable({ ...time, description: 'When an event last landed in ClickHouse (events_raw.ingested_at); null without events' }),
  eventsLandedLast5Minutes: { ...int, description: 'Events that landed in the 5 minutes before asOf' },
  asOf: time,
});

/** The error answers every keyed route can give. */
export const ERRORS = { 400: ERROR_RESPONSE, 401: ERROR_RESPONSE, 403: ERROR_RESPONSE, 405: ERROR_RESPONSE, 503: ERROR_RESPONSE } as const;
export const PERSON_ERRORS = { ...ERRORS, 404: ERROR_RESPONSE } as const;
