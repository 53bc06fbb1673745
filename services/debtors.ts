import { and, asc, count, eq, gt, inArray, isNull, ne, sql, sum, type SQL } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Db } from '../db/client';
import { companies, debtors, invoices } from '../db/schema';
import { insertRows } from '../db/unnest-rows';
import { debtorDetailsOf, debtorKeyOf, normalizeEmail, type DebtorKey } from '../domain/debtor-identity';
import { conflict, invalidField, invalidFields, notFound } from '../domain/errors';
import { openInvoiceStatuses } from '../domain/invoice-status';
import { invalidPhoneMessage, normalizePhoneNumber } from '../domain/phone';
import { debtorPatchSchema, type Debtor, type DebtorPatch } from '../domain/schemas';
import { debtorResource } from '../resources/debtor';
import { invoiceClient, refusedAsClosed } from '../workflows/invoice.client';
import type { ContactChange } from '../workflows/invoice.messages';
import { appendEvents } from './events';
import { newId } from './ids';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type DebtorRow = typeof debtors.$inferSelect;
type InvoiceRow = typeof invoices.$inferSelect;

export type DebtorCompany = { id: string; partnerId: string; country?: string | null };

/** Where each key's one debtor lives: the partial unique index ON CONFLICT names (see db/schema.ts). */
const keyIndex = {
  external_id: { target: [debtors.companyId, debtors.externalId], targetWhere: sql`${debtors.externalId} IS NOT NULL` },
  email: { target: [debtors.companyId, debtors.email], targetWhere: sql`${debtors.externalId} IS NULL` },
  phone: { target: [debtors.companyId, debtors.phone], targetWhere: sql`${debtors.externalId} IS NULL AND ${debtors.email} IS NULL` },
};

/**
 * The debtor an invoice's debtor belongs to (domain/debtor-identity.ts), made when the company has
 * none with its key. The debtor takes the invoice's details (the latest invoice's name, locale and
 * timezone; its email and phone when it gives them). The debtor is read first: one the invoice
 * leaves as it is is not written, so that invoices of one debtor added at once do not queue on its
 * row's lock. A new or changed one is written with INSERT … ON CONFLICT DO UPDATE on the key's
 * unique index: two transactions making the same new debtor at once both end with the one row,
 * where a look-up-then-insert would make the second fail on the index.
 */
export async function findOrCreateDebtor(tx: Tx | Db, company: DebtorCompany, debtor: Debtor): Promise<DebtorRow> {
  return (await findOrCreateDebtors(tx, company, [debtor]))[0]!;
}

/**
 * The debtors of several invoices of one company, in their order: each key is resolved once (the
 * later invoices' details win), in a fixed order so two transactions joining the same
 * debtors wait for each other instead of deadlocking.
 */
export async function findOrCreateDebtors(tx: Tx | Db, company: DebtorCompany, inputs: ReadonlyArray<Debtor>): Promise<DebtorRow[]> {
  const keyed = new Map<string, { key: DebtorKey; debtor: Debtor }>();
  const keys = inputs.map((debtor) => {
    const key = debtorKeyOf(debtor, company.country);
    if (!key) return null;
    const k = `${key.kind}:${key.value}`;
    // As the upsert does between invoices: the later one's details, keeping an email or phone it leaves out.
    const earlier = keyed.get(k)?.debtor;
    keyed.set(k, { key, debtor: earlier ? { ...debtor, email: debtor.email ?? earlier.email, phone: debtor.phone ?? earlier.phone } : debtor });
    return k;
  });
  const resolved = new Map<string, DebtorRow>();
  // One statement per kind of key and chunk of debtors (a placement file brings thousands), in
  // the order of the keys as strings (`email:…` < `external_id:…` < `phone:…`), rows sorted within.
  for (const kind of ['email', 'external_id', 'phone'] as const) {
    const ofKind = [...keyed].filter(([, v]) => v.key.kind === kind).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (let i = 0; i < ofKind.length; i += UPSERT_CHUNK) {
      const chunk = ofKind.slice(i, i + UPSERT_CHUNK);
      // A stored debtor the invoice leaves as it is is only read. Writing it regardless would lock
      // its row until the transaction commits, so every invoice of one debtor would wait for the
      // one before. New and changed debtors are upserted as before, in the same order.
      const current = new Map((await debtorsWithKeys(tx, company, kind, chunk.map(([, v]) => v.key.value))).map((r) => [keyColumnOf(kind, r), r]));
      const toWrite: typeof chunk = [];
      for (const entry of chunk) {
        const row = current.get(entry[1].key.value);
        if (row && !changesDebtor(row, entry[1].debtor, company)) resolved.set(entry[0], row);
        else toWrite.push(entry);
      }
      if (!toWrite.length) continue;
      const stored = await upsertDebtorsOfKind(tx, company, kind, toWrite.map(([, v]) => v));
      const byKey = new Map(stored.map((r) => [keyColumnOf(kind, r), r]));
      for (const [k, v] of toWrite) resolved.set(k, byKey.get(v.key.value) ?? (await upsertDebtor(tx, company, v.key, v.debtor)));
    }
  }
  // Debtors without a key are new ones each.
  const unkeyed = inputs.flatMap((debtor, i) => (keys[i] ? [] : [debtorRowOf(company, null, debtor)]));
  const made = new Map<string, DebtorRow>();
  for (let i = 0; i < unkeyed.length; i += UPSERT_CHUNK) for (const r of await insertRows(tx.insert(debtors), debtors, unkeyed.slice(i, i + UPSERT_CHUNK)).returning()) made.set(r.id, r);
  let nextUnkeyed = 0;
  return keys.map((k) => (k ? resolved.get(k)! : made.get(unkeyed[nextUnkeyed++]!.id)!));
}

/** Debtors a statement writes at most (one array parameter per column, db/unnest-rows.ts). */
const UPSERT_CHUNK = 500;

/** The value of a stored debtor's key column: where its key of that kind is. */
function keyColumnOf(kind: DebtorKey['kind'], row: DebtorRow): string | null {
  return kind === 'external_id' ? row.externalId : kind === 'email' ? row.email : row.phone;
}

function debtorRowOf(company: DebtorCompany, key: DebtorKey | null, debtor: Debtor) {
  const details = debtorDetailsOf(debtor, company.country);
  return {
    id: newId('dbt'),
    partnerId: company.partnerId,
    companyId: company.id,
    // Only the key's own field decides which index row it is; an email-keyed debtor has no external id.
    externalId: key?.kind === 'external_id' ? key.value : null,
    name: details.name,
    email: details.email,
    phone: details.phone,
    locale: details.locale,
    timezone: details.timezone,
  };
}

/** The company's debtors with these keys of one kind, read through the same partial unique index the upsert names. */
function debtorsWithKeys(tx: Tx | Db, company: DebtorCompany, kind: DebtorKey['kind'], values: string[]): Promise<DebtorRow[]> {
  // One array parameter, whatever the chunk's size (an IN list would be a parameter per key).
  const { target, targetWhere } = keyIndex[kind];
  const where = and(eq(debtors.companyId, company.id), targetWhere, sql`${target[1]} = any(${sql.param(values)}::text[])`);
  return tx.select().from(debtors).where(where);
}

/** Whether joining this invoice's debtor would change the stored one (what `onKeyConflict` would write). */
function changesDebtor(row: DebtorRow, debtor: Debtor, company: DebtorCompany): boolean {
  const d = debtorDetailsOf(debtor, company.country);
  return row.name !== d.name || row.email !== (d.email ?? row.email) || row.phone !== (d.phone ?? row.phone) || row.locale !== d.locale || row.timezone !== d.timezone;
}

/** As a debtor joins an existing one: the later invoice's details, keeping an email or phone it leaves out. */
const onKeyConflict = {
  name: sql`excluded.name`,
  email: sql`coalesce(excluded.email, ${debtors.email})`,
  phone: sql`coalesce(excluded.phone, ${debtors.phone})`,
  locale: sql`excluded.locale`,
  timezone: sql`excluded.timezone`,
  updatedAt: sql`now()`,
};

/** Debtors with distinct keys of one kind in one INSERT … ON CONFLICT on that kind's index. */
async function upsertDebtorsOfKind(tx: Tx | Db, company: DebtorCompany, kind: DebtorKey['kind'], inputs: Array<{ key: DebtorKey; debtor: Debtor }>): Promise<DebtorRow[]> {
  const rows = inputs.map(({ key, debtor }) => debtorRowOf(company, key, debtor));
  return insertRows(tx.insert(debtors), debtors, rows).onConflictDoUpdate({ ...keyIndex[kind], set: onKeyConflict }).returning();
}

async function upsertDebtor(tx: Tx | Db, company: DebtorCompany, key: DebtorKey | null, debtor: Debtor): Promise<DebtorRow> {
  const insert = tx.insert(debtors).values(debtorRowOf(company, key, debtor));
  if (!key) return (await insert.returning())[0]!;
  const [stored] = await insert.onConflictDoUpdate({ ...keyIndex[key.kind], set: onKeyConflict }).returning();
  return stored!;
}

/** A debtor with what it owes: its open invoices (transmitted, not closed) and their amount due. */
export interface DebtorAccount {
  debtor: DebtorRow;
  openInvoiceCount: number;
  amountDueCents: number;
}

/**
 * Whose debtors a caller may see: a partner id, or `undefined` for ops (all). The API passes what
 * its tenancy rule gives for the principal; anything not visible is "not found".
 */
export type PartnerScope = string | undefined;

export interface DebtorListQuery {
  company_id?: string | undefined;
  email?: string | undefined;
  external_id?: string | undefined;
  /** The id of the last debtor of the previous page. */
  after?: string | undefined;
  limit: number;
}

/** A page of debtors ordered by id; `nextAfter` is the id to continue after, null on the last page. */
export async function listDebtors(db: Db, scope: PartnerScope, query: DebtorListQuery): Promise<{ data: DebtorAccount[]; nextAfter: string | null }> {
  const rows = await db
    .select()
    .from(debtors)
    .where(
      and(
        scope === undefined ? undefined : eq(debtors.partnerId, scope),
        query.company_id ? eq(debtors.companyId, query.company_id) : undefined,
        query.email ? eq(debtors.email, normalizeEmail(query.email)) : undefined,
        query.external_id ? eq(debtors.externalId, query.external_id.trim()) : undefined,
        query.after ? gt(debtors.id, query.after) : undefined,
      ),
    )
    .orderBy(asc(debtors.id))
    .limit(query.limit + 1);
  const data = await withBalances(db, rows.slice(0, query.limit));
  return { data, nextAfter: rows.length > query.limit ? data[data.length - 1]!.debtor.id : null };
}

/** One debtor the scope may see, with its balance; not found otherwise. */
export async function getDebtor(db: Db, scope: PartnerScope, id: string): Promise<DebtorAccount> {
  return (await withBalances(db, [await getDebtorRow(db, scope, id)]))[0]!;
}

/** A page of a visible debtor's invoices (every status), ordered by id; not found for a debtor the scope may not see. */
export async function listDebtorInvoices(
  db: Db,
  scope: PartnerScope,
  debtorId: string,
  query: { after?: string | undefined; limit: number },
): Promise<{ data: InvoiceRow[]; nextAfter: string | null }> {
  await getDebtorRow(db, scope, debtorId);
  const rows = await db
    .select()
    .from(invoices)
    .where(and(eq(invoices.debtorId, debtorId), query.after ? gt(invoices.id, query.after) : undefined))
    .orderBy(asc(invoices.id))
    .limit(query.limit + 1);
  const data = rows.slice(0, query.limit);
  return { data, nextAfter: rows.length > query.limit ? data[data.length - 1]!.id : null };
}

async function getDebtorRow(db: Tx | Db, scope: PartnerScope, id: string): Promise<DebtorRow> {
  const [row] = await db.select().from(debtors).where(and(eq(debtors.id, id), scope === undefined ? undefined : eq(debtors.partnerId, scope)));
  if (!row) throw notFound('debtor');
  return row;
}

/** What is due on an invoice, as domain/amounts.ts amountDue computes it, in SQL. */
const amountDueSql: SQL<number> = sql`greatest(0, ${invoices.amountTotalCents} + ${invoices.feesCents} - ${invoices.amountPaidCents} - ${invoices.amountCreditedCents})`;

async function withBalances(db: Tx | Db, rows: DebtorRow[]): Promise<DebtorAccount[]> {
  if (rows.length === 0) return [];
  const balances = await db
    .select({ debtorId: invoices.debtorId, n: count(), due: sum(amountDueSql) })
    .from(invoices)
    .where(and(inArray(invoices.debtorId, rows.map((r) => r.id)), inArray(invoices.status, [...openInvoiceStatuses])))
    .groupBy(invoices.debtorId);
  const byDebtor = new Map(balances.map((b) => [b.debtorId, b]));
  return rows.map((debtor) => {
    const b = byDebtor.get(debtor.id);
    return { debtor, openInvoiceCount: Number(b?.n ?? 0), amountDueCents: Number(b?.due ?? 0) };
  });
}

export interface DebtorUpdateDeps {
  db: Db;
  temporal: Client;
}

/**
 * New contact details for a debtor and every open invoice of theirs (`PATCH /debtors/{id}`, and
 * the batch files' contact updates): the debtor row and each open invoice's `debtor` change in
 * one transaction (changeDebtorDetails). After the commit each running invoice workflow hears of
 * a new timezone (email, phone and address are read from the invoice row at each send). A debtor
 * the scope may not see is not found, whatever the input; bad input is `invalid` with the field
 * path and changes nothing.
 */
export async function updateDebtor(deps: DebtorUpdateDeps, scope: PartnerScope, debtorId: string, input: unknown): Promise<DebtorAccount> {
  // One id per change: a workflow that already applied it ignores a resent update.
  const changeId = newId('dch');
  const { patch, account, invoiceIds } = await deps.db.transaction(async (tx) => {
    const current = await lockDebtor(tx, scope, debtorId);
    // Parsed once the debtor is known to be visible: another partner's debtor is a 404, not a 400.
    const parsed = debtorPatchSchema.safeParse(input ?? undefined);
    if (!parsed.success) throw invalidFields(parsed.error.issues.map((i) => ({ path: i.path.length ? i.path.map(String).join('.') : 'body', message: i.message })));
    const patch: DebtorPatch = parsed.data;
    const [company] = await tx.select({ country: companies.country }).from(companies).where(eq(companies.id, current.companyId));
    // A national number is read in the new address's country, else the company's.
    const country = patch.address?.country ?? company?.country;
    const phone = patch.phone === undefined ? undefined : normalizePhoneNumber(patch.phone, country);
    if (phone === null) throw invalidField('phone', invalidPhoneMessage(country));
    return { patch, ...(await changeDebtorDetails(tx, current, { ...patch, ...(phone !== undefined ? { phone } : {}) })) };
  });
  if (patch.timezone) await tellInvoiceWorkflows(deps.temporal, invoiceIds, { timezone: patch.timezone }, changeId);
  return account;
}

/**
 * Checked new contact details, as the invoices' `debtor` takes them (a phone in E.164); `null`
 * clears an email or phone (a portal change undone to none).
 */
export type DebtorContactChange = Omit<DebtorPatch, 'email' | 'phone'> & { email?: string | null; phone?: string | null };

/** Who changed the details, as the events' `via` says; a partner's change names none. */
export type DebtorChangeVia = 'portal' | 'portal_undo';

/**
 * The debtor, locked for a contact change in this transaction: concurrent changes of one debtor
 * apply one after the other. Not found when the scope may not see it.
 */
export async function lockDebtor(tx: Tx, scope: PartnerScope, debtorId: string): Promise<DebtorRow> {
  const [row] = await tx
    .select()
    .from(debtors)
    .where(and(eq(debtors.id, debtorId), scope === undefined ? undefined : eq(debtors.partnerId, scope)))
    .for('update');
  if (!row) throw notFound('debtor');
  return row;
}

/**
 * Changes a locked debtor (lockDebtor) and every open invoice's `debtor` in the caller's
 * transaction, with `debtor.updated` (the debtor resource) and one `invoice.contact_updated` per
 * invoice. The caller tells the running workflows of a new timezone after the commit. A new email
 * or phone that is another debtor's key is refused (refuseTakenKey).
 */
export async function changeDebtorDetails(
  tx: Tx,
  current: DebtorRow,
  change: DebtorContactChange,
  via?: DebtorChangeVia,
): Promise<{ account: DebtorAccount; invoiceIds: string[] }> {
  const email = change.email === undefined || change.email === null ? change.email : normalizeEmail(change.email);
  await refuseTakenKey(tx, current, email === undefined ? current.email : email, change.phone === undefined ? current.phone : change.phone);
  const [updated] = await tx
    .update(debtors)
    .set({
      ...(email !== undefined ? { email } : {}),
      // A new address has not bounced: email steps use it again.
      ...(email !== undefined && email !== current.email ? { emailUndeliverableAddress: null, emailUndeliverableAt: null } : {}),
      ...(change.phone !== undefined ? { phone: change.phone } : {}),
      ...(change.locale ? { locale: change.locale } : {}),
      ...(change.timezone ? { timezone: change.timezone } : {}),
      updatedAt: new Date(),
    })
    .where(eq(debtors.id, current.id))
    .returning();
  const open = await tx
    .select({ id: invoices.id, debtor: invoices.debtor, partnerId: invoices.partnerId, companyId: invoices.companyId })
    .from(invoices)
    .where(and(eq(invoices.debtorId, current.id), inArray(invoices.status, [...openInvoiceStatuses])))
    .for('update');
  for (const inv of open) {
    await tx.update(invoices).set({ debtor: withContactChange(inv.debtor, change), updatedAt: new Date() }).where(eq(invoices.id, inv.id));
  }
  const account = (await withBalances(tx, [updated!]))[0]!;
  const changed = Object.keys(change);
  await appendEvents(tx, [
    { type: 'debtor.updated', partnerId: current.partnerId, companyId: current.companyId, data: { debtor_id: current.id, ...debtorResource(account), ...(via ? { via } : {}) } },
    ...open.map((inv) => ({
      type: 'invoice.contact_updated' as const,
      partnerId: inv.partnerId,
      companyId: inv.companyId,
      invoiceId: inv.id,
      data: { invoice_id: inv.id, debtor_id: current.id, changed, ...(via ? { via } : {}) },
    })),
  ]);
  return { account, invoiceIds: open.map((inv) => inv.id) };
}

/** An invoice's `debtor` with the change applied: a cleared email or phone is left out. */
function withContactChange(debtor: Debtor, change: DebtorContactChange): Debtor {
  const next: Debtor = { ...debtor };
  for (const [field, value] of Object.entries(change) as Array<[keyof DebtorContactChange, unknown]>) {
    if (value === undefined) continue;
    if (value === null) delete next[field];
    else (next as Record<string, unknown>)[field] = value;
  }
  return next;
}

/**
 * The new email or phone must not be another debtor's key at this company (the unique indexes of
 * db/schema.ts): two people are never merged by a contact change.
 */
async function refuseTakenKey(tx: Tx, current: DebtorRow, email: string | null, phone: string | null): Promise<void> {
  if (current.externalId !== null) return; // an id-keyed debtor's email and phone are no key
  const others = and(eq(debtors.companyId, current.companyId), isNull(debtors.externalId), ne(debtors.id, current.id));
  if (email !== null && email !== current.email) {
    const [taken] = await tx.select({ id: debtors.id }).from(debtors).where(and(others, eq(debtors.email, email)));
    if (taken) throw conflict('debtor_contact_taken', 'Another debtor of this company has this email', [{ path: 'email', message: 'belongs to another debtor' }]);
  }
  if (email === null && phone !== null && phone !== current.phone) {
    const [taken] = await tx.select({ id: debtors.id }).from(debtors).where(and(others, isNull(debtors.email), eq(debtors.phone, phone)));
    if (taken) throw conflict('debtor_contact_taken', 'Another debtor of this company has this phone', [{ path: 'phone', message: 'belongs to another debtor' }]);
  }
}

/**
 * Tells running invoice workflows of a contact change (after the commit that stored it). The
 * update id makes a resent change apply once; an invoice whose collection ended (closed, or its
 * run gone) has nothing left to time and is skipped. Any other failure is raised once every
 * invoice was tried.
 */
export async function tellInvoiceWorkflows(temporal: Client, invoiceIds: readonly string[], change: ContactChange, changeId: string): Promise<void> {
  let failure: unknown;
  for (const invoiceId of invoiceIds) {
    try {
      await invoiceClient(temporal, invoiceId).contactChanged(change, `contact-${changeId}`);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError) && !refusedAsClosed(err)) failure ??= err;
    }
  }
  if (failure) throw failure;
}
