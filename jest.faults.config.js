/**
 * `npm run test:faults`: the fault-injection suite (test/faults), run apart from `npm test`. Its
 * scenarios start their own PostgreSQL cluster, Temporal dev server and worker processes, and kill
 * them: one scenario at a time.
 */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  maxWorkers: 1,
  testTimeout: 300_000,
};
