import { asc } from 'drizzle-orm';
import { invoiceLines } from '../db/schema';
import { newId } from './ids';

/** A line as the partner sends it (API, batch file, pull source), in snake_case. */
export interface SentInvoiceLine {
  description: string;
  amount_cents: number;
  quantity: number;
  vat_rate?: number;
}

/**
 * An invoice's lines as rows, numbered in the order the partner sent them: `position` 1, 2, 3, …
 * (or from `firstPosition` for lines added to a draft that has some). Ids cannot keep that order:
 * lines stored in the same millisecond differ only in their random part.
 */
export function invoiceLineRows(invoiceId: string, lines: ReadonlyArray<SentInvoiceLine>, firstPosition = 1): Array<typeof invoiceLines.$inferInsert> {
  return lines.map((l, i) => ({
    id: newId('lin'),
    invoiceId,
    position: firstPosition + i,
    description: l.description,
    amountCents: l.amount_cents,
    quantity: l.quantity,
    vatRate: l.vat_rate,
  }));
}

/** The order every reader lists an invoice's lines in: as sent (the id only breaks ties of rows numbered before positions existed). */
export const invoiceLineOrder = [asc(invoiceLines.position), asc(invoiceLines.id)] as const;
