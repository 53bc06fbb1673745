import { escapeHtml, type Locale } from './templates';

/**
 * The confirmation of a contact change made in the portal, sent to the previous email address or
 * phone number with a link that undoes the change. It names the channel that changed, never the
 * new address: whoever changed it may not be the debtor.
 */
export interface ContactChangeContext {
  locale: Locale;
  companyName: string;
  invoiceNumber: string;
  /** What changed: `email`, `phone` or both. */
  changed: ('email' | 'phone')[];
  undoUrl: string;
}

interface Texts {
  subject: (c: ContactChangeContext) => string;
  what: Record<'email' | 'phone' | 'both', string>;
  body: (what: string, c: ContactChangeContext) => string;
  undo: string;
  sms: (what: string, c: ContactChangeContext) => string;
}

const texts: Record<Locale, Texts> = {
  en: {
    subject: (c) => `Your contact details for invoice ${c.invoiceNumber} were changed`,
    what: { email: 'email address', phone: 'phone number', both: 'email address and phone number' },
    body: (what, c) => `The ${what} for invoice ${c.invoiceNumber} of ${c.companyName} was changed in the payment portal. Was this not you? Undo the change with the link below; messages then come here again.`,
    undo: 'Undo this change',
    sms: (what, c) => `${c.companyName}: the ${what} for invoice ${c.invoiceNumber} was changed. Not you? Undo: ${c.undoUrl}`,
  },
  nl: {
    subject: (c) => `Uw contactgegevens voor factuur ${c.invoiceNumber} zijn gewijzigd`,
    what: { email: 'e-mailadres', phone: 'telefoonnummer', both: 'e-mailadres en telefoonnummer' },
    body: (what, c) => `Het ${what} voor factuur ${c.invoiceNumber} van ${c.companyName} is gewijzigd in het betaalportaal. Was u dit niet? Maak de wijziging ongedaan met de link hieronder; berichten komen dan weer hier.`,
    undo: 'Wijziging ongedaan maken',
    sms: (what, c) => `${c.companyName}: het ${what} voor factuur ${c.invoiceNumber} is gewijzigd. Niet u? Ongedaan maken: ${c.undoUrl}`,
  },
  de: {
    subject: (c) => `Ihre Kontaktdaten für Rechnung ${c.invoiceNumber} wurden geändert`,
    what: { email: 'E-Mail-Adresse', phone: 'Telefonnummer', both: 'E-Mail-Adresse und Telefonnummer' },
    body: (what, c) => `Die ${what} für Rechnung ${c.invoiceNumber} von ${c.companyName} wurde im Zahlungsportal geändert. Waren Sie das nicht? Machen Sie die Änderung mit dem Link unten rückgängig; Nachrichten kommen dann wieder hierher.`,
    undo: 'Änderung rückgängig machen',
    sms: (what, c) => `${c.companyName}: Die ${what} für Rechnung ${c.invoiceNumber} wurde geändert. Nicht Sie? Rückgängig: ${c.undoUrl}`,
  },
  fr: {
    subject: (c) => `Vos coordonnées pour la facture ${c.invoiceNumber} ont été modifiées`,
    what: { email: 'adresse e-mail', phone: 'numéro de téléphone', both: 'adresse e-mail et numéro de téléphone' },
    body: (what, c) => `Les coordonnées (${what}) pour la facture ${c.invoiceNumber} de ${c.companyName} ont été modifiées dans le portail de paiement. Ce n’était pas vous ? Annulez la modification avec le lien ci-dessous ; les messages reviendront ici.`,
    undo: 'Annuler cette modification',
    sms: (what, c) => `${c.companyName} : coordonnées (${what}) de la facture ${c.invoiceNumber} modifiées. Pas vous ? Annuler : ${c.undoUrl}`,
  },
};

function whatChanged(c: ContactChangeContext): string {
  const t = texts[c.locale];
  return c.changed.length > 1 ? t.what.both : t.what[c.changed[0] ?? 'email'];
}

export function renderContactChangeEmail(c: ContactChangeContext): { subject: string; text: string; html: string } {
  const t = texts[c.locale];
  const body = t.body(whatChanged(c), c);
  const text = `${body}\n\n${t.undo}: ${c.undoUrl}\n\n${c.companyName}\n`;
  const html = `<!doctype html><html lang="${c.locale}"><body style="font-family:sans-serif;max-width:560px;margin:auto">
<p>${escapeHtml(body)}</p>
<p><a href="${escapeHtml(c.undoUrl)}">${escapeHtml(t.undo)}</a></p>
<p>${escapeHtml(c.companyName)}</p>
</body></html>`;
  return { subject: t.subject(c), text, html };
}

export function renderContactChangeSms(c: ContactChangeContext): string {
  return texts[c.locale].sms(whatChanged(c), c);
}
