import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { asc, eq, sql } from 'drizzle-orm';
import type { ParsedMail } from 'mailparser';
import type { Database } from '../../db/client';
import { events, invoices, messages } from '../../db/schema';
import { dunningPolicySchema } from '../../domain/dunning-policy';
import { debtorWorkflowId } from '../../workflows/debtor.messages';
import { invoiceWorkflowId, registerPayment } from '../../workflows/invoice.messages';
import type { invoiceWorkflow } from '../../workflows/invoice.workflow';
import { createTestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { dateFrom, seedCompany, seedInvoice } from '../support/seed';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { daytimeTimezone } from '../support/daytime';
import { startDevServerEnv } from '../support/dev-server';

/**
 * No lost notice when the worker dies mid-send: the worker runs in a child process, the SMTP
 * server SIGKILLs it the moment the invoice notice arrives, a new worker process takes over.
 * Whether the notice went out is unknown to it, so it sends it again with the same Message-ID
 * (a mailbox keeps one of the two), and the invoice's collection goes on.
 *
 * Two processes need one database: PGlite cannot be shared, so this runs on PostgreSQL only
 * (RECOUP_TEST_DATABASE_URL, set by .ci/run in its PostgreSQL pass).
 */
const postgres = process.env.RECOUP_TEST_DATABASE_URL;
const suite = postgres ? describe : describe.skip;
if (!postgres) {
  console.warn('test/integration/worker-killed-mid-send: skipped, it needs RECOUP_TEST_DATABASE_URL (PostgreSQL; PGlite cannot be shared between processes)');
}

const root = path.join(__dirname, '..', '..');
const taskQueue = 'worker-killed-mid-send';

interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<NodeJS.Signals | number | null>;
  output: () => string;
  /** Kills the whole process group (npx, tsx and the node process running the worker). */
  kill(signal: NodeJS.Signals): void;
}

let env: TestWorkflowEnvironment;
let database: Database & { url?: string };
let smtp: TestSmtpServer;
let seed: Awaited<ReturnType<typeof seedCompany>>;
const started: WorkerProcess[] = [];
/** Due in ten days, first step a month after that: within the test only the invoice notice is sent. */
const noticeOnly = dunningPolicySchema.parse({ steps: [{ offset_days: 30, action: 'reminder', channels: ['email'] }] });
/** Set by a test: what the SMTP server does when this Message-ID arrives. */
let trap: { messageId: string; sendKey?: string; when: 'before_250' | 'after_250' | 'sigterm_before_250'; worker: WorkerProcess; sprung: boolean; lock?: Promise<void> } | undefined;
/** How long the SMTP server holds its 250 after SIGTERMing the worker (`sigterm_before_250`). */
const HOLD_AFTER_SIGTERM_MS = 3_000;

suite('a worker killed between the provider call and the activity’s completion (PostgreSQL only)', () => {
  beforeAll(async () => {
    env = await startDevServerEnv();
    database = await createTestDatabase();
    smtp = await startSmtpServer({
      async beforeAccept(mail: ParsedMail) {
        if (!trap || trap.sprung || mail.messageId !== trap.messageId) return;
        trap.sprung = true;
        const { worker, when } = trap;
        // sigterm_before_250: the worker is told to stop while it waits for our answer, which comes seconds later.
        if (when === 'sigterm_before_250') {
          worker.kill('SIGTERM');
          await new Promise((resolve) => setTimeout(resolve, HOLD_AFTER_SIGTERM_MS));
          return;
        }
        // before_250: the worker dies waiting for our answer; after_250: it has its answer and dies before recording it.
        if (when === 'after_250') {
          // The notice's row is locked before the 250 goes out, so the worker's recording of the
          // send waits until it is dead: it dies after the provider took the message and before
          // anything recorded it, however fast it is (on a busy machine it could otherwise record first).
          let locked!: () => void;
          const lockHeld = new Promise<void>((resolve) => (locked = resolve));
          const sendKey = trap.sendKey;
          trap.lock = database.db.transaction(async (tx) => {
            await tx.execute(sql`select 1 from messages where send_key = ${sendKey} for update`);
            locked();
            await worker.exited;
          });
          await lockHeld;
          setImmediate(() => worker.kill('SIGKILL'));
          return;
        }
        worker.kill('SIGKILL');
        await worker.exited;
      },
    });
    seed = await seedCompany(database.db);
  }, 120_000);

  afterAll(async () => {
    for (const w of started) if (w.child.exitCode === null && w.child.signalCode === null) w.kill('SIGKILL');
    await Promise.all(started.map((w) => w.exited));
    await env?.teardown();
    await smtp?.close();
    await database?.close();
  });

  /**
   * `test/support/worker-process.ts`, or with `production` the worker as `npm run worker` runs it
   * (`worker/main.ts`: its SIGTERM handling and shutdown grace, metrics off).
   */
  function startWorkerProcess(production = false): Promise<WorkerProcess> {
    const command = production ? [process.execPath, ['--import', 'tsx', 'worker/main.ts']] as const : ['npx', ['tsx', 'test/support/worker-process.ts']] as const;
    const child = spawn(command[0], [...command[1]], {
      cwd: root,
      detached: true, // its own process group, so a kill reaches the node process behind npx and tsx
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...(production
          ? { RECOUP_WORKER_METRICS_PORT: '0', RECOUP_WORKER_SDK_METRICS_PORT: '0', RECOUP_FILES_WATCH: 'false', RECOUP_WORKER_SHUTDOWN_GRACE: '30s', RECOUP_DATA_DIR: path.join(os.tmpdir(), `recoup-sigterm-${process.pid}`) }
          : {}),
        NODE_OPTIONS: '',
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: 'default',
        TEMPORAL_TASK_QUEUE: taskQueue,
        DATABASE_URL: database.url!,
        RECOUP_MIGRATE_ON_START: 'false',
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Recoup <noreply@recoup.test>',
        PUBLIC_BASE_URL: 'http://portal.test',
        RECOUP_PORTAL_SECRET: 'test-portal-secret-0123456789',
        TWILIO_ACCOUNT_SID: '',
        TWILIO_AUTH_TOKEN: '',
        LOG_LEVEL: production ? 'info' : 'error',
      },
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
    const worker: WorkerProcess = {
      child,
      exited,
      output: () => output,
      kill: (signal) => {
        try {
          process.kill(-child.pid!, signal);
        } catch {
          /* already gone */
        }
      },
    };
    started.push(worker);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker process did not start in time:\n${output}`)), 90_000);
      child.stdout!.on('data', () => {
        if (/worker ready|"msg":"worker running"/.test(output)) {
          clearTimeout(timer);
          resolve(worker);
        }
      });
      void exited.then((how) => {
        clearTimeout(timer);
        reject(new Error(`worker process ended (${String(how)}) before it was ready:\n${output}`));
      });
    });
  }

  /** Email and SMS go out from the debtor's workflow: its history holds the send's attempts. */
  const debtorHistory = async (invoiceId: string) => {
    const [row] = await database.db.select({ debtorId: invoices.debtorId }).from(invoices).where(eq(invoices.id, invoiceId));
    return env.client.workflow.getHandle(debtorWorkflowId(row!.debtorId)).fetchHistory();
  };
  const emailsWith = (messageId: string) => smtp.messages.filter((m) => m.messageId === messageId);

  test.each([
    ['before the SMTP server answers 250', 'before_250' as const],
    ['right after the SMTP server answered 250', 'after_250' as const],
  ])('killed %s: the notice is sent again with its Message-ID, never lost, and collection goes on', async (_label, when) => {
    const first = await startWorkerProcess();
    const input = await seedInvoice(database.db, seed, {
      dueDate: dateFrom(Date.now(), 10),
      policy: noticeOnly,
      debtor: { email: `killed-${when}@example.nl`, timezone: daytimeTimezone() },
    });
    const noticeId = `<${input.invoiceId}.transmit.email@recoup>`;
    trap = { messageId: noticeId, sendKey: `${input.invoiceId}:transmit:email`, when, worker: first, sprung: false };

    const handle = await env.client.workflow.start<typeof invoiceWorkflow>('invoiceWorkflow', { workflowId: invoiceWorkflowId(input.invoiceId), taskQueue, args: [input] });
    expect(await first.exited).toBe('SIGKILL');
    expect(trap.sprung).toBe(true);
    await trap.lock;

    // The activity's attempt times out on the server (start-to-close, 1 minute); the retry lands on the new worker.
    const second = await startWorkerProcess();
    const rowsOf = () => database.db.select().from(messages).where(eq(messages.invoiceId, input.invoiceId)).orderBy(asc(messages.createdAt));
    await eventually(async () => expect(await rowsOf()).toEqual([expect.objectContaining({ status: 'sent' })]), 150_000);
    const eventsOf = () => database.db.select().from(events).where(eq(events.invoiceId, input.invoiceId)).orderBy(asc(events.seq));

    const rows = await rowsOf();
    expect(rows.map((m) => m.sendKey)).toEqual([`${input.invoiceId}:transmit:email`]);
    const [notice] = rows;
    // Never lost: the retry found the dead attempt's claim and sent the notice again, with the same
    // Message-ID, so the debtor's mailbox (which got the first copy) keeps one.
    expect(notice).toMatchObject({ status: 'sent', attempts: 2, resentAt: expect.any(Date) });
    const copies = emailsWith(noticeId);
    expect(copies).toHaveLength(2);
    expect(copies[1]!.subject).toBe(copies[0]!.subject);
    const aboutNotice = (await eventsOf()).filter((e) => e.data.message_id === notice!.id);
    expect(aboutNotice.map((e) => [e.type, e.data.resent])).toEqual([['message.sent', true]]);

    // The history of the debtor's workflow (which sends for the invoice) shows the retry: the notice's activity ran (at least) twice.
    const history = await debtorHistory(input.invoiceId);
    const attempts = history.events!.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
    expect(attempts).toContain(2);

    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 10_000, externalId: `paid-${when}`, source: 'partner' }] });
    expect((await handle.result()).status).toBe('paid');
    second.kill('SIGTERM');
    await second.exited;
    if (second.child.exitCode !== 0 && second.child.signalCode === null) throw new Error(`worker ended badly:\n${second.output()}`);
  }, 300_000);

  test('SIGTERMed while the SMTP server holds its answer: the worker finishes the send, records it and exits 0; another worker carries on', async () => {
    const first = await startWorkerProcess(true);
    const input = await seedInvoice(database.db, seed, { dueDate: dateFrom(Date.now(), 10), policy: noticeOnly, debtor: { email: 'sigterm@example.nl', timezone: daytimeTimezone() } });
    const noticeId = `<${input.invoiceId}.transmit.email@recoup>`;
    trap = { messageId: noticeId, when: 'sigterm_before_250', worker: first, sprung: false };

    const handle = await env.client.workflow.start<typeof invoiceWorkflow>('invoiceWorkflow', { workflowId: invoiceWorkflowId(input.invoiceId), taskQueue, args: [input] });
    // In-flight work is finished, not dropped: the process waits for the answer, records the send, then exits cleanly.
    expect(await first.exited).toBe(0);
    expect(trap.sprung).toBe(true);
    expect(first.output()).toMatch(/"msg":"worker stopped"/);
    const [notice] = await database.db.select().from(messages).where(eq(messages.invoiceId, input.invoiceId));
    expect(notice).toMatchObject({ sendKey: `${input.invoiceId}:transmit:email`, status: 'sent' });
    // The send ran once, in the first attempt, and completed: nothing for another worker to repeat.
    const history = (await debtorHistory(input.invoiceId)).events!;
    const sendScheduled = history.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendDebtorContact')!;
    const ofTheSend = (e: (typeof history)[number]) =>
      String(e.activityTaskStartedEventAttributes?.scheduledEventId ?? e.activityTaskCompletedEventAttributes?.scheduledEventId ?? e.activityTaskFailedEventAttributes?.scheduledEventId ?? e.activityTaskTimedOutEventAttributes?.scheduledEventId) === String(sendScheduled.eventId);
    const sendEvents = history.filter(ofTheSend);
    expect(sendEvents.map((e) => (e.activityTaskStartedEventAttributes ? `started #${e.activityTaskStartedEventAttributes.attempt}` : e.activityTaskCompletedEventAttributes ? 'completed' : 'failed'))).toEqual(['started #1', 'completed']);

    // What the stopped worker did not pick up (the workflow's next task, then the payment) waits on the server for the next worker.
    const second = await startWorkerProcess();
    await handle.executeUpdate(registerPayment, { args: [{ amountCents: 10_000, externalId: 'paid-sigterm', source: 'partner' }] });
    expect((await handle.result()).status).toBe('paid');
    expect(emailsWith(noticeId)).toHaveLength(1);
    second.kill('SIGTERM');
    await second.exited;
  }, 300_000);
});
