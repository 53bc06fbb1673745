import type { Locale } from './templates';

/**
 * Labels only a printed letter has (the amounts table, the reference block, the QR caption). The
 * letter's subject and body come from messaging/templates.ts, the same wording as the email.
 */
export interface LetterLabels {
  date: string;
  invoiceNumber: string;
  paymentReference: string;
  total: string;
  paid: string;
  credited: string;
  fees: string;
  due: string;
  payTo: string;
  scanToPay: string;
  contact: string;
}

export const letterLabels: Record<Locale, LetterLabels> = {
  en: {
    date: 'Date',
    invoiceNumber: 'Invoice number',
    paymentReference: 'Payment reference',
    total: 'Invoice total',
    paid: 'Paid',
    credited: 'Credited',
    fees: 'Fees',
    due: 'Amount due',
    payTo: 'Please transfer the amount due to',
    scanToPay: 'Scan to view and pay online',
    contact: 'Contact',
  },
  nl: {
    date: 'Datum',
    invoiceNumber: 'Factuurnummer',
    paymentReference: 'Betalingskenmerk',
    total: 'Factuurbedrag',
    paid: 'Betaald',
    credited: 'Gecrediteerd',
    fees: 'Kosten',
    due: 'Te betalen',
    payTo: 'Maak het openstaande bedrag over naar',
    scanToPay: 'Scan om online te bekijken en te betalen',
    contact: 'Contact',
  },
  de: {
    date: 'Datum',
    invoiceNumber: 'Rechnungsnummer',
    paymentReference: 'Zahlungsreferenz',
    total: 'Rechnungsbetrag',
    paid: 'Bezahlt',
    credited: 'Gutgeschrieben',
    fees: 'Gebühren',
    due: 'Offener Betrag',
    payTo: 'Bitte überweisen Sie den offenen Betrag an',
    scanToPay: 'Scannen, um online anzusehen und zu zahlen',
    contact: 'Kontakt',
  },
  fr: {
    date: 'Date',
    invoiceNumber: 'Numéro de facture',
    paymentReference: 'Référence de paiement',
    total: 'Montant de la facture',
    paid: 'Payé',
    credited: 'Crédité',
    fees: 'Frais',
    due: 'Montant dû',
    payTo: 'Merci de virer le montant dû sur le compte',
    scanToPay: 'Scannez pour consulter et payer en ligne',
    contact: 'Contact',
  },
};
