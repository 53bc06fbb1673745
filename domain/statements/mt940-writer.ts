import { minorUnits, swiftAmount } from './money';
import { closingBalanceCents, remittanceText, type CollectionStatement } from './statement';
import { toSwiftText, wrapSwiftLines } from './swift-text';

/**
 * SWIFT MT940 (customer statement message), the text block only, CRLF line ends, one statement
 * per currency:
 *
 *   :20:  reference (16x)            :25: account (IBAN)        :28C: statement number/sequence
 *   :60F: opening balance C|D YYMMDD currency amount
 *   :61:  value date YYMMDD, entry date MMDD, C|D, amount, NTRF, customer reference (16x: the invoice's
 *         RF payment reference, 16 characters)//bank reference (16x)
 *   :86:  up to 6 × 65: /EREF/ payment's external id /REMI/ invoice reference, number and id /NAME/ debtor
 *   :62F: closing balance             :64: closing available balance (the same: no float on this account)
 */
export function writeMt940(statements: readonly CollectionStatement[]): string {
  return statements.map(statementBlock).join('');
}

function statementBlock(s: CollectionStatement): string {
  const lines: string[] = [];
  const closing = closingBalanceCents(s);
  lines.push(`:20:${field(s.reference, 16)}`);
  lines.push(`:25:${field(s.account.iban.replace(/\s+/g, ''), 35)}`);
  lines.push(`:28C:${String(s.sequenceNumber % 100000).padStart(5, '0')}/1`);
  lines.push(`:60F:${balance(s.openingBalanceCents, s.from, s.currency)}`);
  for (const e of s.entries) {
    const mark = e.amountCents < 0 ? 'D' : 'C';
    const customerRef = field(e.creditorReference, 16) || 'NONREF';
    const bankRef = field(e.id.replace(/^led_/, ''), 64).slice(-16);
    lines.push(`:61:${yymmdd(e.date)}${e.date.slice(5, 7)}${e.date.slice(8, 10)}${mark}${swiftAmount(Math.abs(e.amountCents), s.currency)}NTRF${customerRef}//${bankRef}`);
    const details = [
      e.paymentExternalId ? `/EREF/${toSwiftText(e.paymentExternalId)}` : '',
      `/REMI/${toSwiftText(remittanceText(e))}`,
      `/NAME/${toSwiftText(e.debtorName)}`,
    ].join('');
    // 6 lines of 65 characters, the first one after the tag ':86:'.
    const [first = '', ...rest] = wrapSwiftLines(details, 65, 6, 61);
    lines.push(`:86:${first}`, ...rest);
  }
  lines.push(`:62F:${balance(closing, s.to, s.currency)}`);
  lines.push(`:64:${balance(closing, s.to, s.currency)}`);
  lines.push('-');
  return lines.map((l) => `${l}\r\n`).join('');
}

function balance(cents: number, date: string, currency: string): string {
  if (minorUnits(currency) > 2) throw new RangeError(`MT940 amounts have at most 2 decimals; ${currency} has more`);
  return `${cents < 0 ? 'D' : 'C'}${yymmdd(date)}${currency}${swiftAmount(Math.abs(cents), currency)}`;
}

function yymmdd(date: string): string {
  return `${date.slice(2, 4)}${date.slice(5, 7)}${date.slice(8, 10)}`;
}

/** A reference field: SWIFT characters, no spaces (they end the field for some parsers), cut to size. */
function field(text: string, max: number): string {
  return toSwiftText(text).replace(/[ /]/g, '').replace(/^[:-]+/, '').slice(0, max);
}
