import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';

/** The value of the request's cookie `name`, when it has one of our shape (letters, digits, `_`, `-`). */
export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return /^[A-Za-z0-9_-]{1,200}$/.test(value) ? value : undefined;
  }
  return undefined;
}

/** Where a signed-in area (the console, the dashboard) keeps its cookies. */
export interface SessionCookieSetup {
  /** The session cookie; its value is the random session id. */
  session: string;
  /** A random value that binds the sign-in forms' CSRF token before there is a session. */
  preSession: string;
  /** The area's path: its cookies go nowhere else. */
  path: string;
  sessionTtlMs: number;
}

const PRE_SESSION_TTL_MS = 3_600_000;

/**
 * The cookies of one signed-in area: HttpOnly, SameSite=Lax, `Secure` behind TLS, limited to the
 * area's path. Signing in replaces the pre-session cookie with the session cookie.
 */
export function sessionCookies(setup: SessionCookieSetup) {
  const { path } = setup;
  const options = (req: Request, maxAge: number) => ({ httpOnly: true, sameSite: 'lax' as const, secure: req.secure, path, maxAge });
  return {
    /** Sets another cookie of the area (e.g. the picked language). */
    set(req: Request, res: Response, name: string, value: string, maxAge: number): void {
      res.cookie(name, value, options(req, maxAge));
    },
    session: (req: Request): string | undefined => readCookie(req, setup.session),
    setSession(req: Request, res: Response, sessionId: string): void {
      res.cookie(setup.session, sessionId, options(req, setup.sessionTtlMs));
      res.clearCookie(setup.preSession, { path });
    },
    clearSession(res: Response): void {
      res.clearCookie(setup.session, { path });
    },
    /** The pre-session value of this browser, set now when it has none. */
    preSession(req: Request, res: Response): string {
      const existing = readCookie(req, setup.preSession);
      if (existing) return existing;
      const value = randomBytes(24).toString('base64url');
      res.cookie(setup.preSession, value, options(req, PRE_SESSION_TTL_MS));
      return value;
    },
    /** The pre-session value the request carries ('' when none: no token is valid for it). */
    readPreSession: (req: Request): string => readCookie(req, setup.preSession) ?? '',
  };
}

export type SessionCookies = ReturnType<typeof sessionCookies>;
