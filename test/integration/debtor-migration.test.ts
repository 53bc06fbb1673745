import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { companies, debtors, imports, invoices } from '../../db/schema';
import { createPartner } from '../../services/api-keys';
import { findOrCreateDebtor } from '../../services/debtors';
import { newId } from '../../services/ids';
import { databaseBefore, type DatabaseBeforeUpgrade, WHOLE_MIGRATION_TIMEOUT_MS } from '../support/migration-upgrade';

/**
 * An installation with invoices from before debtor accounts upgrades: the migration joins every
 * invoice to a debtor by the identity rule (external id, else normalised email, else E.164 phone;
 * none: a debtor of its own), the debtor takes its latest invoice's details, and an invoice made
 * after the upgrade joins the same debtor a migrated invoice did.
 */
let before: DatabaseBeforeUpgrade;
let db: Db;

beforeAll(async () => {
  before = await databaseBefore('_debtors');
  db = before.db;
}, WHOLE_MIGRATION_TIMEOUT_MS);

afterAll(async () => {
  await before?.close();
});

async function seedCompany(name: string) {
  const partner = await createPartner(db, { name: `${name} partner` });
  const [company] = await db
    .insert(companies)
    .values({ id: newId('cmp'), partnerId: partner.id, name, country: 'NL', currency: 'EUR', locale: 'nl', timezone: 'Europe/Amsterdam', status: 'verified' })
    .returning();
  const [imp] = await db.insert(imports).values({ id: newId('imp'), partnerId: partner.id, companyId: company!.id }).returning();
  return { company: company!, importId: imp!.id };
}

/** An invoice row as the version before debtors stored it (no debtor_id column yet). */
async function oldInvoice(seed: Awaited<ReturnType<typeof seedCompany>>, id: string, createdAt: string, debtor: Record<string, unknown>) {
  await db.execute(sql`
    INSERT INTO invoices (id, partner_id, company_id, import_id, invoice_number, issue_date, due_date, currency, payment_reference, debtor, amount_total_cents, status, created_at)
    VALUES (${id}, ${seed.company.partnerId}, ${seed.company.id}, ${seed.importId}, ${id}, '2026-01-01', '2026-01-31', 'EUR', ${`RF00${id.toUpperCase()}`}, ${JSON.stringify({ locale: 'nl', timezone: 'Europe/Amsterdam', ...debtor })}::jsonb, 10000, 'overdue', ${createdAt})`);
}

test('the migration joins the invoices stored before it to debtors by the identity rule', async () => {
  const club = await seedCompany('Club');
  const other = await seedCompany('Other club');
  await oldInvoice(club, 'a1', '2026-01-01T10:00:00Z', { first_name: 'Jan', last_name: 'Jansen', email: 'Jan@Example.nl', phone: '+31612345678' });
  await oldInvoice(club, 'a2', '2026-02-01T10:00:00Z', { first_name: 'Jan', last_name: 'Jansen-de Boer', email: ' jan@example.nl ', locale: 'en', timezone: 'Europe/London' });
  await oldInvoice(club, 'p1', '2026-01-05T10:00:00Z', { organization_name: 'Bakkerij Smit', last_name: 'Smit', phone: '+31687654321' });
  await oldInvoice(club, 'p2', '2026-01-06T10:00:00Z', { last_name: 'Smit', phone: '+31687654321' });
  await oldInvoice(club, 'n1', '2026-01-07T10:00:00Z', { last_name: 'Pulled', phone: '06 1111 2222' });
  await oldInvoice(club, 'z1', '2026-01-08T10:00:00Z', { last_name: 'Nobody' });
  await oldInvoice(club, 'z2', '2026-01-09T10:00:00Z', { last_name: 'Nobody' });
  await oldInvoice(other, 'o1', '2026-01-02T10:00:00Z', { last_name: 'Jansen', email: 'jan@example.nl' });
  // The invoice-level opt-outs of that version (a table no longer in the schema).
  await db.execute(sql`INSERT INTO opt_outs (invoice_id, channel) VALUES ('p2', 'sms')`);

  await before.upgrade();

  const joined = await db.select({ id: invoices.id, debtorId: invoices.debtorId }).from(invoices).orderBy(asc(invoices.id));
  const debtorOf = Object.fromEntries(joined.map((i) => [i.id, i.debtorId]));
  // One email in any case and spacing: one debtor; one phone: one debtor; the rest on their own.
  expect(debtorOf.a2).toBe(debtorOf.a1);
  expect(debtorOf.p2).toBe(debtorOf.p1);
  expect(new Set(Object.values(debtorOf)).size).toBe(6);
  expect(debtorOf.o1).not.toBe(debtorOf.a1);

  const rows = await db.select().from(debtors);
  const byId = new Map(rows.map((d) => [d.id, d]));
  for (const d of rows) expect(d.id).toMatch(/^dbt_[0-9a-z]{9}[0-9a-f]{12}$/);
  // The latest invoice's name, locale and timezone; the phone the latest left out is kept; the first invoice's time.
  expect(byId.get(debtorOf.a1!)).toMatchObject({
    companyId: club.company.id,
    partnerId: club.company.partnerId,
    externalId: null,
    name: 'Jan Jansen-de Boer',
    email: 'jan@example.nl',
    phone: '+31612345678',
    locale: 'en',
    timezone: 'Europe/London',
    optOuts: [],
    createdAt: new Date('2026-01-01T10:00:00Z'),
  });
  expect(byId.get(debtorOf.p1!)).toMatchObject({ name: 'Smit', email: null, phone: '+31687654321', optOuts: ['sms'] });
  // A phone stored before phones were normalised on every path is neither a key nor the debtor's phone.
  expect(byId.get(debtorOf.n1!)).toMatchObject({ name: 'Pulled', phone: null });
  expect(byId.get(debtorOf.z1!)).toMatchObject({ name: 'Nobody', email: null, phone: null });
  // Ids sort by creation, as new ids do: the January debtor before the February one of the same name… and before today's.
  expect(debtorOf.a1! < newId('dbt')).toBe(true);

  // Every invoice has a debtor from now on.
  const refused = await db
    .execute(sql`INSERT INTO invoices (id, partner_id, company_id, import_id, invoice_number, issue_date, due_date, currency, payment_reference, debtor)
      VALUES ('x1', ${club.company.partnerId}, ${club.company.id}, ${club.importId}, 'x1', '2026-01-01', '2026-01-31', 'EUR', 'RF00X1', '{}'::jsonb)`)
    .then(() => null, (err: Error) => err.cause as Error);
  expect(refused?.message).toMatch(/null value in column "debtor_id"/);

  // An invoice made after the upgrade joins the debtor the migration made for the same key.
  const company = { ...club.company };
  expect((await findOrCreateDebtor(db, company, { last_name: 'Jansen', email: 'JAN@example.nl', locale: 'nl', timezone: 'Europe/Amsterdam' })).id).toBe(debtorOf.a1);
  expect((await findOrCreateDebtor(db, company, { last_name: 'Smit', phone: '06 8765 4321', locale: 'nl', timezone: 'Europe/Amsterdam' })).id).toBe(debtorOf.p1);
  expect((await db.select().from(debtors).where(eq(debtors.companyId, club.company.id))).length).toBe(5);
}, WHOLE_MIGRATION_TIMEOUT_MS);
