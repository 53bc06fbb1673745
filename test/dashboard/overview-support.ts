import { eventually } from '../support/eventually';
import { invoiceBody, type Stack } from '../support/stack';

/**
 * A company's invoices as its partner makes them through the API: imported, transmitted (so
 * their workflows run), then some paid. Each `amounts` entry is one invoice; `paid` pays part of
 * the invoice at the same index.
 */
export async function transmittedInvoices(stack: Stack, key: string, companyId: string, amounts: number[], paid: Array<number | undefined> = []): Promise<string[]> {
  const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
  const ids: string[] = [];
  for (const amount of amounts) {
    const inv = await stack.request('POST', '/api/v2/invoices', { key, body: invoiceBody(imp.body.id, { invoice_lines: [{ description: 'Membership', amount_cents: amount, quantity: 1, vat_rate: 0 }] }) });
    if (inv.status !== 201) throw new Error(`invoice: ${inv.status} ${JSON.stringify(inv.body)}`);
    ids.push(inv.body.id);
  }
  const transmit = await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key });
  if (transmit.status !== 202) throw new Error(`transmit: ${transmit.status}`);
  for (const id of ids) await eventually(async () => expect((await stack.request('GET', `/api/v2/invoices/${id}`, { key })).body.status).not.toBe('draft'), 60_000);
  for (const [i, cents] of paid.entries()) {
    if (cents === undefined) continue;
    const payment = await stack.request('POST', `/api/v2/invoices/${ids[i]}/payments`, { key, body: { amount_cents: cents, external_id: `bank-${ids[i]}` } });
    if (payment.status >= 300) throw new Error(`payment: ${payment.status} ${JSON.stringify(payment.body)}`);
  }
  return ids;
}

/** Intl writes amounts with (narrow) no-break spaces; a reader sees spaces. */
export const plainSpaces = (s: string): string => s.replace(/[\u00a0\u202f]/g, ' ');
