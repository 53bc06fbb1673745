import { Router, type Request, type Response } from 'express';
import { eq } from 'drizzle-orm';
import { companySignInLinks } from '../../db/schema';
import { escapeHtml as e, type Locale } from '../../messaging/templates';
import { createSignInLink, deleteCompanySession, linkIdOfToken, liveUsersByEmail, normaliseEmail, redeemSignInLink } from '../../services/company-users';
import { startCompanySignInLinkEmail } from '../../workflows/company-sign-in.client';
import type { ApiDeps } from '../deps';
import { createCsrfToken, isValidCsrfToken } from '../web-session/csrf';
import { csrfField, sendDashboardError, sendDashboardPage, signedOutPage } from './layout';
import { dashboardCookies, dashboardLocale, setLanguageCookie } from './session';
import { fill, frameTexts, isDashboardLocale } from './texts';

const emailLike = (v: string): boolean => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) && v.length <= 320;

type Problem = { kind: 'problem' | 'notice'; text: string };

function requestLinkPage(locale: Locale, csrf: string, message?: Problem, email = ''): string {
  const t = frameTexts(locale);
  const shown = message ? `<p class="${message.kind}" role="${message.kind === 'problem' ? 'alert' : 'status'}" data-testid="${message.kind}">${e(message.text)}</p>` : '';
  return signedOutPage(locale, '/dashboard/sign-in', {
    title: t.signInTitle,
    body: `<div class="card"><h1>${e(t.signInTitle)}</h1><p class="muted">${e(t.signInLead)}</p>${shown}
<form method="post" action="/dashboard/sign-in">${csrfField(csrf)}
<label for="email">${e(t.email)}</label><input type="email" id="email" name="email" autocomplete="email" required value="${e(email)}">
<button type="submit" class="block">${e(t.sendLink)}</button></form></div>`,
  });
}

function landingPage(locale: Locale, csrf: string, token: string): string {
  const t = frameTexts(locale);
  // A button, not an automatic sign-in: mail scanners that open every link would use it up otherwise.
  return signedOutPage(locale, '/dashboard/sign-in', {
    title: t.landingTitle,
    body: `<div class="card"><h1>${e(t.landingTitle)}</h1><p class="muted">${e(t.landingLead)}</p>
<form method="post" action="/dashboard/sign-in/${e(token)}">${csrfField(csrf)}<button type="submit" class="block">${e(t.continue)}</button></form></div>`,
  });
}

/**
 * Signing in to the dashboard: ask for a link by email address (the answer is the same whether the
 * address is known or not, and throttled per address and per source like password sign-ins), open
 * the link (a page with a button, so a mail scanner prefetching it uses nothing), and sign out.
 */
export function dashboardSignInRoutes(deps: Pick<ApiDeps, 'db' | 'temporal' | 'taskQueue' | 'config' | 'signInThrottle' | 'clock'>): Router {
  const { db, temporal, taskQueue, clock } = deps;
  const secret = deps.config.portalSecret;
  const r = Router();
  const preToken = (req: Request, res: Response) => createCsrfToken(secret, dashboardCookies.preSession(req, res), 'dashboard-form');
  const preValid = (req: Request) => isValidCsrfToken(secret, dashboardCookies.readPreSession(req), req.body?._csrf, 'dashboard-form');

  r.get('/language/:locale', (req, res) => {
    const back = typeof req.query.back === 'string' && /^\/dashboard(\/|\?|$)/.test(req.query.back) && !req.query.back.startsWith('//') ? req.query.back : '/dashboard';
    if (isDashboardLocale(req.params.locale)) setLanguageCookie(req, res, req.params.locale);
    res.redirect(303, back);
  });

  r.get('/sign-in', (req, res) => {
    if (req.companyUser) return res.redirect(303, '/dashboard');
    sendDashboardPage(res, 200, requestLinkPage(dashboardLocale(req), preToken(req, res)));
  });

  r.post('/sign-in', async (req, res) => {
    const locale = dashboardLocale(req);
    const t = frameTexts(locale);
    if (!preValid(req)) return sendDashboardError(req, res, 403, t.formExpired);
    const email = normaliseEmail(typeof req.body?.email === 'string' ? req.body.email : '');
    if (!emailLike(email)) return sendDashboardPage(res, 400, requestLinkPage(locale, preToken(req, res), { kind: 'problem', text: t.badEmail }, email));
    // Every ask counts as an attempt (known address or not), so the throttle says nothing about
    // which addresses exist; each user also gets at most three links per 15 minutes.
    const outcome = await deps.signInThrottle.attempt({ kind: 'company_user', account: email, address: req.ip ?? 'unknown' }, async () => {
      for (const user of await liveUsersByEmail(db, email)) {
        const link = await createSignInLink(db, user.id, 'sign_in', clock());
        if (link) await startCompanySignInLinkEmail(temporal, taskQueue, link.id);
      }
      return null;
    });
    if (!outcome.ok && outcome.reason !== 'failed') {
      res.set('Retry-After', String(outcome.retryAfterSeconds));
      const wait = outcome.retryAfterSeconds >= 120 ? `${Math.ceil(outcome.retryAfterSeconds / 60)} min` : `${outcome.retryAfterSeconds} s`;
      return sendDashboardPage(res, 429, requestLinkPage(locale, preToken(req, res), { kind: 'problem', text: fill(t.tooMany, { wait }) }, email));
    }
    sendDashboardPage(res, 200, requestLinkPage(locale, preToken(req, res), { kind: 'notice', text: t.linkSent }));
  });

  /** The page for a link that cannot be used: why, and the form for a new one (410: the link is gone). */
  const deadLink = (req: Request, res: Response, reason: 'invalid' | 'expired' | 'used') => {
    const locale = dashboardLocale(req);
    const t = frameTexts(locale);
    const text = reason === 'expired' ? t.linkExpired : reason === 'used' ? t.linkUsed : t.linkInvalid;
    sendDashboardPage(res, reason === 'invalid' ? 404 : 410, requestLinkPage(locale, preToken(req, res), { kind: 'problem', text }));
  };

  r.get('/sign-in/:token', async (req, res) => {
    const token = req.params.token;
    const linkId = linkIdOfToken(secret, token);
    if (!linkId) return deadLink(req, res, 'invalid');
    const [link] = await db.select().from(companySignInLinks).where(eq(companySignInLinks.id, linkId));
    if (!link) return deadLink(req, res, 'invalid');
    if (link.usedAt) return deadLink(req, res, 'used');
    if (link.expiresAt <= clock()) return deadLink(req, res, 'expired');
    sendDashboardPage(res, 200, landingPage(dashboardLocale(req), preToken(req, res), token));
  });

  r.post('/sign-in/:token', async (req, res) => {
    if (!preValid(req)) return sendDashboardError(req, res, 403, frameTexts(dashboardLocale(req)).formExpired);
    const outcome = await redeemSignInLink(db, secret, req.params.token, clock());
    if (!outcome.ok) return deadLink(req, res, outcome.reason);
    dashboardCookies.setSession(req, res, outcome.sessionId);
    res.redirect(303, '/dashboard');
  });

  r.post('/sign-out', async (req, res) => {
    // Signing out needs the session's token: another site cannot sign a person out either.
    if (req.companySessionId && isValidCsrfToken(secret, req.companySessionId, req.body?._csrf, 'dashboard-form')) await deleteCompanySession(db, req.companySessionId);
    else if (req.companySessionId) return sendDashboardError(req, res, 403, frameTexts(dashboardLocale(req)).formExpired);
    dashboardCookies.clearSession(res);
    const locale = dashboardLocale(req);
    sendDashboardPage(res, 200, requestLinkPage(locale, preToken(req, res), { kind: 'notice', text: frameTexts(locale).signedOut }));
  });

  return r;
}
