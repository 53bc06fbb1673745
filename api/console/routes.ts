import express, { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import { and, asc, desc, eq } from 'drizzle-orm';
import { companies, debtCollectionCases, events, invoiceLines, invoices, messages } from '../../db/schema';
import { invoiceLineOrder } from '../../services/invoice-lines';
import { authenticateConsoleUser, consoleScope, createConsoleSession, deleteConsoleSession, inScope, isInScope, normaliseEmail } from '../../services/console-users';
import type { ApiDeps } from '../deps';
import type { DebtCaseRow } from '../../services/debt-cases';
import { caseParts, findCase, updateCase } from '../../services/debt-case-access';
import { httpRefusal } from '../errors';
import { createCsrfToken, isValidCsrfToken } from '../web-session/csrf';
import { reconciliationConsoleRoutes } from './reconciliation';
import { smsReplyConsoleRoutes } from './sms-replies';
import { waitingNotices } from '../../services/waiting-notices';
import { waitingNoticesSection } from './waiting-notices';
import { printBatchConsoleRoutes } from './print-batches';
import { disputeConsoleRoutes } from './disputes';
import { vulnerabilityConsoleRoutes } from './vulnerability';
import { conversationConsoleRoutes } from './conversations';
import { consoleCss } from './stylesheet';
import { consoleCookies, loadSession, requireConsoleRole, requireSignedIn } from './session';
import { casePage, companiesPage, outboxPage, queuePage, sendConsoleError, sendConsolePage, signInPage, type Viewer } from './views';
import { DomainError } from '../../domain/errors';

const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');
const list = (v: unknown): string[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');

/**
 * The reviewer / ops console, mounted at `/console`: sign-in with a database session, the review
 * queue and case pages (approve / reject through the case workflow's `reviewDebtCase` update, as
 * `POST /debt_collection_cases/{id}/review` does, audited with the user's email), and for ops the
 * company verification queue and the message outbox.
 */
export function consoleRoutes(deps: Pick<ApiDeps, 'db' | 'temporal' | 'taskQueue' | 'config' | 'signInThrottle' | 'clock'>): Router {
  const { db, temporal, taskQueue } = deps;
  /** Keys the forms' CSRF tokens (with a purpose prefix of their own). */
  const secret = deps.config.portalSecret;
  /** Counts and limits sign-in attempts per email and per address (services/sign-in-throttle.ts). */
  const throttle = deps.signInThrottle;
  const r = Router();
  // The stylesheet, before the session: the sign-in page needs it too. Its URL carries the
  // content's hash, so it may be cached for long.
  r.get('/console.css', (_req, res) => {
    res.set({ 'Cache-Control': 'public, max-age=31536000, immutable', 'X-Content-Type-Options': 'nosniff' }).type('text/css').send(consoleCss);
  });
  r.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 1000 }));
  r.use(loadSession(db));

  const viewer = (req: Request): Viewer => ({ user: req.consoleUser!, csrf: createCsrfToken(secret, req.consoleSessionId!) });

  r.get('/sign-in', (req, res) => {
    if (req.consoleUser) return res.redirect(303, '/console');
    sendConsolePage(res, 200, signInPage(createCsrfToken(secret, consoleCookies.preSession(req, res))));
  });

  r.post('/sign-in', async (req, res) => {
    const pre = consoleCookies.readPreSession(req);
    if (!isValidCsrfToken(secret, pre, req.body?._csrf)) return sendConsoleError(res, 403, 'The form has expired or did not come from this site. Reload the sign-in page and try again.');
    const email = text(req.body?.email);
    const password = typeof req.body?.password === 'string' ? req.body.password : '';
    if (!email) return sendConsolePage(res, 401, signInPage(createCsrfToken(secret, pre), 'The email or password is wrong.', email));
    const outcome = await throttle.attempt({ kind: 'console', account: normaliseEmail(email), address: req.ip ?? 'unknown' }, () => authenticateConsoleUser(db, email, password));
    if (!outcome.ok) {
      if (outcome.reason === 'failed') return sendConsolePage(res, 401, signInPage(createCsrfToken(secret, pre), 'The email or password is wrong.', email));
      // Blocked or busy: 429 with Retry-After. Unknown emails are throttled exactly like known
      // ones, so this says nothing about whether an account exists.
      res.set('Retry-After', String(outcome.retryAfterSeconds));
      const wait = outcome.retryAfterSeconds >= 120 ? `${Math.ceil(outcome.retryAfterSeconds / 60)} minutes` : `${outcome.retryAfterSeconds} seconds`;
      return sendConsolePage(res, 429, signInPage(createCsrfToken(secret, pre), `Too many sign-in attempts. Try again in ${wait}.`, email));
    }
    consoleCookies.setSession(req, res, await createConsoleSession(db, outcome.value.id));
    res.redirect(303, '/console');
  });

  // Everything else: signed in, and every form with the session's CSRF token.
  r.use(requireSignedIn);
  r.use((req, res, next) => {
    if (req.method === 'POST' && !isValidCsrfToken(secret, req.consoleSessionId!, req.body?._csrf)) {
      return sendConsoleError(res, 403, 'The form has expired or did not come from this site. Reload the page and try again.', req.consoleUser);
    }
    next();
  });

  r.post('/sign-out', async (req, res) => {
    await deleteConsoleSession(db, req.consoleSessionId!);
    consoleCookies.clearSession(res);
    res.redirect(303, '/console/sign-in');
  });

  // Debt cases: reviewers and ops. An agent's home is the conversations queue.
  const reviewers = requireConsoleRole('reviewer', 'ops');
  r.get('/', async (req, res, next) => {
    if (req.consoleUser!.role === 'agent') return res.redirect(303, '/console/conversations');
    next();
  });

  /** The case, when the viewer's scope holds it; another partner's case is as absent as an unknown one. */
  async function findScopedCase(req: Request, id: string): Promise<DebtCaseRow | undefined> {
    const kase = await findCase(db, id);
    return kase && isInScope(consoleScope(req.consoleUser!), kase.partnerId) ? kase : undefined;
  }

  r.get('/', reviewers, async (req, res) => {
    const scope = consoleScope(req.consoleUser!);
    const company = text(req.query.company);
    const environment = text(req.query.environment);
    const reviewing = eq(debtCollectionCases.state, 'reviewing');
    const rows = await db
      .select({ kase: debtCollectionCases, companyName: companies.name })
      .from(debtCollectionCases)
      .innerJoin(companies, eq(companies.id, debtCollectionCases.companyId))
      .where(
        and(
          reviewing,
          inScope(scope, debtCollectionCases.partnerId),
          company ? eq(debtCollectionCases.companyId, company) : undefined,
          environment === 'test' || environment === 'production' ? eq(debtCollectionCases.environment, environment) : undefined,
        ),
      )
      .orderBy(desc(debtCollectionCases.createdAt), desc(debtCollectionCases.id))
      .limit(500);
    const withCases = await db
      .selectDistinct({ id: companies.id, name: companies.name })
      .from(companies)
      .innerJoin(debtCollectionCases, eq(debtCollectionCases.companyId, companies.id))
      .where(and(reviewing, inScope(scope, debtCollectionCases.partnerId)))
      .orderBy(asc(companies.name));
    const approved = Number(req.query.approved ?? 0);
    const failed = list(req.query.failed);
    sendConsolePage(
      res,
      200,
      queuePage(viewer(req), {
        rows,
        companies: withCases,
        filter: { company, environment },
        notice: approved > 0 ? `Approved ${approved} case${approved === 1 ? '' : 's'}.` : undefined,
        problem: failed.length ? `Not approved: ${failed.join(', ')}` : text(req.query.problem) || undefined,
      }),
    );
  });

  async function review(req: Request, row: DebtCaseRow, decision: 'approve' | 'reject', reason: string) {
    const user = req.consoleUser!;
    await updateCase({ temporal, taskQueue }, row, (c) => c.review({ decision, reason, reviewedBy: user.email, reviewedAt: new Date().toISOString() }));
  }

  r.post('/cases/bulk-review', reviewers, async (req, res) => {
    const ids = list(req.body?.case_ids).slice(0, 200);
    const reason = text(req.body?.reason);
    if (!ids.length) return res.redirect(303, `/console?problem=${encodeURIComponent('Select at least one case.')}`);
    if (!reason || reason.length > 1000) return res.redirect(303, `/console?problem=${encodeURIComponent('A reason (at most 1000 characters) is required.')}`);
    let approved = 0;
    const failed: string[] = [];
    for (const id of ids) {
      const row = await findScopedCase(req, id);
      try {
        if (!row) throw new DomainError('not_found', 'not_found', 'not found');
        await review(req, row, 'approve', reason);
        approved += 1;
      } catch (err) {
        const refusal = httpRefusal(err);
        if (!refusal) throw err;
        failed.push(`${id} (${refusal.message})`);
      }
    }
    const q = new URLSearchParams({ approved: String(approved) });
    for (const f of failed) q.append('failed', f);
    res.redirect(303, `/console?${q}`);
  });

  async function renderCase(req: Request, res: Response, id: string, status: number, extra: { notice?: string; problem?: string; reason?: string } = {}) {
    const kase = await findScopedCase(req, id);
    if (!kase) throw new DomainError('not_found', 'not_found', `No debt collection case ${id}`);
    const [company] = await db.select().from(companies).where(eq(companies.id, kase.companyId));
    const invoiceId = kase.invoiceId;
    const [invoice] = invoiceId ? await db.select().from(invoices).where(eq(invoices.id, invoiceId)) : [];
    const [lines, invoiceTimeline, invoiceMessages, parts] = await Promise.all([
      invoiceId ? db.select().from(invoiceLines).where(eq(invoiceLines.invoiceId, invoiceId)).orderBy(...invoiceLineOrder) : [],
      invoiceId ? db.select().from(events).where(and(eq(events.partnerId, kase.partnerId), eq(events.invoiceId, invoiceId))).orderBy(asc(events.seq)) : [],
      invoiceId ? db.select().from(messages).where(eq(messages.invoiceId, invoiceId)).orderBy(asc(messages.createdAt)) : [],
      caseParts(db, kase),
    ]);
    // The invoice timeline holds the case's own events too (they carry the invoice id): shown once, under the case.
    const caseEventIds = new Set(parts.timeline.map((ev) => ev.seq));
    sendConsolePage(
      res,
      status,
      casePage(viewer(req), {
        kase,
        company,
        invoice,
        lines,
        invoiceTimeline: invoiceTimeline.filter((ev) => !caseEventIds.has(ev.seq)),
        invoiceMessages,
        caseTimeline: parts.timeline,
        documents: parts.documents,
        ...extra,
      }),
    );
  }

  r.get('/cases/:id', reviewers, async (req, res) => {
    const decided = text(req.query.decided);
    await renderCase(req, res, String(req.params.id), 200, { notice: decided === 'approve' ? 'Approved.' : decided === 'reject' ? 'Rejected.' : undefined });
  });

  r.post('/cases/:id/review', reviewers, async (req, res) => {
    const id = String(req.params.id);
    const decision = text(req.body?.decision);
    const reason = text(req.body?.reason);
    if (decision !== 'approve' && decision !== 'reject') return renderCase(req, res, id, 400, { problem: 'Choose approve or reject.', reason });
    if (!reason || reason.length > 1000) return renderCase(req, res, id, 422, { problem: 'A reason (at most 1000 characters) is required.', reason });
    const row = await findScopedCase(req, id);
    if (!row) throw new DomainError('not_found', 'not_found', `No debt collection case ${id}`);
    try {
      await review(req, row, decision, reason);
    } catch (err) {
      const refusal = httpRefusal(err);
      if (!refusal) throw err;
      return renderCase(req, res, id, refusal.status, { problem: refusal.message, reason });
    }
    res.redirect(303, `/console/cases/${encodeURIComponent(id)}?decided=${decision}`);
  });

  // Ops only.
  r.get('/companies', requireConsoleRole('ops'), async (req, res) => {
    const rows = await db.select().from(companies).where(eq(companies.status, 'pending_verification')).orderBy(asc(companies.createdAt), asc(companies.id));
    const done = text(req.query.done);
    sendConsolePage(res, 200, companiesPage(viewer(req), rows, done ? `Company ${done} ${text(req.query.decision) === 'approve' ? 'verified' : 'rejected'}.` : undefined));
  });

  r.post('/companies/:id/verification', requireConsoleRole('ops'), async (req, res) => {
    const id = String(req.params.id);
    const decision = text(req.body?.decision);
    const reason = text(req.body?.reason);
    if ((decision !== 'approve' && decision !== 'reject') || reason.length > 1000) throw new DomainError('invalid', 'validation_failed', 'Choose approve or reject; a reason has at most 1000 characters.');
    // The same change as `POST /companies/{id}/verification`.
    const updated = await db
      .update(companies)
      .set({ status: decision === 'approve' ? 'verified' : 'rejected', verificationReason: reason || null, updatedAt: new Date() })
      .where(eq(companies.id, id))
      .returning({ id: companies.id });
    if (!updated.length) throw new DomainError('not_found', 'not_found', `No company ${id}`);
    res.redirect(303, `/console/companies?${new URLSearchParams({ done: id, decision })}`);
  });

  r.get('/outbox', requireConsoleRole('ops'), async (req, res) => {
    const rows = await db.select().from(messages).orderBy(desc(messages.createdAt), desc(messages.id)).limit(100);
    sendConsolePage(res, 200, outboxPage(viewer(req), rows, waitingNoticesSection(await waitingNotices(db, new Date()))));
  });

  r.use('/reconciliation', reconciliationConsoleRoutes({ db, temporal, secret }));
  r.use('/sms-replies', smsReplyConsoleRoutes({ db, secret }));
  r.use('/print-batches', printBatchConsoleRoutes({ db, secret }));
  r.use('/disputes', disputeConsoleRoutes({ db, temporal, secret }));
  r.use('/debtors', vulnerabilityConsoleRoutes({ db, temporal, secret }));
  r.use('/conversations', conversationConsoleRoutes({ db, temporal, taskQueue, clock: deps.clock, secret }));

  r.use((req, res) => sendConsoleError(res, 404, 'There is no such page.', req.consoleUser));
  const onError: ErrorRequestHandler = (err, req, res, next) => {
    const refusal = httpRefusal(err);
    if (refusal) return sendConsoleError(res, refusal.status, refusal.message, req.consoleUser);
    next(err);
  };
  r.use(onError);
  return r;
}

