import { createHash } from 'node:crypto';
import { and, desc, eq, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Db } from '../db/client';
import { bankStatements, bankTransactions, invoices } from '../db/schema';
import { amountDue } from '../domain/amounts';
import { isFinalStatus } from '../domain/invoice-status';
import type { ParsedBankStatement, ParsedBankTransaction } from '../domain/statements/bank-statement';
import { parseStatementFile } from '../domain/statements/statement-file';
import { payerIsDebtor, referenceTokens } from '../domain/statements/matching';
import { normalisePaymentReference, paymentReferencesIn } from '../domain/payment-reference';
import { newId } from './ids';
import { invoiceClient, invoiceRefusal } from '../workflows/invoice.client';
import { conflict, DomainError, notFound, unprocessable } from '../domain/errors';

export type BankStatementRow = typeof bankStatements.$inferSelect;
export type BankTransactionRow = typeof bankTransactions.$inferSelect;
type InvoiceRow = typeof invoices.$inferSelect;

export interface ReconciliationDeps {
  db: Db;
  temporal: Client;
}

/**
 * Imports a statement of the collection account: keeps the file once and each of its lines once,
 * then matches every new credit line to an invoice and pays it through the invoice workflow.
 * The same file again answers the stored import (`created: false`) and adds nothing.
 */
export async function importBankStatement(deps: ReconciliationDeps, input: { content: string; importedBy: string }): Promise<{ statement: BankStatementRow; created: boolean }> {
  const { db } = deps;
  const content = input.content.replace(/^\uFEFF/, '');
  const parsed = parseStatementFile(content);
  const sha = createHash('sha256').update(content.replace(/\r\n?/g, '\n').trim()).digest('hex');
  const [existing] = await db.select().from(bankStatements).where(eq(bankStatements.contentSha256, sha));
  if (existing) {
    await matchPending(deps, existing.id);
    return { statement: existing, created: false };
  }

  const id = newId('bst');
  const lines = parsed.flatMap((s) => withKeys(s).map((t) => ({ s, ...t })));
  const statement = await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(bankStatements)
      .values({
        id,
        format: parsed[0]!.format,
        contentSha256: sha,
        content,
        statements: parsed.map((s) => ({ reference: s.reference, account: s.account, currency: s.currency, opening_balance_cents: s.openingBalanceCents, closing_balance_cents: s.closingBalanceCents, transactions: s.transactions.length })),
        transactionCount: lines.length,
        newTransactionCount: 0,
        importedBy: input.importedBy,
      })
      .onConflictDoNothing()
      .returning();
    if (!row) return null;
    let added = 0;
    for (const { s, t, key } of lines) {
      const debit = t.direction === 'debit';
      const inserted = await tx
        .insert(bankTransactions)
        .values({
          id: newId('btx'),
          statementId: id,
          dedupeKey: key,
          account: s.account,
          currency: s.currency,
          bookingDate: t.bookingDate,
          valueDate: t.valueDate,
          direction: t.direction,
          amountCents: t.amountCents,
          bankReference: t.bankReference,
          customerReference: t.customerReference,
          counterpartyName: t.counterpartyName,
          remittance: t.remittance.slice(0, 2000),
          // Money out of the collection account is no payment of an invoice: recorded, nothing to match.
          status: debit ? 'dismissed' : 'unmatched',
          note: debit ? 'debit: money out of the collection account, not a payment' : null,
          matchedAt: debit ? new Date() : null,
          resolvedBy: debit ? 'system' : null,
        })
        .onConflictDoNothing()
        .returning({ id: bankTransactions.id });
      added += inserted.length;
    }
    const [done] = await tx.update(bankStatements).set({ newTransactionCount: added }).where(eq(bankStatements.id, id)).returning();
    return done!;
  });
  if (!statement) {
    // Imported at the same moment by another request.
    const [row] = await db.select().from(bankStatements).where(eq(bankStatements.contentSha256, sha));
    return { statement: row!, created: false };
  }
  await matchPending(deps, statement.id);
  return { statement, created: true };
}

/**
 * Each line's key: the account and the bank's own entry reference when it gives one; otherwise the
 * account, dates, direction, amount and payer reference, numbered among identical lines of the
 * statement (two equal payments on one day are two lines, and the same statement again is none).
 */
function withKeys(s: ParsedBankStatement): Array<{ t: ParsedBankTransaction; key: string }> {
  const seen = new Map<string, number>();
  return s.transactions.map((t) => {
    const base = t.bankReference
      ? ['ref', s.account, t.bankReference, t.direction, t.amountCents].join('|')
      : ['line', s.account, s.currency, t.bookingDate, t.valueDate, t.direction, t.amountCents, t.customerReference ?? '', t.remittance].join('|');
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { t, key: createHash('sha256').update(`${base}|${n}`).digest('hex') };
  });
}

/** Lines of a statement whose matching never ran (new, or interrupted before): matched now. */
async function matchPending(deps: ReconciliationDeps, statementId: string): Promise<void> {
  const pending = await deps.db
    .select()
    .from(bankTransactions)
    .where(and(eq(bankTransactions.statementId, statementId), isNull(bankTransactions.matchedAt), eq(bankTransactions.status, 'unmatched')));
  for (const line of pending) await matchLine(deps, line);
}

type MatchedBy = 'payment_reference' | 'reference';

/**
 * Which invoice a credit line pays, trusting only what no partner can choose for another tenant:
 * first the RF payment reference Recoup gave the invoice (normalised, check digits verified; unique
 * across partners). Then the partner's own words (`reference`, `invoice_number`) or a Recoup id in
 * the remittance text, but only when exactly one invoice of all tenants fits the text, its amount
 * due is the line's amount, and the payer the bank names (if it names one) is its debtor. A partner
 * that picks another tenant's invoice number or a common word as its reference thus makes the
 * line wait for ops; it never catches the payment. Anything else waits for ops, with a note.
 */
export async function findInvoiceFor(db: Db, line: Pick<BankTransactionRow, 'remittance' | 'customerReference' | 'counterpartyName' | 'amountCents' | 'currency'>): Promise<{ invoice: InvoiceRow | null; by: MatchedBy | null; note: string | null; suggested?: InvoiceRow }> {
  const text = [line.customerReference ?? '', line.remittance].join(' ');
  const rfReferences = paymentReferencesIn(text);
  if (rfReferences.length) {
    const byPaymentReference = await db.select().from(invoices).where(inArray(invoices.paymentReference, rfReferences)).limit(2);
    if (byPaymentReference.length === 1) return { invoice: byPaymentReference[0]!, by: 'payment_reference', note: null };
    if (byPaymentReference.length > 1) return { invoice: null, by: null, note: 'the text names payment references of several invoices: choose one' };
  }

  const tokens = referenceTokens(text);
  if (!tokens.length) return { invoice: null, by: null, note: 'no payment reference or invoice reference in the text' };
  // Every invoice of every partner, drafts and closed ones included: the text must fit one only.
  const fits = await db
    .select()
    .from(invoices)
    .where(or(inArray(sql`upper(${invoices.id})`, tokens), inArray(sql`upper(${invoices.reference})`, tokens), inArray(sql`upper(${invoices.invoiceNumber})`, tokens)))
    .limit(2);
  if (fits.length === 0) return { invoice: null, by: null, note: 'no invoice has a payment reference, reference, number or id in the text' };
  if (fits.length > 1) return { invoice: null, by: null, note: 'the text fits several invoices: choose one' };
  const invoice = fits[0]!;
  // Shown to ops as the likely invoice; paid only when they assign it.
  const fitsOnly = (why: string) => ({ invoice: null, by: null, note: `the text fits invoice ${invoice.invoiceNumber} (${invoice.status}), but ${why}`, suggested: invoice });
  if (amountDue(invoice) !== line.amountCents) return fitsOnly(`the amount is not its amount due of ${amountDue(invoice)} cents`);
  if (line.counterpartyName && !payerIsDebtor(line.counterpartyName, '', invoice.debtor)) return fitsOnly('the payer is not its debtor');
  return { invoice, by: 'reference', note: null };
}

async function matchLine(deps: ReconciliationDeps, line: BankTransactionRow): Promise<void> {
  const { invoice, by, note, suggested } = await findInvoiceFor(deps.db, line);
  if (!invoice || !by) {
    await deps.db.update(bankTransactions).set({ note, invoiceId: suggested?.id ?? null, matchedAt: new Date(), updatedAt: new Date() }).where(eq(bankTransactions.id, line.id));
    return;
  }
  const refused = await payInvoice(deps, invoice, line);
  await deps.db
    .update(bankTransactions)
    .set(
      refused
        ? { invoiceId: invoice.id, note: `found invoice ${invoice.invoiceNumber} (${by}), not paid: ${refused}`, matchedAt: new Date(), updatedAt: new Date() }
        : { status: 'matched', invoiceId: invoice.id, matchedBy: by, note: null, matchedAt: new Date(), updatedAt: new Date() },
    )
    .where(and(eq(bankTransactions.id, line.id), eq(bankTransactions.status, 'unmatched')));
}

/** Invoice amounts are integer columns; a bank line (bigint) can be far larger and must not overflow them. */
const INVOICE_COLUMN_MAX_CENTS = 2_147_483_647;

/** The payment's id at the invoice: the same for the line however often it is imported, retried or resolved. */
export function bankPaymentExternalId(line: Pick<BankTransactionRow, 'id'>): string {
  return `bank:${line.id}`;
}

/**
 * Registers the line as a payment through the invoice workflow's `registerPayment` update (its
 * validator refuses closed invoices). Answers why it was refused, or null when paid.
 */
async function payInvoice(deps: ReconciliationDeps, invoice: InvoiceRow, line: BankTransactionRow): Promise<string | null> {
  if (invoice.currency !== line.currency) return `the invoice is in ${invoice.currency}, the payment in ${line.currency}`;
  if (invoice.status === 'draft') return 'the invoice has not been transmitted';
  if (isFinalStatus(invoice.status)) return `the invoice is ${invoice.status}`;
  if (invoice.amountPaidCents + line.amountCents > INVOICE_COLUMN_MAX_CENTS) return 'the payment is larger than an invoice can record';
  const externalId = bankPaymentExternalId(line);
  try {
    await invoiceClient(deps.temporal, invoice.id).registerPayment(
      { amountCents: line.amountCents, externalId, paidAt: `${line.valueDate}T12:00:00.000Z`, source: 'bank' },
      `payment-${externalId}`,
    );
    return null;
  } catch (err) {
    const refusal = invoiceRefusal(err);
    if (refusal) return refusal.message;
    if (err instanceof WorkflowNotFoundError) return 'the invoice collection has ended';
    throw err;
  }
}

/** Ops assign a waiting line to an invoice (its id, its payment reference, or its number when only one invoice has it): paid through the workflow. */
export async function resolveBankTransaction(deps: ReconciliationDeps, id: string, input: { invoice: string; by: string; reason?: string }): Promise<BankTransactionRow> {
  const line = await waitingLine(deps.db, id);
  if (line.direction !== 'credit') throw conflict('not_a_credit', 'Only money received can pay an invoice');
  const wanted = input.invoice.trim();
  const found = await deps.db
    .select()
    .from(invoices)
    .where(or(eq(invoices.id, wanted), eq(invoices.paymentReference, normalisePaymentReference(wanted)), and(eq(invoices.invoiceNumber, wanted), ne(invoices.status, 'draft'))))
    .limit(20);
  const exact = found.filter((i) => i.id === wanted);
  const choice = exact.length ? exact : found;
  if (!choice.length) throw new DomainError('not_found', 'not_found', `No invoice with id or number "${wanted}"`);
  if (choice.length > 1) throw unprocessable('invoice_ambiguous', `${choice.length} invoices have the number "${wanted}": give the invoice id (${choice.map((i) => i.id).join(', ')})`);
  const invoice = choice[0]!;
  const refused = await payInvoice(deps, invoice, line);
  if (refused) throw conflict('invoice_not_payable', `Invoice ${invoice.invoiceNumber} cannot take the payment: ${refused}`);
  const [row] = await deps.db
    .update(bankTransactions)
    .set({ status: 'resolved', invoiceId: invoice.id, matchedBy: 'ops', resolvedBy: input.by, resolvedAt: new Date(), resolutionReason: input.reason?.trim() || null, updatedAt: new Date() })
    .where(and(eq(bankTransactions.id, line.id), eq(bankTransactions.status, 'unmatched')))
    .returning();
  if (!row) throw conflict('bank_transaction_decided', 'The line was decided by someone else meanwhile');
  return row;
}

/** Ops set a waiting line aside (a payment for something else, a duplicate): the reason is required and kept. */
export async function dismissBankTransaction(deps: ReconciliationDeps, id: string, input: { by: string; reason: string }): Promise<BankTransactionRow> {
  const reason = input.reason.trim();
  if (!reason || reason.length > 1000) throw new DomainError('invalid', 'validation_failed', 'A reason (at most 1000 characters) is required', [{ path: 'reason', message: 'required, at most 1000 characters' }]);
  await waitingLine(deps.db, id);
  const [row] = await deps.db
    .update(bankTransactions)
    .set({ status: 'dismissed', resolvedBy: input.by, resolvedAt: new Date(), resolutionReason: reason, updatedAt: new Date() })
    .where(and(eq(bankTransactions.id, id), eq(bankTransactions.status, 'unmatched')))
    .returning();
  if (!row) throw conflict('bank_transaction_decided', 'The line was decided by someone else meanwhile');
  return row;
}

/** The lines waiting for ops (newest value date first) and the latest lines ops decided. */
export async function reconciliationQueue(db: Db): Promise<{ waiting: BankTransactionRow[]; decided: BankTransactionRow[] }> {
  const waiting = await db.select().from(bankTransactions).where(eq(bankTransactions.status, 'unmatched')).orderBy(desc(bankTransactions.valueDate), desc(bankTransactions.id)).limit(200);
  const decided = await db
    .select()
    .from(bankTransactions)
    .where(and(ne(bankTransactions.status, 'unmatched'), ne(bankTransactions.status, 'matched'), ne(bankTransactions.resolvedBy, 'system')))
    .orderBy(desc(bankTransactions.resolvedAt), desc(bankTransactions.id))
    .limit(50);
  return { waiting, decided };
}

async function waitingLine(db: Db, id: string): Promise<BankTransactionRow> {
  const [line] = await db.select().from(bankTransactions).where(eq(bankTransactions.id, id));
  if (!line) throw notFound('bank transaction');
  if (line.status !== 'unmatched') throw conflict('bank_transaction_decided', `The line is ${line.status} already`);
  return line;
}
