import { isValidPaymentReference } from '../../domain/payment-reference';
import { createPortalToken, portalUrl } from '../../messaging/portal-link';
import { eventually } from '../support/eventually';
import { OPS_KEY, startStack, type Stack } from '../support/stack';
import { transmittedInvoices } from '../statements/support';

/**
 * One collection account serves every partner, so a bank line must never pay another tenant's
 * invoice because of words a partner chose. Over real HTTP, the real invoice workflow and the
 * database: partner B gives its invoice A's invoice number as reference; bank lines are imported
 * by ops and must pay only what the RF payment reference (Recoup's own, unique) or a text that fits
 * one invoice of all tenants, with its amount due and its debtor, points at.
 */
let stack: Stack;
const a: { key: string; companyId: string } = { key: '', companyId: '' };
const b: { key: string; companyId: string } = { key: '', companyId: '' };
type Created = { id: string; invoice_number: string; payment_reference: string };
let a1: Created;
let a2: Created;
let b1: Created;

beforeAll(async () => {
  stack = await startStack();
  Object.assign(a, await stack.newPartner('Club A'));
  Object.assign(b, await stack.newPartner('Club B'));
  const anna = { first_name: 'Anna', last_name: 'de Vries' };
  const ofA = await transmittedInvoices(stack, a.key, a.companyId, [
    { invoice_number: 'A-2027-001', amount_cents: 12_000, debtor: anna },
    { invoice_number: 'A-2027-002', amount_cents: 5_000, debtor: anna },
  ]);
  [a1, a2] = [ofA[0]!, ofA[1]!];
  // B copies A's invoice number as its reference, with the same amount and debtor name.
  b1 = (await transmittedInvoices(stack, b.key, b.companyId, [{ invoice_number: 'B-77', reference: 'A-2027-001', amount_cents: 12_000, debtor: anna }]))[0]!;
}, 180_000);

afterAll(async () => {
  await stack?.close();
});

let statementNo = 0;
/** An MT940 statement of the collection account with one credit line, each statement unique. */
async function importLine(amount: string, remittance: string, payer: string) {
  statementNo++;
  const content = [
    `:20:TENANCY-${statementNo}`,
    ':25:NL91ABNA0417164300',
    `:28C:${String(statementNo).padStart(5, '0')}/1`,
    ':60F:C261101EUR0,00',
    `:61:2611021102C${amount}NTRFNONREF//TEN-${statementNo}`,
    `:86:/EREF/NOTPROVIDED/REMI/${remittance}/NAME/${payer}`,
    `:62F:C261102EUR${amount}`,
    '-',
  ].join('\r\n');
  const res = await stack.request('POST', '/api/v2/bank_statements', { key: OPS_KEY, body: content, headers: { 'content-type': 'text/plain' } });
  expect(res.status).toBe(201);
  return res.body.transactions[0] as { status: string; matched_by: string | null; invoice_id: string | null; note: string | null };
}

const invoice = async (key: string, id: string) => (await stack.request('GET', `/api/v2/invoices/${id}`, { key })).body;
const grouped = (ref: string) => ref.replace(/(.{4})(?=.)/g, '$1 ');

test('every invoice answers its own valid RF payment reference, unique across partners, printed in its notice and on its portal', async () => {
  const refs = [a1, a2, b1].map((i) => i.payment_reference);
  for (const ref of refs) expect([ref, isValidPaymentReference(ref)]).toEqual([expect.stringMatching(/^RF[0-9]{2}[A-Z0-9]{1,21}$/), true]);
  expect(new Set(refs).size).toBe(3);
  expect((await invoice(a.key, a1.id)).payment_reference).toBe(a1.payment_reference);

  // A-2027-001 and -002 are Anna's: one digest notice after the debtor's gathering window.
  await stack.env.sleep('2 minutes');
  const printed = grouped(a1.payment_reference);
  await eventually(async () => expect(stack.smtp.messages.find((m) => m.text?.includes(printed))).toBeDefined(), 30_000);

  const portal = await fetch(portalUrl(stack.baseUrl, createPortalToken(stack.config.portalSecret, a1.id, new Date(Date.now() + 86_400_000))));
  expect(await portal.text()).toContain(grouped(a1.payment_reference));
});

describe('in order', () => {
  test("a bank line naming A's invoice number, which B chose as its reference, pays neither and waits for ops", async () => {
    const line = await importLine('120,00', 'Contributie A-2027-001', 'A DE VRIES');
    expect(line).toMatchObject({ status: 'unmatched', invoice_id: null, note: expect.stringContaining('several invoices') });
    expect(await invoice(a.key, a1.id)).toMatchObject({ status: 'open', amount_paid_cents: 0 });
    expect(await invoice(b.key, b1.id)).toMatchObject({ status: 'open', amount_paid_cents: 0 });
  });

  test("a bank line with A's payment reference, typed in groups and lower case, pays A's invoice and only it", async () => {
    const line = await importLine('120,00', `Contributie ${grouped(a1.payment_reference).toLowerCase()}`, 'A DE VRIES');
    expect(line).toMatchObject({ status: 'matched', matched_by: 'payment_reference', invoice_id: a1.id });
    expect(await invoice(a.key, a1.id)).toMatchObject({ status: 'paid', amount_paid_cents: 12_000 });
    expect(await invoice(b.key, b1.id)).toMatchObject({ status: 'open', amount_paid_cents: 0 });
  });

  test.each<[string, string, string]>([
    ['the amount is not its amount due', '40,00', 'A DE VRIES'],
    ['the payer is not its debtor', '50,00', 'PIET PIRAAT'],
  ])('a text that fits one invoice only still waits when %s', async (why, amount, payer) => {
    const line = await importLine(amount, 'Factuur A-2027-002', payer);
    expect(line).toMatchObject({ status: 'unmatched', note: expect.stringContaining(why) });
    expect(await invoice(a.key, a2.id)).toMatchObject({ status: 'open', amount_paid_cents: 0 });
  });

  test('a text that fits one invoice only, with its amount due and its debtor as payer, pays it', async () => {
    const line = await importLine('50,00', 'Factuur A-2027-002', 'A DE VRIES');
    expect(line).toMatchObject({ status: 'matched', matched_by: 'reference', invoice_id: a2.id });
    expect(await invoice(a.key, a2.id)).toMatchObject({ status: 'paid', amount_paid_cents: 5_000 });
  });
});
