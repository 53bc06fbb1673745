import { XMLValidator } from 'fast-xml-parser';
import { startStack, type Stack } from '../support/stack';
import { addCompanyUser, DashboardClient, signedInAs } from './dashboard-client';
import { plainSpaces, transmittedInvoices } from './overview-support';

/**
 * The dashboard's home over real HTTP against the whole product: invoices imported, transmitted
 * and paid through the partner API, then the treasurer's overview shows their company's numbers
 * (and none of another company's), as charts and tables, in the four languages.
 */
let stack: Stack;
let alpha: DashboardClient;
let beta: DashboardClient;

beforeAll(async () => {
  stack = await startStack();
  const a = await stack.newPartner('Alpha');
  const b = await stack.newPartner('Beta');
  // Alpha: €123.45 and €50.00 transmitted this month, €20.00 of the second paid.
  await transmittedInvoices(stack, a.key, a.companyId, [12_345, 5_000], [undefined, 2_000]);
  // Beta: amounts that would show if its rows leaked into Alpha's page.
  await transmittedInvoices(stack, b.key, b.companyId, [987_654], [55_555]);
  alpha = await signedInAs(stack, (await addCompanyUser(stack, a.key, a.companyId, 'treasurer@alpha.example', 'viewer')).id);
  beta = await signedInAs(stack, (await addCompanyUser(stack, b.key, b.companyId, 'treasurer@beta.example')).id);
}, 180_000);
afterAll(() => stack?.close());

const page = async (client: DashboardClient, path = '/dashboard') => {
  const res = await client.get(path);
  expect(res.status).toBe(200);
  return plainSpaces(res.html);
};

test("the treasurer's home shows the company's amount outstanding, what was collected this month and the month's collection rate", async () => {
  const html = await page(alpha);
  expect(html).toContain('<title>Overzicht · ');
  expect(html).toMatch(/<dt>Openstaand bedrag<\/dt><dd><strong>€ 153,45<\/strong> <span>op 2 openstaande facturen<\/span>/);
  expect(html).toMatch(/<dt>Geïnd deze maand<\/dt><dd><strong>€ 20,00<\/strong>/);
  // €20.00 collected of €173.45 transmitted this month.
  expect(html).toContain('<td>€ 20,00</td><td>€ 173,45</td><td>11,5%</td>');
  // Three charts, each a well-formed image named by its title, each with its table.
  const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
  expect(svgs).toHaveLength(3);
  for (const svg of svgs) {
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toMatch(/^<svg [^>]*role="img" aria-labelledby="[^"]+-title [^"]+-desc"/);
  }
  expect(html.match(/<table class="chart-table"><caption>/g)).toHaveLength(3);
  // Not yet due (15 December): both in the first aging bucket and the first stage.
  expect(html).toContain('<th scope="row">Nog niet vervallen</th><td>2</td><td>€ 153,45</td>');
});

test("another company's numbers are absent from the page, and present on its own", async () => {
  const html = await page(alpha);
  for (const theirs of ['9.876,54', '9.320,99', '555,55', 'Beta Club']) expect(html).not.toContain(theirs);
  // Nothing in the request names the company: a query naming Beta's changes nothing.
  const other = await page(alpha, '/dashboard?company_id=anything');
  expect(other).not.toContain('9.320,99');

  const theirs = await page(beta);
  expect(theirs).toMatch(/<strong>€ 9\.320,99<\/strong> <span>op 1 openstaande facturen<\/span>/);
  expect(theirs).toMatch(/<dt>Geïnd deze maand<\/dt><dd><strong>€ 555,55<\/strong>/);
  expect(theirs).not.toContain('153,45');
});

test.each([
  ['en', 'Amount outstanding', '€153.45', 'Open invoices by days overdue'],
  ['de', 'Offener Betrag', '153,45 €', 'Offene Rechnungen nach Tagen überfällig'],
  ['fr', 'Montant en cours', '153,45 €', 'Factures ouvertes par jours de retard'],
  ['nl', 'Openstaand bedrag', '€ 153,45', 'Openstaande facturen naar dagen over de vervaldatum'],
])('in %s the overview speaks the language and writes amounts its way', async (locale, outstanding, amount, agingTitle) => {
  expect((await alpha.get(`/dashboard/language/${locale}?back=/dashboard`)).status).toBe(303);
  const html = await page(alpha);
  expect(html).toContain(`<html lang="${locale}">`);
  expect(html).toContain(`<dt>${outstanding}</dt><dd><strong>${amount}</strong>`);
  expect(html).toContain(`<title id="chart-aging-title">${agingTitle}</title>`);
  expect(html).toContain(`<caption>${agingTitle}</caption>`);
});

test('signed out, the overview is not shown: the sign-in page is', async () => {
  const res = await new DashboardClient(stack.baseUrl).get('/dashboard');
  expect(res.status).toBe(303);
  expect(res.location).toBe('/dashboard/sign-in');
});
