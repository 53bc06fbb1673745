/**
 * `npm run bench`: the benchmarks of BENCHMARKS.md against the real stack (Temporal dev server or
 * the production-shaped one, PGlite or PostgreSQL, SMTP, HTTP). Sizes default to the full run;
 * pass smaller ones while developing, e.g. `npm run bench -- --invoices 500 --duration 3 --only transmission,api`.
 * `--smoke` is the regression guard CI runs (bench/smoke.ts).
 */
import { parseArgs } from 'node:util';
import { ensureTemporalCli } from '../temporal/binaries';
import { runApiThroughput } from './api-throughput';
import { runDebtorTransmission } from './debtor-transmission';
import { createBenchDatabase } from './bench-database';
import { startBenchStack } from './harness';
import { describeMachine } from './machine';
import { runPlacementFile } from './placement-file';
import type { MemorySample, SeededImport } from './protocol';
import { renderDebtorTransmission, renderFileUpdates, renderScaleOut, renderSignInFlood, renderSpreadsheetImport, renderTransmission, writeResults, type BenchResults } from './report';
import { runScaleOut } from './scale-out';
import { runSmoke } from './smoke';
import { PRODUCTION_TEMPORAL, TEMPORAL_KINDS, type TemporalKind } from './temporal-server';
import { daytimeTimezone, runTransmission } from './transmission';
import { measureWorkerMemory } from './worker-memory';
import { runSignInFlood } from './sign-in-flood';
import { runSpreadsheetImport } from './spreadsheet-import';
import { runCamtParse } from './camt-parse';
import { runUpdateFile } from './update-file';

const BENCHMARKS = ['transmission', 'api', 'memory', 'placement', 'signin', 'debtors', 'spreadsheet', 'updates', 'camt', 'scaleout'] as const;
type Benchmark = (typeof BENCHMARKS)[number];

const USAGE = `npm run bench -- [options]
  --only LIST            which benchmarks, comma-separated: ${BENCHMARKS.join(', ')} (default: all)
  --invoices N           invoices in the transmitted import, (a) and (c) (default 10000)
  --noop N               no-op workflows of the baseline (default: as many as invoices)
  --connections N        autocannon connections, (b) (default 10)
  --duration S           seconds per route, (b) (default 10)
  --placement-records N  records in the placement file, (d) (default 100000)
  --signin-rate N        console sign-ins a second with wrong passwords, (e) (default 50)
  --debtor-invoices N    invoices in the import of several invoices per debtor, (f) (default 10000)
  --debtors N            debtors those invoices belong to, (f) (default 2500)
  --spreadsheet-rows N   rows of the spreadsheets validated, (g) (default 10000)
  --update-records N     records in the update file, (h) (default 2000)
  --update-invoices N    invoices those records are about, (h) (default 500)
  --camt-entries N       entries of the camt.053 statement parsed, (i) (default 10000)
  --smtp-pool BOOL       reuse SMTP connections (SMTP_URL \`?pool=true\`) (default true)
  --temporal WHICH       dev: the CLI's dev server; production: the production-shaped server of
                         \`npm run temporal:server\` (built once); both: everything on dev, then (a)
                         again on production, beside it in the report (default dev)
  --production-invoices N
                         invoices of (a) on the production-shaped server with --temporal both
                         (default: --invoices)
  --scaleout-invoices N  invoices transmitted per phase of the scale-out case (default 2000); it
                         runs on the production-shaped server with PostgreSQL, --connections and
                         --duration per API process
  --dry-run              print the results, write nothing
  --smoke                the regression guard: small (a), (b) and (c) on the dev server, each
                         ratio against half its target (bench/targets.ts); writes nothing, exits 1
                         when one is below
Environment: RECOUP_BENCH_DATABASE_URL (a PostgreSQL server; a new database is created per run,
else embedded PGlite), TEMPORAL_SERVER_POSTGRES_URL (the production-shaped server's PostgreSQL,
two new databases per run; default: RECOUP_BENCH_DATABASE_URL's server), TEMPORAL_CLI, and the
RECOUP_WORKER_* tuning of the Recoup process; RECOUP_BENCH_CPU_PROFILE_DIR writes a V8 CPU profile
of every thread of the Recoup and placement processes there.`;

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number, not "${value}"`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      invoices: { type: 'string' },
      noop: { type: 'string' },
      connections: { type: 'string' },
      duration: { type: 'string' },
      'placement-records': { type: 'string' },
      'signin-rate': { type: 'string' },
      'debtor-invoices': { type: 'string' },
      debtors: { type: 'string' },
      'spreadsheet-rows': { type: 'string' },
      'update-records': { type: 'string' },
      'update-invoices': { type: 'string' },
      'camt-entries': { type: 'string' },
      'smtp-pool': { type: 'string', default: 'true' },
      temporal: { type: 'string', default: 'dev' },
      'scaleout-invoices': { type: 'string' },
      'production-invoices': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const log = (line: string) => console.log(line);
  const cliPath = ensureTemporalCli(process.env.TEMPORAL_CLI || undefined);
  const databaseUrl = process.env.RECOUP_BENCH_DATABASE_URL || undefined;
  if (values.smoke) {
    if (!(await runSmoke({ cliPath, databaseUrl, log }))) process.exitCode = 1;
    return;
  }
  const servers: TemporalKind[] = values.temporal === 'both' ? ['dev', 'production'] : [values.temporal as TemporalKind];
  if (!servers.every((k) => TEMPORAL_KINDS.includes(k))) throw new Error(`--temporal must be dev, production or both, not "${values.temporal}"`);
  const temporalPostgresUrl = process.env.TEMPORAL_SERVER_POSTGRES_URL || databaseUrl;
  const only = new Set((values.only ?? BENCHMARKS.join(',')).split(',').map((x) => x.trim()) as Benchmark[]);
  for (const b of only) if (!BENCHMARKS.includes(b)) throw new Error(`unknown benchmark "${b}"; choose from ${BENCHMARKS.join(', ')}`);
  const invoices = positive('invoices', values.invoices, 10_000);
  const sizes = {
    invoices,
    noopWorkflows: positive('noop', values.noop, invoices),
    connections: positive('connections', values.connections, 10),
    durationSeconds: positive('duration', values.duration, 10),
    placementRecords: positive('placement-records', values['placement-records'], 100_000),
    signInRate: positive('signin-rate', values['signin-rate'], 50),
    debtorInvoices: positive('debtor-invoices', values['debtor-invoices'], 10_000),
    debtors: positive('debtors', values.debtors, 2_500),
    spreadsheetRows: positive('spreadsheet-rows', values['spreadsheet-rows'], 10_000),
    productionInvoices: positive('production-invoices', values['production-invoices'], invoices),
    scaleOutInvoices: positive('scaleout-invoices', values['scaleout-invoices'], 2_000),
    updateRecords: positive('update-records', values['update-records'], 2_000),
    updateInvoices: positive('update-invoices', values['update-invoices'], 500),
    camtEntries: positive('camt-entries', values['camt-entries'], 10_000),
  };
  if (sizes.debtors > sizes.debtorInvoices) throw new Error('--debtors must not exceed --debtor-invoices');
  if (!['true', 'false'].includes(values['smtp-pool'])) throw new Error('--smtp-pool must be true or false');
  const smtpPool = values['smtp-pool'] === 'true';
  const runsScaleOut = only.has('scaleout') && servers.includes('production') && databaseUrl !== undefined;
  if (only.has('scaleout') && !runsScaleOut) {
    const why = 'the scale-out case needs --temporal production or both, and RECOUP_BENCH_DATABASE_URL';
    if (values.only?.includes('scaleout')) throw new Error(why);
    log(`(${why}: not run)`);
  }
  const began = Date.now();
  const results: Partial<BenchResults> = { date: new Date().toISOString(), sizes, smtpPool, ...(servers.includes('production') ? { productionTemporal: PRODUCTION_TEMPORAL } : {}) };
  const stackOptions = (temporal: TemporalKind) => ({ cliPath, databaseUrl, smtpPool, temporal, temporalPostgresUrl, log });
  const describeStack = (temporal: TemporalKind) => `Temporal ${temporal === 'dev' ? 'dev server' : 'production-shaped server'}, ${databaseUrl ? 'PostgreSQL; API and worker processes' : 'PGlite; one Recoup process'}, SMTP`;

  if (only.has('transmission') || only.has('api') || only.has('memory') || only.has('signin') || only.has('debtors')) {
    log(`starting the stack (${describeStack(servers[0]!)})…`);
    const stack = await startBenchStack(stackOptions(servers[0]!));
    try {
      results.machine = describeMachine(cliPath, `${stack.api.databaseKind === 'pglite' ? 'PGlite (embedded, one connection)' : 'PostgreSQL'} — ${stack.api.databaseVersion.split(' on ')[0]}`);
      const idle = await stack.worker.call<MemorySample>({ type: 'memory' });
      let seeded: SeededImport | undefined;
      if (only.has('transmission') || only.has('memory')) {
        log(`(a) transmission of ${invoices} invoices`);
        const a = await runTransmission(stack, { invoices, noopWorkflows: sizes.noopWorkflows, log });
        seeded = a.seeded;
        if (only.has('transmission')) results.transmission = a.result;
        if (only.has('memory')) {
          log(`(c) worker memory with ${invoices} open invoices`);
          results.workerMemory = await measureWorkerMemory(stack, idle, invoices, log);
        }
      }
      if (only.has('api')) {
        seeded ??= await stack.api.call<SeededImport>({ type: 'seed', invoices: 100, timezone: daytimeTimezone(), dueDate: '2027-06-01' });
        log(`(b) API throughput, ${sizes.connections} connections, ${sizes.durationSeconds} s per route`);
        results.api = await runApiThroughput(stack, seeded, { connections: sizes.connections, duration: sizes.durationSeconds, log });
      }
      if (only.has('signin')) {
        seeded ??= await stack.api.call<SeededImport>({ type: 'seed', invoices: 100, timezone: daytimeTimezone(), dueDate: '2027-06-01' });
        log(`(e) GET /invoices/{id} during a flood of ${sizes.signInRate} wrong console sign-ins a second`);
        results.signInFlood = await runSignInFlood(stack, seeded, { connections: sizes.connections, duration: sizes.durationSeconds, rate: sizes.signInRate, log });
      }
      // Last: its invoices stay open in the worker, and the other measures are of the stack without them.
      if (only.has('debtors')) {
        log(`(f) transmission of ${sizes.debtorInvoices} invoices over ${sizes.debtors} debtors`);
        results.debtorTransmission = await runDebtorTransmission(stack, {
          invoices: sizes.debtorInvoices,
          debtors: sizes.debtors,
          // Without (a) it measures a baseline of its own, as many no-op workflows as invoices unless --noop says otherwise.
          noopWorkflows: values.noop === undefined ? sizes.debtorInvoices : sizes.noopWorkflows,
          // The same run's baseline, measured once.
          ...(results.transmission ? { noop: results.transmission.noop } : {}),
          log,
        });
      }
    } finally {
      await stack.close();
    }
  }
  // --temporal both: (a) again on the production-shaped server, on a stack of its own.
  if (only.has('transmission') && servers.length > 1) {
    log(`starting the stack (${describeStack('production')})…`);
    const stack = await startBenchStack(stackOptions('production'));
    try {
      log(`(a) transmission of ${sizes.productionInvoices} invoices on the production-shaped server`);
      results.transmissionProduction = (await runTransmission(stack, { invoices: sizes.productionInvoices, noopWorkflows: sizes.noopWorkflows, log })).result;
    } finally {
      await stack.close();
    }
  }
  if (runsScaleOut) {
    log(`starting the stack (${describeStack('production')})…`);
    const stack = await startBenchStack(stackOptions('production'));
    try {
      log(`scale-out: ${sizes.scaleOutInvoices} invoices and POST /invoices, one API and one worker process, then two of each`);
      results.scaleOut = await runScaleOut(stack, { invoices: sizes.scaleOutInvoices, connections: sizes.connections, duration: sizes.durationSeconds, log });
    } finally {
      await stack.close();
    }
  }
  results.machine ??= describeMachine(cliPath, databaseUrl ? 'PostgreSQL' : 'PGlite (embedded, one connection)');
  if (only.has('placement')) {
    log(`(d) placement file of ${sizes.placementRecords} records`);
    const placementDatabase = databaseUrl ? await createBenchDatabase(databaseUrl) : undefined;
    try {
      results.placementFile = await runPlacementFile({ records: sizes.placementRecords, databaseUrl: placementDatabase?.url, log });
    } finally {
      await placementDatabase?.drop();
    }
  }
  if (only.has('spreadsheet')) {
    log(`(g) validating a spreadsheet of ${sizes.spreadsheetRows} rows, CSV and XLSX`);
    results.spreadsheetImport = await runSpreadsheetImport({ rows: sizes.spreadsheetRows, log });
  }
  if (only.has('updates')) {
    log(`(h) update file of ${sizes.updateRecords} records about ${sizes.updateInvoices} invoices`);
    results.updateFile = await runUpdateFile({ cliPath, databaseUrl, records: sizes.updateRecords, invoices: sizes.updateInvoices, log });
  }
  if (only.has('camt')) {
    log(`(i) parsing a camt.053 statement of ${sizes.camtEntries} entries`);
    results.camtParse = await runCamtParse({ entries: sizes.camtEntries, log });
  }
  results.totalSeconds = Math.round((Date.now() - began) / 100) / 10;
  const complete = results as BenchResults;
  if (values['dry-run']) {
    console.log(JSON.stringify(complete, null, 2));
    if (complete.transmission) console.log(renderTransmission(complete).join('\n'));
    if (complete.signInFlood) console.log(renderSignInFlood(complete.signInFlood).join('\n'));
    if (complete.debtorTransmission) console.log(renderDebtorTransmission(complete.debtorTransmission).join('\n'));
    if (complete.spreadsheetImport) console.log(renderSpreadsheetImport(complete.spreadsheetImport).join('\n'));
    if (complete.scaleOut) console.log(renderScaleOut(complete.scaleOut).join('\n'));
    console.log(renderFileUpdates(complete).join('\n'));
    return;
  }
  const written = writeResults(complete);
  log(`done in ${complete.totalSeconds} s; wrote ${written.json} and ${written.markdown}`);
}

main().then(
  // process.exitCode: the smoke run's verdict.
  () => process.exit(),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
