import { eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { debtors, invoiceLines, invoices } from '../../db/schema';
import { unnestRows } from '../../db/unnest-rows';
import { newId } from '../../services/ids';
import { newPaymentReference } from '../../services/payment-references';
import { createTestDatabase } from '../support/database';
import { seedCompany } from '../support/seed';

// Values that an array literal has to quote or escape, and plain ones.
const awkward = ['a "quoted" name', 'back\\slash', '{braces}, commas', 'NULL', '', 'ünïcødé 😀', "it's", '  spaced  '];

describe('rows inserted through unnest are the rows a VALUES insert stores', () => {
  let database: Database;
  let seed: Awaited<ReturnType<typeof seedCompany>>;
  beforeAll(async () => {
    database = await createTestDatabase();
    seed = await seedCompany(database.db);
  });
  afterAll(() => database.close());

  const debtorRow = (name: string, i: number) => ({
    id: newId('dbt'),
    partnerId: seed.partner.id,
    companyId: seed.company.id,
    externalId: i % 2 ? `ext-${i}` : null,
    name,
    email: i % 3 ? null : `d${i}@example.nl`,
    phone: null,
    locale: 'nl',
    timezone: 'Europe/Amsterdam',
    ...(i % 4 ? {} : { vulnerability: { reason: name, flagged_by: 'agent "x"' } as never }),
  });
  // Ids, times and the column order aside, what was stored.
  const content = (rows: Array<Record<string, unknown>>) => rows.map(({ id: _id, createdAt: _c, updatedAt: _u, ...rest }) => rest);

  test('debtors: awkward text, nulls, JSON objects and defaults (opt_outs, created_at) arrive unchanged', async () => {
    const { db } = database;
    const rows = awkward.map(debtorRow);
    const twins = awkward.map(debtorRow).map((r) => ({ ...r, externalId: r.externalId && `${r.externalId}-twin`, email: r.email && `twin-${r.email}` }));
    const viaUnnest = await db.transaction(async (tx) => {
      const inserted = await tx.insert(debtors).select(unnestRows(debtors, rows)).returning();
      const result = (await tx.execute(sql`select now() as now`)) as unknown as { rows: Array<{ now: string | Date }> };
      return { inserted, now: new Date(result.rows[0]!.now) };
    });
    const viaValues = await db.insert(debtors).values(twins).returning();
    expect(viaUnnest.inserted.map((r) => r.name)).toEqual(awkward);
    expect(content(viaUnnest.inserted).map((r) => ({ ...r, externalId: r.externalId && `${r.externalId as string}-twin`, email: r.email && `twin-${r.email as string}` }))).toEqual(content(viaValues));
    expect(viaUnnest.inserted.every((r) => r.optOuts.length === 0)).toBe(true);
    // The SQL default is the statement's: the transaction's time, as on a VALUES insert.
    expect(viaUnnest.inserted.every((r) => r.createdAt.getTime() === viaUnnest.now.getTime())).toBe(true);
    // And what a later read sees is what returning() gave.
    const [read] = await db.select().from(debtors).where(eq(debtors.id, rows[0]!.id));
    expect(read).toEqual(viaUnnest.inserted[0]);
  });

  test('invoices and lines: dates, integers, numeric fractions and a JSON document with quotes', async () => {
    const { db } = database;
    const [debtor] = await db.insert(debtors).select(unnestRows(debtors, [{ ...debtorRow('Owner', 1), externalId: 'owner' }])).returning();
    const invoiceRows = awkward.map((reference, i) => ({
      id: newId('inv'),
      partnerId: seed.partner.id,
      companyId: seed.company.id,
      importId: seed.imp.id,
      invoiceNumber: `U-${i}`,
      externalId: i % 2 ? null : `x-${i}`,
      issueDate: '2026-02-28',
      dueDate: `2026-03-${String(i + 1).padStart(2, '0')}`,
      currency: 'EUR',
      reference,
      paymentReference: newPaymentReference(),
      debtor: { last_name: reference, locale: 'nl', timezone: 'Europe/Amsterdam', address: { street: `${reference} 1`, postal_code: '1234 AB', city: 'Ämsterdam', country: 'NL' } },
      debtorId: debtor!.id,
      amountTotalCents: 1_000 * (i + 1),
      nextActionAt: i % 2 ? new Date(Date.UTC(2026, 2, 1, 12, 30, 15, 123)) : null,
    }));
    const stored = await db.insert(invoices).select(unnestRows(invoices, invoiceRows)).returning();
    expect(stored.map((r) => [r.reference, r.dueDate, r.amountTotalCents, r.status, r.dunningLevel, r.nextActionAt?.toISOString() ?? null])).toEqual(
      invoiceRows.map((r) => [r.reference, r.dueDate, r.amountTotalCents, 'draft', 0, r.nextActionAt?.toISOString() ?? null]),
    );
    expect(stored.map((r) => r.debtor)).toEqual(invoiceRows.map((r) => r.debtor));

    const lines = stored.map((inv, i) => ({ id: newId('lin'), invoiceId: inv.id, description: awkward[i]!, amountCents: -5 + i, quantity: 1.25 * i, vatRate: 0.21, position: i + 1 }));
    const storedLines = await db.insert(invoiceLines).select(unnestRows(invoiceLines, lines)).returning();
    expect(storedLines.map(({ createdAt: _c, ...rest }) => rest)).toEqual(lines);
  });

  test('a column with an SQL default given by only some rows is refused, not guessed', () => {
    const rows = [debtorRow('A', 0), { ...debtorRow('B', 2), createdAt: new Date() }];
    expect(() => unnestRows(debtors, rows)).toThrow(/created_at has an SQL default/);
  });
});
