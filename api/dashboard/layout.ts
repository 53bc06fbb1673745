import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { escapeHtml as e, type Locale } from '../../messaging/templates';
import type { CompanyCompany, CompanyUser } from '../../services/company-users';
import { consoleCss } from '../console/stylesheet';
import { createCsrfToken, csrfField } from '../web-session/csrf';
import { sendStrictPage } from '../web-session/page-headers';
import { dashboardLocale } from './session';
import { dashboardLocales, fill, frameTexts, localeNames } from './texts';
import { overviewCss } from './overview-view';

/**
 * The dashboard's frame: server-rendered HTML, no script, one stylesheet (the console's visual
 * language with a few additions), a skip link, a navigation that wraps on a phone, and the
 * language picker. Pages give their title and body; `sendDashboardPage` adds the console's strict
 * headers (no script can run, not framed, not cached).
 */
export interface DashboardViewer {
  user: CompanyUser;
  company: CompanyCompany;
  /** The session's CSRF token: every form carries it (`csrfField`). */
  csrf: string;
  locale: Locale;
  /** The request's path with its query, for the language picker to come back to. */
  path: string;
}

export const dashboardCss = `${consoleCss}
.skip{position:absolute;left:-9999px;top:0;background:#fff;color:var(--ink);padding:.5rem 1rem;z-index:10}
.skip:focus{left:1rem;top:.5rem}
:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
header.bar .company{font-weight:600}
.langs{display:flex;gap:.35rem;flex-wrap:wrap;font-size:.85rem}
.langs a{color:#fff;opacity:.85;padding:.1rem .35rem;border-radius:4px}
.langs a[aria-current=true]{background:#ffffff2e;opacity:1;font-weight:600}
.chart{display:block;width:100%;height:auto;max-width:46rem}
.charts{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(min(100%,26rem),1fr))}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:40rem){header.bar .me{margin-left:0}main{padding:1rem .6rem 2rem}}
${overviewCss}`;
export const DASHBOARD_CSS_PATH = `/dashboard/dashboard.css?v=${createHash('sha256').update(dashboardCss).digest('hex').slice(0, 12)}`;

/** The viewer of a signed-in request (the session middleware has run). */
export function viewerOf(req: Request, secret: string): DashboardViewer {
  return {
    user: req.companyUser!,
    company: req.userCompany!,
    csrf: createCsrfToken(secret, req.companySessionId!, 'dashboard-form'),
    locale: dashboardLocale(req),
    path: req.originalUrl,
  };
}

export { csrfField };

/** The navigation: each feature's page, in this order. `current` is the href of the page shown. */
const navItems = (t: ReturnType<typeof frameTexts>): Array<[string, string]> => [
  ['/dashboard', t.overview],
  ['/dashboard/invoices', t.invoices],
  ['/dashboard/imports', t.imports],
  ['/dashboard/debt-cases', t.debtCases],
  ['/dashboard/company', t.company],
];

function languagePicker(locale: Locale, back: string, label: string): string {
  const links = dashboardLocales
    .map((l) => `<a href="/dashboard/language/${l}?back=${encodeURIComponent(back)}" lang="${l}" hreflang="${l}"${l === locale ? ' aria-current="true"' : ''}>${e(localeNames[l])}</a>`)
    .join('');
  return `<nav class="langs" aria-label="${e(label)}">${links}</nav>`;
}

export interface PageOptions {
  title: string;
  body: string;
  /** The nav entry to mark as the current page. */
  current?: string;
  narrow?: boolean;
}

/** A whole page for a signed-in viewer. */
export function dashboardPage(viewer: DashboardViewer, page: PageOptions): string {
  const t = frameTexts(viewer.locale);
  const nav = `<nav aria-label="${e(t.navLabel)}">${navItems(t)
    .map(([href, label]) => `<a href="${href}"${page.current === href ? ' aria-current="page"' : ''}>${e(label)}</a>`)
    .join('')}</nav>`;
  const role = viewer.user.role === 'admin' ? t.roleAdmin : t.roleViewer;
  const me = `<div class="me"><span data-testid="me">${e(viewer.user.email)} (${e(role)})</span>${languagePicker(viewer.locale, viewer.path, t.language)}<form method="post" action="/dashboard/sign-out">${csrfField(viewer.csrf)}<button type="submit">${e(t.signOut)}</button></form></div>`;
  return shell(viewer.locale, page.title, `<span class="company" data-testid="company-name">${e(viewer.company.name)}</span>${nav}${me}`, page);
}

/** A page without a session (sign-in, errors before sign-in). */
export function signedOutPage(locale: Locale, back: string, page: PageOptions): string {
  const t = frameTexts(locale);
  return shell(locale, page.title, `<div class="me">${languagePicker(locale, back, t.language)}</div>`, { ...page, narrow: page.narrow ?? true });
}

function shell(locale: Locale, title: string, bar: string, page: PageOptions): string {
  const t = frameTexts(locale);
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${e(title)} · ${e(t.dashboard)}</title><link rel="stylesheet" href="${e(DASHBOARD_CSS_PATH)}"></head>
<body><a class="skip" href="#main">${e(t.skip)}</a><header class="bar"><div class="wrap"><a class="brand" href="/dashboard">Recoup <span>${e(t.dashboard)}</span></a>${bar}</div></header><main id="main"${page.narrow ? ' class="narrow"' : ''}>${page.body}</main></body></html>`;
}

/** Sends a dashboard page with the strict headers of a signed-in area. */
export const sendDashboardPage = sendStrictPage;

/** An error page in the viewer's language (signed in or not). */
export function sendDashboardError(req: Request, res: Response, status: number, message: string, viewer?: DashboardViewer): void {
  const locale = viewer?.locale ?? dashboardLocale(req);
  const t = frameTexts(locale);
  const body = `<div class="card"><h1>${e(t.errorTitle)}</h1><p class="problem" role="alert" data-testid="problem">${e(message)}</p><p><a href="/dashboard">${e(t.back)}</a></p></div>`;
  sendDashboardPage(res, status, viewer ? dashboardPage(viewer, { title: t.errorTitle, body, narrow: true }) : signedOutPage(locale, '/dashboard', { title: t.errorTitle, body }));
}

/** 404 for anything not of the viewer's company (never says which). */
export const sendDashboardNotFound = (req: Request, res: Response, viewer: DashboardViewer): void => sendDashboardError(req, res, 404, frameTexts(viewer.locale).notFound, viewer);

/** 403 for a viewer trying to change something. */
export const sendDashboardForbidden = (req: Request, res: Response, viewer: DashboardViewer): void =>
  sendDashboardError(req, res, 403, fill(frameTexts(viewer.locale).forbidden, { role: frameTexts(viewer.locale).roleViewer }), viewer);
