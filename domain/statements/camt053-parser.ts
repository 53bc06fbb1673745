import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseStatementAmount } from './money';
import { bankDateFromIso } from './statement-date';
import { StatementParseError, type ParsedBankStatement, type ParsedBankTransaction } from './bank-statement';

/**
 * Reads camt.053 (BankToCustomerStatement, any version 001.02 and later: the elements used here
 * kept their names): each Stmt with its account, OPBD/CLBD balances and entries; per entry the
 * amount, direction, dates, the bank's reference, the payer's name and all remittance text.
 */
export function parseCamt053(xml: string): ParsedBankStatement[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new StatementParseError(`not well-formed XML: ${valid.err.msg}`, `line ${valid.err.line}`);
  const doc = new XMLParser({
    ignoreAttributes: false,
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: true,
    isArray: (name) => ['Stmt', 'Ntry', 'NtryDtls', 'TxDtls', 'Bal', 'Ustrd', 'Strd', 'RfrdDocInf', 'AddtlRmtInf'].includes(name),
  }).parse(xml) as Node;
  const root = obj(obj(doc.Document).BkToCstmrStmt);
  if (!doc.Document || !obj(doc.Document).BkToCstmrStmt) throw new StatementParseError('not a camt.053 document (no Document/BkToCstmrStmt)', 'Document');
  const stmts = list(root.Stmt);
  if (!stmts.length) throw new StatementParseError('the statement has no Stmt', 'Document/BkToCstmrStmt');
  return stmts.map((raw, i) => statement(obj(raw), `Document/BkToCstmrStmt/Stmt[${i + 1}]`));
}

type Node = Record<string, unknown>;

function obj(v: unknown): Node {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : {};
}
function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}
function str(v: unknown): string {
  if (typeof v === 'string') return v.trim();
  if (v && typeof v === 'object' && '#text' in v) return String((v as Node)['#text']).trim();
  return '';
}

function statement(s: Node, path: string): ParsedBankStatement {
  const acctId = obj(obj(s.Acct).Id);
  const account = str(acctId.IBAN) || str(obj(acctId.Othr).Id);
  if (!account) throw new StatementParseError('the statement has no account (Acct/Id)', `${path}/Acct`);
  const balances = list(s.Bal).map((b, i) => balanceOf(obj(b), `${path}/Bal[${i + 1}]`));
  const currency = str(obj(s.Acct).Ccy) || balances[0]?.currency || (list(s.Ntry)[0] ? amountOf(obj(obj(list(s.Ntry)[0]).Amt), `${path}/Ntry[1]/Amt`).currency : '');
  if (!currency) throw new StatementParseError('the statement names no currency', `${path}/Acct/Ccy`);
  const opening = balances.find((b) => b.code === 'OPBD' || b.code === 'PRCD');
  const closing = balances.find((b) => b.code === 'CLBD');
  return {
    format: 'camt053',
    reference: str(s.Id),
    account,
    currency,
    openingBalanceCents: opening?.cents ?? null,
    closingBalanceCents: closing?.cents ?? null,
    transactions: list(s.Ntry).map((n, i) => entry(obj(n), `${path}/Ntry[${i + 1}]`)),
  };
}

function amountOf(amt: unknown, path: string): { cents: number; currency: string } {
  const currency = str(obj(amt)['@_Ccy']);
  const cents = parseStatementAmount(str(amt), currency || 'EUR');
  if (cents === null) throw new StatementParseError(`the amount "${str(amt)}" is not a number`, path);
  return { cents, currency };
}

function balanceOf(b: Node, path: string): { code: string; cents: number; currency: string } {
  const code = str(obj(obj(b.Tp).CdOrPrtry).Cd) || str(obj(obj(b.Tp).CdOrPrtry).Prtry);
  const { cents, currency } = amountOf(b.Amt, `${path}/Amt`);
  return { code, cents: str(b.CdtDbtInd) === 'DBIT' ? -cents : cents, currency };
}

/** Dt or DtTm, as YYYY-MM-DD; '' when absent. A day past its month's end is the month's last (see statement-date). */
function dateOf(v: unknown, path: string): string {
  const d = obj(v);
  const text = str(d.Dt) || str(d.DtTm);
  if (!text) return '';
  const date = bankDateFromIso(text);
  if (!date) throw new StatementParseError(`"${text}" is not a date`, path);
  return date;
}

function entry(n: Node, path: string): ParsedBankTransaction {
  const { cents } = amountOf(n.Amt, `${path}/Amt`);
  const indicator = str(n.CdtDbtInd);
  if (indicator !== 'CRDT' && indicator !== 'DBIT') throw new StatementParseError(`CdtDbtInd "${indicator}" is neither CRDT nor DBIT`, `${path}/CdtDbtInd`);
  const bookingDate = dateOf(n.BookgDt, `${path}/BookgDt`) || dateOf(n.ValDt, `${path}/ValDt`);
  const valueDate = dateOf(n.ValDt, `${path}/ValDt`) || bookingDate;
  if (!bookingDate) throw new StatementParseError('the entry has no booking or value date', `${path}/BookgDt`);
  const txs = list(n.NtryDtls).flatMap((d) => list(obj(d).TxDtls)).map(obj);
  const texts: string[] = [];
  let customerReference: string | null = null;
  let counterpartyName: string | null = null;
  for (const tx of txs) {
    const refs = obj(tx.Refs);
    const e2e = str(refs.EndToEndId);
    if (e2e && e2e !== 'NOTPROVIDED') customerReference ??= e2e;
    const parties = obj(tx.RltdPties);
    // Money in: the payer is the debtor; money out: the creditor.
    const party = indicator === 'CRDT' ? obj(parties.Dbtr) : obj(parties.Cdtr);
    counterpartyName ??= str(party.Nm) || str(obj(parties.UltmtDbtr).Nm) || null;
    const rmt = obj(tx.RmtInf);
    texts.push(...list(rmt.Ustrd).map(str));
    for (const strd of list(rmt.Strd).map(obj)) {
      texts.push(str(obj(strd.CdtrRefInf).Ref));
      texts.push(...list(strd.RfrdDocInf).map((d) => str(obj(d).Nb)));
      texts.push(...list(strd.AddtlRmtInf).map(str));
    }
    texts.push(str(tx.AddtlTxInf));
  }
  texts.push(str(n.AddtlNtryInf));
  if (customerReference) texts.unshift(customerReference);
  return {
    bookingDate,
    valueDate,
    // The booked direction: a reversed credit is booked as DBIT (with RvslInd), money out.
    direction: indicator === 'CRDT' ? 'credit' : 'debit',
    amountCents: cents,
    bankReference: str(n.AcctSvcrRef) || str(n.NtryRef) || str(obj(txs[0]?.Refs).AcctSvcrRef) || null,
    customerReference,
    counterpartyName,
    remittance: texts.filter(Boolean).join(' '),
  };
}
