import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { eventually } from '../support/eventually';
import { invoiceBody, type Stack } from '../support/stack';

export const CAMT053_XSD = join(__dirname, '..', 'fixtures', 'iso20022', 'camt.053.001.02.xsd');

export interface InvoiceSpec {
  invoice_number?: string;
  reference?: string;
  amount_cents: number;
  debtor?: Record<string, unknown>;
}

/** Transmitted invoices of a company, one import, each waited for until it is `open`. */
export async function transmittedInvoices(stack: Stack, key: string, companyId: string, specs: InvoiceSpec[]): Promise<Array<{ id: string; invoice_number: string; payment_reference: string }>> {
  const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId, title: 'Statements' } });
  expect(imp.status).toBe(201);
  const created: Array<{ id: string; invoice_number: string; payment_reference: string }> = [];
  for (const s of specs) {
    const base = invoiceBody(imp.body.id);
    const body = {
      ...base,
      ...(s.invoice_number ? { invoice_number: s.invoice_number } : {}),
      ...(s.reference ? { reference: s.reference } : {}),
      ...(s.debtor ? { debtor: { ...base.debtor, ...s.debtor } } : {}),
      invoice_lines: [{ description: 'Membership', amount_cents: s.amount_cents, quantity: 1, vat_rate: 0 }],
    };
    const inv = await stack.request('POST', '/api/v2/invoices', { key, body });
    expect(inv.status).toBe(201);
    created.push({ id: inv.body.id, invoice_number: inv.body.invoice_number, payment_reference: inv.body.payment_reference });
  }
  expect((await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key })).status).toBe(202);
  for (const inv of created) {
    await eventually(async () => expect((await stack.request('GET', `/api/v2/invoices/${inv.id}`, { key })).body.status).toBe('open'), 30_000);
  }
  return created;
}

/** `xmllint --noout --schema <xsd> -`: the validator's verdict and what it said. */
export function xmllintValidate(xml: string, xsd = CAMT053_XSD): { ok: boolean; output: string } {
  const r = spawnSync('xmllint', ['--noout', '--schema', xsd, '-'], { input: xml, encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/** An XPath string value, evaluated by xmllint (namespace-blind with local-name()). */
export function xpath(xml: string, expression: string): string {
  const r = spawnSync('xmllint', ['--xpath', `string(${expression})`, '-'], { input: xml, encoding: 'utf8' });
  return r.stdout.trim();
}
