import { createConsoleUser } from '../../services/console-users';
import { ConsoleClient } from '../console/browser-session';
import { OPS_KEY, startStack, type Stack } from '../support/stack';
import { transmittedInvoices, xmllintValidate } from './support';

/**
 * Bank reconciliation over real HTTP, the real invoice workflow (time-skipping Temporal) and the
 * database: hand-written MT940 and camt.053 statements of the collection account are imported by
 * ops, lines are matched by reference or by amount and name and paid through the workflow, the
 * rest waits for ops, who resolve it in the console.
 */
let stack: Stack;
let key: string;
let companyId: string;
const inv: Record<string, { id: string; invoice_number: string; payment_reference: string }> = {};
/** In groups of four, as a notice prints it and a debtor copies it. */
const grouped = (ref: string) => ref.replace(/(.{4})(?=.)/g, '$1 ');
const OPS = { email: 'ops-recon@recoup.test', password: 'a long ops password' };
const REVIEWER = { email: 'reviewer-recon@recoup.test', password: 'a long reviewer password' };

beforeAll(async () => {
  stack = await startStack();
  ({ key, companyId } = await stack.newPartner('Reconciliation'));
  const [a, b, c, d, e, f] = await transmittedInvoices(stack, key, companyId, [
    { invoice_number: 'CLUB-2027-A', reference: 'RF-CLUB-2027-17', amount_cents: 12_000, debtor: { first_name: 'Anna', last_name: 'de Vries' } },
    { invoice_number: 'CLUB-2027-B', amount_cents: 4_550, debtor: { first_name: 'Bram', last_name: 'Jansen' } },
    { invoice_number: 'CLUB-2027-C', amount_cents: 3_000, debtor: { first_name: 'Carla', last_name: 'Visser' } },
    { invoice_number: 'CLUB-2027-D', reference: 'RF-CAMT-D-0042', amount_cents: 7_500, debtor: { first_name: 'Dirk', last_name: 'Bakker' } },
    { invoice_number: 'CLUB-2027-E', amount_cents: 6_000, debtor: { first_name: 'Eva', last_name: 'Smit' } },
    { invoice_number: 'CLUB-2027-F', amount_cents: 2_500, debtor: { first_name: 'Frits', last_name: 'Mulder' } },
  ]);
  Object.assign(inv, { a, b, c, d, e, f });
  MT940 = MT940_OF(inv.b!.payment_reference);
  CAMT053 = CAMT053_OF(inv.e!.payment_reference);
  await createConsoleUser(stack.database.db, { ...OPS, role: 'ops' });
  await createConsoleUser(stack.database.db, { ...REVIEWER, role: 'reviewer' });
}, 180_000);

afterAll(async () => {
  await stack?.close();
});

/**
 * As a bank sends it: SWIFT envelope, CRLF, :86: wrapped at 65 characters, a bank fee debit. B's
 * debtor copied the payment reference from the notice.
 */
let MT940: string;
const MT940_OF = (bRef: string) => [
  '{1:F01ABNANL2AXXXX0000000000}{2:O9400000261102ABNANL2AXXXX00000000002611020000N}{4:',
  ':20:ABN261102-0042',
  ':25:NL91ABNA0417164300',
  ':28C:00042/1',
  ':60F:C261101EUR1000,00',
  ':61:2611021102C120,00NTRFNONREF//BNK-0001',
  ':86:/EREF/NOTPROVIDED/REMI/Contributie 2027 kenmerk RF-CLUB-2027-17 bed',
  'ankt/NAME/A DE VRIES',
  ':61:2611021102C45,50NTRFNONREF//BNK-0002',
  `:86:/EREF/NOTPROVIDED/REMI/ledenbijdrage ${grouped(bRef)}`,
  '/NAME/JANSEN BRAM',
  ':61:2611021102C30,00NTRFNONREF//BNK-0003',
  ':86:/EREF/NOTPROVIDED/REMI/voor de club/NAME/ONBEKENDE GEVER',
  ':61:2611021102D12,50NMSCNONREF//BNK-0004',
  ':86:/REMI/Kosten betalingsverkeer',
  ':62F:C261102EUR1183,00',
  '-}',
].join('\r\n');

/** D's debtor names the partner's reference; E's types the payment reference in lower case. */
let CAMT053: string;
const CAMT053_OF = (eRef: string) => `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>BANK-MSG-0043</MsgId><CreDtTm>2026-11-04T06:00:00Z</CreDtTm></GrpHdr>
    <Stmt>
      <Id>ABN261103-0043</Id>
      <CreDtTm>2026-11-04T06:00:00Z</CreDtTm>
      <Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id><Ccy>EUR</Ccy></Acct>
      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1183.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-03</Dt></Dt></Bal>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1438.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-03</Dt></Dt></Bal>
      <Ntry>
        <Amt Ccy="EUR">75.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-11-03</Dt></BookgDt><ValDt><Dt>2026-11-03</Dt></ValDt><AcctSvcrRef>CAMT-0001</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
          <RltdPties><Dbtr><Nm>D. Bakker</Nm></Dbtr></RltdPties>
          <RmtInf><Strd><CdtrRefInf><Ref>RF-CAMT-D-0042</Ref></CdtrRefInf></Strd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">60.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-11-03</Dt></BookgDt><ValDt><Dt>2026-11-03</Dt></ValDt><AcctSvcrRef>CAMT-0002</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <RltdPties><Dbtr><Nm>Smit, Eva</Nm></Dbtr></RltdPties>
          <RmtInf><Ustrd>lidmaatschap ${grouped(eRef).toLowerCase()}</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">120.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-11-03</Dt></BookgDt><ValDt><Dt>2026-11-03</Dt></ValDt><AcctSvcrRef>CAMT-0003</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <RltdPties><Dbtr><Nm>A. de Vries</Nm></Dbtr></RltdPties>
          <RmtInf><Ustrd>nogmaals RF-CLUB-2027-17</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
`;

const importStatement = (content: string, contentType: string, k = OPS_KEY) => stack.request('POST', '/api/v2/bank_statements', { key: k, body: content, headers: { 'content-type': contentType } });
const invoice = async (id: string) => (await stack.request('GET', `/api/v2/invoices/${id}`, { key })).body;
const lines = async (status?: string) => (await stack.request('GET', `/api/v2/bank_transactions${status ? `?status=${status}` : ''}`, { key: OPS_KEY })).body.data as Array<Record<string, unknown>>;

describe('in order', () => {
  test('an MT940 import pays the invoice named by its reference and the one named by its payment reference; the unknown line waits', async () => {
    const res = await importStatement(MT940, 'text/plain');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      format: 'mt940',
      statements: [{ reference: 'ABN261102-0042', account: 'NL91ABNA0417164300', currency: 'EUR', opening_balance_cents: 100_000, closing_balance_cents: 118_300, transactions: 4 }],
      transaction_count: 4,
      new_transaction_count: 4,
      counts: { matched: 2, unmatched: 1, resolved: 0, dismissed: 1 },
    });
    const byAmount = Object.fromEntries((res.body.transactions as Array<{ amount_cents: number }>).map((t) => [t.amount_cents, t]));
    expect(byAmount[12_000]).toMatchObject({ status: 'matched', matched_by: 'reference', invoice_id: inv.a!.id, counterparty_name: 'A DE VRIES' });
    expect(byAmount[4_550]).toMatchObject({ status: 'matched', matched_by: 'payment_reference', invoice_id: inv.b!.id });
    expect(byAmount[3_000]).toMatchObject({ status: 'unmatched', invoice_id: null, note: expect.stringContaining('no invoice') });
    expect(byAmount[1_250]).toMatchObject({ status: 'dismissed', direction: 'debit' });

    expect(await invoice(inv.a!.id)).toMatchObject({ status: 'paid', amount_paid_cents: 12_000, amount_due_cents: 0 });
    expect(await invoice(inv.b!.id)).toMatchObject({ status: 'paid', amount_paid_cents: 4_550, amount_due_cents: 0 });
    // Same amount as C's, but not C's debtor: no payment.
    expect(await invoice(inv.c!.id)).toMatchObject({ status: 'open', amount_paid_cents: 0, amount_due_cents: 3_000 });
    const events = (await stack.request('GET', `/api/v2/invoices/${inv.a!.id}/events`, { key })).body.data as Array<{ type: string; data: Record<string, unknown> }>;
    expect(events.find((ev) => ev.type === 'invoice.payment_received')?.data).toMatchObject({ amount_cents: 12_000, source: 'bank' });
  });

  test('the same statement again changes nothing; so does a different file with the same lines', async () => {
    const first = (await lines()).length;
    const again = await importStatement(MT940, 'text/plain');
    expect(again.status).toBe(200);
    expect(again.body.new_transaction_count).toBe(4);
    const overlapping = await importStatement(MT940.replace('\r\n', '\n').replace(':20:ABN261102-0042', ':20:ABN261102-0042B'), 'text/plain');
    expect(overlapping.status).toBe(201);
    expect(overlapping.body).toMatchObject({ transaction_count: 4, new_transaction_count: 0, transactions: [] });
    expect(await lines()).toHaveLength(first);
    expect(await invoice(inv.a!.id)).toMatchObject({ status: 'paid', amount_paid_cents: 12_000 });
    expect(await invoice(inv.b!.id)).toMatchObject({ amount_paid_cents: 4_550 });
    expect((await lines('unmatched')).map((l) => l.amount_cents)).toEqual([3_000]);
  });

  test('a camt.053 import: by structured reference, by payment reference typed in lower case; a second payment of a paid invoice waits', async () => {
    expect(xmllintValidate(CAMT053).ok).toBe(true);
    const res = await importStatement(CAMT053, 'application/xml');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ format: 'camt053', new_transaction_count: 3, counts: { matched: 2, unmatched: 1 } });
    const byAmount = Object.fromEntries((res.body.transactions as Array<{ amount_cents: number }>).map((t) => [t.amount_cents, t]));
    expect(byAmount[7_500]).toMatchObject({ status: 'matched', matched_by: 'reference', invoice_id: inv.d!.id });
    expect(byAmount[6_000]).toMatchObject({ status: 'matched', matched_by: 'payment_reference', invoice_id: inv.e!.id, counterparty_name: 'Smit, Eva' });
    expect(byAmount[12_000]).toMatchObject({ status: 'unmatched', invoice_id: inv.a!.id, note: expect.stringContaining('paid') });
    expect(await invoice(inv.d!.id)).toMatchObject({ status: 'paid', amount_paid_cents: 7_500 });
    expect(await invoice(inv.e!.id)).toMatchObject({ status: 'paid', amount_paid_cents: 6_000 });
    expect(await invoice(inv.a!.id)).toMatchObject({ amount_paid_cents: 12_000 });

    const again = await importStatement(CAMT053, 'text/xml');
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(res.body.id);
    expect(await invoice(inv.d!.id)).toMatchObject({ amount_paid_cents: 7_500 });
    const read = await stack.request('GET', `/api/v2/bank_statements/${res.body.id}`, { key: OPS_KEY });
    expect(read.body).toEqual(again.body);
  });

  test('ops resolve the waiting line in the console: assigned by invoice number, the invoice gets the payment; a dismissal needs a reason', async () => {
    const reviewer = new ConsoleClient(stack.baseUrl);
    await reviewer.signIn(REVIEWER.email, REVIEWER.password);
    expect((await reviewer.get('/console/reconciliation')).status).toBe(403);
    const [waitingMt940] = (await lines('unmatched')).filter((l) => l.amount_cents === 3_000);
    const reviewerToken = await reviewer.csrf('/console');
    expect((await reviewer.post(`/console/reconciliation/${waitingMt940!.id}/resolve`, { _csrf: reviewerToken, invoice: 'CLUB-2027-C' })).status).toBe(403);

    const ops = new ConsoleClient(stack.baseUrl);
    expect((await ops.signIn(OPS.email, OPS.password)).status).toBe(303);
    const page = await ops.get('/console/reconciliation');
    expect(page.status).toBe(200);
    expect(page.html).toContain('href="/console/reconciliation"');
    expect(page.html).toContain(`data-line-id="${waitingMt940!.id}"`);
    expect(page.html).toContain('ONBEKENDE GEVER');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;

    expect((await ops.post(`/console/reconciliation/${waitingMt940!.id}/resolve`, { invoice: 'CLUB-2027-C' })).status).toBe(403);
    const unknown = await ops.post(`/console/reconciliation/${waitingMt940!.id}/resolve`, { _csrf: token, invoice: 'NO-SUCH-INVOICE' });
    expect(unknown.status).toBe(404);
    // The refusal is shown on the queue page, by the line (not on an error page).
    expect(unknown.html).toContain(`data-testid="problem" data-line-id="${waitingMt940!.id}">No invoice with id or number &quot;NO-SUCH-INVOICE&quot;</p>`);
    const resolved = await ops.post(`/console/reconciliation/${waitingMt940!.id}/resolve`, { _csrf: token, invoice: 'CLUB-2027-C', reason: 'donor called: membership of Carla' });
    expect(resolved).toMatchObject({ status: 303, location: expect.stringContaining('/console/reconciliation?done=') });
    expect(await invoice(inv.c!.id)).toMatchObject({ status: 'paid', amount_paid_cents: 3_000, amount_due_cents: 0 });
    const [line] = (await lines('resolved')).filter((l) => l.id === waitingMt940!.id);
    expect(line).toMatchObject({ invoice_id: inv.c!.id, matched_by: 'ops', resolved_by: OPS.email, resolution_reason: 'donor called: membership of Carla', resolved_at: expect.any(String) });
    // Decided once.
    expect((await ops.post(`/console/reconciliation/${waitingMt940!.id}/resolve`, { _csrf: token, invoice: 'CLUB-2027-F' })).status).toBe(409);
    expect(await invoice(inv.f!.id)).toMatchObject({ amount_paid_cents: 0 });

    const [duplicate] = await lines('unmatched');
    expect(duplicate).toMatchObject({ amount_cents: 12_000, invoice_id: inv.a!.id });
    expect((await ops.post(`/console/reconciliation/${duplicate!.id}/dismiss`, { _csrf: token, reason: ' ' })).status).toBe(422);
    const dismissed = await ops.post(`/console/reconciliation/${duplicate!.id}/dismiss`, { _csrf: token, reason: 'paid twice: refunded by the bank' });
    expect(dismissed.status).toBe(303);
    expect(await lines('unmatched')).toEqual([]);
    const after = await ops.get('/console/reconciliation');
    expect(after.html).toContain('data-testid="reconciliation-empty"');
    expect(after.html).toContain('paid twice: refunded by the bank');
    expect(after.html).toContain(OPS.email);
    expect(await invoice(inv.a!.id)).toMatchObject({ amount_paid_cents: 12_000 });
  });
});

test.each<[string, string, string, number, string]>([
  ['a partner key', MT940_OF('RF18539007547034'), 'text/plain', 403, 'forbidden'],
  ['neither MT940 nor XML', 'hello bank', 'text/plain', 400, 'statement_unreadable'],
  ['an MT940 :61: line that is no transaction', ':20:X\n:25:NL91ABNA0417164300\n:60F:C261101EUR0,00\n:61:garbage\n:62F:C261101EUR0,00\n-', 'text/plain', 400, 'statement_unreadable'],
  ['XML that is not well-formed', '<Document><BkToCstmrStmt>', 'application/xml', 400, 'statement_unreadable'],
  ['a JSON body', '{"statement":"x"}', 'application/json', 415, 'unsupported_media_type'],
])('%s is refused (%#) and nothing is stored', async (name, body, type, status, code) => {
  const before = (await lines()).length;
  const res = await importStatement(body, type, name === 'a partner key' ? key : OPS_KEY);
  expect([res.status, res.body.error.code]).toEqual([status, code]);
  if (status === 400) expect(res.body.error.details[0].path).toEqual(expect.any(String));
  expect(await lines()).toHaveLength(before);
});

test('ops tooling decides waiting lines over the API: resolve pays the invoice once, dismiss needs a reason; partners are refused', async () => {
  const statement = [
    ':20:ABN261110-0050',
    ':25:NL91ABNA0417164300',
    ':28C:00050/1',
    ':60F:C261109EUR1438,00',
    ':61:2611101110C25,00NTRFNONREF//BNK-0101',
    ':86:/EREF/NOTPROVIDED/REMI/contributie/NAME/ONBEKEND PERSOON',
    ':61:2611101110C99,00NTRFNONREF//BNK-0102',
    ':86:/EREF/NOTPROVIDED/REMI/sponsoring/NAME/BEDRIJF BV',
    ':62F:C261110EUR1562,00',
    '-',
  ].join('\n');
  const imported = await importStatement(statement, 'text/plain');
  expect(imported.body).toMatchObject({ new_transaction_count: 2, counts: { unmatched: 2 } });
  const [forF, sponsor] = (imported.body.transactions as Array<{ id: string; amount_cents: number }>).sort((x, y) => x.amount_cents - y.amount_cents);
  const decide = (id: string, action: string, body: unknown, k = OPS_KEY) => stack.request('POST', `/api/v2/bank_transactions/${id}/${action}`, { key: k, body });

  expect((await decide(forF!.id, 'resolve', { invoice: inv.f!.id }, key)).status).toBe(403);
  const missing = await decide(forF!.id, 'resolve', { reason: 'no invoice given' });
  expect([missing.status, missing.body.error.details[0].path]).toEqual([400, 'invoice']);
  expect((await decide('btx_unknown', 'resolve', { invoice: inv.f!.id })).status).toBe(404);
  expect((await decide(forF!.id, 'resolve', { invoice: 'NO-SUCH-INVOICE' })).status).toBe(404);
  expect((await stack.request('GET', `/api/v2/bank_transactions/${forF!.id}`, { key: OPS_KEY })).body).toMatchObject({ status: 'unmatched', invoice_id: null });

  const resolved = await decide(forF!.id, 'resolve', { invoice: inv.f!.invoice_number, reason: 'the member paid from a friend’s account' });
  expect(resolved.status).toBe(200);
  expect(resolved.body).toMatchObject({ id: forF!.id, status: 'resolved', invoice_id: inv.f!.id, matched_by: 'ops', resolved_by: expect.any(String), resolution_reason: 'the member paid from a friend’s account' });
  expect(await invoice(inv.f!.id)).toMatchObject({ status: 'paid', amount_paid_cents: 2_500 });
  const again = await decide(forF!.id, 'resolve', { invoice: inv.f!.id });
  expect([again.status, again.body.error.code]).toEqual([409, 'bank_transaction_decided']);
  expect(await invoice(inv.f!.id)).toMatchObject({ amount_paid_cents: 2_500 });

  const noReason = await decide(sponsor!.id, 'dismiss', { reason: '  ' });
  expect([noReason.status, noReason.body.error.details[0].path]).toEqual([400, 'reason']);
  expect((await decide(sponsor!.id, 'dismiss', { reason: 'sponsoring, not a member' }, key)).status).toBe(403);
  const dismissed = await decide(sponsor!.id, 'dismiss', { reason: 'sponsoring, not a member' });
  expect(dismissed.body).toMatchObject({ status: 'dismissed', invoice_id: null, resolution_reason: 'sponsoring, not a member' });
  expect(await lines('unmatched')).toEqual([]);
});
