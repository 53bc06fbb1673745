import { eq } from 'drizzle-orm';
import { companySignInLinks, companyUsers } from '../../db/schema';
import { startStack, type Stack } from '../support/stack';
import { addCompanyUser, csrfOf, DashboardClient, openSignInLink, signedInAs, signInLinkOf } from './dashboard-client';

/**
 * Company users and their sign-in, over real HTTP against the whole product (Temporal, database,
 * the in-process SMTP server that receives the emails): the partner adds a treasurer, the email
 * carries a one-time link, the link opens a session once, later links are asked for by email
 * address, and revoking ends it all. Each company's people see only their company.
 */
let stack: Stack;
const a = { key: '', companyId: '', partnerId: '' };
const b = { key: '', companyId: '', partnerId: '' };

beforeAll(async () => {
  stack = await startStack();
  Object.assign(a, await stack.newPartner('Alpha'));
  Object.assign(b, await stack.newPartner('Beta'));
}, 120_000);
afterAll(() => stack?.close());

const mailsTo = (email: string) => stack.smtp.messages.filter((m) => m.to && JSON.stringify(m.to).includes(email));

async function waitForMails(email: string, n: number) {
  const until = Date.now() + 30_000;
  while (mailsTo(email).length < n) {
    if (Date.now() > until) throw new Error(`${n} mails to ${email} did not arrive (have ${mailsTo(email).length})`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return mailsTo(email);
}

test('the partner adds a treasurer; the invitation email signs them in once, into their own company only', async () => {
  const created = await stack.request('POST', `/api/v2/companies/${a.companyId}/users`, { key: a.key, body: { email: ' Treasurer@Alpha.example ', role: 'admin' } });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ company_id: a.companyId, email: 'treasurer@alpha.example', role: 'admin', last_sign_in_at: null });

  const [mail] = await waitForMails('treasurer@alpha.example', 1);
  // The company's language (nl), its name, and how long the link lives.
  expect(mail!.subject).toBe('U bent uitgenodigd voor het incassodashboard van Alpha Club');
  expect(mail!.text).toContain('15 minuten');
  const link = signInLinkOf(mail!);
  expect(link.startsWith(`${stack.baseUrl}/dashboard/sign-in/`)).toBe(true);

  const browser = new DashboardClient(stack.baseUrl);
  // Opening the link shows a button; a mail scanner fetching the link uses nothing up.
  expect((await browser.get(new URL(link).pathname)).status).toBe(200);
  const signedIn = await openSignInLink(browser, link);
  expect(signedIn.status).toBe(303);
  expect(signedIn.location).toBe('/dashboard');
  const cookie = signedIn.setCookies.find((c) => c.startsWith('recoup_dashboard='))!;
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/SameSite=Lax/i);
  expect(cookie).toMatch(/Path=\/dashboard/i);
  expect(cookie).not.toMatch(/Secure/i); // plain http here; behind TLS it is Secure (below)

  const home = await browser.get('/dashboard');
  expect(home.status).toBe(200);
  expect(home.html).toContain('Alpha Club');
  expect(home.html).not.toContain('Beta Club');
  expect(home.html).toContain('lang="nl"');

  // The link works once: a second browser gets a page that offers a new one, not a 500.
  const again = await openSignInLink(new DashboardClient(stack.baseUrl), link);
  expect(again.status).toBe(410);
  expect(again.html).toContain('al gebruikt');
  expect(again.html).toContain('action="/dashboard/sign-in"');

  const list = await stack.request('GET', `/api/v2/companies/${a.companyId}/users`, { key: a.key });
  expect(list.body.data).toEqual([expect.objectContaining({ email: 'treasurer@alpha.example', last_sign_in_at: expect.any(String) })]);
});

test('bad input is a 400 naming the field; a duplicate a 409; another partner\'s company a 404; nothing is created', async () => {
  const before = await stack.database.db.select().from(companyUsers);
  const badRole = await stack.request('POST', `/api/v2/companies/${a.companyId}/users`, { key: a.key, body: { email: 'x@alpha.example', role: 'owner' } });
  expect(badRole.status).toBe(400);
  expect(badRole.body.error.details.map((d: { path: string }) => d.path)).toEqual(['role']);
  const badEmail = await stack.request('POST', `/api/v2/companies/${a.companyId}/users`, { key: a.key, body: { email: 'not an email', role: 'viewer' } });
  expect(badEmail.status).toBe(400);
  expect(badEmail.body.error.details.map((d: { path: string }) => d.path)).toEqual(['email']);
  await addCompanyUser(stack, a.key, a.companyId, 'dup@alpha.example', 'viewer');
  const dup = await stack.request('POST', `/api/v2/companies/${a.companyId}/users`, { key: a.key, body: { email: 'DUP@alpha.example', role: 'admin' } });
  expect(dup.status).toBe(409);
  expect(dup.body.error.code).toBe('company_user_exists');
  // Beta's key on Alpha's company: not found, as if it did not exist.
  const foreign = await stack.request('POST', `/api/v2/companies/${a.companyId}/users`, { key: b.key, body: { email: 'spy@beta.example', role: 'admin' } });
  expect(foreign.status).toBe(404);
  expect((await stack.request('GET', `/api/v2/companies/${a.companyId}/users`, { key: b.key })).status).toBe(404);
  const after = await stack.database.db.select().from(companyUsers);
  expect(after.length).toBe(before.length + 1); // only the first dup@ one
  const dupUser = after.find((u) => u.email === 'dup@alpha.example')!;
  expect((await stack.request('DELETE', `/api/v2/company_users/${dupUser.id}`, { key: b.key })).status).toBe(404);
  expect((await stack.database.db.select().from(companyUsers).where(eq(companyUsers.id, dupUser.id)))[0]!.revokedAt).toBeNull();
});

test('asking for a link answers the same for a known and an unknown address, and only the known one gets mail', async () => {
  const user = await addCompanyUser(stack, a.key, a.companyId, 'known@alpha.example', 'viewer');
  await waitForMails('known@alpha.example', 1); // the invitation
  const ask = async (email: string) => {
    const client = new DashboardClient(stack.baseUrl);
    const form = await client.get('/dashboard/sign-in');
    return client.post('/dashboard/sign-in', { _csrf: csrfOf(form), email });
  };
  const known = await ask('Known@alpha.example');
  const unknown = await ask('nobody@alpha.example');
  expect(known.status).toBe(200);
  expect(unknown.status).toBe(200);
  const notice = (html: string) => /data-testid="notice">([^<]*)</.exec(html)?.[1];
  expect(notice(known.html)).toBeTruthy();
  expect(notice(known.html)).toBe(notice(unknown.html));
  const [, signIn] = await waitForMails('known@alpha.example', 2);
  expect(signIn!.subject).toContain('inloglink');
  await new Promise((r) => setTimeout(r, 500));
  expect(mailsTo('nobody@alpha.example')).toHaveLength(0);

  // An expired link shows the page that offers a new one.
  const linkId = signInLinkOf(signIn!).split('/').pop()!.split('.')[0]!;
  await stack.database.db.update(companySignInLinks).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(companySignInLinks.id, linkId));
  const expired = await openSignInLink(new DashboardClient(stack.baseUrl), signInLinkOf(signIn!));
  expect(expired.status).toBe(410);
  expect(expired.html).toContain('verlopen');
  expect(expired.html).toContain('name="email"');
  // A made-up or altered token is refused the same way.
  const forged = await new DashboardClient(stack.baseUrl).get(`/dashboard/sign-in/${linkId}.AAAA`);
  expect(forged.status).toBe(404);
  expect(forged.html).toContain('name="email"');
  expect(user.id).toMatch(/^cus_/);
});

test('a user gets at most three links in 15 minutes however often they ask', async () => {
  await addCompanyUser(stack, a.key, a.companyId, 'eager@alpha.example', 'viewer'); // the invitation is the first
  for (let i = 0; i < 4; i += 1) {
    const client = new DashboardClient(stack.baseUrl, { 'x-forwarded-for': `127.0.0.${10 + i}` });
    const form = await client.get('/dashboard/sign-in');
    expect((await client.post('/dashboard/sign-in', { _csrf: csrfOf(form), email: 'eager@alpha.example' })).status).toBe(200);
  }
  await waitForMails('eager@alpha.example', 3);
  await new Promise((r) => setTimeout(r, 1000));
  expect(mailsTo('eager@alpha.example')).toHaveLength(3);
});

test('asking again and again from one address is throttled, for unknown addresses exactly as for known ones', async () => {
  const client = new DashboardClient(stack.baseUrl, { 'x-forwarded-for': '127.0.0.99' });
  const statuses: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const form = await client.get('/dashboard/sign-in');
    const res = await client.post('/dashboard/sign-in', { _csrf: csrfOf(form), email: 'ghost@nowhere.example' });
    statuses.push(res.status);
    if (res.status === 429) expect(Number(res.retryAfter)).toBeGreaterThan(0);
  }
  // Three free asks, then a back-off: the fifth comes too soon after the fourth.
  expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
  expect(statuses).toContain(429);
});

test('every form needs the session\'s token, and the cookie is Secure behind TLS', async () => {
  const user = await addCompanyUser(stack, a.key, a.companyId, 'forms@alpha.example', 'admin');
  const client = await signedInAs(stack, user.id);
  const forged = await client.post('/dashboard/sign-out', { _csrf: 'not-the-token' });
  expect(forged.status).toBe(403);
  expect((await client.get('/dashboard')).status).toBe(200); // still signed in
  // A sign-in form posted without its token (from another site) is refused too.
  const noToken = await new DashboardClient(stack.baseUrl).post('/dashboard/sign-in', { email: 'forms@alpha.example' });
  expect(noToken.status).toBe(403);

  const tls = new DashboardClient(stack.baseUrl, { 'x-forwarded-proto': 'https' });
  const page = await tls.get('/dashboard/sign-in');
  expect(page.setCookies.join('\n')).toMatch(/recoup_dashboard_pre=[^;]+;.*Secure/i);
});

test('revoking a user ends their session and their unused link at once', async () => {
  const user = await addCompanyUser(stack, a.key, a.companyId, 'leaving@alpha.example', 'admin');
  const [invitation] = await waitForMails('leaving@alpha.example', 1);
  const session = await signedInAs(stack, user.id);
  expect((await session.get('/dashboard')).status).toBe(200);
  expect((await stack.request('DELETE', `/api/v2/company_users/${user.id}`, { key: a.key })).status).toBe(204);
  const after = await session.get('/dashboard');
  expect(after.status).toBe(303);
  expect(after.location).toBe('/dashboard/sign-in');
  expect((await openSignInLink(new DashboardClient(stack.baseUrl), signInLinkOf(invitation!))).status).toBe(410);
  expect((await stack.request('GET', `/api/v2/companies/${a.companyId}/users`, { key: a.key })).body.data.map((u: { email: string }) => u.email)).not.toContain('leaving@alpha.example');
  // Revoked twice: not found. The same email may be added again.
  expect((await stack.request('DELETE', `/api/v2/company_users/${user.id}`, { key: a.key })).status).toBe(404);
  expect((await stack.request('POST', `/api/v2/companies/${a.companyId}/users`, { key: a.key, body: { email: 'leaving@alpha.example', role: 'viewer' } })).status).toBe(201);
});

test('signed out, every dashboard page sends the browser to the sign-in page; the language can be picked', async () => {
  const anon = new DashboardClient(stack.baseUrl);
  const res = await anon.get('/dashboard/invoices');
  expect(res.status).toBe(303);
  expect(res.location).toBe('/dashboard/sign-in');
  const picked = await anon.get('/dashboard/language/de?back=/dashboard/sign-in');
  expect(picked.status).toBe(303);
  expect(picked.location).toBe('/dashboard/sign-in');
  expect((await anon.get('/dashboard/sign-in')).html).toContain('Anmeldelink senden');
  // The way back stays on the dashboard: never another site.
  expect((await anon.get('/dashboard/language/fr?back=https://evil.example/')).location).toBe('/dashboard');
  expect((await anon.get('/dashboard/language/fr?back=//evil.example/')).location).toBe('/dashboard');
});
