import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { asc, eq } from 'drizzle-orm';
import { createActivities } from '../../activities';
import type { Database } from '../../db/client';
import { events, invoices, messages } from '../../db/schema';
import { createMailer } from '../../messaging/mailer';
import { createSmsSender, type SmsSender } from '../../messaging/sms';
import { registerSearchAttributes } from '../../temporal/search-attributes';
import { invoiceWorkflowId, type InvoiceWorkflowInput } from '../../workflows/invoice.messages';
import type { invoiceWorkflow } from '../../workflows/invoice.workflow';
import { createTestDatabase } from './database';
import { silentLogger } from './logger';
import { seedCompany } from './seed';
import { workflowBundle } from './stack';
import { skipToDaytime } from './daytime';
import { startSmtpServer, type SmtpServerOptions, type TestSmtpServer } from './smtp';

/**
 * The invoice workflow on the time-skipping server with its real activities: database, SMTP
 * server, SMS dev outbox. One per test file.
 */
export interface WorkflowTestEnv {
  env: TestWorkflowEnvironment;
  database: Database;
  smtp: TestSmtpServer;
  seed: Awaited<ReturnType<typeof seedCompany>>;
  start(input: InvoiceWorkflowInput): ReturnType<TestWorkflowEnvironment['client']['workflow']['start']>;
  /** Moves the test clock to daytime in Amsterdam, so messages are not held back by quiet hours. */
  daytime(): Promise<void>;
  invoiceRow(id: string): Promise<typeof invoices.$inferSelect>;
  eventsOf(id: string): Promise<Array<typeof events.$inferSelect>>;
  messagesOf(id: string): Promise<Array<typeof messages.$inferSelect>>;
  /** Stops the worker and starts a new one on the same task queue, e.g. with rotated payload keys. */
  restartWorker(dataConverter?: DataConverter): Promise<void>;
  close(): Promise<void>;
}

/**
 * `dataConverter`: payload encryption for the environment's client and the worker (default: none).
 * `maxCachedWorkflows: 0` for a worker that `restartWorker` replaces: the time-skipping server
 * never moves a workflow off a stopped worker's sticky queue. `sms`: default the dev outbox.
 * `smtp`: how the in-process SMTP server answers (e.g. refusing a recipient).
 */
export async function startWorkflowTestEnv(
  options: { dataConverter?: DataConverter; maxCachedWorkflows?: number; sms?: SmsSender; smtp?: SmtpServerOptions } = {},
): Promise<WorkflowTestEnv> {
  const taskQueue = 'invoice-workflow-test';
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    ...(options.dataConverter ? { client: { dataConverter: options.dataConverter } } : {}),
    server: { executable: { type: 'existing-path', path: process.env.TEMPORAL_TEST_SERVER_PATH! } },
  });
  await registerSearchAttributes(env.connection, 'default');
  const database = await createTestDatabase();
  const smtp = await startSmtpServer(options.smtp);
  const startWorker = async (dataConverter?: DataConverter, maxCachedWorkflows?: number) => {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(dataConverter),
      ...(dataConverter ? { dataConverter } : {}),
      ...(maxCachedWorkflows !== undefined ? { maxCachedWorkflows } : {}),
      activities: createActivities({
        db: database.db,
        mailer: createMailer({ smtpUrl: smtp.url, from: 'Recoup <noreply@recoup.test>', logger: silentLogger }),
        sms: options.sms ?? createSmsSender({ logger: silentLogger }),
        temporal: env.client,
        config: { publicBaseUrl: 'http://portal.test', portalSecret: 'test-portal-secret-123456', TEMPORAL_TASK_QUEUE: taskQueue },
        logger: silentLogger,
      }),
    });
    return { worker, running: worker.run() };
  };
  let { worker, running } = await startWorker(options.dataConverter, options.maxCachedWorkflows);
  const seed = await seedCompany(database.db);

  const daytime = () => skipToDaytime(env);

  return {
    env,
    database,
    smtp,
    seed,
    daytime,
    async start(input) {
      await daytime();
      return env.client.workflow.start<typeof invoiceWorkflow>('invoiceWorkflow', { workflowId: invoiceWorkflowId(input.invoiceId), taskQueue, args: [input] });
    },
    async invoiceRow(id) {
      const [row] = await database.db.select().from(invoices).where(eq(invoices.id, id));
      return row!;
    },
    eventsOf: (id) => database.db.select().from(events).where(eq(events.invoiceId, id)).orderBy(asc(events.seq)),
    messagesOf: (id) => database.db.select().from(messages).where(eq(messages.invoiceId, id)).orderBy(asc(messages.createdAt)),
    async restartWorker(dataConverter) {
      worker.shutdown();
      await running;
      ({ worker, running } = await startWorker(dataConverter));
    },
    async close() {
      worker.shutdown();
      await running;
      await env.teardown();
      await smtp.close();
      await database.close();
    },
  };
}
