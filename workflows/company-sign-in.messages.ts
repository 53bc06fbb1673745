/** One email workflow per sign-in link, so starting it twice never sends twice. */
export function companySignInLinkWorkflowId(linkId: string): string {
  return `company-sign-in-link-${linkId}`;
}
