import { allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle, log, patched, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  afterDebtorContact,
  batchGuardrails,
  GATHERING_WINDOW_MS,
  nextDebtorContactAt,
  rememberContactsUntil,
  type ContactGuardrails,
  type DebtorContacts,
} from '../domain/debtor-contact';
import { contactRequested, debtorContactState, digestIdOf, type ContactChannel, type ContactRequest, type DebtorWorkflowInput } from './debtor.messages';
import { contactCovered, invoiceWorkflowId, type ContactCovered } from './invoice.messages';
import { conditionOrTimeout } from './condition-or-timeout';

const { sendDebtorContact } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes', backoffCoefficient: 2 },
});

/** Continue as new well before the history limits: a debtor may live for years of contacts. */
const HISTORY_EVENTS_BEFORE_CONTINUE = 2_000;

const channelOrder: ContactChannel[] = ['email', 'sms'];

/**
 * One debtor's contact budget, across all of the debtor's open invoices: the single owner that
 * decides when the debtor may be contacted. Invoice workflows ask it (`contactRequested`); it
 * gathers requests that come together, waits for the debtor's quiet hours, contact limit and gap,
 * then sends them as one message (one request) or one digest (several), and tells each invoice
 * what went out (`contactCovered`). Ends when nothing is pending and nothing is left to remember.
 */
export async function debtorWorkflow(input: DebtorWorkflowInput): Promise<void> {
  const { debtorId } = input;
  let pending: ContactRequest[] = input.carry?.pending ?? [];
  let contacts: DebtorContacts = input.carry?.contacts ?? { recent: [], lastContactAt: null };
  let digestSeq = input.carry?.digestSeq ?? 0;
  let timezone: string | null = input.carry?.timezone ?? null;
  let guardrails: ContactGuardrails | null = input.carry?.guardrails ?? null;

  /** Requests answered in this run: a request signalled again (its activity ran twice) is not a new contact. */
  const served = new Set<string>();
  setHandler(contactRequested, (r) => {
    // The newest request knows the debtor's current timezone (a contact change reaches the invoices first).
    timezone = r.timezone;
    guardrails = r.guardrails;
    if (served.has(key(r)) || pending.some((p) => key(p) === key(r))) return;
    pending.push(r);
  });
  setHandler(debtorContactState, () => ({ pending: pending.map((p) => ({ invoiceId: p.invoiceId, purpose: p.purpose })), contacts, digestSeq, timezone }));

  for (;;) {
    if (pending.length === 0) {
      const rememberFor = rememberContactsUntil(contacts, timezone, guardrails) - Date.now();
      if (rememberFor > 0) await conditionOrTimeout(() => pending.length > 0, rememberFor);
      // A request that arrived with the last timer is served, not lost.
      if (pending.length === 0) break;
      continue;
    }
    // Requests that come together (one import, steps due at the same hour) meet in one message.
    const gatherMs = Math.max(0, ...pending.filter((p) => p.gather).map((p) => p.gatherMs ?? GATHERING_WINDOW_MS));
    if (gatherMs > 0) await sleep(gatherMs);

    let waited: ReturnType<typeof nextDebtorContactAt>;
    for (;;) {
      waited = nextDebtorContactAt(Date.now(), contacts, channelsOf(pending).length, timezone ?? pending[0]!.timezone, batchGuardrails(pending.map((p) => p.guardrails)));
      if (waited.at <= Date.now()) break;
      // A new request (more channels) or a new timezone changes the moment: computed again.
      const seen = pending.length;
      const zone = timezone;
      await conditionOrTimeout(() => pending.length !== seen || timezone !== zone, waited.at - Date.now());
    }
    const batch = pending;
    pending = [];
    for (const r of batch) served.add(key(r));
    digestSeq += 1;
    const digestId = digestIdOf(debtorId, workflowInfo().firstExecutionRunId, digestSeq);

    const covered = new Map(batch.map((r) => [key(r), { request: r, results: [] as ContactCovered['results'], digest: false }]));
    const coveredInvoiceIds = new Set<string>();
    let contacted = 0;
    for (const channel of channelsOf(batch)) {
      const requests = batch.filter((r) => r.channels.includes(channel)).map((r) => ({ invoiceId: r.invoiceId, purpose: r.purpose, kind: r.kind, extra: r.extra }));
      const answers = await sendDebtorContact({ debtorId, digestId, channel, requests });
      const reached = answers.filter((a) => a.result && (a.result.status === 'sent' || a.result.status === 'outbox'));
      // A digest is one contact of the debtor on its channel, as a single message is.
      if (reached.length > 0) contacted += 1;
      for (const a of answers) {
        const c = covered.get(key(a))!;
        if (a.result) c.results.push({ channel, ...a.result } as ContactCovered['results'][number]);
        if (a.digest) {
          c.digest = true;
          coveredInvoiceIds.add(a.invoiceId);
        }
      }
    }
    contacts = afterDebtorContact(contacts, Date.now(), contacted);

    const answers = [...covered.values()].map((c) => ({
      invoiceId: c.request.invoiceId,
      answer: {
        purpose: c.request.purpose,
        results: c.results,
        digestId: c.digest ? digestId : null,
        coveredInvoiceIds: c.digest ? [...coveredInvoiceIds] : [],
        guardrails: waited.guardrails,
      } satisfies ContactCovered,
    }));
    // Several answers go out together, in one workflow task, not one task each (runs that answered
    // one after the other before this replay as they ran). A single answer is the same either way.
    if (answers.length > 1 && patched('debtor-answers-together')) await Promise.all(answers.map((a) => answerInvoice(a.invoiceId, a.answer)));
    else for (const a of answers) await answerInvoice(a.invoiceId, a.answer);

    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= HISTORY_EVENTS_BEFORE_CONTINUE) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof debtorWorkflow>({ debtorId, carry: { pending, contacts, digestSeq, timezone, guardrails } });
    }
  }
  await condition(allHandlersFinished);
}

/** Tells an invoice's workflow how its request was served. */
async function answerInvoice(invoiceId: string, answer: ContactCovered): Promise<void> {
  try {
    await getExternalWorkflowHandle(invoiceWorkflowId(invoiceId)).signal(contactCovered, answer);
  } catch (err) {
    // The invoice closed meanwhile (paid, credited): nobody waits for the answer.
    log.info('invoice no longer running for its contact answer', { invoiceId, error: String(err) });
  }
}

function key(r: { invoiceId: string; purpose: string }): string {
  return `${r.invoiceId}:${r.purpose}`;
}

function channelsOf(requests: readonly ContactRequest[]): ContactChannel[] {
  return channelOrder.filter((ch) => requests.some((r) => r.channels.includes(ch)));
}
