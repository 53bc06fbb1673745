import express, { Router } from 'express';
import { asc, eq } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/client';
import { bankStatements, bankTransactions } from '../../db/schema';
import { writeCamt053 } from '../../domain/statements/camt053-writer';
import { writeMt940 } from '../../domain/statements/mt940-writer';
import { bankTransactionDismissSchema, bankTransactionListQuerySchema, bankTransactionResolveSchema, statementQuerySchema } from '../../domain/statements/schemas';
import type { CollectionAccount } from '../../domain/statements/statement';
import { collectionStatements } from '../../services/collection-statements';
import { principalOf, requireRole } from '../auth';
import { AppError, parse } from '../errors';
import { DomainError, notFound } from '../../domain/errors';
import { listPage } from '../pagination';
import { visibleCompany } from '../scope';
import { dismissBankTransaction, importBankStatement, resolveBankTransaction, type BankStatementRow, type BankTransactionRow } from '../../services/reconciliation';
import { statementText } from '../../domain/statements/statement-file';

export interface StatementRouteDeps {
  db: Db;
  temporal: Client;
  /** Recoup's collection account (RECOUP_COLLECTION_IBAN / _BIC / _ACCOUNT_NAME). */
  account: CollectionAccount;
}

/** The bodies a statement import accepts: MT940 as text, camt.053 as XML. */
const statementMediaTypes = ['text/plain', 'application/xml', 'text/xml', 'application/octet-stream'];

/**
 * Statements of the collection account: exports of a company's collected payments (MT940,
 * camt.053) for its partner and ops, and the import of the bank's statements for reconciliation (ops).
 */
export function statementRoutes({ db, temporal, account }: StatementRouteDeps): Router {
  const r = Router();

  async function statementsFor(req: express.Request) {
    const company = await visibleCompany(db, principalOf(req), String(req.params.id));
    const q = parse(statementQuerySchema, req.query, 'query');
    return { company, q, statements: await collectionStatements(db, { company, from: q.from, to: q.to, account }) };
  }

  r.get('/companies/:id/statements/mt940', requireRole('partner', 'ops'), async (req, res) => {
    const { company, q, statements } = await statementsFor(req);
    res
      .status(200)
      // attachment() sets a type from the file name: the type comes after it.
      .attachment(`${company.id}-${q.from}-${q.to}.mt940`)
      .type('text/plain; charset=utf-8')
      .send(writeMt940(statements));
  });

  r.get('/companies/:id/statements/camt053', requireRole('partner', 'ops'), async (req, res) => {
    const { company, q, statements } = await statementsFor(req);
    const messageId = `${company.id.slice(-16)}-${q.from.replace(/-/g, '')}-${q.to.replace(/-/g, '')}`;
    res
      .status(200)
      .attachment(`${company.id}-${q.from}-${q.to}.camt053.xml`)
      .type('application/xml; charset=utf-8')
      .send(writeCamt053(statements, messageId, statements[0]!.createdAt));
  });

  // Raw bytes: the file's encoding is found from its bytes (banks still write Latin-1), not assumed.
  r.post('/bank_statements', requireRole('ops'), express.raw({ type: statementMediaTypes, limit: '10mb' }), async (req, res) => {
    if (!req.is(statementMediaTypes)) {
      throw new AppError(415, 'unsupported_media_type', 'Send the statement as its file: MT940 as text/plain, camt.053 as application/xml');
    }
    const content = Buffer.isBuffer(req.body) ? statementText(req.body, charsetOf(req.get('content-type'))) : '';
    if (!content.trim()) throw new DomainError('invalid', 'validation_failed', 'The statement is empty', [{ path: 'body', message: 'empty' }]);
    const { statement, created } = await importBankStatement({ db, temporal }, { content, importedBy: principalOf(req).keyId });
    res.status(created ? 201 : 200).json(await statementResource(statement));
  });

  r.get('/bank_statements/:id', requireRole('ops'), async (req, res) => {
    const [row] = await db.select().from(bankStatements).where(eq(bankStatements.id, String(req.params.id)));
    if (!row) throw notFound('bank statement');
    res.json(await statementResource(row));
  });

  r.get('/bank_transactions', requireRole('ops'), async (req, res) => {
    const q = parse(bankTransactionListQuerySchema, req.query, 'query');
    const p = await listPage(db, bankTransactions, q, [
      q.status ? eq(bankTransactions.status, q.status) : undefined,
      q.statement_id ? eq(bankTransactions.statementId, q.statement_id) : undefined,
    ]);
    res.json({ data: p.data.map(bankTransactionResource), next_cursor: p.next_cursor });
  });

  r.get('/bank_transactions/:id', requireRole('ops'), async (req, res) => {
    const [row] = await db.select().from(bankTransactions).where(eq(bankTransactions.id, String(req.params.id)));
    if (!row) throw notFound('bank transaction');
    res.json(bankTransactionResource(row));
  });

  // The console's two decisions on a waiting line, for ops tooling: the same rules and audit trail.
  r.post('/bank_transactions/:id/resolve', requireRole('ops'), async (req, res) => {
    const body = parse(bankTransactionResolveSchema, req.body);
    const row = await resolveBankTransaction({ db, temporal }, String(req.params.id), { invoice: body.invoice, by: principalOf(req).keyId, reason: body.reason });
    res.json(bankTransactionResource(row));
  });

  r.post('/bank_transactions/:id/dismiss', requireRole('ops'), async (req, res) => {
    const body = parse(bankTransactionDismissSchema, req.body);
    const row = await dismissBankTransaction({ db, temporal }, String(req.params.id), { by: principalOf(req).keyId, reason: body.reason });
    res.json(bankTransactionResource(row));
  });

  async function statementResource(s: BankStatementRow) {
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

  return r;
}

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
