// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

/** Packages that only run in Node: never inside the deterministic workflow sandbox. */
const nodeOnly = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  'pg',
  'drizzle-orm',
  'drizzle-orm/*',
  '@electric-sql/pglite',
  'nodemailer',
  'twilio',
  'pino',
  'pino-http',
  'express',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
];

/**
 * An import of a top-level folder, from anywhere below the project root (`../api/x`, `../../api`).
 * The layers are described in docs/development.md.
 */
const toFolder = (folders, message) => ({ regex: `^(\\.\\./)+(${folders.join('|')})(/|$)`, message });
const noApi = toFolder(['api'], 'only api/ knows HTTP: put what both need in resources/, domain/ or services/');
const noServicesInWorkflows = toFolder(['services'], 'workflows/ import nothing from services/ (not even types): put the type in domain/ or the workflow\'s *.messages.ts');
const domainBoundary = {
  paths: [{ name: 'express', message: 'domain/ is pure: no HTTP' }],
  patterns: [
    toFolder(['services', 'db', 'api', 'activities'], 'domain/ is pure: no services, database, HTTP or activities'),
    { regex: '^(\\.\\./)+workflows/.*\\.client$', message: 'domain/ is pure: the workflow clients talk to Temporal' },
  ],
};

// One typed client per workflow (workflows/*.client.ts) starts it and sends its updates; nothing else does.
const oneStarterPerWorkflow = [
  {
    selector: "CallExpression[callee.property.name=/^(executeUpdate|startUpdate)$/]",
    message: 'Send workflow updates through the typed client beside the workflow (workflows/<name>.client.ts)',
  },
  {
    selector:
      "CallExpression:matches([callee.object.property.name='workflow'], [callee.object.name='workflow'])[callee.property.name=/^(start|execute|signalWithStart)$/], CallExpression[callee.property.name=/^(signalWithStart|executeUpdateWithStart|startUpdateWithStart)$/]",
    message: "Start a workflow through its starter beside the workflow (workflows/<name>.client.ts): it owns the id, policies and search attributes",
  },
  {
    selector: "Property[key.name='type'][value.value='startWorkflow']",
    message: "A Schedule's start action belongs to the workflow's starter (workflows/<name>.client.ts)",
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', '.tools/', 'dist/', 'db/migrations/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-empty-function': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    // The typed clients live beside their messages but are client code, outside the workflow bundle.
    ignores: ['workflows/**/*.client.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeOnly.filter((n) => !n.includes('*')).map((name) => ({ name, message: 'workflows/ holds deterministic code only: no Node builtins or Node-only packages' })),
          patterns: [
            { group: ['drizzle-orm/*', '../db/*', '../messaging/*', '../bootstrap/*'], message: 'workflows/ must not reach the database or messaging' },
            { group: ['../activities', '../activities/*'], allowTypeImports: true, message: 'workflows/ may import only the types of activities' },
            { group: ['./*.client'], message: 'the typed workflow clients are client code: the workflow bundle must not import them' },
            noServicesInWorkflows,
            noApi,
          ],
        },
      ],
    },
  },
  // Layer boundaries (one no-restricted-imports per file: a later block would replace an earlier one's options).
  { files: ['workflows/**/*.client.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [noServicesInWorkflows, noApi] }] } },
  { files: ['domain/**/*.ts'], rules: { 'no-restricted-imports': ['error', domainBoundary] } },
  { files: ['{activities,services,files,resources,messaging}/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [noApi] }] } },
  {
    // One typed client per workflow (workflows/*.client.ts) starts it and sends its updates; nothing else does.
    files: ['**/*.ts'],
    ignores: ['workflows/**/*.client.ts', 'test/**', 'bench/**', 'observability/temporal-interceptors.ts', 'temporal/execute-update.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...oneStarterPerWorkflow],
    },
  },
  {
    // The typed clients run their updates through one helper, which sends again an update the server dropped.
    files: ['workflows/**/*.client.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name=/^(executeUpdate|startUpdate)$/]",
          message: 'Run updates with executeUpdate (temporal/execute-update.ts): it sends an update the server dropped with a failed workflow task again',
        },
      ],
    },
  },
  {
    // A wait a signal may end cancels its timer; conditionOrTimeout leaves one about to fire alone.
    // (After the block above: the later block's options replace the earlier's for the same file.)
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.client.ts', 'workflows/condition-or-timeout.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...oneStarterPerWorkflow,
        {
          selector: "CallExpression[callee.name='condition'][arguments.length>1]",
          message: 'Wait with conditionOrTimeout (workflows/condition-or-timeout.ts): it leaves a timer due within a workflow task to fire instead of cancelling it',
        },
      ],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { module: 'writable', require: 'readonly', process: 'readonly', console: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
