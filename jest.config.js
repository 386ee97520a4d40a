/** @type {import('jest').Config} */
// Octokit (and a few of its helpers) ship ESM only. Node 20 can require() them at run time, but
// Jest's module loader cannot on Node < 24.9, so swc compiles those node_modules to CommonJS.
const esmOnly = ['@octokit', 'universal-user-agent', 'before-after-hook', 'bottleneck', 'fast-content-type-parse', 'json-with-bigint', 'content-type', 'toad-cache'];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest'] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
};
