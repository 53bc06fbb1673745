import type { Locale } from '../../messaging/templates';
import type { AgingBucket, PolicyStage } from '../../services/company-overview';

/** The overview page's words in the dashboard's four languages. */
export interface OverviewTexts {
  heading: string;
  outstanding: string;
  openInvoices: (count: string) => string;
  collectedThisMonth: string;
  collectedLastYear: string;
  lastYearNote: string;
  otherCurrencies: (count: string) => string;
  collectionTitle: string;
  collectionDescription: string;
  collectedLegend: string;
  rateLegend: string;
  month: string;
  collected: string;
  transmitted: string;
  rate: string;
  noRate: string;
  agingTitle: string;
  agingDescription: string;
  daysOverdue: string;
  invoices: string;
  amount: string;
  buckets: Record<AgingBucket, string>;
  stagesTitle: string;
  stagesDescription: string;
  stage: string;
  stages: Record<Exclude<PolicyStage['stage'], 'dunning_level'>, string>;
  dunningLevel: (level: number) => string;
  invoiceCount: (count: string) => string;
}

export const overviewTexts: Record<Locale, OverviewTexts> = {
  en: {
    heading: 'Overview',
    outstanding: 'Amount outstanding',
    openInvoices: (c) => `on ${c} open invoices`,
    collectedThisMonth: 'Collected this month',
    collectedLastYear: 'Collected in the 12 months before',
    lastYearNote: 'full calendar months',
    otherCurrencies: (c) => `${c} open invoices in another currency are not included in these numbers.`,
    collectionTitle: 'Collected per month and collection rate',
    collectionDescription: 'Bars: amount collected per month. Line with squares: collection rate, the amount collected in the month divided by the amount of the invoices transmitted in that month.',
    collectedLegend: 'Collected',
    rateLegend: 'Collection rate (collected / transmitted)',
    month: 'Month',
    collected: 'Collected',
    transmitted: 'Transmitted',
    rate: 'Collection rate',
    noRate: 'none transmitted',
    agingTitle: 'Open invoices by days overdue',
    agingDescription: 'Amount still due on open invoices, grouped by the number of days since their due date.',
    daysOverdue: 'Days overdue',
    invoices: 'Invoices',
    amount: 'Amount due',
    buckets: { not_due: 'Not yet due', days_0_30: '0–30 days', days_31_60: '31–60 days', days_61_90: '61–90 days', days_90_plus: 'over 90 days' },
    stagesTitle: 'Open invoices by stage of the collection policy',
    stagesDescription: 'Number of open invoices in each stage: not yet due, reminder, each dunning level, and the stages that pause dunning.',
    stage: 'Stage',
    stages: { open: 'Not yet due', reminder: 'Reminder', promise_to_pay: 'Promise to pay', payment_plan: 'Payment plan', on_hold: 'On hold', disputed: 'Disputed', in_debt_collection: 'In debt collection' },
    dunningLevel: (l) => `Dunning level ${l}`,
    invoiceCount: (c) => `${c} invoices`,
  },
  nl: {
    heading: 'Overzicht',
    outstanding: 'Openstaand bedrag',
    openInvoices: (c) => `op ${c} openstaande facturen`,
    collectedThisMonth: 'Geïnd deze maand',
    collectedLastYear: 'Geïnd in de 12 maanden daarvoor',
    lastYearNote: 'hele kalendermaanden',
    otherCurrencies: (c) => `${c} openstaande facturen in een andere valuta tellen in deze cijfers niet mee.`,
    collectionTitle: 'Geïnd per maand en incassoratio',
    collectionDescription: 'Staven: bedrag geïnd per maand. Lijn met vierkantjes: incassoratio, het bedrag geïnd in de maand gedeeld door het bedrag van de facturen die in die maand zijn verstuurd.',
    collectedLegend: 'Geïnd',
    rateLegend: 'Incassoratio (geïnd / verstuurd)',
    month: 'Maand',
    collected: 'Geïnd',
    transmitted: 'Verstuurd',
    rate: 'Incassoratio',
    noRate: 'niets verstuurd',
    agingTitle: 'Openstaande facturen naar dagen over de vervaldatum',
    agingDescription: 'Nog te betalen bedrag op openstaande facturen, gegroepeerd naar het aantal dagen sinds de vervaldatum.',
    daysOverdue: 'Dagen over de vervaldatum',
    invoices: 'Facturen',
    amount: 'Te betalen',
    buckets: { not_due: 'Nog niet vervallen', days_0_30: '0–30 dagen', days_31_60: '31–60 dagen', days_61_90: '61–90 dagen', days_90_plus: 'meer dan 90 dagen' },
    stagesTitle: 'Openstaande facturen per stap van het incassobeleid',
    stagesDescription: 'Aantal openstaande facturen in elke stap: nog niet vervallen, herinnering, elk aanmaningsniveau en de stappen die het aanmanen onderbreken.',
    stage: 'Stap',
    stages: { open: 'Nog niet vervallen', reminder: 'Herinnering', promise_to_pay: 'Betaalbelofte', payment_plan: 'Betalingsregeling', on_hold: 'Gepauzeerd', disputed: 'Betwist', in_debt_collection: 'Bij incassobureau' },
    dunningLevel: (l) => `Aanmaning niveau ${l}`,
    invoiceCount: (c) => `${c} facturen`,
  },
  de: {
    heading: 'Übersicht',
    outstanding: 'Offener Betrag',
    openInvoices: (c) => `aus ${c} offenen Rechnungen`,
    collectedThisMonth: 'Eingezogen in diesem Monat',
    collectedLastYear: 'Eingezogen in den 12 Monaten davor',
    lastYearNote: 'volle Kalendermonate',
    otherCurrencies: (c) => `${c} offene Rechnungen in einer anderen Währung sind in diesen Zahlen nicht enthalten.`,
    collectionTitle: 'Eingezogen pro Monat und Einzugsquote',
    collectionDescription: 'Balken: pro Monat eingezogener Betrag. Linie mit Quadraten: Einzugsquote, der im Monat eingezogene Betrag geteilt durch den Betrag der in diesem Monat übermittelten Rechnungen.',
    collectedLegend: 'Eingezogen',
    rateLegend: 'Einzugsquote (eingezogen / übermittelt)',
    month: 'Monat',
    collected: 'Eingezogen',
    transmitted: 'Übermittelt',
    rate: 'Einzugsquote',
    noRate: 'nichts übermittelt',
    agingTitle: 'Offene Rechnungen nach Tagen überfällig',
    agingDescription: 'Noch fälliger Betrag offener Rechnungen, gruppiert nach der Zahl der Tage seit dem Fälligkeitsdatum.',
    daysOverdue: 'Tage überfällig',
    invoices: 'Rechnungen',
    amount: 'Fälliger Betrag',
    buckets: { not_due: 'Noch nicht fällig', days_0_30: '0–30 Tage', days_31_60: '31–60 Tage', days_61_90: '61–90 Tage', days_90_plus: 'über 90 Tage' },
    stagesTitle: 'Offene Rechnungen nach Stufe des Mahnverfahrens',
    stagesDescription: 'Zahl der offenen Rechnungen je Stufe: noch nicht fällig, Zahlungserinnerung, jede Mahnstufe und die Stufen, die das Mahnen unterbrechen.',
    stage: 'Stufe',
    stages: { open: 'Noch nicht fällig', reminder: 'Zahlungserinnerung', promise_to_pay: 'Zahlungszusage', payment_plan: 'Ratenplan', on_hold: 'Angehalten', disputed: 'Bestritten', in_debt_collection: 'Beim Inkassobüro' },
    dunningLevel: (l) => `Mahnstufe ${l}`,
    invoiceCount: (c) => `${c} Rechnungen`,
  },
  fr: {
    heading: 'Vue d’ensemble',
    outstanding: 'Montant en cours',
    openInvoices: (c) => `sur ${c} factures ouvertes`,
    collectedThisMonth: 'Encaissé ce mois-ci',
    collectedLastYear: 'Encaissé les 12 mois précédents',
    lastYearNote: 'mois civils complets',
    otherCurrencies: (c) => `${c} factures ouvertes dans une autre devise ne sont pas comprises dans ces chiffres.`,
    collectionTitle: 'Encaissé par mois et taux de recouvrement',
    collectionDescription: 'Barres : montant encaissé par mois. Ligne à carrés : taux de recouvrement, le montant encaissé dans le mois divisé par le montant des factures transmises ce mois-là.',
    collectedLegend: 'Encaissé',
    rateLegend: 'Taux de recouvrement (encaissé / transmis)',
    month: 'Mois',
    collected: 'Encaissé',
    transmitted: 'Transmis',
    rate: 'Taux de recouvrement',
    noRate: 'rien de transmis',
    agingTitle: 'Factures ouvertes par jours de retard',
    agingDescription: 'Montant encore dû sur les factures ouvertes, groupé par nombre de jours depuis leur échéance.',
    daysOverdue: 'Jours de retard',
    invoices: 'Factures',
    amount: 'Montant dû',
    buckets: { not_due: 'Pas encore échues', days_0_30: '0 à 30 jours', days_31_60: '31 à 60 jours', days_61_90: '61 à 90 jours', days_90_plus: 'plus de 90 jours' },
    stagesTitle: 'Factures ouvertes par étape de la procédure de relance',
    stagesDescription: 'Nombre de factures ouvertes à chaque étape : pas encore échue, rappel, chaque niveau de relance et les étapes qui suspendent les relances.',
    stage: 'Étape',
    stages: { open: 'Pas encore échue', reminder: 'Rappel', promise_to_pay: 'Promesse de paiement', payment_plan: 'Plan de paiement', on_hold: 'En pause', disputed: 'Contestée', in_debt_collection: 'En recouvrement' },
    dunningLevel: (l) => `Relance niveau ${l}`,
    invoiceCount: (c) => `${c} factures`,
  },
};
