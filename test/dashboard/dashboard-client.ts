import type { ParsedMail } from 'mailparser';
import { createSignInLink, signInToken } from '../../services/company-users';
import type { Stack } from '../support/stack';
import { ConsoleClient, type ConsolePage } from '../console/browser-session';

/**
 * The company dashboard as a browser would use it, over real HTTP: a cookie-keeping client
 * (the console's), company users added through the partner API, sign-in through the link.
 */
export { ConsoleClient as DashboardClient };

export async function addCompanyUser(stack: Stack, key: string, companyId: string, email: string, role: 'admin' | 'viewer' = 'admin'): Promise<{ id: string }> {
  const res = await stack.request('POST', `/api/v2/companies/${companyId}/users`, { key, body: { email, role } });
  if (res.status !== 201) throw new Error(`adding ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The sign-in link in an email (its text part). */
export function signInLinkOf(mail: ParsedMail): string {
  const url = /https?:\/\/\S+\/dashboard\/sign-in\/[A-Za-z0-9_.-]+/.exec(mail.text ?? '')?.[0];
  if (!url) throw new Error(`no sign-in link in "${mail.subject}"`);
  return url;
}

/** Opens a link as a person does: its page, then its button. The last answer (303 to /dashboard when it worked). */
export async function openSignInLink(client: ConsoleClient, url: string): Promise<ConsolePage> {
  const path = new URL(url).pathname;
  const landing = await client.get(path);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(landing.html)?.[1];
  if (landing.status !== 200 || !csrf) return landing;
  return client.post(path, { _csrf: csrf });
}

/** A client signed in as the user, through a fresh link (made directly: the email is another test's subject). */
export async function signedInAs(stack: Stack, userId: string): Promise<ConsoleClient> {
  const link = await createSignInLink(stack.database.db, userId, 'sign_in', new Date());
  if (!link) throw new Error('no link: too many for this user');
  const client = new ConsoleClient(stack.baseUrl);
  const done = await openSignInLink(client, `${stack.baseUrl}/dashboard/sign-in/${signInToken(stack.config.portalSecret, link.id)}`);
  if (done.status !== 303) throw new Error(`sign-in failed: ${done.status}`);
  return client;
}

/** The CSRF token of a dashboard page's forms. */
export const csrfOf = (page: ConsolePage): string => {
  const token = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1];
  if (!token) throw new Error(`no form token (${page.status})`);
  return token;
};
