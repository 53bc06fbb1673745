import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { BATCH_FILE_FORMAT, BATCH_FILE_VERSION } from '../domain/batch-file';

export interface GeneratePlacementOptions {
  companyId: string;
  records: number;
  out: string;
  /** Header setting: transmit the import when processed (default true). */
  transmit?: boolean;
  /** Prefix of record and external ids, so several files can go to one company (default `gen`). */
  prefix?: string;
  /** First due date (YYYY-MM-DD); default 30 days from today. */
  dueDate?: string;
  /** The debtors' timezone (default Europe/Amsterdam): it decides whether their notices may go out now. */
  timezone?: string;
}

/**
 * Writes a placement file of `records` invoices, streaming (respecting back-pressure), for tests,
 * demos and the memory benchmark of batch processing.
 */
export async function generatePlacementFile(o: GeneratePlacementOptions): Promise<{ bytes: number }> {
  const prefix = o.prefix ?? 'gen';
  const today = new Date().toISOString().slice(0, 10);
  const dueDate = o.dueDate ?? new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const out = createWriteStream(o.out, { encoding: 'utf8' });
  const write = async (value: unknown): Promise<void> => {
    if (!out.write(`${JSON.stringify(value)}\n`)) await once(out, 'drain');
  };
  await write({ format: BATCH_FILE_FORMAT, version: BATCH_FILE_VERSION, type: 'placement', company_id: o.companyId, settings: { transmit: o.transmit ?? true } });
  for (let i = 1; i <= o.records; i++) {
    const n = String(i).padStart(7, '0');
    await write({
      record_id: `${prefix}-${n}`,
      invoice: {
        invoice_number: `${prefix.toUpperCase()}-${n}`,
        external_id: `${prefix}-${n}`,
        issue_date: today,
        due_date: dueDate,
        reference: `Membership ${n}`,
        debtor: {
          first_name: 'Debtor',
          last_name: `Number ${n}`,
          email: `debtor-${n}@example.org`,
          phone: '+31612345678',
          address: { street: `Dorpsstraat ${i % 300}`, postal_code: '1234 AB', city: 'Utrecht', country: 'NL' },
          locale: 'nl',
          timezone: o.timezone ?? 'Europe/Amsterdam',
        },
        invoice_lines: [
          { description: 'Contributie', amount_cents: 9_000 + (i % 100) * 10, quantity: 1, vat_rate: 0 },
          { description: 'Bondsbijdrage', amount_cents: 1_250, quantity: 1, vat_rate: 21 },
        ],
      },
    });
  }
  out.end();
  await once(out, 'finish');
  return { bytes: out.bytesWritten };
}
