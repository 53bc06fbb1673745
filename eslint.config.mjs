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
            { group: ['drizzle-orm/*', '../db/*', '../api/*', '../messaging/*', '../bootstrap/*'], message: 'workflows/ must not reach the database, HTTP or messaging' },
            { group: ['../activities', '../activities/*', '../services/*'], allowTypeImports: true, message: 'workflows/ may import only the types of activities and services' },
            { group: ['./*.client'], message: 'the typed workflow clients are client code: the workflow bundle must not import them' },
          ],
        },
      ],
    },
  },
  {
    // One typed client per workflow (workflows/*.client.ts) starts it and sends its updates; nothing else does.
    files: ['**/*.ts'],
    ignores: ['workflows/**/*.client.ts', 'test/**', 'bench/**', 'observability/temporal-interceptors.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
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
