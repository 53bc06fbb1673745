import { SaxesParser } from 'saxes';
import { parseStatementAmount } from './money';
import { bankDateFromIso } from './statement-date';
import { StatementParseError, type ParsedBankStatement, type ParsedBankTransaction } from './bank-statement';

/** Elements that may repeat: always lists, even when there is one. */
const REPEATED = new Set(['Stmt', 'Ntry', 'NtryDtls', 'TxDtls', 'Bal', 'Ustrd', 'Strd', 'RfrdDocInf', 'AddtlRmtInf']);

/**
 * Reads camt.053 (BankToCustomerStatement, any version 001.02 and later: the elements used here
 * kept their names): each Stmt with its account, OPBD/CLBD balances and entries; per entry the
 * amount, direction, dates, the bank's reference, the payer's name and all remittance text.
 *
 * One streaming pass: a Stmt's own elements are kept until it ends, each Ntry only until it ends
 * (then it is read into its transaction), so memory grows with the transactions, not the XML.
 * A file that is not well-formed is refused first; then the first problem in document order, a
 * statement's own before its entries'.
 */
export function parseCamt053(xml: string): ParsedBankStatement[] {
  const reader = new Camt053Reader();
  const parser = new SaxesParser<{ xmlns: false; position: true }>({ xmlns: false, position: true });
  parser.on('opentag', (tag) => reader.open(localName(tag.name), tag.attributes));
  parser.on('text', (text) => reader.text(text));
  parser.on('cdata', (text) => reader.text(text));
  parser.on('closetag', () => reader.close());
  try {
    parser.write(xml).close();
  } catch (err) {
    const message = err instanceof Error ? err.message.replace(/^\d+:\d+: /, '') : String(err);
    throw new StatementParseError(`not well-formed XML: ${message}`, `line ${parser.line}`);
  }
  return reader.result();
}

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

/** An element being read: its children by local name (lists for REPEATED ones and repeats), attributes as `@_name`, text as `#text`. */
interface Open {
  name: string;
  node: Node;
  text: string;
  hasContent: boolean;
}

class Camt053Reader {
  private readonly stack: Open[] = [];
  private document = false;
  private bkToCstmrStmt = false;
  private readonly statements: Array<ParsedBankStatement | StatementParseError> = [];
  /** The open Stmt's entries (or its first entry's problem) and the first entry's amount node (its currency when nothing else names one). */
  private entries: ParsedBankTransaction[] = [];
  private entryCount = 0;
  private entryProblem: StatementParseError | null = null;
  private firstAmount: unknown = undefined;

  open(name: string, attributes: Record<string, string>): void {
    const node: Node = {};
    for (const [key, value] of Object.entries(attributes)) node[`@_${localName(key)}`] = value;
    const parent = this.stack[this.stack.length - 1];
    if (parent) parent.hasContent = true;
    this.stack.push({ name, node, text: '', hasContent: Object.keys(node).length > 0 });
  }

  text(text: string): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) return;
    top.text += text;
    if (text.trim()) top.hasContent = true;
  }

  close(): void {
    const done = this.stack.pop()!;
    const depth = this.stack.length;
    const path = this.stack.map((e) => e.name);
    if (depth === 0) {
      this.document = done.name === 'Document';
      return;
    }
    if (depth === 1 && path[0] === 'Document' && done.name === 'BkToCstmrStmt') this.bkToCstmrStmt ||= done.hasContent;
    if (this.inStatement(path) && done.name === 'Ntry') return this.entry(done);
    if (this.inDocument(path) && done.name === 'Stmt') return this.statement(done);
    this.stack[depth - 1]!.node[done.name] = addChild(this.stack[depth - 1]!.node[done.name], valueOf(done), REPEATED.has(done.name));
  }

  private inDocument(path: string[]): boolean {
    return path.length === 2 && path[0] === 'Document' && path[1] === 'BkToCstmrStmt';
  }

  private inStatement(path: string[]): boolean {
    return path.length === 3 && this.inDocument(path.slice(0, 2)) && path[2] === 'Stmt';
  }

  private stmtPath(): string {
    return `Document/BkToCstmrStmt/Stmt[${this.statements.length + 1}]`;
  }

  private entry(done: Open): void {
    const n = obj(valueOf(done));
    this.entryCount += 1;
    if (this.entryCount === 1) this.firstAmount = n.Amt ?? null;
    if (this.entryProblem) return;
    try {
      this.entries.push(entry(n, `${this.stmtPath()}/Ntry[${this.entryCount}]`));
    } catch (err) {
      if (!(err instanceof StatementParseError)) throw err;
      this.entryProblem = err;
    }
  }

  private statement(done: Open): void {
    const path = this.stmtPath();
    try {
      const s = statement(obj(valueOf(done)), path, this.firstAmount);
      if (this.entryProblem) throw this.entryProblem;
      this.statements.push({ ...s, transactions: this.entries });
    } catch (err) {
      if (!(err instanceof StatementParseError)) throw err;
      this.statements.push(err);
    }
    this.entries = [];
    this.entryCount = 0;
    this.entryProblem = null;
    this.firstAmount = undefined;
  }

  result(): ParsedBankStatement[] {
    if (!this.document || !this.bkToCstmrStmt) throw new StatementParseError('not a camt.053 document (no Document/BkToCstmrStmt)', 'Document');
    if (!this.statements.length) throw new StatementParseError('the statement has no Stmt', 'Document/BkToCstmrStmt');
    const problem = this.statements.find((s) => s instanceof StatementParseError);
    if (problem) throw problem;
    return this.statements as ParsedBankStatement[];
  }
}

/** An element as a value: its text when it has nothing else, else its children, attributes and `#text`; '' when empty. */
function valueOf(e: Open): unknown {
  const text = e.text.trim();
  if (Object.keys(e.node).length === 0) return text;
  if (text) e.node['#text'] = text;
  return e.node;
}

/** A repeated element becomes a list, as do the REPEATED ones from the first. */
function addChild(existing: unknown, value: unknown, repeated: boolean): unknown {
  if (existing === undefined) return repeated ? [value] : value;
  return Array.isArray(existing) ? [...existing, value] : [existing, value];
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

/** A statement's own elements (its entries are read on their own); `firstAmount` is its first Ntry's Amt. */
function statement(s: Node, path: string, firstAmount: unknown): Omit<ParsedBankStatement, 'transactions'> {
  const acctId = obj(obj(s.Acct).Id);
  const account = str(acctId.IBAN) || str(obj(acctId.Othr).Id);
  if (!account) throw new StatementParseError('the statement has no account (Acct/Id)', `${path}/Acct`);
  const balances = list(s.Bal).map((b, i) => balanceOf(obj(b), `${path}/Bal[${i + 1}]`));
  const currency = str(obj(s.Acct).Ccy) || balances[0]?.currency || (firstAmount !== undefined ? amountOf(obj(firstAmount), `${path}/Ntry[1]/Amt`).currency : '');
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
