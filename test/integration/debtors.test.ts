import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { debtors, imports, invoices } from '../../db/schema';
import type { Debtor } from '../../domain/schemas';
import { findOrCreateDebtor, getDebtor, listDebtorInvoices, listDebtors } from '../../services/debtors';
import { newId } from '../../services/ids';
import { createDraftInvoices } from '../../services/invoices';
import { debtorResource } from '../../resources/debtor';
import { createTestDatabase } from '../support/database';
import { seedCompany } from '../support/seed';

/**
 * Debtor accounts on the real database (PGlite, or PostgreSQL with RECOUP_TEST_DATABASE_URL, where
 * the concurrency test shows the race): invoices of one company join one debtor by the identity
 * rule, and the read side answers each partner only its own debtors.
 */
let database: Database;

beforeAll(async () => {
  database = await createTestDatabase();
}, 60_000);

afterAll(async () => {
  await database?.close();
});

const jan = (more: Partial<Debtor> = {}): Debtor => ({ first_name: 'Jan', last_name: 'Jansen', locale: 'nl', timezone: 'Europe/Amsterdam', ...more });

async function draftsOf(seed: Awaited<ReturnType<typeof seedCompany>>, debtorsSent: Debtor[]) {
  const db = database.db;
  const [imp] = await db.insert(imports).values({ id: newId('imp'), partnerId: seed.partner.id, companyId: seed.company.id }).returning();
  const created = await db.transaction((tx) =>
    createDraftInvoices(
      tx,
      seed.company,
      imp!.id,
      debtorsSent.map((debtor, i) => ({
        invoice_number: `F-${i + 1}`,
        issue_date: '2027-01-01',
        due_date: '2027-01-31',
        debtor,
        invoice_lines: [{ description: 'Membership', amount_cents: 10_000 * (i + 1), quantity: 1, vat_rate: 0 }],
      })),
    ),
  );
  return created.map((c) => c.invoice);
}

describe('which debtor an invoice joins', () => {
  test.each<[string, Debtor, Debtor, 'same' | 'different']>([
    ['the same external id, whatever the contact details', jan({ external_id: 'M-1', email: 'jan@example.nl' }), jan({ external_id: 'M-1', email: 'other@example.nl', phone: '0612345678' }), 'same'],
    ['the same email in another letter case and spacing', jan({ email: 'Jan@Example.nl' }), jan({ email: ' jan@example.NL' }), 'same'],
    ['the same phone in national and international form, no email', jan({ phone: '06 1234 5678' }), jan({ phone: '+31612345678' }), 'same'],
    ['two external ids sharing an email (a family) stay two debtors', jan({ external_id: 'M-1', email: 'family@example.nl' }), jan({ external_id: 'M-2', email: 'family@example.nl' }), 'different'],
    ['an external id does not join a debtor known only by its email', jan({ email: 'jan@example.nl' }), jan({ external_id: 'M-1', email: 'jan@example.nl' }), 'different'],
    ['an email does not join a debtor known only by its phone', jan({ phone: '0612345678' }), jan({ phone: '0612345678', email: 'jan@example.nl' }), 'different'],
    ['invoices with none of the three get a debtor each', jan(), jan(), 'different'],
  ])('%s', async (_name, first, second, expected) => {
    const seed = await seedCompany(database.db);
    const [a] = await draftsOf(seed, [first]);
    const [b] = await draftsOf(seed, [second]);
    if (expected === 'same') expect(b!.debtorId).toBe(a!.debtorId);
    else expect(b!.debtorId).not.toBe(a!.debtorId);
  });

  test('another company never shares a debtor, even with the same external id', async () => {
    const [one, two] = [await seedCompany(database.db), await seedCompany(database.db)];
    const [a] = await draftsOf(one, [jan({ external_id: 'M-1' })]);
    const [b] = await draftsOf(two, [jan({ external_id: 'M-1' })]);
    expect(b!.debtorId).not.toBe(a!.debtorId);
  });

  test('several invoices of one debtor in one batch join one debtor, which takes the latest details', async () => {
    const seed = await seedCompany(database.db);
    const stored = await draftsOf(seed, [jan({ external_id: 'M-9', email: 'old@example.nl', phone: '0612345678' }), jan({ external_id: 'M-9', email: 'New@Example.nl', locale: 'en' })]);
    expect(stored[1]!.debtorId).toBe(stored[0]!.debtorId);
    const [row] = await database.db.select().from(debtors).where(eq(debtors.id, stored[0]!.debtorId));
    // The latest email and locale; the phone the latest invoice left out is kept.
    expect(row).toMatchObject({ externalId: 'M-9', name: 'Jan Jansen', email: 'new@example.nl', phone: '+31612345678', locale: 'en', companyId: seed.company.id, partnerId: seed.partner.id });
  });
});

test('two transactions making the same new debtor at once end with one debtor', async () => {
  const seed = await seedCompany(database.db);
  const db = database.db;
  let firstHolds!: () => void;
  const held = new Promise<void>((resolve) => (firstHolds = resolve));
  let firstMade!: (id: string) => void;
  const madeInFirst = new Promise<string>((resolve) => (firstMade = resolve));
  // The first transaction makes the debtor and stays open; the second makes it too before the first commits.
  const first = db.transaction(async (tx) => {
    firstMade((await findOrCreateDebtor(tx, seed.company, jan({ email: 'race@example.nl' }))).id);
    await held;
  });
  await madeInFirst;
  const second = db.transaction(async (tx) => (await findOrCreateDebtor(tx, seed.company, jan({ email: 'RACE@example.nl' }))).id);
  setTimeout(firstHolds, 300);
  const [, secondId] = await Promise.all([first, second]);
  const rows = await db.select().from(debtors).where(eq(debtors.companyId, seed.company.id));
  expect(rows.map((r) => r.id)).toEqual([secondId]);
  expect(secondId).toBe(await madeInFirst);
});

// PGlite has one connection, where a transaction always waits for the one before it.
(process.env.RECOUP_TEST_DATABASE_URL ? test : test.skip)('invoices that leave their debtor as it is do not wait for each other; one that changes it still updates it', async () => {
  const seed = await seedCompany(database.db);
  const db = database.db;
  const known = await findOrCreateDebtor(db, seed.company, jan({ email: 'busy@example.nl' }));
  let firstHolds!: () => void;
  const held = new Promise<void>((resolve) => (firstHolds = resolve));
  let firstJoined!: () => void;
  const joinedInFirst = new Promise<void>((resolve) => (firstJoined = resolve));
  // A partner's two POSTs for one debtor at once: the first is still inside its transaction.
  const first = db.transaction(async (tx) => {
    expect((await findOrCreateDebtor(tx, seed.company, jan({ email: 'busy@example.nl' }))).id).toBe(known.id);
    firstJoined();
    await held;
  });
  await joinedInFirst;
  const order: string[] = [];
  // Released when the second is done, or after 3 s if the second waits for it (the row's lock).
  const release = setTimeout(() => (order.push('first released'), firstHolds()), 3_000);
  const secondId = await db.transaction(async (tx) => (await findOrCreateDebtor(tx, seed.company, jan({ email: 'BUSY@example.nl' }))).id);
  order.push('second joined');
  clearTimeout(release);
  firstHolds();
  await first;
  expect(order).toEqual(['second joined']);
  expect(secondId).toBe(known.id);

  // A later invoice with other details still writes them, keeping the email it leaves out.
  const renamed = await db.transaction((tx) => findOrCreateDebtor(tx, seed.company, jan({ email: 'busy@example.nl', first_name: 'Johannes', locale: 'en', phone: '06 1234 5678' })));
  expect(renamed).toMatchObject({ id: known.id, name: 'Johannes Jansen', locale: 'en', email: 'busy@example.nl', phone: '+31612345678' });
  const [stored] = await db.select().from(debtors).where(eq(debtors.id, known.id));
  expect(stored).toMatchObject({ name: 'Johannes Jansen', locale: 'en', phone: '+31612345678' });
  expect(stored!.updatedAt.getTime()).toBeGreaterThan(known.updatedAt.getTime());
});

describe('reading debtors', () => {
  test('a debtor answers its open invoices and what it owes on them; drafts and closed invoices do not count', async () => {
    const seed = await seedCompany(database.db);
    const [draft, open, overdue, paid] = await draftsOf(seed, [jan({ external_id: 'M-5' }), jan({ external_id: 'M-5' }), jan({ external_id: 'M-5' }), jan({ external_id: 'M-5' })]);
    await database.db.update(invoices).set({ status: 'open' }).where(eq(invoices.id, open!.id));
    await database.db.update(invoices).set({ status: 'overdue', feesCents: 1_500, amountPaidCents: 5_000 }).where(eq(invoices.id, overdue!.id));
    await database.db.update(invoices).set({ status: 'paid', amountPaidCents: 40_000 }).where(eq(invoices.id, paid!.id));
    const account = await getDebtor(database.db, seed.partner.id, draft!.debtorId);
    expect(debtorResource(account)).toMatchObject({
      id: draft!.debtorId,
      company_id: seed.company.id,
      external_id: 'M-5',
      name: 'Jan Jansen',
      email: null,
      phone: null,
      locale: 'nl',
      timezone: 'Europe/Amsterdam',
      opt_outs: [],
      open_invoice_count: 2,
      // 20,000 open + (30,000 + 1,500 fee − 5,000 paid) overdue.
      amount_due_cents: 46_500,
    });
    const page1 = await listDebtorInvoices(database.db, seed.partner.id, draft!.debtorId, { limit: 3 });
    const page2 = await listDebtorInvoices(database.db, seed.partner.id, draft!.debtorId, { limit: 3, after: page1.nextAfter! });
    expect(page1.data).toHaveLength(3);
    expect([...page1.data, ...page2.data].map((i) => i.id).sort()).toEqual([draft!.id, open!.id, overdue!.id, paid!.id].sort());
    expect(page2.nextAfter).toBeNull();
  });

  test('a partner finds its debtors by email or external id, page by page, and never another partner debtors', async () => {
    const [mine, theirs] = [await seedCompany(database.db), await seedCompany(database.db)];
    const made = await draftsOf(mine, [jan({ email: 'a@example.nl' }), jan({ email: 'b@example.nl' }), jan({ external_id: 'M-7', email: 'c@example.nl' })]);
    const [other] = await draftsOf(theirs, [jan({ email: 'a@example.nl' })]);

    const byEmail = await listDebtors(database.db, mine.partner.id, { email: ' A@Example.NL', limit: 10 });
    expect(byEmail.data.map((a) => a.debtor.id)).toEqual([made[0]!.debtorId]);
    const byExternalId = await listDebtors(database.db, mine.partner.id, { company_id: mine.company.id, external_id: 'M-7', limit: 10 });
    expect(byExternalId.data.map((a) => a.debtor.id)).toEqual([made[2]!.debtorId]);

    const first = await listDebtors(database.db, mine.partner.id, { company_id: mine.company.id, limit: 2 });
    const rest = await listDebtors(database.db, mine.partner.id, { company_id: mine.company.id, limit: 2, after: first.nextAfter! });
    expect(first.data).toHaveLength(2);
    expect([...first.data, ...rest.data].map((a) => a.debtor.id).sort()).toEqual(made.map((i) => i.debtorId).sort());
    expect(rest.nextAfter).toBeNull();

    // Another partner's debtor is not found, not even by its company (the API answers 404 for the company itself).
    await expect(getDebtor(database.db, mine.partner.id, other!.debtorId)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(listDebtorInvoices(database.db, mine.partner.id, other!.debtorId, { limit: 10 })).rejects.toMatchObject({ kind: 'not_found' });
    expect((await listDebtors(database.db, mine.partner.id, { company_id: theirs.company.id, limit: 10 })).data).toEqual([]);
    // Ops (no partner scope) sees both.
    expect((await listDebtors(database.db, undefined, { email: 'a@example.nl', limit: 10 })).data.map((a) => a.debtor.id).sort()).toEqual([made[0]!.debtorId, other!.debtorId].sort());
  });
});
