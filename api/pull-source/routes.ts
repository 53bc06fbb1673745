import type { pullSources } from '../../db/schema';
import type { PullRunResult } from '../../domain/pull-run';
import { deletePullSource, findPullSource, runPullSource, savePullSource } from '../../services/pull-sources';
import { pullScheduleId } from '../../workflows/pull-invoices.messages';
import { principalOf } from '../auth';
import { requireAllowedUrl } from '../outbound-urls';
import { defineRoute } from '../route-definition';
import { visibleCompany } from '../scope';

type PullSourceRow = typeof pullSources.$inferSelect;

const tag = 'Pull integration';
const path = '/companies/{id}/pull_source';

/**
 * A company's pull source: the partner endpoint Recoup fetches invoices from on a schedule
 * (docs/pull-integration.md). The bearer token goes in and never comes out; it is stored sealed.
 */
export const pullSourceRoutes = [
  defineRoute({
    operationId: 'putPullSource',
    method: 'put',
    path,
    tag,
    summary: "Create or replace the company's pull source",
    description: 'The bearer token goes in and never comes out; leave it out to keep the stored one. Answers 201 when created, 200 when replaced.',
    roles: ['partner', 'ops'],
    body: 'PullSourcePut',
    response: { status: 200, description: 'The pull source, replaced', schema: 'PullSource', also: [{ status: 201, description: 'The pull source, created' }] },
    handler: async ({ req, res, deps: { db, temporal, taskQueue, outbound, secrets }, body: parsedBody, param }) => {
      const company = await visibleCompany(db, principalOf(req), param('id'));
      const body = parsedBody();
      await requireAllowedUrl(outbound, body.url, 'url');
      const { source, created } = await savePullSource({ db, temporal, taskQueue, secrets }, company, body);
      res.status(created ? 201 : 200).json(pullSourceResource(source));
    },
  }),
  defineRoute({
    operationId: 'getPullSource',
    method: 'get',
    path,
    tag,
    summary: "Get the company's pull source and its last run",
    roles: ['partner', 'ops'],
    response: { status: 200, description: 'The pull source', schema: 'PullSource' },
    handler: async ({ req, res, deps: { db }, param }) => {
      const company = await visibleCompany(db, principalOf(req), param('id'));
      res.json(pullSourceResource(await findPullSource({ db }, company.id)));
    },
  }),
  defineRoute({
    operationId: 'deletePullSource',
    method: 'delete',
    path,
    tag,
    summary: 'Stop pulling and forget the source',
    roles: ['partner', 'ops'],
    response: { status: 204, description: 'Deleted' },
    handler: async ({ req, res, deps: { db, temporal }, param }) => {
      const company = await visibleCompany(db, principalOf(req), param('id'));
      await deletePullSource({ db, temporal }, company.id);
      res.status(204).end();
    },
  }),
  defineRoute({
    operationId: 'runPullSource',
    method: 'post',
    path: `${path}/run`,
    tag,
    summary: 'Pull now',
    roles: ['partner', 'ops'],
    response: { status: 202, description: 'Accepted; the pull runs asynchronously', schema: 'PullSource' },
    handler: async ({ req, res, deps: { db, temporal, taskQueue }, param }) => {
      const company = await visibleCompany(db, principalOf(req), param('id'));
      const source = await runPullSource({ db, temporal, taskQueue }, company);
      res.status(202).json(pullSourceResource(source));
    },
  }),
];

function pullSourceResource(s: PullSourceRow) {
  return {
    company_id: s.companyId,
    url: s.url,
    interval_minutes: s.intervalMinutes,
    auto_transmit: s.autoTransmit,
    schedule_id: pullScheduleId(s.companyId),
    draft_import_id: s.draftImportId,
    last_run_at: s.lastRunAt?.toISOString() ?? null,
    last_status: s.lastStatus,
    last_error: s.lastError,
    last_imported_count: s.lastImportedCount,
    last_result: s.lastResult ? pullRunResource(s.lastResult) : null,
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
  };
}

function pullRunResource(r: PullRunResult) {
  return {
    status: r.status,
    started_at: r.startedAt,
    finished_at: r.finishedAt,
    pages: r.pages,
    received: r.received,
    created: r.created,
    updated: r.updated,
    unchanged: r.unchanged,
    skipped_transmitted: r.skippedTransmitted,
    invalid_count: r.invalidCount,
    skipped: r.skipped.map((s) => ({ page: s.page + 1, index: s.index, external_id: s.externalId, errors: s.errors })),
    truncated: r.truncated,
    import_id: r.importId,
    transmitted: r.transmitted,
    transmit_skip_reason: r.transmitSkipReason,
    error: r.error,
  };
}
