import type { companies, imports, invoiceLines, invoices, events, ledgerEntries } from '../db/schema';
import { amountDue } from '../domain/amounts';

/**
 * Database rows → the contract's snake_case resources: the JSON the API answers, and the same
 * shapes activities attach to debt cases and write to the events extract. No HTTP here.
 */
type Row<T extends { $inferSelect: unknown }> = T['$inferSelect'];

/** An invoice's last notice that reached the debtor (services/last-notice.ts finds it). */
export interface LastNotice {
  channel: string;
  delivered_at: string;
  message_id: string;
}

export function companyResource(c: Row<typeof companies>) {
  return {
    id: c.id,
    name: c.name,
    country: c.country,
    currency: c.currency,
    locale: c.locale,
    timezone: c.timezone,
    contact: c.contact ?? null,
    bank_account: c.bankAccount ?? null,
    external_id: c.externalId,
    status: c.status,
    verification_reason: c.verificationReason,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

export function importResource(i: Row<typeof imports>, counts: Record<string, number>) {
  return {
    id: i.id,
    company_id: i.companyId,
    title: i.title,
    settings: i.settings,
    status: i.status,
    counts: { total: Object.values(counts).reduce((a, b) => a + b, 0), ...counts },
    transmitted_at: i.transmittedAt?.toISOString() ?? null,
    created_at: i.createdAt.toISOString(),
    updated_at: i.updatedAt.toISOString(),
  };
}

export function invoiceLineResource(l: Row<typeof invoiceLines>) {
  return {
    id: l.id,
    invoice_id: l.invoiceId,
    description: l.description,
    amount_cents: l.amountCents,
    quantity: Number(l.quantity),
    vat_rate: Number(l.vatRate),
  };
}

export function invoiceResource(i: Row<typeof invoices>, lines?: Array<Row<typeof invoiceLines>>, lastNotice?: LastNotice | null) {
  return {
    id: i.id,
    company_id: i.companyId,
    import_id: i.importId,
    invoice_number: i.invoiceNumber,
    external_id: i.externalId,
    issue_date: i.issueDate,
    due_date: i.dueDate,
    currency: i.currency,
    reference: i.reference,
    payment_reference: i.paymentReference,
    debtor: i.debtor,
    debtor_id: i.debtorId,
    status: i.status,
    amount_total_cents: i.amountTotalCents,
    amount_paid_cents: i.amountPaidCents,
    amount_credited_cents: i.amountCreditedCents,
    fees_cents: i.feesCents,
    amount_due_cents: amountDue(i),
    overpaid_cents: i.overpaidCents,
    dunning_level: i.dunningLevel,
    next_action_at: i.nextActionAt?.toISOString() ?? null,
    next_action: nextActionResource(i),
    policy_version: i.policyVersion,
    debt_collection_case_id: i.debtCollectionCaseId,
    created_at: i.createdAt.toISOString(),
    updated_at: i.updatedAt.toISOString(),
    ...(lines ? { invoice_lines: lines.map(invoiceLineResource) } : {}),
    ...(lastNotice !== undefined ? { last_notice: lastNotice } : {}),
  };
}

/**
 * `next_action_at` with what it waits for and why. The note is shown only while it describes that
 * very moment (a payment or hold that moved on leaves an old note behind, never shown).
 */
export function nextActionResource(i: Pick<Row<typeof invoices>, 'nextActionAt' | 'nextAction'>) {
  if (!i.nextActionAt) return null;
  const at = i.nextActionAt.toISOString();
  const note = i.nextAction && Date.parse(i.nextAction.at) === i.nextActionAt.getTime() ? i.nextAction : null;
  return { at, action: note?.action ?? null, reason: note?.reason ?? null, guardrails: note?.guardrails ?? [] };
}

export function ledgerEntryResource(e: Row<typeof ledgerEntries>) {
  return {
    id: e.id,
    invoice_id: e.invoiceId,
    amount_cents: e.amountCents,
    external_id: e.externalId,
    reason: e.reason,
    occurred_at: e.occurredAt.toISOString(),
  };
}

export function eventResource(e: Row<typeof events>) {
  return {
    id: e.id,
    sequence: e.seq,
    type: e.type,
    created_at: e.createdAt.toISOString(),
    company_id: e.companyId,
    invoice_id: e.invoiceId,
    data: e.data,
  };
}
