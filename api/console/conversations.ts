import { Router, type Request, type Response } from 'express';
import type { ApiDeps } from '../deps';
import { assignableUsers, assignConversation, closeConversation, listConversationQueue, type QueueFilter } from '../../services/conversation-queue';
import { addNote, checkAgentReply, loadThread } from '../../services/conversation-thread';
import { consoleScope } from '../../services/console-users';
import { openDisputeFromReply } from '../../services/agent-disputes';
import { sendAgentReplyDurably } from '../../workflows/agent-reply.client';
import { unprocessable } from '../../domain/errors';
import { httpRefusal } from '../errors';
import { createCsrfToken } from '../web-session/csrf';
import { conversationQueuePage, threadPage, type ThreadPageInput } from './conversation-views';
import { requireConsoleRole } from './session';
import { sendConsolePage, type Viewer } from './views';

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

const sentNotices: Record<string, string> = {
  sent: 'Reply sent.',
  outbox: 'Reply kept in the outbox (development: no provider configured).',
  sending: 'The reply is being sent; it shows here once it went out.',
  note: 'Note added.',
  disputed: 'Dispute opened: the invoice’s reminders, fees and escalation wait until it is resolved.',
  assigned: 'Assignment saved.',
  closed: 'Thread closed.',
};

/**
 * The agents' console at `/console/conversations` (agents and ops): the queue of open threads and
 * one debtor's thread with its invoices, replies by email or SMS (checked by `checkAgentReply`,
 * sent by the reply's workflow on the worker), notes and assignment. Everything within the user's
 * scope: another partner's thread is 404.
 */
export function conversationConsoleRoutes(deps: Pick<ApiDeps, 'db' | 'temporal' | 'taskQueue' | 'clock'> & { secret: string }): Router {
  const { db, temporal, taskQueue, secret } = deps;
  const now = deps.clock;
  const r = Router();
  r.use(requireConsoleRole('agent', 'ops'));
  const viewer = (req: Request): Viewer => ({ user: req.consoleUser!, csrf: createCsrfToken(secret, req.consoleSessionId!) });

  r.get('/', async (req, res) => {
    const f = text(req.query.filter);
    const filter: QueueFilter = f === 'mine' || f === 'unassigned' ? f : 'all';
    const rows = await listConversationQueue(db, consoleScope(req.consoleUser!), { filter, userId: req.consoleUser!.id });
    sendConsolePage(res, 200, conversationQueuePage(viewer(req), { rows, filter, now: now() }));
  });

  async function render(req: Request, res: Response, status: number, extra: Pick<ThreadPageInput, 'notice' | 'problem' | 'draft'> = {}) {
    const thread = await loadThread(db, consoleScope(req.consoleUser!), String(req.params.debtorId));
    const agents = await assignableUsers(db, thread.debtor.partnerId);
    sendConsolePage(res, status, threadPage(viewer(req), { thread, agents, now: now(), ...extra }));
  }

  /** Runs a change; a refusal (bad input, a guardrail) shows the thread again with the reason and what was written. */
  async function act(req: Request, res: Response, done: string, run: () => Promise<string | void>, draft?: ThreadPageInput['draft']) {
    let outcome: string | void;
    try {
      outcome = await run();
    } catch (err) {
      const refusal = httpRefusal(err);
      // Not found stays not found (the error page), whoever's thread it is.
      if (!refusal || refusal.status === 404) throw err;
      return render(req, res, refusal.status, { problem: refusal.message, draft });
    }
    res.redirect(303, `/console/conversations/${encodeURIComponent(String(req.params.debtorId))}?done=${outcome ?? done}`);
  }

  r.get('/:debtorId', async (req, res) => {
    await render(req, res, 200, { notice: sentNotices[text(req.query.done)] });
  });

  r.post('/:debtorId/reply', async (req, res) => {
    const draft = { channel: text(req.body?.channel), subject: text(req.body?.subject), body: text(req.body?.body) };
    await act(
      req,
      res,
      'sent',
      async () => {
        const reply = await checkAgentReply(db, consoleScope(req.consoleUser!), String(req.params.debtorId), req.consoleUser!, draft, now());
        const result = await sendAgentReplyDurably(temporal, taskQueue, reply);
        if (!result) return 'sending';
        if (result.status === 'sent' || result.status === 'outbox') return result.status;
        // Refused at the last moment (an opt-out that came meanwhile) or by the provider.
        throw unprocessable(`reply_${result.status}`, `The reply was not sent: ${('reason' in result ? result.reason : result.status).replace(/_/g, ' ')}.`);
      },
      draft,
    );
  });

  r.post('/:debtorId/notes', async (req, res) => {
    await act(req, res, 'note', () => addNote(db, consoleScope(req.consoleUser!), String(req.params.debtorId), req.consoleUser!, text(req.body?.body)));
  });

  r.post('/:debtorId/disputes', async (req, res) => {
    await act(req, res, 'disputed', async () => {
      const input = { entryId: text(req.body?.entry_id), invoiceId: text(req.body?.invoice_id), reason: text(req.body?.reason) };
      await openDisputeFromReply({ db, temporal }, consoleScope(req.consoleUser!), req.consoleUser!, String(req.params.debtorId), input);
    });
  });

  r.post('/:debtorId/assign', async (req, res) => {
    const assignee = text(req.body?.assignee).trim();
    await act(req, res, 'assigned', async () => {
      await assignConversation(db, consoleScope(req.consoleUser!), req.consoleUser!, String(req.params.debtorId), assignee || null);
    });
  });

  r.post('/:debtorId/close', async (req, res) => {
    await act(req, res, 'closed', () => closeConversation(db, consoleScope(req.consoleUser!), String(req.params.debtorId)));
  });

  return r;
}
