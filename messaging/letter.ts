import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { printedPaymentReference } from '../domain/payment-reference';
import type { Debtor } from '../domain/schemas';
import { letterLabels } from './letter-texts';
import { renderEmail, type Locale, type MessageContext } from './templates';

/**
 * A postal letter: everything needed to print it, stored with the letter in the print queue so a
 * print batch can be rendered again any day with exactly the content of the day it was queued.
 */
export interface LetterContent {
  locale: Locale;
  /** The letter's date, YYYY-MM-DD. */
  date: string;
  recipient: { lines: string[] };
  creditor: { name: string; email?: string; phone?: string; iban?: string; bic?: string; holder?: string };
  invoiceNumber: string;
  paymentReference: string;
  amounts: { total: string; paid: string; credited?: string; fees: string; due: string };
  subject: string;
  /** The body's paragraphs (the email's wording). */
  paragraphs: string[];
  portalUrl: string;
}

/** Why a debtor's address cannot take a letter: none at all (skipped), or one lacking a line (the send fails). */
export type LetterAddressProblem = { kind: 'no_address' } | { kind: 'incomplete'; missing: string[] };

const addressLines = ['street', 'postal_code', 'city', 'country'] as const;

export function letterAddressProblem(debtor: Debtor): LetterAddressProblem | null {
  const address = debtor.address as Partial<Record<(typeof addressLines)[number], unknown>> | undefined | null;
  if (!address) return { kind: 'no_address' };
  const missing = addressLines.filter((line) => typeof address[line] !== 'string' || (address[line] as string).trim() === '');
  return missing.length > 0 ? { kind: 'incomplete', missing } : null;
}

/**
 * The address block as the post reads it: the name(s), street, postal code and city, and the
 * country in capitals when the letter crosses a border (UPU rules; the sender's country is implied).
 */
export function recipientLines(debtor: Debtor, senderCountry: string, senderLocale: Locale): string[] {
  const address = debtor.address!;
  const person = [debtor.first_name, debtor.last_name].filter(Boolean).join(' ');
  const names = [debtor.organization_name, person].filter((n): n is string => Boolean(n));
  const lines = [...names, address.street, `${address.postal_code} ${address.city}`];
  if (address.country.toUpperCase() !== senderCountry.toUpperCase()) {
    const country = new Intl.DisplayNames([senderLocale], { type: 'region' }).of(address.country.toUpperCase()) ?? address.country;
    lines.push(country.toUpperCase());
  }
  return lines;
}

/** The one-line form of the address, kept as the message's recipient. */
export function recipientOneLine(content: Pick<LetterContent, 'recipient'>): string {
  return content.recipient.lines.join(', ');
}

/** The subject and paragraphs of the email for the same message, without the email-only footer. */
export function letterWording(context: MessageContext): { subject: string; paragraphs: string[] } {
  const email = renderEmail(context);
  const body = email.text.split('\n--\n')[0]!;
  return { subject: email.subject, paragraphs: body.split('\n\n').map((p) => p.trim()).filter(Boolean) };
}

// DIN 5008 / DIN 676 type B on A4, in points: the address window of a C5/6 or DL window envelope.
const mm = (v: number) => (v * 72) / 25.4;
export const letterLayout = {
  page: { width: 595.28, height: 841.89 },
  /** Left 20 mm, top 45 mm, 85 × 45 mm. */
  window: { x: mm(20), y: mm(45), width: mm(85), height: mm(45) },
  margin: { left: mm(25), right: mm(20), top: mm(20), bottom: mm(20) },
} as const;

/** One PDF holding one letter. */
export async function renderLetterPdf(letter: LetterContent): Promise<Buffer> {
  return renderLettersPdf([letter]);
}

/** One PDF holding every letter, each starting on a new page (a print batch). */
export async function renderLettersPdf(letters: readonly LetterContent[]): Promise<Buffer> {
  const qrCodes = await Promise.all(letters.map((l) => QRCode.toBuffer(l.portalUrl, { type: 'png', errorCorrectionLevel: 'M', margin: 1, width: 240 })));
  const doc = new PDFDocument({
    size: 'A4',
    autoFirstPage: false,
    margins: letterLayout.margin,
    // A fixed date keeps the bytes of a batch the same every time it is rendered.
    info: { Title: letters.length === 1 ? letters[0]!.subject : `Print batch (${letters.length} letters)`, Producer: 'Recoup', Creator: 'Recoup', CreationDate: new Date(`${letters[0]?.date ?? '2000-01-01'}T00:00:00Z`) },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  letters.forEach((letter, i) => drawLetter(doc, letter, qrCodes[i]!));
  doc.end();
  return done;
}

/**
 * The standard PDF fonts encode WinAnsi only: a narrow no-break space (French number format)
 * becomes a plain no-break space so amounts print as they read.
 */
function printable(s: string): string {
  return s.replace(/[\u202f\u2009]/g, '\u00a0');
}

function drawLetter(doc: PDFKit.PDFDocument, letter: LetterContent, qr: Buffer): void {
  const labels = letterLabels[letter.locale];
  const { window, margin, page } = letterLayout;
  const contentWidth = page.width - margin.left - margin.right;
  doc.addPage({ size: 'A4', margins: margin });

  // Letterhead: the creditor, top right.
  const headX = mm(120);
  const headWidth = page.width - margin.right - headX;
  doc.font('Helvetica-Bold').fontSize(11).text(printable(letter.creditor.name), headX, margin.top, { width: headWidth });
  doc.font('Helvetica').fontSize(8.5);
  const contact = [letter.creditor.email, letter.creditor.phone].filter(Boolean).join(' · ');
  if (contact) doc.text(printable(contact), { width: headWidth });
  if (letter.creditor.iban) doc.text(`IBAN ${letter.creditor.iban}${letter.creditor.bic ? ` · BIC ${letter.creditor.bic}` : ''}`, { width: headWidth });

  // The window: a small return line, then the recipient, all inside the envelope's window.
  const inset = mm(5);
  doc.font('Helvetica').fontSize(7).text(printable(letter.creditor.name), window.x + inset, window.y + mm(3), { width: window.width - 2 * inset, lineBreak: false, ellipsis: true });
  doc.fontSize(10);
  let y = window.y + mm(12);
  for (const line of letter.recipient.lines.slice(0, 6)) {
    doc.text(printable(line), window.x + inset, y, { width: window.width - 2 * inset, lineBreak: false, ellipsis: true });
    y += doc.currentLineHeight(true);
  }

  // Reference block right of the window: date, invoice number, payment reference.
  const refX = mm(125);
  const refWidth = page.width - margin.right - refX;
  doc.fontSize(9);
  let ry = window.y + mm(12);
  for (const [label, value] of [
    [labels.date, letter.date],
    [labels.invoiceNumber, letter.invoiceNumber],
    [labels.paymentReference, printedPaymentReference(letter.paymentReference)],
  ] as const) {
    doc.font('Helvetica-Bold').text(printable(label), refX, ry, { width: refWidth });
    doc.font('Helvetica').text(printable(value), refX, doc.y, { width: refWidth });
    ry = doc.y + 4;
  }

  // Subject and body (the email's wording).
  doc.font('Helvetica-Bold').fontSize(12).text(printable(letter.subject), margin.left, window.y + window.height + mm(12), { width: contentWidth });
  doc.moveDown(0.8).font('Helvetica').fontSize(10);
  for (const paragraph of letter.paragraphs) doc.text(printable(paragraph), margin.left, doc.y, { width: contentWidth }).moveDown(0.6);

  // Amounts.
  doc.moveDown(0.4);
  const rows: Array<[string, string, boolean]> = [
    [labels.total, letter.amounts.total, false],
    [labels.paid, letter.amounts.paid, false],
    ...(letter.amounts.credited ? [[labels.credited, letter.amounts.credited, false] as [string, string, boolean]] : []),
    [labels.fees, letter.amounts.fees, false],
    [labels.due, letter.amounts.due, true],
  ];
  const labelWidth = mm(60);
  const amountWidth = mm(35);
  for (const [label, amount, strong] of rows) {
    const rowY = doc.y;
    doc.font(strong ? 'Helvetica-Bold' : 'Helvetica').text(printable(label), margin.left, rowY, { width: labelWidth });
    doc.text(printable(amount), margin.left + labelWidth, rowY, { width: amountWidth, align: 'right' });
  }

  // How to pay: the account, the reference, and the portal (link and QR code).
  doc.moveDown(1);
  const payY = doc.y;
  const qrSize = mm(30);
  const payWidth = contentWidth - qrSize - mm(8);
  doc.font('Helvetica').fontSize(9.5);
  if (letter.creditor.iban) {
    doc.text(printable(`${labels.payTo}: ${letter.creditor.holder ?? letter.creditor.name}, IBAN ${letter.creditor.iban}`), margin.left, payY, { width: payWidth });
  }
  doc.text(printable(`${labels.paymentReference}: ${printedPaymentReference(letter.paymentReference)}`), margin.left, doc.y, { width: payWidth });
  doc.moveDown(0.5).text(letter.portalUrl, margin.left, doc.y, { width: payWidth, link: letter.portalUrl });
  const qrX = page.width - margin.right - qrSize;
  doc.image(qr, qrX, payY, { width: qrSize, height: qrSize });
  doc.fontSize(7).text(printable(labels.scanToPay), qrX - mm(5), payY + qrSize + 2, { width: qrSize + mm(10), align: 'center' });
}
