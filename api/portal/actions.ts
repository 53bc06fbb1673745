import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { amountDue } from '../../domain/amounts';
import { DomainError } from '../../domain/errors';
import { addDays } from '../../domain/local-time';
import { affordablePlan, paymentPlanProblem, promiseToPayProblem, schedulePaymentPlan, splitAccountPlan } from '../../domain/payment-plan';
import { newId } from '../../services/ids';
import { PaymentProviderError, type PaymentProvider } from '../../payments/payment-provider';
import { changeDebtorContact, recordIncomeAndExpenditure, switchChannelFromPortal } from '../../services/portal-actions';
import type { OptOutChannel } from '../../services/debtor-opt-outs';
import { invoiceClient, type InvoiceClient } from '../../workflows/invoice.client';
import { InvoiceFailure } from '../../workflows/invoice.messages';
import { debtorPhoneE164 } from '../debtor-phone';
import { fromWorkflowError } from '../../services/invoice-updates';
import { field, fieldList, parseAmountInput, parseCountInput, parseDateInput } from './form-input';
import type { AccountInvoice, PortalInvoice } from '../../services/portal-invoice';
import { portalTexts, type NoticeCode, type TextParams, type ProblemCode } from './texts';
import { disputeFromPortal } from './dispute';
import { arrangeableInvoices, arrangementPossible, collectible, formatDate, isAccount, money, payableInvoices, type Section } from './views';

export interface ActionDeps {
  db: Db;
  temporal: Client;
  payments: PaymentProvider;
  publicBaseUrl: () => string;
  /** Where the contact-change confirmation workflow runs. */
  taskQueue: string;
  log: Logger;
}

export interface ActionInput {
  portal: PortalInvoice;
  token: string;
  body: unknown;
}

/** What a portal action ends in: off to the checkout, back to the page with a notice, or the page again with a problem. */
export type ActionOutcome =
  | { kind: 'redirect'; location: string }
  | { kind: 'notice'; notice: NoticeCode; query?: Record<string, string> }
  | { kind: 'problem'; status: 403 | 409 | 422 | 503; section: Section; code: ProblemCode; params?: TextParams };

export type PortalAction = (deps: ActionDeps, input: ActionInput) => Promise<ActionOutcome>;

const problem = (status: 409 | 422 | 503, section: Section, code: ProblemCode, params?: TextParams): ActionOutcome => ({ kind: 'problem', status, section, code, params });
const notice = (code: NoticeCode, query?: Record<string, string>): ActionOutcome => ({ kind: 'notice', notice: code, query });

/**
 * The invoices a form is about. A form with the account's choice (`choice=1`) names them by
 * ticked `invoices`: each must be one of `offered` (this debtor's open invoices at this company
 * that the form applies to), or nothing happens. A form without a choice (one invoice owed, or
 * a page from before accounts) is about the link's invoice.
 */
function chosenInvoices(portal: PortalInvoice, body: unknown, offered: AccountInvoice[], section: Section): AccountInvoice[] | ActionOutcome {
  if (field(body, 'choice') !== '1') {
    const own = offered.find((a) => a.invoice.id === portal.invoice.id);
    return own ? [own] : (stateProblem(portal, section) ?? problem(409, section, 'closed'));
  }
  const ids = fieldList(body, 'invoices');
  if (ids.length === 0) return problem(422, section, 'invoices_none');
  // Another debtor's or company's invoice, or one no longer open: refused before anything happens.
  if (ids.some((id) => !portal.account.some((a) => a.invoice.id === id))) return problem(422, section, 'invoice_not_in_account');
  const chosen = offered.filter((a) => ids.includes(a.invoice.id));
  if (chosen.length !== ids.length) return problem(409, section, section === 'pay' ? 'closed' : 'arrangement_in_place');
  return chosen;
}

const isOutcome = (x: AccountInvoice[] | ActionOutcome): x is ActionOutcome => !Array.isArray(x);
const dueOn = (chosen: AccountInvoice[]): number => chosen.reduce((sum, a) => sum + amountDue(a.invoice), 0);

/**
 * Pay one, several or all of the debtor's invoices, in full or in part: the amount is checked
 * here, then the debtor goes to one provider checkout for it. The webhook allocates it over the
 * chosen invoices, oldest due date first (payments/account-payment.ts).
 */
export const startPayment: PortalAction = async (deps, { portal, token, body }) => {
  const { invoice, locale } = portal;
  const chosen = chosenInvoices(portal, body, payableInvoices(portal), 'pay');
  if (isOutcome(chosen)) return chosen;
  const due = dueOn(chosen);
  const typed = field(body, 'amount');
  // On the account's form an empty amount pays the chosen invoices in full.
  const cents = typed === '' && field(body, 'choice') === '1' ? due : parseAmountInput(typed);
  if (cents === null) return problem(422, 'pay', 'amount_invalid');
  if (cents < 1) return problem(422, 'pay', 'amount_too_low', { min: money(1, invoice.currency, locale) });
  if (cents > due) return problem(422, 'pay', 'amount_too_high', { max: money(due, invoice.currency, locale) });
  // Oldest due date first (the account's order): the first is the payment's invoice for the provider.
  const ids = chosen.map((a) => a.invoice.id);
  try {
    const checkout = await deps.payments.createCheckout({
      invoiceId: ids[0]!,
      ...(ids.length > 1 ? { invoiceIds: ids } : {}),
      amountCents: cents,
      currency: invoice.currency,
      returnUrl: `${deps.publicBaseUrl()}/pay/${token}`,
      description: `${portalTexts[locale].invoice} ${chosen.map((a) => a.invoice.invoiceNumber).join(', ')} · ${portal.companyName}`,
    });
    return { kind: 'redirect', location: checkout.checkoutUrl };
  } catch (err) {
    if (!(err instanceof PaymentProviderError)) throw err;
    deps.log.error({ err, invoiceIds: ids }, 'portal: the payment provider refused a checkout');
    return problem(503, 'pay', 'provider_unavailable');
  }
};

/** One promise to pay by a date, for each chosen invoice: checked on every invoice first, so none is half-applied by a date one policy refuses. */
export const makePromiseToPay: PortalAction = async (deps, { portal, body }) => {
  const date = parseDateInput(field(body, 'date'));
  if (!date) return problem(422, 'promise', 'date_invalid');
  const chosen = chosenInvoices(portal, body, arrangeableInvoices(portal), 'promise');
  if (isOutcome(chosen)) return chosen;
  const refused = chosen.find((a) => promiseToPayProblem(a.policy, date, portal.today));
  if (refused) return refusalProblem(portal, refused, 'promise', InvoiceFailure.notAllowedByPolicy, '');
  return (await updateInvoices(deps, portal, chosen, 'promise', (c, a) => c.promiseToPay({ date, source: 'portal' }, `portal-promise-${a.invoice.id}-${date}`))) ?? notice('promise_made');
};

/**
 * A payment plan. Over several invoices it is one plan of the total (the policy's limits checked
 * on the total), split over the invoices oldest due date first; each invoice's workflow follows
 * its part, on the same dates, and a plan broken on one ends it on the others (`endPaymentPlan`).
 */
export const requestPaymentPlan: PortalAction = async (deps, { portal, body }) => {
  const count = parseCountInput(field(body, 'installment_count'));
  if (count === null) return problem(422, 'plan', 'count_invalid');
  const firstDueDate = parseDateInput(field(body, 'first_due_date'));
  if (!firstDueDate) return problem(422, 'plan', 'date_invalid');
  const chosen = chosenInvoices(portal, body, arrangeableInvoices(portal), 'plan');
  if (isOutcome(chosen)) return chosen;
  if (chosen.length === 1) {
    return (await updateInvoices(deps, portal, chosen, 'plan', (c) => c.createPaymentPlan({ installmentCount: count, firstDueDate, intervalDays: 30, source: 'portal' }))) ?? notice('plan_created');
  }
  const total = dueOn(chosen);
  const policy = chosen[0]!.policy;
  if (paymentPlanProblem(policy, total, count, firstDueDate, portal.today)) return refusalProblem(portal, chosen[0]!, 'plan', InvoiceFailure.notAllowedByPolicy, '');
  const parts = splitAccountPlan(schedulePaymentPlan(total, count, firstDueDate, 30), chosen.map((a) => amountDue(a.invoice)));
  const accountPlan = { id: newId('apl'), invoiceIds: chosen.map((a) => a.invoice.id) };
  const refused = await updateInvoices(deps, portal, chosen, 'plan', (c, a, i) =>
    c.createPaymentPlan(
      { installmentCount: parts[i]!.length, firstDueDate, intervalDays: 30, source: 'portal', installments: parts[i]!, accountPlan },
      `portal-plan-${accountPlan.id}-${a.invoice.id}`,
    ),
  );
  return refused ?? notice('plan_created');
};

/** Income & expenditure: proposes the plan `affordablePlan` finds, for the debtor to accept with one click. */
export const assessAffordability: PortalAction = async (deps, { portal, body }) => {
  const { invoice } = portal;
  const income = parseAmountInput(field(body, 'monthly_income'));
  const expenses = parseAmountInput(field(body, 'monthly_expenses'));
  if (income === null || expenses === null) return problem(422, 'budget', 'money_invalid');
  const arrangeable = arrangeableInvoices(portal);
  const refused = arrangeable.length > 0 ? null : stateProblem(portal, 'budget');
  if (refused) return refused;
  // Over several invoices the proposal is for everything the debtor can arrange at once (the page's proposal form covers them all).
  const plan = affordablePlan(portal.policy, isAccount(portal) ? dueOn(arrangeable) : amountDue(invoice), income, expenses);
  await recordIncomeAndExpenditure(deps.db, invoice, { incomeCents: income, expensesCents: expenses, proposal: plan });
  return plan ? notice('plan_proposed', { installments: String(plan.installmentCount) }) : notice('plan_none');
};

export const updateContact: PortalAction = async (deps, { portal, body }) => {
  const { invoice } = portal;
  if (!collectible(invoice.status)) return problem(409, 'contact', 'closed');
  const email = field(body, 'email');
  const phone = field(body, 'phone');
  if (!email && !phone) return problem(422, 'contact', 'contact_empty');
  const changes: { email?: string; phone?: string } = {};
  if (email) {
    if (!z.email().max(254).safeParse(email).success) return problem(422, 'contact', 'email_invalid');
    if (email !== invoice.debtor.email) changes.email = email;
  }
  if (phone) {
    let e164: string;
    try {
      e164 = debtorPhoneE164(phone, invoice.debtor.address?.country ?? portal.companyCountry, 'phone');
    } catch (err) {
      if (err instanceof DomainError) return problem(422, 'contact', 'phone_invalid');
      throw err;
    }
    if (e164 !== invoice.debtor.phone) changes.phone = e164;
  }
  if (Object.keys(changes).length === 0) return notice('contact_saved');
  try {
    await changeDebtorContact(deps, invoice, changes);
  } catch (err) {
    // Another debtor of the company is known by that address or number: nothing changed.
    if (err instanceof DomainError && err.code === 'debtor_contact_taken') return problem(409, 'contact', 'contact_taken');
    throw err;
  }
  return notice('contact_saved');
};

/** The channel of a switch form; anything else is a form this page did not make. */
function switchChannel(body: unknown): OptOutChannel | null {
  const channel = field(body, 'channel');
  return channel === 'email' || channel === 'sms' ? channel : null;
}

/** The messages switches: off for every invoice of the debtor at the company (`debtor.opted_out`, via `portal`)… */
export const optOutOfChannel: PortalAction = async (deps, { portal, body }) => {
  const channel = switchChannel(body);
  if (!channel) return problem(422, 'messages', 'unavailable');
  await switchChannelFromPortal(deps.db, portal.invoice, channel, true);
  return notice(channel === 'email' ? 'opted_out_email' : 'opted_out_sms');
};

/** …and on again (`debtor.opted_in`). Switching to the state it is in records nothing. */
export const optInToChannel: PortalAction = async (deps, { portal, body }) => {
  const channel = switchChannel(body);
  if (!channel) return problem(422, 'messages', 'unavailable');
  await switchChannelFromPortal(deps.db, portal.invoice, channel, false);
  return notice(channel === 'email' ? 'opted_in_email' : 'opted_in_sms');
};

/** Why no arrangement can be made on the invoice as it stands, or null (a check for forms that do not reach the workflow). */
function stateProblem(portal: PortalInvoice, section: Section): ActionOutcome | null {
  const status = portal.invoice.status;
  if (arrangementPossible(status)) return null;
  if (!collectible(status)) return problem(409, section, 'closed');
  if (status === 'on_hold') return problem(409, section, 'on_hold');
  if (status === 'in_debt_collection') return problem(409, section, 'in_debt_collection');
  return problem(409, section, 'arrangement_in_place');
}

/**
 * Sends an arrangement to each chosen invoice's workflow as an update; its validator decides
 * (policy limits, an arrangement already in place…). A refusal becomes a problem in the debtor's
 * words, with the limits of that invoice's own policy version; null when every update was
 * accepted. When some were accepted and some refused, the page names the refused invoices.
 */
async function updateInvoices(
  deps: ActionDeps,
  portal: PortalInvoice,
  chosen: AccountInvoice[],
  section: 'promise' | 'plan',
  send: (client: InvoiceClient, target: AccountInvoice, index: number) => Promise<unknown>,
): Promise<ActionOutcome | null> {
  const refusals: Array<{ target: AccountInvoice; outcome: ActionOutcome }> = [];
  for (const [i, target] of chosen.entries()) {
    try {
      await send(invoiceClient(deps.temporal, target.invoice.id), target, i);
    } catch (err) {
      const mapped = fromWorkflowError(err);
      if (!(mapped instanceof DomainError)) {
        deps.log.error({ err, invoiceId: target.invoice.id }, 'portal: invoice update failed');
        refusals.push({ target, outcome: problem(503, section, 'unavailable') });
        continue;
      }
      if (mapped.code !== InvoiceFailure.closed && mapped.code !== InvoiceFailure.arrangementInPlace && mapped.code !== InvoiceFailure.alreadyOnHold && mapped.code !== InvoiceFailure.notAllowedByPolicy) {
        deps.log.warn({ err, invoiceId: target.invoice.id }, 'portal: invoice update refused');
      }
      refusals.push({ target, outcome: refusalProblem(portal, target, section, mapped.code, mapped.message) });
    }
  }
  if (refusals.length === 0) return null;
  if (refusals.length === chosen.length) return refusals[0]!.outcome;
  return problem(409, section, 'arrangement_partly', { invoices: refusals.map((r) => r.target.invoice.invoiceNumber).join(', ') });
}

/** A workflow's refusal of an arrangement on one invoice, in the debtor's words. */
function refusalProblem(portal: PortalInvoice, target: AccountInvoice, section: 'promise' | 'plan', code: string, message: string): ActionOutcome {
  const { locale, today } = portal;
  const { invoice, policy } = target;
  switch (code) {
    case InvoiceFailure.closed:
      return problem(409, section, 'closed');
    case InvoiceFailure.arrangementInPlace:
      return problem(409, section, 'arrangement_in_place');
    case InvoiceFailure.alreadyOnHold:
      return problem(409, section, 'on_hold');
    case InvoiceFailure.notAllowedByPolicy: {
      if (invoice.status === 'in_debt_collection' || /debt collection/.test(message)) return problem(409, section, 'in_debt_collection');
      const range = { min: formatDate(today, locale), max: formatDate(addDays(today, policy.promise_to_pay.max_days), locale) };
      if (section === 'promise') return problem(422, section, 'promise_not_allowed', range);
      return problem(422, section, 'plan_not_allowed', { ...range, count: String(policy.payment_plan.max_installments), amount: money(policy.payment_plan.min_installment_cents, invoice.currency, locale) });
    }
    default:
      return problem(409, section, 'closed');
  }
}

/**
 * The portal's actions. Each that Recoup keeps puts itself on the debtor's conversation for agents
 * in its own commit (services/portal-activity.ts): a promise or plan when the invoice's workflow
 * commits it, the others in their transaction. A payment shows as the payment itself; a dispute
 * records its own entry.
 */
export const portalActions: Record<string, { section: Section; run: PortalAction }> = {
  payment: { section: 'pay', run: startPayment },
  promise_to_pay: { section: 'promise', run: makePromiseToPay },
  payment_plan: { section: 'plan', run: requestPaymentPlan },
  income_expenditure: { section: 'budget', run: assessAffordability },
  contact: { section: 'contact', run: updateContact },
  opt_out: { section: 'messages', run: optOutOfChannel },
  opt_in: { section: 'messages', run: optInToChannel },
  dispute: { section: 'dispute', run: disputeFromPortal },
};
