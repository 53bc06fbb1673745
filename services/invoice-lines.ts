import type { invoiceLines } from '../db/schema';
import { newId } from './ids';

/** A request's invoice lines (snake_case) as rows; the suffix keeps their order (line ids sort by creation). */
export function invoiceLineRows(
  invoiceId: string,
  lines: ReadonlyArray<{ description: string; amount_cents: number; quantity: number; vat_rate?: number }>,
): Array<typeof invoiceLines.$inferInsert> {
  return lines.map((l, i) => ({
    id: `${newId('lin')}${String(i).padStart(3, '0')}`,
    invoiceId,
    description: l.description,
    amountCents: l.amount_cents,
    quantity: l.quantity,
    vatRate: l.vat_rate,
  }));
}
