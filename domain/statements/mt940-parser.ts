import { parseStatementAmount } from './money';
import { bankDate } from './statement-date';
import { StatementParseError, UNKNOWN_CURRENCY, type ParsedBankStatement, type ParsedBankTransaction } from './bank-statement';

/**
 * Reads MT940 statements and MT942 interim reports as banks send them: with or without the SWIFT
 * envelope ({1:…}{2:…}{3:…}{4: … -}{5:…}), CRLF or LF, several statements in one file, bank
 * headers before the first field, snippets that start without :20:, :60F:/:60M: and :62F:/:62M:
 * (with or without currency), MT942's :34F: floor limit, :13D: date-time and :90D:/:90C: totals,
 * :86: free text or structured (/EREF/ /REMI/ /NAME/ …, /CNTP/iban/bic/name/city/, or German ?20–?33
 * subfields) wrapped over lines. A line is read as a new field only when it starts with a tag that
 * MT940/MT942 have: a wrapped ":26:" inside a time of day is text of the field before it.
 */
export function parseMt940(input: string): ParsedBankStatement[] {
  const text = input.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const statements: Builder[] = [];
  let current: Builder | null = null;
  let last: ParsedBankTransaction | null = null;
  const open = (): Builder => {
    if (!current) {
      current = { format: 'mt940', reference: '', account: '', currency: '', openingBalanceCents: null, closingBalanceCents: null, transactions: [], interim: false };
      statements.push(current);
      last = null;
    }
    return current;
  };
  for (const f of readFields(text)) {
    const where = `line ${f.line} (:${f.tag}:)`;
    switch (f.tag) {
      case 'end':
        current = null;
        last = null;
        break;
      case '20':
        current = null;
        open().reference = f.value.split('\n')[0]!.trim();
        break;
      case '25': {
        const s = open();
        s.account = f.value.split('\n')[0]!.trim().replace(/\s+/g, '');
        // Some banks put the currency after the account number ("51210600/9223382012EUR").
        s.currency ||= /[0-9/]([A-Z]{3})$/.exec(s.account)?.[1] ?? '';
        break;
      }
      case '60F':
      case '60M':
      case '60': {
        const s = open();
        const b = balance(f.value, s.currency, where);
        s.currency ||= b.currency;
        s.openingBalanceCents ??= b.cents;
        break;
      }
      case '62F':
      case '62M':
      case '62': {
        const s = open();
        const b = balance(f.value, s.currency, where);
        s.currency ||= b.currency;
        s.closingBalanceCents = b.cents;
        break;
      }
      case '64':
      case '65':
        balance(f.value, open().currency, where);
        break;
      case '34F':
      case '34': {
        // MT942 floor limit: currency, [D|C], amount.
        const s = open();
        const m = /^([A-Z]{3})([DC])?(\d[\d,]*)\s*$/.exec(f.value.trim());
        if (!m) throw new StatementParseError(`the floor limit "${firstLine(f.value)}" is not currency [D|C] amount`, where);
        s.currency ||= m[1]!;
        s.interim = true;
        break;
      }
      case '13D':
      case '13':
        // MT942 date-time of the report (YYMMDDhhmm±hhmm): checked, not kept.
        if (!/^\d{10}([+-]\d{4})?\s*$/.test(f.value.trim())) throw new StatementParseError(`the date-time "${firstLine(f.value)}" is not YYMMDDhhmm[±hhmm]`, where);
        open().interim = true;
        break;
      case '90D':
      case '90C':
      case '90': {
        // MT942 number and sum of debit (D) or credit (C) entries.
        const s = open();
        const m = /^(\d+)([A-Z]{3})(\d[\d,]*)\s*$/.exec(f.value.trim());
        if (!m) throw new StatementParseError(`the entry total "${firstLine(f.value)}" is not number, currency, amount`, where);
        s.currency ||= m[2]!;
        s.interim = true;
        break;
      }
      case '61': {
        const s = open();
        last = transaction(f.value, s.currency || UNKNOWN_CURRENCY, where);
        s.transactions.push(last);
        break;
      }
      case '86':
        // Before any :61: it is information about the statement itself.
        if (last) applyDetails(last, f.value);
        break;
      default:
        // :21:, :28:, :28C:, :NS: (non-SWIFT bank data): nothing Recoup needs.
        break;
    }
  }
  const found = statements.filter((s) => s.reference || s.account || s.currency || s.transactions.length);
  if (!found.length) throw new StatementParseError('no MT940 field found (such as :20:, :25:, :60F: or :61:)', 'line 1');
  return found.map(({ interim, ...s }) => ({
    ...s,
    format: interim && s.openingBalanceCents === null ? 'mt942' : 'mt940',
    // A snippet without balances names no currency: its lines are kept, never matched to an invoice.
    currency: s.currency || UNKNOWN_CURRENCY,
  }));
}

type Builder = ParsedBankStatement & { interim: boolean };

interface Field {
  /** The tag, or `end` for the end of a message ("-", "-}"). */
  tag: string;
  value: string;
  line: number;
}

/** Every field MT940 and MT942 have; anything else that looks like a tag is wrapped text. */
const knownTags = new Set(['13', '13D', '20', '21', '25', '28', '28C', '34', '34F', '60', '60F', '60M', '61', '62', '62F', '62M', '64', '65', '86', '90', '90C', '90D', 'NS']);

function readFields(text: string): Field[] {
  const fields: Field[] = [];
  let current: Field | null = null;
  text.split('\n').forEach((raw, i) => {
    // Control characters (SOH/ETX around mBank's messages) carry nothing.
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
    let line = raw.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
    // The SWIFT envelope: {1:…}{2:…}{3:{108:…}} headers, {4: opens the text block.
    line = stripHeaderBlocks(line);
    if (line.startsWith('{4:')) line = line.slice(3);
    if (/^-\}?\s*(\{5:.*)?$/.test(line) || /^\{5:/.test(line)) {
      if (line.startsWith('-')) fields.push({ tag: 'end', value: '', line: i + 1 });
      current = null;
      return;
    }
    const m = /^:(\d{2}[A-Z]?|NS):(.*)$/.exec(line);
    if (m && knownTags.has(m[1]!)) {
      current = { tag: m[1]!, value: m[2]!, line: i + 1 };
      fields.push(current);
    } else if (current && line.trim()) {
      (current as Field).value += `\n${line}`;
    }
    // Blank lines, and a bank's header lines before the first field, are skipped.
  });
  return fields;
}

/** Removes leading {1:…}, {2:…}, {3:…} blocks (block 3 nests braces). */
function stripHeaderBlocks(line: string): string {
  let rest = line;
  while (/^\{[1-3]:/.test(rest)) {
    let depth = 0;
    let end = -1;
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '{') depth++;
      else if (rest[i] === '}' && --depth === 0) {
        end = i;
        break;
      }
    }
    if (end < 0) return '';
    rest = rest.slice(end + 1);
  }
  return rest;
}

function firstLine(value: string): string {
  return value.split('\n')[0]!.trim();
}

function yymmdd(s: string, where: string): string {
  const yy = Number(s.slice(0, 2));
  // SWIFT two-digit years: 00–79 are 20xx, 80–99 are 19xx.
  const date = bankDate(yy < 80 ? 2000 + yy : 1900 + yy, Number(s.slice(2, 4)), Number(s.slice(4, 6)));
  if (!date) throw new StatementParseError(`"${s}" is not a date (YYMMDD)`, where);
  return date;
}

function amount(text: string, currency: string, where: string): number {
  const cents = parseStatementAmount(text, currency);
  if (cents === null) throw new StatementParseError(`the amount "${text}" is not a number of at most 15 digits`, where);
  return cents;
}

/** C|D, date, [currency], amount: the currency may be left out (then it is the statement's). */
function balance(value: string, known: string, where: string): { cents: number; currency: string } {
  const m = /^([CD])(\d{6})([A-Z]{3})?(\d[\d,.]*)$/.exec(firstLine(value));
  if (!m) throw new StatementParseError(`the balance "${firstLine(value)}" is not C|D YYMMDD currency amount`, where);
  yymmdd(m[2]!, where);
  const currency = m[3] ?? known;
  const cents = amount(m[4]!, currency || UNKNOWN_CURRENCY, where);
  return { cents: m[1] === 'D' ? -cents : cents, currency };
}

function transaction(value: string, currency: string, where: string): ParsedBankTransaction {
  // value date, [entry date], [R]C|D, [funds code], amount, [type: letter + 3], customer reference [//bank reference], [details]
  // Some banks wrap the line after the mark, before the amount.
  const m = /^(\d{6})(\d{4}|\s{4})?(R?[CD])([A-Z])?[\n ]?(\d[\d,]*)([A-Z][A-Z0-9 ]{3})([^\n]*)\n?([\s\S]*)$/.exec(value.trim());
  if (!m) throw new StatementParseError(`the transaction "${firstLine(value)}" is not a valid :61: line`, where);
  const valueDate = yymmdd(m[1]!, where);
  const bookingDate = m[2]?.trim() ? entryDate(valueDate, m[2], where) : valueDate;
  const cents = amount(m[5]!, currency, where);
  // A reversal of a credit takes money out (RC), of a debit puts it back (RD).
  const mark = m[3]!;
  const direction = mark === 'C' || mark === 'RD' ? 'credit' : 'debit';
  const [customer = '', bank = ''] = m[7]!.split('//');
  const customerReference = customer.trim() && customer.trim() !== 'NONREF' ? customer.trim() : null;
  const supplementary = m[8]!.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
  return {
    bookingDate,
    valueDate,
    direction,
    amountCents: cents,
    bankReference: bank.trim() || null,
    customerReference,
    counterpartyName: null,
    remittance: [customerReference ?? '', supplementary].filter(Boolean).join(' '),
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

/** The entry date has no year: the one closest to the value date (around new year it is the other). */
function entryDate(valueDate: string, mmdd: string, where: string): string {
  const year = Number(valueDate.slice(0, 4));
  const candidates = [year - 1, year, year + 1].map((y) => bankDate(y, Number(mmdd.slice(0, 2)), Number(mmdd.slice(2, 4))));
  if (candidates.some((d) => !d)) throw new StatementParseError(`the entry date "${mmdd}" is not a date (MMDD)`, where);
  const distance = (d: string) => Math.abs(Date.parse(`${d}T00:00:00Z`) - Date.parse(`${valueDate}T00:00:00Z`));
  return (candidates as string[]).sort((a, b) => distance(a) - distance(b))[0]!;
}
