import { eq } from 'drizzle-orm';
import { debtCollectionCases, invoiceLines, invoices } from '../db/schema';
import { amountDue } from '../domain/amounts';
import { appendEvents } from '../services/events';
import { newId } from '../services/ids';
import { invoiceLineOrder } from '../services/invoice-lines';
import { startDebtCaseWorkflow } from '../workflows/debt-case.client';
import type { ActivityDeps } from './deps';

export function debtCollectionActivities({ db, temporal, config, metrics }: ActivityDeps) {
  return {
    /**
     * Opens the debt collection case of an invoice whose last dunning step passed unpaid.
     * Its external id is the invoice's, so a retried activity finds the case it already opened.
     */
    async openDebtCollectionCase(input: { invoiceId: string; reason: string; source?: 'dunning' | 'chargeback'; key?: string }): Promise<{ caseId: string }> {
      let isNew = false;
      const opened = await db.transaction(async (tx) => {
        const [invoice] = await tx.select().from(invoices).where(eq(invoices.id, input.invoiceId));
        if (!invoice) throw new Error(`invoice ${input.invoiceId} not found`);
        // One case per invoice from dunning; each chargeback (keyed by its payment) opens its own.
        const externalId = input.key ? `${input.key}:${invoice.id}` : `invoice:${invoice.id}`;
        const lines = await tx.select().from(invoiceLines).where(eq(invoiceLines.invoiceId, invoice.id)).orderBy(...invoiceLineOrder);
        const [created] = await tx
          .insert(debtCollectionCases)
          .values({
            id: newId('dcc'),
            partnerId: invoice.partnerId,
            companyId: invoice.companyId,
            invoiceId: invoice.id,
            externalId,
            source: input.source ?? 'dunning',
            currency: invoice.currency,
            amountCents: amountDue(invoice),
            details: {
              reference: invoice.reference ?? invoice.invoiceNumber,
              due_date: invoice.dueDate,
              contract_date: invoice.issueDate,
              language: invoice.debtor.locale ?? 'en',
              billing_address: { ...invoice.debtor },
              line_items: lines.map((l) => ({
                unique_id: l.id,
                name: l.description,
                quantity: Number(l.quantity),
                amount_including_tax_cents: Math.round(l.amountCents * Number(l.quantity)),
                type: 'PRODUCT',
              })),
              reason: input.reason,
            },
          })
          .onConflictDoNothing()
          .returning();
        const caseRow =
          created ?? (await tx.select().from(debtCollectionCases).where(eq(debtCollectionCases.externalId, externalId)).then((r) => r.find((c) => c.companyId === invoice.companyId)));
        if (!caseRow) throw new Error('debt collection case could not be opened');
        isNew = created !== undefined;
        await tx.update(invoices).set({ debtCollectionCaseId: caseRow.id, updatedAt: new Date() }).where(eq(invoices.id, invoice.id));
        await appendEvents(tx, [
          {
            type: 'debt_case.created',
            partnerId: invoice.partnerId,
            companyId: invoice.companyId,
            invoiceId: invoice.id,
            data: { debt_collection_case_id: caseRow.id, invoice_id: invoice.id, source: caseRow.source, state: caseRow.state, amount_cents: caseRow.amountCents, currency: caseRow.currency },
            dedupeKey: `debt_case.created:${caseRow.id}`,
          },
        ]);
        return caseRow;
      });
      if (isNew) metrics?.debtCase('created');
      // The case is its own workflow, prepared automatically; the conflict policy makes a retried activity join it.
      await startDebtCaseWorkflow(temporal, config.TEMPORAL_TASK_QUEUE, opened, true);
      return { caseId: opened.id };
    },
  };
}
