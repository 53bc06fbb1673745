import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { eq } from 'drizzle-orm';
import { messages } from '../../db/schema';
import { createConsoleUser } from '../../services/console-users';
import { ConsoleClient } from '../console/browser-session';
import { addDays, localDateTime, localTimeToUtc } from '../../domain/local-time';
import { NextActionAt } from '../../temporal/search-attributes';
import { invoiceWorkflowId } from '../../workflows/invoice.messages';
import { daytimeTimezone } from '../support/daytime';
import { eventually } from '../support/eventually';
import { invoiceBody, startStack, type Stack } from '../support/stack';

/**
 * Quiet hours made visible, over real HTTP on the time-skipping server: an invoice transmitted
 * while it is night for the debtor answers when its notice will go and why, its timeline says
 * so, and the notice goes at 08:00 in the debtor's timezone.
 */
let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

// The stack's clock is moved to 08:00–17:00 UTC: night in Auckland (21:00–06:00 local).
const NIGHT_ZONE = 'Pacific/Auckland';

test('an invoice transmitted at night in the debtor’s timezone shows its notice waiting for 08:00 there, says why, and the notice goes at 08:00', async () => {
  const { key, companyId } = await stack.newPartner('Night owls');
  const now = await stack.env.currentTimeMs();
  const local = localDateTime(now, NIGHT_ZONE);
  expect(local.hour >= 21 || local.hour < 8).toBe(true);
  const morning = localTimeToUtc(local.hour >= 21 ? addDays(local.date, 1) : local.date, 8, 0, NIGHT_ZONE);
  const at = new Date(morning).toISOString();

  const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
  const body = invoiceBody(imp.body.id as string);
  const created = await stack.request('POST', '/api/v2/invoices', { key, body: { ...body, debtor: { ...body.debtor, email: 'night@example.nz', timezone: NIGHT_ZONE } } });
  const id = created.body.id as string;
  expect((await stack.request('POST', `/api/v2/imports/${imp.body.id as string}/transmit`, { key })).status).toBe(202);

  const waiting = await eventually(async () => {
    const r = await stack.request('GET', `/api/v2/invoices/${id}`, { key });
    expect(r.body).toMatchObject({ status: 'open', next_action_at: at });
    return r.body;
  });
  expect(waiting.next_action).toEqual({ at, action: 'invoice_notice', reason: 'quiet_hours', guardrails: [{ check: 'quiet_hours', result: 'waited', until: at }] });
  // So does the workflow's search attribute (the Web UI's filter).
  const described = await stack.env.client.workflow.getHandle(invoiceWorkflowId(id)).describe();
  expect(described.typedSearchAttributes.get(NextActionAt)?.toISOString()).toBe(at);
  // The list answers the same.
  const listed = await stack.request('GET', `/api/v2/invoices?import_id=${imp.body.id as string}`, { key });
  expect(listed.body.data[0]).toMatchObject({ id, next_action_at: at, next_action: { reason: 'quiet_hours' } });

  const timeline = async () => (await stack.request('GET', `/api/v2/invoices/${id}/events`, { key })).body.data as Array<{ type: string; data: Record<string, unknown> }>;
  const transmitted = (await timeline()).find((e) => e.type === 'invoice.transmitted')!;
  expect(transmitted.data).toMatchObject({ notice_at: at, guardrails: expect.arrayContaining([{ check: 'quiet_hours', result: 'waited', until: at }]) });
  const sentMessages = () => stack.database.db.select().from(messages).where(eq(messages.invoiceId, id));
  expect(await sentMessages()).toHaveLength(0);

  // The console's outbox lists it as waiting, with when and why.
  await createConsoleUser(stack.database.db, { email: 'ops-night@recoup.test', password: 'a long ops password', role: 'ops' });
  const ops = new ConsoleClient(stack.baseUrl);
  expect(await ops.signIn('ops-night@recoup.test', 'a long ops password')).toMatchObject({ status: 303 });
  const outbox = await ops.get('/console/outbox');
  const row = [...outbox.html.matchAll(/<tr data-testid="waiting-notice">(.*?)<\/tr>/g)].map((m) => m[1]!).find((r) => r.includes(id));
  expect(row).toContain('night@example.nz');
  expect(row).toContain('quiet hours');
  expect(row).toContain(`${at.replace('T', ' ').slice(0, 16)} UTC`);
  expect(row).toContain('08:00 Pacific/Auckland');

  // A minute before 08:00 local: still nothing sent.
  await stack.env.sleep(morning - (await stack.env.currentTimeMs()) - 60_000);
  await new Promise((r) => setTimeout(r, 500));
  expect(await sentMessages()).toHaveLength(0);
  expect((await stack.request('GET', `/api/v2/invoices/${id}`, { key })).body.next_action_at).toBe(at);

  // 08:00 local: the notice goes, and the invoice no longer shows it as waiting.
  await stack.env.sleep(120_000);
  await eventually(async () => expect(await sentMessages()).toHaveLength(1));
  const after = await eventually(async () => {
    const r = await stack.request('GET', `/api/v2/invoices/${id}`, { key });
    expect(r.body.next_action?.action).not.toBe('invoice_notice');
    return r.body;
  });
  if (after.next_action_at !== null) expect(Date.parse(after.next_action_at as string)).toBeGreaterThan(morning);

  // When the workflow asked its debtor's workflow for it (which sends at once: the debtor has no other invoice), on the server's clock: 08:00 in Auckland, not before.
  const history = await stack.env.client.workflow.getHandle(invoiceWorkflowId(id)).fetchHistory();
  const sendScheduled = history.events!.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'requestDebtorContact')!;
  const sentAtMs = Number(sendScheduled.eventTime!.seconds) * 1000 + Math.floor((sendScheduled.eventTime!.nanos ?? 0) / 1e6);
  expect(sentAtMs).toBeGreaterThanOrEqual(morning);
  expect(sentAtMs).toBeLessThan(morning + 120_000);

  // Paid: the run completes; `RECORD_HISTORIES=1` keeps its history for the replay test.
  const paid = await stack.request('POST', `/api/v2/invoices/${id}/payments`, { key, body: { amount_cents: 12_000, external_id: `bank-${id}` } });
  expect(paid.body.invoice).toMatchObject({ status: 'paid', next_action_at: null, next_action: null });
  if (process.env.RECORD_HISTORIES) {
    const handle = stack.env.client.workflow.getHandle(invoiceWorkflowId(id));
    await handle.result();
    writeFileSync(path.join(__dirname, '..', 'histories', 'invoice-night-notice-waits-paid.history.bin'), temporal.api.history.v1.History.encode(await handle.fetchHistory()).finish());
  }
}, 120_000);

test('a policy step that falls due in the debtor’s quiet hours shows it waits for 08:00 and why, and the timeline records the delay', async () => {
  const { key, companyId } = await stack.newPartner('Late senders');
  // Steps due at 22:00 local: always inside the quiet hours.
  const policy = { steps: [{ offset_days: 3, action: 'reminder', channels: ['email'] }], send_hour: 22 };
  expect((await stack.request('PUT', `/api/v2/companies/${companyId}/dunning_policy`, { key, body: { policy } })).status).toBe(200);
  const now = await stack.env.currentTimeMs();
  const zone = daytimeTimezone(now);
  const dueDate = addDays(localDateTime(now, zone).date, 10);
  const at = new Date(localTimeToUtc(addDays(dueDate, 4), 8, 0, zone)).toISOString();

  const imp = await stack.request('POST', '/api/v2/imports', { key, body: { company_id: companyId } });
  const body = invoiceBody(imp.body.id as string, { due_date: dueDate });
  const created = await stack.request('POST', '/api/v2/invoices', { key, body: { ...body, debtor: { ...body.debtor, timezone: zone } } });
  const id = created.body.id as string;
  expect((await stack.request('POST', `/api/v2/imports/${imp.body.id as string}/transmit`, { key })).status).toBe(202);

  // The notice went at once (daytime); the reminder waits for the morning after its day.
  const waiting = await eventually(async () => {
    const r = await stack.request('GET', `/api/v2/invoices/${id}`, { key });
    expect(r.body.next_action_at).toBe(at);
    return r.body;
  });
  expect(waiting.next_action).toEqual({ at, action: 'reminder', reason: 'quiet_hours', guardrails: [{ check: 'quiet_hours', result: 'waited', until: at }] });
  const events = (await stack.request('GET', `/api/v2/invoices/${id}/events`, { key })).body.data as Array<{ type: string; data: Record<string, unknown> }>;
  expect(events.map((e) => e.type)).toEqual(['invoice.transmitted', 'message.sent', 'invoice.next_action_delayed']);
  expect(events[2]!.data.next_action).toEqual({ at, action: 'reminder', step_index: 0, reason: 'quiet_hours', guardrails: [{ check: 'quiet_hours', result: 'waited', until: at }] });
}, 120_000);
