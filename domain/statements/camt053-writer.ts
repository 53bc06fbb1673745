import { xmlAmount } from './money';
import { closingBalanceCents, remittanceText, type CollectionStatement, type StatementEntry } from './statement';

export const CAMT053_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.02';

/**
 * ISO 20022 camt.053.001.02 (BankToCustomerStatementV02): one Stmt per currency, balances OPBD
 * and CLBD, one booked Ntry per payment (credit) or reversal (debit) whose TxDtls carry the
 * invoice: RmtInf/Ustrd in words, RmtInf/Strd with the invoice number (RfrdDocInf/Nb) and its RF
 * payment reference (CdtrRefInf/Ref, typed SCOR issued by ISO as ISO 11649 references are), the
 * debtor as RltdPties/Dbtr/Nm.
 */
export function writeCamt053(statements: readonly CollectionStatement[], messageId: string, createdAt: string): string {
  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push(`<Document xmlns="${CAMT053_NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">`);
  out.push('<BkToCstmrStmt>');
  out.push(`<GrpHdr><MsgId>${max(messageId, 35)}</MsgId><CreDtTm>${isoDateTime(createdAt)}</CreDtTm></GrpHdr>`);
  for (const s of statements) out.push(statement(s));
  out.push('</BkToCstmrStmt>');
  out.push('</Document>');
  return `${out.join('\n')}\n`;
}

function statement(s: CollectionStatement): string {
  const closing = closingBalanceCents(s);
  const parts = [
    '<Stmt>',
    `<Id>${max(s.reference, 35)}</Id>`,
    `<ElctrncSeqNb>${s.sequenceNumber}</ElctrncSeqNb>`,
    `<CreDtTm>${isoDateTime(s.createdAt)}</CreDtTm>`,
    `<FrToDt><FrDtTm>${s.from}T00:00:00</FrDtTm><ToDtTm>${s.to}T23:59:59</ToDtTm></FrToDt>`,
    `<Acct><Id><IBAN>${esc(s.account.iban.replace(/\s+/g, ''))}</IBAN></Id><Ccy>${esc(s.currency)}</Ccy><Nm>${max(s.account.name, 70)}</Nm>` +
      `<Ownr><Nm>${max(s.companyName, 140)}</Nm></Ownr><Svcr><FinInstnId><BIC>${esc(s.account.bic)}</BIC></FinInstnId></Svcr></Acct>`,
    balance('OPBD', s.openingBalanceCents, s.from, s.currency),
    balance('CLBD', closing, s.to, s.currency),
    `<TxsSummry><TtlNtries><NbOfNtries>${s.entries.length}</NbOfNtries></TtlNtries></TxsSummry>`,
    ...s.entries.map((e) => entry(e, s.currency)),
    '</Stmt>',
  ];
  return parts.join('\n');
}

function balance(code: 'OPBD' | 'CLBD', cents: number, date: string, currency: string): string {
  return `<Bal><Tp><CdOrPrtry><Cd>${code}</Cd></CdOrPrtry></Tp><Amt Ccy="${esc(currency)}">${xmlAmount(Math.abs(cents), currency)}</Amt><CdtDbtInd>${cents < 0 ? 'DBIT' : 'CRDT'}</CdtDbtInd><Dt><Dt>${date}</Dt></Dt></Bal>`;
}

function entry(e: StatementEntry, currency: string): string {
  const credit = e.amountCents >= 0;
  const amount = `<Amt Ccy="${esc(currency)}">${xmlAmount(Math.abs(e.amountCents), currency)}</Amt>`;
  // Received credit transfer; a debit is the return of one.
  const code = `<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>${credit ? 'ESCT' : 'RRTN'}</SubFmlyCd></Fmly></Domn></BkTxCd>`;
  const refs = `<Refs><AcctSvcrRef>${max(e.id, 35)}</AcctSvcrRef>${e.paymentExternalId ? `<EndToEndId>${max(e.paymentExternalId, 35)}</EndToEndId>` : ''}</Refs>`;
  const parties = credit ? `<RltdPties><Dbtr><Nm>${max(e.debtorName, 140)}</Nm></Dbtr></RltdPties>` : `<RltdPties><Cdtr><Nm>${max(e.debtorName, 140)}</Nm></Cdtr></RltdPties>`;
  const strd = `<Strd><RfrdDocInf><Nb>${max(e.invoiceNumber, 35)}</Nb></RfrdDocInf><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp><Ref>${max(e.creditorReference, 35)}</Ref></CdtrRefInf></Strd>`;
  const rmtInf = `<RmtInf><Ustrd>${max(remittanceText(e), 140)}</Ustrd>${strd}</RmtInf>`;
  return [
    '<Ntry>',
    `<NtryRef>${max(e.id, 35)}</NtryRef>`,
    amount,
    `<CdtDbtInd>${credit ? 'CRDT' : 'DBIT'}</CdtDbtInd>`,
    credit ? '' : '<RvslInd>true</RvslInd>',
    '<Sts>BOOK</Sts>',
    `<BookgDt><Dt>${e.date}</Dt></BookgDt>`,
    `<ValDt><Dt>${e.date}</Dt></ValDt>`,
    `<AcctSvcrRef>${max(e.id, 35)}</AcctSvcrRef>`,
    code,
    `<NtryDtls><TxDtls>${refs}${amountDetails(e, currency)}${code}${parties}${rmtInf}</TxDtls></NtryDtls>`,
    '</Ntry>',
  ]
    .filter(Boolean)
    .join('');
}

function amountDetails(e: StatementEntry, currency: string): string {
  return `<AmtDtls><TxAmt><Amt Ccy="${esc(currency)}">${xmlAmount(Math.abs(e.amountCents), currency)}</Amt></TxAmt></AmtDtls>`;
}

/** ISODateTime without fractions, in UTC. */
function isoDateTime(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** MaxNText: at least one character, at most `n` (counted in code points), XML-escaped. */
function max(text: string, n: number): string {
  // Control characters are not allowed in XML 1.0 text.
  const clean = [...text].map((ch) => (ch.charCodeAt(0) < 0x20 && ch !== '\t' && ch !== '\n' && ch !== '\r' ? ' ' : ch)).join('').trim() || '-';
  return esc([...clean].slice(0, n).join(''));
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
