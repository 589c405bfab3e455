/**
 * The HTTP face of ingest: Segment's tracking API (the analytics libraries send to it unchanged),
 * the store batch endpoint and the Meraki scanning receiver. A request is answered 2xx only after
 * Kafka acknowledged its records, accepted ones and dead letters alike.
 */
import { createGunzip, createInflate } from 'node:zlib';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { CdpError, Counter, Gauge, Histogram, TransientError, type Logger, type Registry } from '@cdp/plumbing';
import { IngestError, invalid, REJECTION_CODES, unauthorized } from '../core/errors';
import { intakeSegment, intakeStore, rejectionSummary, type Intake, type Target } from '../core/intake';
import { checkMerakiSecret, merakiEvents, merakiKind, type MerakiPost } from '../core/meraki';
import { scrubPii, truncateIp } from '../core/pii';
import { SEGMENT_TYPES, type SegmentInput, type SegmentType } from '../core/segment';
import type { Source, SourceRegistry } from '../core/sources';
import { writeKeyOf } from '../core/sources';
import type { StoreEventInput } from '../core/store';
import { splitSuppressed, type Suppressions } from '../core/suppression';
import type { EventSink } from './kafka-sink';
import { merakiPostBody } from './meraki-schema';
import { acceptedAnswer, batchBody, readinessAnswer, refusedAnswer, segmentEventSchema, singleEventBody, sourceConfigAnswer, STORE_EVENT_SCHEMAS, storeBatchBody, textAnswer, unavailableAnswer } from './route-schemas';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route needs a source's write key (Basic user name or writeKey in the body). */
    writeKey?: boolean;
    /** The route is a Meraki receiver: the secret in the body authenticates it. */
    merakiReceiver?: boolean;
  }
}

export interface HttpOptions {
  sources: SourceRegistry;
  sink: EventSink;
  salt: string;
  logger: Logger;
  registry: Registry;
  /** Kafka and the registry answer (for /readyz). */
  dependenciesReady: () => Promise<{ kafka: boolean; registry: boolean }>;
  /** Longest wait for Kafka's acknowledgement before answering 503. */
  publishTimeoutMs?: number;
  /**
   * Only for the dead-letter replay, which feeds this app in process and never listens: the
   * original receive time comes in the x-cdp-received-at header, so clock correction is as it was.
   */
  replay?: boolean;
  /** Behind a proxy the client address is the X-Forwarded-For one. */
  trustProxy?: boolean;
  /**
   * Identifiers of erased persons (privacy.suppressions.v1, followed by main.ts): an event that
   * carries one is not produced and is answered as accepted. None given: nothing is suppressed.
   */
  suppressions?: Suppressions;
  /** Segment's limits: 500 KB per batch request, 32 KB per event. */
  limits?: { batchBytes: number; eventBytes: number; storeBatchBytes: number; merakiBytes: number };
}

export const SEGMENT_LIMITS = { batchBytes: 500 * 1024, eventBytes: 32 * 1024, storeBatchBytes: 1024 * 1024, merakiBytes: 8 * 1024 * 1024 };

/** ajv's `/batch/3/timestamp` as `batch[3].timestamp`, the way a developer reads a payload. */
export function fieldOf(instancePath: string, missingProperty?: string, keys: string[] = []): string {
  const parts = [...instancePath.split('/').filter(Boolean), ...keys];
  if (missingProperty) parts.push(missingProperty);
  return parts.reduce((out, p) => (/^\d+$/.test(p) ? `${out}[${p}]` : out ? `${out}.${p}` : p), '') || '(body)';
}

const SHORT_PATHS: Record<string, SegmentType> = { t: 'track', p: 'page', s: 'screen', i: 'identify', a: 'alias', g: 'group' };
const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;

/** Why a body fastify's JSON parser refused is not a JSON payload, for the 400. */
function notJson(text: string): IngestError {
  if (text.trim() === '') return invalid('(body)', 'is empty: a JSON object was expected');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return invalid('(body)', 'is not valid JSON');
  }
  // Valid JSON that fastify's parser refuses: a key that would reach an object's prototype.
  const key = prototypeKeyOf(value);
  if (!key) return invalid('(body)', 'is not valid JSON');
  // A path thousands of levels deep is cut: its start says where to look.
  const field = fieldOf('', undefined, key);
  return invalid(field.length > 200 ? `${field.slice(0, 200)}…` : field, `is refused: a ${key.at(-1) === '__proto__' ? '__proto__' : 'constructor.prototype'} key could change the prototype of the objects made from the body`);
}

/** The path of a __proto__ key, or of a constructor key holding a prototype key, in parsed JSON. */
function prototypeKeyOf(value: unknown): string[] | undefined {
  // A loop with parent links, not recursion or path copies: a body nested thousands deep must
  // cost neither the stack nor quadratic time.
  type Step = { node: unknown; key: string; parent?: Step };
  const pathOf = (step: Step | undefined, last: string[]): string[] => {
    const keys: string[] = [];
    for (let s = step; s?.parent; s = s.parent) keys.push(s.key);
    return [...keys.reverse(), ...last];
  };
  const pending: Step[] = [{ node: value, key: '' }];
  for (let step = pending.pop(); step; step = pending.pop()) {
    if (!step.node || typeof step.node !== 'object') continue;
    for (const [key, inner] of Object.entries(step.node)) {
      if (key === '__proto__') return pathOf(step, [key]);
      if (key === 'constructor' && inner && typeof inner === 'object' && Object.hasOwn(inner, 'prototype')) return pathOf(step, [key, 'prototype']);
      pending.push({ node: inner, key, parent: step });
    }
  }
  return undefined;
}

/** Request headers browsers may send to ingest (see the CORS registration). */
export const CORS_HEADERS = ['authorization', 'content-type', 'content-encoding', 'x-retry-count', 'anonymousid', 'sentat', 'rsa-recovered', 'rsa-retry-attempt', 'rsa-retry-reason', 'rsa-since-first-attempt', 'rsa-since-last-attempt'] as const;

/** Every answer a route that publishes can give (the error body names the field and the reason). */
const PUBLISHING = { 200: acceptedAnswer, 400: refusedAnswer, 401: refusedAnswer, 415: refusedAnswer, 503: unavailableAnswer };

/** A route's URL as a pattern for concrete paths: `:param` one segment, `*` anything. */
function routePattern(url: string): RegExp {
  const source = url.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:[^/]+/g, '[^/]+').replace(/\*/g, '.*');
  return new RegExp(`^${source}$`);
}

/**
 * The document in OpenAPI 3.0's terms where JSON Schema draft 7 (which fastify validates with)
 * differs: a numeric exclusiveMinimum/exclusiveMaximum is a boolean beside minimum/maximum.
 */
export function openApi30Bounds<T>(node: T): T {
  if (Array.isArray(node)) return node.map(openApi30Bounds) as T;
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = openApi30Bounds(value);
  for (const [exclusive, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof out[exclusive] !== 'number') continue;
    out[bound] = out[exclusive];
    out[exclusive] = true;
  }
  return out as T;
}

/** The labels clients put on the JSON bodies ingest reads (any other is read as JSON too), for the OpenAPI document. */
const BODY_LABELS = ['application/json', 'text/plain', 'application/x-www-form-urlencoded', '*/*'];

export function buildHttpApp(options: HttpOptions): FastifyInstance {
  const { sources, sink, salt, logger } = options;
  const limits = options.limits ?? SEGMENT_LIMITS;
  const publishTimeoutMs = options.publishTimeoutMs ?? 10_000;
  const app = Fastify({
    loggerInstance: logger.child({ component: 'http' }) as unknown as FastifyBaseLogger,
    // One log line per request would cost more than the request at tens of thousands per second.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.batchBytes,
    trustProxy: options.trustProxy ?? false,
    // Each route schema error becomes our IngestError with the field in Segment's terms.
    schemaErrorFormatter: (errors) => {
      const e = errors[0]!;
      const params = e.params as { missingProperty?: string; allowedValues?: unknown[]; allowedValue?: unknown; type?: string | string[]; tag?: string };
      // A store event whose type is missing or unknown: ajv's discriminator names the item, not the tag.
      if (e.keyword === 'discriminator') return invalid(fieldOf(e.instancePath, params.tag), `must be one of ${Object.keys(STORE_EVENT_SCHEMAS).join(', ')}`);
      const reason = params.allowedValues
        ? `must be one of ${params.allowedValues.join(', ')}`
        : params.allowedValue !== undefined
          ? `must be ${JSON.stringify(params.allowedValue)}`
          : e.keyword === 'type' && params.type
            ? `must be ${String(params.type).split(',').join(' or ')}`
            : (e.message ?? 'is invalid');
      return invalid(fieldOf(e.instancePath, params.missingProperty), reason);
    },
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false, allowUnionTypes: true, discriminator: true } },
  });

  const requests = new Counter({ name: 'ingest_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [options.registry] });
  const accepted = new Counter({ name: 'ingest_events_accepted_total', help: 'Events accepted and acknowledged by Kafka', labelNames: ['source', 'type'], registers: [options.registry] });
  const rejectedItems = new Counter({ name: 'ingest_events_rejected_total', help: 'Items refused at the door and written to a dead-letter topic, by reason', labelNames: ['source', 'code'], registers: [options.registry] });
  const refused = new Counter({ name: 'ingest_requests_refused_total', help: 'Requests answered 4xx/5xx, by code', labelNames: ['status', 'code'], registers: [options.registry] });
  const suppressedEvents = new Counter({ name: 'ingest_suppressed_events_total', help: "Events dropped because they carry an erased person's identifier (answered as accepted, not stored)", labelNames: ['source', 'type'], registers: [options.registry] });
  const suppressions = options.suppressions;
  if (suppressions) {
    new Gauge({ name: 'ingest_suppressed_identifiers', help: 'Identifiers of erased persons whose events ingest drops (all tenants)', registers: [options.registry], collect() { this.set(suppressions.size); } });
  }
  const produceSeconds = new Histogram({ name: 'ingest_produce_seconds', help: 'From handing records to the producer to Kafka acknowledging them', buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [options.registry] });

  app.addSchema(segmentEventSchema);

  void app.register(swagger, {
    openapi: {
      info: { title: 'CDP ingest', version: '1', description: 'Segment tracking API, store batches and the Meraki scanning receiver. A 2xx answer means Kafka has the events. Every body is read as JSON whatever its content type (analytics.js sends text/plain, RudderStack\'s Node SDK application/x-www-form-urlencoded), plain or with Content-Encoding gzip or deflate.' },
      components: { securitySchemes: { writeKey: { type: 'http', scheme: 'basic', description: 'The source write key as user name, empty password (Segment style)' } } },
      security: [{ writeKey: [] }],
    },
    transformObject: (document) => ('openapiObject' in document ? openApi30Bounds(document.openapiObject) : document.swaggerObject),
  });
  void app.register(swaggerUi, { routePrefix: '/docs' });

  // SDKs and gateways gzip their bodies. The limits apply to the decompressed size, so a small
  // compressed bomb is refused like any oversized body.
  const inflated = new WeakSet<FastifyRequest>();
  app.addHook('preParsing', async (request, _reply, payload) => {
    const encoding = request.headers['content-encoding']?.toLowerCase();
    // GET and HEAD carry no body to decode, whatever their headers say.
    if (!encoding || encoding === 'identity' || request.method === 'GET' || request.method === 'HEAD') return payload;
    if (encoding !== 'gzip' && encoding !== 'deflate') throw new IngestError(415, 'ERR_INGEST_ENCODING', '(body)', `content-encoding ${encoding} is not supported (gzip, deflate)`);
    const inflate = Object.assign(encoding === 'gzip' ? createGunzip() : createInflate(), { receivedEncodedLength: 0 });
    payload.on('error', (error) => inflate.destroy(error));
    inflate.on('error', () => undefined);
    // Content-Length counts the compressed bytes: fastify checks it against receivedEncodedLength.
    // (Dropping the header instead made fastify take a compressed body without a content type
    // for no body at all.)
    payload.on('data', (chunk: Buffer) => void (inflate.receivedEncodedLength += chunk.length));
    inflated.add(request);
    return payload.pipe(inflate);
  });

  // Every body is JSON, whatever its label. analytics.js sends text/plain (no preflight for the
  // body type), RudderStack's Node SDK gzip labelled application/x-www-form-urlencoded, curl -d
  // x-www-form-urlencoded, some clients none at all; Segment's and RudderStack's servers read all
  // of them as JSON. fastify's own JSON parser does the work (it refuses __proto__ keys).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => parseJson(request, body as string, (error, value) => done(error ? notJson(body as string) : null, value)));

  // A method a path does not serve is 405 with Allow, before authentication or a body is read.
  // Added before the CORS plugin, so that its hook does not take a plain OPTIONS for a bad preflight.
  const served = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  const notFound = (request: FastifyRequest) => new IngestError(404, 'ERR_INGEST_NOT_FOUND', '(path)', `no route serves ${request.method} ${request.url.split('?')[0]}`);
  app.addHook('onRoute', (route) => {
    // '*' is the CORS preflight route, which answers OPTIONS on every path.
    if (route.url === '*') return;
    const entry = served.get(route.url) ?? { pattern: routePattern(route.url), methods: new Set<string>() };
    for (const method of [route.method].flat()) entry.methods.add(method);
    served.set(route.url, entry);
  });
  app.addHook('onRequest', async (request, reply) => {
    // An OPTIONS that is not a CORS preflight asks which methods a path serves.
    const plainOptions = request.method === 'OPTIONS' && request.headers['access-control-request-method'] === undefined;
    if (!request.is404 && !plainOptions) return;
    const path = request.url.split('?')[0]!;
    const methods = [...served.values()].filter((r) => r.pattern.test(path)).flatMap((r) => [...r.methods]);
    if (methods.length === 0) throw notFound(request);
    const allow = [...new Set([...methods, 'OPTIONS'])].join(', ');
    void reply.header('allow', allow);
    if (plainOptions) return reply.status(204).send();
    throw new IngestError(405, 'ERR_INGEST_METHOD', '(method)', `${request.method} is not served at ${path} (${allow})`);
  });
  app.setNotFoundHandler(async (request) => {
    throw notFound(request);
  });

  // Browsers send Authorization, so every POST is preceded by a preflight; without an answer the
  // browser drops a response the server already accepted and the library sends the event again.
  // Every header a library sends is allowed up front, its retry headers too (one refused header
  // loses every event of that browser): analytics.js X-Retry-Count; RudderStack's browser SDK
  // AnonymousId and SentAt on every request, Rsa-* when it retries or recovers stored events.
  void app.register(cors, {
    origin: true,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: [...CORS_HEADERS],
    maxAge: 86_400,
  });

  app.setErrorHandler((error: FastifyError | IngestError | Error, request, reply) => {
    let status = 500;
    let body: Record<string, unknown>;
    const code = (error as FastifyError).code;
    if (error instanceof IngestError) {
      status = error.statusCode;
      body = { code: error.code, field: error.field, reason: error.reason };
    } else if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      // Segment answers an oversized batch 400 with the limit; clients do not retry it.
      status = 400;
      body = { code: 'ERR_INGEST_TOO_LARGE', field: '(body)', reason: `is larger than the limit of ${kb(request.routeOptions.bodyLimit ?? limits.batchBytes)} for this endpoint` };
    } else if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || (error as { errno?: number }).errno === -3) {
      status = 400;
      body = { code: 'ERR_INGEST_ENCODING', field: '(body)', reason: `is not valid ${request.headers['content-encoding']} data: ${error.message}` };
    } else if (error instanceof RangeError && /call stack/i.test(error.message)) {
      // A body nested deeper than the recursive steps (PII scrub, normalising) can walk: the
      // client's to fix, not a 503 it would retry for ever.
      status = 400;
      body = { code: 'ERR_INGEST_INVALID', field: '(body)', reason: 'is nested too deeply' };
    } else if ((error as FastifyError).statusCode === 400 || code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      status = 400;
      body = { code: 'ERR_INGEST_INVALID', field: '(body)', reason: error.message };
    } else {
      // Kafka or the registry failed: the client keeps the events and retries (5xx is retried
      // by every Segment library), so nothing is lost.
      status = 503;
      reply.header('retry-after', '5');
      body = { code: error instanceof CdpError ? error.code : 'ERR_INGEST_UNAVAILABLE', reason: 'events could not be stored now; retry later' };
      request.log.error({ err: error }, 'publish failed');
    }
    refused.inc({ status: String(status), code: String(body.code) });
    void reply.status(status).send({ success: false, ...body, message: body.field ? `${String(body.field)}: ${String(body.reason)}` : body.reason });
  });

  app.addHook('onResponse', async (request, reply) => {
    requests.inc({ route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) });
  });

  // Authentication comes before validation: a stranger learns nothing about the payload rules.
  // A known key on the wrong endpoint is not refused here: its items become dead letters that a
  // replay can deliver once the key's source is fixed.
  const sourceByRequest = new WeakMap<FastifyRequest, Source>();
  app.addHook('preValidation', async (request) => {
    const receiverId = request.routeOptions.config.merakiReceiver ? (request.params as { receiver: string }).receiver : undefined;
    if (receiverId !== undefined) {
      // The shared secret is checked before the body's schema: a stranger learns nothing about it.
      const receiver = sources.merakiReceiver(receiverId);
      if (!receiver) throw new IngestError(401, 'ERR_INGEST_UNAUTHORIZED', 'receiver', `no Meraki receiver ${receiverId}`);
      if (!checkMerakiSecret(receiver.secret, (request.body as { secret?: unknown } | undefined)?.secret)) throw new IngestError(403, 'ERR_INGEST_FORBIDDEN', 'secret', 'does not match the secret of this receiver');
      return;
    }
    if (!request.routeOptions.config.writeKey) return;
    const key = writeKeyOf(request.headers.authorization, request.body, request.query);
    if (!key) throw unauthorized('no write key: send it as the HTTP Basic user name (Segment style)');
    const source = sources.byWriteKey(key);
    if (!source) throw unauthorized('unknown write key');
    sourceByRequest.set(request, source);
  });
  const authenticated = (request: FastifyRequest): Source => sourceByRequest.get(request)!;

  /** A dead letter must not hold PII either: the refused item is scrubbed as an accepted one is. */
  const scrubbed = (intake: Intake): Intake => {
    for (const r of intake.rejected) r.item = scrubItem(salt, r.item);
    return intake;
  };

  const typeOf = (e: Intake['accepted'][number]) => (e.kind === 'segment' ? e.value.type.toLowerCase() : e.kind);

  const publish = async (source: Source, intake: Intake) => {
    // An erased person's events are dropped here, before Kafka and without a dead letter. The
    // answer is the one an accepted event gets (Segment's suppression: the client must not send
    // it again), and it says nothing more: write keys are public in web pages, so an answer that
    // told suppressed events apart would tell anyone that a person with this e-mail was erased.
    const { kept, suppressed } = suppressions ? splitSuppressed(intake.accepted, suppressions) : { kept: intake.accepted, suppressed: [] };
    // The producer keeps retrying while Kafka is away; the HTTP client should not wait for that.
    // On the timeout the records still queued are withdrawn, so a 503 means "not stored" (the
    // client sends them again). Only records already handed to Kafka may land anyway; they keep
    // their event ids, and downstream stores each id once.
    const giveUp = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        giveUp.abort();
        reject(new TransientError(`Kafka did not acknowledge within ${publishTimeoutMs} ms`));
      }, publishTimeoutMs);
    });
    const stopTimer = produceSeconds.startTimer();
    try {
      await Promise.race([sink.publish(kept, scrubbed(intake).rejected, giveUp.signal), timeout]);
    } finally {
      clearTimeout(timer);
    }
    stopTimer();
    for (const e of kept) accepted.inc({ source: source.id, type: typeOf(e) });
    for (const { record, requestId } of suppressed) {
      suppressedEvents.inc({ source: source.id, type: typeOf(record) });
      // Neither the identifier nor anything else of the person: the event id and the request.
      logger.debug({ source: source.id, eventId: record.value.envelope.eventId, requestId }, 'event suppressed: its person was erased');
    }
    for (const r of intake.rejected) rejectedItems.inc({ source: source.id, code: r.code });
    return intake.rejected.length === 0 ? { success: true } : { success: true, accepted: intake.accepted.length, rejected: intake.rejected.map(rejectionSummary) };
  };

  /**
   * Segment's 32 KB per event. Only a body over 32 KB can hold such an event, so only then is each
   * measured; a compressed body's length says nothing about it.
   */
  const checkEventSizes = (request: FastifyRequest, items: unknown[]) => {
    const length = inflated.has(request) ? Infinity : Number(request.headers['content-length'] ?? Infinity);
    if (length <= limits.eventBytes) return;
    items.forEach((item, i) => {
      if (Buffer.byteLength(JSON.stringify(item)) > limits.eventBytes) throw new IngestError(400, 'ERR_INGEST_TOO_LARGE', `batch[${i}]`, `is larger than the limit of ${kb(limits.eventBytes)} per event`);
    });
  };

  const clientIp = (request: FastifyRequest) => (options.replay ? undefined : request.ip);
  const receivedAtOf = (request: FastifyRequest) => (options.replay && request.headers['x-cdp-received-at'] ? Number(request.headers['x-cdp-received-at']) : Date.now());

  // Routes in a plugin registered after swagger, so that its onRoute hook sees every one of them.
  void app.register(async (app) => {
    type BatchRequest = FastifyRequest<{ Body: { batch: SegmentInput[]; sentAt?: string | null; context?: Record<string, unknown> | null } }>;
    const batchHandler = async (request: BatchRequest) => {
      const source = authenticated(request);
      checkEventSizes(request, request.body.batch);
      const intake = intakeSegment({ items: request.body.batch, sentAt: request.body.sentAt, context: request.body.context, path: 'batch' }, { source, receivedAt: receivedAtOf(request), salt, clientIp: clientIp(request) });
      return publish(source, intake);
    };
    // analytics-node posts to /v1/batch; analytics.js in batching mode to /v1/b.
    const writeKeyRoute = { config: { writeKey: true } };
    const tags = (...t: string[]) => ({ tags: t });
    const jsonBody = (body: object) => ({ body, consumes: BODY_LABELS, response: PUBLISHING });
    app.post('/v1/batch', { ...writeKeyRoute, schema: { ...tags('segment'), summary: 'A batch of Segment events (analytics-node, server libraries)', ...jsonBody(batchBody) } }, batchHandler);
    app.post('/v1/b', { ...writeKeyRoute, schema: { ...tags('segment'), summary: 'A batch from analytics.js in batching mode', ...jsonBody(batchBody) } }, batchHandler);
    // RudderStack's browser SDK with useBeacon: navigator.sendBeacon, text/plain, no header, the
    // key in the query string.
    app.post('/beacon/v1/batch', { ...writeKeyRoute, schema: { ...tags('segment'), summary: "A batch from RudderStack's browser SDK sent by sendBeacon (useBeacon), ?writeKey=<key>", ...jsonBody(batchBody) } }, batchHandler);

    for (const type of SEGMENT_TYPES) {
      const handler = async (request: FastifyRequest<{ Body: SegmentInput }>) => {
        const source = authenticated(request);
        const intake = intakeSegment({ items: [request.body], type, path: '' }, { source, receivedAt: receivedAtOf(request), salt, clientIp: clientIp(request) });
        return publish(source, intake);
      };
      const route = { ...writeKeyRoute, bodyLimit: limits.eventBytes, schema: { ...tags('segment'), summary: `One Segment ${type} call`, ...jsonBody(singleEventBody(type)) } };
      app.post(`/v1/${type}`, route, handler);
      const short = Object.entries(SHORT_PATHS).find(([, t]) => t === type)![0];
      app.post(`/v1/${short}`, { ...route, schema: { ...route.schema, hide: true } }, handler);
    }

    // RudderStack's browser SDK starts only after reading its source configuration (configUrl,
    // by default RudderStack's control plane): /sourceConfig/?writeKey=<key>&p=..&v=.., with the
    // key as Basic user name too. Ingest answers the smallest valid one: the source, no
    // destinations (nothing loaded into the page), no error or metrics reporting.
    const sourceConfig = async (request: FastifyRequest) => {
      const source = authenticated(request);
      return { source: { id: source.id, name: source.id, workspaceId: source.tenant, enabled: true, config: {}, destinations: [] } };
    };
    const sourceConfigRoute = { ...writeKeyRoute, schema: { ...tags('rudderstack'), summary: "Source configuration for RudderStack's browser SDK (its configUrl); ?writeKey=<key> or Basic auth", response: { 200: sourceConfigAnswer, 401: refusedAnswer } } };
    app.get('/sourceConfig/', sourceConfigRoute, sourceConfig);
    app.get('/sourceConfig', { ...sourceConfigRoute, schema: { ...sourceConfigRoute.schema, hide: true } }, sourceConfig);

    // analytics.js posts its own delivery counters here every 30 s, without a key. They are not
    // customer data; answering keeps the browser console clean.
    app.post('/v1/m', { schema: { hide: true } }, async () => ({ success: true }));

    app.post<{ Body: { batch: StoreEventInput[] } }>(
      '/v1/store/batch',
      { ...writeKeyRoute, bodyLimit: limits.storeBatchBytes, schema: { ...tags('store'), summary: 'Till receipts, beacon sightings, Wi-Fi observations and people counts from a store gateway', ...jsonBody(storeBatchBody) } },
      async (request) => {
        const source = authenticated(request);
        const intake = intakeStore(request.body.batch, { source, receivedAt: receivedAtOf(request), salt, stores: sources });
        const answer = await publish(source, intake);
        return { ...answer, accepted: intake.accepted.length };
      },
    );

    // Cisco Meraki scanning API v3: the dashboard first GETs the URL and expects the validator
    // string; then it POSTs observations with the shared secret in the body.
    const merakiValidator = { ...tags('meraki'), summary: 'Validator handshake', security: [], response: { 200: textAnswer("the receiver's validator string"), 404: refusedAnswer } };
    app.get<{ Params: { receiver: string } }>('/v1/meraki/:receiver', { schema: merakiValidator }, async (request, reply) => {
      const receiver = sources.merakiReceiver(request.params.receiver);
      if (!receiver) throw new IngestError(404, 'ERR_INGEST_NOT_FOUND', 'receiver', `no Meraki receiver ${request.params.receiver}`);
      return reply.type('text/plain').send(receiver.validator);
    });
    app.post<{ Params: { receiver: string }; Body: MerakiPost }>(
      '/v1/meraki/:receiver',
      // 401 for an unknown receiver, 403 for a wrong secret.
      { config: { merakiReceiver: true }, bodyLimit: limits.merakiBytes, schema: { ...tags('meraki'), summary: 'Scanning API v3 observations (WiFi or BLE)', security: [], ...jsonBody(merakiPostBody), response: { ...PUBLISHING, 403: refusedAnswer } } },
      async (request, reply) => {
        // preValidation has found the receiver and checked the secret.
        const receiver = sources.merakiReceiver(request.params.receiver)!;
        const { networkId } = request.body.data;
        const storeId = receiver.networks[networkId];
        const receivedAt = Date.now();
        const target: Target = merakiKind(request.body.type) === 'ble' ? 'beacon' : 'wifi';
        const rejectedAs = { target, source: receiver.source.id, route: 'meraki' as const, routeContext: { receiver: receiver.id, type: request.body.type, networkId }, receivedAt };
        let intake: Intake;
        if (!storeId) {
          intake = { accepted: [], rejected: [{ field: 'data.networkId', code: REJECTION_CODES.unknownNetwork, reason: `network ${networkId} is not mapped to a store of receiver ${receiver.id}`, item: request.body.data, ...rejectedAs }] };
        } else {
          const events = merakiEvents(request.body, { source: receiver.source, storeId, receivedAt, salt });
          intake = {
            accepted: [...events.wifi.map((e) => ({ kind: 'wifi' as const, ...e })), ...events.beacons.map((e) => ({ kind: 'beacon' as const, ...e }))],
            rejected: events.rejected.map((r) => ({ ...r, ...rejectedAs })),
          };
        }
        const answer = await publish(receiver.source, intake);
        return reply.send({ ...answer, accepted: intake.accepted.length });
      },
    );

    const health = async () => ({ service: 'ingest', status: 'ok' });
    app.get('/healthz', { schema: { ...tags('operations'), summary: 'Liveness: the process answers', security: [], response: { 200: { description: 'The process answers', type: 'object', properties: { service: { type: 'string' }, status: { type: 'string' } } } } } }, health);
    app.get('/health', { schema: { hide: true } }, health);
    app.get('/readyz', { schema: { ...tags('operations'), summary: 'Readiness: Kafka and the schema registry answer', security: [], response: { 200: readinessAnswer, 503: readinessAnswer } } }, async (_request, reply) => {
      const deps = await options.dependenciesReady();
      const ready = deps.kafka && deps.registry;
      return reply.status(ready ? 200 : 503).send({ service: 'ingest', status: ready ? 'ready' : 'not ready', ...deps });
    });
    app.get('/metrics', { schema: { ...tags('operations'), summary: 'Prometheus metrics', security: [], response: { 200: textAnswer('Prometheus text format') } } }, async (_request, reply) => reply.type(options.registry.contentType).send(await options.registry.metrics()));
  });

  return app;
}

/** PII out of an item that goes to a dead letter: hashed like accepted events, IP truncated. */
export function scrubItem(salt: string, item: unknown): unknown {
  if (!item || typeof item !== 'object' || Array.isArray(item)) return item;
  const out = scrubPii(salt, item as Record<string, unknown>);
  const context = out.context as Record<string, unknown> | undefined;
  if (context && typeof context.ip === 'string') return { ...out, context: { ...context, ip: truncateIp(context.ip) } };
  return out;
}
