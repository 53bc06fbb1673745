import { eq } from 'drizzle-orm';
import { debtors, invoices } from '../../db/schema';
import { createConsoleUser } from '../../services/console-users';
import { recordConversationEntry } from '../../services/conversations';
import { loopbackOnlyContext, useBrowserStack } from '../support/browser';
import { daytimeTimezone } from '../support/daytime';
import { eventually } from '../support/eventually';
import { dateFrom } from '../support/seed';
import { invoiceBody } from '../support/stack';

/** The agents' console in a real browser (Debian's Chromium driven by playwright-core) against the whole product on the dev server. */
const { browserTest, stack: theStack, browser: theBrowser } = useBrowserStack('conversations');

browserTest('an agent signs in, opens the queue, opens the thread with the debtor’s reply, answers it by email, and the queue no longer shows it waiting', async () => {
  const { request, baseUrl, database, smtp } = theStack();
  const { key, companyId, partnerId } = await theStack().newPartner('Agents');
  const imp = await request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
  const body = invoiceBody(imp.body.id, { issue_date: dateFrom(Date.now(), 0), due_date: dateFrom(Date.now(), 14) });
  const created = await request('POST', '/api/v2/invoices', { key, body: { ...body, debtor: { ...body.debtor, first_name: 'Mila', last_name: 'Jansen', email: 'mila.jansen@example.nl', timezone: daytimeTimezone() } } });
  expect(created.status).toBe(201);
  expect((await request('POST', `/api/v2/imports/${imp.body.id}/transmit`, { key })).status).toBe(202);
  const [invoice] = await database.db.select().from(invoices).where(eq(invoices.id, created.body.id));
  const [debtor] = await database.db.select().from(debtors).where(eq(debtors.id, invoice!.debtorId));
  // The debtor's emailed reply, as the inbound mail server records it.
  await database.db.transaction((tx) =>
    recordConversationEntry(tx, { debtorId: debtor!.id, partnerId, companyId, invoiceId: invoice!.id, direction: 'in', channel: 'email', kind: 'reply', body: 'I already paid half of this, see my bank statement.', sender: debtor!.email }),
  );
  await createConsoleUser(database.db, { email: 'ada@recoup.test', role: 'agent', password: 'ada has a long password', partnerId });

  const { context, foreign } = await loopbackOnlyContext(theBrowser(), baseUrl, { viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    await page.goto(`${baseUrl}/console/sign-in`);
    await page.fill('#email', 'ada@recoup.test');
    await page.fill('#password', 'ada has a long password');
    await Promise.all([page.waitForURL(`${baseUrl}/console/conversations`), page.click('button:has-text("Sign in")')]);

    const row = page.locator(`[data-testid=conversation-row][data-debtor-id="${debtor!.id}"]`);
    expect(await row.getAttribute('data-waiting')).toBe('yes');
    expect(await row.locator('[data-testid=sla-age]').textContent()).toMatch(/^waiting \d+ min$/);
    await Promise.all([page.waitForURL(`${baseUrl}/console/conversations/${debtor!.id}`), row.locator('a').first().click()]);
    expect(await page.locator('[data-testid=thread-item][data-direction=in]').last().textContent()).toContain('I already paid half of this');
    expect(await page.locator(`[data-testid=open-invoice][data-invoice-id="${invoice!.id}"]`).count()).toBe(1);

    await page.selectOption('#channel', 'email');
    await page.fill('#subject', 'About your payment');
    await page.fill('#body', 'Thank you, we have found your payment and updated the amount.');
    await Promise.all([page.waitForURL(/done=(sent|outbox)/), page.click('button:has-text("Send reply")')]);
    expect(await page.locator('[data-testid=notice]').textContent()).toBe('Reply sent.');
    expect(await page.locator('[data-testid=thread-item][data-kind=agent_reply]').last().textContent()).toContain('we have found your payment');
    expect(await page.locator('[data-testid=sla-age]').textContent()).toBe('nothing waits');

    await page.click('nav a:has-text("Conversations")');
    expect(await page.locator(`[data-testid=conversation-row][data-debtor-id="${debtor!.id}"]`).getAttribute('data-waiting')).toBe('no');
  } finally {
    await context.close();
  }
  expect(foreign).toEqual([]);
  const mail = await eventually(async () => {
    const found = smtp.messages.find((m) => m.subject === 'About your payment');
    if (!found) throw new Error('the reply has not arrived at the SMTP server');
    return found;
  });
  expect(JSON.stringify(mail.to)).toContain('mila.jansen@example.nl');
  expect(mail.text).toContain('we have found your payment');
}, 180_000);
