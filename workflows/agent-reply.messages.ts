/** The input of an agent's reply workflow: importable by the API without the workflow. */

/** An agent's reply that passed its checks: what the send activity is given (activities/agent-replies.ts); checked by services/conversation-thread.ts `checkAgentReply`. */
export interface AgentReplySend {
  /** Identifies the reply in every attempt of its send: its send key and its thread entry's dedupe key. */
  replyId: string;
  debtorId: string;
  invoiceId: string;
  channel: 'email' | 'sms';
  subject: string | null;
  body: string;
  author: { userId: string; email: string };
  /** The reply answers something the debtor wrote (the thread was waiting): within the contact limit's exception for answers. */
  answersInbound: boolean;
}

