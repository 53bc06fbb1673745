import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AgentReplyResult } from '../activities/agent-replies';
import type { AgentReplySend } from './agent-reply.messages';

const { sendAgentReply } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  // The agent waits on the page for a short while; a send that keeps failing is retried here,
  // durably, after the page has answered "still sending".
  retry: { initialInterval: '2 seconds', maximumInterval: '5 minutes', backoffCoefficient: 2, maximumAttempts: 20 },
});

/**
 * One agent's reply to a debtor (workflow id `agent-reply-<reply id>`): the send survives an API
 * or worker restart, and runs on the worker, where the mailer and the SMS sender are.
 */
export async function agentReplyWorkflow(input: AgentReplySend): Promise<AgentReplyResult> {
  return sendAgentReply(input);
}
