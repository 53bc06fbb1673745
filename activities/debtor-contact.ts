import { Context } from '@temporalio/activity';
import { and, eq, inArray, ne, notInArray, or } from 'drizzle-orm';
import { companies, debtors, dunningPolicies, imports, invoices, messages } from '../db/schema';
import { portalLinkDays } from '../domain/dunning-policy-rules';
import { finalInvoiceStatuses, isFinalStatus } from '../domain/invoice-status';
import { appendEvents } from '../services/events';
import { newId } from '../services/ids';
import { abandonClaim, recordMessageSent, releaseMessageClaim, resumeAbandonedClaim, type MessageRow } from '../services/message-delivery';
import { createPortalToken, portalLinkExpiry, portalUrl } from '../messaging/portal-link';
import { twilioWebhookPaths } from '../messaging/sms';
import { renderDigestEmail, renderDigestSms } from '../messaging/templates';
import { requestContact } from '../workflows/debtor.client';
import type { ContactChannel, ContactRequest } from '../workflows/debtor.messages';
import type { ActivityDeps } from './deps';
import { GATHERING_WINDOW_MS } from '../domain/debtor-contact';
import { resumeInterruptedSend } from './interrupted-send';
import { unsubscribeUrl } from '../messaging/unsubscribe-link';
import { callProvider, emailHeaders, emailUndeliverable, isPermanent, replyAddressOf, messageContextOf, messagingActivities, type SendMessageResult } from './messaging';

export interface DebtorContactSendInput {
  debtorId: string;
  /** `<debtorId>:<run>:digest<seq>` (digestIdOf): decided by the debtor workflow, the same for every attempt. */
  digestId: string;
  channel: ContactChannel;
  requests: Array<Pick<ContactRequest, 'invoiceId' | 'purpose' | 'kind' | 'extra'>>;
}

/** What went out for one request on the channel; `result` null: not sent (the invoice closed first). */
export interface CoveredSend {
  invoiceId: string;
  purpose: string;
  result: SendMessageResult | null;
  /** Carried by the digest (with the other invoices of `coveredInvoiceIds`). */
  digest: boolean;
}

/** An invoice's request for contact as its workflow makes it; the activity adds whether to gather. */
export type DebtorContactRequest = Omit<ContactRequest, 'gather' | 'gatherMs'>;

/**
 * Hands an invoice's request for contact to its debtor's workflow, which owns the debtor's contact
 * budget: false when the invoice has no debtor (the invoice workflow sends directly). `known`: the
 * invoice's debtor as the caller read it already (else read here). A request made twice (a retried
 * activity) is one request to the debtor's workflow.
 */
export async function requestContactOfDebtor(
  { db, temporal, config }: Pick<ActivityDeps, 'db' | 'temporal' | 'config'>,
  request: DebtorContactRequest,
  known?: { debtorId: string | null },
): Promise<boolean> {
  const debtorId = known ? known.debtorId : (await db.select({ debtorId: invoices.debtorId }).from(invoices).where(eq(invoices.id, request.invoiceId)))[0]?.debtorId;
  if (!debtorId) return false;
  // Other invoices of the debtor that run or are being transmitted may ask within moments: only
  // then is it worth waiting for them (a draft of an import not transmitted yet will not).
  const others = await db
    .select({ id: invoices.id })
    .from(invoices)
    .innerJoin(imports, eq(imports.id, invoices.importId))
    .where(
      and(
        eq(invoices.debtorId, debtorId),
        ne(invoices.id, request.invoiceId),
        notInArray(invoices.status, [...finalInvoiceStatuses]),
        or(ne(invoices.status, 'draft'), ne(imports.status, 'draft')),
      ),
    )
    .limit(1);
  await requestContact(temporal, config.TEMPORAL_TASK_QUEUE, debtorId, { ...request, gather: others.length > 0, gatherMs: config.RECOUP_DEBTOR_GATHERING_WINDOW_MS ?? GATHERING_WINDOW_MS });
  return true;
}

export function debtorContactActivities(deps: ActivityDeps) {
  const { db, mailer, sms, config, logger, metrics, clock = () => new Date() } = deps;
  const messaging = messagingActivities(deps);
  const statusCallback = () => `${config.publicBaseUrl}${twilioWebhookPaths.status}`;
  const linkOf = (invoiceId: string, policy: unknown) =>
    portalUrl(config.publicBaseUrl, createPortalToken(config.portalSecret, invoiceId, portalLinkExpiry(clock(), portalLinkDays(policy as { portal_link_days?: number } | null))));

  /** A step's message alone: the invoice's own send path, unless the invoice closed before anything went. */
  async function sendAlone(r: DebtorContactSendInput['requests'][number], channel: ContactChannel, closed: boolean): Promise<CoveredSend> {
    if (closed) return { invoiceId: r.invoiceId, purpose: r.purpose, result: null, digest: false };
    const result = await messaging.sendInvoiceMessage({ invoiceId: r.invoiceId, purpose: r.purpose, channel, kind: r.kind, ...r.extra });
    return { invoiceId: r.invoiceId, purpose: r.purpose, result, digest: false };
  }

  /** Settles digest rows claimed by an earlier attempt: read, or resumed when that attempt died before recording the provider's answer. */
  async function settleClaimed(input: DebtorContactSendInput, claimed: MessageRow[]): Promise<CoveredSend[]> {
    const sending = claimed.filter((m) => m.status === 'sending');
    if (sending.length > 0) {
      const lead = [...claimed].sort((a, b) => a.id.localeCompare(b.id))[0]!;
      // Younger than an attempt may run, the claim's attempt may be in its provider call right now: wait for it.
      const resumed = await resumeAbandonedClaim(db, lead.id, Context.current().info.startToCloseTimeoutMs / 1000);
      if (!resumed) throw new Error(`digest ${input.digestId} (${input.channel}) is being sent by another attempt`);
      let call: Awaited<ReturnType<typeof resumeInterruptedSend>>;
      try {
        // The digest's own send key: the same Message-ID as the first attempt's, so a mailbox that has it drops the copy.
        call = await resumeInterruptedSend({ mailer, sms }, { ...resumed, sendKey: digestSendKey(input) }, { emailHeaders: emailHeaders({ unsubscribeUrl: unsubscribeUrl(config.publicBaseUrl, config.portalSecret, input.debtorId), replyTo: replyAddressOf(config, lead.id) }), statusCallback: statusCallback() });
      } catch (err) {
        if (isPermanent(err)) return markFailed(input, sending, (err as Error).message);
        await abandonClaim(db, lead.id);
        throw err;
      }
      const coveredWith = claimed.map((m) => m.invoiceId);
      for (const m of sending) {
        await recordMessageSent(db, {
          id: m.id,
          invoice: { id: m.invoiceId, partnerId: m.partnerId, companyId: m.companyId },
          channel: m.channel,
          kind: m.kind,
          transport: m.transport,
          providerMessageId: call.providerMessageId,
          sentAt: clock(),
          resumed: call.resumed,
          digest: { id: input.digestId, coveredWith: coveredWith.filter((id) => id !== m.invoiceId) },
        });
      }
      if (call.resumed.how === 'resent') metrics?.messageSent(input.channel);
      logger.warn({ digest_id: input.digestId, channel: input.channel, resolved: call.resumed.how }, 'interrupted digest resumed');
      const again = await db.select().from(messages).where(and(eq(messages.digestId, input.digestId), eq(messages.channel, input.channel)));
      return coveredFrom(input, again);
    }
    return coveredFrom(input, claimed);
  }

  async function markFailed(input: DebtorContactSendInput, rows: MessageRow[], reason: string): Promise<CoveredSend[]> {
    await db.transaction(async (tx) => {
      const ids = rows.map((m) => m.id);
      const failed = await tx
        .update(messages)
        .set({ status: 'failed', error: reason })
        .where(and(inArray(messages.id, ids), eq(messages.status, 'sending')))
        .returning();
      await appendEvents(
        tx,
        failed.map((m) => ({
          type: 'message.failed' as const,
          partnerId: m.partnerId,
          companyId: m.companyId,
          invoiceId: m.invoiceId,
          data: { message_id: m.id, invoice_id: m.invoiceId, channel: m.channel, kind: m.kind, reason, digest_id: input.digestId },
          dedupeKey: `message.failed:${m.id}`,
        })),
      );
    });
    return coveredFrom(input, await db.select().from(messages).where(and(eq(messages.digestId, input.digestId), eq(messages.channel, input.channel))));
  }

  return {
    /**
     * An invoice workflow's request for contact goes to its debtor's workflow, which owns the
     * debtor's contact budget. False when the invoice has no debtor (the workflow sends directly).
     */
    async requestDebtorContact(request: DebtorContactRequest): Promise<{ requested: boolean }> {
      return { requested: await requestContactOfDebtor(deps, request) };
    },

    /**
     * Sends what the debtor's workflow granted on one channel: one request → that invoice's own
     * message (send key `<invoice>:<purpose>:<channel>`, as without the debtor workflow); several →
     * one digest listing them all. A digest writes one `messages` row per invoice (its own send
     * key, the digest id) before the provider call, so a retry, or a worker that died between the
     * grant and the send or after the provider answered, never sends it twice; each invoice's
     * notice delivery (fees) reads its own row as before.
     */
    async sendDebtorContact(input: DebtorContactSendInput): Promise<CoveredSend[]> {
      const { channel } = input;
      // Digest rows are claimed for two requests or more only: a single request (every attempt has the same) has none to settle.
      const claimed = input.requests.length > 1 ? await db.select().from(messages).where(and(eq(messages.digestId, input.digestId), eq(messages.channel, channel))) : [];
      if (claimed.length > 0) return settleClaimed(input, claimed);

      const ids = input.requests.map((r) => r.invoiceId);
      const rows = await db
        .select({ invoice: invoices, companyName: companies.name, policy: dunningPolicies.policy, debtorOptOuts: debtors.optOuts, debtorVulnerability: debtors.vulnerability, emailUndeliverable: debtors.emailUndeliverableAddress })
        .from(invoices)
        .innerJoin(companies, eq(companies.id, invoices.companyId))
        .leftJoin(debtors, eq(debtors.id, invoices.debtorId))
        .leftJoin(dunningPolicies, and(eq(dunningPolicies.companyId, invoices.companyId), eq(dunningPolicies.version, invoices.policyVersion)))
        .where(inArray(invoices.id, ids));
      const byId = new Map(rows.map((r) => [r.invoice.id, r]));
      const keys = input.requests.map((r) => sendKeyOf(r, channel));
      // One request of an invoice still running and not disputed goes by its own send path, sent before or not: nothing to ask.
      const alone = input.requests.length === 1 && rows.length === 1 && !isFinalStatus(rows[0]!.invoice.status) && rows[0]!.invoice.status !== 'disputed';
      const sentBefore = new Set(alone ? [] : (await db.select({ sendKey: messages.sendKey }).from(messages).where(inArray(messages.sendKey, keys))).map((m) => m.sendKey));

      const out: CoveredSend[] = [];
      const digestable: typeof input.requests = [];
      for (const r of input.requests) {
        const row = byId.get(r.invoiceId);
        const closed = !row || isFinalStatus(row.invoice.status);
        // Settled or claimed before (by a single send): its own path answers what happened.
        if (sentBefore.has(sendKeyOf(r, channel)) || closed) out.push(await sendAlone(r, channel, closed && !sentBefore.has(sendKeyOf(r, channel))));
        // Disputed while the request waited: nothing about it goes until the dispute is resolved.
        else if (row.invoice.status === 'disputed') out.push({ invoiceId: r.invoiceId, purpose: r.purpose, result: { status: 'skipped', reason: 'disputed' }, digest: false });
        else digestable.push(r);
      }
      if (digestable.length <= 1) {
        for (const r of digestable) out.push(await sendAlone(r, channel, false));
        return order(input, out);
      }

      const first = byId.get(digestable[0]!.invoiceId)!;
      const debtor = first.invoice.debtor;
      const recipient = channel === 'email' ? debtor.email : debtor.phone;
      const skip = (reason: Extract<SendMessageResult, { status: 'skipped' }>['reason']) => (r: (typeof digestable)[number]): CoveredSend => ({ invoiceId: r.invoiceId, purpose: r.purpose, result: { status: 'skipped', reason }, digest: false });
      if (!recipient) return order(input, [...out, ...digestable.map(skip(channel === 'email' ? 'no_email' : 'no_phone'))]);
      // Opted out: on the debtor, so for every invoice of theirs.
      if ((first.debtorOptOuts ?? []).includes(channel)) return order(input, [...out, ...digestable.map(skip('opted_out'))]);
      // Flagged vulnerable while the digest waited: no automated contact at all.
      if (first.debtorVulnerability) return order(input, [...out, ...digestable.map(skip('vulnerable'))]);
      if (channel === 'email' && emailUndeliverable(recipient, first.emailUndeliverable)) return order(input, [...out, ...digestable.map(skip('email_undeliverable'))]);
      if (channel === 'sms' && sms.transport === 'not-configured') return order(input, [...out, ...digestable.map(skip('sms_not_configured'))]);
      const included = digestable;
      if (included.length <= 1) {
        for (const r of included) out.push(await sendAlone(r, channel, false));
        return order(input, out);
      }

      const contexts = included.map((r) => {
        const { invoice, policy } = byId.get(r.invoiceId)!;
        return messageContextOf(invoice, first.companyName, linkOf(invoice.id, policy), { kind: r.kind, ...r.extra });
      });
      const email = channel === 'email' ? renderDigestEmail(contexts) : null;
      const bodyText = email ? email.text : renderDigestSms(contexts);
      const transport = channel === 'email' ? mailer.transport : sms.transport;
      const claim = included.map((r) => {
        const { invoice } = byId.get(r.invoiceId)!;
        return {
          id: newId('msg'),
          invoiceId: invoice.id,
          partnerId: invoice.partnerId,
          companyId: invoice.companyId,
          channel,
          kind: r.kind,
          sendKey: sendKeyOf(r, channel),
          recipient,
          subject: email?.subject ?? null,
          bodyText,
          bodyHtml: email?.html ?? null,
          status: 'sending' as const,
          transport,
          sender: channel === 'sms' ? sms.sender : null,
          digestId: input.digestId,
        };
      });
      // All rows or none, before the provider call: what a later attempt finds tells it what was claimed.
      await db.transaction(async (tx) => {
        await tx.insert(messages).values(claim);
      });

      const lead = contexts[0]!;
      let providerMessageId: string | null;
      try {
        providerMessageId = await callProvider(
          { mailer, sms },
          { to: recipient, email, bodyText, sendKey: digestSendKey(input), headers: emailHeaders({ unsubscribeUrl: unsubscribeUrl(config.publicBaseUrl, config.portalSecret, input.debtorId), replyTo: replyAddressOf(config, claim[0]!.id) }), statusCallback: statusCallback(), portalUrl: lead.portalUrl },
        );
      } catch (err) {
        const claimedRows = await db.select().from(messages).where(eq(messages.digestId, input.digestId));
        if (isPermanent(err)) return order(input, [...out, ...(await markFailed(input, claimedRows.filter((m) => m.channel === channel), (err as Error).message))]);
        // Temporary: nothing went out, so the claims go and the activity retries.
        for (const m of claim) await releaseMessageClaim(db, m.id);
        throw err;
      }
      const sentAt = clock();
      for (const m of claim) {
        await recordMessageSent(db, {
          id: m.id,
          invoice: { id: m.invoiceId, partnerId: m.partnerId, companyId: m.companyId },
          channel,
          kind: m.kind,
          transport,
          providerMessageId,
          sentAt,
          digest: { id: input.digestId, coveredWith: claim.map((c) => c.invoiceId).filter((id) => id !== m.invoiceId) },
        });
      }
      metrics?.messageSent(channel);
      logger.info({ debtor_id: input.debtorId, digest_id: input.digestId, channel, invoices: claim.length, transport }, 'digest sent');
      const status = transport === 'dev-outbox' ? 'outbox' : 'sent';
      return order(input, [...out, ...claim.map((m): CoveredSend => ({ invoiceId: m.invoiceId, purpose: included.find((r) => r.invoiceId === m.invoiceId)!.purpose, result: { status, messageId: m.id }, digest: true }))]);
    },
  };
}

function sendKeyOf(r: { invoiceId: string; purpose: string }, channel: string): string {
  return `${r.invoiceId}:${r.purpose}:${channel}`;
}

/** The digest's own send key: its email's Message-ID, the same in every attempt. */
function digestSendKey(input: DebtorContactSendInput): string {
  return `${input.digestId}:${input.channel}`;
}

/** The answers in the order of the requests; a request the digest rows do not name was left out by the first attempt. */
function order(input: DebtorContactSendInput, covered: CoveredSend[]): CoveredSend[] {
  return input.requests.map((r) => covered.find((c) => c.invoiceId === r.invoiceId && c.purpose === r.purpose) ?? { invoiceId: r.invoiceId, purpose: r.purpose, result: null, digest: false });
}

function coveredFrom(input: DebtorContactSendInput, rows: MessageRow[]): CoveredSend[] {
  return order(
    input,
    rows.map((m) => {
      const purpose = input.requests.find((r) => sendKeyOf(r, input.channel) === m.sendKey)?.purpose ?? '';
      const result: SendMessageResult =
        m.status === 'failed' ? { status: 'failed', reason: m.error ?? 'failed', messageId: m.id } : { status: m.status === 'outbox' ? 'outbox' : 'sent', messageId: m.id };
      return { invoiceId: m.invoiceId, purpose, result, digest: true };
    }),
  );
}
