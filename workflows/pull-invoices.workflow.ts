import { ActivityFailure, ApplicationFailure, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { FetchPullPageResult } from '../activities/pull-integration';
import {
  autoTransmitDecision,
  completedRunError,
  completedRunStatus,
  MAX_REPORTED_SKIPS,
  pullLimits,
  type PullRunResult,
  type SkippedPullRecord,
} from '../domain/pull-run';
import type { PullInvoicesInput } from './pull-invoices.messages';

// A failing partner endpoint is tried three times; the next scheduled run tries again anyway.
const { fetchPullPage } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 3 },
});
const { applyPulledInvoices, discardPullRun, transmitPulledImport, recordPullRun } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/**
 * One pull of a company's partner endpoint, started by its Schedule (or "run now"): fetch every
 * page (bounded) and stage the valid records, then upsert them into the draft import for pulled
 * invoices in one go, transmit it when the company asked for that, and record the outcome on the
 * pull source. A failed fetch imports nothing. Invoice data never enters this workflow's history.
 */
export async function pullInvoicesWorkflow(input: PullInvoicesInput): Promise<PullRunResult> {
  const info = workflowInfo();
  const runKey = `${info.workflowId}/${info.runId}`;
  const result: PullRunResult = {
    status: 'succeeded',
    startedAt: new Date().toISOString(),
    finishedAt: '',
    pages: 0,
    received: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    skippedTransmitted: 0,
    invalidCount: 0,
    skipped: [],
    truncated: false,
    importId: null,
    transmitted: false,
    transmitSkipReason: null,
    error: null,
  };
  const report = (records: SkippedPullRecord[], countOf: number) => {
    result.invalidCount += countOf;
    result.skipped.push(...records.slice(0, Math.max(0, MAX_REPORTED_SKIPS - result.skipped.length)));
  };

  let cursor: string | null = null;
  try {
    do {
      const page: FetchPullPageResult = await fetchPullPage({ companyId: input.companyId, runKey, page: result.pages, cursor });
      if (!page.found) {
        await discardPullRun({ runKey });
        return noSource(result);
      }
      result.pages++;
      result.received += page.received;
      report(page.invalid, page.invalidCount);
      cursor = page.nextCursor;
    } while (cursor !== null && result.pages < pullLimits.maxPages);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    await discardPullRun({ runKey });
    const reason = err.cause instanceof ApplicationFailure ? err.cause.message : (err.cause?.message ?? err.message);
    log.warn('pull failed', { companyId: input.companyId, reason });
    Object.assign(result, { status: 'failed', error: reason, finishedAt: new Date().toISOString() } satisfies Partial<PullRunResult>);
    await recordPullRun({ companyId: input.companyId, result });
    return result;
  }
  result.truncated = cursor !== null;

  const applied = await applyPulledInvoices({ companyId: input.companyId, runKey });
  if (!applied.found) return noSource(result);
  Object.assign(result, {
    created: applied.created,
    updated: applied.updated,
    unchanged: applied.unchanged,
    skippedTransmitted: applied.skippedTransmitted,
    importId: applied.importId,
  });
  report(applied.duplicates, applied.duplicates.length);

  const decision = autoTransmitDecision(applied);
  if (decision.transmit) {
    const transmission = await transmitPulledImport({ importId: decision.importId });
    result.transmitted = transmission.transmitted;
    result.transmitSkipReason = transmission.transmitted ? null : transmission.reason;
  } else {
    result.transmitSkipReason = decision.reason;
  }

  result.status = completedRunStatus(result);
  result.error = completedRunError(result);
  result.finishedAt = new Date().toISOString();
  await recordPullRun({ companyId: input.companyId, result });
  return result;
}

/** The pull source was removed while the run was under way: nothing to do or to record. */
function noSource(result: PullRunResult): PullRunResult {
  return { ...result, status: 'failed', error: 'the pull source no longer exists', finishedAt: new Date().toISOString() };
}
