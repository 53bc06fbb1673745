import { messages } from '../../db/schema';
import { noticeDeliveryActivities } from '../../activities/notice-delivery';
import type { Database } from '../../db/client';
import { newId } from '../../services/ids';
import { createTestDatabase } from '../support/database';
import { seedCompany, seedInvoice } from '../support/seed';

/**
 * Whether a notice reached the debtor, read from the messages table by the rules every fee
 * depends on: email accepted by SMTP (or the dev outbox), SMS only once delivered, letter once posted.
 */
let database: Database;
let seed: Awaited<ReturnType<typeof seedCompany>>;

beforeAll(async () => {
  database = await createTestDatabase();
  seed = await seedCompany(database.db);
});

afterAll(async () => {
  await database?.close();
});

type Row = { purpose: string; channel: 'email' | 'sms' | 'letter'; status: string; sentAt: string | null };

async function invoiceWith(rows: Row[]): Promise<string> {
  const { invoiceId, partnerId, companyId } = await seedInvoice(database.db, seed, { dueDate: '2027-01-01' });
  for (const r of rows) {
    await database.db.insert(messages).values({
      id: newId('msg'),
      invoiceId,
      partnerId,
      companyId,
      channel: r.channel as 'email' | 'sms',
      kind: 'dunning_notice',
      sendKey: `${invoiceId}:${r.purpose}:${r.channel}`,
      recipient: 'someone',
      bodyText: 'notice',
      status: r.status as 'sent',
      transport: 'test',
      sentAt: r.sentAt ? new Date(r.sentAt) : null,
    });
  }
  return invoiceId;
}

const ask = (invoiceId: string, purposes = ['step3', 'step3:fallback']) => noticeDeliveryActivities({ db: database.db }).noticeDelivery({ invoiceId, purposes });

test.each<[string, Row[], { channel: string; at: string } | null]>([
  ['an email the SMTP server accepted', [{ purpose: 'step3', channel: 'email', status: 'sent', sentAt: '2027-01-15T09:00:00Z' }], { channel: 'email', at: '2027-01-15T09:00:00.000Z' }],
  ['an email in the dev outbox', [{ purpose: 'step3', channel: 'email', status: 'outbox', sentAt: '2027-01-15T09:00:00Z' }], { channel: 'email', at: '2027-01-15T09:00:00.000Z' }],
  ['an SMS the provider took but has not reported delivered', [{ purpose: 'step3', channel: 'sms', status: 'sent', sentAt: '2027-01-15T09:00:00Z' }], null],
  ['an SMS reported delivered', [{ purpose: 'step3', channel: 'sms', status: 'delivered', sentAt: '2027-01-15T09:00:00Z' }], { channel: 'sms', at: '2027-01-15T09:00:00.000Z' }],
  ['a refused email and a failed SMS', [{ purpose: 'step3', channel: 'email', status: 'failed', sentAt: null }, { purpose: 'step3', channel: 'sms', status: 'failed', sentAt: '2027-01-15T09:00:00Z' }], null],
  ['a letter still in the print queue', [{ purpose: 'step3:fallback', channel: 'letter', status: 'queued', sentAt: null }], null],
  [
    'a refused email, then the fallback letter posted two days later',
    [
      { purpose: 'step3', channel: 'email', status: 'failed', sentAt: null },
      { purpose: 'step3:fallback', channel: 'letter', status: 'posted', sentAt: '2027-01-17T16:00:00Z' },
    ],
    { channel: 'letter', at: '2027-01-17T16:00:00.000Z' },
  ],
  [
    'the earliest of several accepted messages',
    [
      { purpose: 'step3:fallback', channel: 'letter', status: 'posted', sentAt: '2027-01-17T16:00:00Z' },
      { purpose: 'step3', channel: 'sms', status: 'delivered', sentAt: '2027-01-15T09:00:00Z' },
    ],
    { channel: 'sms', at: '2027-01-15T09:00:00.000Z' },
  ],
  ['an accepted email of another step', [{ purpose: 'step2', channel: 'email', status: 'sent', sentAt: '2027-01-10T09:00:00Z' }], null],
])('%s', async (_label, rows, expected) => {
  const found = await ask(await invoiceWith(rows));
  if (expected === null) expect(found).toBeNull();
  else expect(found && { channel: found.channel, at: new Date(found.acceptedAt).toISOString() }).toEqual(expected);
});
