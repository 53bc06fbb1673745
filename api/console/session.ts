import { randomBytes } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Db } from '../../db/client';
import { findConsoleSession, SESSION_TTL_MS, type ConsoleRole, type ConsoleUser } from '../../services/console-users';
import { sendConsoleError } from './views';

/** The session cookie (HttpOnly, SameSite=Lax, path /console); its value is the random session id. */
export const SESSION_COOKIE = 'recoup_console';
/** A random value that binds the sign-in form's CSRF token before there is a session. */
export const PRE_SESSION_COOKIE = 'recoup_console_pre';

declare module 'express-serve-static-core' {
  interface Request {
    consoleUser?: ConsoleUser;
    consoleSessionId?: string;
  }
}

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return /^[A-Za-z0-9_-]{1,200}$/.test(value) ? value : undefined;
  }
  return undefined;
}

function cookieOptions(req: Request, maxAge: number) {
  return { httpOnly: true, sameSite: 'lax' as const, secure: req.secure, path: '/console', maxAge };
}

export function setSessionCookie(req: Request, res: Response, sessionId: string): void {
  res.cookie(SESSION_COOKIE, sessionId, cookieOptions(req, SESSION_TTL_MS));
  res.clearCookie(PRE_SESSION_COOKIE, { path: '/console' });
}

export function clearSessionCookie(res: Response): void {
  res.clearCookie(SESSION_COOKIE, { path: '/console' });
}

/** The pre-session value of this browser, set now when it has none. */
export function preSession(req: Request, res: Response): string {
  const existing = readCookie(req, PRE_SESSION_COOKIE);
  if (existing) return existing;
  const value = randomBytes(24).toString('base64url');
  res.cookie(PRE_SESSION_COOKIE, value, cookieOptions(req, 3_600_000));
  return value;
}

/** Reads the session, when there is one, into `req.consoleUser`. */
export function loadSession(db: Db): RequestHandler {
  return async (req, _res, next) => {
    const id = readCookie(req, SESSION_COOKIE);
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
