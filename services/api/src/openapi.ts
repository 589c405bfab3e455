/**
 * The OpenAPI document of the customer API, from the routes' own schemas, written to
 * docs/openapi.json for client generators (`pnpm --filter @cdp/api openapi`; a unit test fails
 * when the file drifts from the routes). The running API serves the same at /openapi.json.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, parseConsentPolicy, Registry } from '@cdp/plumbing';
import { buildHttpApp } from './adapters/http';
import type { ClickHouseReads } from './adapters/clickhouse-reads';
import type { Recommender } from './adapters/recommender';
import { parseApiKeys, type ApiKeys } from './core/api-keys';
import { ErasureBook } from './core/erasures';
import { IdentifierBlockBook } from './core/identifier-blocks';
import { LandingFeed } from './core/landing-feed';
import { PersonCache } from './core/person-cache';
import { PersonDirectory } from './core/person-directory';
import { ReferenceData } from './core/reference-data';

export const OPENAPI_FILE = join(__dirname, '..', '..', '..', 'docs', 'openapi.json');

/** The app's dependencies with nothing behind them: for the document, and for tests that replace what they exercise. */
export const offlineAppOptions = (keys: ApiKeys): Parameters<typeof buildHttpApp>[0] => ({
  keys,
  directory: new PersonDirectory(),
  reads: {} as ClickHouseReads,
  recommender: {} as Recommender,
  reference: new ReferenceData(),
  caches: { activity: new PersonCache({ maxEntries: 1, maxAgeMs: 0 }), bought: new PersonCache({ maxEntries: 1, maxAgeMs: 0 }), consent: new PersonCache({ maxEntries: 1, maxAgeMs: 0 }) },
  policy: parseConsentPolicy(
    {
      default: {
        purposes: { analytics: { policy: 'opt-out', categories: [] }, personalisation: { policy: 'opt-out', categories: [] }, marketing: { policy: 'opt-out', categories: [] } },
        partners: {},
      },
      tenants: {},
    },
    '(none)',
  ),
  erasures: { book: new ErasureBook(), write: async () => false },
  blocks: { book: new IdentifierBlockBook(), write: async () => false },
  landings: new LandingFeed(),
  salt: 'openapi-document-only',
  logger: createLogger('api', 'silent'),
  registry: new Registry(),
  ready: () => false,
  excludeDays: 30,
});

/** The document as JSON text; no server is started and nothing is read. */
export async function openApiDocument(): Promise<string> {
  const keys = parseApiKeys({ keys: [{ name: 'none', sha256: '0'.repeat(64), tenant: 'none', scopes: ['kpi:read'] }] }, '(none)');
  const app = buildHttpApp(offlineAppOptions(keys));
  await app.ready();
  const text = `${JSON.stringify(app.swagger(), null, 2)}\n`;
  await app.close();
  return text;
}

if (require.main === module) {
  void openApiDocument().then((text) => {
    writeFileSync(OPENAPI_FILE, text);
    process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
  });
}
