import { reverseInvoicePayment } from '../../services/payment-reversal';
import { localDateTime } from '../../domain/local-time';
import { OPS_KEY, startStack, type Stack } from '../support/stack';
import { transmittedInvoices, xmllintValidate, xpath } from './support';
// The independent reader: a published MT940 parser.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Parser: Mt940Parser } = require('mt940js') as { Parser: new () => { parse(text: string): Mt940Statement[] } };

interface Mt940Statement {
  transactionReference: string;
  accountIdentification: string;
  currency: string;
  openingBalance: number;
  closingBalance: number;
  openingBalanceDate: Date;
  closingBalanceDate: Date;
  transactions: Array<{ amount: number; date: Date; entryDate?: Date; transactionType: string; reference: string; details: string; structuredDetails?: Record<string, string> }>;
}

/**
 * The MT940 and camt.053 exports of a company's collected payments over real HTTP: read back by
 * an independent MT940 parser (mt940js) and validated against the ISO 20022 schema by xmllint.
 */
let stack: Stack;
let key: string;
let companyId: string;
let invoices: Array<{ id: string; invoice_number: string; payment_reference: string }>;
const day = (d: Date) => d.toISOString().slice(0, 10);

beforeAll(async () => {
  stack = await startStack();
  ({ key, companyId } = await stack.newPartner('Statements'));
  invoices = await transmittedInvoices(stack, key, companyId, [
    { reference: 'RF-OLD-0001', amount_cents: 12_000, debtor: { first_name: 'Anna', last_name: 'de Vries' } },
    { reference: 'RF-SPLIT-0002', amount_cents: 12_000, debtor: { first_name: 'Zoë', last_name: 'Søren & Müller' } },
    { amount_cents: 9_999, debtor: { organization_name: 'Stichting Oranje' } },
    { reference: 'RF-LATE-0004', amount_cents: 5_000 },
  ]);
  const pay = async (i: number, amount_cents: number, paid_at: string, external_id: string) => {
    const res = await stack.request('POST', `/api/v2/invoices/${invoices[i]!.id}/payments`, { key, body: { amount_cents, paid_at, external_id } });
    expect(res.status).toBe(201);
  };
  await pay(0, 12_000, '2024-09-20T10:00:00Z', 'pay-before');
  await pay(1, 5_000, '2024-10-05T09:00:00Z', 'pay-split-1');
  await pay(1, 7_000, '2024-10-10T15:30:00Z', 'pay-split-2');
  // 23:30 in Amsterdam on 31 October: still October for the company.
  await pay(2, 9_999, '2024-10-31T22:30:00Z', 'pay-last-evening');
  // 00:30 in Amsterdam on 1 November (still 31 October in UTC): November for the company.
  await pay(3, 2_000, '2024-10-31T23:30:00Z', 'pay-after');
}, 180_000);

afterAll(async () => {
  await stack?.close();
});

const mt940 = (from: string, to: string, k = key, id = companyId) => stack.request('GET', `/api/v2/companies/${id}/statements/mt940?from=${from}&to=${to}`, { key: k });
const camt053 = (from: string, to: string, k = key) => stack.request('GET', `/api/v2/companies/${companyId}/statements/camt053?from=${from}&to=${to}`, { key: k });

test('the MT940 of October: opening balance from September, one :61:/:86: per payment with the invoice reference, closing balance', async () => {
  const res = await mt940('2024-10-01', '2024-10-31');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  expect(res.headers.get('content-disposition')).toMatch(new RegExp(`^attachment; filename="?${companyId}-2024-10-01-2024-10-31\\.mt940"?$`));
  const text = res.body as string;
  // Lines of at most 65 characters in the SWIFT character set (the debtor's "Zoë Søren & Müller" transliterated).
  for (const line of text.split('\r\n').filter(Boolean)) {
    expect([line, line.length <= 65]).toEqual([line, true]);
    expect([line, /^[A-Za-z0-9/\-?:().,'+ ]*$/.test(line)]).toEqual([line, true]);
  }
  expect(text).toContain('Zoe Soren + Muller');

  const statements = new Mt940Parser().parse(text);
  expect(statements).toHaveLength(1);
  const [s] = statements;
  expect(s).toMatchObject({ accountIdentification: 'NL91ABNA0417164300', currency: 'EUR', openingBalance: 120, closingBalance: 120 + 50 + 70 + 99.99 });
  expect(day(s!.openingBalanceDate)).toBe('2024-10-01');
  expect(day(s!.closingBalanceDate)).toBe('2024-10-31');
  expect(s!.transactions.map((t) => [day(t.date), t.amount, t.transactionType])).toEqual([
    ['2024-10-05', 50, 'NTRF'],
    ['2024-10-10', 70, 'NTRF'],
    ['2024-10-31', 99.99, 'NTRF'],
  ]);
  const [split1, split2, last] = s!.transactions;
  for (const t of [split1!, split2!]) {
    expect(t.details).toContain('RF-SPLIT-0002');
    expect(t.details).toContain(invoices[1]!.invoice_number);
    expect(t.details).toContain(invoices[1]!.id.replace('_', '-'));
    // The :61: reference is the invoice's RF payment reference, whole.
    expect(t.reference).toBe(invoices[1]!.payment_reference);
  }
  expect(split1!.structuredDetails).toMatchObject({ EREF: 'pay-split-1', NAME: 'Zoe Soren + Muller' });
  expect(last!.details).toContain(invoices[2]!.invoice_number);
  expect(last!.structuredDetails).toMatchObject({ NAME: 'Stichting Oranje' });
});

test('a range without payments: one statement, no transactions, opening equals closing', async () => {
  const before = new Mt940Parser().parse((await mt940('2023-01-01', '2023-01-31')).body);
  expect(before).toHaveLength(1);
  expect(before[0]).toMatchObject({ openingBalance: 0, closingBalance: 0, transactions: [] });
  const between = new Mt940Parser().parse((await mt940('2024-10-11', '2024-10-30')).body);
  expect(between[0]).toMatchObject({ openingBalance: 240, closingBalance: 240, transactions: [] });
});

test('a chargeback is a debit on the day it was booked, and lowers the balance', async () => {
  await reverseInvoicePayment({ db: stack.database.db, temporal: stack.env.client, taskQueue: stack.taskQueue }, invoices[3]!.id, { externalId: 'pay-after', amountCents: 2_000, kind: 'chargeback', reason: 'disputed' });
  const today = localDateTime(Date.now(), 'Europe/Amsterdam').date;
  const [s] = new Mt940Parser().parse((await mt940('2024-11-01', today)).body);
  expect(s!.openingBalance).toBe(339.99);
  expect(s!.transactions.map((t) => t.amount)).toEqual([20, -20]);
  expect(s!.closingBalance).toBe(339.99);
  expect(s!.transactions[1]!.details).toContain('RF-LATE-0004');
  const xml = (await camt053('2024-11-01', today)).body as string;
  expect(xmllintValidate(xml).ok).toBe(true);
  expect(xpath(xml, "//*[local-name()='Ntry'][2]/*[local-name()='CdtDbtInd']")).toBe('DBIT');
  expect(xpath(xml, "//*[local-name()='Bal'][2]/*[local-name()='Amt']")).toBe('339.99');
});

test('camt.053 of October is valid against the ISO 20022 schema and carries the same balances and entries', async () => {
  const res = await camt053('2024-10-01', '2024-10-31');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
  const xml = res.body as string;
  const verdict = xmllintValidate(xml);
  expect(verdict).toEqual({ ok: true, output: expect.stringContaining('validates') });
  const el = (name: string) => `*[local-name()='${name}']`;
  const bal = (code: string, field: string) => xpath(xml, `//${el('Bal')}[${el('Tp')}/${el('CdOrPrtry')}/${el('Cd')}='${code}']/${field}`);
  expect([bal('OPBD', el('Amt')), bal('OPBD', el('CdtDbtInd')), bal('OPBD', `${el('Dt')}/${el('Dt')}`)]).toEqual(['120.00', 'CRDT', '2024-10-01']);
  expect([bal('CLBD', el('Amt')), bal('CLBD', `${el('Dt')}/${el('Dt')}`)]).toEqual(['339.99', '2024-10-31']);
  expect(xpath(xml, `count(//${el('Ntry')})`)).toBe('3');
  expect(xpath(xml, `//${el('Acct')}/${el('Id')}/${el('IBAN')}`)).toBe('NL91ABNA0417164300');
  const ntry = (n: number, path: string) => xpath(xml, `//${el('Ntry')}[${n}]/${path}`);
  expect([ntry(1, el('Amt')), ntry(1, `${el('BookgDt')}/${el('Dt')}`), ntry(1, el('CdtDbtInd'))]).toEqual(['50.00', '2024-10-05', 'CRDT']);
  const tx = `${el('NtryDtls')}/${el('TxDtls')}`;
  expect(ntry(1, `${tx}/${el('RmtInf')}/${el('Strd')}/${el('CdtrRefInf')}/${el('Ref')}`)).toBe(invoices[1]!.payment_reference);
  expect(ntry(1, `${tx}/${el('RmtInf')}/${el('Strd')}/${el('CdtrRefInf')}/${el('Tp')}/${el('CdOrPrtry')}/${el('Cd')}`)).toBe('SCOR');
  expect(ntry(1, `${tx}/${el('RmtInf')}/${el('Ustrd')}`)).toContain('RF-SPLIT-0002');
  expect(ntry(1, `${tx}/${el('RmtInf')}/${el('Strd')}/${el('RfrdDocInf')}/${el('Nb')}`)).toBe(invoices[1]!.invoice_number);
  expect(ntry(1, `${tx}/${el('RmtInf')}/${el('Ustrd')}`)).toContain(invoices[1]!.id);
  expect(ntry(1, `${tx}/${el('RltdPties')}/${el('Dbtr')}/${el('Nm')}`)).toBe('Zoë Søren & Müller');
  expect(ntry(3, `${tx}/${el('RltdPties')}/${el('Dbtr')}/${el('Nm')}`)).toBe('Stichting Oranje');
  expect(ntry(3, el('Amt'))).toBe('99.99');
});

test('another partner gets 404 for the company, ops may read it, a reviewer may not', async () => {
  const other = await stack.newPartner('Other');
  expect((await mt940('2024-10-01', '2024-10-31', other.key)).status).toBe(404);
  expect((await camt053('2024-10-01', '2024-10-31', other.key)).status).toBe(404);
  expect((await mt940('2024-10-01', '2024-10-31', other.key, 'cmp_unknown')).status).toBe(404);
  const asOps = await mt940('2024-10-01', '2024-10-31', OPS_KEY);
  expect(asOps.status).toBe(200);
  expect(new Mt940Parser().parse(asOps.body)[0]!.closingBalance).toBe(339.99);
  const reviewer = await stack.request('POST', `/api/v2/partners/${other.partnerId}/api_keys`, { key: OPS_KEY, body: { role: 'reviewer' } });
  expect((await mt940('2024-10-01', '2024-10-31', reviewer.body.secret)).status).toBe(403);
});

test.each<[string, string, string]>([
  ['a date that is not a date', 'from=2026-13-01&to=2024-10-31', 'from'],
  ['from after to', 'from=2026-11-01&to=2024-10-31', 'from'],
  ['a missing to', 'from=2024-10-01', 'to'],
])('%s is a 400 naming the field', async (_case, query, path) => {
  for (const format of ['mt940', 'camt053']) {
    const res = await stack.request('GET', `/api/v2/companies/${companyId}/statements/${format}?${query}`, { key });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  }
});
