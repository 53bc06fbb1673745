import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { companies, debtors, imports, invoiceLines, invoices } from '../../db/schema';
import { defaultDunningPolicy, type DunningPolicy } from '../../domain/dunning-policy';
import type { Debtor } from '../../domain/schemas';
import { createPartner } from '../../services/api-keys';
import { optOut } from '../../services/debtor-opt-outs';
import { findOrCreateDebtor } from '../../services/debtors';
import { newId } from '../../services/ids';
import { newPaymentReference } from '../../services/payment-references';
import type { InvoiceWorkflowInput } from '../../workflows/invoice.messages';

export async function seedCompany(db: Db, name = 'Hockey Club Test') {
  const partner = await createPartner(db, { name: 'Seed Partner' });
  const [company] = await db
    .insert(companies)
    .values({ id: newId('cmp'), partnerId: partner.id, name, country: 'NL', currency: 'EUR', locale: 'nl', timezone: 'Europe/Amsterdam', status: 'verified' })
    .returning();
  const [imp] = await db.insert(imports).values({ id: newId('imp'), partnerId: partner.id, companyId: company!.id, status: 'transmitting' }).returning();
  return { partner, company: company!, imp: imp! };
}

export interface SeedInvoiceOptions {
  dueDate: string;
  amountCents?: number;
  debtor?: Partial<Debtor>;
  policy?: DunningPolicy;
}

/** An invoice row and the input its workflow starts with, as the import fan-out would build it. */
export async function seedInvoice(db: Db, seed: Awaited<ReturnType<typeof seedCompany>>, o: SeedInvoiceOptions): Promise<InvoiceWorkflowInput> {
  const amount = o.amountCents ?? 10_000;
  const id = newId('inv');
  // Each invoice its own debtor account unless the test names the debtor's email or external id:
  // invoices of one debtor share a contact budget (the debtor workflow), which tests opt into.
  const ownAccount = o.debtor?.email === undefined && o.debtor?.external_id === undefined ? { external_id: `seed-${id}` } : {};
  const debtor: Debtor = { first_name: 'Anna', last_name: 'de Vries', email: 'anna@example.nl', locale: 'en', timezone: 'Europe/Amsterdam', ...ownAccount, ...o.debtor };
  const account = await findOrCreateDebtor(db, seed.company, debtor);
  await db.insert(invoices).values({
    id,
    partnerId: seed.partner.id,
    companyId: seed.company.id,
    importId: seed.imp.id,
    invoiceNumber: `T-${id.slice(-6)}`,
    issueDate: o.dueDate,
    dueDate: o.dueDate,
    currency: 'EUR',
    paymentReference: newPaymentReference(),
    debtor,
    debtorId: account.id,
    amountTotalCents: amount,
  });
  await db.insert(invoiceLines).values({ id: newId('lin'), invoiceId: id, description: 'Membership', amountCents: amount, quantity: 1, vatRate: 0 });
  return {
    invoiceId: id,
    partnerId: seed.partner.id,
    companyId: seed.company.id,
    currency: 'EUR',
    dueDate: o.dueDate,
    timezone: debtor.timezone,
    amountTotalCents: amount,
    policy: o.policy ?? defaultDunningPolicy,
    policyVersion: 0,
    consumer: !debtor.organization_name,
  };
}

/** A date `days` from the given instant, as YYYY-MM-DD. */
export function dateFrom(ms: number, days: number): string {
  return new Date(ms + days * 86_400_000).toISOString().slice(0, 10);
}

/** The channels the debtor of an invoice opted out of (opt-outs are the debtor's, for all their invoices). */
export async function debtorOptOuts(db: Db, invoiceId: string): Promise<Array<'email' | 'sms'>> {
  const [row] = await db.select({ optOuts: debtors.optOuts }).from(invoices).innerJoin(debtors, eq(debtors.id, invoices.debtorId)).where(eq(invoices.id, invoiceId));
  return row?.optOuts ?? [];
}

/** Opts the debtor of an invoice out of channels, as the portal's switch does. */
export async function optOutDebtorOf(db: Db, invoiceId: string, channels: Array<'email' | 'sms'>): Promise<void> {
  const [row] = await db.select({ debtorId: invoices.debtorId }).from(invoices).where(eq(invoices.id, invoiceId));
  for (const channel of channels) await optOut(db, row!.debtorId, channel, 'portal');
}
