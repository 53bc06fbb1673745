import type { Request, RequestHandler, Response } from 'express';
import type { Db } from '../../db/client';
import type { Locale } from '../../messaging/templates';
import { COMPANY_SESSION_TTL_MS, findCompanySession, type CompanyCompany, type CompanyUser } from '../../services/company-users';
import { readCookie, sessionCookies } from '../web-session/cookies';
import { isDashboardLocale } from './texts';

/**
 * The dashboard's cookies, on path /dashboard: the session (`recoup_dashboard`) and the sign-in
 * forms' pre-session (`recoup_dashboard_pre`).
 */
export const dashboardCookies = sessionCookies({ session: 'recoup_dashboard', preSession: 'recoup_dashboard_pre', path: '/dashboard', sessionTtlMs: COMPANY_SESSION_TTL_MS });
/** The language a person picked (not secret; a year). */
export const DASHBOARD_LANGUAGE_COOKIE = 'recoup_dashboard_lang';

declare module 'express-serve-static-core' {
  interface Request {
    companyUser?: CompanyUser;
    /** The signed-in user's company: every dashboard query is filtered by its id. */
    userCompany?: CompanyCompany;
    companySessionId?: string;
  }
}

export function setLanguageCookie(req: Request, res: Response, locale: Locale): void {
  dashboardCookies.set(req, res, DASHBOARD_LANGUAGE_COOKIE, locale, 365 * 86_400_000);
}

/** Reads the session, when there is one, into `req.companyUser` and `req.userCompany`. */
export function loadDashboardSession(db: Db, clock: () => Date): RequestHandler {
  return async (req, _res, next) => {
    const id = dashboardCookies.session(req);
    const found = id ? await findCompanySession(db, id, clock()) : null;
    if (id && found) {
      req.companyUser = found.user;
      req.userCompany = found.company;
      req.companySessionId = id;
    }
    next();
  };
}

/** The page's language: the one picked, else the user's, else what the browser asks for, else English. */
export function dashboardLocale(req: Request): Locale {
  const picked = readCookie(req, DASHBOARD_LANGUAGE_COOKIE);
  if (isDashboardLocale(picked)) return picked;
  if (req.companyUser && isDashboardLocale(req.companyUser.locale)) return req.companyUser.locale;
  const asked = req.acceptsLanguages('nl', 'en', 'de', 'fr');
  return isDashboardLocale(asked) ? asked : 'en';
}
