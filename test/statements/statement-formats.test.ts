import { parseDecimalAmount, swiftAmount, xmlAmount } from '../../domain/statements/money';
import { toSwiftText, wrapSwiftLines } from '../../domain/statements/swift-text';
import { parseMt940 } from '../../domain/statements/mt940-parser';
import { parseCamt053 } from '../../domain/statements/camt053-parser';
import { StatementParseError } from '../../domain/statements/bank-statement';
import { payerIsDebtor, referenceTokens } from '../../domain/statements/matching';

/** The pure parts of statements: amounts, the SWIFT character set, both readers, the matching rules. */

describe('amounts go from cents to text and back without floating point', () => {
  test.each<[number, string, string, string]>([
    [12_345, 'EUR', '123,45', '123.45'],
    [5, 'EUR', '0,05', '0.05'],
    [0, 'EUR', '0,00', '0.00'],
    [1_999_999_999_99, 'EUR', '1999999999,99', '1999999999.99'],
    [500, 'JPY', '500,', '500'],
  ])('%i %s is "%s" in MT940 and "%s" in XML', (cents, currency, swift, xml) => {
    expect(swiftAmount(cents, currency)).toBe(swift);
    expect(xmlAmount(cents, currency)).toBe(xml);
    expect(parseDecimalAmount(swift, currency)).toBe(cents);
    expect(parseDecimalAmount(xml, currency)).toBe(cents);
  });
  test.each([['1.234,56'], ['12,345'], ['-5,00'], ['abc'], ['']])('"%s" is no amount', (text) => {
    expect(parseDecimalAmount(text, 'EUR')).toBeNull();
  });
});

test.each<[string, string]>([
  ['Zoë Søren & Müller', 'Zoe Soren + Muller'],
  ['Straße 12; "Café"', "Strasse 12, 'Cafe'"],
  ['inv_0abc 😀 #1', 'inv-0abc 1'],
])('"%s" in the SWIFT character set is "%s"', (input, output) => {
  expect(toSwiftText(input)).toBe(output);
});

test('wrapped :86: text breaks between words and never starts a line with ":" or "-"', () => {
  const lines = wrapSwiftLines('/REMI/INVOICE 2027-001 ID inv-0mh5abcdefghijklmnop/NAME/A very long name of a debtor that goes on :and on', 30, 6, 26);
  expect(lines[0]!.length).toBeLessThanOrEqual(26);
  for (const l of lines) expect(l.length).toBeLessThanOrEqual(30);
  expect(lines.every((l) => !/^[:-]/.test(l))).toBe(true);
  expect(lines.join(' ')).toContain('inv-0mh5abcdefghijklmnop');
});

describe('MT940 as banks write it', () => {
  const statement = (body: string[]) => [':20:STMT1', ':25:NL91ABNA0417164300', ':28C:1/1', ':60F:C261230EUR10,00', ...body, ':62F:C270102EUR0,00', '-'].join('\n');
  test.each<[string, string[], Record<string, unknown>]>([
    ['a credit with entry date and Dutch structured :86:', [':61:2612301230C25,00NTRFREF123//B1', ':86:/CNTP/NL44RABO0123456789/RABONL2U/J. JANSEN/UTRECHT/REMI/USTD//INV-7/'], { direction: 'credit', amountCents: 2500, valueDate: '2026-12-30', bookingDate: '2026-12-30', customerReference: 'REF123', bankReference: 'B1', counterpartyName: 'J. JANSEN' }],
    ['an entry date in the next year', [':61:2612310102C1,00NTRFNONREF'], { valueDate: '2026-12-31', bookingDate: '2027-01-02', customerReference: null }],
    ['a German ?-structured :86:', [':61:2612300101D7,5N051NONREF', ':86:166?00GUTSCHRIFT?20SVWZ+RE 4711?32MAX MUSTER?33MANN'], { direction: 'debit', amountCents: 750, counterpartyName: 'MAX MUSTER MANN', bookingDate: '2027-01-01' }],
    ['a reversed debit (money back)', [':61:261230RD3,00NTRFNONREF'], { direction: 'credit', amountCents: 300 }],
    ['30 February (a bank on a 30/360 calendar) as the last day of February', [':61:2402300301D6,00N024NONREF'], { valueDate: '2024-02-29', bookingDate: '2024-03-01' }],
    ['an amount of 15 digits', [':61:261230C999999999999,99NTRFNONREF'], { amountCents: 99_999_999_999_999 }],
  ])('%s', (_name, body, expected) => {
    const [s] = parseMt940(statement(body));
    expect(s).toMatchObject({ reference: 'STMT1', account: 'NL91ABNA0417164300', currency: 'EUR', openingBalanceCents: 1000 });
    expect(s!.transactions[0]).toMatchObject(expected);
  });

  test('two statements in one file, with the SWIFT envelope', () => {
    const file = `{1:F01X}{2:O940}{4:\r\n${statement([':61:2612301230C1,00NTRFA'])}}\r\n{1:F01X}{4:\r\n${statement([]).replace('STMT1', 'STMT2')}}`;
    expect(parseMt940(file).map((s) => [s.reference, s.transactions.length])).toEqual([
      ['STMT1', 1],
      ['STMT2', 0],
    ]);
  });

  test.each<[string, string, string]>([
    ['a value date in month 13', ':20:A\n:25:X\n:60F:C261230EUR1,00\n:61:231345C1,00NTRFNONREF', 'line 4 (:61:)'],
    ['an amount with a thousands separator', ':20:A\n:25:X\n:60F:C261230EUR1,00\n:61:261230C1.000,00NTRFNONREF', 'line 4 (:61:)'],
    ['a bad balance', ':20:A\n:25:X\n:60F:C2612EUR1,00', 'line 3 (:60F:)'],
    ['a bad :61:', ':20:A\n:25:X\n:60F:C261230EUR1,00\n:61:nonsense', 'line 4 (:61:)'],
  ])('%s is an error naming where', (_name, text, path) => {
    expect(() => parseMt940(text)).toThrow(StatementParseError);
    try {
      parseMt940(text);
    } catch (err) {
      expect((err as StatementParseError).path).toBe(path);
    }
  });
});

test('camt.053 without an account is an error naming the element', () => {
  const xml = '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>1</MsgId><CreDtTm>2026-01-01T00:00:00</CreDtTm></GrpHdr><Stmt><Id>S</Id><Bal/></Stmt></BkToCstmrStmt></Document>';
  expect(() => parseCamt053(xml)).toThrow(expect.objectContaining({ path: 'Document/BkToCstmrStmt/Stmt[1]/Acct' }));
});

describe('matching rules', () => {
  test('words of the remittance text are candidates; a Recoup id travels with "-" for "_"', () => {
    const tokens = referenceTokens('/REMI/Factuur 2027-001, kenmerk RF18-5390. ID inv-0mh5abcdefghijkl/NAME/X');
    expect(tokens).toEqual(expect.arrayContaining(['2027-001', 'RF18-5390', 'INV-0MH5ABCDEFGHIJKL', 'INV_0MH5ABCDEFGHIJKL', 'FACTUUR']));
  });
  test.each<[string | null, string, Record<string, string>, boolean]>([
    ['JANSEN BRAM', '', { first_name: 'Bram', last_name: 'Jansen' }, true],
    ['Smit, Eva', '', { first_name: 'Eva', last_name: 'Smit' }, true],
    ['Zoë de Vries', '', { first_name: 'Zoe', last_name: 'de Vries' }, true],
    // Banks shorten first names to initials; an initial stands for one word with that letter.
    ['B. JANSEN', '', { first_name: 'Bram', last_name: 'Jansen' }, true],
    ['A DE VRIES', '', { first_name: 'Anna', last_name: 'de Vries' }, true],
    ['K. JANSEN', '', { first_name: 'Bram', last_name: 'Jansen' }, false],
    ['Bakker-Jansen Holding', '', { first_name: 'Dirk', last_name: 'Bakker' }, false],
    ['JANSEN', '', { first_name: 'Bram', last_name: 'Jansen' }, false],
    ['STICHTING ORANJE', '', { organization_name: 'Stichting Oranje', last_name: 'Boer' }, true],
    [null, 'contributie bram jansen 2027', { first_name: 'Bram', last_name: 'Jansen' }, true],
    [null, 'contributie jansen', { first_name: 'Bram', last_name: 'Jansen' }, false],
  ])('payer %p with text %p is debtor %p: %p', (name, text, debtor, expected) => {
    expect(payerIsDebtor(name, text, debtor)).toBe(expected);
  });
});
