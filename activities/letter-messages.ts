import { and, eq } from 'drizzle-orm';
import { companies, dunningPolicies, invoices, letters, messages } from '../db/schema';
import { amountDue } from '../domain/amounts';
import { portalLinkDays } from '../domain/dunning-policy-rules';
import { appendEvents } from '../services/events';
import { newId } from '../services/ids';
import { queueLetter, recordLettersPosted } from '../services/letters';
import { letterAddressProblem, letterWording, recipientLines, recipientOneLine, renderLetterPdf, type LetterContent } from '../messaging/letter';
import { PrintMailRefused, type QueuedLetter } from '../messaging/print-mail';
import { createPortalToken, portalLinkExpiry, portalUrl } from '../messaging/portal-link';
import { formatMoney, type Locale, type MessageContext } from '../messaging/templates';
import { printMailOf, type ActivityDeps } from './deps';
import type { SendMessageInput } from './messaging';

export type LetterSendResult =
  | { status: 'queued' | 'posted'; messageId: string }
  | { status: 'skipped'; reason: 'no_address' }
  | { status: 'failed'; reason: string; messageId: string };

type MessageRow = typeof messages.$inferSelect;

/**
 * The letter channel of `sendInvoiceMessage`: renders the debtor's letter and stores it with its
 * message (`queued`) in one transaction, then hands it to the print-and-mail adapter. There is no
 * `sending` state: a worker killed at any point leaves either nothing or a stored letter.
 */
export function letterMessages(deps: ActivityDeps) {
  const { db, config, logger, metrics, clock = () => new Date() } = deps;
  const printMail = printMailOf(deps);

  async function send(input: SendMessageInput, sendKey: string): Promise<LetterSendResult> {
    const [row] = await db
      .select({ invoice: invoices, company: companies, policy: dunningPolicies.policy })
      .from(invoices)
      .innerJoin(companies, eq(companies.id, invoices.companyId))
      .leftJoin(dunningPolicies, and(eq(dunningPolicies.companyId, invoices.companyId), eq(dunningPolicies.version, invoices.policyVersion)))
      .where(eq(invoices.id, input.invoiceId));
    if (!row) throw new Error(`invoice ${input.invoiceId} not found`);
    const { invoice, company } = row;
    const debtor = invoice.debtor;
    const problem = letterAddressProblem(debtor);
    if (problem?.kind === 'no_address') return { status: 'skipped', reason: 'no_address' };

    const now = clock();
    const locale: Locale = debtor.locale ?? 'en';
    const money = (cents: number) => formatMoney(cents, invoice.currency, locale);
    const token = createPortalToken(config.portalSecret, invoice.id, portalLinkExpiry(now, portalLinkDays(row.policy)));
    const context: MessageContext = {
      kind: input.kind,
      locale,
      companyName: company.name,
      debtorName: [debtor.first_name, debtor.last_name].filter(Boolean).join(' ') || debtor.organization_name || '',
      invoiceNumber: invoice.invoiceNumber,
      paymentReference: invoice.paymentReference,
      amountDue: money(amountDue(invoice)),
      dueDate: invoice.dueDate,
      portalUrl: portalUrl(config.publicBaseUrl, token),
      dunningLevel: input.dunningLevel,
      fee: input.feeCents ? money(input.feeCents) : undefined,
      announcedFee: input.announcedFeeCents ? money(input.announcedFeeCents) : undefined,
      feePayBy: input.feePayBy,
      statutoryFee: input.statutoryFee,
      installmentAmount: input.installment ? money(input.installment.amountCents) : undefined,
      installmentDueDate: input.installment?.dueDate,
    };
    const wording = letterWording(context);
    const base = { id: newId('msg'), invoiceId: invoice.id, partnerId: invoice.partnerId, companyId: invoice.companyId, channel: 'letter' as const, kind: input.kind, sendKey };

    if (problem?.kind === 'incomplete') {
      const address = (debtor.address ?? {}) as Record<string, unknown>;
      const partial = Object.values(address).filter((v) => typeof v === 'string' && v.trim() !== '').join(', ');
      return storeFailed({ ...base, recipient: partial || '(no address)', subject: wording.subject, bodyText: wording.paragraphs.join('\n\n') }, `letter cannot be rendered: the debtor's address has no ${problem.missing.join(', ')}`);
    }

    const content: LetterContent = {
      locale,
      date: now.toISOString().slice(0, 10),
      recipient: { lines: recipientLines(debtor, company.country, company.locale as Locale) },
      creditor: {
        name: company.name,
        email: company.contact?.email,
        phone: company.contact?.phone,
        iban: company.bankAccount?.iban,
        bic: company.bankAccount?.bic,
        holder: company.bankAccount?.holder,
      },
      invoiceNumber: invoice.invoiceNumber,
      paymentReference: invoice.paymentReference,
      amounts: {
        total: money(invoice.amountTotalCents),
        paid: money(invoice.amountPaidCents),
        ...(invoice.amountCreditedCents > 0 ? { credited: money(invoice.amountCreditedCents) } : {}),
        fees: money(invoice.feesCents),
        due: context.amountDue,
      },
      subject: wording.subject,
      paragraphs: wording.paragraphs,
      portalUrl: context.portalUrl,
    };
    const message = { ...base, recipient: recipientOneLine(content), subject: content.subject, bodyText: content.paragraphs.join('\n\n') };
    try {
      // Rendered once now so a letter that cannot be printed fails here, visibly, not in ops' batch.
      await renderLetterPdf(content);
    } catch (err) {
      return storeFailed(message, `letter cannot be rendered: ${(err as Error).message}`);
    }

    // The message and its letter in the print queue together: no message without its letter.
    const stored = await db.transaction(async (tx) => {
      const inserted = await tx
        .insert(messages)
        .values({ ...message, status: 'queued', transport: printMail.transport })
        .onConflictDoNothing()
        .returning({ id: messages.id });
      if (inserted.length === 0) return false;
      await queueLetter(tx, { messageId: message.id, batchId: await printMail.batchFor(tx, now), content });
      return true;
    });
    if (!stored) throw new Error(`letter ${sendKey} is being queued by another attempt`);
    logger.info({ invoice_id: invoice.id, message_id: message.id, channel: 'letter', kind: input.kind, transport: printMail.transport }, 'letter queued');
    return submit({ messageId: message.id, invoiceId: invoice.id, content });
  }

  /** A retried send finds its letter stored: it answers how it stands, handing it to the API again if it never got there. */
  async function resume(existing: MessageRow): Promise<LetterSendResult> {
    if (existing.status === 'failed') return { status: 'failed', reason: existing.error ?? 'failed', messageId: existing.id };
    if (existing.status === 'posted') return { status: 'posted', messageId: existing.id };
    if (existing.transport === 'print-mail-api' && printMail.transport === 'print-mail-api') {
      const [letter] = await db.select().from(letters).where(eq(letters.messageId, existing.id));
      if (letter) return submit({ messageId: existing.id, invoiceId: existing.invoiceId, content: letter.content });
    }
    return { status: 'queued', messageId: existing.id };
  }

  async function submit(letter: QueuedLetter): Promise<LetterSendResult> {
    let outcome: 'queued' | 'posted';
    try {
      outcome = await printMail.submit(letter);
    } catch (err) {
      if (err instanceof PrintMailRefused) return failQueued(letter.messageId, err.message);
      throw err;
    }
    if (outcome === 'queued') return { status: 'queued', messageId: letter.messageId };
    await db.transaction((tx) => recordLettersPosted(tx, [letter.messageId], clock()));
    metrics?.messageSent('letter');
    logger.info({ invoice_id: letter.invoiceId, message_id: letter.messageId, channel: 'letter', transport: printMail.transport }, 'letter posted');
    return { status: 'posted', messageId: letter.messageId };
  }

  async function storeFailed(message: Omit<typeof messages.$inferInsert, 'status' | 'transport'>, reason: string): Promise<LetterSendResult> {
    await db.transaction(async (tx) => {
      const [m] = await tx
        .insert(messages)
        .values({ ...message, status: 'failed', transport: printMail.transport, error: reason })
        .onConflictDoNothing()
        .returning();
      if (!m) throw new Error(`letter ${message.sendKey} is being sent by another attempt`);
      await appendEvents(tx, [failedEvent(m, reason)]);
    });
    logger.warn({ invoice_id: message.invoiceId, message_id: message.id, channel: 'letter', reason }, 'letter failed');
    return { status: 'failed', reason, messageId: message.id! };
  }

  async function failQueued(messageId: string, reason: string): Promise<LetterSendResult> {
    await db.transaction(async (tx) => {
      const [m] = await tx
        .update(messages)
        .set({ status: 'failed', error: reason })
        .where(and(eq(messages.id, messageId), eq(messages.status, 'queued')))
        .returning();
      if (m) await appendEvents(tx, [failedEvent(m, reason)]);
    });
    return { status: 'failed', reason, messageId };
  }

  return { send, resume };
}

function failedEvent(m: MessageRow, reason: string) {
  return {
    type: 'message.failed' as const,
    partnerId: m.partnerId,
    companyId: m.companyId,
    invoiceId: m.invoiceId,
    data: { message_id: m.id, invoice_id: m.invoiceId, channel: m.channel, kind: m.kind, transport: m.transport, reason },
    dedupeKey: `message.failed:${m.id}`,
  };
}
