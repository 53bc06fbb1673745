import { Readable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { invoiceLineResource, invoiceResource, eventResource } from '../resources/serializers';
import type { Db } from '../db/client';
import { debtCollectionCaseDocuments, debtCollectionCases, debtCollectionCollectedAmounts, debtCollectorConfigurations, events, invoiceLines, invoices } from '../db/schema';
import {
  billingCountryOf,
  decidePreparation,
  invoiceOutcomeOfClose,
  type CollectorChoice,
  type DebtCaseCloseReason,
} from '../domain/debt-case';
import { appendDebtCaseEvents, type DebtCaseRow } from '../services/debt-cases';
import { newId } from '../services/ids';
import { invoiceLineOrder } from '../services/invoice-lines';
import { documentStoreFor } from '../storage/document-store';
import type { CollectedAmountRequest, ReviewRequest } from '../workflows/debt-case.messages';
import { closeInvoiceByCollection, setInvoiceStatusByCollection } from './debt-case-invoice';
import type { ActivityDeps } from './deps';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface PreparedDebtCase {
  state: 'reviewing' | 'processing';
  reviewRequired: boolean;
  collector: CollectorChoice | null;
}

async function lockedCase(tx: Tx, caseId: string): Promise<DebtCaseRow> {
  const [row] = await tx.select().from(debtCollectionCases).where(eq(debtCollectionCases.id, caseId)).for('update');
  if (!row) throw ApplicationFailure.create({ type: 'debt_case_not_found', message: `debt collection case ${caseId} not found`, nonRetryable: true });
  return row;
}

function preparedOf(row: DebtCaseRow): PreparedDebtCase {
  return {
    state: row.state === 'reviewing' ? 'reviewing' : 'processing',
    reviewRequired: row.reviewRequired ?? true,
    collector: row.collector
      ? { name: row.collector.name, collector: row.collector.collector, reviewRequired: row.collector.review_required, configurationVersion: row.collectorConfigurationVersion ?? 0 }
      : null,
  };
}

/** Persistence of the case workflow's steps: each writes the case row and its events in one transaction. */
export function debtCaseActivities(deps: ActivityDeps) {
  const { db, metrics, clock = () => new Date() } = deps;
  const store = deps.documents ?? documentStoreFor(deps.config.RECOUP_DATA_DIR ?? 'memory://');

  return {
    /**
     * A case opened from an invoice gets the invoice, its lines and its timeline attached as JSON
     * documents; each is attached once (dedupe key per case and type), whatever the retries.
     */
    async attachInvoiceDocumentsToDebtCase(input: { caseId: string }): Promise<{ attached: number }> {
      const [row] = await db.select().from(debtCollectionCases).where(eq(debtCollectionCases.id, input.caseId));
      if (!row?.invoiceId) return { attached: 0 };
      const [invoice] = await db.select().from(invoices).where(eq(invoices.id, row.invoiceId));
      if (!invoice) return { attached: 0 };
      const lines = await db.select().from(invoiceLines).where(eq(invoiceLines.invoiceId, invoice.id)).orderBy(...invoiceLineOrder);
      const timeline = await db.select().from(events).where(eq(events.invoiceId, invoice.id)).orderBy(asc(events.seq));
      const documents = [
        { type: 'invoice', name: `invoice-${invoice.invoiceNumber}.json`, content: invoiceResource(invoice, lines) },
        { type: 'invoice_lines', name: `invoice-${invoice.invoiceNumber}-lines.json`, content: { data: lines.map(invoiceLineResource) } },
        { type: 'timeline', name: `invoice-${invoice.invoiceNumber}-timeline.json`, content: { data: timeline.map(eventResource) } },
      ];
      let attached = 0;
      for (const doc of documents) {
        const dedupeKey = `auto:${row.id}:${doc.type}`;
        const [existing] = await db.select({ id: debtCollectionCaseDocuments.id }).from(debtCollectionCaseDocuments).where(eq(debtCollectionCaseDocuments.dedupeKey, dedupeKey));
        if (existing) continue;
        const id = newId('dcd');
        const storageKey = `debt-cases/${row.id}/${id}`;
        const bytes = Buffer.from(`${JSON.stringify(doc.content, null, 2)}\n`);
        await store.put(storageKey, Readable.from([bytes]));
        const inserted = await db
          .insert(debtCollectionCaseDocuments)
          .values({ id, caseId: row.id, companyId: row.companyId, type: doc.type, name: doc.name, contentType: 'application/json', sizeBytes: bytes.length, storageKey, dedupeKey })
          .onConflictDoNothing()
          .returning();
        if (inserted.length === 0) await store.delete(storageKey);
        else attached += 1;
      }
      return { attached };
    },

    /**
     * Mark prepared: the company's current configurations are matched against the case (first match
     * wins) and the chosen one is copied into the case row, so later edits of the list never change it.
     */
    async prepareDebtCase(input: { caseId: string }): Promise<PreparedDebtCase> {
      return db.transaction(async (tx) => {
        const row = await lockedCase(tx, input.caseId);
        if (row.state !== 'preparing') return preparedOf(row); // a retry after the commit
        const [current] = await tx
          .select()
          .from(debtCollectorConfigurations)
          .where(eq(debtCollectorConfigurations.companyId, row.companyId))
          .orderBy(desc(debtCollectorConfigurations.version))
          .limit(1);
        const decision = decidePreparation(current?.configurations ?? [], { amountCents: row.amountCents, currency: row.currency, country: billingCountryOf(row.details) });
        const now = clock();
        const [updated] = await tx
          .update(debtCollectionCases)
          .set({
            state: decision.next,
            collector: decision.configuration,
            collectorConfigurationVersion: current?.version ?? 0,
            reviewRequired: decision.reviewRequired,
            preparedAt: now,
            updatedAt: now,
          })
          .where(eq(debtCollectionCases.id, row.id))
          .returning();
        if (decision.next === 'reviewing') {
          await appendDebtCaseEvents(tx, updated!, 'prepared', [
            {
              type: 'debt_case.review_required',
              data: {
                configuration: decision.configuration?.name ?? null,
                configuration_version: current?.version ?? 0,
                why: decision.configuration ? 'the matching configuration asks for review' : 'no configuration matched the case',
              },
            },
          ]);
        }
        return preparedOf(updated!);
      });
    },

    /** The review's decision with its audit trail (who, when, why): approved → processing, rejected → closed. */
    async persistDebtCaseReview(input: ReviewRequest & { caseId: string }): Promise<void> {
      await db.transaction(async (tx) => {
        const row = await lockedCase(tx, input.caseId);
        if (row.reviewDecision) return; // a retry after the commit
        const now = clock();
        const audit = { reviewDecision: input.decision, reviewReason: input.reason, reviewedBy: input.reviewedBy, reviewedAt: new Date(input.reviewedAt), updatedAt: now };
        const approved = input.decision === 'approve';
        const [updated] = await tx
          .update(debtCollectionCases)
          .set(approved ? { ...audit, state: 'processing' } : { ...audit, state: 'closed', closeReason: 'rejected', closedAt: now, closedBy: input.reviewedBy, closeNote: input.reason })
          .where(eq(debtCollectionCases.id, row.id))
          .returning();
        const review = { decision: input.decision, reason: input.reason, reviewed_by: input.reviewedBy, reviewed_at: input.reviewedAt };
        await appendDebtCaseEvents(
          tx,
          updated!,
          'review',
          approved
            ? [{ type: 'debt_case.approved', data: { review } }]
            : [
                { type: 'debt_case.rejected', data: { review } },
                { type: 'debt_case.closed', data: { review, closed_by: input.reviewedBy, note: input.reason } },
              ],
        );
      });
    },

    /** One collected amount, number `sequence` of the case, with its event. */
    async recordDebtCaseCollectedAmount(input: CollectedAmountRequest & { caseId: string; sequence: number }): Promise<void> {
      await db.transaction(async (tx) => {
        const row = await lockedCase(tx, input.caseId);
        const [amount] = await tx
          .insert(debtCollectionCollectedAmounts)
          .values({
            id: newId('dca'),
            caseId: row.id,
            sequence: input.sequence,
            amountCents: input.amountCents,
            collectedAt: new Date(input.collectedAt),
            source: input.source,
            recordedBy: input.recordedBy,
            collectorReference: input.collectorReference ?? null,
          })
          .onConflictDoNothing()
          .returning();
        if (!amount) return; // a retry after the commit
        const [updated] = await tx
          .update(debtCollectionCases)
          .set({ collectedAmountCents: sql`${debtCollectionCases.collectedAmountCents} + ${input.amountCents}`, updatedAt: clock() })
          .where(eq(debtCollectionCases.id, row.id))
          .returning();
        await appendDebtCaseEvents(tx, updated!, `collected:${input.sequence}`, [
          {
            type: 'debt_case.collected_amount_added',
            data: {
              collected_amount: {
                sequence: input.sequence,
                amount_cents: input.amountCents,
                collected_at: input.collectedAt,
                source: input.source,
                recorded_by: input.recordedBy,
                collector_reference: input.collectorReference ?? null,
              },
              outstanding_amount_cents: Math.max(0, updated!.amountCents - updated!.collectedAmountCents),
            },
          },
        ]);
      });
    },

    /**
     * Closes the case. Its invoice takes its final status first (collected, or written off for what was
     * not recovered): by the invoice workflow's update while it runs, else here, in this transaction.
     */
    async persistDebtCaseClose(input: { caseId: string; reason: DebtCaseCloseReason; note?: string; closedBy: string }): Promise<{ invoiceStatus: string | null }> {
      const [before] = await db.select().from(debtCollectionCases).where(eq(debtCollectionCases.id, input.caseId));
      if (!before) throw ApplicationFailure.create({ type: 'debt_case_not_found', message: `debt collection case ${input.caseId} not found`, nonRetryable: true });
      const outcome = invoiceOutcomeOfClose(input.reason);
      const settlement =
        outcome && before.invoiceId
          ? await closeInvoiceByCollection(deps.temporal, { invoiceId: before.invoiceId, caseId: before.id, status: outcome, reason: input.note ?? input.reason })
          : 'none';
      let closedNow = false;
      const result = await db.transaction(async (tx) => {
        const row = await lockedCase(tx, input.caseId);
        closedNow = row.state !== 'closed';
        const now = clock();
        const [updated] =
          row.state === 'closed'
            ? [row]
            : await tx
                .update(debtCollectionCases)
                .set({ state: 'closed', closeReason: input.reason, closedAt: now, closedBy: input.closedBy, closeNote: input.note ?? null, updatedAt: now })
                .where(eq(debtCollectionCases.id, row.id))
                .returning();
        let invoiceStatus: string | null = null;
        if (row.invoiceId) {
          invoiceStatus =
            settlement === 'row' && outcome
              ? await setInvoiceStatusByCollection(tx, { invoiceId: row.invoiceId, caseId: row.id, status: outcome, now })
              : ((await tx.select({ status: invoices.status }).from(invoices).where(eq(invoices.id, row.invoiceId)))[0]?.status ?? null);
        }
        await appendDebtCaseEvents(tx, updated!, 'close', [
          { type: 'debt_case.closed', data: { closed_by: input.closedBy, note: input.note ?? null, invoice_status: invoiceStatus } },
        ]);
        return { invoiceStatus };
      });
      if (closedNow) metrics?.debtCase('closed');
      return result;
    },

    /** The collector could not be reached or refused the case for good: it stays processing, for people. */
    async recordDebtCaseHandOffFailure(input: { caseId: string; error: string }): Promise<void> {
      await db
        .update(debtCollectionCases)
        .set({ handOff: { delivery: 'failed', error: input.error.slice(0, 1000) }, updatedAt: clock() })
        .where(and(eq(debtCollectionCases.id, input.caseId), sql`${debtCollectionCases.handedOffAt} is null`));
    },
  };
}
