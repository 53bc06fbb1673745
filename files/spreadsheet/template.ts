import ExcelJS from 'exceljs';
import { importColumns, templateHeader, type ImportColumn, type TemplateLanguage } from './columns';

/** One invoice per language, written as people of that language write dates and amounts. */
const exampleRows: Record<TemplateLanguage, Partial<Record<ImportColumn, string>>> = {
  nl: {
    invoice_number: '2027-001', issue_date: '01-01-2027', due_date: '31-01-2027', amount: '120,00', description: 'Contributie 2027', debtor_number: 'L-1042',
    first_name: 'Anna', last_name: 'de Vries', email: 'anna@example.nl', phone: '0612345678', street: 'Dorpsstraat 1', postal_code: '1234 AB', city: 'Utrecht', country: 'NL', language: 'nl',
  },
  en: {
    invoice_number: '2027-001', issue_date: '2027-01-01', due_date: '2027-01-31', amount: '120.00', description: 'Membership 2027', debtor_number: 'M-1042',
    first_name: 'Anna', last_name: 'Smith', email: 'anna@example.org', phone: '+31612345678', street: 'Dorpsstraat 1', postal_code: '1234 AB', city: 'Utrecht', country: 'NL', language: 'en',
  },
  de: {
    invoice_number: '2027-001', issue_date: '01.01.2027', due_date: '31.01.2027', amount: '120,00', description: 'Mitgliedsbeitrag 2027', debtor_number: 'M-1042',
    first_name: 'Anna', last_name: 'Schmidt', email: 'anna@example.de', phone: '+4915112345678', street: 'Hauptstraße 1', postal_code: '10115', city: 'Berlin', country: 'DE', language: 'de',
  },
  fr: {
    invoice_number: '2027-001', issue_date: '01/01/2027', due_date: '31/01/2027', amount: '120,00', description: 'Cotisation 2027', debtor_number: 'A-1042',
    first_name: 'Anne', last_name: 'Martin', email: 'anne@example.fr', phone: '+33612345678', street: '1 rue de la Paix', postal_code: '75002', city: 'Paris', country: 'FR', language: 'fr',
  },
};

/** Excel in these languages separates CSV fields with `;` (the comma is their decimal sign). */
const csvSeparator: Record<TemplateLanguage, string> = { nl: ';', en: ',', de: ';', fr: ';' };

function csvField(text: string, separator: string): string {
  return /["\r\n]/.test(text) || text.includes(separator) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The import template as CSV: UTF-8 with a byte order mark, so Excel opens its accents right. */
export function csvTemplate(language: TemplateLanguage): Buffer {
  const sep = csvSeparator[language];
  const lines = [importColumns.map((c) => templateHeader(c, language)), importColumns.map((c) => exampleRows[language][c] ?? '')];
  return Buffer.from(`\ufeff${lines.map((cells) => cells.map((c) => csvField(c, sep)).join(sep)).join('\r\n')}\r\n`, 'utf8');
}

/**
 * The import template as XLSX, written by ExcelJS. Every column is text (`@`): Excel would
 * otherwise drop a phone number's leading zero and turn an invoice number like 2027-01 into a date.
 */
export async function xlsxTemplate(language: TemplateLanguage): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Import');
  sheet.columns = importColumns.map((c) => ({ header: templateHeader(c, language), key: c, width: Math.max(14, templateHeader(c, language).length + 2), style: { numFmt: '@' } }));
  sheet.getRow(1).font = { bold: true };
  sheet.addRow(exampleRows[language]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export const templateContentTypes = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;
