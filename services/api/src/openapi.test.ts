import { readFileSync } from 'node:fs';
import { openApiDocument, OPENAPI_FILE } from './openapi';

test('docs/openapi.json is the document the routes make (pnpm --filter @cdp/api openapi writes it)', async () => {
  const document = await openApiDocument();
  expect(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'))).toEqual(JSON.parse(document));
  const paths = Object.keys(JSON.parse(document).paths as object);
  expect(paths).toContain('/v1/profiles/{type}/{value}');
  expect(paths).toContain('/v1/erasures/{requestId}');
  expect(paths).toContain('/v1/identity/blocks/{type}/{value}');
  expect(paths).toEqual(expect.arrayContaining(['/v1/kpis/stores', '/v1/kpis/stores/{storeId}/dwell', '/v1/kpis/segments/growth', '/v1/kpis/partner-segments/reach', '/v1/kpis/freshness']));
  expect(paths).toHaveLength(27);
});
