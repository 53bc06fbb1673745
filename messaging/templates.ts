import { printedPaymentReference } from '../domain/payment-reference';

/** Message texts per kind and language. Rendering is pure: the same input gives the same message. */
export type MessageKind = 'invoice_notice' | 'reminder' | 'dunning_notice' | 'installment_reminder';
export type Locale = 'nl' | 'en' | 'de' | 'fr';

export interface MessageContext {
  kind: MessageKind;
  locale: Locale;
  companyName: string;
  debtorName: string;
  invoiceNumber: string;
  amountDue: string;
  dueDate: string;
  portalUrl: string;
  /** The invoice's RF payment reference: a bank transfer naming it is matched to this invoice. */
  paymentReference: string;
  dunningLevel?: number;
  fee?: string;
  /** A fee announced by this notice, charged if unpaid after its notice period. */
  announcedFee?: string;
  /** The last day to pay to avoid the announced fee (paced runs; older runs announced the 14 days only). */
  feePayBy?: string;
  /** The announced fee is the statutory one to a consumer: the notice states its 14 days. */
  statutoryFee?: boolean;
  installmentAmount?: string;
  installmentDueDate?: string;
}

const announcedFeeText: Record<Locale, (c: MessageContext) => string> = {
  en: (c) => `If you do not pay within 14 days of receiving this notice, collection costs of ${c.announcedFee} will be charged.`,
  nl: (c) => `Betaalt u niet binnen 14 dagen na ontvangst van deze aanmaning, dan worden incassokosten van ${c.announcedFee} in rekening gebracht.`,
  de: (c) => `Zahlen Sie nicht innerhalb von 14 Tagen nach Erhalt dieser Mahnung, werden Inkassokosten von ${c.announcedFee} berechnet.`,
  fr: (c) => `Sans paiement dans les 14 jours suivant la réception de cet avis, des frais de recouvrement de ${c.announcedFee} seront facturés.`,
};

/** An announced fee with the day to pay by: the statutory fee with its 14 days, any other fee with its date. */
const payByFeeText: Record<Locale, { statutory: (c: MessageContext) => string; fee: (c: MessageContext) => string; sms: (c: MessageContext) => string }> = {
  en: {
    statutory: (c) => `If you do not pay within 14 days from the day after you receive this notice, that is by ${c.feePayBy} at the latest, collection costs of ${c.announcedFee} will be charged.`,
    fee: (c) => `If you do not pay by ${c.feePayBy}, a fee of ${c.announcedFee} will be charged.`,
    sms: (c) => `Unpaid after ${c.feePayBy}: ${c.announcedFee} costs.`,
  },
  nl: {
    statutory: (c) => `Betaalt u niet binnen 14 dagen na de dag van ontvangst van deze aanmaning, dus uiterlijk ${c.feePayBy}, dan worden incassokosten van ${c.announcedFee} in rekening gebracht.`,
    fee: (c) => `Betaalt u niet uiterlijk ${c.feePayBy}, dan worden kosten van ${c.announcedFee} in rekening gebracht.`,
    sms: (c) => `Na ${c.feePayBy} onbetaald: ${c.announcedFee} kosten.`,
  },
  de: {
    statutory: (c) => `Zahlen Sie nicht innerhalb von 14 Tagen ab dem Tag nach Erhalt dieser Mahnung, also spätestens am ${c.feePayBy}, werden Inkassokosten von ${c.announcedFee} berechnet.`,
    fee: (c) => `Zahlen Sie nicht bis zum ${c.feePayBy}, wird eine Gebühr von ${c.announcedFee} berechnet.`,
    sms: (c) => `Nach dem ${c.feePayBy} unbezahlt: ${c.announcedFee} Kosten.`,
  },
  fr: {
    statutory: (c) => `Sans paiement dans les 14 jours à compter du lendemain de la réception de cet avis, soit au plus tard le ${c.feePayBy}, des frais de recouvrement de ${c.announcedFee} seront facturés.`,
    fee: (c) => `Sans paiement au plus tard le ${c.feePayBy}, des frais de ${c.announcedFee} seront facturés.`,
    sms: (c) => `Impayé après le ${c.feePayBy} : ${c.announcedFee} de frais.`,
  },
};

function announcement(c: MessageContext): string | null {
  if (!c.announcedFee) return null;
  if (!c.feePayBy) return announcedFeeText[c.locale](c);
  return c.statutoryFee ? payByFeeText[c.locale].statutory(c) : payByFeeText[c.locale].fee(c);
}

/** How to pay by bank transfer, in every email; the SMS carries the reference after a short label. */
const paymentReferenceText: Record<Locale, { email: (ref: string) => string; sms: string }> = {
  en: { email: (ref) => `Paying by bank transfer? State payment reference ${ref}.`, sms: 'Ref' },
  nl: { email: (ref) => `Betaalt u per overschrijving? Vermeld betalingskenmerk ${ref}.`, sms: 'Kenmerk' },
  de: { email: (ref) => `Zahlen Sie per Überweisung? Geben Sie die Zahlungsreferenz ${ref} an.`, sms: 'Ref' },
  fr: { email: (ref) => `Paiement par virement ? Indiquez la référence de paiement ${ref}.`, sms: 'Réf' },
};

interface Texts {
  subject: (c: MessageContext) => string;
  intro: (c: MessageContext) => string;
  cta: string;
  greeting: (name: string) => string;
  sms: (c: MessageContext) => string;
  unsubscribe: string;
}

const texts: Record<Locale, Record<MessageKind, Omit<Texts, 'greeting' | 'cta' | 'unsubscribe'>> & Pick<Texts, 'greeting' | 'cta' | 'unsubscribe'>> = {
  en: {
    greeting: (n) => `Dear ${n},`,
    cta: 'View and pay your invoice',
    unsubscribe: 'You receive this message because an invoice in your name is open.',
    invoice_notice: {
      subject: (c) => `Invoice ${c.invoiceNumber} from ${c.companyName}`,
      intro: (c) => `${c.companyName} sent you invoice ${c.invoiceNumber} for ${c.amountDue}, due on ${c.dueDate}.`,
      sms: (c) => `${c.companyName}: invoice ${c.invoiceNumber} for ${c.amountDue} is due on ${c.dueDate}. Pay: ${c.portalUrl}`,
    },
    reminder: {
      subject: (c) => `Reminder: invoice ${c.invoiceNumber} from ${c.companyName}`,
      intro: (c) => `This is a friendly reminder that invoice ${c.invoiceNumber} of ${c.companyName} for ${c.amountDue} is due on ${c.dueDate}.`,
      sms: (c) => `${c.companyName}: reminder, ${c.amountDue} for invoice ${c.invoiceNumber} is still open. Pay: ${c.portalUrl}`,
    },
    installment_reminder: {
      subject: (c) => `Installment due: invoice ${c.invoiceNumber}`,
      intro: (c) => `Your installment of ${c.installmentAmount} for invoice ${c.invoiceNumber} of ${c.companyName} is due on ${c.installmentDueDate}.`,
      sms: (c) => `${c.companyName}: installment of ${c.installmentAmount} due ${c.installmentDueDate}. Pay: ${c.portalUrl}`,
    },
    dunning_notice: {
      subject: (c) => `Payment demand (level ${c.dunningLevel}): invoice ${c.invoiceNumber}`,
      intro: (c) => `Invoice ${c.invoiceNumber} of ${c.companyName} is overdue. ${c.amountDue} is now due${c.fee ? `, including a fee of ${c.fee}` : ''}. Please pay at once.`,
      sms: (c) => `${c.companyName}: invoice ${c.invoiceNumber} is overdue, ${c.amountDue} due now. Pay: ${c.portalUrl}`,
    },
  },
  nl: {
    greeting: (n) => `Beste ${n},`,
    cta: 'Bekijk en betaal uw factuur',
    unsubscribe: 'U ontvangt dit bericht omdat er een factuur op uw naam openstaat.',
    invoice_notice: {
      subject: (c) => `Factuur ${c.invoiceNumber} van ${c.companyName}`,
      intro: (c) => `${c.companyName} stuurt u factuur ${c.invoiceNumber} van ${c.amountDue}, te betalen uiterlijk ${c.dueDate}.`,
      sms: (c) => `${c.companyName}: factuur ${c.invoiceNumber} van ${c.amountDue} vervalt op ${c.dueDate}. Betaal: ${c.portalUrl}`,
    },
    reminder: {
      subject: (c) => `Herinnering: factuur ${c.invoiceNumber} van ${c.companyName}`,
      intro: (c) => `Een vriendelijke herinnering: factuur ${c.invoiceNumber} van ${c.companyName} (${c.amountDue}) vervalt op ${c.dueDate}.`,
      sms: (c) => `${c.companyName}: herinnering, ${c.amountDue} voor factuur ${c.invoiceNumber} staat nog open. Betaal: ${c.portalUrl}`,
    },
    installment_reminder: {
      subject: (c) => `Termijn te betalen: factuur ${c.invoiceNumber}`,
      intro: (c) => `Uw termijn van ${c.installmentAmount} voor factuur ${c.invoiceNumber} van ${c.companyName} vervalt op ${c.installmentDueDate}.`,
      sms: (c) => `${c.companyName}: termijn van ${c.installmentAmount} vervalt ${c.installmentDueDate}. Betaal: ${c.portalUrl}`,
    },
    dunning_notice: {
      subject: (c) => `Aanmaning (niveau ${c.dunningLevel}): factuur ${c.invoiceNumber}`,
      intro: (c) => `Factuur ${c.invoiceNumber} van ${c.companyName} is verlopen. Er staat nu ${c.amountDue} open${c.fee ? `, inclusief ${c.fee} kosten` : ''}. Betaal zo snel mogelijk.`,
      sms: (c) => `${c.companyName}: factuur ${c.invoiceNumber} is verlopen, nu ${c.amountDue} open. Betaal: ${c.portalUrl}`,
    },
  },
  de: {
    greeting: (n) => `Guten Tag ${n},`,
    cta: 'Rechnung ansehen und bezahlen',
    unsubscribe: 'Sie erhalten diese Nachricht, weil eine Rechnung auf Ihren Namen offen ist.',
    invoice_notice: {
      subject: (c) => `Rechnung ${c.invoiceNumber} von ${c.companyName}`,
      intro: (c) => `${c.companyName} hat Ihnen die Rechnung ${c.invoiceNumber} über ${c.amountDue} gesendet, fällig am ${c.dueDate}.`,
      sms: (c) => `${c.companyName}: Rechnung ${c.invoiceNumber} über ${c.amountDue} ist am ${c.dueDate} fällig. Zahlen: ${c.portalUrl}`,
    },
    reminder: {
      subject: (c) => `Erinnerung: Rechnung ${c.invoiceNumber} von ${c.companyName}`,
      intro: (c) => `Eine freundliche Erinnerung: Rechnung ${c.invoiceNumber} von ${c.companyName} über ${c.amountDue} ist am ${c.dueDate} fällig.`,
      sms: (c) => `${c.companyName}: Erinnerung, ${c.amountDue} für Rechnung ${c.invoiceNumber} ist noch offen. Zahlen: ${c.portalUrl}`,
    },
    installment_reminder: {
      subject: (c) => `Rate fällig: Rechnung ${c.invoiceNumber}`,
      intro: (c) => `Ihre Rate von ${c.installmentAmount} für Rechnung ${c.invoiceNumber} von ${c.companyName} ist am ${c.installmentDueDate} fällig.`,
      sms: (c) => `${c.companyName}: Rate von ${c.installmentAmount} fällig am ${c.installmentDueDate}. Zahlen: ${c.portalUrl}`,
    },
    dunning_notice: {
      subject: (c) => `Mahnung (Stufe ${c.dunningLevel}): Rechnung ${c.invoiceNumber}`,
      intro: (c) => `Rechnung ${c.invoiceNumber} von ${c.companyName} ist überfällig. Offen sind jetzt ${c.amountDue}${c.fee ? `, einschließlich ${c.fee} Gebühr` : ''}. Bitte zahlen Sie umgehend.`,
      sms: (c) => `${c.companyName}: Rechnung ${c.invoiceNumber} ist überfällig, ${c.amountDue} offen. Zahlen: ${c.portalUrl}`,
    },
  },
  fr: {
    greeting: (n) => `Bonjour ${n},`,
    cta: 'Voir et payer votre facture',
    unsubscribe: 'Vous recevez ce message car une facture à votre nom est ouverte.',
    invoice_notice: {
      subject: (c) => `Facture ${c.invoiceNumber} de ${c.companyName}`,
      intro: (c) => `${c.companyName} vous a envoyé la facture ${c.invoiceNumber} de ${c.amountDue}, à payer avant le ${c.dueDate}.`,
      sms: (c) => `${c.companyName} : la facture ${c.invoiceNumber} de ${c.amountDue} est due le ${c.dueDate}. Payer : ${c.portalUrl}`,
    },
    reminder: {
      subject: (c) => `Rappel : facture ${c.invoiceNumber} de ${c.companyName}`,
      intro: (c) => `Petit rappel : la facture ${c.invoiceNumber} de ${c.companyName} de ${c.amountDue} est due le ${c.dueDate}.`,
      sms: (c) => `${c.companyName} : rappel, ${c.amountDue} reste dû pour la facture ${c.invoiceNumber}. Payer : ${c.portalUrl}`,
    },
    installment_reminder: {
      subject: (c) => `Échéance : facture ${c.invoiceNumber}`,
      intro: (c) => `Votre échéance de ${c.installmentAmount} pour la facture ${c.invoiceNumber} de ${c.companyName} est due le ${c.installmentDueDate}.`,
      sms: (c) => `${c.companyName} : échéance de ${c.installmentAmount} due le ${c.installmentDueDate}. Payer : ${c.portalUrl}`,
    },
    dunning_notice: {
      subject: (c) => `Mise en demeure (niveau ${c.dunningLevel}) : facture ${c.invoiceNumber}`,
      intro: (c) => `La facture ${c.invoiceNumber} de ${c.companyName} est en retard. ${c.amountDue} est maintenant dû${c.fee ? `, dont ${c.fee} de frais` : ''}. Merci de payer sans délai.`,
      sms: (c) => `${c.companyName} : facture ${c.invoiceNumber} en retard, ${c.amountDue} dû. Payer : ${c.portalUrl}`,
    },
  },
};

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export function renderEmail(c: MessageContext): RenderedEmail {
  const lang = texts[c.locale];
  const t = lang[c.kind];
  const subject = t.subject(c);
  const announced = announcement(c);
  const intro = announced ? `${t.intro(c)} ${announced}` : t.intro(c);
  const reference = paymentReferenceText[c.locale].email(printedPaymentReference(c.paymentReference));
  const text = `${lang.greeting(c.debtorName)}\n\n${intro}\n\n${lang.cta}: ${c.portalUrl}\n\n${reference}\n\n${c.companyName}\n\n--\n${lang.unsubscribe}\n`;
  const html = `<!doctype html><html lang="${c.locale}"><body style="font-family:sans-serif;max-width:560px;margin:auto">
<p>${escapeHtml(lang.greeting(c.debtorName))}</p>
<p>${escapeHtml(intro)}</p>
<p>${escapeHtml(reference)}</p>
<p><a href="${escapeHtml(c.portalUrl)}" style="display:inline-block;padding:12px 20px;background:#0a5;color:#fff;text-decoration:none;border-radius:6px">${escapeHtml(lang.cta)}</a></p>
<p>${escapeHtml(c.companyName)}</p>
<hr><p style="color:#666;font-size:12px">${escapeHtml(lang.unsubscribe)}</p>
</body></html>`;
  return { subject, text, html };
}

/** One invoice's line in a digest: what its own message would say (with an announced fee and its date). */
function digestLine(c: MessageContext): string {
  const announced = announcement(c);
  return announced ? `${texts[c.locale][c.kind].intro(c)} ${announced}` : texts[c.locale][c.kind].intro(c);
}

const digestTexts: Record<Locale, { subject: (n: number, company: string) => string; intro: (n: number, company: string) => string; cta: string; sms: (n: number, company: string, url: string) => string }> = {
  en: {
    subject: (n, co) => `${n} open invoices from ${co}`,
    intro: (n, co) => `You have ${n} open invoices from ${co}:`,
    cta: 'View and pay your invoices',
    sms: (n, co, url) => `${co}: ${n} invoices are open. View and pay: ${url}`,
  },
  nl: {
    subject: (n, co) => `${n} openstaande facturen van ${co}`,
    intro: (n, co) => `U heeft ${n} openstaande facturen van ${co}:`,
    cta: 'Bekijk en betaal uw facturen',
    sms: (n, co, url) => `${co}: ${n} facturen staan open. Bekijk en betaal: ${url}`,
  },
  de: {
    subject: (n, co) => `${n} offene Rechnungen von ${co}`,
    intro: (n, co) => `Sie haben ${n} offene Rechnungen von ${co}:`,
    cta: 'Rechnungen ansehen und bezahlen',
    sms: (n, co, url) => `${co}: ${n} Rechnungen sind offen. Ansehen und zahlen: ${url}`,
  },
  fr: {
    subject: (n, co) => `${n} factures ouvertes de ${co}`,
    intro: (n, co) => `Vous avez ${n} factures ouvertes de ${co} :`,
    cta: 'Voir et payer vos factures',
    sms: (n, co, url) => `${co} : ${n} factures sont ouvertes. Voir et payer : ${url}`,
  },
};

/**
 * One message for several invoices of one debtor (a digest): every invoice with its amount due and
 * what its step says (reminder, dunning notice with its announced fee and pay-by date, ...), each
 * with its portal link and payment reference. `items` share the locale, company and debtor.
 */
export function renderDigestEmail(items: readonly MessageContext[]): RenderedEmail {
  const first = items[0]!;
  const lang = texts[first.locale];
  const d = digestTexts[first.locale];
  const lines = items.map((c) => ({ text: digestLine(c), reference: paymentReferenceText[c.locale].email(printedPaymentReference(c.paymentReference)), url: c.portalUrl }));
  const subject = d.subject(items.length, first.companyName);
  const list = lines.map((l) => `- ${l.text}\n  ${l.reference}\n  ${lang.cta}: ${l.url}`).join('\n\n');
  const text = `${lang.greeting(first.debtorName)}\n\n${d.intro(items.length, first.companyName)}\n\n${list}\n\n${first.companyName}\n\n--\n${lang.unsubscribe}\n`;
  const html = `<!doctype html><html lang="${first.locale}"><body style="font-family:sans-serif;max-width:560px;margin:auto">
<p>${escapeHtml(lang.greeting(first.debtorName))}</p>
<p>${escapeHtml(d.intro(items.length, first.companyName))}</p>
<ul>
${lines.map((l) => `<li><p>${escapeHtml(l.text)}</p><p>${escapeHtml(l.reference)}</p><p><a href="${escapeHtml(l.url)}">${escapeHtml(lang.cta)}</a></p></li>`).join('\n')}
</ul>
<p><a href="${escapeHtml(first.portalUrl)}" style="display:inline-block;padding:12px 20px;background:#0a5;color:#fff;text-decoration:none;border-radius:6px">${escapeHtml(d.cta)}</a></p>
<p>${escapeHtml(first.companyName)}</p>
<hr><p style="color:#666;font-size:12px">${escapeHtml(lang.unsubscribe)}</p>
</body></html>`;
  return { subject, text, html };
}

/**
 * A digest by SMS: short, the count and the (first invoice's) portal link; an announced fee with its
 * date for each invoice whose step announces one, since the SMS may be the notice that reached the debtor.
 */
export function renderDigestSms(items: readonly MessageContext[]): string {
  const first = items[0]!;
  const fees = items.filter((c) => c.announcedFee && c.feePayBy).map((c) => ` ${c.invoiceNumber}: ${payByFeeText[c.locale].sms(c)}`);
  return `${digestTexts[first.locale].sms(items.length, first.companyName, first.portalUrl)}${fees.join('')}`;
}

export function renderSms(c: MessageContext): string {
  // An SMS can be the notice that reached the debtor: it states an announced fee and its date too.
  const announced = c.announcedFee && c.feePayBy ? ` ${payByFeeText[c.locale].sms(c)}` : '';
  return `${texts[c.locale][c.kind].sms(c)}${announced} ${paymentReferenceText[c.locale].sms}: ${c.paymentReference}`;
}

export function formatMoney(cents: number, currency: string, locale: Locale): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(cents / 100);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}
