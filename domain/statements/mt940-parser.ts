import { parseDecimalAmount } from './money';
import { StatementParseError, type ParsedBankStatement, type ParsedBankTransaction } from './bank-statement';

/**
 * Reads MT940 statements as banks send them: with or without the SWIFT envelope ({1:…}{4: … -}),
 * CRLF or LF, several statements in one file, :60F:/:60M: and :62F:/:62M:, :86: free text or
 * structured (/EREF/ /REMI/ /NAME/ …, /CNTP/iban/bic/name/city/, or German ?20–?33 subfields).
 */
export function parseMt940(input: string): ParsedBankStatement[] {
  const text = input.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const fields = readFields(text);
  const statements: ParsedBankStatement[] = [];
  let current: ParsedBankStatement | null = null;
  let last: ParsedBankTransaction | null = null;
  let currency = '';
  for (const f of fields) {
    const where = `line ${f.line} (:${f.tag}:)`;
    switch (f.tag) {
      case '20':
        current = { format: 'mt940', reference: f.value.trim(), account: '', currency: '', openingBalanceCents: null, closingBalanceCents: null, transactions: [] };
        statements.push(current);
        last = null;
        break;
      case '25':
        need(current, where).account = f.value.trim().replace(/\s+/g, '');
        break;
      case '60F':
      case '60M': {
        const b = balance(f.value, where);
        currency = b.currency;
        Object.assign(need(current, where), { currency: b.currency, openingBalanceCents: b.cents });
        break;
      }
      case '62F':
      case '62M':
        need(current, where).closingBalanceCents = balance(f.value, where).cents;
        break;
      case '61': {
        const s = need(current, where);
        if (!currency) throw new StatementParseError('a :61: line comes before the opening balance :60F:', where);
        last = transaction(f.value, currency, where);
        s.transactions.push(last);
        break;
      }
      case '86':
        if (last) applyDetails(last, f.value);
        break;
      default:
        break;
    }
  }
  if (!statements.length) throw new StatementParseError('no statement found (no :20: field)', 'line 1');
  for (const s of statements) {
    if (!s.account) throw new StatementParseError(`statement ${s.reference} has no account (:25:)`, `statement ${s.reference}`);
    if (!s.currency) throw new StatementParseError(`statement ${s.reference} has no opening balance (:60F:)`, `statement ${s.reference}`);
  }
  return statements;
}

interface Field {
  tag: string;
  value: string;
  line: number;
}

function readFields(text: string): Field[] {
  const fields: Field[] = [];
  let current: Field | null = null;
  text.split('\n').forEach((raw, i) => {
    // The SWIFT envelope: {1:…}{2:…}{4: opens the text block, "-}" closes it.
    const line = raw.replace(/^(\{[1-3]:[^}]*\})+/, '').replace(/^\{4:/, '').replace(/^\{5:.*$/, '');
    const m = /^:(\d{2}[A-Z]?):(.*)$/.exec(line);
    if (m) {
      current = { tag: m[1]!, value: m[2]!, line: i + 1 };
      fields.push(current);
    } else if (/^-\}?\s*$/.test(line) || /^\s*$/.test(line)) {
      current = null;
    } else if (current) {
      (current as Field).value += `\n${line}`;
    }
  });
  return fields;
}

function need<T>(v: T | null, where: string): T {
  if (!v) throw new StatementParseError('a field comes before the statement reference :20:', where);
  return v;
}

function balance(value: string, where: string): { cents: number; currency: string } {
  const m = /^([CD])(\d{6})([A-Z]{3})([\d,]+)\s*$/.exec(value.trim());
  if (!m) throw new StatementParseError(`the balance "${value.trim()}" is not C|D YYMMDD currency amount`, where);
  const cents = parseDecimalAmount(m[4]!, m[3]!);
  if (cents === null) throw new StatementParseError(`the amount "${m[4]}" is not a number`, where);
  return { cents: m[1] === 'D' ? -cents : cents, currency: m[3]! };
}

function transaction(value: string, currency: string, where: string): ParsedBankTransaction {
  const [first = '', ...more] = value.split('\n');
  // value date, [entry date], [R]C|D, [funds code], amount, type (N/F/S + 3), customer reference [//bank reference]
  const m = /^(\d{6})(\d{4})?(R?[CD])([A-Z])?(\d[\d,]*)([NFS][A-Z0-9]{3})(.*)$/.exec(first.trim());
  if (!m) throw new StatementParseError(`the transaction "${first.trim()}" is not a valid :61: line`, where);
  const valueDate = fromYymmdd(m[1]!);
  const bookingDate = m[2] ? entryDate(valueDate, m[2]) : valueDate;
  const cents = parseDecimalAmount(m[5]!, currency);
  if (cents === null || cents <= 0) throw new StatementParseError(`the amount "${m[5]}" is not a positive number`, where);
  // A reversal of a credit takes money out (RC), of a debit puts it back (RD).
  const mark = m[3]!;
  const direction = mark === 'C' || mark === 'RD' ? 'credit' : 'debit';
  const [customer = '', bank = ''] = m[7]!.split('//');
  const customerReference = customer.trim() && customer.trim() !== 'NONREF' ? customer.trim() : null;
  return {
    bookingDate,
    valueDate,
    direction,
    amountCents: cents,
    bankReference: bank.trim() || null,
    customerReference,
    counterpartyName: null,
    remittance: [customerReference ?? '', more.join(' ')].filter(Boolean).join(' '),
  };
}

function applyDetails(t: ParsedBankTransaction, value: string): void {
  const lines = value.split('\n');
  // Lines are cut at 65 characters, sometimes inside a word: keep both readings.
  const spaced = lines.join(' ');
  const joined = lines.join('');
  t.remittance = [t.remittance, spaced, spaced === joined ? '' : joined].filter(Boolean).join(' ');
  t.counterpartyName = counterparty(joined) ?? t.counterpartyName;
}

function counterparty(details: string): string | null {
  const name = /\/NAME\/([^/]*)/.exec(details)?.[1];
  if (name?.trim()) return name.trim();
  const cntp = /\/CNTP\/[^/]*\/[^/]*\/([^/]*)/.exec(details)?.[1];
  if (cntp?.trim()) return cntp.trim();
  // German structured :86: (?32 and ?33 hold the other party's name).
  const german = [...details.matchAll(/\?3([23])([^?]*)/g)].map((x) => x[2]!.trim()).join(' ').trim();
  return german || null;
}

function fromYymmdd(s: string): string {
  const yy = Number(s.slice(0, 2));
  // SWIFT two-digit years: 00–79 are 20xx, 80–99 are 19xx.
  return `${yy < 80 ? 2000 + yy : 1900 + yy}-${s.slice(2, 4)}-${s.slice(4, 6)}`;
}

/** The entry date has no year: the one closest to the value date (around new year it is the other). */
function entryDate(valueDate: string, mmdd: string): string {
  const year = Number(valueDate.slice(0, 4));
  const candidates = [year - 1, year, year + 1].map((y) => `${y}-${mmdd.slice(0, 2)}-${mmdd.slice(2, 4)}`);
  const distance = (d: string) => Math.abs(Date.parse(`${d}T00:00:00Z`) - Date.parse(`${valueDate}T00:00:00Z`));
  return candidates.sort((a, b) => distance(a) - distance(b))[0]!;
}
