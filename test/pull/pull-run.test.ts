import { pulledInvoiceSchema, pullPageSchema, pullSourcePutSchema } from '../../domain/pull-integration';
import { autoTransmitDecision, completedRunError, completedRunStatus, importedCount, type TransmitFacts } from '../../domain/pull-run';

const facts: TransmitFacts = { autoTransmit: true, companyVerified: true, importId: 'imp_1', importInvoiceCount: 3 };

describe('auto-transmit after a pull', () => {
  test.each<[string, Partial<TransmitFacts>, ReturnType<typeof autoTransmitDecision>]>([
    ['a verified company with a non-empty import that asked for it transmits', {}, { transmit: true, importId: 'imp_1' }],
    ['auto_transmit off keeps the import in draft', { autoTransmit: false }, { transmit: false, reason: 'auto_transmit_off' }],
    ['an unverified company waits', { companyVerified: false }, { transmit: false, reason: 'company_not_verified' }],
    ['an empty import is not transmitted', { importInvoiceCount: 0 }, { transmit: false, reason: 'import_empty' }],
    ['no import (nothing pulled yet) is nothing to transmit', { importId: null, importInvoiceCount: 0 }, { transmit: false, reason: 'no_import' }],
  ])('%s', (_name, change, expected) => {
    expect(autoTransmitDecision({ ...facts, ...change })).toEqual(expected);
  });
});

describe('summing up a run', () => {
  const clean = { invalidCount: 0, received: 4, skipped: [], truncated: false, pages: 2 };
  test('a run without skipped records or pages succeeded, with no error', () => {
    expect(completedRunStatus(clean)).toBe('succeeded');
    expect(completedRunError(clean)).toBeNull();
  });

  test('skipped records make it completed_with_errors, naming the first five and counting the rest', () => {
    const skipped = Array.from({ length: 7 }, (_, i) => ({ page: 0, index: i, externalId: i === 0 ? null : `e-${i}`, errors: [{ path: 'due_date', message: 'bad' }] }));
    const run = { ...clean, invalidCount: 7, received: 10, skipped };
    expect(completedRunStatus(run)).toBe('completed_with_errors');
    expect(completedRunError(run)).toBe(
      '7 of 10 records skipped: page 1 invoices[0]: due_date: bad; page 1 invoices[1] (external_id e-1): due_date: bad; ' +
        'page 1 invoices[2] (external_id e-2): due_date: bad; page 1 invoices[3] (external_id e-3): due_date: bad; ' +
        'page 1 invoices[4] (external_id e-4): due_date: bad; and 2 more',
    );
  });

  test('a run cut off at the page bound says so', () => {
    const run = { ...clean, truncated: true, pages: 50 };
    expect(completedRunStatus(run)).toBe('completed_with_errors');
    expect(completedRunError(run)).toBe('stopped after 50 pages; the remaining pages were not fetched');
  });

  test('last_imported_count counts new and changed invoices', () => {
    expect(importedCount({ created: 2, updated: 3 })).toBe(5);
  });
});

describe('the partner response', () => {
  const invoice = {
    external_id: 'e-1',
    invoice_number: 'F-1',
    issue_date: '2026-11-01',
    due_date: '2026-12-01',
    debtor: { last_name: 'Jansen' },
    invoice_lines: [{ description: 'Contributie', amount_cents: 5_000 }],
  };

  test('an invoice takes the defaults of POST /invoices', () => {
    expect(pulledInvoiceSchema.parse(invoice)).toMatchObject({
      debtor: { last_name: 'Jansen', locale: 'en', timezone: 'Europe/Amsterdam' },
      invoice_lines: [{ quantity: 1, vat_rate: 0 }],
    });
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['without external_id', { external_id: undefined }, 'external_id'],
    ['with lines adding up to nothing', { invoice_lines: [{ description: 'x', amount_cents: 100 }, { description: 'y', amount_cents: -100 }] }, 'invoice_lines'],
    ['due before it was issued', { due_date: '2026-10-01' }, 'due_date'],
    ['on a date that does not exist', { issue_date: '2026-02-30' }, 'issue_date'],
  ])('an invoice %s is invalid at its field', (_name, change, path) => {
    const result = pulledInvoiceSchema.safeParse({ ...invoice, ...change });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  test('a page is { invoices, next_cursor? } with at most 1000 invoices', () => {
    expect(pullPageSchema.safeParse({ invoices: [] }).success).toBe(true);
    expect(pullPageSchema.safeParse({ invoices: [], next_cursor: null }).success).toBe(true);
    expect(pullPageSchema.safeParse({ data: [] }).success).toBe(false);
    expect(pullPageSchema.safeParse({ invoices: new Array(1001).fill({}) }).success).toBe(false);
  });

  test('a pull source defaults to hourly without auto-transmit', () => {
    expect(pullSourcePutSchema.parse({ url: 'https://partner.example/feed', bearer_token: 'abc' })).toEqual({
      url: 'https://partner.example/feed',
      bearer_token: 'abc',
      interval_minutes: 60,
      auto_transmit: false,
    });
  });
});
