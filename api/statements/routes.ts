import express from 'express';
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { bankStatements, bankTransactions } from '../../db/schema';
import { bankTransactionListQuerySchema, statementQuerySchema } from '../../domain/statements/schemas';
import { principalOf } from '../auth';
import { AppError } from '../errors';
import { DomainError, notFound } from '../../domain/errors';
import { listPage } from '../pagination';
import { defineRoute, type RouteContext } from '../route-definition';
import { visibleCompany } from '../scope';
import { dismissBankTransaction, importBankStatement, resolveBankTransaction, type BankStatementRow, type BankTransactionRow } from '../../services/reconciliation';
import { statementText } from '../../domain/statements/statement-file';
import { sendStatementFile, type StatementFormat } from './statement-files';

/** The bodies a statement import accepts: MT940 as text, camt.053 as XML. */
const statementMediaTypes = ['text/plain', 'application/xml', 'text/xml', 'application/octet-stream'];

async function sendStatement({ req, res, deps, query, param }: RouteContext<undefined, typeof statementQuerySchema>, format: StatementFormat) {
  const company = await visibleCompany(deps.db, principalOf(req), param('id'));
  await sendStatementFile(res, deps, company, query(), format);
}

async function statementResource(db: Db, s: BankStatementRow) {
  const lines = await db.select().from(bankTransactions).where(eq(bankTransactions.statementId, s.id)).orderBy(asc(bankTransactions.id));
  const count = (status: BankTransactionRow['status']) => lines.filter((l) => l.status === status).length;
  return {
    id: s.id,
    format: s.format,
    statements: s.statements,
    transaction_count: s.transactionCount,
    new_transaction_count: s.newTransactionCount,
    counts: { matched: count('matched'), unmatched: count('unmatched'), resolved: count('resolved'), dismissed: count('dismissed') },
    imported_by: s.importedBy,
    created_at: s.createdAt.toISOString(),
    transactions: lines.map(bankTransactionResource),
  };
}

const tag = 'Statements';

/**
 * Statements of the collection account: exports of a company's collected payments (MT940,
 * camt.053) for its partner and ops, and the import of the bank's statements for reconciliation (ops).
 */
export const statementRoutes = [
  defineRoute({
    operationId: 'getMt940Statement',
    method: 'get',
    path: '/companies/{id}/statements/mt940',
    tag,
    summary: "MT940 statement of a company's collected payments",
    description:
      'SWIFT MT940 of Recoup\'s collection account (`RECOUP_COLLECTION_IBAN`) for the company, one statement per currency: `:60F:` the net of everything collected before `from`, one `:61:`/`:86:` per payment (credit) or chargeback, refund or reversal (debit) from `from` to `to` inclusive (dates in the company\'s timezone), `:61:` with the invoice\'s RF payment reference, `:86:` with `/EREF/` the payment\'s external id, `/REMI/` invoice reference, number and id, `/NAME/` debtor; `:62F:` and `:64:` the closing balance. Sent as an attachment.',
    roles: ['partner', 'ops'],
    query: statementQuerySchema,
    response: { status: 200, description: 'An MT940 file', mediaType: 'text/plain' },
    handler: (ctx) => sendStatement(ctx, 'mt940'),
  }),
  defineRoute({
    operationId: 'getCamt053Statement',
    method: 'get',
    path: '/companies/{id}/statements/camt053',
    tag,
    summary: "camt.053 statement of a company's collected payments",
    description:
      'ISO 20022 camt.053.001.02 with the same content as the MT940: per currency a `Stmt` with balances `OPBD` and `CLBD` and one booked `Ntry` per payment, whose `TxDtls` carry `RmtInf/Ustrd`, `RmtInf/Strd` (invoice number as `RfrdDocInf/Nb`, the RF payment reference as `CdtrRefInf/Ref` typed `SCOR`) and the debtor as `RltdPties/Dbtr/Nm`.',
    roles: ['partner', 'ops'],
    query: statementQuerySchema,
    response: { status: 200, description: 'A camt.053 XML document', mediaType: 'application/xml' },
    handler: (ctx) => sendStatement(ctx, 'camt053'),
  }),
  defineRoute({
    operationId: 'importBankStatement',
    method: 'post',
    path: '/bank_statements',
    tag,
    summary: 'Import a bank statement of the collection account (reconciliation)',
    description:
      'The file as the bank sent it: MT940 or MT942 as `text/plain`, camt.053 as `application/xml` (`text/xml` too). Each credit line is matched to an invoice by the RF payment reference in the remittance text (check digits verified), else by an invoice\'s reference, number or Recoup id only when exactly one invoice of all partners fits the text, the amount is its amount due and the payer (when the bank names one) is its debtor; a match is paid through the invoice workflow (source `bank`). The others wait as `unmatched` for ops in the console (`/console/reconciliation`). The same file again answers 200 with the first import and changes nothing; lines already imported from another file are skipped. A file that cannot be read is a 400 `statement_unreadable` whose `details[0].path` names the line and tag (`line 5 (:61:)`) or the camt.053 element.',
    roles: ['ops'],
    body: 'BankStatementFile',
    bodyMediaType: 'text/plain',
    response: { status: 201, description: 'The import with its new lines and what became of them', schema: 'BankStatement', also: [{ status: 200, description: 'This file was imported before: the first import' }] },
    errors: [
      { status: 413, description: 'The file is larger than 10 MB' },
      { status: 415, description: 'Not text/plain or application/xml' },
    ],
    // Raw bytes: the file's encoding is found from its bytes (banks still write Latin-1), not assumed.
    middleware: [express.raw({ type: statementMediaTypes, limit: '10mb' })],
    handler: async ({ req, res, deps: { db, temporal } }) => {
      if (!req.is(statementMediaTypes)) {
        throw new AppError(415, 'unsupported_media_type', 'Send the statement as its file: MT940 as text/plain, camt.053 as application/xml');
      }
      const content = Buffer.isBuffer(req.body) ? statementText(req.body, charsetOf(req.get('content-type'))) : '';
      if (!content.trim()) throw new DomainError('invalid', 'validation_failed', 'The statement is empty', [{ path: 'body', message: 'empty' }]);
      const { statement, created } = await importBankStatement({ db, temporal }, { content, importedBy: principalOf(req).keyId });
      res.status(created ? 201 : 200).json(await statementResource(db, statement));
    },
  }),
  defineRoute({
    operationId: 'getBankStatement',
    method: 'get',
    path: '/bank_statements/{id}',
    tag,
    summary: 'An imported bank statement with its lines',
    roles: ['ops'],
    response: { status: 200, description: 'The import', schema: 'BankStatement' },
    handler: async ({ res, deps: { db }, param }) => {
      const [row] = await db.select().from(bankStatements).where(eq(bankStatements.id, param('id')));
      if (!row) throw notFound('bank statement');
      res.json(await statementResource(db, row));
    },
  }),
  defineRoute({
    operationId: 'listBankTransactions',
    method: 'get',
    path: '/bank_transactions',
    tag,
    summary: 'Lines of imported bank statements',
    description: 'Filter with `status=unmatched` for the lines waiting for ops.',
    roles: ['ops'],
    query: bankTransactionListQuerySchema,
    response: { status: 200, description: 'A page of bank lines', schema: 'BankTransactionPage' },
    handler: async ({ res, deps: { db }, query }) => {
      const q = query();
      const p = await listPage(db, bankTransactions, q, [
        q.status ? eq(bankTransactions.status, q.status) : undefined,
        q.statement_id ? eq(bankTransactions.statementId, q.statement_id) : undefined,
      ]);
      res.json({ data: p.data.map(bankTransactionResource), next_cursor: p.next_cursor });
    },
  }),
  defineRoute({
    operationId: 'getBankTransaction',
    method: 'get',
    path: '/bank_transactions/{id}',
    tag,
    summary: 'One line of an imported bank statement',
    roles: ['ops'],
    response: { status: 200, description: 'The line', schema: 'BankTransaction' },
    handler: async ({ res, deps: { db }, param }) => {
      const [row] = await db.select().from(bankTransactions).where(eq(bankTransactions.id, param('id')));
      if (!row) throw notFound('bank transaction');
      res.json(bankTransactionResource(row));
    },
  }),
  // The console's two decisions on a waiting line, for ops tooling: the same rules and audit trail.
  defineRoute({
    operationId: 'resolveBankTransaction',
    method: 'post',
    path: '/bank_transactions/{id}/resolve',
    tag,
    summary: 'Assign a waiting bank line to an invoice, which it pays',
    description:
      'For an `unmatched` credit line: pays the invoice (given by id, or by number when only one invoice has it) through its workflow, as an automatic match would (source `bank`, once however often this is retried), and marks the line `resolved` with who, when and why. The console does the same at `/console/reconciliation`.',
    roles: ['ops'],
    body: 'BankTransactionResolve',
    response: { status: 200, description: 'The line, `resolved`', schema: 'BankTransaction' },
    errors: [
      { status: 409, description: '`bank_transaction_decided` (the line is not waiting), `not_a_credit`, or `invoice_not_payable` (the invoice is closed); no invoice with that id or number is a 404' },
      { status: 422, description: '`invoice_ambiguous`: several invoices have that number' },
    ],
    handler: async ({ req, res, deps: { db, temporal }, body: parsedBody, param }) => {
      const body = parsedBody();
      const row = await resolveBankTransaction({ db, temporal }, param('id'), { invoice: body.invoice, by: principalOf(req).keyId, reason: body.reason });
      res.json(bankTransactionResource(row));
    },
  }),
  defineRoute({
    operationId: 'dismissBankTransaction',
    method: 'post',
    path: '/bank_transactions/{id}/dismiss',
    tag,
    summary: 'Set a waiting bank line aside, with a reason',
    description: 'For an `unmatched` line that pays no invoice (a payment for something else, a duplicate): marked `dismissed` with who, when and why. Nothing is paid.',
    roles: ['ops'],
    body: 'BankTransactionDismiss',
    response: { status: 200, description: 'The line, `dismissed`', schema: 'BankTransaction' },
    errors: [{ status: 409, description: '`bank_transaction_decided`: the line is not waiting' }],
    handler: async ({ req, res, deps: { db, temporal }, body: parsedBody, param }) => {
      const body = parsedBody();
      const row = await dismissBankTransaction({ db, temporal }, param('id'), { by: principalOf(req).keyId, reason: body.reason });
      res.json(bankTransactionResource(row));
    },
  }),
];

function charsetOf(contentType: string | undefined): string | undefined {
  return /;\s*charset="?([^";\s]+)"?/i.exec(contentType ?? '')?.[1];
}

export function bankTransactionResource(t: BankTransactionRow) {
  return {
    id: t.id,
    statement_id: t.statementId,
    account: t.account,
    currency: t.currency,
    booking_date: t.bookingDate,
    value_date: t.valueDate,
    direction: t.direction,
    amount_cents: t.amountCents,
    bank_reference: t.bankReference,
    customer_reference: t.customerReference,
    counterparty_name: t.counterpartyName,
    remittance: t.remittance,
    status: t.status,
    invoice_id: t.invoiceId,
    matched_by: t.matchedBy,
    note: t.note,
    resolved_by: t.resolvedBy,
    resolved_at: t.resolvedAt?.toISOString() ?? null,
    resolution_reason: t.resolutionReason,
  };
}
