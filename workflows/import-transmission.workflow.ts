import { continueAsNew, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { startInvoiceWorkflowsPage, completeImportTransmission } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export interface ImportTransmissionInput {
  importId: string;
  afterInvoiceId?: string | null;
  startedSoFar?: number;
  pageSize?: number;
}

/** Pages one activity call starts back to back (the next read while the current page's starts run). */
const PAGES_PER_CALL = 5;

/**
 * Fans an import out into invoice workflows, page by page, continuing as new before the history
 * grows large. Retried pages start nothing twice.
 */
export async function importTransmissionWorkflow(input: ImportTransmissionInput): Promise<{ invoiceCount: number }> {
  const pageSize = input.pageSize ?? 200;
  let after = input.afterInvoiceId ?? null;
  let count = input.startedSoFar ?? 0;
  for (let pages = 0; ; pages++) {
    // Runs from before pipelining asked for one page per call (its results drive the loop either way).
    const perCall = patched('import-transmission-pipelined') ? { pages: PAGES_PER_CALL } : {};
    const page = await startInvoiceWorkflowsPage({ importId: input.importId, afterInvoiceId: after, pageSize, ...perCall });
    if (page.lastInvoiceId === null) break;
    count += page.started + page.alreadyRunning;
    after = page.lastInvoiceId;
    if (pages >= 50 || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof importTransmissionWorkflow>({ importId: input.importId, afterInvoiceId: after, startedSoFar: count, pageSize });
    }
  }
  await completeImportTransmission({ importId: input.importId, invoiceCount: count });
  return { invoiceCount: count };
}
