// Two projects: `unit` runs pure logic with no servers; `integration` talks to the real
// Kafka, schema registry and ClickHouse that infra/test.sh starts once for the whole run.
// Node 20's jest cannot require ES modules; the few ESM-only packages in the dependency tree
// (content-disposition via @fastify/static, the @platformatic/kafka producer and its two helpers,
// puppeteer-core for Firefox and the two of its own it loads, cookie, which @fastify/cookie imports
// at run time) are compiled to CommonJS like our own code.
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
  '/node_modules/.+\\.m?js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
};
const ESM_ONLY = ['content-disposition', '@fastify/cookie', 'cookie', '@platformatic/kafka', '@platformatic/dynamic-buffer', '@platformatic/wasm-utils', 'puppeteer-core', '@puppeteer/browsers', 'chromium-bidi'];
// pnpm's store folder names a scoped package "@scope+name@version".
const inStore = ESM_ONLY.map((name) => name.replace('/', '\\+')).join('|');
const transformIgnorePatterns = [`/node_modules/(?!\\.pnpm/(${inStore})@|(${ESM_ONLY.join('|')})/)`];
const ignore = ['/node_modules/', '/dist/', '/.stack/'];

module.exports = {
  // Integration tests wait on real servers sharing two cores: a generous bound per test.
  testTimeout: 120_000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testPathIgnorePatterns: [...ignore, '\\.int\\.test\\.ts$', '/e2e/'],
      testMatch: ['**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testPathIgnorePatterns: ignore,
      testMatch: ['**/*.int.test.ts', '<rootDir>/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/infra/src/testing/require-stack.ts',
      setupFiles: ['<rootDir>/infra/src/testing/preload-kafkajs.ts'],
    },
  ],
};
