import { and, asc, count, eq, inArray, isNull, lt, lte, or } from 'drizzle-orm';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/client';
import { companies, imports, invoiceLines, invoices, pullSources, pullStagedInvoices } from '../db/schema';
import { pulledInvoiceSchema, pullPageSchema, type PulledInvoice } from '../domain/pull-integration';
import { importedCount, pullLimits, type FieldIssue, type PullRunResult, type SkippedPullRecord, type TransmitSkipReason } from '../domain/pull-run';
import { ImportTransmissionRefused, transmitImport } from '../services/import-transmission';
import { newId } from '../services/ids';
import { invoiceLineOrder, invoiceLineRows } from '../services/invoice-lines';
import type { OutboundGuard } from '../outbound/guard';
import { OutboundFailure, responseExcerpt, sendOutbound } from '../outbound/request';
import { findOrCreateDebtor } from '../services/debtors';
import { insertDraftInvoices, prepareDraftInvoice, type DraftInvoiceCompany, type PreparedDraftInvoice } from '../services/invoices';
import { secretBoxFor } from '../services/secret-box';
import { outboundGuardOf, type ActivityDeps } from './deps';

/** Failure types the pull workflow's retry policy and run report rely on. */
export const PullFailure = {
  /** Network error, timeout, 5xx, 408 or 429: worth another attempt. */
  unreachable: 'PullSourceUnreachable',
  /** 4xx, redirect, not JSON, wrong shape, too large: retrying will not help. */
  badResponse: 'PullSourceBadResponse',
} as const;

export interface FetchPullPageInput {
  companyId: string;
  /** Unique per run: the staged records belong to it. */
  runKey: string;
  /** 0-based page number within the run. */
  page: number;
  cursor: string | null;
}

export type FetchPullPageResult =
  | { found: false }
  | { found: true; received: number; staged: number; invalidCount: number; invalid: SkippedPullRecord[]; nextCursor: string | null };

export type ApplyPulledInvoicesResult =
  | { found: false }
  | {
      found: true;
      importId: string | null;
      importInvoiceCount: number;
      created: number;
      updated: number;
      unchanged: number;
      skippedTransmitted: number;
      duplicates: SkippedPullRecord[];
      autoTransmit: boolean;
      companyVerified: boolean;
    };

const MAX_REPORTED_PER_PAGE = 20;
const STAGED_RECORDS_KEPT_MS = 24 * 3_600_000;
const QUERY_CHUNK = 500;

export function pullIntegrationActivities(deps: ActivityDeps) {
  const { db, temporal, config, clock = () => new Date(), secrets = secretBoxFor(config) } = deps;
  const outbound = outboundGuardOf(deps);
  return {
    /**
     * Fetches one page from the partner endpoint and stages its valid records; invalid records
     * are counted and described. A retried page stages nothing twice.
     */
    async fetchPullPage(input: FetchPullPageInput): Promise<FetchPullPageResult> {
      const [source] = await db.select().from(pullSources).where(eq(pullSources.companyId, input.companyId));
      if (!source) return { found: false };
      const body = await getPage(outbound, source.url, secrets.open(source.bearerToken), input.cursor);
      const envelope = pullPageSchema.safeParse(body);
      if (!envelope.success) {
        throw badResponse(`the response does not have the documented shape: ${issuesText(envelope.error.issues)}`);
      }
      const [company] = await db.select().from(companies).where(eq(companies.id, source.companyId));
      if (!company) throw new Error(`company ${source.companyId} not found`);
      const staged: Array<typeof pullStagedInvoices.$inferInsert> = [];
      const invalid: SkippedPullRecord[] = [];
      let invalidCount = 0;
      envelope.data.invoices.forEach((raw, position) => {
        const parsed = pulledInvoiceSchema.safeParse(raw);
        // The checks every draft invoice passes (a phone that is no number), beyond the record's shape.
        const problems = parsed.success ? draftInvoiceProblemsOf(company, parsed.data) : [];
        if (parsed.success && problems.length > 0) {
          invalidCount++;
          if (invalid.length < MAX_REPORTED_PER_PAGE) invalid.push({ page: input.page, index: position, externalId: parsed.data.external_id, errors: problems });
          return;
        }
        if (parsed.success) {
          staged.push({ runKey: input.runKey, companyId: input.companyId, page: input.page, position, externalId: parsed.data.external_id, record: parsed.data });
          return;
        }
        invalidCount++;
        if (invalid.length < MAX_REPORTED_PER_PAGE) {
          invalid.push({ page: input.page, index: position, externalId: externalIdOf(raw), errors: issuesOf(parsed.error.issues) });
        }
      });
      for (let i = 0; i < staged.length; i += QUERY_CHUNK) {
        await db.insert(pullStagedInvoices).values(staged.slice(i, i + QUERY_CHUNK)).onConflictDoNothing();
      }
      return {
        found: true,
        received: envelope.data.invoices.length,
        staged: staged.length,
        invalidCount,
        invalid,
        nextCursor: envelope.data.next_cursor ?? null,
      };
    },

    /**
     * Upserts every staged record of a run into the company's draft import for pulled data, in one
     * transaction: an invoice known by (company, external_id) is updated while it is a draft in a
     * draft import and left alone otherwise; the rest are created.
     */
    async applyPulledInvoices(input: { companyId: string; runKey: string }): Promise<ApplyPulledInvoicesResult> {
      const now = clock();
      return db.transaction(async (tx) => {
        // The row lock serialises runs of one company, whatever started them.
        const [source] = await tx.select().from(pullSources).where(eq(pullSources.companyId, input.companyId)).for('update');
        const staged = await tx
          .select()
          .from(pullStagedInvoices)
          .where(eq(pullStagedInvoices.runKey, input.runKey))
          .orderBy(asc(pullStagedInvoices.page), asc(pullStagedInvoices.position));
        await tx.delete(pullStagedInvoices).where(eq(pullStagedInvoices.runKey, input.runKey));
        // Runs that died without applying or discarding leave rows behind; sweep them here.
        await tx.delete(pullStagedInvoices).where(lt(pullStagedInvoices.createdAt, new Date(now.getTime() - STAGED_RECORDS_KEPT_MS)));
        if (!source) return { found: false } as const;
        const [company] = await tx.select().from(companies).where(eq(companies.id, source.companyId));
        if (!company) throw new Error(`company ${source.companyId} not found`);

        // First occurrence of an external id wins; repeats are reported.
        const records: Array<{ page: number; index: number; record: PulledInvoice }> = [];
        const duplicates: SkippedPullRecord[] = [];
        const seen = new Set<string>();
        for (const row of staged) {
          if (seen.has(row.externalId)) {
            duplicates.push({
              page: row.page,
              index: row.position,
              externalId: row.externalId,
              errors: [{ path: 'external_id', message: 'appears more than once in this pull; the first was used' }],
            });
            continue;
          }
          seen.add(row.externalId);
          records.push({ page: row.page, index: row.position, record: row.record });
        }

        const known = await knownInvoices(tx, company.id, [...seen]);
        let draftImport = source.draftImportId
          ? (await tx.select().from(imports).where(and(eq(imports.id, source.draftImportId), eq(imports.status, 'draft'))))[0]
          : undefined;
        const counts = { created: 0, updated: 0, unchanged: 0, skippedTransmitted: 0 };
        const drafts: PreparedDraftInvoice[] = [];

        for (const { page, index, record } of records) {
          const prepared = prepareDraftInvoice(company, record);
          if (!prepared.ok) {
            // Checked when staged; only a company whose country changed since could get here.
            duplicates.push({ page, index, externalId: record.external_id, errors: prepared.problems.map((p) => ({ path: p.path, message: p.message })) });
            continue;
          }
          const fields = invoiceFields(record, prepared.draft);
          const existing = known.get(record.external_id);
          if (existing) {
            if (existing.invoice.status !== 'draft' || existing.importStatus !== 'draft') {
              counts.skippedTransmitted++;
            } else if (sameInvoice(existing, fields)) {
              counts.unchanged++;
            } else {
              // A changed debtor may be another person: the draft joins the debtor its new details name.
              const account = await findOrCreateDebtor(tx, company, fields.invoice.debtor);
              await tx.update(invoices).set({ ...fields.invoice, debtorId: account.id, updatedAt: now }).where(eq(invoices.id, existing.invoice.id));
              await tx.delete(invoiceLines).where(eq(invoiceLines.invoiceId, existing.invoice.id));
              await tx.insert(invoiceLines).values(invoiceLineRows(existing.invoice.id, record.invoice_lines));
              counts.updated++;
            }
            continue;
          }
          if (!draftImport) {
            [draftImport] = await tx
              .insert(imports)
              .values({ id: newId('imp'), partnerId: company.partnerId, companyId: company.id, title: `Pulled invoices ${now.toISOString().slice(0, 10)}` })
              .returning();
            await tx.update(pullSources).set({ draftImportId: draftImport!.id }).where(eq(pullSources.companyId, company.id));
          }
          drafts.push(prepared.draft);
          counts.created++;
        }
        if (drafts.length > 0) await insertDraftInvoices(tx, draftImport!.id, drafts);

        const [{ n } = { n: 0 }] = draftImport
          ? await tx.select({ n: count() }).from(invoices).where(eq(invoices.importId, draftImport.id))
          : [{ n: 0 }];
        return {
          found: true,
          importId: draftImport?.id ?? null,
          importInvoiceCount: Number(n),
          ...counts,
          duplicates,
          autoTransmit: source.autoTransmit,
          companyVerified: company.status === 'verified',
        } as const;
      });
    },

    /** Drops what a failed run staged. */
    async discardPullRun(input: { runKey: string }): Promise<void> {
      await db.delete(pullStagedInvoices).where(eq(pullStagedInvoices.runKey, input.runKey));
    },

    /** Auto-transmit: the same transmission as POST /imports/{id}/transmit. */
    async transmitPulledImport(input: { importId: string }): Promise<{ transmitted: true } | { transmitted: false; reason: TransmitSkipReason }> {
      try {
        await transmitImport(db, temporal, config.TEMPORAL_TASK_QUEUE, input.importId);
        return { transmitted: true };
      } catch (err) {
        if (err instanceof ImportTransmissionRefused) return { transmitted: false, reason: err.code };
        throw err;
      }
    },

    /** Writes the run's outcome on the pull source (an older run never overwrites a newer one). */
    async recordPullRun(input: { companyId: string; result: PullRunResult }): Promise<void> {
      const r = input.result;
      const finishedAt = new Date(r.finishedAt);
      await db
        .update(pullSources)
        .set({ lastRunAt: finishedAt, lastStatus: r.status, lastError: r.error, lastImportedCount: importedCount(r), lastResult: r })
        .where(and(eq(pullSources.companyId, input.companyId), or(isNull(pullSources.lastRunAt), lte(pullSources.lastRunAt, finishedAt))));
    },
  };
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type InvoiceRow = typeof invoices.$inferSelect;
type LineFields = { description: string; amountCents: number; quantity: number; vatRate: number };
interface KnownInvoice {
  invoice: InvoiceRow;
  importStatus: string;
  lines: LineFields[];
}

/** The company's invoices with these external ids (pushed over the API or pulled), newest per id. */
async function knownInvoices(tx: Tx, companyId: string, externalIds: string[]): Promise<Map<string, KnownInvoice>> {
  const out = new Map<string, KnownInvoice>();
  for (let i = 0; i < externalIds.length; i += QUERY_CHUNK) {
    const rows = await tx
      .select({ invoice: invoices, importStatus: imports.status })
      .from(invoices)
      .innerJoin(imports, eq(imports.id, invoices.importId))
      .where(and(eq(invoices.companyId, companyId), inArray(invoices.externalId, externalIds.slice(i, i + QUERY_CHUNK))))
      .orderBy(asc(invoices.id));
    for (const row of rows) out.set(row.invoice.externalId!, { ...row, lines: [] });
  }
  const draftIds = [...out.values()].filter((k) => k.invoice.status === 'draft' && k.importStatus === 'draft').map((k) => k.invoice.id);
  const byId = new Map([...out.values()].map((k) => [k.invoice.id, k]));
  for (let i = 0; i < draftIds.length; i += QUERY_CHUNK) {
    const lines = await tx
      .select()
      .from(invoiceLines)
      .where(inArray(invoiceLines.invoiceId, draftIds.slice(i, i + QUERY_CHUNK)))
      .orderBy(asc(invoiceLines.invoiceId), ...invoiceLineOrder);
    for (const l of lines) {
      byId.get(l.invoiceId)!.lines.push({ description: l.description, amountCents: l.amountCents, quantity: Number(l.quantity), vatRate: Number(l.vatRate) });
    }
  }
  return out;
}

/** What a pulled record sets on a draft invoice, as a new draft would store it (debtor normalised). */
function invoiceFields(record: PulledInvoice, draft: PreparedDraftInvoice) {
  const lines: LineFields[] = record.invoice_lines.map((l) => ({ description: l.description, amountCents: l.amount_cents, quantity: l.quantity, vatRate: l.vat_rate }));
  const d = draft.invoice;
  return {
    invoice: {
      invoiceNumber: d.invoiceNumber,
      issueDate: d.issueDate,
      dueDate: d.dueDate,
      currency: d.currency,
      reference: d.reference ?? null,
      debtor: d.debtor,
      amountTotalCents: d.amountTotalCents,
    },
    lines,
  };
}

function draftInvoiceProblemsOf(company: DraftInvoiceCompany, record: PulledInvoice): FieldIssue[] {
  const prepared = prepareDraftInvoice(company, record);
  return prepared.ok ? [] : prepared.problems.map((p) => ({ path: p.path, message: p.message }));
}

function sameInvoice(existing: KnownInvoice, fields: ReturnType<typeof invoiceFields>): boolean {
  const i = existing.invoice;
  const f = fields.invoice;
  return (
    i.invoiceNumber === f.invoiceNumber &&
    i.issueDate === f.issueDate &&
    i.dueDate === f.dueDate &&
    i.currency === f.currency &&
    i.reference === f.reference &&
    canonicalJson(i.debtor) === canonicalJson(f.debtor) &&
    canonicalJson(existing.lines) === canonicalJson(fields.lines)
  );
}

/** JSON with sorted keys: jsonb does not keep the key order it was given. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** GETs one page with the bearer token; network trouble and 5xx are retryable, the rest is not. */
async function getPage(outbound: OutboundGuard, sourceUrl: string, token: string, cursor: string | null): Promise<unknown> {
  const url = new URL(sourceUrl);
  if (cursor !== null) url.searchParams.set('cursor', cursor);
  // The query may carry secrets of the partner's own; reports name the endpoint without it.
  const where = `GET ${url.origin}${url.pathname}`;
  let res;
  try {
    res = await sendOutbound(outbound, {
      url,
      method: 'GET',
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', 'user-agent': 'Recoup-Pull/1' },
      timeoutMs: pullLimits.requestTimeoutMs,
      maxBodyBytes: pullLimits.maxResponseBytes,
    });
  } catch (err) {
    // A refused address is not retried within the run; the next scheduled run checks it again.
    if (err instanceof OutboundFailure && err.kind === 'refused') throw badResponse(`${where} ${err.message}`);
    throw unreachable(`${where} failed: ${(err as Error).message}`);
  }
  if (res.status < 200 || res.status > 299) {
    const excerpt = responseExcerpt(res.body);
    const message = `${where} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    if (res.status >= 500 || res.status === 408 || res.status === 429) throw unreachable(withExcerpt(message, excerpt));
    throw badResponse(withExcerpt(res.status >= 300 && res.status < 400 ? `${message} (redirects are not followed)` : message, excerpt));
  }
  if (res.truncated) throw badResponse(`the response is larger than ${pullLimits.maxResponseBytes} bytes`);
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    throw badResponse(`${where} did not answer valid JSON`);
  }
}

function withExcerpt(message: string, excerpt: string): string {
  return excerpt ? `${message}: ${excerpt}` : message;
}

function unreachable(message: string): ApplicationFailure {
  return ApplicationFailure.retryable(message, PullFailure.unreachable);
}

function badResponse(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, PullFailure.badResponse);
}

function issuesOf(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>, whole = '(record)'): FieldIssue[] {
  return issues.slice(0, 10).map((i) => ({ path: i.path.length ? i.path.map(String).join('.') : whole, message: i.message }));
}

function issuesText(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  return issuesOf(issues, '(response)')
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
}

function externalIdOf(raw: unknown): string | null {
  const id = (raw as { external_id?: unknown } | null)?.external_id;
  return typeof id === 'string' && id.length > 0 ? id.slice(0, 100) : null;
}
