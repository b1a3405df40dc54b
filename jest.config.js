// @ts-check
/** Three projects: `npm test` runs unit + integration (on PGlite, or on PostgreSQL when
 *  DATABASE_URL is set); `npm run test:e2e` drives Chromium. */
const transform = { '^.+\\.ts$': ['@swc/jest', {}] };
const common = { transform, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'] };
const withDatabase = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};

/** @type {import('jest').Config} */
module.exports = {
  // Per-project testTimeout is ignored by jest; opening a database per file needs more than 5 s on 2 busy cores.
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, ...withDatabase, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...common, ...withDatabase, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
};
