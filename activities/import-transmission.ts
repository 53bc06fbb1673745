import { and, asc, eq, gt } from 'drizzle-orm';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { imports, invoices } from '../db/schema';
import { isFinalStatus } from '../domain/invoice-status';
import { appendEvents } from '../services/events';
import { currentDunningPolicy } from '../services/dunning-policies';
import { startInvoiceWorkflow } from '../workflows/invoice.client';
import { invoiceWorkflowInput } from '../services/invoice-workflow-input';
import { vulnerableDebtorIds } from '../services/debtor-vulnerability';
import type { InvoiceWorkflowInput } from '../workflows/invoice.messages';
import type { ActivityDeps } from './deps';

export interface TransmitPage {
  importId: string;
  /** Continue after this invoice id (ids sort by creation). */
  afterInvoiceId: string | null;
  pageSize: number;
  /** Pages this call may start, one after the other without a pause between them (default 1). */
  pages?: number;
}

export interface TransmitPageResult {
  /** The last invoice of the last page read; null when there was nothing after `afterInvoiceId`. */
  lastInvoiceId: string | null;
  started: number;
  alreadyRunning: number;
}

/** Invoice workflow starts in flight at once (the benchmark starts its no-op baseline the same way). */
export const START_CONCURRENCY = 16;

/** A call stops taking new pages after this long, well within its start-to-close timeout however slow the starts. */
const PAGES_CALL_MS = 60_000;

export function importTransmissionActivities({ db, temporal, config, clock = () => new Date() }: ActivityDeps) {
  /** One page of an import, as the inputs of the invoice workflows to start; null when nothing follows `after`. */
  async function readPage(page: TransmitPage, after: string | null): Promise<{ lastInvoiceId: string; inputs: InvoiceWorkflowInput[] } | null> {
    const rows = await db
      .select()
      .from(invoices)
      .where(and(eq(invoices.importId, page.importId), after ? gt(invoices.id, after) : undefined))
      .orderBy(asc(invoices.id))
      .limit(page.pageSize);
    if (rows.length === 0) return null;
    const { version, policy } = await currentDunningPolicy(db, rows[0]!.companyId);
    // An invoice closed before transmission (a draft retracted) must stay closed: starting its
    // workflow would reopen it. Started invoices are not final, so a retried page still counts them.
    const open = rows.filter((inv) => !isFinalStatus(inv.status));
    // Invoices of a debtor flagged vulnerable start paused (services/debtor-vulnerability.ts).
    const vulnerable = await vulnerableDebtorIds(db, rows.map((inv) => inv.debtorId));
    return {
      lastInvoiceId: rows[rows.length - 1]!.id,
      inputs: open.map((inv) => invoiceWorkflowInput(inv, policy, version, inv.debtorId !== null && vulnerable.has(inv.debtorId))),
    };
  }

  return {
    /**
     * Starts the invoice workflows of up to `pages` pages of an import, pipelined: the next page is
     * read while the current page's starts run, and its starts follow the current page's without
     * waiting for its slowest one (START_CONCURRENCY starts in flight in all; at most the page being
     * started and the one read ahead are held). The workflow id is the invoice id and a duplicate
     * start is refused by the server, so a retried call never starts an invoice twice: what an
     * earlier attempt started counts as already running.
     */
    async startInvoiceWorkflowsPage(page: TransmitPage): Promise<TransmitPageResult> {
      const pages = Math.max(1, page.pages ?? 1);
      const stopTakingPagesAt = Date.now() + PAGES_CALL_MS;
      const result: TransmitPageResult = { lastInvoiceId: null, started: 0, alreadyRunning: 0 };
      const queue: InvoiceWorkflowInput[] = [];
      let pagesTaken = 0;
      let readAhead: ReturnType<typeof readPage> | null = readPage(page, page.afterInvoiceId);
      /** Moves the page read ahead into the queue and starts reading the one after it; false when no page is left to take. */
      let taking: Promise<boolean> | null = null;
      const takePage = (): Promise<boolean> =>
        (taking ??= (async () => {
          const next = readAhead ? await readAhead : null;
          readAhead = null;
          if (!next) return false;
          pagesTaken++;
          result.lastInvoiceId = next.lastInvoiceId;
          queue.push(...next.inputs);
          if (pagesTaken < pages && Date.now() < stopTakingPagesAt) readAhead = readPage(page, next.lastInvoiceId);
          return true;
        })().finally(() => {
          taking = null;
        }));
      const startOne = async (input: InvoiceWorkflowInput): Promise<void> => {
        try {
          await startInvoiceWorkflow(temporal, config.TEMPORAL_TASK_QUEUE, input);
          result.started++;
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          result.alreadyRunning++;
        }
      };
      const starter = async (): Promise<void> => {
        for (;;) {
          const input = queue.shift();
          if (input) await startOne(input);
          else if (!(await takePage()) && queue.length === 0) return;
        }
      };
      try {
        await Promise.all(Array.from({ length: START_CONCURRENCY }, starter));
      } finally {
        // A read ahead that a failed start left behind is not left rejecting unobserved.
        await Promise.resolve(readAhead).catch(() => undefined);
      }
      return result;
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
