import { ApplicationFailure } from '@temporalio/common';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { createCollectors, type HandOffRequest } from '../collectors';
import { debtCollectionCaseDocuments, debtCollectionCases, type DebtCaseHandOff } from '../db/schema';
import { fallbackCollector } from '../domain/debt-case';
import type { DebtCollectorConfiguration } from '../domain/debt-collector-configuration';
import { appendDebtCaseEvents, type DebtCaseRow } from '../services/debt-cases';
import { outboundGuardOf, type ActivityDeps } from './deps';

/** A case approved without a matching configuration is worked by the partner's own people. */
const noConfigurationMatched: DebtCollectorConfiguration = { name: 'no configuration matched', collector: fallbackCollector, review_required: true, conditions: {} };

/** Hand-off of cases to their collectors (in-house, HTTP, file), behind the one collector interface. */
export function debtCaseHandOffActivities(deps: ActivityDeps) {
  const { db, config, clock = () => new Date() } = deps;
  const collectors = createCollectors({
    db,
    publicBaseUrl: config.publicBaseUrl,
    dataDir: config.RECOUP_DATA_DIR,
    outboxDir: config.RECOUP_COLLECTOR_OUTBOX_DIR,
    outbound: outboundGuardOf(deps),
  });

  async function load(caseId: string): Promise<DebtCaseRow> {
    const [row] = await db.select().from(debtCollectionCases).where(eq(debtCollectionCases.id, caseId));
    if (!row) throw ApplicationFailure.create({ type: 'debt_case_not_found', message: `debt collection case ${caseId} not found`, nonRetryable: true });
    return row;
  }

  async function requestFor(row: DebtCaseRow): Promise<HandOffRequest> {
    const documents = await db.select().from(debtCollectionCaseDocuments).where(eq(debtCollectionCaseDocuments.caseId, row.id)).orderBy(asc(debtCollectionCaseDocuments.id));
    return { row, configuration: row.collector ?? noConfigurationMatched, documents, now: clock() };
  }

  return {
    /**
     * Gives a processing case to the collector of its snapshotted configuration and records how.
     * `environment: test` cases never leave Recoup: the hand-off is recorded, nothing is sent.
     */
    async handOffDebtCase(input: { caseId: string }): Promise<{ delivery: DebtCaseHandOff['delivery'] }> {
      const row = await load(input.caseId);
      const request = await requestFor(row);
      const collector = collectors[request.configuration.collector];
      const production = row.environment === 'production';
      if (row.handedOffAt && row.handOff) {
        // A retry after the commit: only the file collector has work left (its batch file).
        if (production) await collector.afterHandOffRecorded?.(row);
        return { delivery: row.handOff.delivery };
      }
      let handOff: DebtCaseHandOff;
      if (production) {
        const result = await collector.handOff(request);
        handOff = { delivery: result.delivery, reference: result.reference ?? null, destination: result.destination ?? null };
      } else {
        handOff = { delivery: 'not_sent_test_environment', reference: null, destination: null };
      }
      const recorded = await db.transaction(async (tx) => {
        const [updated] = await tx
          .update(debtCollectionCases)
          .set({ handOff, handedOffAt: request.now, updatedAt: request.now })
          .where(and(eq(debtCollectionCases.id, row.id), isNull(debtCollectionCases.handedOffAt)))
          .returning();
        if (!updated) return (await tx.select().from(debtCollectionCases).where(eq(debtCollectionCases.id, row.id)))[0]!;
        await appendDebtCaseEvents(tx, updated, 'handed_off', [
          {
            type: 'debt_case.handed_off',
            data: {
              collector: { name: request.configuration.name, kind: request.configuration.collector, configuration_version: row.collectorConfigurationVersion },
              delivery: handOff.delivery,
              sent: production && handOff.delivery !== 'in_house',
              reference: handOff.reference ?? null,
            },
          },
        ]);
        return updated;
      });
      if (production) await collector.afterHandOffRecorded?.(recorded);
      return { delivery: handOff.delivery };
    },

    /** Tells the collector holding a case that it was withdrawn; test cases were never sent, so nothing is. */
    async tellCollectorDebtCaseWithdrawn(input: { caseId: string; reason: string }): Promise<void> {
      const row = await load(input.caseId);
      if (row.environment !== 'production' || !row.handedOffAt || row.handOff?.delivery !== 'sent') return;
      const request = await requestFor(row);
      await collectors[request.configuration.collector].withdraw?.({ ...request, reason: input.reason });
    },
  };
}
