import type { Response } from 'express';

/**
 * The strict headers of a server-rendered page of a signed-in area (console, dashboard): no
 * script can run, forms post only to this site, the page is never framed, cached or referred.
 */
export function strictPageHeaders(res: Response): void {
  res.set({
    'Content-Security-Policy': "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
  });
}

/** Sends an HTML page with the strict headers. */
export function sendStrictPage(res: Response, status: number, html: string): void {
  strictPageHeaders(res);
  res.status(status).type('html').send(html);
}
