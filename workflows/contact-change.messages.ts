/** One confirmation workflow per portal contact change, so starting it twice never sends twice. */
export function contactChangeWorkflowId(changeId: string): string {
  return `contact-change-${changeId}`;
}
