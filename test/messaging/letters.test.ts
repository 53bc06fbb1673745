import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { asc, eq, inArray, sql } from 'drizzle-orm';
import { createActivities } from '../../activities';
import type { SendMessageInput, SendMessageResult } from '../../activities/messaging';
import type { Database } from '../../db/client';
import { companies, events, invoices, letters, messages, printBatches } from '../../db/schema';
import type { Debtor } from '../../domain/schemas';
import { letterLayout } from '../../messaging/letter';
import { createMailer } from '../../messaging/mailer';
import { printedPaymentReference } from '../../domain/payment-reference';
import { createSmsSender } from '../../messaging/sms';
import { getPrintBatch, listPrintBatches, markPrintBatchPosted, renderPrintBatchPdf } from '../../services/print-batches';
import { createTestDatabase } from '../support/database';
import { silentLogger } from '../support/logger';
import { readPdf } from '../support/pdf';
import { seedCompany, seedInvoice } from '../support/seed';

/**
 * The letter channel with the default print-and-mail adapter: a letter is rendered as an A4 PDF,
 * stored with its message in the day's print batch, and posted when ops mark the batch posted.
 */
let database: Database;
let seed: Awaited<ReturnType<typeof seedCompany>>;
let now = new Date('2026-03-02T09:00:00Z');
let activities: ReturnType<typeof createActivities>;
const activity = new MockActivityEnvironment({ startToCloseTimeoutMs: 60_000 }, { logger: new DefaultLogger('ERROR') });

const address = { street: 'Hauptstraße 12', postal_code: '10115', city: 'Berlin', country: 'DE' };

beforeAll(async () => {
  database = await createTestDatabase();
  seed = await seedCompany(database.db, 'Hockeyclub De Uil');
  await database.db
    .update(companies)
    .set({ contact: { email: 'penningmeester@deuil.nl', phone: '+31201234567' }, bankAccount: { iban: 'NL02ABNA0123456789', holder: 'Hockeyclub De Uil' } })
    .where(eq(companies.id, seed.company.id));
  activities = createActivities({
    db: database.db,
    mailer: createMailer({ from: 'Recoup <noreply@recoup.test>', logger: silentLogger }),
    sms: createSmsSender({ logger: silentLogger }),
    temporal: undefined as never,
    config: { publicBaseUrl: 'http://portal.test', portalSecret: 'test-portal-secret-123456', TEMPORAL_TASK_QUEUE: 'letters-test' },
    logger: silentLogger,
    clock: () => now,
  });
}, 60_000);

afterAll(async () => {
  await database?.close();
});

async function invoiceFor(debtor: Partial<Debtor>, amounts: { paid?: number; fees?: number } = {}) {
  const input = await seedInvoice(database.db, seed, { dueDate: '2026-02-01', amountCents: 12_345, debtor: { email: undefined, ...debtor } });
  await database.db
    .update(invoices)
    .set({ amountPaidCents: amounts.paid ?? 0, feesCents: amounts.fees ?? 0 })
    .where(eq(invoices.id, input.invoiceId));
  const [invoice] = await database.db.select().from(invoices).where(eq(invoices.id, input.invoiceId));
  return invoice!;
}

const sendLetter = (invoiceId: string, extra: Partial<SendMessageInput> = {}): Promise<SendMessageResult> =>
  activity.run(activities.sendInvoiceMessage, { invoiceId, purpose: 'step2', channel: 'letter' as const, kind: 'dunning_notice' as const, dunningLevel: 1, ...extra });
const messagesOf = (invoiceId: string) => database.db.select().from(messages).where(eq(messages.invoiceId, invoiceId));
const eventsOf = (invoiceId: string) => database.db.select().from(events).where(eq(events.invoiceId, invoiceId)).orderBy(asc(events.seq));

describe('a letter', () => {
  test('is an A4 PDF in the debtor language with address in the envelope window, creditor, amounts, reference and a QR code', async () => {
    const invoice = await invoiceFor({ first_name: 'Jonas', last_name: 'Müller', locale: 'de', address }, { paid: 2_000, fees: 4_000 });
    const result = await sendLetter(invoice.id);
    expect(result).toMatchObject({ status: 'queued' });

    const [message] = await messagesOf(invoice.id);
    expect(message).toMatchObject({ channel: 'letter', status: 'queued', recipient: 'Jonas Müller, Hauptstraße 12, 10115 Berlin, DUITSLAND', sentAt: null, transport: 'print-batch' });
    // Queued is not sent: no message.sent until the letter is posted.
    expect((await eventsOf(invoice.id)).map((e) => e.type)).not.toContain('message.sent');

    const [batch] = await listPrintBatches(database.db, { limit: 10 });
    const pdf = await renderPrintBatchPdf(database.db, batch!.id);
    const [page, ...rest] = await readPdf(pdf!);
    expect(rest).toEqual([]);
    expect(page!.width).toBeCloseTo(595.28, 1);
    expect(page!.height).toBeCloseTo(841.89, 1);

    // German wording (the email's) and labels; amounts in German format.
    expect(page!.text).toContain(`Mahnung (Stufe 1): Rechnung ${invoice.invoiceNumber}`);
    expect(page!.text).toContain('Hockeyclub De Uil');
    expect(page!.text).toContain('NL02ABNA0123456789');
    for (const [label, amount] of [
      ['Rechnungsbetrag', '123,45 €'],
      ['Bezahlt', '20,00 €'],
      ['Gebühren', '40,00 €'],
      ['Offener Betrag', '143,45 €'],
    ]) {
      const labelItem = page!.items.find((i) => i.str === label);
      expect(labelItem).toBeDefined();
      // The amount sits on the label's line.
      expect(page!.items.find((i) => i.str === amount && Math.abs(i.y - labelItem!.y) < 1)).toBeDefined();
    }
    expect(page!.text).toContain(printedPaymentReference(invoice.paymentReference));
    expect(page!.text).toContain('http://portal.test/pay/');
    expect(page!.hasImage).toBe(true);

    // Every address line inside the window (DIN 5008: left 20 mm, top 45 mm, 85 × 45 mm).
    const { window } = letterLayout;
    for (const line of ['Jonas Müller', 'Hauptstraße 12', '10115 Berlin', 'DUITSLAND']) {
      const item = page!.items.find((i) => i.str === line && i.y > window.y && i.y < window.y + window.height);
      expect(item).toBeDefined();
      expect(item!.x).toBeGreaterThanOrEqual(window.x);
      expect(item!.x).toBeLessThan(window.x + window.width);
    }
  });

  test('with an address lacking a line fails visibly: failed with the reason and a message.failed event, and a retry answers the same', async () => {
    const invoice = await invoiceFor({ last_name: 'Jansen', locale: 'nl', address });
    // Data from before address lines were required (or written around the API): no postal code.
    await database.db
      .update(invoices)
      .set({ debtor: sql`jsonb_set(${invoices.debtor}, '{address}', ${JSON.stringify({ street: 'Dorpsstraat 1', city: 'Utrecht', country: 'NL' })}::jsonb)` })
      .where(eq(invoices.id, invoice.id));

    const result = await sendLetter(invoice.id);
    expect(result).toMatchObject({ status: 'failed', reason: expect.stringMatching(/address has no postal_code/) });
    expect(await messagesOf(invoice.id)).toEqual([expect.objectContaining({ channel: 'letter', status: 'failed', error: expect.stringMatching(/postal_code/) })]);
    expect((await eventsOf(invoice.id)).filter((e) => e.type === 'message.failed')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ channel: 'letter', reason: expect.stringMatching(/postal_code/) }) }),
    ]);
    expect(await database.db.select().from(letters).where(eq(letters.messageId, (result as { messageId: string }).messageId))).toEqual([]);
    expect(await sendLetter(invoice.id)).toEqual(result);
  });

  test('to a debtor without any address is skipped (no_address) and stores nothing', async () => {
    const invoice = await invoiceFor({ last_name: 'Zonder Adres', email: 'z@example.nl' });
    expect(await sendLetter(invoice.id)).toEqual({ status: 'skipped', reason: 'no_address' });
    expect(await messagesOf(invoice.id)).toEqual([]);
  });

  test('sent twice for the same step is queued once', async () => {
    const invoice = await invoiceFor({ last_name: 'Twee', address: { ...address, country: 'NL' } });
    const first = await sendLetter(invoice.id, { purpose: 'once' });
    expect(await sendLetter(invoice.id, { purpose: 'once' })).toEqual(first);
    expect(await messagesOf(invoice.id)).toHaveLength(1);
  });
});

describe('print batches', () => {
  test('collect the day letters until posted; posting marks every letter posted once, and later letters go to a new batch', async () => {
    now = new Date('2026-03-05T08:00:00Z');
    const a = await invoiceFor({ first_name: 'Eva', last_name: 'Smit', locale: 'nl', address: { ...address, country: 'NL', city: 'Utrecht' } });
    const b = await invoiceFor({ organization_name: 'Stichting Voorbeeld', locale: 'fr', address: { street: '1 rue de la Paix', postal_code: '75002', city: 'Paris', country: 'FR' } });
    const sentA = await sendLetter(a.id);
    now = new Date('2026-03-05T17:00:00Z');
    const sentB = await sendLetter(b.id);
    const ids = [sentA, sentB].map((r) => (r as { messageId: string }).messageId);

    const [batch] = await listPrintBatches(database.db, { limit: 1 });
    expect(batch).toMatchObject({ batchDate: '2026-03-05', status: 'open', letterCount: 2 });
    const pages = await readPdf((await renderPrintBatchPdf(database.db, batch!.id))!);
    expect(pages).toHaveLength(2);
    expect(pages[0]!.text).toContain('Eva Smit');
    expect(pages[0]!.text).toContain('Aanmaning (niveau 1)');
    expect(pages[1]!.text).toContain('Stichting Voorbeeld');
    expect(pages[1]!.text).toContain('Mise en demeure (niveau 1)');
    expect(pages[1]!.text).toContain('FRANKRIJK');

    const postedAt = new Date('2026-03-06T10:00:00Z');
    expect(await markPrintBatchPosted(database.db, batch!.id, postedAt)).toEqual({ changed: true, postedLetters: 2 });
    const posted = await database.db.select().from(messages).where(inArray(messages.id, ids));
    expect(posted.map((m) => [m.status, m.sentAt?.toISOString()])).toEqual([
      ['posted', postedAt.toISOString()],
      ['posted', postedAt.toISOString()],
    ]);
    const sentEvents = async () =>
      (await database.db.select().from(events).where(inArray(events.invoiceId, [a.id, b.id]))).filter((e) => e.type === 'message.sent');
    expect(await sentEvents()).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ channel: 'letter', delivery: 'posted' }) }),
      expect.objectContaining({ data: expect.objectContaining({ channel: 'letter', delivery: 'posted' }) }),
    ]);
    // A retried send of a posted letter answers posted.
    expect(await sendLetter(a.id)).toEqual({ status: 'posted', messageId: ids[0] });

    // Marking again changes nothing.
    expect(await markPrintBatchPosted(database.db, batch!.id, new Date('2026-03-07T10:00:00Z'))).toEqual({ changed: false, postedLetters: 0 });
    expect((await getPrintBatch(database.db, batch!.id))!.postedAt).toEqual(postedAt);
    expect(await sentEvents()).toHaveLength(2);

    // The same day, after posting: a new batch.
    const c = await invoiceFor({ last_name: 'Later', address: { ...address, country: 'NL' } });
    await sendLetter(c.id);
    const sameDay = await database.db.select().from(printBatches).where(eq(printBatches.batchDate, '2026-03-05')).orderBy(asc(printBatches.id));
    expect(sameDay.map((p) => p.status)).toEqual(['posted', 'open']);
  });
});
