import { eq } from 'drizzle-orm';
import { conversationEntries, disputes } from '../../db/schema';
import { portalTexts } from '../../api/portal/texts';
import { startStack, type Stack } from '../support/stack';
import { getPage, portalLink, postForm, testId, transmittedInvoice } from './portal-client';

/** "Dispute this invoice" in the debtor portal, over real HTTP, with the invoice workflow on the time-skipping server. */
let stack: Stack;
let partner: { key: string; companyId: string };

beforeAll(async () => {
  stack = await startStack();
  partner = await stack.newPartner('Portal disputes');
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

test('the debtor disputes an invoice from the portal: a reason is required, the invoice is disputed, the thread has the dispute, and a second dispute is refused', async () => {
  const id = await transmittedInvoice(stack, partner.key, partner.companyId, {
    debtor: { first_name: 'Lena', last_name: 'Maas', email: 'lena@example.nl', external_id: 'lena', locale: 'de', timezone: 'Europe/Berlin' },
  });
  const other = await transmittedInvoice(stack, partner.key, partner.companyId);
  const t = portalTexts.de;
  const link = portalLink(stack, id);
  const page = await getPage(link.url);
  expect(page.html).toContain(t.dispute.heading);

  const empty = await postForm(`${link.url}/dispute`, { _csrf: page.csrf, invoice: id, reason: '  ', details: '' });
  expect(empty.status).toBe(422);
  expect(testId(empty.html, 'problem')).toBe(t.problems.dispute_reason_missing({}));
  // Another debtor's invoice cannot be disputed through this link.
  const foreign = await postForm(`${link.url}/dispute`, { _csrf: page.csrf, invoice: other, reason: 'Not mine' });
  expect(foreign.status).toBe(422);

  const sent = await postForm(`${link.url}/dispute`, { _csrf: page.csrf, invoice: id, reason: 'Falscher Betrag', details: 'Ich habe nur einen Artikel bestellt.' });
  expect(sent.status).toBe(303);
  expect(sent.location).toContain('notice=dispute_opened');
  const after = await getPage(link.url);
  expect(after.html).toContain('data-status="disputed"');
  expect(after.html).toContain(t.disputedNote({ company: 'Portal disputes Club' }));
  expect(after.html).not.toContain(t.dispute.heading);
  expect((await stack.request('GET', `/api/v2/invoices/${id}`, { key: partner.key })).body.status).toBe('disputed');

  const [dispute] = await stack.database.db.select().from(disputes).where(eq(disputes.invoiceId, id));
  expect(dispute).toMatchObject({ via: 'portal', status: 'open', reason: 'Falscher Betrag', details: 'Ich habe nur einen Artikel bestellt.' });
  const entries = await stack.database.db.select().from(conversationEntries).where(eq(conversationEntries.invoiceId, id));
  expect(entries).toMatchObject([{ direction: 'in', channel: 'portal', kind: 'dispute', debtorId: dispute!.debtorId, body: 'Falscher Betrag\n\nIch habe nur einen Artikel bestellt.' }]);

  const again = await postForm(`${link.url}/dispute`, { _csrf: after.csrf, invoice: id, reason: 'Noch einmal' });
  expect(again.status).toBe(409);
  expect(testId(again.html, 'problem')).toBe(t.problems.dispute_open({ company: 'Portal disputes Club' }));
  expect(await stack.database.db.select().from(disputes).where(eq(disputes.invoiceId, id))).toHaveLength(1);
}, 120_000);
