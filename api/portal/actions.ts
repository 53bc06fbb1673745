import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { amountDue } from '../../domain/amounts';
import { DomainError } from '../../domain/errors';
import { addDays } from '../../domain/local-time';
import { affordablePlan } from '../../domain/payment-plan';
import { PaymentProviderError, type PaymentProvider } from '../../payments/payment-provider';
import { changeDebtorContact, recordIncomeAndExpenditure } from '../../services/portal-actions';
import { optIn, optOut, type OptOutChannel } from '../../services/debtor-opt-outs';
import { invoiceClient, type InvoiceClient } from '../../workflows/invoice.client';
import { InvoiceFailure } from '../../workflows/invoice.messages';
import { debtorPhoneE164 } from '../debtor-phone';
import { fromWorkflowError } from '../../services/invoice-updates';
import { field, parseAmountInput, parseCountInput, parseDateInput } from './form-input';
import type { PortalInvoice } from '../../services/portal-invoice';
import { portalTexts, type NoticeCode, type TextParams, type ProblemCode } from './texts';
import { arrangementPossible, collectible, formatDate, money, type Section } from './views';

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

/** Pay all or part: the amount is checked here, then the debtor goes to the provider's checkout. */
export const startPayment: PortalAction = async (deps, { portal, token, body }) => {
  const { invoice, locale } = portal;
  const due = amountDue(invoice);
  if (!collectible(invoice.status) || due <= 0) return problem(409, 'pay', 'closed');
  const cents = parseAmountInput(field(body, 'amount'));
  if (cents === null) return problem(422, 'pay', 'amount_invalid');
  if (cents < 1) return problem(422, 'pay', 'amount_too_low', { min: money(1, invoice.currency, locale) });
  if (cents > due) return problem(422, 'pay', 'amount_too_high', { max: money(due, invoice.currency, locale) });
  try {
    const checkout = await deps.payments.createCheckout({
      invoiceId: invoice.id,
      amountCents: cents,
      currency: invoice.currency,
      returnUrl: `${deps.publicBaseUrl()}/pay/${token}`,
      description: `${portalTexts[locale].invoice} ${invoice.invoiceNumber} · ${portal.companyName}`,
    });
    return { kind: 'redirect', location: checkout.checkoutUrl };
  } catch (err) {
    if (!(err instanceof PaymentProviderError)) throw err;
    deps.log.error({ err, invoiceId: invoice.id }, 'portal: the payment provider refused a checkout');
    return problem(503, 'pay', 'provider_unavailable');
  }
};

export const makePromiseToPay: PortalAction = async (deps, { portal, body }) => {
  const date = parseDateInput(field(body, 'date'));
  if (!date) return problem(422, 'promise', 'date_invalid');
  return (await updateInvoice(deps, portal, 'promise', (c) => c.promiseToPay({ date, source: 'portal' }))) ?? notice('promise_made');
};

export const requestPaymentPlan: PortalAction = async (deps, { portal, body }) => {
  const count = parseCountInput(field(body, 'installment_count'));
  if (count === null) return problem(422, 'plan', 'count_invalid');
  const firstDueDate = parseDateInput(field(body, 'first_due_date'));
  if (!firstDueDate) return problem(422, 'plan', 'date_invalid');
  const refused = await updateInvoice(deps, portal, 'plan', (c) => c.createPaymentPlan({ installmentCount: count, firstDueDate, intervalDays: 30, source: 'portal' }));
  return refused ?? notice('plan_created');
};

/** Income & expenditure: proposes the plan `affordablePlan` finds, for the debtor to accept with one click. */
export const assessAffordability: PortalAction = async (deps, { portal, body }) => {
  const { invoice } = portal;
  const income = parseAmountInput(field(body, 'monthly_income'));
  const expenses = parseAmountInput(field(body, 'monthly_expenses'));
  if (income === null || expenses === null) return problem(422, 'budget', 'money_invalid');
  const refused = stateProblem(portal, 'budget');
  if (refused) return refused;
  const plan = affordablePlan(portal.policy, amountDue(invoice), income, expenses);
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
  await changeDebtorContact(deps, invoice, changes);
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
  await optOut(deps.db, portal.invoice.debtorId, channel, 'portal');
  return notice(channel === 'email' ? 'opted_out_email' : 'opted_out_sms');
};

/** …and on again (`debtor.opted_in`). Switching to the state it is in records nothing. */
export const optInToChannel: PortalAction = async (deps, { portal, body }) => {
  const channel = switchChannel(body);
  if (!channel) return problem(422, 'messages', 'unavailable');
  await optIn(deps.db, portal.invoice.debtorId, channel, 'portal');
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
 * Sends an arrangement to the invoice workflow as an update; its validator decides (policy limits,
 * an arrangement already in place…). A refusal becomes a problem in the debtor's words, with the
 * limits of the invoice's own policy version; null when the update was accepted.
 */
async function updateInvoice(deps: ActionDeps, portal: PortalInvoice, section: 'promise' | 'plan', send: (client: InvoiceClient) => Promise<unknown>): Promise<ActionOutcome | null> {
  const { invoice, locale, policy, today } = portal;
  if (invoice.status === 'draft') return problem(409, section, 'closed');
  try {
    await send(invoiceClient(deps.temporal, invoice.id));
    return null;
  } catch (err) {
    const mapped = fromWorkflowError(err);
    if (!(mapped instanceof DomainError)) {
      deps.log.error({ err, invoiceId: invoice.id }, 'portal: invoice update failed');
      return problem(503, section, 'unavailable');
    }
    switch (mapped.code) {
      case InvoiceFailure.closed:
        return problem(409, section, 'closed');
      case InvoiceFailure.arrangementInPlace:
        return problem(409, section, 'arrangement_in_place');
      case InvoiceFailure.alreadyOnHold:
        return problem(409, section, 'on_hold');
      case InvoiceFailure.notAllowedByPolicy: {
        if (invoice.status === 'in_debt_collection' || /debt collection/.test(mapped.message)) return problem(409, section, 'in_debt_collection');
        const range = { min: formatDate(today, locale), max: formatDate(addDays(today, policy.promise_to_pay.max_days), locale) };
        if (section === 'promise') return problem(422, section, 'promise_not_allowed', range);
        return problem(422, section, 'plan_not_allowed', { ...range, count: String(policy.payment_plan.max_installments), amount: money(policy.payment_plan.min_installment_cents, invoice.currency, locale) });
      }
      default:
        deps.log.warn({ err, invoiceId: invoice.id }, 'portal: invoice update refused');
        return problem(409, section, 'closed');
    }
  }
}

export const portalActions: Record<string, { section: Section; run: PortalAction }> = {
  payment: { section: 'pay', run: startPayment },
  promise_to_pay: { section: 'promise', run: makePromiseToPay },
  payment_plan: { section: 'plan', run: requestPaymentPlan },
  income_expenditure: { section: 'budget', run: assessAffordability },
  contact: { section: 'contact', run: updateContact },
  opt_out: { section: 'messages', run: optOutOfChannel },
  opt_in: { section: 'messages', run: optInToChannel },
};
