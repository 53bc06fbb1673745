import type { Client } from '@temporalio/client';
import type { AgentReplyResult } from '../activities/agent-replies';
import type { AgentReplySend } from './agent-reply.messages';
import type { agentReplyWorkflow } from './agent-reply.workflow';

export const agentReplyWorkflowId = (replyId: string): string => `agent-reply-${replyId}`;

/** How long the console waits for the send before it answers "still sending" (the workflow goes on). */
const WAIT_MS = 20_000;

/**
 * Starts the reply's send and waits for it a short while: the result, or `null` when it is still
 * being sent (retried by its workflow; the thread shows it once it went out).
 */
export async function sendAgentReplyDurably(temporal: Client, taskQueue: string, reply: AgentReplySend): Promise<AgentReplyResult | null> {
  const handle = await temporal.workflow.start<typeof agentReplyWorkflow>('agentReplyWorkflow', {
    workflowId: agentReplyWorkflowId(reply.replyId),
    taskQueue,
    args: [reply],
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), WAIT_MS);
  });
  try {
    return await Promise.race([handle.result(), late]);
  } finally {
    clearTimeout(timer);
  }
}
