import { appendFile, copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { count, eq } from 'drizzle-orm';
import { batchFileRecords, batchFiles, invoices } from '../../db/schema';
import { localDateTime, timezoneOffsetMinutes } from '../../domain/local-time';
import { DropFolderWatcher } from '../../files/drop-folder-watcher';
import { submitBatchFile, type IntakeResult } from '../../files/intake';
import { ensurePartnerFolders, partnerFolder } from '../../files/layout';
import { ensureEventsExtractSchedule } from '../../services/events-extract-schedule';
import { eventsExtractScheduleId, type BatchFileSummary } from '../../workflows/batch-file.messages';
import type { batchFileWorkflow } from '../../workflows/batch-file.workflow';
import type { eventsExtractWorkflow } from '../../workflows/events-extract.workflow';
import { eventually } from '../support/eventually';
import { silentLogger } from '../support/logger';
import { dateFrom } from '../support/seed';
import { startStack, type Stack } from '../support/stack';

/**
 * Batch files end to end: files in a partner's inbox on disk, the intake, the batch file workflow
 * and its activities on the Temporal dev server, the real database, the invoices' own workflows
 * (transmission, payments, credits, holds) and the API to look at the outcome.
 */
let stack: Stack;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'recoup-files-'));
  stack = await startStack({ temporal: 'dev-server', config: { RECOUP_FILES_DIR: root } });
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await rm(root, { recursive: true, force: true });
});

const issueDate = dateFrom(Date.now(), 0);
const dueDate = dateFrom(Date.now(), 30);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

function header(type: 'placement' | 'update', companyId: string, settings?: Json) {
  return { format: 'recoup.batch', version: 1, type, company_id: companyId, ...(settings ? { settings } : {}) };
}

function placement(recordId: string, externalId: string, invoice: Json = {}) {
  return {
    record_id: recordId,
    invoice: {
      invoice_number: `F-${externalId}`,
      external_id: externalId,
      issue_date: issueDate,
      due_date: dueDate,
      debtor: { first_name: 'Jan', last_name: 'Jansen', email: `${externalId.toLowerCase()}@example.nl`, phone: '06 12345678', locale: 'nl' },
      invoice_lines: [{ description: 'Contributie 2027', amount_cents: 10_000 }],
      ...invoice,
    },
  };
}

/** Writes lines (objects as JSON, strings as they are) into the partner's inbox. */
async function dropFile(partnerId: string, name: string, lines: Array<Json | string>): Promise<string> {
  await ensurePartnerFolders(root, partnerId);
  const file = path.join(partnerFolder(root, partnerId, 'inbox'), name);
  await writeFile(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return file;
}

const deps = () => ({ temporal: stack.env.client, taskQueue: stack.taskQueue, root });

/** Submits a file and waits for its result file; answers its record lines and summary. */
async function processFile(partnerId: string, file: string): Promise<{ intake: IntakeResult; records: Json[]; summary: BatchFileSummary }> {
  const intake = await submitBatchFile(deps(), { partnerId, path: file });
  if (intake.status === 'gone') throw new Error('file gone');
  if (intake.status === 'started') await stack.env.client.workflow.getHandle<typeof batchFileWorkflow>(intake.workflowId).result();
  const lines = (await readFile(intake.resultPath, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as Json);
  return { intake, records: lines.slice(0, -1), summary: lines[lines.length - 1] as BatchFileSummary };
}

async function invoiceByExternalId(key: string, companyId: string, externalId: string): Promise<Json> {
  const res = await stack.request('GET', `/api/v2/invoices?company_id=${companyId}&limit=500`, { key });
  const found = (res.body.data as Json[]).find((i) => i.external_id === externalId);
  if (!found) throw new Error(`no invoice ${externalId}`);
  return found;
}

async function tableCounts() {
  const [files] = await stack.database.db.select({ n: count() }).from(batchFiles);
  const [records] = await stack.database.db.select({ n: count() }).from(batchFileRecords);
  const [invs] = await stack.database.db.select({ n: count() }).from(invoices);
  return { files: Number(files!.n), records: Number(records!.n), invoices: Number(invs!.n) };
}

describe('a partner with placed and updated invoices', () => {
  let p: Awaited<ReturnType<Stack['newPartner']>>;
  let updateFile: string;

  beforeAll(async () => {
    p = await stack.newPartner('Batch');
  });

  test('a placement file: valid records become invoices that are transmitted, invalid ones are reported with their line and field', async () => {
    const file = await dropFile(p.partnerId, 'placement-2027.jsonl', [
      header('placement', p.companyId),
      placement('r1', 'A-1'),
      placement('r2', 'A-2', { invoice_lines: [{ description: 'Contributie', amount_cents: 6_000 }, { description: 'Bondsbijdrage', amount_cents: 2_500, quantity: 2 }] }),
      placement('r3', 'A-3', { debtor: { first_name: 'Zonder', email: 'x@example.nl' } }),
      '{"record_id": "r4", "invoice": ',
      placement('r5', 'A-5', { due_date: dateFrom(Date.now(), -10) }),
      placement('r1', 'A-6'),
      placement('r7', 'A-1'),
      '',
      placement('r8', 'A-8', { invoice_lines: [{ description: 'x', amount_cents: 'ten' }] }),
      placement('r9', 'A-9'),
    ]);
    const { records, summary } = await processFile(p.partnerId, file);

    expect(records.map((r) => [r.line, r.record_id, r.status])).toEqual([
      [2, 'r1', 'accepted'],
      [3, 'r2', 'accepted'],
      [4, 'r3', 'rejected'],
      [5, null, 'rejected'],
      [6, 'r5', 'rejected'],
      [7, 'r1', 'duplicate'],
      [8, 'r7', 'rejected'],
      [10, 'r8', 'rejected'],
      [11, 'r9', 'accepted'],
    ]);
    const errorsOf = (line: number) => records.find((r) => r.line === line)!.errors.map((e: Json) => e.field);
    expect(errorsOf(4)).toEqual(['invoice.debtor.last_name']);
    expect(records.find((r) => r.line === 5)!.errors[0].message).toMatch(/not valid JSON/);
    expect(errorsOf(6)).toEqual(['invoice.due_date']);
    expect(records.find((r) => r.line === 7)!.errors[0].message).toMatch(/line 2 of this file/);
    expect(errorsOf(8)).toEqual(['invoice.external_id']);
    expect(errorsOf(10)).toEqual(['invoice.invoice_lines.0.amount_cents']);
    expect(summary).toMatchObject({
      summary: true,
      file: 'placement-2027.jsonl',
      status: 'processed',
      type: 'placement',
      company_id: p.companyId,
      counts: { records: 9, accepted: 3, rejected: 5, duplicate: 1 },
      transmission: { status: 'started' },
    });

    // The file moved out of the inbox; its result lies next to it.
    expect(await readdir(partnerFolder(root, p.partnerId, 'inbox'))).toEqual([]);
    expect((await readdir(partnerFolder(root, p.partnerId, 'processed'))).sort()).toEqual(['placement-2027.jsonl', 'placement-2027.jsonl.result.jsonl']);

    const imp = await stack.request('GET', `/api/v2/imports/${summary.import_id}`, { key: p.key });
    expect(imp.body.title).toBe('placement-2027.jsonl');
    for (const externalId of ['A-1', 'A-2', 'A-9']) {
      await eventually(async () => expect((await invoiceByExternalId(p.key, p.companyId, externalId)).status).toBe('open'), 30_000);
    }
    const a2 = await invoiceByExternalId(p.key, p.companyId, 'A-2');
    expect(a2.amount_total_cents).toBe(11_000);
    expect(records.find((r) => r.record_id === 'r2')!.invoice_id).toBe(a2.id);
    const a1 = await stack.request('GET', `/api/v2/invoices/${records[0]!.invoice_id}`, { key: p.key });
    expect(a1.body.debtor.phone).toBe('+31612345678');
    const list = await stack.request('GET', `/api/v2/invoices?company_id=${p.companyId}&limit=500`, { key: p.key });
    expect(list.body.data.map((i: Json) => i.external_id).sort()).toEqual(['A-1', 'A-2', 'A-9']);
  });

  test('an update file applies payments, credits, retractions, contact changes and holds; impossible ones are rejected with the reason', async () => {
    updateFile = await dropFile(p.partnerId, 'updates-1.jsonl', [
      header('update', p.companyId),
      { record_id: 'u1', action: 'payment', invoice_external_id: 'A-1', amount_cents: 4_000, external_id: 'bank-77' },
      { record_id: 'u2', action: 'credit', invoice_external_id: 'A-1', amount_cents: 50_000, reason: 'too much' },
      { record_id: 'u3', action: 'credit', invoice_external_id: 'A-1', amount_cents: 1_000, reason: 'discount' },
      { record_id: 'u4', action: 'contact', invoice_external_id: 'A-2', debtor: { email: 'new@example.nl' } },
      { record_id: 'u5', action: 'hold', invoice_external_id: 'A-2', reason: 'disputed' },
      { record_id: 'u6', action: 'retract', invoice_external_id: 'A-9', reason: 'sent by mistake' },
      { record_id: 'u7', action: 'payment', invoice_external_id: 'NOPE', amount_cents: 100 },
      { record_id: 'u8', action: 'payment', invoice_external_id: 'A-1', invoice_id: 'inv_x', amount_cents: 100 },
      { record_id: 'u9', action: 'teleport', invoice_external_id: 'A-1' },
      { record_id: 'u10', action: 'resume', invoice_external_id: 'A-1' },
    ]);
    const { records, summary } = await processFile(p.partnerId, updateFile);
    expect(records.map((r) => [r.line, r.record_id, r.status, (r.errors ?? []).map((e: Json) => e.field).join()])).toEqual([
      [2, 'u1', 'accepted', ''],
      [3, 'u2', 'rejected', 'amount_cents'],
      [4, 'u3', 'accepted', ''],
      [5, 'u4', 'accepted', ''],
      [6, 'u5', 'accepted', ''],
      [7, 'u6', 'accepted', ''],
      [8, 'u7', 'rejected', 'invoice_external_id'],
      [9, 'u8', 'rejected', 'invoice_external_id'],
      [10, 'u9', 'rejected', 'action'],
      [11, 'u10', 'rejected', 'action'],
    ]);
    expect(records[1]!.errors[0].message).toMatch(/credit_exceeds_amount_due/);
    expect(records[9]!.errors[0].message).toMatch(/invoice_not_on_hold/);
    expect(summary).toMatchObject({ status: 'processed', type: 'update', counts: { records: 10, accepted: 5, rejected: 5, duplicate: 0 } });
    expect(summary).not.toHaveProperty('transmission');

    const a1 = await invoiceByExternalId(p.key, p.companyId, 'A-1');
    expect(a1).toMatchObject({ amount_paid_cents: 4_000, amount_credited_cents: 1_000, amount_due_cents: 5_000 });
    const a2 = await invoiceByExternalId(p.key, p.companyId, 'A-2');
    expect(a2.status).toBe('on_hold');
    expect(a2.debtor.email).toBe('new@example.nl');
    expect((await invoiceByExternalId(p.key, p.companyId, 'A-9')).status).toBe('retracted');
    const events = await stack.request('GET', `/api/v2/invoices/${a2.id}/events`, { key: p.key });
    expect(events.body.data.map((e: Json) => e.type)).toEqual(expect.arrayContaining(['invoice.contact_updated', 'invoice.on_hold']));
  });

  test('the same file submitted again changes nothing, and its result says which file it repeats', async () => {
    // After the first file's changes the invoice's workflow stores its next step: wait for it, so
    // the snapshot is of the settled invoice and only the resent file could change it.
    await eventually(async () => expect((await invoiceByExternalId(p.key, p.companyId, 'A-1')).next_action_at).not.toBeNull());
    const before = await tableCounts();
    const a1Before = await invoiceByExternalId(p.key, p.companyId, 'A-1');
    const again = path.join(partnerFolder(root, p.partnerId, 'inbox'), 'updates-1-resent.jsonl');
    await copyFile(path.join(partnerFolder(root, p.partnerId, 'processed'), 'updates-1.jsonl'), again);
    const { intake, records, summary } = await processFile(p.partnerId, again);
    expect(intake.status).toBe('duplicate');
    expect(records).toEqual([]);
    expect(summary).toMatchObject({ status: 'duplicate', duplicate_of: 'updates-1.jsonl', counts: { records: 0 } });
    expect(await tableCounts()).toEqual(before);
    expect(await invoiceByExternalId(p.key, p.companyId, 'A-1')).toEqual(a1Before);
  });

  test('a record id used again in a later file is a duplicate and changes nothing; new records in that file apply', async () => {
    const file = await dropFile(p.partnerId, 'updates-1.jsonl', [
      header('update', p.companyId),
      { record_id: 'u1', action: 'payment', invoice_external_id: 'A-1', amount_cents: 4_000, external_id: 'bank-78' },
      { record_id: 'u11', action: 'payment', invoice_external_id: 'A-1', amount_cents: 500 },
    ]);
    const { intake, records, summary } = await processFile(p.partnerId, file);
    // Same name as an earlier file: kept under a free one.
    expect(intake.status === 'started' && path.basename(intake.path)).toBe('updates-1-2.jsonl');
    expect(records.map((r) => [r.record_id, r.status])).toEqual([
      ['u1', 'duplicate'],
      ['u11', 'accepted'],
    ]);
    expect(records[0]!.errors[0].message).toMatch(/line 2 of updates-1\.jsonl/);
    expect(summary.counts).toEqual({ records: 2, accepted: 1, rejected: 0, duplicate: 1 });
    expect((await invoiceByExternalId(p.key, p.companyId, 'A-1')).amount_paid_cents).toBe(4_500);
  });

  test('records about one invoice apply in file order while other invoices’ records run alongside; a record id repeated in the file counts once', async () => {
    const file = await dropFile(p.partnerId, 'updates-order.jsonl', [
      header('update', p.companyId),
      { record_id: 'o1', action: 'hold', invoice_external_id: 'A-1', reason: 'first call' },
      { record_id: 'o2', action: 'contact', invoice_external_id: 'A-2', debtor: { email: 'order@example.nl' } },
      { record_id: 'o3', action: 'resume', invoice_external_id: 'A-1' },
      { record_id: 'o4', action: 'hold', invoice_id: (await invoiceByExternalId(p.key, p.companyId, 'A-1')).id, reason: 'second call' },
      { record_id: 'o5', action: 'payment', invoice_external_id: 'A-1', amount_cents: 100, external_id: 'order-5' },
      { record_id: 'o6', action: 'resume', invoice_external_id: 'A-1' },
      { record_id: 'o5', action: 'payment', invoice_external_id: 'A-1', amount_cents: 100, external_id: 'order-5b' },
    ]);
    const { records, summary } = await processFile(p.partnerId, file);
    expect(records.map((r) => [r.line, r.record_id, r.status])).toEqual([
      [2, 'o1', 'accepted'],
      [3, 'o2', 'accepted'],
      [4, 'o3', 'accepted'],
      [5, 'o4', 'accepted'],
      [6, 'o5', 'accepted'],
      [7, 'o6', 'accepted'],
      [8, 'o5', 'duplicate'],
    ]);
    expect(summary.counts).toEqual({ records: 7, accepted: 6, rejected: 0, duplicate: 1 });
    const a1 = await invoiceByExternalId(p.key, p.companyId, 'A-1');
    expect(a1).toMatchObject({ status: expect.not.stringMatching(/on_hold/), amount_paid_cents: 4_600 });
    const events = await stack.request('GET', `/api/v2/invoices/${a1.id}/events`, { key: p.key });
    const holds = events.body.data.map((e: Json) => e.type).filter((t: string) => t === 'invoice.on_hold' || t === 'invoice.resumed');
    expect(holds.slice(-4)).toEqual(['invoice.on_hold', 'invoice.resumed', 'invoice.on_hold', 'invoice.resumed']);
  });

  test("a partner's file cannot reach another partner's company or invoices", async () => {
    const other = await stack.newPartner('Intruder');
    const before = await tableCounts();
    const a1Before = await invoiceByExternalId(p.key, p.companyId, 'A-1');

    const foreignCompany = await dropFile(other.partnerId, 'grab.jsonl', [header('update', p.companyId), { record_id: 'x1', action: 'retract', invoice_external_id: 'A-1' }]);
    const first = await processFile(other.partnerId, foreignCompany);
    expect(first.summary).toMatchObject({ status: 'failed', company_id: null, counts: { records: 0 } });
    expect(first.records).toEqual([{ line: 1, record_id: null, status: 'rejected', errors: [{ field: 'company_id', message: 'no such company' }] }]);

    const foreignInvoice = await dropFile(other.partnerId, 'grab-2.jsonl', [
      header('update', other.companyId),
      { record_id: 'x1', action: 'retract', invoice_id: a1Before.id },
      { record_id: 'x2', action: 'contact', invoice_external_id: 'A-1', debtor: { email: 'thief@example.com' } },
    ]);
    const second = await processFile(other.partnerId, foreignInvoice);
    expect(second.records.map((r) => [r.status, r.errors[0].field])).toEqual([
      ['rejected', 'invoice_id'],
      ['rejected', 'invoice_external_id'],
    ]);
    const after = await tableCounts();
    expect({ records: after.records, invoices: after.invoices }).toEqual({ records: before.records, invoices: before.invoices });
    expect(await invoiceByExternalId(p.key, p.companyId, 'A-1')).toEqual(a1Before);

    // Over the API, each partner lists only its own batch files.
    const mine = await stack.request('GET', '/api/v2/batch_files', { key: p.key });
    expect(mine.body.data.map((f: Json) => f.name)).toEqual(['placement-2027.jsonl', 'updates-1.jsonl', 'updates-1-2.jsonl', 'updates-order.jsonl']);
    expect(mine.body.data[0]).toMatchObject({ status: 'processed', type: 'placement', counts: { accepted: 3, rejected: 5, duplicate: 1 }, result_file: 'placement-2027.jsonl.result.jsonl' });
    const theirs = await stack.request('GET', '/api/v2/batch_files', { key: other.key });
    expect(theirs.body.data.map((f: Json) => [f.name, f.status, f.company_id])).toEqual([
      ['grab.jsonl', 'failed', null],
      ['grab-2.jsonl', 'processed', other.companyId],
    ]);
    expect((await stack.request('GET', `/api/v2/batch_files/${mine.body.data[0].id}`, { key: other.key })).status).toBe(404);
    expect((await stack.request('GET', `/api/v2/batch_files?company_id=${p.companyId}`, { key: other.key })).status).toBe(404);
  });

  test("the daily events extract writes each partner's events of the day to its outbox, and nobody else's", async () => {
    const quiet = await stack.newPartner('Quiet');
    const day = new Date().toISOString().slice(0, 10);
    const result = await stack.env.client.workflow.execute<typeof eventsExtractWorkflow>('eventsExtractWorkflow', {
      workflowId: `events-extract-test-${day}`,
      taskQueue: stack.taskQueue,
      args: [{ day }],
    });
    expect(result.day).toBe(day);
    const read = async (partnerId: string) =>
      (await readFile(path.join(partnerFolder(root, partnerId, 'outbox'), `events-${day}.jsonl`), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Json);
    const extract = await read(p.partnerId);
    const feed = await stack.request('GET', '/api/v2/events?limit=500', { key: p.key });
    expect(extract.map((e) => e.id)).toEqual(feed.body.data.filter((e: Json) => e.created_at.startsWith(day)).map((e: Json) => e.id));
    expect(extract[0]).toEqual(feed.body.data[0]);
    expect(extract.map((e) => e.type)).toEqual(expect.arrayContaining(['import.transmitted', 'invoice.transmitted', 'invoice.payment_received', 'invoice.credited', 'invoice.on_hold']));
    expect(await read(quiet.partnerId)).toEqual([]);
    expect(await readdir(partnerFolder(root, p.partnerId, 'outbox'))).toEqual([`events-${day}.jsonl`]);
  });

  test('a payment counts once whichever way it comes first: over the API then in a file, or in a file then over the API', async () => {
    const a2 = await invoiceByExternalId(p.key, p.companyId, 'A-2');
    const pay = (externalId: string, amountCents: number) => stack.request('POST', `/api/v2/invoices/${a2.id}/payments`, { key: p.key, body: { amount_cents: amountCents, external_id: externalId } });
    expect((await pay('twice-1', 1_000)).status).toBe(201);
    const file = await dropFile(p.partnerId, 'updates-twice.jsonl', [
      header('update', p.companyId),
      { record_id: 't1', action: 'payment', invoice_external_id: 'A-2', amount_cents: 1_000, external_id: 'twice-1' },
      { record_id: 't2', action: 'payment', invoice_external_id: 'A-2', amount_cents: 500, external_id: 'twice-2' },
    ]);
    const { records } = await processFile(p.partnerId, file);
    expect(records.map((r) => [r.record_id, r.status])).toEqual([
      ['t1', 'accepted'],
      ['t2', 'accepted'],
    ]);
    await pay('twice-2', 500);
    expect(await invoiceByExternalId(p.key, p.companyId, 'A-2')).toMatchObject({ amount_paid_cents: a2.amount_paid_cents + 1_500 });
  });

  test('a contact record with a new timezone moves the running invoice’s next step into that zone', async () => {
    await eventually(async () => expect((await invoiceByExternalId(p.key, p.companyId, 'A-1')).next_action_at).not.toBeNull());
    const before = Date.parse((await invoiceByExternalId(p.key, p.companyId, 'A-1')).next_action_at);
    // The new zone is one where it is night now exactly when it is in Amsterdam, on the same date:
    // else a notice waiting for Amsterdam's morning would go out at once in the new zone's daytime,
    // and the suite's result would depend on the hour it runs at.
    const now = await stack.env.currentTimeMs();
    const quiet = (tz: string) => localDateTime(now, tz).hour >= 21 || localDateTime(now, tz).hour < 8;
    const zone = ['America/New_York', 'Europe/London', 'Europe/Helsinki', 'Asia/Tokyo'].find(
      (tz) => quiet(tz) === quiet('Europe/Amsterdam') && localDateTime(now, tz).date === localDateTime(now, 'Europe/Amsterdam').date,
    )!;
    const file = await dropFile(p.partnerId, 'updates-moved.jsonl', [header('update', p.companyId), { record_id: 'tz1', action: 'contact', invoice_external_id: 'A-1', debtor: { timezone: zone } }]);
    const { records } = await processFile(p.partnerId, file);
    expect(records.map((r) => r.status)).toEqual(['accepted']);
    expect((await invoiceByExternalId(p.key, p.companyId, 'A-1')).debtor.timezone).toBe(zone);
    // The same local time of day (the invoice notice waiting for the morning, or the next step), now in
    // the new zone: in New York six hours later in winter.
    const shift = (timezoneOffsetMinutes(before, 'Europe/Amsterdam') - timezoneOffsetMinutes(before, zone)) * 60_000;
    await eventually(async () => expect(Date.parse((await invoiceByExternalId(p.key, p.companyId, 'A-1')).next_action_at) - before).toBe(shift));
  });
});

test('the drop-folder watcher leaves a file alone while it is being written and picks it up once it stops changing', async () => {
  const p = await stack.newPartner('Watched');
  const submitted: IntakeResult[] = [];
  const watcher = new DropFolderWatcher({ ...deps(), logger: silentLogger, intervalMs: 60_000, onSubmitted: (_f, r) => submitted.push(r) });
  const file = await dropFile(p.partnerId, 'slow.jsonl', [header('placement', p.companyId, { transmit: false })]);
  await dropFile(p.partnerId, 'upload.jsonl.part', [header('placement', p.companyId)]);
  await dropFile(p.partnerId, '.hidden.jsonl', [header('placement', p.companyId)]);

  await watcher.poll(); // first sight
  await appendFile(file, JSON.stringify(placement('w1', 'W-1')) + '\n');
  await watcher.poll(); // it grew: still being written
  await appendFile(file, JSON.stringify(placement('w2', 'W-2')) + '\n');
  await watcher.poll();
  expect(submitted).toEqual([]);
  expect((await readdir(partnerFolder(root, p.partnerId, 'inbox'))).sort()).toEqual(['.hidden.jsonl', 'slow.jsonl', 'upload.jsonl.part']);

  await watcher.poll(); // unchanged since the last look: complete
  expect(submitted.map((s) => s.status)).toEqual(['started']);
  expect((await readdir(partnerFolder(root, p.partnerId, 'inbox'))).sort()).toEqual(['.hidden.jsonl', 'upload.jsonl.part']);
  const started = submitted[0]!;
  if (started.status !== 'started') throw new Error('not started');
  const summary = await stack.env.client.workflow.getHandle<typeof batchFileWorkflow>(started.workflowId).result();
  expect(summary).toMatchObject({ status: 'processed', counts: { accepted: 2 }, transmission: { status: 'not_requested' } });
  const list = await stack.request('GET', `/api/v2/invoices?company_id=${p.companyId}`, { key: p.key });
  expect(list.body.data.map((i: Json) => [i.external_id, i.status]).sort()).toEqual([
    ['W-1', 'draft'],
    ['W-2', 'draft'],
  ]);

  // A second watcher of the same folder finds nothing left to take.
  await watcher.poll();
  await watcher.poll();
  expect(submitted).toHaveLength(1);
});

test('a file whose header is not a batch file header is rejected at line 1, naming the field', async () => {
  const p = await stack.newPartner('Sloppy');
  const file = await dropFile(p.partnerId, 'wrong.jsonl', [{ format: 'recoup.batch', version: 2, type: 'placement', company_id: p.companyId }, placement('r1', 'B-1')]);
  const { records, summary } = await processFile(p.partnerId, file);
  expect(records).toEqual([{ line: 1, record_id: null, status: 'rejected', errors: [expect.objectContaining({ field: 'version' })] }]);
  expect(summary).toMatchObject({ status: 'failed', counts: { records: 0 } });
  const [row] = await stack.database.db.select().from(batchFiles).where(eq(batchFiles.partnerId, p.partnerId));
  expect(row!.status).toBe('failed');
});

test('the events extract Schedule is created once and runs daily after midnight UTC', async () => {
  await ensureEventsExtractSchedule(stack.env.client, stack.taskQueue);
  await ensureEventsExtractSchedule(stack.env.client, stack.taskQueue);
  const schedule = await stack.env.client.schedule.getHandle(eventsExtractScheduleId).describe();
  expect(schedule.spec.calendars).toEqual([expect.objectContaining({ hour: [{ start: 0, end: 0, step: 1 }], minute: [{ start: 15, end: 15, step: 1 }] })]);
  expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'eventsExtractWorkflow', taskQueue: stack.taskQueue });
});
