import { and, asc, eq, gt } from 'drizzle-orm';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { imports, invoices } from '../db/schema';
import { isFinalStatus } from '../domain/invoice-status';
import { appendEvents } from '../services/events';
import { currentDunningPolicy } from '../services/dunning-policies';
import { startInvoiceWorkflow } from '../workflows/invoice.client';
import { invoiceWorkflowInput } from '../services/invoice-workflow-input';
import { vulnerableDebtorIds } from '../services/debtor-vulnerability';
import type { ActivityDeps } from './deps';

export interface TransmitPage {
  importId: string;
  /** Continue after this invoice id (ids sort by creation). */
  afterInvoiceId: string | null;
  pageSize: number;
}

/** Invoice workflow starts in flight at once per page (the benchmark starts its no-op baseline the same way). */
export const START_CONCURRENCY = 16;

export function importTransmissionActivities({ db, temporal, config, clock = () => new Date() }: ActivityDeps) {
  return {
    /**
     * Starts the invoice workflows of one page of an import. The workflow id is the invoice id and a
     * duplicate start is refused by the server, so a retried page never starts an invoice twice.
     */
    async startInvoiceWorkflowsPage(page: TransmitPage): Promise<{ lastInvoiceId: string | null; started: number; alreadyRunning: number }> {
      const rows = await db
        .select()
        .from(invoices)
        .where(and(eq(invoices.importId, page.importId), page.afterInvoiceId ? gt(invoices.id, page.afterInvoiceId) : undefined))
        .orderBy(asc(invoices.id))
        .limit(page.pageSize);
      if (rows.length === 0) return { lastInvoiceId: null, started: 0, alreadyRunning: 0 };
      const { version, policy } = await currentDunningPolicy(db, rows[0]!.companyId);
      let started = 0;
      let alreadyRunning = 0;
      // An invoice closed before transmission (a draft retracted) must stay closed: starting its
      // workflow would reopen it. Started invoices are not final, so a retried page still counts them.
      const queue = rows.filter((inv) => !isFinalStatus(inv.status));
      // Invoices of a debtor flagged vulnerable start paused (services/debtor-vulnerability.ts).
      const vulnerable = await vulnerableDebtorIds(db, rows.map((inv) => inv.debtorId));
      const startOne = async (inv: (typeof rows)[number]): Promise<void> => {
        const input = invoiceWorkflowInput(inv, policy, version, inv.debtorId !== null && vulnerable.has(inv.debtorId));
        try {
          await startInvoiceWorkflow(temporal, config.TEMPORAL_TASK_QUEUE, input);
          started++;
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          alreadyRunning++;
        }
      };
      await Promise.all(
        Array.from({ length: Math.min(START_CONCURRENCY, queue.length) }, async () => {
          for (let inv = queue.shift(); inv; inv = queue.shift()) await startOne(inv);
        }),
      );
      return { lastInvoiceId: rows[rows.length - 1]!.id, started, alreadyRunning };
    },

    async completeImportTransmission(input: { importId: string; invoiceCount: number }): Promise<void> {
      await db.transaction(async (tx) => {
        const [imp] = await tx
          .update(imports)
          .set({ status: 'transmitted', transmittedAt: clock(), updatedAt: clock() })
          .where(eq(imports.id, input.importId))
          .returning();
        if (!imp) throw new Error(`import ${input.importId} not found`);
        await appendEvents(tx, [
          {
            type: 'import.transmitted',
            partnerId: imp.partnerId,
            companyId: imp.companyId,
            data: { import_id: imp.id, company_id: imp.companyId, invoice_count: input.invoiceCount },
            dedupeKey: `import.transmitted:${imp.id}`,
          },
        ]);
      });
    },
  };
}
