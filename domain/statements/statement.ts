/**
 * A statement of Recoup's collection account for one company and one currency: the payments
 * collected on the company's invoices (credits) and payments taken back (chargebacks, refunds,
 * reversals: debits), with the balances around them. The MT940 and camt.053 writers turn it into
 * files; nothing here touches the database.
 */

export interface CollectionAccount {
  iban: string;
  bic: string;
  /** Shown as the account name in camt.053. */
  name: string;
}

export interface StatementEntry {
  /** Recoup's id of the ledger entry: unique, the entry's reference at the bank side. */
  id: string;
  /** YYYY-MM-DD, in the company's timezone. */
  date: string;
  /** + money in (a payment), − money out (a chargeback, refund or reversal). */
  amountCents: number;
  invoiceId: string;
  invoiceNumber: string;
  invoiceReference: string | null;
  /** The invoice's ISO 11649 RF reference, which the debtor was asked to pay with. */
  creditorReference: string;
  debtorName: string;
  /** The payment's external id (the partner's, the provider's, or the bank's). */
  paymentExternalId: string | null;
}

export interface CollectionStatement {
  /** Unique per export: MT940 :20:, camt.053 MsgId and Stmt/Id. */
  reference: string;
  /** Electronic sequence number: MT940 :28C:, camt.053 ElctrncSeqNb. */
  sequenceNumber: number;
  account: CollectionAccount;
  /** Account holder as far as this statement goes: the company it is for. */
  companyName: string;
  currency: string;
  from: string;
  to: string;
  /** When the file was made (ISO 8601). */
  createdAt: string;
  /** Net of everything before `from`. */
  openingBalanceCents: number;
  entries: StatementEntry[];
}

export function closingBalanceCents(s: Pick<CollectionStatement, 'openingBalanceCents' | 'entries'>): number {
  return s.entries.reduce((sum, e) => sum + e.amountCents, s.openingBalanceCents);
}

/** The text a payer would have put in the transfer: what the statement tells about the invoice. */
export function remittanceText(e: StatementEntry): string {
  return [e.invoiceReference ? `REF ${e.invoiceReference}` : null, `INVOICE ${e.invoiceNumber}`, `ID ${e.invoiceId}`].filter(Boolean).join(' ');
}
