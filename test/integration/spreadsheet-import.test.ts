import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { debtors, imports, invoiceLines, invoices } from '../../db/schema';
import { importSpreadsheet } from '../../services/spreadsheet-imports';
import { createTestDatabase } from '../support/database';
import { seedCompany } from '../support/seed';

/**
 * A spreadsheet becomes one draft import on the real database (PGlite, or PostgreSQL with
 * RECOUP_TEST_DATABASE_URL): all its rows as draft invoices, or, when one row is wrong, nothing.
 */
let database: Database;
let dir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), 'recoup-spreadsheet-import-'));
}, 60_000);

afterAll(async () => {
  await database?.close();
  rmSync(dir, { recursive: true, force: true });
});

const header = 'Factuurnummer;Factuurdatum;Vervaldatum;Bedrag;Omschrijving;Debiteurnummer;Voornaam;Achternaam;E-mail;Telefoon';
const goodRows = [
  '2027-001;01-01-2027;31-01-2027;120,00;Contributie 2027;L-1;Anna;de Vries;anna@example.nl;06 1234 5678',
  '2027-002;01-01-2027;31-01-2027;85,50;Contributie 2027 jeugd;L-2;Piet;Jansen;piet@example.nl;',
  '2027-003;01-01-2027;31-01-2027;42;Boete;L-1;Anna;de Vries;anna@example.nl;',
];

function csv(rows: string[]): string {
  const p = path.join(dir, `${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(p, [header, ...rows].join('\r\n'));
  return p;
}

async function countsOf(companyId: string) {
  const db = database.db;
  return {
    imports: (await db.select().from(imports).where(eq(imports.companyId, companyId))).length,
    invoices: (await db.select().from(invoices).where(eq(invoices.companyId, companyId))).length,
    debtors: (await db.select().from(debtors).where(eq(debtors.companyId, companyId))).length,
  };
}

test('a spreadsheet of three rows becomes one draft import of three draft invoices, debtors joined by their number', async () => {
  const { company } = await seedCompany(database.db);
  const before = await countsOf(company.id);
  const result = await importSpreadsheet({ db: database.db }, company, csv(goodRows), { title: 'Contributie 2027' });
  expect(result).toEqual(expect.objectContaining({ ok: true, invoiceCount: 3 }));
  if (!result.ok) return;
  expect(result.import).toEqual(expect.objectContaining({ companyId: company.id, status: 'draft', title: 'Contributie 2027' }));
  const rows = await database.db.select().from(invoices).where(eq(invoices.importId, result.import.id)).orderBy(invoices.invoiceNumber);
  expect(rows.map((r) => [r.invoiceNumber, r.status, r.amountTotalCents, r.dueDate])).toEqual([
    ['2027-001', 'draft', 12_000, '2027-01-31'],
    ['2027-002', 'draft', 8_550, '2027-01-31'],
    ['2027-003', 'draft', 4_200, '2027-01-31'],
  ]);
  // The phone stored as the API stores it: E.164, read in the company's country.
  expect(rows[0]!.debtor).toEqual(expect.objectContaining({ phone: '+31612345678', external_id: 'L-1' }));
  expect(rows[0]!.paymentReference).toMatch(/^RF\d\d/);
  expect(rows[0]!.debtorId).toBe(rows[2]!.debtorId);
  const lines = await database.db.select().from(invoiceLines).where(eq(invoiceLines.invoiceId, rows[1]!.id));
  expect(lines.map((l) => [l.description, l.amountCents])).toEqual([['Contributie 2027 jeugd', 8_550]]);
  expect(await countsOf(company.id)).toEqual({ imports: before.imports + 1, invoices: before.invoices + 3, debtors: before.debtors + 2 });
});

test('one wrong row among good ones: its error is answered and nothing is created, no import, no invoice, no debtor', async () => {
  const { company } = await seedCompany(database.db);
  const before = await countsOf(company.id);
  const result = await importSpreadsheet({ db: database.db }, company, csv([...goodRows, '2027-004;01-01-2027;31-01-2027;veel;Contributie;L-3;Kees;Bakker;;']));
  expect(result).toEqual({ ok: false, format: 'csv', errors: [{ row: 5, column: 'Bedrag', message: expect.stringMatching(/^must be an amount/) }], errorCount: 1, rowCount: 4 });
  expect(await countsOf(company.id)).toEqual(before);
});

test('an invoice number twice in the file is an error of the second row, and nothing is created', async () => {
  const { company } = await seedCompany(database.db);
  const before = await countsOf(company.id);
  const result = await importSpreadsheet({ db: database.db }, company, csv([...goodRows, goodRows[0]!]));
  expect(result).toEqual(expect.objectContaining({ ok: false, errors: [{ row: 5, column: 'Factuurnummer', message: 'is also in row 2' }] }));
  expect(await countsOf(company.id)).toEqual(before);
});
