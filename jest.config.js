// Two projects: `unit` runs pure logic with no servers; `integration` talks to the real
// Kafka, schema registry and ClickHouse that infra/test.sh starts once for the whole run.
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
const ignore = ['/node_modules/', '/dist/', '/.stack/'];

module.exports = {
  // Integration tests wait on real servers sharing two cores: a generous bound per test.
  testTimeout: 120_000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testPathIgnorePatterns: [...ignore, '\\.int\\.test\\.ts$', '/e2e/'],
      testMatch: ['**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testPathIgnorePatterns: ignore,
      testMatch: ['**/*.int.test.ts', '<rootDir>/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/infra/src/testing/require-stack.ts',
    },
  ],
};
