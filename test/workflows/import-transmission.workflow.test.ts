import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { and, eq } from 'drizzle-orm';
import { createActivities } from '../../activities';
import { events, invoices } from '../../db/schema';
import { createMailer } from '../../messaging/mailer';
import { createSmsSender } from '../../messaging/sms';
import { importTransmissionWorkflowId } from '../../workflows/import-transmission.messages';
import type { importTransmissionWorkflow } from '../../workflows/import-transmission.workflow';
import { invoiceWorkflowId } from '../../workflows/invoice.messages';
import { silentLogger } from '../support/logger';
import { dateFrom, seedInvoice } from '../support/seed';
import { startWorkflowTestEnv, type WorkflowTestEnv } from '../support/workflow-env';

/**
 * The import's fan-out into invoice workflows, pipelined page after page: real time-skipping
 * Temporal server, real activities and database.
 */
let t: WorkflowTestEnv;

beforeAll(async () => {
  t = await startWorkflowTestEnv();
}, 120_000);

afterAll(async () => {
  await t?.close();
});

const taskQueue = 'invoice-workflow-test';

async function runningWorkflow(invoiceId: string): Promise<boolean> {
  try {
    return (await t.env.client.workflow.getHandle(invoiceWorkflowId(invoiceId)).describe()).status.name === 'RUNNING';
  } catch {
    return false;
  }
}

test('an import of 11 invoices in pages of 2: every open invoice starts once (one started before the import counts), a retracted draft stays closed, and a repeated call starts nothing again', async () => {
  await t.daytime();
  const dueDate = dateFrom(await t.env.currentTimeMs(), 60);
  const seeded = [];
  for (let i = 0; i < 11; i++) seeded.push(await seedInvoice(t.database.db, t.seed, { dueDate }));
  const ids = seeded.map((s) => s.invoiceId).sort();
  // Retracted while a draft: its workflow must not start (it would reopen it).
  const retracted = ids[4]!;
  await t.database.db.update(invoices).set({ status: 'retracted' }).where(eq(invoices.id, retracted));
  // Started before (an earlier attempt of the fan-out, say): counted, not started twice.
  await t.start(seeded.find((s) => s.invoiceId === ids[7])!);

  const result = await t.env.client.workflow.execute<typeof importTransmissionWorkflow>('importTransmissionWorkflow', {
    workflowId: importTransmissionWorkflowId(t.seed.imp.id),
    taskQueue,
    args: [{ importId: t.seed.imp.id, pageSize: 2 }],
  });

  expect(result).toEqual({ invoiceCount: 10 });
  for (const id of ids) expect(await runningWorkflow(id)).toBe(id !== retracted);
  const [transmitted] = await t.database.db
    .select()
    .from(events)
    .where(and(eq(events.type, 'import.transmitted'), eq(events.dedupeKey, `import.transmitted:${t.seed.imp.id}`)));
  expect(transmitted?.data).toMatchObject({ invoice_count: 10 });

  // The same call again (a retried activity): the first ten rows (five pages), all refused as running.
  const activities = createActivities({
    db: t.database.db,
    mailer: createMailer({ smtpUrl: t.smtp.url, from: 'Recoup <noreply@recoup.test>', logger: silentLogger }),
    sms: createSmsSender({ logger: silentLogger }),
    temporal: t.env.client,
    config: { publicBaseUrl: 'http://portal.test', portalSecret: 'test-portal-secret-123456', TEMPORAL_TASK_QUEUE: taskQueue },
    logger: silentLogger,
  });
  const again = await new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') }).run(activities.startInvoiceWorkflowsPage, {
    importId: t.seed.imp.id,
    afterInvoiceId: null,
    pageSize: 2,
    pages: 5,
  });
  expect(again).toEqual({ lastInvoiceId: ids[9], started: 0, alreadyRunning: 9 });
}, 120_000);
