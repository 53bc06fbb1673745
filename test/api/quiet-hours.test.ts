import { eq } from 'drizzle-orm';
import { messages } from '../../db/schema';
import { addDays, localDateTime, localTimeToUtc } from '../../domain/local-time';
import { invoiceWorkflowId } from '../../workflows/invoice.messages';
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
  // The list answers the same.
  const listed = await stack.request('GET', `/api/v2/invoices?import_id=${imp.body.id as string}`, { key });
  expect(listed.body.data[0]).toMatchObject({ id, next_action_at: at, next_action: { reason: 'quiet_hours' } });

  const timeline = async () => (await stack.request('GET', `/api/v2/invoices/${id}/events`, { key })).body.data as Array<{ type: string; data: Record<string, unknown> }>;
  const transmitted = (await timeline()).find((e) => e.type === 'invoice.transmitted')!;
  expect(transmitted.data).toMatchObject({ notice_at: at, guardrails: expect.arrayContaining([{ check: 'quiet_hours', result: 'waited', until: at }]) });
  const sentMessages = () => stack.database.db.select().from(messages).where(eq(messages.invoiceId, id));
  expect(await sentMessages()).toHaveLength(0);

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

  // When the workflow sent it, on the server's clock: 08:00 in Auckland, not before.
  const history = await stack.env.client.workflow.getHandle(invoiceWorkflowId(id)).fetchHistory();
  const sendScheduled = history.events!.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendInvoiceMessage')!;
  const sentAtMs = Number(sendScheduled.eventTime!.seconds) * 1000 + Math.floor((sendScheduled.eventTime!.nanos ?? 0) / 1e6);
  expect(sentAtMs).toBeGreaterThanOrEqual(morning);
  expect(sentAtMs).toBeLessThan(morning + 120_000);
}, 120_000);
