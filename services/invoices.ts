import type { Db } from '../db/client';
import { invoiceLines, invoices, type companies } from '../db/schema';
import { insertRows } from '../db/unnest-rows';
import { invoiceTotal } from '../domain/amounts';
import { invalidPhoneMessage, normalizePhoneNumber } from '../domain/phone';
import type { Debtor } from '../domain/schemas';
import { findOrCreateDebtors } from './debtors';
import { newId } from './ids';
import { invoiceLineRows, type SentInvoiceLine } from './invoice-lines';
import { newPaymentReference } from './payment-references';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type InvoiceRow = typeof invoices.$inferSelect;
type InvoiceLineRow = typeof invoiceLines.$inferSelect;

/** An invoice as a partner sends it, whichever way it comes (API, batch placement, pull source). */
export interface DraftInvoiceInput {
  invoice_number: string;
  external_id?: string | null;
  issue_date: string;
  due_date: string;
  currency?: string;
  reference?: string | null;
  debtor: Debtor;
  invoice_lines: ReadonlyArray<SentInvoiceLine>;
}

export type DraftInvoiceCompany = Pick<typeof companies.$inferSelect, 'id' | 'partnerId' | 'currency' | 'country'>;

/** Why a draft invoice cannot be stored; `path` is relative to the invoice. */
export interface DraftInvoiceProblem {
  code: 'invoice_total_not_positive' | 'due_date_before_issue_date' | 'invalid_phone';
  path: string;
  message: string;
}

/** A checked invoice ready to insert: normalised debtor, payment reference and numbered lines (its debtor account is joined on insert). */
export interface PreparedDraftInvoice {
  invoice: Omit<typeof invoices.$inferInsert, 'importId' | 'debtorId'>;
  lines: Array<typeof invoiceLines.$inferInsert>;
}

export type DraftInvoicePreparation = { ok: true; draft: PreparedDraftInvoice } | { ok: false; problems: DraftInvoiceProblem[] };

/** Rows per statement (one array per column: the statement does not grow with them; the chunk bounds its memory and its returned rows). */
const INSERT_CHUNK = 500;

/**
 * The rules an invoice must meet beyond its schema: the lines must add up to more than zero, the
 * due date may not precede the issue date, and a phone is stored in E.164, read in the debtor's
 * country (the company's when the debtor has no address) so SMS reach it and inbound texts match
 * it. Answers the debtor as stored (phone normalised) or the problems. Draws no ids, so a file's
 * rows can be checked all before any is made (services/spreadsheet-imports.ts).
 */
export function checkDraftInvoice(company: DraftInvoiceCompany, input: DraftInvoiceInput): { ok: true; debtor: Debtor; total: number } | { ok: false; problems: DraftInvoiceProblem[] } {
  const problems: DraftInvoiceProblem[] = [];
  const total = invoiceTotal(input.invoice_lines.map((l) => ({ amountCents: l.amount_cents, quantity: l.quantity })));
  if (total <= 0) problems.push({ code: 'invoice_total_not_positive', path: 'invoice_lines', message: 'the invoice lines must add up to more than zero' });
  if (input.due_date < input.issue_date) problems.push({ code: 'due_date_before_issue_date', path: 'due_date', message: 'due_date is before issue_date' });
  let debtor = input.debtor;
  if (debtor.phone !== undefined) {
    const country = debtor.address?.country ?? company.country;
    const phone = normalizePhoneNumber(debtor.phone, country);
    if (phone) debtor = { ...debtor, phone };
    else problems.push({ code: 'invalid_phone', path: 'debtor.phone', message: invalidPhoneMessage(country) });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, debtor, total };
}

/**
 * Checks an invoice (`checkDraftInvoice`) and makes its rows. A fresh payment reference each
 * call: a caller that meets a taken one prepares again.
 */
export function prepareDraftInvoice(company: DraftInvoiceCompany, input: DraftInvoiceInput): DraftInvoicePreparation {
  const checked = checkDraftInvoice(company, input);
  if (!checked.ok) return checked;
  const { debtor, total } = checked;
  const id = newId('inv');
  return {
    ok: true,
    draft: {
      invoice: {
        id,
        partnerId: company.partnerId,
        companyId: company.id,
        invoiceNumber: input.invoice_number,
        externalId: input.external_id ?? null,
        issueDate: input.issue_date,
        dueDate: input.due_date,
        currency: input.currency ?? company.currency,
        reference: input.reference ?? null,
        paymentReference: newPaymentReference(),
        debtor,
        amountTotalCents: total,
      },
      lines: invoiceLineRows(id, input.invoice_lines),
    },
  };
}

/**
 * Inserts prepared invoices and their lines into a draft import, each joined to its debtor
 * account (services/debtors.ts: found by the identity rule, made when new); answers the stored
 * rows, lines in order. Every intake path (API, batch placement, pull) stores drafts here, so they
 * join debtors alike.
 */
export async function insertDraftInvoices(tx: Tx, importId: string, drafts: ReadonlyArray<PreparedDraftInvoice>): Promise<Array<{ invoice: InvoiceRow; lines: InvoiceLineRow[] }>> {
  const debtorIds = await debtorIdsOf(tx, drafts);
  const rows = drafts.map((d, i) => ({ ...d.invoice, importId, debtorId: debtorIds[i]! }));
  const stored: InvoiceRow[] = [];
  const storedLines: InvoiceLineRow[] = [];
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    stored.push(...(await insertRows(tx.insert(invoices), invoices, rows.slice(i, i + INSERT_CHUNK)).returning()));
  }
  const lines = drafts.flatMap((d) => d.lines);
  for (let i = 0; i < lines.length; i += INSERT_CHUNK) storedLines.push(...(await insertRows(tx.insert(invoiceLines), invoiceLines, lines.slice(i, i + INSERT_CHUNK)).returning()));
  const linesOf = new Map<string, InvoiceLineRow[]>();
  for (const l of storedLines) linesOf.set(l.invoiceId, [...(linesOf.get(l.invoiceId) ?? []), l]);
  return stored.map((invoice) => ({ invoice, lines: (linesOf.get(invoice.id) ?? []).sort((a, b) => a.position - b.position) }));
}

/** The debtor of each draft, per company (an import is one company's, but nothing here relies on it). */
async function debtorIdsOf(tx: Tx, drafts: ReadonlyArray<PreparedDraftInvoice>): Promise<string[]> {
  const ids: string[] = new Array<string>(drafts.length);
  const byCompany = new Map<string, number[]>();
  for (const [i, d] of drafts.entries()) byCompany.set(d.invoice.companyId, [...(byCompany.get(d.invoice.companyId) ?? []), i]);
  for (const [companyId, indexes] of byCompany) {
    const partnerId = drafts[indexes[0]!]!.invoice.partnerId;
    // Phones are E.164 already (prepareDraftInvoice), so no country is needed to read them.
    const found = await findOrCreateDebtors(tx, { id: companyId, partnerId }, indexes.map((i) => drafts[i]!.invoice.debtor));
    for (const [j, i] of indexes.entries()) ids[i] = found[j]!.id;
  }
  return ids;
}

/** An invoice refused by `createDraftInvoices`: which one (its index) and why. */
export class DraftInvoiceRefused extends Error {
  constructor(
    readonly index: number,
    readonly problems: DraftInvoiceProblem[],
  ) {
    super(`invoice ${index}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  }
}

/**
 * The one way a draft invoice is made: checks and normalises each input (`prepareDraftInvoice`),
 * then inserts the invoices and their lines into the draft import. Refuses all when one is refused.
 */
export async function createDraftInvoices(
  tx: Tx,
  company: DraftInvoiceCompany,
  importId: string,
  inputs: ReadonlyArray<DraftInvoiceInput>,
): Promise<Array<{ invoice: InvoiceRow; lines: InvoiceLineRow[] }>> {
  const drafts = inputs.map((input, index) => {
    const prepared = prepareDraftInvoice(company, input);
    if (!prepared.ok) throw new DraftInvoiceRefused(index, prepared.problems);
    return prepared.draft;
  });
  return insertDraftInvoices(tx, importId, drafts);
}
