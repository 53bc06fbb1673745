import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { companies, debtors, imports, invoices } from '../../db/schema';
import { createPartner } from '../../services/api-keys';
import { newId } from '../../services/ids';
import { databaseBefore, type DatabaseBeforeUpgrade, WHOLE_MIGRATION_TIMEOUT_MS } from '../support/migration-upgrade';

/**
 * An installation that kept invoice-level opt-outs after debtors came (an SMS STOP, the portal's
 * old SMS switch) upgrades: each becomes its debtor's opt-out, for every invoice of that debtor,
 * joined with what the debtor had already; the invoice-level table is gone.
 */
test('the migration makes each invoice-level opt-out its debtor’s, keeps what the debtor had, and drops the old table', async () => {
  const before = await databaseBefore('_debtor_opt_outs');
  try {
    await upgradeWithInvoiceOptOuts(before);
  } finally {
    await before.close();
  }
}, WHOLE_MIGRATION_TIMEOUT_MS);

async function upgradeWithInvoiceOptOuts(before: DatabaseBeforeUpgrade) {
  const db: Db = before.db;
  const partner = await createPartner(db, { name: 'Upgrade partner' });
  const [company] = await db
    .insert(companies)
    .values({ id: newId('cmp'), partnerId: partner.id, name: 'Club', country: 'NL', currency: 'EUR', locale: 'nl', timezone: 'Europe/Amsterdam', status: 'verified' })
    .returning();
  const [imp] = await db.insert(imports).values({ id: newId('imp'), partnerId: partner.id, companyId: company!.id }).returning();
  // The debtors table as it was then: written in SQL, since today's schema has columns that come later.
  const debtor = async (name: string, optOuts: Array<'email' | 'sms'>) => {
    const id = newId('dbt');
    await db.execute(
      sql`INSERT INTO debtors (id, partner_id, company_id, name, email, locale, timezone, opt_outs) VALUES (${id}, ${partner.id}, ${company!.id}, ${name}, ${`${name}@example.nl`}, 'nl', 'Europe/Amsterdam', ${JSON.stringify(optOuts)}::jsonb)`,
    );
    return { id };
  };
  const invoice = async (debtorId: string) => {
    const id = newId('inv');
    await db.insert(invoices).values({
      id,
      partnerId: partner.id,
      companyId: company!.id,
      importId: imp!.id,
      invoiceNumber: id,
      issueDate: '2026-01-01',
      dueDate: '2026-01-31',
      currency: 'EUR',
      paymentReference: `RF00${id.slice(-10).toUpperCase()}`,
      debtor: { last_name: debtorId, locale: 'nl', timezone: 'Europe/Amsterdam' },
      debtorId,
      amountTotalCents: 10_000,
    });
    return id;
  };
  const stopped = await debtor('stopped', []);
  const both = await debtor('both', ['email']);
  const untouched = await debtor('untouched', []);
  const [s1, s2] = [await invoice(stopped.id), await invoice(stopped.id)];
  const b1 = await invoice(both.id);
  await invoice(untouched.id);
  // STOP recorded on both of one debtor's invoices (one channel, once on the debtor), and an SMS opt-out of a debtor already out of email.
  await db.execute(sql`INSERT INTO opt_outs (invoice_id, channel) VALUES (${s1}, 'sms'), (${s2}, 'sms'), (${b1}, 'sms')`);

  await before.upgrade();

  const optOutsOf = async (id: string) => (await db.select({ optOuts: debtors.optOuts }).from(debtors).where(eq(debtors.id, id)))[0]!.optOuts;
  expect(await optOutsOf(stopped.id)).toEqual(['sms']);
  expect(await optOutsOf(both.id)).toEqual(['email', 'sms']);
  expect(await optOutsOf(untouched.id)).toEqual([]);
  const table = await db.execute(sql`SELECT to_regclass('public.opt_outs') AS t`);
  expect((table as unknown as { rows: Array<{ t: string | null }> }).rows[0]!.t).toBeNull();
}
