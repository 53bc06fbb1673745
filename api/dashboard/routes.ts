import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { httpRefusal } from '../errors';
import type { ApiDeps } from '../deps';
import { isValidCsrfToken } from '../web-session/csrf';
import { dashboardCss, sendDashboardError, sendDashboardForbidden, viewerOf } from './layout';
import { dashboardLocale, loadDashboardSession } from './session';
import { overviewDashboardRoutes } from './overview';
import { dashboardInvoiceRoutes } from './invoices';
import { dashboardSignInRoutes } from './sign-in';
import { frameTexts } from './texts';
import { companyDashboardRoutes } from './company';
import { debtCaseDashboardRoutes } from './debt-cases';
import { importDashboardRoutes } from './imports';

export type DashboardDeps = Pick<ApiDeps, 'db' | 'temporal' | 'taskQueue' | 'config' | 'signInThrottle' | 'clock' | 'documents' | 'logger'>;

/**
 * The company dashboard, mounted at `/dashboard` (docs/dashboard.md): a company's own people
 * (company users) sign in with an emailed one-time link and see only their company.
 *
 * How a feature joins: it exports `xxxDashboardRoutes(deps: DashboardDeps): Router` from its own
 * file in this folder and is listed in `features` below. Its routes run signed in (`req.companyUser`,
 * `req.userCompany` set; build the page's viewer with `viewerOf(req, secret)`), every POST has
 * passed the CSRF check, and a route that changes anything starts with `requireDashboardAdmin`.
 * Every query filters by `req.userCompany.id`; anything of another company answers
 * `sendDashboardNotFound` (404, never "forbidden", which would say it exists). Texts live beside
 * the page (`defineTexts`, four languages); pages are `dashboardPage(viewer, { title, body, current })`.
 */
export function dashboardRoutes(deps: DashboardDeps): Router {
  const secret = deps.config.portalSecret;
  const r = Router();
  r.get('/dashboard.css', (_req, res) => {
    res.set({ 'Cache-Control': 'public, max-age=31536000, immutable', 'X-Content-Type-Options': 'nosniff' }).type('text/css').send(dashboardCss);
  });
  r.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 1000 }));
  r.use(loadDashboardSession(deps.db, deps.clock));
  r.use(dashboardSignInRoutes(deps));

  // Everything else: signed in, and every form with the session's CSRF token. A multipart form
  // (a file upload) carries its token in the query string, as its body is read by the route itself.
  r.use((req, res, next) => {
    if (!req.companyUser) {
      res.set('Cache-Control', 'no-store');
      return res.redirect(303, '/dashboard/sign-in');
    }
    if (req.method === 'POST') {
      const multipart = req.is('multipart/form-data') === 'multipart/form-data';
      const given = multipart ? req.query._csrf : req.body?._csrf;
      if (!isValidCsrfToken(secret, req.companySessionId!, given, 'dashboard-form')) return sendDashboardError(req, res, 403, frameTexts(dashboardLocale(req)).formExpired, viewerOf(req, secret));
    }
    next();
  });

  for (const feature of features) r.use(feature(deps));

  r.use((req, res) => sendDashboardError(req, res, 404, frameTexts(dashboardLocale(req)).notFound, viewerOf(req, secret)));
  // A refused use case is its own 4xx page with the domain's message; anything else a logged 503, never a stack.
  r.use(((err, req, res, _next) => {
    const viewer = req.companyUser ? viewerOf(req, secret) : undefined;
    const refusal = httpRefusal(err);
    if (refusal && refusal.status < 500) return sendDashboardError(req, res, refusal.status, refusal.status === 404 ? frameTexts(dashboardLocale(req)).notFound : refusal.message, viewer);
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) return sendDashboardError(req, res, status, frameTexts(dashboardLocale(req)).formExpired, viewer);
    req.log.error({ err, path: req.path }, 'dashboard: unhandled error');
    sendDashboardError(req, res, 503, frameTexts(dashboardLocale(req)).errorTitle, viewer);
  }) as ErrorRequestHandler);
  return r;
}

/** The dashboard's pages, feature by feature (each file of this folder). */
const features: Array<(deps: DashboardDeps) => Router> = [overviewDashboardRoutes, dashboardInvoiceRoutes, importDashboardRoutes, debtCaseDashboardRoutes, companyDashboardRoutes];

/** Only an `admin` may change anything; a `viewer`'s POST is a 403 page. */
export function requireDashboardAdmin(secret: string): RequestHandler {
  return (req, res, next) => {
    if (req.companyUser?.role !== 'admin') return sendDashboardForbidden(req, res, viewerOf(req, secret));
    next();
  };
}
