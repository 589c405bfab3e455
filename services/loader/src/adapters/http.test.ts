import { gzipSync } from 'node:zlib';
import { createLogger, createTelemetry } from '@cdp/plumbing';
import { DeliveryRefusedError } from '../core/errors';
import { keyHash, parseKeys } from '../core/keys';
import { buildHttpApp } from './http';
import type { Loader, LoadRequest, LoadResult, ScopeState } from './kafka-loader';

const keys = parseKeys(
  {
    keys: [
      { name: 'ops', sha256: keyHash('ops-key'), tenant: 'demo', datasets: ['catalogue', 'stores', 'segments', 'demographics'] },
      { name: 'nordic-loyalty', sha256: keyHash('partner-key'), tenant: 'demo', datasets: ['segments'], partner: 'nordic-loyalty' },
    ],
  },
  'keys.json',
);

/** A loader that records what it was asked and answers as told. */
function fakeLoader(answer: (r: LoadRequest) => LoadResult | Promise<LoadResult> = (r) => result(r)) {
  const requests: LoadRequest[] = [];
  const loader: Loader = {
    async load(request) {
      requests.push(request);
      return answer(request);
    },
    async live(_dataset, include = () => true) {
      const states: ScopeState[] = [
        { scope: 'demo.nordic-loyalty', records: 2, versions: { v1: 2 }, sources: ['upload:nordic-loyalty'], lastLoadedAt: 1 },
        { scope: 'demo.other', records: 1, versions: { v2: 1 }, sources: ['upload:other'], lastLoadedAt: 2 },
        { scope: 'demo', records: 3, versions: { v3: 3 }, sources: ['catalogue.csv'], lastLoadedAt: 3 },
      ];
      return states.filter((s) => include(s.scope, ''));
    },
  };
  return { loader, requests };
}

const result = (r: LoadRequest): LoadResult => ({ dataset: r.dataset, topic: 't', scope: 's', version: 'abc', sourceName: r.sourceName, status: 'published', records: 1, upserts: 1, tombstones: 0, unchanged: 0, loadedAt: 1 });

function app(loader: Loader, maxBodyBytes = 10_000) {
  const { registry } = createTelemetry('loader-test');
  return { app: buildHttpApp({ loader, keys, logger: createLogger('test', 'silent'), registry, maxBodyBytes }), registry };
}

const put = (dataset: string, key: string | undefined, body: string, contentType = 'text/csv', query = '') => ({
  method: 'PUT' as const,
  url: `/v1/datasets/${dataset}${query}`,
  headers: { 'content-type': contentType, ...(key ? { authorization: `Bearer ${key}` } : {}) },
  payload: body,
});

describe('loader HTTP', () => {
  it('answers 401 without a key or with an unknown one, before anything else', async () => {
    const { loader, requests } = fakeLoader();
    const { app: a } = app(loader);
    const none = await a.inject(put('catalogue', undefined, 'x'));
    expect([none.statusCode, none.headers['www-authenticate'], none.json()]).toEqual([401, 'Bearer realm="cdp-loader"', { success: false, code: 'ERR_LOADER_UNAUTHORIZED', reason: 'no upload key: send Authorization: Bearer <key>' }]);
    expect((await a.inject(put('no-such-dataset', 'wrong-key', 'x'))).statusCode).toBe(401);
    expect(requests).toEqual([]);
  });

  it('answers 403 to a partner key writing another dataset or speaking for another partner', async () => {
    const { loader, requests } = fakeLoader();
    const { app: a } = app(loader);
    const catalogue = await a.inject(put('catalogue', 'partner-key', 'sku,name\nA,a\n'));
    expect([catalogue.statusCode, catalogue.json()]).toEqual([403, { success: false, code: 'ERR_LOADER_FORBIDDEN', field: 'dataset', reason: 'key nordic-loyalty may not write catalogue (it may write segments)' }]);
    expect((await a.inject(put('segments', 'partner-key', 'email,segment\n', 'text/csv', '?partner=acme'))).statusCode).toBe(403);
    expect(requests).toEqual([]);
  });

  it('hands a valid upload to the loader with the key tenant, the partner from the key and the bytes as sent', async () => {
    const { loader, requests } = fakeLoader();
    const { app: a, registry } = app(loader);
    const body = 'email,segment\nanna@example.com,runner\n';
    const res = await a.inject(put('segments', 'partner-key', body, 'text/csv; charset=utf-8'));
    expect([res.statusCode, res.json()]).toEqual([200, { success: true, dataset: 'segments', topic: 't', scope: 's', version: 'abc', sourceName: 'upload:nordic-loyalty', status: 'published', records: 1, upserts: 1, tombstones: 0, unchanged: 0, loadedAt: 1 }]);
    expect(requests).toEqual([{ dataset: 'segments', bytes: Buffer.from(body), format: 'csv', sourceName: 'upload:nordic-loyalty', tenant: 'demo', partner: 'nordic-loyalty' }]);
    expect(await registry.getSingleMetricAsString('loader_loads_total')).toContain('loader_loads_total{dataset="segments",outcome="published",service="loader-test"} 1');
  });

  it('lets an operator key name the partner, reads JSON Lines, and needs a partner for segments', async () => {
    const { loader, requests } = fakeLoader();
    const { app: a } = app(loader);
    expect((await a.inject(put('segments', 'ops-key', '{"email":"a@example.com","segment":"x"}\n', 'application/x-ndjson', '?partner=acme'))).statusCode).toBe(200);
    expect(requests.map((r) => [r.format, r.partner, r.sourceName])).toEqual([['json', 'acme', 'upload:acme']]);
    const missing = await a.inject(put('segments', 'ops-key', 'email,segment\n'));
    expect([missing.statusCode, missing.json().field]).toEqual([400, 'partner']);
  });

  it('reads a gzip body as the bytes it inflates to, and refuses other encodings', async () => {
    const { loader, requests } = fakeLoader();
    const { app: a } = app(loader);
    const body = 'sku,name\nA,a\n';
    const res = await a.inject({ ...put('catalogue', 'ops-key', ''), payload: gzipSync(body), headers: { 'content-type': 'text/csv', 'content-encoding': 'gzip', authorization: 'Bearer ops-key' } });
    expect(res.statusCode).toBe(200);
    expect(requests[0]!.bytes).toEqual(Buffer.from(body));
    const br = await a.inject({ ...put('catalogue', 'ops-key', body), headers: { 'content-type': 'text/csv', 'content-encoding': 'br', authorization: 'Bearer ops-key' } });
    expect([br.statusCode, br.json().code]).toEqual([415, 'ERR_LOADER_ENCODING']);
    const broken = await a.inject({ ...put('catalogue', 'ops-key', ''), payload: Buffer.from('not gzip'), headers: { 'content-type': 'text/csv', 'content-encoding': 'gzip', authorization: 'Bearer ops-key' } });
    expect([broken.statusCode, broken.json().code]).toEqual([400, 'ERR_LOADER_ENCODING']);
  });

  it('answers 400 with every error of a refused delivery', async () => {
    const errors = [{ line: 3, field: 'name', reason: 'is required' }, { line: 5, field: 'price', reason: 'must be a number' }];
    const { loader } = fakeLoader(() => {
      throw new DeliveryRefusedError('catalogue', 'upload:ops', errors, 2);
    });
    const res = await app(loader).app.inject(put('catalogue', 'ops-key', 'sku,name\n'));
    expect([res.statusCode, res.json()]).toEqual([400, { success: false, code: 'ERR_LOADER_INVALID', reason: 'the delivery is refused whole, nothing was loaded: 2 errors', errorCount: 2, errors }]);
  });

  it('answers 404, 413 and 415 for an unknown dataset, a body too large and a content type the dataset is not read from', async () => {
    const { loader, requests } = fakeLoader();
    const { app: a } = app(loader, 2048);
    expect((await a.inject(put('prices', 'ops-key', 'x'))).statusCode).toBe(404);
    expect((await a.inject(put('catalogue', 'ops-key', 'x'.repeat(4096)))).statusCode).toBe(413);
    expect((await a.inject(put('stores', 'ops-key', 'storeId\nX\n'))).json()).toMatchObject({ code: 'ERR_LOADER_CONTENT_TYPE', reason: 'stores is read from json' });
    expect((await a.inject(put('catalogue', 'ops-key', 'x', 'application/xml'))).statusCode).toBe(415);
    expect((await a.inject(put('catalogue', 'ops-key', ''))).statusCode).toBe(400);
    expect(requests).toEqual([]);
  });

  it('lists the live versions a key may see', async () => {
    const { loader } = fakeLoader();
    const { app: a } = app(loader);
    const partner = (await a.inject({ method: 'GET', url: '/v1/datasets', headers: { authorization: 'Bearer partner-key' } })).json();
    expect(partner).toMatchObject({ key: 'nordic-loyalty', partner: 'nordic-loyalty', datasets: [{ dataset: 'segments', live: [{ scope: 'demo.nordic-loyalty', versions: { v1: 2 } }] }] });
    expect(partner.datasets[0].live).toHaveLength(1);
    const ops = (await a.inject({ method: 'GET', url: '/v1/datasets', headers: { authorization: 'Bearer ops-key' } })).json();
    expect(ops.datasets.map((d: { dataset: string; live: { scope: string }[] }) => [d.dataset, d.live.map((s) => s.scope)])).toEqual([
      ['catalogue', ['demo']],
      ['stores', ['demo']],
      ['segments', ['demo.nordic-loyalty', 'demo.other']],
      ['demographics', ['demo.nordic-loyalty', 'demo.other', 'demo']],
    ]);
    expect((await a.inject({ method: 'GET', url: '/v1/datasets' })).statusCode).toBe(401);
  });
});
