import { eq } from 'drizzle-orm';
import { companies, consoleSessions } from '../../db/schema';
import { createConsoleUser } from '../../services/console-users';
import { newId } from '../../services/ids';
import { caseBody, configure, createCase } from '../debt-collection/support';
import { startStack, type Stack } from '../support/stack';
import { ConsoleClient } from './browser-session';

/**
 * The reviewer / ops console over real HTTP against the whole product (time-skipping Temporal,
 * database): sign-in, sessions, CSRF, roles, and review decisions that go through the case workflow.
 */
let stack: Stack;
let key: string;
let companyId: string;
let partnerId: string;
const REVIEWER = { email: 'Reviewer@Recoup.test', password: 'correct horse battery' };
const OPS = { email: 'ops@recoup.test', password: 'another long password' };

beforeAll(async () => {
  stack = await startStack();
  ({ key, companyId, partnerId } = await stack.newPartner('Console'));
  await createConsoleUser(stack.database.db, { ...REVIEWER, role: 'reviewer', partnerId });
  await createConsoleUser(stack.database.db, { ...OPS, role: 'ops' });
  await configure(stack, key, companyId, [{ name: 'everything reviewed', collector: 'in_house', review_required: true, conditions: {} }]);
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

async function reviewingCase(environment: 'test' | 'production' = 'production'): Promise<string> {
  const created = await createCase(stack, key, caseBody(companyId, { amountCents: 25_000, environment }));
  const prepared = await stack.request('POST', `/api/v2/debt_collection_cases/${created.id}/mark_prepared`, { key });
  expect(prepared.body.state).toBe('reviewing');
  return created.id;
}

const apiCase = async (id: string) => (await stack.request('GET', `/api/v2/debt_collection_cases/${id}`, { key })).body;

async function signedIn(user: { email: string; password: string }): Promise<ConsoleClient> {
  const client = new ConsoleClient(stack.baseUrl);
  const res = await client.signIn(user.email, user.password);
  expect(res).toMatchObject({ status: 303, location: '/console' });
  return client;
}

test('a signed-out browser is sent to the sign-in page from every console page', async () => {
  const client = new ConsoleClient(stack.baseUrl);
  for (const path of ['/console', '/console/', '/console/cases/dcc_x', '/console/companies', '/console/outbox', '/console/nothing-here']) {
    const res = await client.get(path);
    expect([path, res.status, res.location]).toEqual([path, 303, '/console/sign-in']);
  }
  const post = await client.post('/console/cases/dcc_x/review', { decision: 'approve', reason: 'x' });
  expect(post).toMatchObject({ status: 303, location: '/console/sign-in' });
  const page = await client.get('/console/sign-in');
  expect(page.status).toBe(200);
  expect(page.html).toContain('<form method="post" action="/console/sign-in">');
  expect(page.html).not.toContain('Review queue');
});

test('a wrong password or an unknown email is refused; the right one opens an HttpOnly, SameSite=Lax session stored hashed', async () => {
  const client = new ConsoleClient(stack.baseUrl);
  const wrong = await client.signIn(REVIEWER.email, 'not the password');
  expect(wrong.status).toBe(401);
  expect(wrong.html).toContain('The email or password is wrong.');
  expect(client.cookies.has('recoup_console')).toBe(false);
  expect((await client.signIn('nobody@recoup.test', REVIEWER.password)).status).toBe(401);
  expect((await client.get('/console')).status).toBe(303);

  const right = await client.signIn('reviewer@recoup.test', REVIEWER.password); // emails are case-insensitive
  expect(right).toMatchObject({ status: 303, location: '/console' });
  const cookie = right.setCookies.find((c) => c.startsWith('recoup_console='))!;
  expect(cookie).toMatch(/HttpOnly/);
  expect(cookie).toMatch(/SameSite=Lax/);
  expect(cookie).toMatch(/Path=\/console/);
  const sessionId = client.cookies.get('recoup_console')!;
  const stored = await stack.database.db.select().from(consoleSessions);
  expect(stored.some((s) => s.idHash === sessionId)).toBe(false);
  expect(stored.every((s) => /^[0-9a-f]{64}$/.test(s.idHash) && s.expiresAt.getTime() > Date.now())).toBe(true);

  const queue = await client.get('/console');
  expect(queue.status).toBe(200);
  expect(queue.html).toContain('reviewer@recoup.test (reviewer)');

  // Signing out ends the session on the server, not only in this browser.
  const signOut = await client.post('/console/sign-out', { _csrf: await client.csrf('/console') });
  expect(signOut).toMatchObject({ status: 303, location: '/console/sign-in' });
  const replay = new ConsoleClient(stack.baseUrl);
  replay.cookies.set('recoup_console', sessionId);
  expect((await replay.get('/console')).status).toBe(303);
});

test('a form without its session-bound CSRF token is refused with 403 and changes nothing', async () => {
  const id = await reviewingCase();
  const reviewer = await signedIn(REVIEWER);
  const other = await signedIn(REVIEWER);
  const othersToken = await other.csrf('/console');

  expect((await reviewer.post(`/console/cases/${id}/review`, { decision: 'approve', reason: 'no token' })).status).toBe(403);
  expect((await reviewer.post(`/console/cases/${id}/review`, { _csrf: othersToken, decision: 'approve', reason: 'another session' })).status).toBe(403);
  expect((await reviewer.post(`/console/cases/${id}/review`, { _csrf: 'forged', decision: 'approve', reason: 'forged' })).status).toBe(403);
  expect((await reviewer.post('/console/cases/bulk-review', { case_ids: id, decision: 'approve', reason: 'no token' })).status).toBe(403);
  expect((await reviewer.post('/console/sign-out', {})).status).toBe(403);
  expect((await apiCase(id)).state).toBe('reviewing');

  // The sign-in form is bound to a pre-session cookie.
  const fresh = new ConsoleClient(stack.baseUrl);
  expect((await fresh.post('/console/sign-in', { email: REVIEWER.email, password: REVIEWER.password })).status).toBe(403);
  expect(fresh.cookies.has('recoup_console')).toBe(false);
});

test('a reviewer gets 403 on the ops pages; ops verifies a company as the API would', async () => {
  const reviewer = await signedIn(REVIEWER);
  expect((await reviewer.get('/console/companies')).status).toBe(403);
  expect((await reviewer.get('/console/outbox')).status).toBe(403);
  const [pending] = await stack.database.db
    .insert(companies)
    .values({ id: newId('cmp'), partnerId, name: 'Pending Club', country: 'NL', currency: 'EUR', locale: 'nl', timezone: 'Europe/Amsterdam', status: 'pending_verification' })
    .returning();
  const reviewerToken = await reviewer.csrf('/console');
  expect((await reviewer.post(`/console/companies/${pending!.id}/verification`, { _csrf: reviewerToken, decision: 'approve' })).status).toBe(403);

  const ops = await signedIn(OPS);
  const list = await ops.get('/console/companies');
  expect(list.status).toBe(200);
  expect(list.html).toContain('Pending Club');
  expect((await ops.get('/console/outbox')).status).toBe(200);
  const done = await ops.post(`/console/companies/${pending!.id}/verification`, { _csrf: await ops.csrf('/console/companies'), decision: 'approve', reason: 'KvK extract checked' });
  expect(done.status).toBe(303);
  const company = await stack.request('GET', `/api/v2/companies/${pending!.id}`, { key });
  expect(company.body).toMatchObject({ status: 'verified', verification_reason: 'KvK extract checked' });
  const [row] = await stack.database.db.select().from(companies).where(eq(companies.id, pending!.id));
  expect(row!.status).toBe('verified');
});

test('approving through the case form needs a reason, runs the review update and audits the console user', async () => {
  const id = await reviewingCase();
  const testCase = await reviewingCase('test');
  const reviewer = await signedIn(REVIEWER);
  const queue = await reviewer.get('/console');
  expect(queue.html).toContain(`data-case-id="${id}"`);
  const onlyTest = await reviewer.get('/console?environment=test');
  expect(onlyTest.html).toContain(`data-case-id="${testCase}"`);
  expect(onlyTest.html).not.toContain(`data-case-id="${id}"`);
  // Newest first.
  expect(queue.html.indexOf(`data-case-id="${testCase}"`)).toBeLessThan(queue.html.indexOf(`data-case-id="${id}"`));

  const page = await reviewer.get(`/console/cases/${id}`);
  expect(page.status).toBe(200);
  expect(page.html).toContain('data-type="debt_case.review_required"');
  const token = /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;
  const noReason = await reviewer.post(`/console/cases/${id}/review`, { _csrf: token, decision: 'approve', reason: '  ' });
  expect(noReason.status).toBe(422);
  expect((await apiCase(id)).state).toBe('reviewing');

  const before = Date.now();
  const approved = await reviewer.post(`/console/cases/${id}/review`, { _csrf: token, decision: 'approve', reason: 'claim documented, debtor silent' });
  expect(approved).toMatchObject({ status: 303, location: `/console/cases/${id}?decided=approve` });
  const kase = await apiCase(id);
  expect(kase).toMatchObject({ state: 'processing', review: { decision: 'approve', reason: 'claim documented, debtor silent', reviewed_by: 'reviewer@recoup.test' } });
  expect(Date.parse(kase.review.reviewed_at)).toBeGreaterThanOrEqual(before - 1_000);
  expect(kase.timeline.find((ev: { type: string }) => ev.type === 'debt_case.approved')).toBeDefined();

  // Deciding again is refused by the workflow and shown, not thrown.
  const again = await reviewer.post(`/console/cases/${id}/review`, { _csrf: token, decision: 'reject', reason: 'changed my mind' });
  expect(again.status).toBe(409);
  expect(again.html).toContain('data-testid="problem"');
  expect((await reviewer.get('/console')).html).not.toContain(`data-case-id="${id}"`);
});

test('bulk approve: one reason for every checked case', async () => {
  const a = await reviewingCase();
  const b = await reviewingCase();
  const reviewer = await signedIn(REVIEWER);
  const token = await reviewer.csrf('/console');
  expect((await reviewer.post('/console/cases/bulk-review', { _csrf: token, case_ids: [a, b], decision: 'approve', reason: '' })).location).toMatch(/problem=/);
  const res = await reviewer.post('/console/cases/bulk-review', { _csrf: token, case_ids: [a, b, 'dcc_unknown'], decision: 'approve', reason: 'batch checked' });
  expect(res.status).toBe(303);
  expect(res.location).toContain('approved=2');
  expect(res.location).toContain('dcc_unknown');
  for (const id of [a, b]) expect(await apiCase(id)).toMatchObject({ state: 'processing', review: { reason: 'batch checked', reviewed_by: 'reviewer@recoup.test' } });
});

test('a reviewer bound to partner A sees only A’s cases: B’s case is 404 to open, to decide and in bulk, and stays undecided; an unbound reviewer sees nothing; ops see both', async () => {
  const mine = await reviewingCase();
  const b = await stack.newPartner('Other Console');
  await configure(stack, b.key, b.companyId, [{ name: 'everything reviewed', collector: 'in_house', review_required: true, conditions: {} }]);
  const theirs = await createCase(stack, b.key, caseBody(b.companyId, { amountCents: 31_000 }));
  expect((await stack.request('POST', `/api/v2/debt_collection_cases/${theirs.id}/mark_prepared`, { key: b.key })).body.state).toBe('reviewing');

  const reviewer = await signedIn(REVIEWER);
  const queue = await reviewer.get('/console');
  expect(queue.html).toContain(`data-case-id="${mine}"`);
  expect(queue.html).not.toContain(theirs.id);
  expect(queue.html).not.toContain('Other Console Club');
  expect((await reviewer.get(`/console/cases/${theirs.id}`)).status).toBe(404);
  const token = await reviewer.csrf('/console');
  expect((await reviewer.post(`/console/cases/${theirs.id}/review`, { _csrf: token, decision: 'reject', reason: 'not mine to decide' })).status).toBe(404);
  const bulk = await reviewer.post('/console/cases/bulk-review', { _csrf: token, case_ids: [theirs.id], decision: 'approve', reason: 'not mine either' });
  expect(bulk.location).toContain('approved=0');
  const after = (await stack.request('GET', `/api/v2/debt_collection_cases/${theirs.id}`, { key: b.key })).body;
  expect(after).toMatchObject({ state: 'reviewing' });
  expect(after.review ?? null).toBeNull();

  const unbound = { email: 'unbound-reviewer@recoup.test', password: 'an unbound long password' };
  await createConsoleUser(stack.database.db, { ...unbound, role: 'reviewer' });
  const nobody = await signedIn(unbound);
  const empty = await nobody.get('/console');
  expect(empty.html).toContain('data-testid="queue-empty"');
  expect((await nobody.get(`/console/cases/${mine}`)).status).toBe(404);

  const ops = await signedIn(OPS);
  const all = await ops.get('/console');
  expect(all.html).toContain(`data-case-id="${mine}"`);
  expect(all.html).toContain(`data-case-id="${theirs.id}"`);
});

test('the console’s one stylesheet reaches a signed-out browser (the sign-in page needs it) and pages allow no other style', async () => {
  const client = new ConsoleClient(stack.baseUrl);
  const signIn = await fetch(`${stack.baseUrl}/console/sign-in`);
  const html = await signIn.text();
  const csp = signIn.headers.get('content-security-policy')!;
  expect(csp).toContain("style-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
  expect(html).not.toMatch(/<style|style="/);
  const href = /<link rel="stylesheet" href="([^"]+)">/.exec(html)?.[1];
  expect(href).toMatch(/^\/console\/console\.css\?v=[0-9a-f]{12}$/);
  const css = await fetch(`${stack.baseUrl}${href}`, { redirect: 'manual' });
  expect(css.status).toBe(200);
  expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  expect(await css.text()).toContain('.card{');
  // Signed in, every page links the same sheet.
  await client.signIn(REVIEWER.email, REVIEWER.password);
  expect((await client.get('/console')).html).toContain(`<link rel="stylesheet" href="${href}">`);
});
