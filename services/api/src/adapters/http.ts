/**
 * The customer API over HTTP (fastify). Every route needs an API key (Authorization: Bearer) with
 * the route's scope; the key names the tenant. A parameter that is wrong answers 400 naming it;
 * an unknown person 404. Request lines are never logged: a lookup's path can hold a clear e-mail.
 * It reads, except for erasure requests (scope erasure): POST and DELETE on /v1/erasures write
 * them to Kafka for the pipeline to carry out; and identifier blocks (scope identity:admin): POST
 * and DELETE on /v1/identity/blocks write them for the identity graph writer to split (and join
 * again) the persons a value glued together.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyRequest } from 'fastify';
import { bearerOf, CdpError, Counter, Histogram, type CategoryAnswer, type ConsentPolicy, type Logger, type Registry } from '@cdp/plumbing';
import { SCOPES, type ApiKey, type ApiKeys, type Scope } from '../core/api-keys';
import { allowedPartnerSegments, consentOf, notGranted, partnerPurposes, purposesOf, SEGMENT_PURPOSES, segmentConsentOf, type Consent } from '../core/consent';
import { encodeCursor, personCursor, timelineCursor } from '../core/cursor';
import { ERASURE_TYPES, erasureBodyOf, erasureViewOf, REQUEST_ID_PATTERN, requestedRecord, withdrawnRecord, withdrawRefusalOf } from '../core/erasures';
import { BLOCK_TYPES, blockBodyOf, blockIdentifierOf, blockLocationOf, blockReasonOf, blockRefusalOf, blockRequestedRecord, blockViewOf, MAX_REASON_CHARACTERS, unblockRefusalOf, unblockRequestedRecord } from '../core/identifier-blocks';
import { LOOKUP_TYPES, LookupError, lookupOf } from '../core/lookup';
import type { LandingFeed } from '../core/landing-feed';
import type { ActivityRow } from '../core/read-rows';
import type { PersonCache } from '../core/person-cache';
import type { PersonDirectory, PersonIdentity } from '../core/person-directory';
import type { ReferenceData } from '../core/reference-data';
import { DEFAULT_SEGMENT_DAYS, RULE_SEGMENT_NAMES, RULE_SEGMENTS, type RuleSegmentName } from '../core/segments';
import { checkoutFunnelOf, dwellDistributionOf, freshnessOf, partnerReachOf, segmentGrowthOf, storeDirectoryOf, technologyMixOf } from '../core/kpis';
import { camelRows, explanationOf, profileOf, timelineEventOf } from '../core/views';
import type { ClickHouseReads } from './clickhouse-reads';
import type { ErasureTopic } from './erasures';
import type { IdentifierBlockTopic } from './identifier-blocks';
import {
  BLOCK_LIST_RESPONSE,
  BLOCK_RESPONSE,
  DWELL_RESPONSE,
  ERASURE_ACCEPTED_RESPONSE,
  ERASURE_LIST_RESPONSE,
  ERASURE_RESPONSE,
  ERROR_RESPONSE,
  ERRORS,
  EXPLAIN_RESPONSE,
  FRESHNESS_RESPONSE,
  PARTNER_REACH_RESPONSE,
  PERSON_ERRORS,
  PROFILE_RESPONSE,
  RECOMMENDATIONS_RESPONSE,
  SEGMENT_GROWTH_RESPONSE,
  STORES_RESPONSE,
  TIMELINE_RESPONSE,
} from './response-schemas';
import type { Recommender } from './recommender';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a key needs for this route; routes without one are open (health, docs). */
    scope?: Scope;
  }
}

export interface HttpOptions {
  keys: ApiKeys;
  directory: PersonDirectory;
  reads: ClickHouseReads;
  /** Partner segments and area demographics, in memory from their topics. */
  reference: ReferenceData;
  /** Per-person reads, dropped when aggregation's feed says the person's rows changed. */
  caches: { activity: PersonCache<ActivityRow | undefined>; bought: PersonCache<{ sku: string; last_bought: number }[]>; consent: PersonCache<CategoryAnswer[]> };
  /** The tenants' consent policies (CONSENT_POLICY_FILE): what a person who stated nothing consents to, what partners need. */
  policy: ConsentPolicy;
  recommender: Recommender;
  /** Erasure requests: the tenant's requests in memory from their topic, and the writer of new states. */
  erasures: Pick<ErasureTopic, 'book' | 'write'>;
  /** Identifier blocks: the tenant's blocks in memory from their topic, and the writer of new states. */
  blocks: Pick<IdentifierBlockTopic, 'book' | 'write'>;
  /** When each tenant's data last landed (aggregation's change feed): the push channel's source. Without it, /v1/stream answers 404. */
  landings?: LandingFeed;
  salt: string;
  logger: Logger;
  registry: Registry;
  /** The directory has read identity's topics to their end (for /health and 503 before). */
  ready: () => boolean;
  excludeDays: number;
  now?: () => number;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly parameter?: string,
  ) {
    super(message);
  }
}

const notFound = () => new ApiError(404, 'not_found', 'no person is known by this identifier');
const DAY = { type: 'string', format: 'date', description: 'A day, YYYY-MM-DD (UTC)' } as const;
const LIMIT = (max: number, fallback: number) => ({ type: 'integer', minimum: 1, maximum: max, default: fallback, description: `Items per page, at most ${max}` }) as const;
/** A number of days, 1 to 3650. */
const DAYS = (fallback: number, description: string) => ({ type: 'integer', minimum: 1, maximum: 3650, default: fallback, description }) as const;
/** A list's querystring: the newest `what`, at most 1000. */
const NEWEST = (what: string) => ({ type: 'object', properties: { limit: { ...LIMIT(1000, 100), description: `At most this many ${what} (the newest), at most 1000` } } }) as const;
const CURSOR = { type: 'string', maxLength: 1024, pattern: '^[A-Za-z0-9_-]+$', description: 'The nextCursor of the previous page (opaque)' } as const;
const PERSON_PARAMS = {
  type: 'object',
  required: ['type', 'value'],
  properties: {
    type: { type: 'string', enum: [...LOOKUP_TYPES], description: 'Identifier type; email, phone and mac take the clear value and are hashed as ingest hashes them' },
    value: { type: 'string', minLength: 1, maxLength: 512, description: 'Identifier value (URL-encoded)' },
  },
} as const;
const RANGE = { type: 'object', required: ['from', 'to'], properties: { from: DAY, to: DAY } } as const;
const REQUEST_ID_PARAMS = {
  type: 'object',
  required: ['requestId'],
  properties: { requestId: { type: 'string', pattern: REQUEST_ID_PATTERN.source, description: 'The erasure request\'s id (er_ and a UUID), as POST /v1/erasures answered it' } },
} as const;
const ERASURE_BODY = {
  type: 'object',
  required: ['identifier'],
  additionalProperties: false,
  properties: {
    identifier: {
      type: 'object',
      description: 'An identifier of the person to erase; the graph erases the person it belongs to, with every person merged into it',
      required: ['type', 'value'],
      additionalProperties: false,
      properties: {
        type: { type: 'string', enum: [...ERASURE_TYPES], description: 'Identifier type; email, phone and mac take the clear value and are hashed as ingest hashes them' },
        value: { type: 'string', minLength: 1, maxLength: 512, description: 'Identifier value' },
      },
    },
  },
} as const;
const IDENTIFIER_TYPE = { type: 'string', enum: [...BLOCK_TYPES], description: 'Identifier type; email, phone and mac take the clear value and are hashed as ingest hashes them' } as const;
const BLOCK_PARAMS = {
  type: 'object',
  required: ['type', 'value'],
  properties: { type: IDENTIFIER_TYPE, value: { type: 'string', minLength: 1, maxLength: 512, description: 'Identifier value (URL-encoded); the clear e-mail, or its hash with type email_hash as a block\'s answer names it' } },
} as const;
const REASON = { type: 'string', minLength: 1, maxLength: MAX_REASON_CHARACTERS, description: 'Why, in words, for whoever reads the explanation: one line, no personal data (an e-mail address or the value itself is refused)' } as const;
const BLOCK_BODY = {
  type: 'object',
  required: ['identifier', 'reason'],
  additionalProperties: false,
  properties: {
    identifier: {
      type: 'object',
      description: 'The value that glued different people together (a family\'s shared e-mail); from now on it links no one, and the person that holds it is split',
      required: ['type', 'value'],
      additionalProperties: false,
      properties: { type: IDENTIFIER_TYPE, value: { type: 'string', minLength: 1, maxLength: 512, description: 'Identifier value' } },
    },
    reason: REASON,
  },
} as const;
/** A parameter whose pattern a caller cannot be expected to read: the reason in words. */
const PATTERN_REASONS: Record<string, string> = { requestId: 'must be an erasure request id: er_ and a UUID, as POST /v1/erasures answered it' };
/** Methods a path serves besides GET and HEAD. */
const WRITES: { path: RegExp; methods: string[] }[] = [
  { path: /^\/v1\/erasures$/, methods: ['POST'] },
  { path: /^\/v1\/erasures\/[^/]+$/, methods: ['DELETE'] },
  { path: /^\/v1\/identity\/blocks$/, methods: ['POST'] },
  { path: /^\/v1\/identity\/blocks\/[^/]+\/[^/]+$/, methods: ['DELETE'] },
];

export function buildHttpApp(options: HttpOptions) {
  const { keys, directory, reads, recommender, reference, caches, erasures, blocks, salt, logger, registry, policy } = options;
  const activityOf = (tenant: string, members: readonly string[]) => caches.activity.read(tenant, members, () => reads.activity(tenant, members));
  const boughtOf = (tenant: string, members: readonly string[]) => caches.bought.read(tenant, members, () => reads.bought(tenant, members));
  /** The person's consent per purpose: their answers (cached as their other reads, dropped by the same change feed), else the policy. */
  const consentOfPerson = async (tenant: string, identity: PersonIdentity): Promise<Consent> =>
    consentOf(policy, tenant, await caches.consent.read(tenant, identity.members, () => reads.consentAnswers(tenant, identity.members)));
  const now = options.now ?? Date.now;
  const app = Fastify({
    loggerInstance: logger.child({ component: 'http' }) as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // The router measures a parameter percent-encoded: 512 characters of 4-byte UTF-8 are 6,144.
    // Past the route schema's 512 characters the answer is then a 400 naming the parameter.
    routerOptions: { maxParamLength: 8192 },
    schemaErrorFormatter: (errors, dataVar) => {
      const e = errors[0]!;
      const params = e.params as { missingProperty?: string; allowedValues?: unknown[]; limit?: number; format?: string };
      const parameter = params.missingProperty ?? (e.instancePath.replace(/^\//, '') || dataVar);
      const reason = params.allowedValues
        ? `must be one of ${params.allowedValues.join(', ')}`
        : params.missingProperty
          ? 'is required'
          : e.keyword === 'format' && params.format === 'date'
            ? 'must be a day as YYYY-MM-DD'
            : e.keyword === 'pattern' && PATTERN_REASONS[parameter]
              ? PATTERN_REASONS[parameter]
              : (e.message ?? 'is invalid');
      return new ApiError(400, 'invalid_parameter', `${parameter} ${reason}`, parameter);
    },
    ajv: { customOptions: { allErrors: false, coerceTypes: true, removeAdditional: false, useDefaults: true } },
  });

  const requests = new Counter({ name: 'api_requests_total', help: 'Requests by route and status', labelNames: ['route', 'status'], registers: [registry] });
  const seconds = new Histogram({ name: 'api_request_seconds', help: 'Time to answer, by route', labelNames: ['route'], buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] });

  void app.register(swagger, {
    openapi: {
      info: {
        title: 'CDP customer API',
        version: '1',
        description: 'One customer\'s live profile by any identifier, the cross-channel timeline, why identifiers are one person, recommendations by lift, segments and KPIs; erasure requests (the right to be forgotten); and blocks of identifier values that glued different people together. Every request needs an API key (Authorization: Bearer KEY); the key names the tenant and its scopes: ' + Object.entries(SCOPES).map(([s, d]) => `${s} (${d})`).join('; ') + '.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key from API_KEYS_FILE' } } },
      security: [{ apiKey: [] }],
    },
  });
  void app.register(swaggerUi, { routePrefix: '/docs' });

  // Every keyed route documents its errors (and, where it states no answer of its own, that it answers JSON).
  app.addHook('onRoute', (route) => {
    if (!route.config?.scope) return;
    const schema = (route.schema ??= {}) as { response?: Record<string, unknown> };
    const answers = Object.keys(schema.response ?? {}).some((status) => status.startsWith('2'));
    schema.response = { ...(answers ? {} : { 200: { description: 'OK', type: 'object', additionalProperties: true } }), ...ERRORS, ...schema.response };
  });

  // Reads, and the writes of WRITES: any other method is 405 with the methods the path serves, before a body is looked at.
  app.addHook('onRequest', async (request, reply) => {
    if (request.method === 'GET' || request.method === 'HEAD') return;
    const path = request.url.split('?', 1)[0]!;
    const writes = WRITES.find((w) => w.path.test(path))?.methods ?? [];
    if (writes.includes(request.method)) return;
    const allow = ['GET', 'HEAD', ...writes].join(', ');
    void reply.header('allow', allow);
    throw new ApiError(405, 'method_not_allowed', `${request.method} is not allowed on this path (it serves ${allow})`);
  });

  const keyOf = new WeakMap<FastifyRequest, ApiKey>();
  // Authentication comes before validation: a caller without a key learns nothing about the routes' rules.
  app.addHook('onRequest', async (request) => {
    const scope = request.routeOptions.config.scope;
    if (!scope) return;
    const token = bearerOf(request.headers.authorization);
    if (!token) throw new ApiError(401, 'unauthorized', 'an API key is required: Authorization: Bearer KEY');
    const key = keys.byKey(token);
    if (!key) throw new ApiError(401, 'unauthorized', 'unknown API key');
    if (!key.scopes.includes(scope)) throw new ApiError(403, 'forbidden', `key ${key.name} lacks the scope ${scope} (it has ${key.scopes.join(', ')})`);
    if (!options.ready()) throw new ApiError(503, 'starting', 'the API is still reading the identity graph; retry in a moment');
    keyOf.set(request, key);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    requests.inc({ route, status: String(reply.statusCode) });
    seconds.observe({ route }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((error: FastifyError | ApiError | Error, request, reply) => {
    let status = 500;
    let body: Record<string, unknown>;
    if (error instanceof ApiError) {
      status = error.status;
      body = { error: error.code, message: error.message, ...(error.parameter ? { parameter: error.parameter } : {}) };
    } else if (error instanceof LookupError) {
      status = 400;
      body = { error: 'invalid_parameter', parameter: error.field, message: error.message };
    } else if ((error as FastifyError).statusCode && (error as FastifyError).statusCode! < 500) {
      status = (error as FastifyError).statusCode!;
      body = { error: 'bad_request', message: error.message };
    } else {
      status = error instanceof CdpError && error.retriable ? 503 : 500;
      if (status === 503) reply.header('retry-after', '2');
      const reading = request.method === 'GET' || request.method === 'HEAD';
      body = { error: status === 503 ? 'unavailable' : 'internal', message: reading ? 'the customer data could not be read now' : 'the request could not be written now; retry' };
      // The route pattern only: the path of a lookup can hold a clear e-mail.
      request.log.error({ err: error, route: request.routeOptions.url }, 'request failed');
    }
    void reply.status(status).send(body);
  });

  const tenantOf = (request: FastifyRequest) => keyOf.get(request)!.tenant;

  /** The surviving person a lookup names, its merged persons and identifiers; 404 when unknown. */
  const identify = (request: FastifyRequest): { tenant: string; identity: PersonIdentity } => {
    const { type, value } = request.params as { type: string; value: string };
    const tenant = tenantOf(request);
    const lookup = lookupOf(type, value, salt);
    const survivor = lookup.kind === 'person' ? directory.survivorOf(tenant, lookup.personId) : directory.personOf(tenant, lookup.identifier);
    if (survivor === undefined) throw notFound();
    return { tenant, identity: directory.identityOf(tenant, survivor) };
  };

  // Routes load after the OpenAPI plugin (a plugin of their own), so that it sees every one of them.
  void app.register(async (routes) => {
    routes.get('/health', { schema: { hide: true } }, async (_request, reply) => {
      const ready = options.ready();
      const cache = Object.fromEntries(Object.entries(caches).map(([name, c]) => [name, { entries: c.size, hits: c.hits, misses: c.misses }]));
      return reply.status(ready ? 200 : 503).send({ service: 'api', status: ready ? 'ok' : 'starting', directory: directory.size, reference: reference.size, cache });
    });

    routes.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

    routes.get(
      '/v1/profiles/:type/:value',
      { config: { scope: 'profile:read' }, schema: { summary: 'A customer\'s 360° profile by any identifier', description: 'With the person\'s consent per purpose. Without analytics consent the figures are withheld (null or empty, withheld names analytics); partner segments show only where the person granted every purpose the partner\'s terms need.', tags: ['profiles'], params: PERSON_PARAMS, response: { 200: PROFILE_RESPONSE, ...PERSON_ERRORS } } },
      async (request) => {
        const { tenant, identity } = identify(request);
        const decisions = await consentOfPerson(tenant, identity);
        const partners = allowedPartnerSegments(policy, tenant, reference.partnerSegmentsOf(tenant, identity.identifiers), decisions);
        const withheld = purposesOf(notGranted(decisions, ['analytics']), partners.withheld);
        // Without analytics nothing of their activity is read.
        const activity = decisions.analytics.granted ? await activityOf(tenant, identity.members) : undefined;
        const area = activity && activity.home_postal_code !== '' ? reference.areaOf(activity.home_country, activity.home_postal_code) : undefined;
        return profileOf(identity, activity, partners.segments, area, now(), { decisions, withheld });
      },
    );

    routes.get(
      '/v1/profiles/:type/:value/timeline',
      {
        config: { scope: 'profile:read' },
        schema: { summary: 'A customer\'s events across channels, newest first', description: 'Without analytics consent: no events, withheld names analytics.', tags: ['profiles'], params: PERSON_PARAMS, querystring: { type: 'object', properties: { limit: LIMIT(500, 50), cursor: CURSOR } }, response: { 200: TIMELINE_RESPONSE, ...PERSON_ERRORS } },
      },
      async (request) => {
        const { limit, cursor } = request.query as { limit: number; cursor?: string };
        const after = cursor === undefined ? undefined : timelineCursor(cursor);
        const { tenant, identity } = identify(request);
        const withheld = notGranted(await consentOfPerson(tenant, identity), ['analytics']);
        if (withheld.length > 0) return { personId: identity.personId, events: [], nextCursor: null, withheld };
        const rows = await reads.timeline(tenant, identity.members, limit + 1, after);
        const page = rows.slice(0, limit);
        const last = page[page.length - 1];
        return {
          personId: identity.personId,
          events: page.map(timelineEventOf),
          nextCursor: rows.length > limit && last ? encodeCursor({ t: last.time, id: last.event_id }) : null,
          withheld,
        };
      },
    );

    routes.get(
      '/v1/profiles/:type/:value/explain',
      { config: { scope: 'profile:read' }, schema: { summary: 'Why these identifiers are one person: every merge with its event, the links refused, and the blocks of a value that split a person', tags: ['profiles'], params: PERSON_PARAMS, response: { 200: EXPLAIN_RESPONSE, ...PERSON_ERRORS } } },
      async (request) => {
        const { tenant, identity } = identify(request);
        const [history, conflicts] = await Promise.all([reads.history(tenant, identity.members), reads.conflicts(tenant, identity.members)]);
        // A split entry names no event of the person's.
        const eventIds = [...new Set([...history.filter((h) => h.split.action === '').map((h) => h.event_id), ...conflicts.map((c) => c.event_id)])];
        const events = await reads.eventSummaries(tenant, identity.members, eventIds);
        return explanationOf(identity, history, conflicts, events);
      },
    );

    routes.get(
      '/v1/profiles/:type/:value/recommendations',
      {
        config: { scope: 'profile:read' },
        schema: { summary: 'Products the customer is likely to want next (lift over co-purchases)', description: 'Without personalisation consent: no items, withheld names personalisation.', tags: ['profiles'], params: PERSON_PARAMS, querystring: { type: 'object', properties: { limit: LIMIT(50, 10) } }, response: { 200: RECOMMENDATIONS_RESPONSE, ...PERSON_ERRORS } },
      },
      async (request) => {
        const { limit } = request.query as { limit: number };
        const { tenant, identity } = identify(request);
        const model = recommender.modelOf(tenant);
        const modelBuiltAt = model.builtAt ? new Date(model.builtAt).toISOString() : null;
        const withheld = notGranted(await consentOfPerson(tenant, identity), ['personalisation']);
        if (withheld.length > 0) return { personId: identity.personId, method: 'lift', modelBuiltAt, items: [], withheld };
        const [bought, activity] = await Promise.all([boughtOf(tenant, identity.members), activityOf(tenant, identity.members)]);
        const items = model.recommend(
          {
            bought: bought.map((b) => ({ sku: b.sku, lastBought: b.last_bought })),
            favouriteCategories: activity?.favourite_categories ?? [],
            homeArea: activity && activity.home_postal_code !== '' ? `${activity.home_country}|${activity.home_postal_code}` : '',
          },
          { limit, excludeDays: options.excludeDays, now: now() },
        );
        return { personId: identity.personId, method: 'lift', modelBuiltAt, items, withheld };
      },
    );

    routes.get('/v1/segments', { config: { scope: 'segment:export' }, schema: { summary: 'Segments that can be exported: rule segments and partner segments', description: 'A partner segment\'s identifiers are what the partner delivered, before they are matched to persons and to consent: an export has the consenting persons only.', tags: ['segments'] } }, async (request) => ({
      rules: RULE_SEGMENT_NAMES.map((name) => ({ name, description: RULE_SEGMENTS[name].description, defaultDays: DEFAULT_SEGMENT_DAYS })),
      partners: await reads.partnerSegmentList(tenantOf(request)),
    }));

    /** What a partner segment's members must consent to: marketing and the partner's terms. */
    const partnerConsentOf = (tenant: string, partner: string) => segmentConsentOf(policy, tenant, partnerPurposes(policy, tenant, partner));

    const membersOf = (tenant: string, rows: { person_id: string }[], limit: number) => {
      const page = rows.slice(0, limit);
      return {
        persons: page.map((r) => ({ personId: r.person_id, identifiers: directory.identityOf(tenant, r.person_id).identifiers })),
        nextCursor: rows.length > limit ? encodeCursor({ p: page[page.length - 1]!.person_id }) : null,
      };
    };

    routes.get(
      '/v1/segments/rules/:name/members',
      {
        config: { scope: 'segment:export' },
        schema: {
          summary: 'Who is in a rule segment, person by person',
          description: 'Only persons who consent to marketing: their newest stated answer, else the tenant\'s policy (opt-in: only those who granted it; opt-out: all but those who refused it).',
          tags: ['segments'],
          params: { type: 'object', required: ['name'], properties: { name: { type: 'string', enum: RULE_SEGMENT_NAMES } } },
          querystring: { type: 'object', properties: { days: DAYS(DEFAULT_SEGMENT_DAYS, 'From this many days before today to today (UTC)'), limit: LIMIT(10_000, 1000), cursor: CURSOR } },
        },
      },
      async (request) => {
        const { name } = request.params as { name: RuleSegmentName };
        const { days, limit, cursor } = request.query as { days: number; limit: number; cursor?: string };
        const after = cursor === undefined ? undefined : personCursor(cursor);
        const tenant = tenantOf(request);
        return { segment: name, days, ...membersOf(tenant, await reads.ruleSegment(tenant, name, days, limit + 1, after, segmentConsentOf(policy, tenant, SEGMENT_PURPOSES)), limit) };
      },
    );

    routes.get(
      '/v1/segments/partners/:partner/:segment/members',
      {
        config: { scope: 'segment:export' },
        schema: {
          summary: 'Who is in a partner segment (joined by hashed e-mail or phone), person by person',
          description: 'Only persons who consent to marketing and to every other purpose the partner\'s terms need (their newest stated answer, else the tenant\'s policy).',
          tags: ['segments'],
          params: { type: 'object', required: ['partner', 'segment'], properties: { partner: { type: 'string', minLength: 1, maxLength: 100 }, segment: { type: 'string', minLength: 1, maxLength: 200 } } },
          querystring: { type: 'object', properties: { limit: LIMIT(10_000, 1000), cursor: CURSOR } },
        },
      },
      async (request) => {
        const { partner, segment } = request.params as { partner: string; segment: string };
        const { limit, cursor } = request.query as { limit: number; cursor?: string };
        const after = cursor === undefined ? undefined : personCursor(cursor);
        const tenant = tenantOf(request);
        return { partner, segment, ...membersOf(tenant, await reads.partnerSegment(tenant, partner, segment, limit + 1, after, partnerConsentOf(tenant, partner)), limit) };
      },
    );

    const STORE = { type: 'object', required: ['storeId'], properties: { storeId: { type: 'string', minLength: 1, maxLength: 100 } } } as const;
    const ONE_DAY = { type: 'object', required: ['day'], properties: { day: { ...DAY, description: 'The store\'s own (local) day, YYYY-MM-DD' } } } as const;

    routes.get(
      '/v1/kpis/stores/:storeId/hours',
      { config: { scope: 'kpi:read' }, schema: { summary: 'A store\'s day by hour: footfall, visitors, passers-by, capture rate, receipts, conversion, dwell', tags: ['kpis'], params: STORE, querystring: ONE_DAY } },
      async (request) => ({ hours: camelRows(await reads.storeHours(tenantOf(request), (request.params as { storeId: string }).storeId, (request.query as { day: string }).day)) }),
    );

    routes.get(
      '/v1/kpis/stores/:storeId/zones',
      { config: { scope: 'kpi:read' }, schema: { summary: 'A store\'s zone heat by hour: visitors and visitor-minutes per zone', tags: ['kpis'], params: STORE, querystring: ONE_DAY } },
      async (request) => ({ zones: camelRows(await reads.storeZones(tenantOf(request), (request.params as { storeId: string }).storeId, (request.query as { day: string }).day)) }),
    );

    routes.get(
      '/v1/kpis/stores',
      {
        config: { scope: 'kpi:read' },
        schema: {
          summary: 'The tenant\'s stores from the store directory: name, city, country, time zone and zones',
          description: 'timeZone is the IANA zone the store\'s figures are counted in (its day and hours in /v1/kpis/stores/{storeId}/...); UTC when the directory names none. Texts the directory leaves empty are null.',
          tags: ['kpis'],
          response: { 200: STORES_RESPONSE },
        },
      },
      async (request) => ({ stores: storeDirectoryOf(await reads.stores(tenantOf(request))) }),
    );

    routes.get(
      '/v1/kpis/stores/:storeId/dwell',
      {
        config: { scope: 'kpi:read' },
        schema: {
          summary: 'A store\'s visitors on its own day by how long they stayed (minutes)',
          description: 'Visits of visitors heard on Wi-Fi (as the hours\' visitors: a visit of the minimum dwell of the store visit rules or longer, 5 minutes by default; shorter ones are passers-by), by dwell from the first to the last minute seen, in buckets 0-5, 5-10, 10-20, 20-30, 30-60 and 60 minutes or more (fromMinutes inclusive, toMinutes exclusive). A visitor back the same day counts once a visit, as in the hours.',
          tags: ['kpis'],
          params: STORE,
          querystring: ONE_DAY,
          response: { 200: DWELL_RESPONSE },
        },
      },
      async (request) => {
        const { storeId } = request.params as { storeId: string };
        const { day } = request.query as { day: string };
        const { time_zone, dwell } = await reads.storeDwell(tenantOf(request), storeId, day);
        return { storeId, day, timeZone: time_zone, ...dwellDistributionOf(dwell) };
      },
    );

    const range = (request: FastifyRequest) => {
      const { from, to } = request.query as { from: string; to: string };
      if (from > to) throw new ApiError(400, 'invalid_parameter', `from must not be after to (${from} > ${to})`, 'from');
      return { from, to };
    };

    routes.get(
      '/v1/kpis/campaigns/funnel',
      { config: { scope: 'kpi:read' }, schema: { summary: 'Campaign funnel: sessions, product views, carts, checkouts, orders by arrival medium and campaign', tags: ['kpis'], querystring: RANGE } },
      async (request) => {
        const { from, to } = range(request);
        return { from, to, campaigns: camelRows(await reads.campaignFunnel(tenantOf(request), from, to)) };
      },
    );

    routes.get(
      '/v1/kpis/product-groups',
      {
        config: { scope: 'kpi:read' },
        schema: {
          summary: 'Top or bottom product groups by revenue, online and in stores',
          tags: ['kpis'],
          querystring: {
            type: 'object',
            required: ['from', 'to'],
            properties: { from: DAY, to: DAY, order: { type: 'string', enum: ['top', 'bottom'], default: 'top' }, level: { type: 'integer', minimum: 1, maximum: 5, default: 1, description: 'Depth of the category path that makes a group' }, limit: LIMIT(100, 10) },
          },
        },
      },
      async (request) => {
        const { from, to } = range(request);
        const { order, level, limit } = request.query as { order: 'top' | 'bottom'; level: number; limit: number };
        return { from, to, order, level, groups: camelRows(await reads.productGroups(tenantOf(request), from, to, level, order, limit)) };
      },
    );

    routes.get(
      '/v1/kpis/digital-share',
      { config: { scope: 'kpi:read' }, schema: { summary: 'Digital share of sales by day: web and app against stores', tags: ['kpis'], querystring: RANGE } },
      async (request) => {
        const { from, to } = range(request);
        return { from, to, days: camelRows(await reads.digitalShare(tenantOf(request), from, to)) };
      },
    );

    const dayOf = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10);
    const windowOf = (end: number, days: number) => ({ from: dayOf(end - days * 86_400_000), to: dayOf(end) });

    routes.get(
      '/v1/kpis/segments/growth',
      {
        config: { scope: 'kpi:read' },
        schema: {
          summary: 'Rule segments\' growth: surviving persons in each now and compareDays ago, the largest change first',
          description: 'Persons as the members export finds them over the days from `days` days before the window\'s end (UTC) to that day, at today and at compareDays ago. A count of persons: no consent is asked (it names no one), so it can be larger than an export, which has the persons who consent to marketing only.',
          tags: ['kpis'],
          querystring: {
            type: 'object',
            properties: { days: DAYS(DEFAULT_SEGMENT_DAYS, 'The window: this many days before its end, and the end (UTC), as the members export counts'), compareDays: DAYS(7, 'Compare with the window that ended this many days ago') },
          },
          response: { 200: SEGMENT_GROWTH_RESPONSE },
        },
      },
      async (request) => {
        const { days, compareDays } = request.query as { days: number; compareDays: number };
        const tenant = tenantOf(request);
        const at = now();
        const [window, compareWindow] = [windowOf(at, days), windowOf(at - compareDays * 86_400_000, days)];
        const [current, before] = await Promise.all([reads.ruleSegmentSizes(tenant, days, window.to), reads.ruleSegmentSizes(tenant, days, compareWindow.to)]);
        const described = RULE_SEGMENT_NAMES.map((segment) => ({ segment, description: RULE_SEGMENTS[segment].description.replace('{days}', String(days)) }));
        return { days, compareDays, window, compareWindow, segments: segmentGrowthOf(described, current, before) };
      },
    );

    routes.get(
      '/v1/kpis/partner-segments/reach',
      {
        config: { scope: 'kpi:read' },
        schema: {
          summary: 'Partner segments\' reach: identifiers delivered, surviving persons they name, and those whose consent allows the partner\'s terms',
          description: 'consentingPersons is what the segment\'s members export has: persons who consent to marketing and to every other purpose the partner\'s terms need (their newest stated answer, else the tenant\'s policy).',
          tags: ['kpis'],
          response: { 200: PARTNER_REACH_RESPONSE },
        },
      },
      async (request) => {
        const tenant = tenantOf(request);
        const delivered = await reads.partnerSegmentList(tenant);
        const partners = [...new Set(delivered.map((d) => d.partner))];
        const matched = (await Promise.all(partners.map(async (partner) => (await reads.partnerSegmentReach(tenant, partner, partnerConsentOf(tenant, partner))).map((m) => ({ partner, ...m }))))).flat();
        return { segments: partnerReachOf(delivered, matched, (partner) => partnerPurposes(policy, tenant, partner)) };
      },
    );

    routes.get(
      '/v1/kpis/freshness',
      {
        config: { scope: 'kpi:read' },
        schema: {
          summary: 'How fresh the tenant\'s data is: the newest event\'s time, the last landing in ClickHouse, events landed in the last 5 minutes',
          description: 'Over the events of events_raw (web, app, receipts, beacon sightings); Wi-Fi observations and people counts land in tables of their own and are not counted. Times ISO, null without events.',
          tags: ['kpis'],
          response: { 200: FRESHNESS_RESPONSE },
        },
      },
      async (request) => {
        const at = now();
        return freshnessOf(await reads.freshness(tenantOf(request), at - 5 * 60_000), at);
      },
    );

    // The push channel: server-sent events, one `landed` event when the tenant's data changed (at
    // most one a second), so that a page showing live figures reads them again; a comment every
    // 15 s keeps proxies from closing an idle stream. The first event says when data last landed.
    if (options.landings) {
      const landings = options.landings;
      routes.get(
        '/v1/stream',
        {
          config: { scope: 'kpi:read' },
          schema: {
            summary: 'Live updates (server-sent events): `landed` whenever the tenant\'s data changed, at most once a second',
            description: 'text/event-stream. Each event: `event: landed`, `data: {"landedAt": <ISO time>, "persons": <persons whose rows changed>}`. The first one, sent at once, has the last landing this API heard of (landedAt null when none yet). Reconnect with the EventSource default; the stream carries no figures: read the KPIs again.',
            tags: ['kpis'],
          },
        },
        async (request, reply) => {
          const tenant = tenantOf(request);
          reply.hijack();
          const out = reply.raw;
          out.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
          const send = (landedAt: number | undefined, persons: number) =>
            out.write(`event: landed\ndata: ${JSON.stringify({ landedAt: landedAt === undefined ? null : new Date(landedAt).toISOString(), persons })}\n\n`);
          out.write('retry: 2000\n\n');
          send(landings.lastLandedAt(tenant), 0);
          const leave = landings.subscribe(tenant, (l) => send(l.landedAt, l.persons));
          const keepAlive = setInterval(() => out.write(': keep-alive\n\n'), 15_000);
          request.raw.on('close', () => {
            clearInterval(keepAlive);
            leave();
          });
        },
      );
    }

    // What the console's e-commerce and IT pages read: searches, the checkout funnel, products
    // looked at and left, the devices and browsers, page-load times. Days are UTC days.
    const RANGE_AND_LIMIT = (max: number, fallback: number, extra: Record<string, unknown> = {}) =>
      ({ type: 'object', required: ['from', 'to'], properties: { from: DAY, to: DAY, limit: LIMIT(max, fallback), ...extra } }) as const;

    routes.get(
      '/v1/kpis/web/searches',
      {
        config: { scope: 'kpi:read' },
        schema: {
          summary: 'Site searches by query: how often, and how often they found nothing',
          tags: ['kpis'],
          querystring: RANGE_AND_LIMIT(1000, 20, { zeroResults: { type: 'boolean', default: false, description: 'Only queries that found nothing at least once, the most frequent such first' } }),
        },
      },
      async (request) => {
        const { from, to } = range(request);
        const { zeroResults, limit } = request.query as { zeroResults: boolean; limit: number };
        return { from, to, zeroResults, searches: camelRows(await reads.searches(tenantOf(request), from, to, zeroResults, limit)) };
      },
    );

    routes.get(
      '/v1/kpis/web/checkout-funnel',
      { config: { scope: 'kpi:read' }, schema: { summary: 'Checkout funnel of web and app sessions: product views, carts, checkouts, orders, and how many carts and checkouts were abandoned', tags: ['kpis'], querystring: RANGE } },
      async (request) => {
        const { from, to } = range(request);
        return { from, to, ...checkoutFunnelOf(await reads.checkoutFunnel(tenantOf(request), from, to)) };
      },
    );

    routes.get(
      '/v1/kpis/products/viewed-not-bought',
      { config: { scope: 'kpi:read' }, schema: { summary: 'Products viewed most that nobody bought, online or in a store', tags: ['kpis'], querystring: RANGE_AND_LIMIT(100, 10) } },
      async (request) => {
        const { from, to } = range(request);
        const { limit } = request.query as { limit: number };
        return { from, to, products: camelRows(await reads.viewedNotBought(tenantOf(request), from, to, limit)) };
      },
    );

    routes.get(
      '/v1/kpis/web/technology',
      { config: { scope: 'kpi:read' }, schema: { summary: 'Sessions by device type, operating system and browser, with shares (crawlers left out)', tags: ['kpis'], querystring: RANGE } },
      async (request) => {
        const { from, to } = range(request);
        return { from, to, ...technologyMixOf(await reads.technology(tenantOf(request), from, to)) };
      },
    );

    routes.get(
      '/v1/kpis/web/page-load',
      { config: { scope: 'kpi:read' }, schema: { summary: 'Page-load times (ms, 50th, 90th and 99th percentile) by UTC hour, and the slowest pages', tags: ['kpis'], querystring: RANGE_AND_LIMIT(100, 10) } },
      async (request) => {
        const { from, to } = range(request);
        const { limit } = request.query as { limit: number };
        const { hours, pages } = await reads.pageLoad(tenantOf(request), from, to, limit);
        return { from, to, hours: camelRows(hours), pages: camelRows(pages) };
      },
    );

    // Erasure requests. The body is checked by erasureBodyOf against ERASURE_BODY exactly (no
    // type coerced, as the reads' parameters are), so the route's validator lets it through.
    const erasureNotFound = () => new ApiError(404, 'not_found', 'no erasure request of this tenant has this id');
    const keyName = (request: FastifyRequest) => keyOf.get(request)!.name;

    routes.post(
      '/v1/erasures',
      {
        config: { scope: 'erasure' },
        schema: {
          summary: 'Erase a person (the right to be forgotten): the person an identifier belongs to, with every person merged into it',
          description: 'Writes the request (state REQUESTED) for the pipeline to carry out: the identity graph forgets the identifiers and suppresses them, then their rows are deleted everywhere. Answers at once with the request id; GET /v1/erasures/{requestId} follows it to DONE (or NOT_FOUND).',
          tags: ['erasures'],
          body: ERASURE_BODY,
          response: { 202: ERASURE_ACCEPTED_RESPONSE, 415: ERROR_RESPONSE },
        },
        validatorCompiler: () => () => true,
      },
      async (request, reply) => {
        const identifier = erasureBodyOf(request.body, salt);
        const record = requestedRecord({ tenant: tenantOf(request), identifier, requestedBy: keyName(request), now: now() });
        await erasures.write(record);
        const location = `/v1/erasures/${record.requestId}`;
        return reply.status(202).header('location', location).send({ requestId: record.requestId, state: record.state, location });
      },
    );

    routes.get(
      '/v1/erasures',
      {
        config: { scope: 'erasure' },
        schema: { summary: 'The tenant\'s erasure requests, newest first (state and counts, never whom they name)', tags: ['erasures'], querystring: NEWEST('requests'), response: { 200: ERASURE_LIST_RESPONSE } },
      },
      async (request) => {
        const { limit } = request.query as { limit: number };
        return { erasures: erasures.book.list(tenantOf(request)).slice(0, limit).map(erasureViewOf) };
      },
    );

    routes.get(
      '/v1/erasures/:requestId',
      { config: { scope: 'erasure' }, schema: { summary: 'An erasure request\'s state and counts (never whom it names)', tags: ['erasures'], params: REQUEST_ID_PARAMS, response: { 200: ERASURE_RESPONSE, 404: ERROR_RESPONSE } } },
      async (request) => {
        const current = erasures.book.get(tenantOf(request), (request.params as { requestId: string }).requestId);
        if (!current) throw erasureNotFound();
        return erasureViewOf(current);
      },
    );

    routes.delete(
      '/v1/erasures/:requestId',
      {
        config: { scope: 'erasure' },
        schema: {
          summary: 'Withdraw an erasure request: the person\'s identifiers are no longer suppressed (what was deleted stays deleted)',
          tags: ['erasures'],
          params: REQUEST_ID_PARAMS,
          response: { 202: ERASURE_RESPONSE, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE, 415: ERROR_RESPONSE },
        },
      },
      async (request, reply) => {
        const { requestId } = request.params as { requestId: string };
        const current = erasures.book.get(tenantOf(request), requestId);
        const refusal = withdrawRefusalOf(current);
        if (refusal === 'unknown') throw erasureNotFound();
        if (refusal === 'already_withdrawn') throw new ApiError(409, 'conflict', `erasure request ${requestId} is withdrawn already`);
        if (refusal === 'in_progress') throw new ApiError(409, 'conflict', `erasure request ${requestId} is still ${current!.state}: withdraw it once it is DONE or NOT_FOUND`);
        const record = withdrawnRecord(current!, { withdrawnBy: keyName(request), now: now() });
        await erasures.write(record);
        return reply.status(202).send(erasureViewOf(record));
      },
    );

    // Identifier blocks. The body is checked by blockBodyOf against BLOCK_BODY exactly, as an erasure's.
    const blockOfPath = (request: FastifyRequest) => {
      const { type, value } = request.params as { type: string; value: string };
      return blockIdentifierOf(type, value, salt);
    };

    routes.post(
      '/v1/identity/blocks',
      {
        config: { scope: 'identity:admin' },
        schema: {
          summary: 'Block an identifier value that glued different people together (a family\'s shared e-mail): the person is split',
          description: 'Writes the block (state BLOCK_REQUESTED): from now on the value links no one, and the identity graph writer derives the person that holds it again from its history without it (BLOCKED, with personBefore and personsAfter). DELETE on the answer\'s location undoes it. A value blocked already, or whose undo is still in progress: 409.',
          tags: ['identity'],
          body: BLOCK_BODY,
          response: { 202: BLOCK_RESPONSE, 409: ERROR_RESPONSE, 415: ERROR_RESPONSE },
        },
        validatorCompiler: () => () => true,
      },
      async (request, reply) => {
        const { identifier, reason } = blockBodyOf(request.body, salt);
        const tenant = tenantOf(request);
        const current = blocks.book.get(tenant, identifier);
        const refusal = blockRefusalOf(current);
        if (refusal === 'already_blocked') throw new ApiError(409, 'conflict', `${identifier.type} value is blocked already (${current!.state} since ${new Date(current!.updatedAt).toISOString()})`);
        if (refusal === 'unblock_in_progress') throw new ApiError(409, 'conflict', `${identifier.type} value's block is still being undone (UNBLOCK_REQUESTED): block it again once it is UNBLOCKED`);
        const record = blockRequestedRecord({ tenant, identifier, reason, requestedBy: keyName(request), now: now() });
        await blocks.write(record);
        return reply.status(202).header('location', blockLocationOf(identifier)).send(blockViewOf(record));
      },
    );

    routes.get(
      '/v1/identity/blocks',
      {
        config: { scope: 'identity:admin' },
        schema: { summary: 'The tenant\'s identifier blocks, blocked or undone, newest first', tags: ['identity'], querystring: NEWEST('blocks'), response: { 200: BLOCK_LIST_RESPONSE } },
      },
      async (request) => {
        const { limit } = request.query as { limit: number };
        return { blocks: blocks.book.list(tenantOf(request)).slice(0, limit).map(blockViewOf) };
      },
    );

    routes.get(
      '/v1/identity/blocks/:type/:value',
      { config: { scope: 'identity:admin' }, schema: { summary: 'A block\'s state, with the persons before and after the split once the identity graph writer has done it', tags: ['identity'], params: BLOCK_PARAMS, response: { 200: BLOCK_RESPONSE, 404: ERROR_RESPONSE } } },
      async (request) => {
        const current = blocks.book.get(tenantOf(request), blockOfPath(request));
        if (!current) throw new ApiError(404, 'not_found', 'this identifier value of this tenant has never been blocked');
        return blockViewOf(current);
      },
    );

    routes.delete(
      '/v1/identity/blocks/:type/:value',
      {
        config: { scope: 'identity:admin' },
        schema: {
          summary: 'Undo a block: the value links again and the merge it made is restored',
          description: 'Writes the block again UNBLOCK_REQUESTED, by this key; the identity graph writer applies the links that named the value again (UNBLOCKED). Not blocked (never, or undone already): 404; still BLOCK_REQUESTED: 409.',
          tags: ['identity'],
          params: BLOCK_PARAMS,
          querystring: { type: 'object', properties: { reason: { ...REASON, description: 'Why the block is undone; the block\'s own reason when left out' } } },
          response: { 202: BLOCK_RESPONSE, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE, 415: ERROR_RESPONSE },
        },
      },
      async (request, reply) => {
        const identifier = blockOfPath(request);
        const { reason } = request.query as { reason?: string };
        const tenant = tenantOf(request);
        const current = blocks.book.get(tenant, identifier);
        const refusal = unblockRefusalOf(current);
        if (refusal === 'not_blocked') throw new ApiError(404, 'not_found', current ? `this identifier value is not blocked (${current.state})` : 'this identifier value of this tenant has never been blocked');
        if (refusal === 'block_in_progress') throw new ApiError(409, 'conflict', 'this identifier value is still BLOCK_REQUESTED: undo the block once the identity graph writer has split the person (BLOCKED)');
        const record = unblockRequestedRecord(current!, { requestedBy: keyName(request), now: now(), ...(reason === undefined ? {} : { reason: blockReasonOf(reason, { clearValue: (request.params as { value: string }).value }) }) });
        await blocks.write(record);
        return reply.status(202).send(blockViewOf(record));
      },
    );
  });

  return app;
}
