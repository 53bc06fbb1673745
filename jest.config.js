/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // The fault-injection suite runs on its own: `npm run test:faults` (jest.faults.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/faults/'],
  setupFiles: ['<rootDir>/test/support/quiet-runtime.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  // Temporal servers are heavy on a small machine: at most two suites at once.
  maxWorkers: 2,
  testTimeout: 60_000,
  reporters: ['default', ['<rootDir>/test/support/summary-reporter.js', {}]],
};
