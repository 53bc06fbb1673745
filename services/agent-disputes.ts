import type { Client } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { conversationEntries, invoices } from '../db/schema';
import { invalidField } from '../domain/errors';
import type { ConsoleScope, ConsoleUser } from './console-users';
import { findDebtorInScope } from './conversation-thread';
import { openDispute } from './disputes';

export interface DisputeFromReply {
  /** The debtor's incoming entry (a reply) that contests the invoice. */
  entryId: string;
  invoiceId: string;
  reason: string;
}

/**
 * An agent records the dispute a debtor made in a reply: the reply's text becomes the dispute's
 * details, the dispute is the agent's (`via: 'agent'`) and the thread gets the agent's note, as
 * any dispute does (services/disputes.ts). Only the debtor's own entries and invoices, in scope.
 */
export async function openDisputeFromReply(deps: { db: Db; temporal: Client }, scope: ConsoleScope, user: Pick<ConsoleUser, 'id' | 'email'>, debtorId: string, input: DisputeFromReply) {
  const debtor = await findDebtorInScope(deps.db, scope, debtorId);
  const reason = input.reason.trim();
  if (!reason) throw invalidField('reason', 'Say why the debtor disputes the invoice.');
  if (reason.length > 500) throw invalidField('reason', 'A reason has at most 500 characters.');
  const [entry] = await deps.db
    .select()
    .from(conversationEntries)
    .where(and(eq(conversationEntries.id, input.entryId), eq(conversationEntries.debtorId, debtor.id), eq(conversationEntries.direction, 'in')));
  if (!entry) throw invalidField('entry_id', 'Choose one of the debtor’s messages.');
  const [invoice] = await deps.db
    .select()
    .from(invoices)
    .where(and(eq(invoices.id, input.invoiceId), eq(invoices.debtorId, debtor.id)));
  if (!invoice) throw invalidField('invoice_id', 'Choose one of the debtor’s invoices.');
  return openDispute(deps, invoice, { reason, details: entry.body, via: 'agent', userId: user.id, userEmail: user.email });
}
