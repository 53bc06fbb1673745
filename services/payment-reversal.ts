import { and, eq } from 'drizzle-orm';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Db } from '../db/client';
import { dunningPolicies, invoices } from '../db/schema';
import { defaultDunningPolicy } from '../domain/dunning-policy';
import { invoiceClient, refusedAsClosed, startInvoiceWorkflow } from '../workflows/invoice.client';
import { type InvoiceSnapshot, type InvoiceWorkflowInput, type ReversePaymentRequest } from '../workflows/invoice.messages';
import { invoiceWorkflowInput } from './invoice-workflow-input';
import { vulnerableDebtorIds } from './debtor-vulnerability';

/**
 * A chargeback, refund or reversed payment reported by a payment provider or bank. A running
 * invoice workflow takes it as an update; a paid invoice, whose workflow has ended, is reopened by
 * a new run of the same workflow id that starts from the stored amounts.
 */
export async function reverseInvoicePayment(
  deps: { db: Db; temporal: Client; taskQueue: string },
  invoiceId: string,
  request: ReversePaymentRequest,
): Promise<InvoiceSnapshot | { reopened: true }> {
  const workflow = invoiceClient(deps.temporal, invoiceId);
  const { handle } = workflow;
  const running = await handle
    .describe()
    .then((d) => d.status.name === 'RUNNING')
    .catch(() => false);
  if (running) {
    try {
      return await workflow.reversePayment(request, `reverse-${request.externalId}-${request.kind}`);
    } catch (err) {
      // Paid a moment ago: the run refuses (closed) while it finishes. Once it has ended, reopen below.
      if (!(err instanceof WorkflowNotFoundError) && !(refusedAsClosed(err) && (await endsSoon(handle)))) throw err;
    }
  }
  const [inv] = await deps.db.select().from(invoices).where(eq(invoices.id, invoiceId));
  if (!inv) throw new Error(`invoice ${invoiceId} not found`);
  const version = inv.policyVersion ?? 0;
  const [stored] = version > 0 ? await deps.db.select().from(dunningPolicies).where(and(eq(dunningPolicies.companyId, inv.companyId), eq(dunningPolicies.version, version))) : [];
  const policy = stored?.policy ?? defaultDunningPolicy;
  const vulnerable = (await vulnerableDebtorIds(deps.db, [inv.debtorId])).size > 0;
  const input: InvoiceWorkflowInput = {
    ...invoiceWorkflowInput(inv, policy, version),
    reopen: request,
    resume: {
      state: {
        status: inv.status,
        statusBeforeHold: null,
        amountTotalCents: inv.amountTotalCents,
        amountPaidCents: inv.amountPaidCents,
        amountCreditedCents: inv.amountCreditedCents,
        feesCents: inv.feesCents,
        dunningLevel: inv.dunningLevel,
        nextActionAt: null,
        pastDue: inv.dueDate < new Date().toISOString().slice(0, 10),
      },
      // The policy's steps are behind it: what follows is decided by the policy's chargeback rule.
      plan: { stepIndex: policy.steps.length, shiftMs: 0, contacts: [], pendingFees: [], lastContactAt: null },
      revision: inv.revision,
      promise: null,
      paymentPlan: null,
      heldSince: null,
      paced: true,
      // A debtor flagged vulnerable stays paused in the reopened run (services/debtor-vulnerability.ts).
      ...(vulnerable ? { vulnerable, pausedSince: Date.now() } : {}),
    },
  };
  await startInvoiceWorkflow(deps.temporal, deps.taskQueue, input);
  return { reopened: true };
}

/** Whether a closing run has ended within a few seconds. */
async function endsSoon(handle: WorkflowHandle): Promise<boolean> {
  const ended = handle.result().then(
    () => true,
    () => true,
  );
  const waited = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000).unref());
  return Promise.race([ended, waited]);
}
