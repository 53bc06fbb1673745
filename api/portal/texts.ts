import type { InvoiceStatus } from '../../domain/invoice-status';
import type { Locale } from '../../messaging/templates';

/**
 * Every text of the debtor portal, in the four languages debtors are written to. Values in
 * `TextParams` arrive formatted (money and dates in the debtor's locale) and are HTML-escaped by the views.
 */
export interface TextParams {
  amount?: string;
  min?: string;
  max?: string;
  date?: string;
  company?: string;
  count?: string;
  /** Invoice numbers, already joined. */
  invoices?: string;
}
type T = (p: TextParams) => string;

export const noticeCodes = [
  'payment_success',
  'payment_cancelled',
  'payment_failed',
  'promise_made',
  'plan_created',
  'plan_proposed',
  'plan_none',
  'contact_saved',
  'contact_restored',
  'opted_out_email',
  'opted_out_sms',
  'opted_in_email',
  'opted_in_sms',
  'dispute_opened',
] as const;
export type NoticeCode = (typeof noticeCodes)[number];

export type ProblemCode =
  | 'form_expired'
  | 'amount_invalid'
  | 'amount_too_low'
  | 'amount_too_high'
  | 'date_invalid'
  | 'promise_not_allowed'
  | 'plan_not_allowed'
  | 'count_invalid'
  | 'money_invalid'
  | 'arrangement_in_place'
  | 'on_hold'
  | 'closed'
  | 'in_debt_collection'
  | 'email_invalid'
  | 'phone_invalid'
  | 'contact_empty'
  | 'contact_taken'
  | 'provider_unavailable'
  | 'invoices_none'
  | 'invoice_not_in_account'
  | 'arrangement_partly'
  | 'dispute_reason_missing'
  | 'dispute_too_long'
  | 'dispute_open'
  | 'dispute_not_possible'
  | 'unavailable';

export interface PortalTexts {
  title: T;
  invoice: string;
  paymentReference: string;
  issueDate: string;
  dueDate: string;
  lines: string;
  total: string;
  fees: string;
  paid: string;
  credited: string;
  amountDue: string;
  status: string;
  statuses: Record<InvoiceStatus, string>;
  closedNote: string;
  debtCollectionNote: string;
  onHoldNote: T;
  disputedNote: T;
  promiseInPlace: T;
  planInPlace: string;
  installment: T;
  pay: { heading: string; intro: string; amount: string; button: string };
  /** The debtor's account: every open invoice at the company, and the choice of invoices in each form. */
  account: { heading: T; intro: string; total: string; choose: string; amountHint: string; invoiceLine: T };
  promise: { heading: string; intro: string; date: string; button: string };
  plan: { heading: string; intro: T; count: string; firstDate: string; button: string };
  budget: { heading: string; intro: string; income: string; expenses: string; button: string; proposal: T; accept: string };
  contact: { heading: string; intro: string; email: string; phone: string; button: string };
  /** Contest an invoice (services/disputes.ts): its reminders pause until the company answers. */
  dispute: { heading: string; intro: T; invoice: string; reason: string; details: string; button: string };
  /** The debtor's switches per channel (for all their invoices at the company). */
  messages: { heading: string; intro: T; channels: Record<'email' | 'sms', string>; on: string; off: string; turnOff: Record<'email' | 'sms', string>; turnOn: Record<'email' | 'sms', string> };
  notices: Record<NoticeCode, T>;
  problems: Record<ProblemCode, T>;
  footer: T;
  notFound: { title: string; message: string };
  undoContact: { title: string; intro: string; button: string };
  /** The page of an email's one-click unsubscribe link (RFC 8058). */
  unsubscribe: { title: string; intro: T; button: string; done: T };
}

const en: PortalTexts = {
  title: (p) => `Your invoice from ${p.company}`,
  invoice: 'Invoice',
  paymentReference: 'Payment reference',
  issueDate: 'Invoice date',
  dueDate: 'Due date',
  lines: 'What it is for',
  total: 'Total',
  fees: 'Costs and fees',
  paid: 'Already paid',
  credited: 'Credited',
  amountDue: 'Amount due',
  status: 'Status',
  statuses: {
    draft: 'Not sent yet',
    open: 'Open',
    overdue: 'Overdue',
    promise_to_pay: 'Promise to pay',
    payment_plan: 'Payment plan',
    on_hold: 'On hold',
    disputed: 'Disputed',
    in_debt_collection: 'In debt collection',
    paid: 'Paid',
    credited: 'Credited',
    retracted: 'Withdrawn',
    collected: 'Collected',
    written_off: 'Written off',
  },
  closedNote: 'Nothing is due on this invoice any more.',
  debtCollectionNote: 'This invoice has been handed over for debt collection. You can still pay it here.',
  disputedNote: (p) => `You disputed this invoice: you get no reminders about it while ${p.company} looks into it.`,
  onHoldNote: (p) => `This invoice is on hold: you will get no reminders for now. Questions? Contact ${p.company}.`,
  promiseInPlace: (p) => `You have promised to pay the full amount by ${p.date}. Reminders are paused until then.`,
  planInPlace: 'You have a payment plan:',
  installment: (p) => `${p.date}: ${p.amount}`,
  account: {
    heading: (p) => `Everything you owe ${p.company}`,
    intro: 'Your open invoices, the oldest due date first.',
    total: 'Total due',
    choose: 'Which invoices?',
    amountHint: 'Leave the amount empty to pay the chosen invoices in full. A part payment goes to the oldest due date first.',
    invoiceLine: (p) => `Invoice ${p.invoices} · due ${p.date} · ${p.amount}`,
  },
  pay: { heading: 'Pay now', intro: 'Pay the full amount, or a part of it now.', amount: 'Amount', button: 'Pay' },
  promise: { heading: 'Pay later', intro: 'Tell us by when you will have paid the full amount. We will not send reminders until then.', date: 'I will pay by', button: 'Promise to pay' },
  plan: {
    heading: 'Pay in installments',
    intro: (p) => `Spread the amount over 2 to ${p.count} monthly installments of at least ${p.min} each.`,
    count: 'Number of installments',
    firstDate: 'First installment on',
    button: 'Request payment plan',
  },
  budget: {
    heading: 'What can you afford?',
    intro: 'Tell us your monthly income and fixed costs, and we will propose installments that fit your budget. We use these figures only for this proposal.',
    income: 'Monthly net income',
    expenses: 'Monthly fixed costs (rent, energy, insurance, other debts)',
    button: 'Propose a plan',
    proposal: (p) => `Our proposal: ${p.count} monthly installments of about ${p.amount}, the first on ${p.date}.`,
    accept: 'Accept this plan',
  },
  dispute: { heading: 'Dispute this invoice', intro: (p) => `Something wrong with the invoice? Tell ${p.company} what; its reminders stop until they have answered.`, invoice: 'Invoice', reason: 'What is wrong?', details: 'Details (optional)', button: 'Send dispute' },
  contact: { heading: 'Your contact details', intro: 'Where should we reach you about this invoice?', email: 'Email', phone: 'Mobile phone', button: 'Save' },
  messages: {
    heading: 'Messages',
    intro: (p) => `How may ${p.company} write to you about your invoices? This holds for all of them.`,
    channels: { email: 'Email', sms: 'Text messages' },
    on: 'on',
    off: 'off',
    turnOff: { email: 'Stop email', sms: 'Stop text messages' },
    turnOn: { email: 'Receive email again', sms: 'Receive text messages again' },
  },
  notices: {
    payment_success: () => 'Thank you for your payment. It can take a moment before it shows here.',
    payment_cancelled: () => 'The payment was cancelled. Nothing has been charged.',
    payment_failed: () => 'The payment did not go through. Nothing has been charged; please try again.',
    promise_made: () => 'Thank you. Your promise to pay has been recorded.',
    plan_created: () => 'Your payment plan has been set up. We will remind you before each installment.',
    plan_proposed: () => 'We have a proposal for you below.',
    plan_none: (p) => `We could not find installments that fit this budget. Please contact ${p.company} to talk about a solution.`,
    contact_saved: () => 'Your contact details have been saved.',
    dispute_opened: (p) => `Your dispute has been sent to ${p.company}. You get no reminders about this invoice until it has been answered.`,
    contact_restored: () => 'Your previous contact details are back. Messages go there again.',
    opted_out_email: (p) => `You will no longer receive email from ${p.company} about your invoices.`,
    opted_out_sms: (p) => `You will no longer receive text messages from ${p.company} about your invoices.`,
    opted_in_email: () => 'You will receive email about your invoices again.',
    opted_in_sms: () => 'You will receive text messages about your invoices again.',
  },
  problems: {
    form_expired: () => 'This form has expired. Please try again.',
    amount_invalid: () => 'Enter an amount such as 25.00.',
    amount_too_low: (p) => `The amount must be at least ${p.min}.`,
    amount_too_high: (p) => `The amount cannot be more than the amount due (${p.max}).`,
    date_invalid: () => 'Enter a valid date.',
    promise_not_allowed: (p) => `Choose a date from ${p.min} to ${p.max}.`,
    plan_not_allowed: (p) => `This plan is not possible: choose 2 to ${p.count} installments of at least ${p.amount} each, the first from ${p.min} to ${p.max}.`,
    count_invalid: () => 'Enter the number of installments as a whole number.',
    money_invalid: () => 'Enter both amounts, such as 1850.00.',
    arrangement_in_place: () => 'An arrangement is already in place for this invoice.',
    on_hold: (p) => `This invoice is on hold. Please contact ${p.company}.`,
    closed: () => 'This invoice is closed; nothing more is due.',
    in_debt_collection: () => 'This invoice is in debt collection; arrangements are no longer possible here. You can still pay it.',
    email_invalid: () => 'Enter a valid email address.',
    phone_invalid: () => 'Enter a valid mobile number, such as +31 6 12345678.',
    contact_empty: () => 'Enter an email address or a phone number.',
    contact_taken: () => 'This email address or phone number belongs to another customer of this company. Contact the company to change it.',
    provider_unavailable: () => 'Paying online is not possible right now. Please try again later.',
    invoices_none: () => 'Choose at least one invoice.',
    invoice_not_in_account: () => 'One of the chosen invoices is not an open invoice of yours at this company. Nothing was changed.',
    arrangement_partly: (p) => `This could not be arranged for invoice ${p.invoices}; it was for the others.`,
    dispute_reason_missing: () => 'Please tell us what is wrong with the invoice.',
    dispute_too_long: () => 'That is too long: at most 500 characters for what is wrong and 4000 for the details.',
    dispute_open: (p) => `This invoice is disputed already: ${p.company} will answer you.`,
    dispute_not_possible: (p) => `This invoice cannot be disputed here. Questions? Contact ${p.company}.`,
    unavailable: () => 'Something went wrong on our side. Please try again later.',
  },
  footer: (p) => `Questions about this invoice? Contact ${p.company}. This page is personal: do not share its link.`,
  notFound: { title: 'Link not valid', message: 'This link is invalid or has expired. Use the link in the most recent message you received.' },
  undoContact: { title: 'Undo the contact change', intro: 'Someone changed the contact details for this invoice in the payment portal. Undo it to get messages at your previous address again.', button: 'Undo the change' },
  unsubscribe: {
    title: 'Unsubscribe from email',
    intro: (p) => `Stop all email from ${p.company} about your invoices? You can turn email back on in the payment portal.`,
    button: 'Unsubscribe',
    done: (p) => `You are unsubscribed: ${p.company} will no longer email you about your invoices.`,
  },
};

const nl: PortalTexts = {
  title: (p) => `Uw factuur van ${p.company}`,
  invoice: 'Factuur',
  paymentReference: 'Betalingskenmerk',
  issueDate: 'Factuurdatum',
  dueDate: 'Vervaldatum',
  lines: 'Waarvoor',
  total: 'Totaal',
  fees: 'Kosten',
  paid: 'Al betaald',
  credited: 'Gecrediteerd',
  amountDue: 'Te betalen',
  status: 'Status',
  statuses: {
    draft: 'Nog niet verstuurd',
    open: 'Openstaand',
    overdue: 'Verlopen',
    promise_to_pay: 'Betaalbelofte',
    payment_plan: 'Betalingsregeling',
    on_hold: 'Gepauzeerd',
    disputed: 'Betwist',
    in_debt_collection: 'Uit handen gegeven',
    paid: 'Betaald',
    credited: 'Gecrediteerd',
    retracted: 'Ingetrokken',
    collected: 'Geïncasseerd',
    written_off: 'Afgeboekt',
  },
  closedNote: 'Op deze factuur staat niets meer open.',
  debtCollectionNote: 'Deze factuur is uit handen gegeven voor incasso. U kunt hem hier nog steeds betalen.',
  disputedNote: (p) => `U heeft deze factuur betwist: u krijgt er geen herinneringen over zolang ${p.company} het uitzoekt.`,
  onHoldNote: (p) => `Deze factuur is gepauzeerd: u krijgt voorlopig geen herinneringen. Vragen? Neem contact op met ${p.company}.`,
  promiseInPlace: (p) => `U heeft beloofd het hele bedrag uiterlijk ${p.date} te betalen. Tot dan sturen wij geen herinneringen.`,
  planInPlace: 'U heeft een betalingsregeling:',
  installment: (p) => `${p.date}: ${p.amount}`,
  account: {
    heading: (p) => `Alles wat u ${p.company} verschuldigd bent`,
    intro: 'Uw openstaande facturen, de oudste vervaldatum eerst.',
    total: 'Totaal te betalen',
    choose: 'Welke facturen?',
    amountHint: 'Laat het bedrag leeg om de gekozen facturen helemaal te betalen. Een deelbetaling gaat eerst naar de oudste vervaldatum.',
    invoiceLine: (p) => `Factuur ${p.invoices} · vervalt ${p.date} · ${p.amount}`,
  },
  pay: { heading: 'Nu betalen', intro: 'Betaal het hele bedrag, of nu een deel ervan.', amount: 'Bedrag', button: 'Betalen' },
  promise: { heading: 'Later betalen', intro: 'Laat ons weten wanneer u het hele bedrag betaald heeft. Tot die datum sturen wij geen herinneringen.', date: 'Ik betaal uiterlijk op', button: 'Betaalbelofte doen' },
  plan: {
    heading: 'Betalen in termijnen',
    intro: (p) => `Verdeel het bedrag over 2 tot ${p.count} maandelijkse termijnen van minstens ${p.min} per termijn.`,
    count: 'Aantal termijnen',
    firstDate: 'Eerste termijn op',
    button: 'Betalingsregeling aanvragen',
  },
  budget: {
    heading: 'Wat kunt u betalen?',
    intro: 'Vul uw maandelijkse inkomen en vaste lasten in, dan stellen wij termijnen voor die bij uw budget passen. Wij gebruiken deze gegevens alleen voor dit voorstel.',
    income: 'Netto inkomen per maand',
    expenses: 'Vaste lasten per maand (huur, energie, verzekeringen, andere schulden)',
    button: 'Voorstel berekenen',
    proposal: (p) => `Ons voorstel: ${p.count} maandelijkse termijnen van ongeveer ${p.amount}, de eerste op ${p.date}.`,
    accept: 'Dit voorstel accepteren',
  },
  dispute: { heading: 'Deze factuur betwisten', intro: (p) => `Klopt er iets niet aan de factuur? Laat ${p.company} weten wat; de herinneringen stoppen tot u antwoord heeft.`, invoice: 'Factuur', reason: 'Wat klopt er niet?', details: 'Toelichting (optioneel)', button: 'Betwisting versturen' },
  contact: { heading: 'Uw contactgegevens', intro: 'Waar kunnen wij u bereiken over deze factuur?', email: 'E-mail', phone: 'Mobiel nummer', button: 'Opslaan' },
  messages: {
    heading: 'Berichten',
    intro: (p) => `Hoe mag ${p.company} u over uw facturen berichten? Dit geldt voor al uw facturen.`,
    channels: { email: 'E-mail', sms: 'Sms-berichten' },
    on: 'aan',
    off: 'uit',
    turnOff: { email: 'Stop e-mail', sms: 'Stop sms-berichten' },
    turnOn: { email: 'Weer e-mail ontvangen', sms: 'Weer sms-berichten ontvangen' },
  },
  notices: {
    payment_success: () => 'Bedankt voor uw betaling. Het kan even duren voordat die hier zichtbaar is.',
    payment_cancelled: () => 'De betaling is geannuleerd. Er is niets afgeschreven.',
    payment_failed: () => 'De betaling is niet gelukt. Er is niets afgeschreven; probeer het opnieuw.',
    promise_made: () => 'Bedankt. Uw betaalbelofte is vastgelegd.',
    plan_created: () => 'Uw betalingsregeling staat klaar. Wij herinneren u voor elke termijn.',
    plan_proposed: () => 'Hieronder staat ons voorstel.',
    plan_none: (p) => `Wij konden geen termijnen vinden die bij dit budget passen. Neem contact op met ${p.company} om samen een oplossing te zoeken.`,
    contact_saved: () => 'Uw contactgegevens zijn opgeslagen.',
    dispute_opened: (p) => `Uw betwisting is naar ${p.company} gestuurd. U krijgt geen herinneringen over deze factuur tot er antwoord is.`,
    contact_restored: () => 'Uw vorige contactgegevens zijn hersteld. Berichten gaan weer daarheen.',
    opted_out_email: (p) => `U ontvangt geen e-mail meer van ${p.company} over uw facturen.`,
    opted_out_sms: (p) => `U ontvangt geen sms-berichten meer van ${p.company} over uw facturen.`,
    opted_in_email: () => 'U ontvangt weer e-mail over uw facturen.',
    opted_in_sms: () => 'U ontvangt weer sms-berichten over uw facturen.',
  },
  problems: {
    form_expired: () => 'Dit formulier is verlopen. Probeer het opnieuw.',
    amount_invalid: () => 'Vul een bedrag in, zoals 25,00.',
    amount_too_low: (p) => `Het bedrag moet minstens ${p.min} zijn.`,
    amount_too_high: (p) => `Het bedrag kan niet hoger zijn dan wat u moet betalen (${p.max}).`,
    date_invalid: () => 'Vul een geldige datum in.',
    promise_not_allowed: (p) => `Kies een datum van ${p.min} tot en met ${p.max}.`,
    plan_not_allowed: (p) => `Deze regeling is niet mogelijk: kies 2 tot ${p.count} termijnen van minstens ${p.amount}, de eerste van ${p.min} tot en met ${p.max}.`,
    count_invalid: () => 'Vul het aantal termijnen in als heel getal.',
    money_invalid: () => 'Vul beide bedragen in, zoals 1850,00.',
    arrangement_in_place: () => 'Voor deze factuur is al een regeling getroffen.',
    on_hold: (p) => `Deze factuur is gepauzeerd. Neem contact op met ${p.company}.`,
    closed: () => 'Deze factuur is afgesloten; er staat niets meer open.',
    in_debt_collection: () => 'Deze factuur is uit handen gegeven; een regeling is hier niet meer mogelijk. Betalen kan nog wel.',
    email_invalid: () => 'Vul een geldig e-mailadres in.',
    phone_invalid: () => 'Vul een geldig mobiel nummer in, zoals 06 12345678.',
    contact_empty: () => 'Vul een e-mailadres of telefoonnummer in.',
    contact_taken: () => 'Dit e-mailadres of telefoonnummer hoort bij een andere klant van dit bedrijf. Neem contact op met het bedrijf om het te wijzigen.',
    provider_unavailable: () => 'Online betalen is op dit moment niet mogelijk. Probeer het later opnieuw.',
    invoices_none: () => 'Kies minstens één factuur.',
    invoice_not_in_account: () => 'Een van de gekozen facturen is geen openstaande factuur van u bij dit bedrijf. Er is niets gewijzigd.',
    arrangement_partly: (p) => `Voor factuur ${p.invoices} kon dit niet worden afgesproken; voor de andere wel.`,
    dispute_reason_missing: () => 'Laat ons weten wat er niet klopt aan de factuur.',
    dispute_too_long: () => 'Dat is te lang: hoogstens 500 tekens voor wat er niet klopt en 4000 voor de toelichting.',
    dispute_open: (p) => `Deze factuur is al betwist: ${p.company} geeft u antwoord.`,
    dispute_not_possible: (p) => `Deze factuur kan hier niet worden betwist. Vragen? Neem contact op met ${p.company}.`,
    unavailable: () => 'Er ging bij ons iets mis. Probeer het later opnieuw.',
  },
  footer: (p) => `Vragen over deze factuur? Neem contact op met ${p.company}. Deze pagina is persoonlijk: deel de link niet.`,
  notFound: { title: 'Link niet geldig', message: 'Deze link is ongeldig of verlopen.' },
  undoContact: { title: 'Wijziging ongedaan maken', intro: 'Iemand heeft de contactgegevens voor deze factuur gewijzigd in het betaalportaal. Maak dit ongedaan om berichten weer op uw vorige adres te ontvangen.', button: 'Wijziging ongedaan maken' },
  unsubscribe: {
    title: 'Afmelden voor e-mail',
    intro: (p) => `Geen e-mail meer van ${p.company} over uw facturen? U kunt e-mail weer aanzetten in het betaalportaal.`,
    button: 'Afmelden',
    done: (p) => `U bent afgemeld: ${p.company} stuurt u geen e-mail meer over uw facturen.`,
  },
};

const de: PortalTexts = {
  title: (p) => `Ihre Rechnung von ${p.company}`,
  invoice: 'Rechnung',
  paymentReference: 'Zahlungsreferenz',
  issueDate: 'Rechnungsdatum',
  dueDate: 'Fällig am',
  lines: 'Wofür',
  total: 'Gesamt',
  fees: 'Kosten und Gebühren',
  paid: 'Bereits bezahlt',
  credited: 'Gutgeschrieben',
  amountDue: 'Offener Betrag',
  status: 'Status',
  statuses: {
    draft: 'Noch nicht versendet',
    open: 'Offen',
    overdue: 'Überfällig',
    promise_to_pay: 'Zahlungszusage',
    payment_plan: 'Ratenzahlung',
    on_hold: 'Pausiert',
    disputed: 'Bestritten',
    in_debt_collection: 'Im Inkasso',
    paid: 'Bezahlt',
    credited: 'Gutgeschrieben',
    retracted: 'Zurückgezogen',
    collected: 'Eingezogen',
    written_off: 'Abgeschrieben',
  },
  closedNote: 'Auf diese Rechnung ist nichts mehr offen.',
  debtCollectionNote: 'Diese Rechnung wurde an ein Inkassobüro übergeben. Sie können sie hier weiterhin bezahlen.',
  disputedNote: (p) => `Sie haben diese Rechnung bestritten: Sie erhalten keine Erinnerungen dazu, solange ${p.company} den Fall prüft.`,
  onHoldNote: (p) => `Diese Rechnung ist pausiert: Sie erhalten vorerst keine Erinnerungen. Fragen? Wenden Sie sich an ${p.company}.`,
  promiseInPlace: (p) => `Sie haben zugesagt, den gesamten Betrag bis zum ${p.date} zu bezahlen. Bis dahin senden wir keine Erinnerungen.`,
  planInPlace: 'Sie haben eine Ratenzahlung:',
  installment: (p) => `${p.date}: ${p.amount}`,
  account: {
    heading: (p) => `Alles, was Sie ${p.company} schulden`,
    intro: 'Ihre offenen Rechnungen, die älteste Fälligkeit zuerst.',
    total: 'Insgesamt offen',
    choose: 'Welche Rechnungen?',
    amountHint: 'Lassen Sie den Betrag leer, um die gewählten Rechnungen ganz zu bezahlen. Eine Teilzahlung geht zuerst an die älteste Fälligkeit.',
    invoiceLine: (p) => `Rechnung ${p.invoices} · fällig ${p.date} · ${p.amount}`,
  },
  pay: { heading: 'Jetzt bezahlen', intro: 'Bezahlen Sie den ganzen Betrag oder jetzt einen Teil davon.', amount: 'Betrag', button: 'Bezahlen' },
  promise: { heading: 'Später bezahlen', intro: 'Sagen Sie uns, bis wann Sie den ganzen Betrag bezahlt haben. Bis dahin senden wir keine Erinnerungen.', date: 'Ich bezahle bis zum', button: 'Zahlung zusagen' },
  plan: {
    heading: 'In Raten bezahlen',
    intro: (p) => `Verteilen Sie den Betrag auf 2 bis ${p.count} Monatsraten von jeweils mindestens ${p.min}.`,
    count: 'Anzahl der Raten',
    firstDate: 'Erste Rate am',
    button: 'Ratenzahlung beantragen',
  },
  budget: {
    heading: 'Was können Sie zahlen?',
    intro: 'Nennen Sie uns Ihr monatliches Einkommen und Ihre Fixkosten, dann schlagen wir Raten vor, die zu Ihrem Budget passen. Wir verwenden diese Angaben nur für diesen Vorschlag.',
    income: 'Monatliches Nettoeinkommen',
    expenses: 'Monatliche Fixkosten (Miete, Energie, Versicherungen, andere Schulden)',
    button: 'Vorschlag berechnen',
    proposal: (p) => `Unser Vorschlag: ${p.count} Monatsraten von etwa ${p.amount}, die erste am ${p.date}.`,
    accept: 'Diesen Vorschlag annehmen',
  },
  dispute: { heading: 'Diese Rechnung bestreiten', intro: (p) => `Stimmt etwas an der Rechnung nicht? Teilen Sie ${p.company} mit, was; die Erinnerungen ruhen bis zur Antwort.`, invoice: 'Rechnung', reason: 'Was stimmt nicht?', details: 'Einzelheiten (optional)', button: 'Einspruch senden' },
  contact: { heading: 'Ihre Kontaktdaten', intro: 'Wie erreichen wir Sie zu dieser Rechnung?', email: 'E-Mail', phone: 'Mobilnummer', button: 'Speichern' },
  messages: {
    heading: 'Nachrichten',
    intro: (p) => `Wie darf ${p.company} Ihnen zu Ihren Rechnungen schreiben? Dies gilt für alle Ihre Rechnungen.`,
    channels: { email: 'E-Mail', sms: 'SMS' },
    on: 'an',
    off: 'aus',
    turnOff: { email: 'E-Mails abbestellen', sms: 'SMS abbestellen' },
    turnOn: { email: 'Wieder E-Mails erhalten', sms: 'Wieder SMS erhalten' },
  },
  notices: {
    payment_success: () => 'Vielen Dank für Ihre Zahlung. Es kann einen Moment dauern, bis sie hier erscheint.',
    payment_cancelled: () => 'Die Zahlung wurde abgebrochen. Es wurde nichts abgebucht.',
    payment_failed: () => 'Die Zahlung ist fehlgeschlagen. Es wurde nichts abgebucht; bitte versuchen Sie es erneut.',
    promise_made: () => 'Vielen Dank. Ihre Zahlungszusage ist vermerkt.',
    plan_created: () => 'Ihre Ratenzahlung ist eingerichtet. Wir erinnern Sie vor jeder Rate.',
    plan_proposed: () => 'Unten finden Sie unseren Vorschlag.',
    plan_none: (p) => `Wir konnten keine Raten finden, die zu diesem Budget passen. Bitte wenden Sie sich an ${p.company}, um eine Lösung zu finden.`,
    contact_saved: () => 'Ihre Kontaktdaten wurden gespeichert.',
    dispute_opened: (p) => `Ihr Einspruch wurde an ${p.company} gesendet. Bis zur Antwort erhalten Sie keine Erinnerungen zu dieser Rechnung.`,
    contact_restored: () => 'Ihre bisherigen Kontaktdaten sind wiederhergestellt. Nachrichten gehen wieder dorthin.',
    opted_out_email: (p) => `Sie erhalten keine E-Mails mehr von ${p.company} zu Ihren Rechnungen.`,
    opted_out_sms: (p) => `Sie erhalten keine SMS mehr von ${p.company} zu Ihren Rechnungen.`,
    opted_in_email: () => 'Sie erhalten wieder E-Mails zu Ihren Rechnungen.',
    opted_in_sms: () => 'Sie erhalten wieder SMS zu Ihren Rechnungen.',
  },
  problems: {
    form_expired: () => 'Dieses Formular ist abgelaufen. Bitte versuchen Sie es erneut.',
    amount_invalid: () => 'Geben Sie einen Betrag ein, zum Beispiel 25,00.',
    amount_too_low: (p) => `Der Betrag muss mindestens ${p.min} sein.`,
    amount_too_high: (p) => `Der Betrag darf nicht höher sein als der offene Betrag (${p.max}).`,
    date_invalid: () => 'Geben Sie ein gültiges Datum ein.',
    promise_not_allowed: (p) => `Wählen Sie ein Datum vom ${p.min} bis zum ${p.max}.`,
    plan_not_allowed: (p) => `Diese Ratenzahlung ist nicht möglich: Wählen Sie 2 bis ${p.count} Raten von mindestens ${p.amount}, die erste vom ${p.min} bis zum ${p.max}.`,
    count_invalid: () => 'Geben Sie die Anzahl der Raten als ganze Zahl ein.',
    money_invalid: () => 'Geben Sie beide Beträge ein, zum Beispiel 1850,00.',
    arrangement_in_place: () => 'Für diese Rechnung besteht bereits eine Vereinbarung.',
    on_hold: (p) => `Diese Rechnung ist pausiert. Bitte wenden Sie sich an ${p.company}.`,
    closed: () => 'Diese Rechnung ist abgeschlossen; es ist nichts mehr offen.',
    in_debt_collection: () => 'Diese Rechnung ist im Inkasso; eine Vereinbarung ist hier nicht mehr möglich. Bezahlen können Sie weiterhin.',
    email_invalid: () => 'Geben Sie eine gültige E-Mail-Adresse ein.',
    phone_invalid: () => 'Geben Sie eine gültige Mobilnummer ein, zum Beispiel +49 151 23456789.',
    contact_empty: () => 'Geben Sie eine E-Mail-Adresse oder eine Telefonnummer ein.',
    contact_taken: () => 'Diese E-Mail-Adresse oder Telefonnummer gehört zu einem anderen Kunden dieses Unternehmens. Wenden Sie sich an das Unternehmen, um sie zu ändern.',
    provider_unavailable: () => 'Online bezahlen ist im Moment nicht möglich. Bitte versuchen Sie es später erneut.',
    invoices_none: () => 'Wählen Sie mindestens eine Rechnung.',
    invoice_not_in_account: () => 'Eine der gewählten Rechnungen ist keine offene Rechnung von Ihnen bei diesem Unternehmen. Es wurde nichts geändert.',
    arrangement_partly: (p) => `Für Rechnung ${p.invoices} konnte das nicht vereinbart werden; für die anderen schon.`,
    dispute_reason_missing: () => 'Bitte teilen Sie uns mit, was an der Rechnung nicht stimmt.',
    dispute_too_long: () => 'Das ist zu lang: höchstens 500 Zeichen für den Grund und 4000 für die Einzelheiten.',
    dispute_open: (p) => `Diese Rechnung ist bereits bestritten: ${p.company} antwortet Ihnen.`,
    dispute_not_possible: (p) => `Diese Rechnung kann hier nicht bestritten werden. Fragen? Wenden Sie sich an ${p.company}.`,
    unavailable: () => 'Bei uns ist etwas schiefgelaufen. Bitte versuchen Sie es später erneut.',
  },
  footer: (p) => `Fragen zu dieser Rechnung? Wenden Sie sich an ${p.company}. Diese Seite ist persönlich: Teilen Sie den Link nicht.`,
  notFound: { title: 'Link ungültig', message: 'Dieser Link ist ungültig oder abgelaufen.' },
  undoContact: { title: 'Änderung rückgängig machen', intro: 'Jemand hat die Kontaktdaten für diese Rechnung im Zahlungsportal geändert. Machen Sie dies rückgängig, um Nachrichten wieder an Ihre bisherige Adresse zu erhalten.', button: 'Änderung rückgängig machen' },
  unsubscribe: {
    title: 'E-Mails abbestellen',
    intro: (p) => `Keine E-Mails mehr von ${p.company} zu Ihren Rechnungen? Sie können E-Mails im Zahlungsportal wieder einschalten.`,
    button: 'Abbestellen',
    done: (p) => `Sie sind abgemeldet: ${p.company} schreibt Ihnen keine E-Mails mehr zu Ihren Rechnungen.`,
  },
};

const fr: PortalTexts = {
  title: (p) => `Votre facture de ${p.company}`,
  invoice: 'Facture',
  paymentReference: 'Référence de paiement',
  issueDate: 'Date de facture',
  dueDate: 'Échéance',
  lines: 'Détail',
  total: 'Total',
  fees: 'Frais',
  paid: 'Déjà payé',
  credited: 'Avoir',
  amountDue: 'Montant dû',
  status: 'Statut',
  statuses: {
    draft: 'Pas encore envoyée',
    open: 'Ouverte',
    overdue: 'En retard',
    promise_to_pay: 'Promesse de paiement',
    payment_plan: 'Échéancier',
    on_hold: 'Suspendue',
    disputed: 'Contestée',
    in_debt_collection: 'En recouvrement',
    paid: 'Payée',
    credited: 'Créditée',
    retracted: 'Retirée',
    collected: 'Recouvrée',
    written_off: 'Passée en perte',
  },
  closedNote: 'Plus rien n’est dû sur cette facture.',
  debtCollectionNote: 'Cette facture a été transmise au recouvrement. Vous pouvez toujours la payer ici.',
  disputedNote: (p) => `Vous avez contesté cette facture : vous ne recevez pas de rappel à son sujet pendant que ${p.company} l’examine.`,
  onHoldNote: (p) => `Cette facture est suspendue : vous ne recevrez pas de rappel pour le moment. Des questions ? Contactez ${p.company}.`,
  promiseInPlace: (p) => `Vous avez promis de payer la totalité avant le ${p.date}. Nous n’enverrons pas de rappel d’ici là.`,
  planInPlace: 'Vous avez un échéancier :',
  installment: (p) => `${p.date} : ${p.amount}`,
  account: {
    heading: (p) => `Tout ce que vous devez à ${p.company}`,
    intro: 'Vos factures ouvertes, la plus ancienne échéance d’abord.',
    total: 'Total dû',
    choose: 'Quelles factures ?',
    amountHint: 'Laissez le montant vide pour payer entièrement les factures choisies. Un paiement partiel va d’abord à l’échéance la plus ancienne.',
    invoiceLine: (p) => `Facture ${p.invoices} · échéance ${p.date} · ${p.amount}`,
  },
  pay: { heading: 'Payer maintenant', intro: 'Payez la totalité, ou une partie maintenant.', amount: 'Montant', button: 'Payer' },
  promise: { heading: 'Payer plus tard', intro: 'Dites-nous à quelle date vous aurez payé la totalité. Nous n’enverrons pas de rappel d’ici là.', date: 'Je paierai au plus tard le', button: 'Promettre de payer' },
  plan: {
    heading: 'Payer en plusieurs fois',
    intro: (p) => `Répartissez le montant sur 2 à ${p.count} mensualités d’au moins ${p.min} chacune.`,
    count: 'Nombre de mensualités',
    firstDate: 'Première mensualité le',
    button: 'Demander un échéancier',
  },
  budget: {
    heading: 'Combien pouvez-vous payer ?',
    intro: 'Indiquez vos revenus et vos charges fixes mensuels : nous vous proposerons des mensualités adaptées à votre budget. Ces chiffres ne servent qu’à cette proposition.',
    income: 'Revenus nets par mois',
    expenses: 'Charges fixes par mois (loyer, énergie, assurances, autres dettes)',
    button: 'Calculer une proposition',
    proposal: (p) => `Notre proposition : ${p.count} mensualités d’environ ${p.amount}, la première le ${p.date}.`,
    accept: 'Accepter cet échéancier',
  },
  dispute: { heading: 'Contester cette facture', intro: (p) => `Un problème avec la facture ? Indiquez à ${p.company} lequel ; les rappels s’arrêtent jusqu’à leur réponse.`, invoice: 'Facture', reason: 'Qu’est-ce qui ne va pas ?', details: 'Précisions (facultatif)', button: 'Envoyer la contestation' },
  contact: { heading: 'Vos coordonnées', intro: 'Où pouvons-nous vous joindre au sujet de cette facture ?', email: 'E-mail', phone: 'Téléphone mobile', button: 'Enregistrer' },
  messages: {
    heading: 'Messages',
    intro: (p) => `Comment ${p.company} peut-il vous écrire au sujet de vos factures ? Cela vaut pour toutes vos factures.`,
    channels: { email: 'E-mail', sms: 'SMS' },
    on: 'activé',
    off: 'désactivé',
    turnOff: { email: 'Arrêter les e-mails', sms: 'Arrêter les SMS' },
    turnOn: { email: 'Recevoir de nouveau les e-mails', sms: 'Recevoir de nouveau les SMS' },
  },
  notices: {
    payment_success: () => 'Merci pour votre paiement. Il peut falloir un instant avant qu’il apparaisse ici.',
    payment_cancelled: () => 'Le paiement a été annulé. Rien n’a été débité.',
    payment_failed: () => 'Le paiement n’a pas abouti. Rien n’a été débité ; veuillez réessayer.',
    promise_made: () => 'Merci. Votre promesse de paiement est enregistrée.',
    plan_created: () => 'Votre échéancier est en place. Nous vous rappellerons avant chaque mensualité.',
    plan_proposed: () => 'Voici notre proposition ci-dessous.',
    plan_none: (p) => `Nous n’avons pas trouvé de mensualités adaptées à ce budget. Contactez ${p.company} pour trouver une solution.`,
    contact_saved: () => 'Vos coordonnées ont été enregistrées.',
    dispute_opened: (p) => `Votre contestation a été envoyée à ${p.company}. Vous ne recevrez pas de rappel pour cette facture avant leur réponse.`,
    contact_restored: () => 'Vos coordonnées précédentes sont rétablies. Les messages y seront de nouveau envoyés.',
    opted_out_email: (p) => `Vous ne recevrez plus d’e-mails de ${p.company} au sujet de vos factures.`,
    opted_out_sms: (p) => `Vous ne recevrez plus de SMS de ${p.company} au sujet de vos factures.`,
    opted_in_email: () => 'Vous recevrez de nouveau des e-mails au sujet de vos factures.',
    opted_in_sms: () => 'Vous recevrez de nouveau des SMS au sujet de vos factures.',
  },
  problems: {
    form_expired: () => 'Ce formulaire a expiré. Veuillez réessayer.',
    amount_invalid: () => 'Saisissez un montant, par exemple 25,00.',
    amount_too_low: (p) => `Le montant doit être d’au moins ${p.min}.`,
    amount_too_high: (p) => `Le montant ne peut pas dépasser le montant dû (${p.max}).`,
    date_invalid: () => 'Saisissez une date valide.',
    promise_not_allowed: (p) => `Choisissez une date du ${p.min} au ${p.max}.`,
    plan_not_allowed: (p) => `Cet échéancier n’est pas possible : choisissez 2 à ${p.count} mensualités d’au moins ${p.amount}, la première du ${p.min} au ${p.max}.`,
    count_invalid: () => 'Saisissez le nombre de mensualités en nombre entier.',
    money_invalid: () => 'Saisissez les deux montants, par exemple 1850,00.',
    arrangement_in_place: () => 'Un arrangement existe déjà pour cette facture.',
    on_hold: (p) => `Cette facture est suspendue. Veuillez contacter ${p.company}.`,
    closed: () => 'Cette facture est close ; plus rien n’est dû.',
    in_debt_collection: () => 'Cette facture est en recouvrement ; un arrangement n’est plus possible ici. Vous pouvez toujours la payer.',
    email_invalid: () => 'Saisissez une adresse e-mail valide.',
    phone_invalid: () => 'Saisissez un numéro de mobile valide, par exemple +33 6 12 34 56 78.',
    contact_empty: () => 'Saisissez une adresse e-mail ou un numéro de téléphone.',
    contact_taken: () => 'Cette adresse e-mail ou ce numéro de téléphone appartient à un autre client de cette entreprise. Contactez l’entreprise pour le modifier.',
    provider_unavailable: () => 'Le paiement en ligne est impossible pour le moment. Veuillez réessayer plus tard.',
    invoices_none: () => 'Choisissez au moins une facture.',
    invoice_not_in_account: () => 'Une des factures choisies n’est pas une de vos factures ouvertes auprès de cette entreprise. Rien n’a été modifié.',
    arrangement_partly: (p) => `Cela n’a pas pu être convenu pour la facture ${p.invoices} ; pour les autres, si.`,
    dispute_reason_missing: () => 'Indiquez-nous ce qui ne va pas avec la facture.',
    dispute_too_long: () => 'C’est trop long : 500 caractères au plus pour le motif et 4000 pour les précisions.',
    dispute_open: (p) => `Cette facture est déjà contestée : ${p.company} vous répondra.`,
    dispute_not_possible: (p) => `Cette facture ne peut pas être contestée ici. Des questions ? Contactez ${p.company}.`,
    unavailable: () => 'Un problème est survenu de notre côté. Veuillez réessayer plus tard.',
  },
  footer: (p) => `Des questions sur cette facture ? Contactez ${p.company}. Cette page est personnelle : ne partagez pas son lien.`,
  notFound: { title: 'Lien non valide', message: 'Ce lien n’est pas valide ou a expiré.' },
  undoContact: { title: 'Annuler la modification', intro: 'Quelqu’un a modifié les coordonnées de cette facture dans le portail de paiement. Annulez-la pour recevoir de nouveau les messages à votre adresse précédente.', button: 'Annuler la modification' },
  unsubscribe: {
    title: 'Se désabonner des e-mails',
    intro: (p) => `Ne plus recevoir d’e-mails de ${p.company} au sujet de vos factures ? Vous pourrez les réactiver dans le portail de paiement.`,
    button: 'Se désabonner',
    done: (p) => `Vous êtes désabonné : ${p.company} ne vous enverra plus d’e-mails au sujet de vos factures.`,
  },
};

export const portalTexts: Record<Locale, PortalTexts> = { en, nl, de, fr };
