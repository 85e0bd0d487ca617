/**
 * One run, several projects: the unit, contract and integration tests once, and
 * the end-to-end protocol suite (test/e2e/*.e2e.test.ts) once per storage engine,
 * from the same files. `startTestServer()` opens each server on its project's
 * engine (test/support/engines.ts).
 *
 * The protocol suite runs once more over WebSocket (project e2e:websocket, on
 * SQLite): the global CHAT_TEST_TRANSPORT sends every client the tests open through
 * the server's /ws instead of its TCP port (test/support/transports.ts).
 *
 * The MySQL/MariaDB project runs when CHAT_TEST_MYSQL_URL is set, and always
 * under CI=true (where a missing database fails the run instead of skipping);
 * test/support/global-setup.ts says why it is left out otherwise.
 *
 * The cluster project (test/e2e/cluster: several built server processes sharing
 * one chat through Redis and MySQL/MariaDB) runs when both CHAT_TEST_MYSQL_URL
 * and CHAT_TEST_REDIS_URL are set, and always under CI=true.
 *
 * The browser project (test/browser) drives the web client in headless Chromium;
 * without one it skips, except under CI=true.
 */
const common = {
  testEnvironment: 'node',
  transform: {
    // Inversify 8 ships ESM only; Jest on Node 20 needs it transformed like our sources.
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true }, diagnostics: false }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(inversify|@inversifyjs)/)'],
};

/** The protocol suite: every top-level e2e file but those about one engine's files or processes. */
const protocolSuite = ['<rootDir>/test/e2e/*.e2e.test.ts'];
const notEngineNeutral = [
  '/test/e2e/process\\.e2e\\.test\\.ts$', // the built server process on a SQLite file
  '/test/e2e/embedding\\.e2e\\.test\\.ts$', // the README's example, in-memory by design
];

const withMysql = Boolean(process.env.CHAT_TEST_MYSQL_URL?.trim()) || process.env.CI === 'true';
const withCluster =
  (Boolean(process.env.CHAT_TEST_MYSQL_URL?.trim()) && Boolean(process.env.CHAT_TEST_REDIS_URL?.trim())) || process.env.CI === 'true';

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 20000,
  reporters: ['default', '<rootDir>/test/support/engine-summary-reporter.js'],
  projects: [
    {
      ...common,
      displayName: 'unit, contract, integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/', '<rootDir>/test/browser/'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
    {
      ...common,
      displayName: 'e2e:sqlite',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/mysql/', '<rootDir>/test/e2e/cluster/'],
      globals: { CHAT_TEST_ENGINE: 'sqlite' },
    },
    {
      ...common,
      displayName: 'e2e:in-memory',
      testMatch: protocolSuite,
      testPathIgnorePatterns: ['/node_modules/', ...notEngineNeutral],
      globals: { CHAT_TEST_ENGINE: 'in-memory' },
    },
    {
      ...common,
      displayName: 'e2e:websocket',
      testMatch: protocolSuite,
      testPathIgnorePatterns: ['/node_modules/', ...notEngineNeutral],
      globals: { CHAT_TEST_ENGINE: 'sqlite', CHAT_TEST_TRANSPORT: 'websocket' },
    },
    {
      ...common,
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.test.ts'],
    },
    ...(withMysql
      ? [
          {
            ...common,
            displayName: 'e2e:mysql',
            testMatch: [...protocolSuite, '<rootDir>/test/e2e/mysql/**/*.test.ts'],
            testPathIgnorePatterns: ['/node_modules/', ...notEngineNeutral],
            globals: { CHAT_TEST_ENGINE: 'mysql' },
          },
        ]
      : []),
    ...(withCluster
      ? [
          {
            ...common,
            displayName: 'e2e:cluster',
            testMatch: ['<rootDir>/test/e2e/cluster/**/*.test.ts'],
            testPathIgnorePatterns: ['/node_modules/'],
            globals: { CHAT_TEST_ENGINE: 'mysql' },
          },
        ]
      : []),
  ],
};
