import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { apiRatios, type ApiResult } from './api-throughput';
import type { DebtorTransmissionResult } from './debtor-transmission';
import type { Machine } from './machine';
import type { PlacementFileResult } from './placement-file';
import type { ScaleOutResult } from './scale-out';
import { targetText } from './targets';
import { TEMPORAL_LABELS } from './temporal-server';
import type { TransmissionResult } from './transmission';
import type { WorkerMemoryResult } from './worker-memory';
import type { SignInFloodResult } from './sign-in-flood';
import type { SpreadsheetImportResult } from './spreadsheet-import';
import type { CamtParseResult } from './camt-parse';
import type { UpdateFileResult } from './update-file';

export interface BenchResults {
  date: string;
  machine: Machine;
  sizes: Record<string, number>;
  /** Whether the mailer reused SMTP connections (SMTP_URL `?pool=true`). */
  smtpPool: boolean;
  /** Wall-clock time of the whole run, setup included. */
  totalSeconds: number;
  /** Set when a stack ran on the production-shaped Temporal server (`--temporal production|both`): what it is. */
  productionTemporal?: string;
  /** (a) on the run's Temporal server (the dev server unless `--temporal production`). */
  transmission?: TransmissionResult;
  /** (a) again on the production-shaped server (`--temporal both`). */
  transmissionProduction?: TransmissionResult;
  api?: ApiResult;
  workerMemory?: WorkerMemoryResult;
  placementFile?: PlacementFileResult;
  signInFlood?: SignInFloodResult;
  debtorTransmission?: DebtorTransmissionResult;
  spreadsheetImport?: SpreadsheetImportResult;
  scaleOut?: ScaleOutResult;
  updateFile?: UpdateFileResult;
  camtParse?: CamtParseResult;
}

export const projectRoot = path.resolve(__dirname, '..');
const START = '<!-- bench:results:start (written by `npm run bench`: edits between these markers are overwritten) -->';
const END = '<!-- bench:results:end -->';

const mb = (b: number) => `${Math.round(b / 1024 / 1024)} MB`;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const table = (head: string[], rows: Array<Array<string | number>>) =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** The rows (a) and (f) share: the no-op baseline and the invoice workflows' starts against it. */
function startRows(t: Pick<TransmissionResult, 'noop' | 'allStartedMs' | 'startsPerSecond' | 'startRateRatio'>): Array<Array<string | number>> {
  return [
    [`no-op workflows started (${t.noop.workflows})`, s(t.noop.allStartedMs), t.noop.startsPerSecond, '1'],
    [`no-op workflows ran their one activity`, s(t.noop.allRanActivityMs), t.noop.ranPerSecond, '1'],
    ['invoice workflows started (transmit → import workflow done)', s(t.allStartedMs), t.startsPerSecond, t.startRateRatio],
  ];
}

export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const out: string[] = [
    `Measured ${r.date} on ${m.cpu} (${m.cores} cores), ${m.memoryGb} GB, ${m.os}; Node ${m.node}; ${m.temporal}${r.productionTemporal ? `; production-shaped: ${r.productionTemporal}` : ''}; database: ${m.database}; SMTP ${r.smtpPool ? 'pooled (`?pool=true`)' : 'one connection per message'}. Whole run: ${Math.round(r.totalSeconds)} s.`,
    '',
  ];
  if (r.transmission) out.push(...renderTransmission(r));
  const a = r.api;
  if (a) {
    const ratios = apiRatios(a);
    out.push(
      `### (b) API throughput (autocannon, ${a.connections} connections, ${a.durationSeconds} s per route; invoice body ${a.bodyBytes} bytes)`,
      '',
      table(
        ['route', 'req/s', 'p50 ms', 'p97.5 ms', 'p99 ms', 'requests', 'non-2xx', 'errors'],
        a.routes.map((x) => [x.name, Math.round(x.requestsPerSecond), x.latencyMs.p50, x.latencyMs.p97_5, x.latencyMs.p99, x.requests, x.non2xx, x.errors]),
      ),
      '',
      `Against the bare route: GET ${ratios.apiGet}× (target ${targetText('apiGet')}), POST ${ratios.apiPost}× (target ${targetText('apiPost')}).`,
      '',
      ...referenceRoutes(ratios),
    );
  }
  const w = r.workerMemory;
  if (w) {
    out.push(
      `### (c) Worker memory with ${w.openInvoices.toLocaleString('en')} open invoices`,
      '',
      `The process holds the ${w.processHolds}; sampled after a full GC of the main thread and of the SDK's workflow thread (where the workflows run; its V8 heap is a column of its own, RSS counts both).`,
      '',
      table(
        ['state', 'RSS', 'peak RSS', 'main JS heap used / reserved', 'workflow thread heap used / reserved', 'external', 'cached workflows'],
        [
          ['idle (after start)', w.idle, w.idle.cachedWorkflows] as const,
          [`${w.openInvoices} invoices open`, w.open, w.open.cachedWorkflows] as const,
        ].map(([state, m, cached]) => [
          state,
          mb(m.rssBytes),
          mb(m.peakRssBytes),
          `${mb(m.heapUsedBytes)} / ${mb(m.heapTotalBytes)}`,
          m.workflowThreads?.length ? m.workflowThreads.map((t) => `${mb(t.heapUsedBytes)} / ${mb(t.heapTotalBytes)}`).join(', ') : '—',
          mb(m.externalBytes),
          cached,
        ]),
      ),
      '',
      `RSS per open invoice: ${(w.rssPerOpenInvoiceBytes / 1024).toFixed(1)} KB; per cached workflow: ${(w.rssPerCachedWorkflowBytes / 1024).toFixed(0)} KB (the SDK sizes its default cache as if one took about 1.7 MiB).`,
      '',
    );
  }
  const p = r.placementFile;
  if (p) {
    out.push(
      `### (d) Placement file of ${p.records.toLocaleString('en')} records`,
      '',
      'Processed by the worker\'s activity (`processBatchFileRecords`) in a process of its own, on a fresh database.',
      '',
      table(
        ['file size', 'RSS before', 'peak RSS', 'peak increase', 'time', 'records/s', 'accepted'],
        [[mb(p.fileBytes), mb(p.baselineRssBytes), mb(p.peakRssBytes), mb(p.peakIncreaseBytes), `${p.seconds.toFixed(1)} s`, p.recordsPerSecond, p.counts.accepted]],
      ),
      '',
    );
  }
  const f = r.signInFlood;
  if (f) {
    out.push(...renderSignInFlood(f));
  }
  const d = r.debtorTransmission;
  if (d) {
    out.push(...renderDebtorTransmission(d));
  }
  const g = r.spreadsheetImport;
  if (g) {
    out.push(...renderSpreadsheetImport(g));
  }
  if (r.scaleOut) out.push(...renderScaleOut(r.scaleOut));
  out.push(...renderFileUpdates(r));
  return out.join('\n');
}

const TEMPLATE = `# Benchmarks

\`npm run bench\` measures the whole stack on one machine (see docs/testing.md, "Benchmarks"). The numbers
below are the last full run's; \`bench/results/\` keeps every run as JSON.

${START}
${END}

## What limits it

(Written by hand from the profiles; see below.)
`;

/** Writes `bench/results/<date>.json`, `bench/results/latest.json` and the generated part of BENCHMARKS.md. */
export function writeResults(r: BenchResults): { json: string; markdown: string } {
  const dir = path.join(projectRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, `${r.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`);
  writeFileSync(json, JSON.stringify(r, null, 2) + '\n');
  writeFileSync(path.join(dir, 'latest.json'), JSON.stringify(r, null, 2) + '\n');
  const markdown = path.join(projectRoot, 'BENCHMARKS.md');
  const current = existsSync(markdown) ? readFileSync(markdown, 'utf8') : TEMPLATE;
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  const base = start >= 0 && end > start ? current : TEMPLATE;
  const from = base.indexOf(START) + START.length;
  writeFileSync(markdown, `${base.slice(0, from)}\n${renderMarkdown(r)}\n${base.slice(base.indexOf(END))}`);
  return { json, markdown };
}

/** (e): its own function so a partial run (`--only signin --dry-run`) can print just this section. */
export function renderSignInFlood(f: SignInFloodResult): string[] {
  const idle = f.phases[0]!.get.p99;
  return [
    `### (e) GET /invoices/{id} during a flood of wrong console sign-ins (autocannon, ${f.connections} connections, ${f.durationSeconds} s per phase)`,
    '',
    'Sign-ins are sent at a fixed rate whatever the answers; 401 is a checked wrong password, 429 a throttled attempt or a full hash pool (answered without hashing).',
    '',
    table(
      ['phase', 'sign-ins/s', 'GET req/s', 'GET p50 ms', 'GET p99 ms', 'p99 vs. idle', 'sign-in answers'],
      f.phases.map((ph) => [ph.name, ph.signInsPerSecond, Math.round(ph.get.requestsPerSecond), ph.get.p50, ph.get.p99, (ph.get.p99 / idle).toFixed(2), Object.entries(ph.signInAnswers).map(([k, v]) => `${k}: ${v}`).join(', ') || '—']),
    ),
    '',
  ];
}

/** (f): notices of invoices that share debtors, next to the same run's no-op rate. */
export function renderDebtorTransmission(d: DebtorTransmissionResult): string[] {
  const perDebtor = Math.round((d.invoices / d.debtors) * 10) / 10;
  return [
    `### (f) Transmitting an import of ${d.invoices.toLocaleString('en')} invoices over ${d.debtors.toLocaleString('en')} debtors (${perDebtor} each)`,
    '',
    `As (a), with consecutive invoices sharing a debtor. A notice is an invoice's \`invoice_notice\` message recorded as accepted (its \`sent_at\`); the emails line below counts what SMTP took. Client concurrency of the starts: ${d.startConcurrency}.`,
    '',
    table(
      ['measure', 'time', 'per second', 'vs. no-op'],
      [
        ...startRows(d),
        ['first invoice notice recorded', d.firstNoticeMs === null ? '—' : s(d.firstNoticeMs), '', ''],
        [d.complete ? 'every invoice notice recorded' : `${d.noticesRecorded} of ${d.invoices} invoice notices recorded`, d.lastNoticeMs === null ? '—' : s(d.lastNoticeMs), d.noticesPerSecond, d.noticeRateRatio],
      ],
    ),
    '',
    `Emails accepted by SMTP meanwhile: ${d.emailsAccepted}. Seeding the draft invoices and their debtors (not timed above): ${s(d.seedMs)}.`,
    '',
  ];
}

/** (g): every row of a spreadsheet checked before anything is created, with memory sampled while it streams. */
export function renderSpreadsheetImport(g: SpreadsheetImportResult): string[] {
  return [
    `### (g) Validating a spreadsheet of ${g.rows.toLocaleString('en')} invoices (required: under ${g.limitSeconds} s)`,
    '',
    'Read and checked as an upload is (`readSpreadsheetInvoices`: the partner schema per row, duplicate numbers), in the bench process, no database; memory sampled every 10 ms while the file streams. The invoices read are kept for the import, so the heap grows by them.',
    '',
    table(
      ['format', 'file size', 'time', 'rows/s', 'under the limit', 'RSS before', 'peak RSS', 'heap before', 'peak heap', 'samples'],
      g.runs.map((x) => [x.format.toUpperCase(), mb(x.fileBytes), s(x.seconds * 1000), x.rowsPerSecond, x.seconds < g.limitSeconds ? 'yes' : 'no', mb(x.baselineRssBytes), mb(x.peakRssBytes), mb(x.baselineHeapBytes), mb(x.peakHeapBytes), x.samples]),
    ),
    '',
  ];
}

/** (a) on each Temporal server it ran on, a column group per server, with the targets of its ratios. */
export function renderTransmission(r: Pick<BenchResults, 'transmission' | 'transmissionProduction'>): string[] {
  const runs = [r.transmission, r.transmissionProduction].filter((t): t is TransmissionResult => t !== undefined);
  const first = runs[0]!;
  const rows = (t: TransmissionResult) => [
    ...startRows(t),
    ['first invoice notice accepted by SMTP', s(t.firstMessageMs), '', ''],
    ['every invoice notice accepted by SMTP', s(t.allSentMs), t.sentPerSecond, t.sentRateRatio],
  ];
  const perRun = runs.map(rows);
  const targets = ['', '', targetText('invoiceStarts'), '', targetText('notices')];
  // Older results have no `temporal`: the dev server was all there was.
  const label = (t: TransmissionResult) => TEMPORAL_LABELS[t.temporal ?? 'dev'];
  const head = runs.length === 1 ? ['measure', 'time', 'per second', 'vs. no-op', 'target'] : ['measure', ...runs.flatMap((t) => [`${label(t)}: time`, 'per second', 'vs. no-op']), 'target'];
  const note: Record<string, string> = {
    dev: 'Dev server (one history shard on SQLite): compare the ratios, not the absolute rates.',
    production: 'Production-shaped server (PostgreSQL, SQL visibility, 4 history shards, on the same machine).',
  };
  return [
    `### (a) Transmitting an import of ${first.invoices.toLocaleString('en')} invoices${runs.slice(1).map((t) => (t.invoices === first.invoices ? '' : ` (${label(t)}: ${t.invoices.toLocaleString('en')})`)).join('')}`,
    '',
    `${runs.map((t) => note[t.temporal ?? 'dev']).join(' ')} Client concurrency of the starts: ${first.startConcurrency}.`,
    '',
    table(
      head,
      perRun[0]!.map((row, i) => [row[0]!, ...perRun.flatMap((rs) => rs[i]!.slice(1)), targets[i]!]),
    ),
    '',
    ...runs.map((t) => `${runs.length > 1 ? `${label(t)}: ` : ''}Seeding the draft invoices (direct database insert, not timed above): ${s(t.seedMs)}. Messages recorded as sent afterwards: ${t.sentInDatabase}.`),
    '',
  ];
}

/** Scale-out: two API and two worker processes against one of each, on the production-shaped server. */
export function renderScaleOut(x: ScaleOutResult): string[] {
  const row = (measure: string, one: string | number, two: string | number, ratio: string | number) => [measure, one, two, ratio];
  return [
    `### Scale-out: two API and two worker processes against one of each (${TEMPORAL_LABELS[x.temporal]} Temporal server)`,
    '',
    `One API process and one worker process, then a second of each joins (same database, Temporal server and task queue). POST /invoices: autocannon against every API process at once, ${x.connectionsPerApi} connections each, ${x.durationSeconds} s. Then an import of ${x.invoices.toLocaleString('en')} invoices transmitted (a new one per phase), handled by every worker. Same machine: the processes share its cores.`,
    '',
    table(
      ['measure', '1 API + 1 worker', '2 APIs + 2 workers', 'two vs. one'],
      [
        row('POST /invoices req/s (all APIs)', x.one.post.requestsPerSecond, x.two.post.requestsPerSecond, x.postRatio),
        row('POST /invoices p99 ms (worst API)', x.one.post.p99, x.two.post.p99, ''),
        row('POST /invoices non-2xx / errors', `${x.one.post.non2xx} / ${x.one.post.errors}`, `${x.two.post.non2xx} / ${x.two.post.errors}`, ''),
        row('invoice workflows started a second', x.one.transmission.startsPerSecond, x.two.transmission.startsPerSecond, x.startsRatio),
        row('invoice notices accepted by SMTP a second', x.one.transmission.sentPerSecond, x.two.transmission.sentPerSecond, x.sentRatio),
        row('every notice accepted after', s(x.one.transmission.allSentMs), s(x.two.transmission.allSentMs), ''),
        row('CPU seconds of each worker during the transmission', x.one.workerCpuSeconds.join(' + '), x.two.workerCpuSeconds.join(' + '), ''),
      ],
    ),
    '',
  ];
}

/** (h) and (i): an update file applied to running invoices, and a camt.053 statement parsed. */
export function renderFileUpdates(r: Pick<BenchResults, 'updateFile' | 'camtParse'>): string[] {
  const out: string[] = [];
  const u = r.updateFile;
  if (u) {
    out.push(
      `### (h) Update file of ${u.records.toLocaleString('en')} records about ${u.invoices.toLocaleString('en')} running invoices`,
      '',
      `The test stack (Temporal dev server, ${u.database === 'PostgreSQL' ? 'a PostgreSQL database' : 'embedded PGlite'}, worker in process); timed from the submission to the result. Four records in a row per invoice: a payment, a hold, its resume, a credit; an invoice's records of a chunk (500 lines) go in one Update.`,
      '',
      table(['records', 'invoices', 'time', 'records/s', 'accepted'], [[u.records, u.invoices, `${u.seconds.toFixed(1)} s`, u.recordsPerSecond, u.counts.accepted]]),
      '',
    );
  }
  const c = r.camtParse;
  if (c) {
    out.push(
      `### (i) Parsing a camt.053 statement of ${c.entries.toLocaleString('en')} entries (required: under 2 s)`,
      '',
      '`parseCamt053` in a process of its own on a generated statement (the camt.053 writer\'s); the peak is reset after the file is made.',
      '',
      table(['file size', 'time', 'RSS before', 'peak RSS', 'peak increase'], [[mb(c.fileBytes), s(c.seconds * 1000), mb(c.baselineRssBytes), mb(c.peakRssBytes), mb(c.peakRssBytes - c.baselineRssBytes)]]),
      '',
    );
  }
  return out;
}

/**
 * What the bare GET reaches once it runs the API GET's read, and the bare POST once it runs the
 * API POST handler's writes; each API route against its reference.
 */
function referenceRoutes({ apiGet, apiPost, bareGetRead, barePostWrite }: ReturnType<typeof apiRatios>): string[] {
  const of = (route: number, reference: number) => Math.round((route / reference) * 1000) / 1000;
  const out: string[] = [];
  if (bareGetRead !== undefined) out.push(`The bare GET with the API GET's one database statement added: ${bareGetRead}× the bare GET; GET /invoices/{id} is ${of(apiGet, bareGetRead)}× of that.`, '');
  if (barePostWrite !== undefined) out.push(`The bare POST with the API POST handler's schema, read and transaction added: ${barePostWrite}× the bare POST; POST /invoices is ${of(apiPost, barePostWrite)}× of that.`, '');
  return out;
}
