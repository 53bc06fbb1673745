import { and, eq } from 'drizzle-orm';
import { debtors, events } from '../../db/schema';
import { dunningPolicySchema } from '../../domain/dunning-policy';
import { DomainError } from '../../domain/errors';
import { addDays, localTimeToUtc } from '../../domain/local-time';
import { updateDebtor } from '../../services/debtors';
import { debtorContactState, debtorWorkflowId } from '../../workflows/debtor.messages';
import { invoiceState, registerPayment } from '../../workflows/invoice.messages';
import { eventually } from '../support/eventually';
import { dateFrom, seedCompany, seedInvoice } from '../support/seed';
import { startWorkflowTestEnv, type WorkflowTestEnv } from '../support/workflow-env';

/**
 * Contact details given once for a debtor: the debtor row and every open invoice change in one
 * transaction, and each running invoice workflow (real time-skipping Temporal server, real
 * activities, database and SMTP) uses the new email, phone and timezone from its next step on.
 */
let t: WorkflowTestEnv;

beforeAll(async () => {
  t = await startWorkflowTestEnv();
}, 120_000);

afterAll(async () => {
  await t?.close();
});

/** One reminder by email and SMS a week after the due date, at 10:00 local. */
const weekLater = dunningPolicySchema.parse({ steps: [{ offset_days: 7, action: 'reminder', channels: ['email', 'sms'] }] });
const debtorUpdates = async (debtorId: string) =>
  (await t.database.db.select().from(events).where(eq(events.type, 'debtor.updated'))).filter((e) => e.data.id === debtorId);

async function threeOpenInvoices(email: string) {
  const due = dateFrom(await t.env.currentTimeMs(), 0);
  const inputs = [];
  for (let i = 0; i < 3; i++) inputs.push(await seedInvoice(t.database.db, t.seed, { dueDate: due, policy: weekLater, debtor: { email, phone: '+31600000001' } }));
  const handles = [];
  for (const input of inputs) handles.push(await t.start(input));
  // The debtor's workflow gathers the three notices for a minute (one digest).
  await t.env.sleep('2 minutes');
  // Transmitted: each run sent its notice and shows its next step, in Amsterdam time.
  for (const input of inputs) {
    await eventually(async () => expect((await t.invoiceRow(input.invoiceId)).nextActionAt?.getTime()).toBe(localTimeToUtc(addDays(due, 7), 10, 0, 'Europe/Amsterdam')));
  }
  const debtorIds = new Set(await Promise.all(inputs.map(async (i) => (await t.invoiceRow(i.invoiceId)).debtorId)));
  expect(debtorIds.size).toBe(1);
  return { inputs, handles, debtorId: [...debtorIds][0]!, due };
}

test('updateDebtor changes email, phone and timezone of the debtor and of every open invoice, and each running workflow sends its next reminder with them at 10:00 New York time', async () => {
  const { inputs, handles, debtorId, due } = await threeOpenInvoices('moving@example.nl');
  const deps = { db: t.database.db, temporal: t.env.client };

  const account = await updateDebtor(deps, t.seed.partner.id, debtorId, { email: 'Moved@Example.com', phone: '06 1234 5678', timezone: 'America/New_York' });
  expect(account.debtor).toMatchObject({ email: 'moved@example.com', phone: '+31612345678', timezone: 'America/New_York' });
  expect(account.openInvoiceCount).toBe(3);

  const newYorkAt = localTimeToUtc(addDays(due, 7), 10, 0, 'America/New_York');
  for (const input of inputs) {
    const row = await t.invoiceRow(input.invoiceId);
    expect(row.debtor).toMatchObject({ email: 'Moved@Example.com', phone: '+31612345678', timezone: 'America/New_York', first_name: 'Anna' });
    await eventually(async () => expect((await t.invoiceRow(input.invoiceId)).nextActionAt?.getTime()).toBe(newYorkAt));
  }
  const updated = await debtorUpdates(debtorId);
  expect(updated).toHaveLength(1);
  expect(updated[0]!.data).toMatchObject({ id: debtorId, email: 'moved@example.com', phone: '+31612345678', timezone: 'America/New_York', open_invoice_count: 3 });
  for (const input of inputs) {
    const contact = (await t.eventsOf(input.invoiceId)).filter((e) => e.type === 'invoice.contact_updated');
    expect(contact.map((e) => e.data)).toEqual([expect.objectContaining({ debtor_id: debtorId, changed: ['email', 'phone', 'timezone'] })]);
  }

  // The three reminders meet in the debtor's workflow (a minute's gathering) and go as one digest, by email and SMS.
  await t.env.sleep(newYorkAt - (await t.env.currentTimeMs()) + 5 * 60_000);
  const digests = new Set<string | null>();
  for (const [i, input] of inputs.entries()) {
    await handles[i]!.query(invoiceState); // lets the workflow finish the step
    const reminders = (await t.messagesOf(input.invoiceId)).filter((m) => m.kind === 'reminder');
    expect(reminders.map((m) => [m.channel, m.recipient]).sort()).toEqual([
      ['email', 'Moved@Example.com'],
      ['sms', '+31612345678'],
    ]);
    for (const m of reminders) digests.add(m.digestId);
    const step = (await t.eventsOf(input.invoiceId)).find((e) => e.type === 'invoice.reminder_sent')!;
    // The debtor's workflow read quiet hours in the new zone: 10:00 in New York is daytime there.
    expect(step.data.debtor_guardrails).toEqual(expect.arrayContaining([expect.objectContaining({ check: 'quiet_hours', result: 'passed' })]));
  }
  // One digest, on both channels.
  expect(digests.size).toBe(1);
  expect([...digests][0]).toEqual(expect.stringMatching(/:digest\d+$/));
  expect((await t.env.client.workflow.getHandle(debtorWorkflowId(debtorId)).query(debtorContactState)).timezone).toBe('America/New_York');
  for (const [i, input] of inputs.entries()) await handles[i]!.executeUpdate(registerPayment, { args: [{ amountCents: 10_000, externalId: `paid-${input.invoiceId}`, source: 'partner' }] });
});

test.each([
  // Looks like a phone number (the schema lets it through) but is none in the Netherlands.
  ['phone', { phone: '06 1234' }],
  ['phone', { phone: '12345' }],
  ['timezone', { timezone: 'Europe/Atlantis' }],
  ['email', { email: 'not an email' }],
])('a bad %s (%j) is invalid with its field path and changes nothing', async (path, patch) => {
  const email = `bad-${path}-${Object.values(patch)[0]!.replace(/\W/g, '')}@example.nl`;
  const { inputs, handles, debtorId } = await threeOpenInvoices(email);
  const before = await t.database.db.select().from(debtors).where(eq(debtors.id, debtorId));
  const refused = await updateDebtor({ db: t.database.db, temporal: t.env.client }, t.seed.partner.id, debtorId, { email: 'changed@example.nl', ...patch }).catch((err: unknown) => err);
  expect(refused).toBeInstanceOf(DomainError);
  expect(refused).toMatchObject({ kind: 'invalid', details: [expect.objectContaining({ path })] });
  expect(await t.database.db.select().from(debtors).where(eq(debtors.id, debtorId))).toEqual(before);
  for (const input of inputs) expect((await t.invoiceRow(input.invoiceId)).debtor.email).toBe(email);
  expect(await debtorUpdates(debtorId)).toEqual([]);
  for (const input of inputs) expect((await t.eventsOf(input.invoiceId)).map((e) => e.type)).not.toContain('invoice.contact_updated');
  for (const [i, input] of inputs.entries()) await handles[i]!.executeUpdate(registerPayment, { args: [{ amountCents: 10_000, externalId: `paid-${input.invoiceId}`, source: 'partner' }] });
});

test('another partner’s debtor is not found and unchanged', async () => {
  const { inputs, handles, debtorId } = await threeOpenInvoices('mine@example.nl');
  const other = await seedCompany(t.database.db, 'Another Club');
  const refused = await updateDebtor({ db: t.database.db, temporal: t.env.client }, other.partner.id, debtorId, { email: 'stolen@example.nl' }).catch((err: unknown) => err);
  expect(refused).toMatchObject({ kind: 'not_found' });
  const [row] = await t.database.db.select().from(debtors).where(and(eq(debtors.id, debtorId)));
  expect(row!.email).toBe('mine@example.nl');
  for (const [i, input] of inputs.entries()) await handles[i]!.executeUpdate(registerPayment, { args: [{ amountCents: 10_000, externalId: `paid-${input.invoiceId}`, source: 'partner' }] });
});

test('a paid invoice of the debtor keeps its details; its ended workflow is not asked', async () => {
  const { inputs, handles, debtorId } = await threeOpenInvoices('partly-paid@example.nl');
  await handles[0]!.executeUpdate(registerPayment, { args: [{ amountCents: 10_000, externalId: 'first-paid', source: 'partner' }] });
  await handles[0]!.result();
  await eventually(async () => expect((await t.invoiceRow(inputs[0]!.invoiceId)).status).toBe('paid'));
  const account = await updateDebtor({ db: t.database.db, temporal: t.env.client }, t.seed.partner.id, debtorId, { timezone: 'America/New_York' });
  expect(account.openInvoiceCount).toBe(2);
  expect((await t.invoiceRow(inputs[0]!.invoiceId)).debtor.timezone).toBe('Europe/Amsterdam');
  expect((await t.invoiceRow(inputs[1]!.invoiceId)).debtor.timezone).toBe('America/New_York');
  for (const i of [1, 2]) await handles[i]!.executeUpdate(registerPayment, { args: [{ amountCents: 10_000, externalId: `paid-${inputs[i]!.invoiceId}`, source: 'partner' }] });
});
