import { ApplicationFailure, allHandlersFinished, condition, continueAsNew, log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  closeProblem,
  collectedAmountProblem,
  initialDebtCaseState,
  markPreparedProblem,
  reviewProblem,
  type DebtCaseProblem,
  type DebtCaseState,
} from '../domain/debt-case';
import {
  addCollectedAmount,
  closeDebtCase,
  debtCaseState,
  invoicePaid,
  markPrepared,
  reviewDebtCase,
  type CloseRequest,
  type CollectedAmountRequest,
  type DebtCaseResult,
  type DebtCaseWorkflowInput,
  type InvoicePaidNotice,
  type ReviewRequest,
} from './debt-case.messages';

const { attachInvoiceDocumentsToDebtCase, prepareDebtCase, persistDebtCaseReview, recordDebtCaseCollectedAmount, recordDebtCaseHandOffFailure } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});
// These wait on the invoice workflow (an update, or its end).
const { recordCollectorPaymentOnInvoice, persistDebtCaseClose } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '5 minutes', backoffCoefficient: 2 },
});
// A collector may be down for hours; after about six hours of trying the case stays with people.
const { handOffDebtCase, tellCollectorDebtCaseWithdrawn } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '30 seconds', maximumInterval: '1 hour', backoffCoefficient: 2, maximumAttempts: 12 },
});

function refuse(problem: DebtCaseProblem | null): void {
  if (problem) throw ApplicationFailure.create({ type: problem.type, message: problem.message, nonRetryable: true });
}

/**
 * One debt collection case, `debt-case-<case id>`: preparing (documents) → mark prepared (the first
 * matching collector configuration decides) → reviewing until a reviewer decides → processing (handed
 * to the collector) → closed with the collected amount and a reason. Requests arrive as updates; the
 * database row is the projection the API reads, written by activities with the case's events.
 */
export async function debtCaseWorkflow(input: DebtCaseWorkflowInput): Promise<DebtCaseResult> {
  let s: DebtCaseState = input.resume ?? initialDebtCaseState(input.amountCents);
  const caseId = input.caseId;

  // Updates change the case one at a time, in arrival order; each checks the state again when its turn comes.
  let tail: Promise<unknown> = Promise.resolve();
  function serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  }

  async function prepare(): Promise<DebtCaseState> {
    refuse(markPreparedProblem(s));
    const prepared = await prepareDebtCase({ caseId });
    s = { ...s, state: prepared.state, reviewRequired: prepared.reviewRequired, collector: prepared.collector };
    return s;
  }

  async function review(r: ReviewRequest): Promise<DebtCaseState> {
    refuse(reviewProblem(s));
    // Persisted first: the hand-off that `processing` starts must come after the approval in the timeline.
    await persistDebtCaseReview({ caseId, ...r });
    s = r.decision === 'approve' ? { ...s, state: 'processing' } : { ...s, state: 'closed', closeReason: 'rejected' };
    return s;
  }

  async function collect(a: CollectedAmountRequest): Promise<DebtCaseState> {
    refuse(collectedAmountProblem(s, a.amountCents, a.collectorReference));
    const sequence = s.collections + 1;
    s = {
      ...s,
      collections: sequence,
      collectedAmountCents: s.collectedAmountCents + a.amountCents,
      collectorReferences: a.collectorReference === undefined ? s.collectorReferences : [...s.collectorReferences, a.collectorReference],
    };
    await recordDebtCaseCollectedAmount({ caseId, sequence, ...a });
    if (input.invoiceId) {
      await recordCollectorPaymentOnInvoice({ caseId, invoiceId: input.invoiceId, sequence, amountCents: a.amountCents, collectedAt: a.collectedAt });
    }
    return s;
  }

  async function close(c: CloseRequest): Promise<DebtCaseState> {
    refuse(closeProblem(s, c.reason));
    s = { ...s, state: 'closed', closeReason: c.reason };
    await persistDebtCaseClose({ caseId, reason: c.reason, note: c.note, closedBy: c.closedBy });
    return s;
  }

  function onInvoicePaid(p: InvoicePaidNotice): Promise<DebtCaseState> | DebtCaseState {
    // Answered at once, never queued: the invoice workflow may be waiting on this case's own payment.
    if (p.source === 'collector' || s.state === 'closed') return s;
    return serially(async () => (s.state === 'closed' ? s : close({ reason: 'withdrawn', note: 'the invoice was paid in full', closedBy: 'invoice' })));
  }

  setHandler(debtCaseState, () => s);
  setHandler(markPrepared, () => serially(prepare), { validator: () => refuse(markPreparedProblem(s)) });
  setHandler(reviewDebtCase, (r) => serially(() => review(r)), { validator: (_r) => refuse(reviewProblem(s)) });
  setHandler(addCollectedAmount, (a) => serially(() => collect(a)), { validator: (a) => refuse(collectedAmountProblem(s, a.amountCents, a.collectorReference)) });
  setHandler(closeDebtCase, (c) => serially(() => close(c)), { validator: (c) => refuse(closeProblem(s, c.reason)) });
  setHandler(invoicePaid, async (p) => onInvoicePaid(p), {
    validator: (p) => {
      if (p.invoiceId !== input.invoiceId) throw ApplicationFailure.create({ type: 'invoice_mismatch', message: `the case is not about invoice ${p.invoiceId}`, nonRetryable: true });
    },
  });

  if (input.prepareAutomatically && s.state === 'preparing') {
    await attachInvoiceDocumentsToDebtCase({ caseId });
    await serially(async () => (s.state === 'preparing' ? prepare() : s));
  }

  // Handlers change `s` while this loop waits: read it through functions, not narrowed copies.
  const closed = () => s.state === 'closed';
  const needsHandOff = () => s.state === 'processing' && !s.handedOff && !s.handOffFailed;
  while (!closed()) {
    await condition(() => closed() || needsHandOff() || workflowInfo().continueAsNewSuggested);
    if (needsHandOff()) {
      try {
        await handOffDebtCase({ caseId });
        s = { ...s, handedOff: true };
      } catch (err) {
        log.warn('hand-off to the collector given up', { caseId, error: String(err) });
        s = { ...s, handOffFailed: true };
        await recordDebtCaseHandOffFailure({ caseId, error: String((err as { cause?: unknown }).cause ?? err) });
      }
      continue;
    }
    if (!closed() && workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof debtCaseWorkflow>({ ...input, prepareAutomatically: false, resume: s });
    }
  }

  // A collector holding a case that was withdrawn (the debtor paid, the partner withdrew it) is told so.
  if (s.closeReason === 'withdrawn' && s.handedOff) {
    await tellCollectorDebtCaseWithdrawn({ caseId, reason: 'withdrawn' }).catch((err: unknown) => log.warn('could not tell the collector', { caseId, error: String(err) }));
  }
  await condition(allHandlersFinished);
  return { state: s.state, closeReason: s.closeReason, amountCents: s.amountCents, collectedAmountCents: s.collectedAmountCents };
}
