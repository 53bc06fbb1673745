import express, { Router, type Request } from 'express';
import type { Config } from '../../config/config';
import type { Db } from '../../db/client';
import { verifyUnsubscribeToken } from '../../messaging/unsubscribe-link';
import { optOut, unsubscribePageOf } from '../../services/debtor-opt-outs';
import { pageErrors } from '../page-errors';
import { sendErrorPage, sendNotFoundPage, sendUnsubscribePage } from '../portal/views';

export interface UnsubscribeDeps {
  db: Db;
  config: Pick<Config, 'portalSecret'>;
}

/**
 * The one-click unsubscribe of every email (RFC 8058), `/unsubscribe/{token}` as its
 * `List-Unsubscribe` header names it. A mail client POSTs `List-Unsubscribe=One-Click` there
 * without a session or a form token (there is no page it could have taken one from): the signed
 * token is the authority, and all it can do is stop email to that one debtor. A GET only shows a
 * page whose button makes that POST, since link scanners follow GETs. A forged token is a 404
 * and changes nothing.
 */
export function unsubscribeRoutes(deps: UnsubscribeDeps): Router {
  const r = Router();
  // RFC 8058 allows either encoding of the one field.
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });
  const multipart = express.text({ type: 'multipart/form-data', limit: '4kb' });

  async function open(req: Request) {
    const token = verifyUnsubscribeToken(deps.config.portalSecret, String(req.params.token));
    const page = token ? await unsubscribePageOf(deps.db, token.debtorId) : null;
    return token && page ? { ...token, ...page } : null;
  }

  r.get('/unsubscribe/:token', async (req, res) => {
    const opened = await open(req);
    if (!opened) return sendNotFoundPage(res);
    sendUnsubscribePage(res, opened.locale, opened.companyName, false);
  });

  r.post('/unsubscribe/:token', form, multipart, async (req, res) => {
    const opened = await open(req);
    if (!opened) return sendNotFoundPage(res);
    if (!isOneClick(req.body)) return sendErrorPage(res, 400);
    await optOut(deps.db, opened.debtorId, opened.channel, 'one_click');
    sendUnsubscribePage(res, opened.locale, opened.companyName, true);
  });

  r.use('/unsubscribe', pageErrors('unsubscribe'));
  return r;
}

/** The body RFC 8058 prescribes: the field `List-Unsubscribe` with the value `One-Click`. */
function isOneClick(body: unknown): boolean {
  if (typeof body === 'string') return /name="List-Unsubscribe"\r?\n(?:[^\r\n]+\r?\n)*\r?\nOne-Click\r?\n/.test(body);
  return typeof body === 'object' && body !== null && (body as Record<string, unknown>)['List-Unsubscribe'] === 'One-Click';
}
