/**
 * The loader's HTTP face for partners and operators: `PUT /v1/datasets/:dataset` takes a whole
 * version (text/csv, application/json or application/x-ndjson) under an upload key
 * (`Authorization: Bearer <key>`), and `GET /v1/datasets` shows the live versions the key may
 * see. The key is checked before the body is read; a delivery is refused whole (400 with every
 * error) or published whole (200 with the counts). Bodies are never logged, and no answer quotes
 * a value of the delivery.
 */
import { createGunzip } from 'node:zlib';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { CdpError, Counter, Histogram, TransientError, type Logger, type Registry } from '@cdp/plumbing';
import { DATASET_NAMES, isDatasetName, type DatasetName } from '../core/dataset';
import { DATASETS } from '../core/datasets';
import { DeliveryRefusedError, LoaderUsageError } from '../core/errors';
import { authorize, bearerOf, type KeyRegistry, type UploadKey } from '../core/keys';
import type { Format } from '../core/input';
import type { Loader } from './kafka-loader';

export interface HttpOptions {
  loader: Loader;
  keys: KeyRegistry;
  logger: Logger;
  registry: Registry;
  /** Largest body accepted, in bytes. */
  maxBodyBytes: number;
}

/** A refusal with its status, code, and the field it is about. */
export class LoaderHttpError extends Error {
  constructor(
    readonly statusCode: 400 | 401 | 403 | 404 | 413 | 415,
    readonly code: string,
    readonly field: string | undefined,
    readonly reason: string,
  ) {
    super(field ? `${field}: ${reason}` : reason);
    this.name = 'LoaderHttpError';
  }
}

const CSV_TYPES = ['text/csv', 'application/csv'];
const JSON_TYPES = ['application/json', 'application/x-ndjson', 'application/jsonl', 'application/jsonlines', 'application/x-jsonlines'];

const formatOf = (contentType: string | undefined): Format => (CSV_TYPES.includes((contentType ?? '').split(';')[0]!.trim().toLowerCase()) ? 'csv' : 'json');

type Outcome = 'published' | 'unchanged' | 'refused' | 'unauthorized' | 'forbidden' | 'failed';

export function buildHttpApp({ loader, keys, logger, registry, maxBodyBytes }: HttpOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger.child({ component: 'http' }) as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: maxBodyBytes,
  });

  const loads = new Counter({ name: 'loader_loads_total', help: 'Uploads by dataset and outcome (published, unchanged, refused, unauthorized, forbidden, failed)', labelNames: ['dataset', 'outcome'], registers: [registry] });
  const published = new Counter({ name: 'loader_records_published_total', help: 'Records published by dataset and kind (upsert, tombstone)', labelNames: ['dataset', 'kind'], registers: [registry] });
  const loadSeconds = new Histogram({ name: 'loader_load_seconds', help: 'From a valid upload to its version being committed or found live', labelNames: ['dataset'], buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120], registers: [registry] });
  const count = (request: FastifyRequest, outcome: Outcome) => {
    if (request.method !== 'PUT') return;
    const dataset = (request.params as { dataset?: string } | undefined)?.dataset;
    loads.inc({ dataset: dataset && isDatasetName(dataset) ? dataset : 'unknown', outcome });
  };

  // A gzip body is read decompressed (the limit applies to what it inflates to), so the same
  // file is the same version whether it travelled compressed or not.
  app.addHook('preParsing', async (request, _reply, payload) => {
    const encoding = request.headers['content-encoding']?.toLowerCase();
    if (!encoding || encoding === 'identity') return payload;
    if (encoding !== 'gzip') throw new LoaderHttpError(415, 'ERR_LOADER_ENCODING', 'content-encoding', `${encoding} is not supported (gzip)`);
    const inflate = Object.assign(createGunzip(), { receivedEncodedLength: 0 });
    payload.on('error', (error) => inflate.destroy(error));
    payload.on('data', (chunk: Buffer) => void (inflate.receivedEncodedLength += chunk.length));
    return payload.pipe(inflate);
  });

  // Bodies stay bytes: the version is the checksum of exactly what was delivered.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([...CSV_TYPES, ...JSON_TYPES], { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    const code = (error as FastifyError).code;
    let status: number;
    let body: Record<string, unknown>;
    if (error instanceof LoaderHttpError) {
      status = error.statusCode;
      body = { code: error.code, field: error.field, reason: error.reason };
      if (status === 401) reply.header('www-authenticate', 'Bearer realm="cdp-loader"');
      count(request, status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : 'refused');
    } else if (error instanceof DeliveryRefusedError) {
      status = 400;
      body = { code: error.code, reason: `the delivery is refused whole, nothing was loaded: ${error.errorCount} error${error.errorCount === 1 ? '' : 's'}`, errorCount: error.errorCount, errors: error.errors };
      count(request, 'refused');
    } else if (error instanceof LoaderUsageError) {
      status = 400;
      body = { code: error.code, reason: error.message };
      count(request, 'refused');
    } else if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413;
      body = { code: 'ERR_LOADER_TOO_LARGE', field: '(body)', reason: `is larger than ${maxBodyBytes} bytes` };
      count(request, 'refused');
    } else if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      status = 415;
      body = { code: 'ERR_LOADER_CONTENT_TYPE', field: 'content-type', reason: `must be text/csv, application/json or application/x-ndjson` };
      count(request, 'refused');
    } else if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') {
      status = 400;
      body = { code: 'ERR_LOADER_ENCODING', field: '(body)', reason: 'is not valid gzip data' };
      count(request, 'refused');
    } else if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' || (error as FastifyError).statusCode === 400) {
      status = 400;
      body = { code: 'ERR_LOADER_INVALID', field: '(body)', reason: 'is empty or unreadable' };
      count(request, 'refused');
    } else if (error instanceof CdpError && error.code === 'ERR_KAFKA_TRANSACTION_FENCED') {
      status = 409;
      body = { code: 'ERR_LOADER_CONCURRENT', reason: 'another load of the same dataset and scope started meanwhile and won; nothing of this one was published' };
      count(request, 'failed');
    } else if (error instanceof TransientError) {
      status = 503;
      reply.header('retry-after', '10');
      body = { code: error.code, reason: 'Kafka or the schema registry is unavailable; nothing was published, retry later' };
      request.log.error({ err: error }, 'load failed');
      count(request, 'failed');
    } else {
      status = 500;
      body = { code: error instanceof CdpError ? error.code : 'ERR_LOADER_INTERNAL', reason: 'the load failed; nothing was published' };
      request.log.error({ err: error }, 'load failed');
      count(request, 'failed');
    }
    void reply.status(status).send({ success: false, ...body });
  });

  // The key is checked before the body is read: a stranger learns nothing, and sends nothing big.
  const keyByRequest = new WeakMap<FastifyRequest, UploadKey>();
  app.addHook('onRequest', async (request) => {
    if (!request.routeOptions.config.uploadKey) return;
    const token = bearerOf(request.headers.authorization);
    if (!token) throw new LoaderHttpError(401, 'ERR_LOADER_UNAUTHORIZED', undefined, 'no upload key: send Authorization: Bearer <key>');
    const key = keys.byKey(token);
    if (!key) throw new LoaderHttpError(401, 'ERR_LOADER_UNAUTHORIZED', undefined, 'unknown upload key');
    keyByRequest.set(request, key);
  });

  type UploadRequest = FastifyRequest<{ Params: { dataset: string }; Querystring: { partner?: string }; Body: Buffer }>;
  const grantOf = (request: UploadRequest) => {
    const key = keyByRequest.get(request)!;
    const { dataset } = request.params;
    if (!isDatasetName(dataset)) throw new LoaderHttpError(404, 'ERR_LOADER_UNKNOWN_DATASET', 'dataset', `${dataset} is not a dataset (datasets: ${DATASET_NAMES.join(', ')})`);
    const grant = authorize(key, dataset, request.query.partner);
    if (!grant.ok) throw new LoaderHttpError(grant.status, grant.status === 403 ? 'ERR_LOADER_FORBIDDEN' : 'ERR_LOADER_INVALID', grant.field, grant.reason);
    return { key, dataset, partner: grant.partner };
  };

  app.put<{ Params: { dataset: string }; Querystring: { partner?: string }; Body: Buffer }>(
    '/v1/datasets/:dataset',
    {
      config: { uploadKey: true },
      // Scope and dataset are checked before the body is read, like the key.
      onRequest: async (request) => void grantOf(request),
    },
    async (request) => {
      const { key, dataset, partner } = grantOf(request);
      if (!Buffer.isBuffer(request.body) || request.body.length === 0) throw new LoaderHttpError(400, 'ERR_LOADER_INVALID', '(body)', 'is empty: send the whole version of the dataset');
      const format = formatOf(request.headers['content-type']);
      if (!DATASETS[dataset].formats.includes(format)) throw new LoaderHttpError(415, 'ERR_LOADER_CONTENT_TYPE', 'content-type', `${dataset} is read from ${DATASETS[dataset].formats.join(' or ')}`);
      const stop = loadSeconds.startTimer({ dataset });
      const result = await loader.load({ dataset, bytes: request.body, format, sourceName: `upload:${partner ?? key.name}`, tenant: key.tenant, ...(partner ? { partner } : {}) });
      stop();
      loads.inc({ dataset, outcome: result.status });
      published.inc({ dataset, kind: 'upsert' }, result.upserts);
      published.inc({ dataset, kind: 'tombstone' }, result.tombstones);
      return { success: true, ...result };
    },
  );

  app.get('/v1/datasets', { config: { uploadKey: true } }, async (request) => {
    const key = keyByRequest.get(request)!;
    const visible = (dataset: DatasetName) => (scope: string) =>
      dataset === 'demographics' ? true : dataset === 'segments' ? (key.partner ? scope === `${key.tenant}.${key.partner}` : scope.startsWith(`${key.tenant}.`)) : scope === key.tenant;
    const datasets = await Promise.all(
      key.datasets.map(async (dataset) => ({
        dataset,
        formats: DATASETS[dataset].formats,
        scope: DATASETS[dataset].scopeDescription,
        live: await loader.live(dataset, visible(dataset)),
      })),
    );
    return { key: key.name, tenant: key.tenant, ...(key.partner ? { partner: key.partner } : {}), datasets };
  });

  const health = async () => ({ service: 'loader', status: 'ok' });
  app.get('/health', health);
  app.get('/healthz', health);
  return app;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route needs an upload key (Authorization: Bearer). */
    uploadKey?: boolean;
  }
}
