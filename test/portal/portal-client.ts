import { createHmac } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { conversationEntries } from '../../db/schema';
import { createPortalToken } from '../../messaging/portal-link';
import { eventually } from '../support/eventually';
import { invoiceBody, type Stack } from '../support/stack';

/** A transmitted invoice due in 20 days (on the test server's clock), and its status `open`. */
export async function transmittedInvoice(stack: Stack, key: string, companyId: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
  const now = new Date(await stack.env.currentTimeMs());
  const due = new Date(now.getTime() + 20 * 86_400_000).toISOString().slice(0, 10);
  const body = invoiceBody(imp.body.id, { issue_date: now.toISOString().slice(0, 10), due_date: due, ...overrides });
  // Without a debtor given, a debtor of its own (the partner's debtor id): the invoices of one
  // debtor share a contact budget, which would hold this notice back behind another's.
  if (!overrides.debtor) body.debtor = { ...body.debtor, external_id: `portal-${body.invoice_number}` } as typeof body.debtor;
  const inv = await stack.request('POST', '/api/v2/invoices', { key, body });
  if (inv.status !== 201) throw new Error(`invoice not created: ${JSON.stringify(inv.body)}`);
  await stack.request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key });
  await eventually(async () => expect((await stack.request('GET', `/api/v2/invoices/${inv.body.id}`, { key })).body.status).toBe('open'));
  return inv.body.id;
}

/** The portal link a message would carry. */
export function portalLink(stack: Stack, invoiceId: string, expiresAt = new Date(Date.now() + 30 * 86_400_000)): { url: string; token: string } {
  const token = createPortalToken(stack.config.portalSecret, invoiceId, expiresAt);
  return { url: `${stack.baseUrl}/pay/${token}`, token };
}

export interface Page {
  status: number;
  html: string;
  /** The form token of the page's forms. */
  csrf: string;
}

export async function getPage(url: string): Promise<Page> {
  const res = await fetch(url, { redirect: 'manual' });
  const html = await res.text();
  return { status: res.status, html, csrf: /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '' };
}

/** Posts a form as a browser does, without following the redirect. */
export async function postForm(url: string, fields: Record<string, string>): Promise<{ status: number; location: string | null; html: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields), redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

export const inDays = async (stack: Stack, n: number): Promise<string> => new Date((await stack.env.currentTimeMs()) + n * 86_400_000).toISOString().slice(0, 10);

/** The text of an element with `data-testid`. */
export function testId(html: string, id: string): string | undefined {
  return new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`).exec(html)?.[1];
}

/** The invoice as its partner reads it from the API. */
export async function invoiceOf(stack: Stack, key: string, id: string) {
  return (await stack.request('GET', `/api/v2/invoices/${id}`, { key })).body;
}

/** The invoice's events as its partner reads them from the API, oldest first. */
export async function eventsOf(stack: Stack, key: string, id: string): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
  return (await stack.request('GET', `/api/v2/invoices/${id}/events?limit=100`, { key })).body.data;
}

/** A `t=…,v1=…` header of the `test` payment provider, computed here, independently of the provider's code. */
export function signedTestWebhook(secret: string, body: string, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** Delivers a webhook of the `test` payment provider, as the provider would. */
export async function deliverTestWebhook(stack: Stack, body: string, signature: string): Promise<{ status: number; body: { outcome?: string } }> {
  const res = await fetch(`${stack.baseUrl}/webhooks/payments/test`, { method: 'POST', headers: { 'content-type': 'application/json', 'recoup-test-signature': signature }, body });
  return { status: res.status, body: (await res.json()) as { outcome?: string } };
}

/** The debtor's conversation as an agent reads it: each entry's kind, channel and text, oldest first. */
export async function threadOf(stack: Stack, debtorId: string): Promise<Array<{ kind: string; channel: string; body: string }>> {
  return stack.database.db
    .select({ kind: conversationEntries.kind, channel: conversationEntries.channel, body: conversationEntries.body })
    .from(conversationEntries)
    .where(eq(conversationEntries.debtorId, debtorId))
    .orderBy(asc(conversationEntries.createdAt));
}
