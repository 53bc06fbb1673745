import type { RequestHandler } from 'express';
import type { Db } from '../../db/client';
import { findConsoleSession, SESSION_TTL_MS, type ConsoleRole, type ConsoleUser } from '../../services/console-users';
import { sessionCookies } from '../web-session/cookies';
import { sendConsoleError } from './views';

/** The console's cookies, on path /console: the session (`recoup_console`) and the sign-in form's pre-session (`recoup_console_pre`). */
export const consoleCookies = sessionCookies({ session: 'recoup_console', preSession: 'recoup_console_pre', path: '/console', sessionTtlMs: SESSION_TTL_MS });

declare module 'express-serve-static-core' {
  interface Request {
    consoleUser?: ConsoleUser;
    consoleSessionId?: string;
  }
}

/** Reads the session, when there is one, into `req.consoleUser`. */
export function loadSession(db: Db): RequestHandler {
  return async (req, _res, next) => {
    const id = consoleCookies.session(req);
    const user = id ? await findConsoleSession(db, id) : null;
    if (id && user) {
      req.consoleUser = user;
      req.consoleSessionId = id;
    }
    next();
  };
}

/** Signed out: every page sends the browser to the sign-in page. */
export const requireSignedIn: RequestHandler = (req, res, next) => {
  if (!req.consoleUser) {
    res.set('Cache-Control', 'no-store');
    res.redirect(303, '/console/sign-in');
    return;
  }
  next();
};

export function requireConsoleRole(...roles: ConsoleRole[]): RequestHandler {
  return (req, res, next) => {
    if (!req.consoleUser || !roles.includes(req.consoleUser.role)) {
      sendConsoleError(res, 403, `This page is for ${roles.join(' and ')} users.`, req.consoleUser);
      return;
    }
    next();
  };
}
