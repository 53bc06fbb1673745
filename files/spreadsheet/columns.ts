import type { SheetRow } from './sheet-row';
import { SpreadsheetRefused } from './refusal';

export const templateLanguages = ['nl', 'en', 'de', 'fr'] as const;
export type TemplateLanguage = (typeof templateLanguages)[number];

/** The columns of an import spreadsheet: one row is one invoice with one line. */
export const importColumns = [
  'invoice_number',
  'issue_date',
  'due_date',
  'amount',
  'description',
  'reference',
  'debtor_number',
  'first_name',
  'last_name',
  'organization_name',
  'email',
  'phone',
  'street',
  'postal_code',
  'city',
  'country',
  'language',
] as const;
export type ImportColumn = (typeof importColumns)[number];

/** Columns that must be in the header; the debtor's name needs last_name or organization_name besides. */
export const requiredColumns: ReadonlyArray<ImportColumn> = ['invoice_number', 'issue_date', 'due_date', 'amount', 'description'];

/** Each column's header per language: the first is the template's, the others are also recognised. */
const headers: Record<ImportColumn, Record<TemplateLanguage, string[]>> = {
  invoice_number: { nl: ['Factuurnummer'], en: ['Invoice number'], de: ['Rechnungsnummer'], fr: ['Numéro de facture'] },
  issue_date: { nl: ['Factuurdatum'], en: ['Issue date', 'Invoice date'], de: ['Rechnungsdatum'], fr: ['Date de facture', "Date d'émission"] },
  due_date: { nl: ['Vervaldatum'], en: ['Due date'], de: ['Fälligkeitsdatum', 'Fällig am'], fr: ["Date d'échéance", 'Échéance'] },
  amount: { nl: ['Bedrag'], en: ['Amount'], de: ['Betrag'], fr: ['Montant'] },
  description: { nl: ['Omschrijving'], en: ['Description'], de: ['Beschreibung'], fr: ['Description', 'Libellé'] },
  reference: { nl: ['Kenmerk'], en: ['Reference'], de: ['Referenz'], fr: ['Référence'] },
  debtor_number: { nl: ['Debiteurnummer', 'Lidnummer'], en: ['Debtor number', 'Member number'], de: ['Schuldnernummer', 'Mitgliedsnummer'], fr: ['Numéro de débiteur', "Numéro d'adhérent"] },
  first_name: { nl: ['Voornaam'], en: ['First name'], de: ['Vorname'], fr: ['Prénom'] },
  last_name: { nl: ['Achternaam'], en: ['Last name'], de: ['Nachname'], fr: ['Nom'] },
  organization_name: { nl: ['Organisatie'], en: ['Organization', 'Organisation'], de: ['Organisation', 'Firma'], fr: ['Organisation', 'Société'] },
  email: { nl: ['E-mail'], en: ['Email', 'E-mail'], de: ['E-Mail'], fr: ['E-mail', 'Courriel'] },
  phone: { nl: ['Telefoon'], en: ['Phone'], de: ['Telefon'], fr: ['Téléphone'] },
  street: { nl: ['Straat'], en: ['Street'], de: ['Straße', 'Strasse'], fr: ['Rue', 'Adresse'] },
  postal_code: { nl: ['Postcode'], en: ['Postal code', 'Postcode', 'ZIP code'], de: ['Postleitzahl', 'PLZ'], fr: ['Code postal'] },
  city: { nl: ['Plaats', 'Woonplaats'], en: ['City'], de: ['Ort', 'Stadt'], fr: ['Ville'] },
  country: { nl: ['Land'], en: ['Country'], de: ['Land'], fr: ['Pays'] },
  language: { nl: ['Taal'], en: ['Language'], de: ['Sprache'], fr: ['Langue'] },
};

/** Case, accents, spaces, `_`, `-` and `.` do not matter: "numero_de_facture" is "Numéro de facture". */
export function normalizeHeader(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/ß/g, 'ss')
    .toLowerCase()
    .replace(/[\s_\-.’']+/g, ' ')
    .trim();
}

const byHeader = new Map<string, ImportColumn>();
for (const column of importColumns) {
  // The column's own name (`invoice_number`) is recognised too.
  for (const text of [column, ...Object.values(headers[column]).flat()]) {
    const key = normalizeHeader(text);
    const taken = byHeader.get(key);
    if (taken && taken !== column) throw new Error(`header "${text}" names both ${taken} and ${column}`);
    byHeader.set(key, column);
  }
}

export function templateHeader(column: ImportColumn, language: TemplateLanguage): string {
  return headers[column][language][0]!;
}

/** Where each column is in the file, and its header as written there (errors name it so). */
export interface ColumnLayout {
  index: Map<ImportColumn, number>;
  written: Map<ImportColumn, string>;
  /** The file's language, by which template's headers it matches most; for naming columns it lacks. */
  language: TemplateLanguage;
}

/** Reads the header row; refuses unknown, repeated or missing columns, naming them as written. */
export function columnLayout(header: SheetRow): ColumnLayout {
  const index = new Map<ImportColumn, number>();
  const written = new Map<ImportColumn, string>();
  const unknown: string[] = [];
  const votes = new Map<TemplateLanguage, number>();
  for (const [i, raw] of header.cells.entries()) {
    const text = raw.trim();
    if (text === '') continue;
    const column = byHeader.get(normalizeHeader(text));
    if (!column) {
      unknown.push(`"${text}"`);
      continue;
    }
    if (index.has(column)) throw new SpreadsheetRefused('spreadsheet_columns', `The columns "${written.get(column)}" and "${text}" are the same column: keep one`);
    index.set(column, i);
    written.set(column, text);
    for (const language of templateLanguages) {
      if (headers[column][language].some((h) => normalizeHeader(h) === normalizeHeader(text))) votes.set(language, (votes.get(language) ?? 0) + 1);
    }
  }
  const language = [...templateLanguages].sort((a, b) => (votes.get(b) ?? 0) - (votes.get(a) ?? 0))[0]!;
  if (unknown.length > 0) {
    throw new SpreadsheetRefused(
      'spreadsheet_columns',
      `Unknown column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} in row ${header.number}; the columns are: ${importColumns.map((c) => templateHeader(c, language)).join(', ')}`,
    );
  }
  const missing = requiredColumns.filter((c) => !index.has(c));
  if (missing.length > 0) {
    throw new SpreadsheetRefused('spreadsheet_columns', `Missing column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${templateHeader(c, language)}"`).join(', ')}: download the template to see every column`);
  }
  if (!index.has('last_name') && !index.has('organization_name')) {
    throw new SpreadsheetRefused('spreadsheet_columns', `Missing column "${templateHeader('last_name', language)}" or "${templateHeader('organization_name', language)}": every invoice needs its debtor's name`);
  }
  return { index, written, language };
}

/** The header an error names: as written in the file, or the template's when the file lacks the column. */
export function columnName(layout: ColumnLayout, column: ImportColumn): string {
  return layout.written.get(column) ?? templateHeader(column, layout.language);
}
