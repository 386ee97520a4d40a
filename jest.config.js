/** @type {import('jest').Config} */
// Octokit (and a few of its helpers) ship ESM only. Node 20 can require() them at run time, but
// Jest's module loader cannot on Node < 24.9, so swc compiles those node_modules to CommonJS.
const esmOnly = [
  '@octokit',
  'universal-user-agent',
  'before-after-hook',
  'fast-content-type-parse',
  'json-with-bigint',
  'content-type',
  'toad-cache',
  'universal-github-app-jwt',
];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest'] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  // @octokit/webhooks-methods exports only an `import` entry, which Jest's require() resolution
  // (what swc turns Ferry's import() into) does not take: point at that entry; swc compiles it above.
  moduleNameMapper: { '^@octokit/webhooks-methods$': '<rootDir>/node_modules/@octokit/webhooks-methods/dist-node/index.js' },
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  testTimeout: 60_000,
  // The end-to-end suites start workers and Redis clients; two at a time suits a 2-core machine.
  maxWorkers: 2,
};
