/**
 * The HTTP face of ingest: Segment's tracking API (the analytics libraries send to it unchanged)
 * and the store batch endpoint. A request is answered 2xx only after Kafka acknowledged its events.
 */
import cors from '@fastify/cors';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { CdpError, Counter, TransientError, type Logger, type Registry } from '@cdp/plumbing';
import { IngestError, invalid, unauthorized } from '../core/errors';
import { normalizeSegmentEvent, segmentKey, SEGMENT_TYPES, type SegmentInput, type SegmentType } from '../core/segment';
import type { Source, SourceRegistry } from '../core/sources';
import { writeKeyOf } from '../core/sources';
import { normalizeBeaconSighting, normalizePosTransaction, type StoreEventInput } from '../core/store';
import type { Accepted, EventSink } from './kafka-sink';
import { batchBody, segmentEventSchema, singleEventBody, storeBatchBody } from './route-schemas';

export interface HttpOptions {
  sources: SourceRegistry;
  sink: EventSink;
  salt: string;
  bodyLimit: number;
  logger: Logger;
  registry: Registry;
  isReady: () => boolean;
  /** Longest wait for Kafka's acknowledgement before answering 503. */
  publishTimeoutMs?: number;
}

/** ajv's `/batch/3/timestamp` as `batch[3].timestamp`, the way a developer reads a payload. */
export function fieldOf(instancePath: string, missingProperty?: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (missingProperty) parts.push(missingProperty);
  return parts.reduce((out, p) => (/^\d+$/.test(p) ? `${out}[${p}]` : out ? `${out}.${p}` : p), '') || '(body)';
}

const SHORT_PATHS: Record<string, SegmentType> = { t: 'track', p: 'page', s: 'screen', i: 'identify', a: 'alias', g: 'group' };

export function buildHttpApp(options: HttpOptions): FastifyInstance {
  const { sources, sink, salt, logger } = options;
  const app = Fastify({
    loggerInstance: logger.child({ component: 'http' }) as unknown as FastifyBaseLogger,
    // One log line per request would cost more than the request at tens of thousands per second.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit,
    // Each route schema error becomes our IngestError with the field in Segment's terms.
    schemaErrorFormatter: (errors) => {
      const e = errors[0]!;
      const params = e.params as { missingProperty?: string; allowedValues?: unknown[] };
      const reason = params.allowedValues ? `must be one of ${params.allowedValues.join(', ')}` : (e.message ?? 'is invalid');
      return invalid(fieldOf(e.instancePath, params.missingProperty), reason);
    },
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false, allowUnionTypes: true } },
  });

  const accepted = new Counter({ name: 'ingest_events_accepted_total', help: 'Events accepted and acknowledged by Kafka', labelNames: ['source', 'type'], registers: [options.registry] });
  const refused = new Counter({ name: 'ingest_requests_refused_total', help: 'Requests answered 4xx/5xx', labelNames: ['status', 'code'], registers: [options.registry] });

  app.addSchema(segmentEventSchema);

  // analytics.js sends JSON as text/plain to avoid a CORS preflight on the body type.
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(invalid('(body)', 'is not valid JSON'), undefined);
    }
  });

  // Browsers send Authorization, so every POST is preceded by a preflight; without an answer the
  // browser drops a response the server already accepted and the library sends the event again.
  void app.register(cors, {
    origin: true,
    methods: ['POST', 'OPTIONS'],
    allowedHeaders: ['authorization', 'content-type', 'x-retry-count'],
    maxAge: 86_400,
  });

  app.setErrorHandler((error: FastifyError | IngestError | Error, request, reply) => {
    let status = 500;
    let body: Record<string, unknown>;
    if (error instanceof IngestError) {
      status = error.statusCode;
      body = { code: error.code, field: error.field, reason: error.reason };
    } else if ((error as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413;
      body = { code: 'ERR_INGEST_TOO_LARGE', field: '(body)', reason: `is larger than ${options.bodyLimit} bytes` };
    } else if ((error as FastifyError).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      status = 415;
      body = { code: 'ERR_INGEST_MEDIA_TYPE', field: '(body)', reason: 'must be JSON (application/json or text/plain)' };
    } else if ((error as FastifyError).statusCode === 400) {
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

  const sourceOf = (request: FastifyRequest, kind: Source['kind']): Source => {
    const key = writeKeyOf(request.headers.authorization, request.body);
    if (!key) throw unauthorized('no write key: send it as the HTTP Basic user name (Segment style)');
    const source = sources.byWriteKey(key);
    if (!source) throw unauthorized('unknown write key');
    if (source.kind !== kind) throw unauthorized(`write key of source ${source.id} is for ${source.kind} events, not this endpoint`);
    return source;
  };

  // Authentication comes before validation: a stranger learns nothing about the payload rules.
  const sourceByRequest = new WeakMap<FastifyRequest, Source>();
  app.addHook('preValidation', async (request) => {
    const kind = (request.routeOptions.config as { sourceKind?: Source['kind'] }).sourceKind;
    if (kind) sourceByRequest.set(request, sourceOf(request, kind));
  });
  const authenticated = (request: FastifyRequest): Source => sourceByRequest.get(request)!;

  const publish = async (source: Source, events: Accepted[]) => {
    // The producer keeps retrying while Kafka is away; the HTTP client should not wait for that.
    // Answering 503 is safe: the client sends the same message ids again, and every event id is
    // stored once however often it arrives.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TransientError(`Kafka did not acknowledge within ${options.publishTimeoutMs ?? 10_000} ms`)), options.publishTimeoutMs ?? 10_000);
    });
    try {
      await Promise.race([sink.publish(events), timeout]);
    } finally {
      clearTimeout(timer);
    }
    for (const e of events) accepted.inc({ source: source.id, type: e.kind === 'segment' ? e.value.type.toLowerCase() : e.kind });
  };

  type BatchRequest = FastifyRequest<{ Body: { batch: SegmentInput[]; sentAt?: string | null; context?: Record<string, unknown> | null } }>;
  const batchHandler = async (request: BatchRequest) => {
    const source = authenticated(request);
    const receivedAt = Date.now();
    const events = request.body.batch.map((input, i): Accepted => {
      const value = normalizeSegmentEvent(input, input.type as SegmentType, { source, receivedAt, salt, batchSentAt: request.body.sentAt, batchContext: request.body.context }, `batch[${i}]`);
      return { kind: 'segment', key: segmentKey(value), value };
    });
    await publish(source, events);
    return { success: true };
  };
  // analytics-node posts to /v1/batch; analytics.js in batching mode to /v1/b.
  const segmentRoute = { config: { sourceKind: 'segment' as const } };
  app.post('/v1/batch', { ...segmentRoute, schema: { body: batchBody } }, batchHandler);
  app.post('/v1/b', { ...segmentRoute, schema: { body: batchBody } }, batchHandler);

  for (const type of SEGMENT_TYPES) {
    const handler = async (request: FastifyRequest<{ Body: SegmentInput }>) => {
      const source = authenticated(request);
      const value = normalizeSegmentEvent(request.body, type, { source, receivedAt: Date.now(), salt }, '');
      await publish(source, [{ kind: 'segment', key: segmentKey(value), value }]);
      return { success: true };
    };
    const route = { ...segmentRoute, schema: { body: singleEventBody(type) } };
    app.post(`/v1/${type}`, route, handler);
    const short = Object.entries(SHORT_PATHS).find(([, t]) => t === type)![0];
    app.post(`/v1/${short}`, route, handler);
  }

  app.post<{ Body: { batch: StoreEventInput[] } }>('/v1/store/batch', { config: { sourceKind: 'store' }, schema: { body: storeBatchBody } }, async (request) => {
    const source = authenticated(request);
    const ctx = { source, receivedAt: Date.now() };
    const events = request.body.batch.map((input, i): Accepted => {
      if (input.type === 'pos_transaction') {
        const value = normalizePosTransaction(input, ctx, `batch[${i}]`);
        return { kind: 'pos', key: `${value.storeId}/${value.receiptId}`, value };
      }
      const value = normalizeBeaconSighting(input, ctx, `batch[${i}]`);
      return { kind: 'beacon', key: `${value.storeId ?? ''}/${value.appInstallId ?? ''}`, value };
    });
    await publish(source, events);
    return { success: true, accepted: events.length };
  });

  app.get('/health', async (_request, reply) => {
    const ready = options.isReady();
    return reply.status(ready ? 200 : 503).send({ service: 'ingest', status: ready ? 'ok' : 'starting' });
  });
  app.get('/metrics', async (_request, reply) => reply.type(options.registry.contentType).send(await options.registry.metrics()));

  return app;
}
