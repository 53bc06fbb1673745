import type { Db } from '../db/client';
import type { OutboundGuard } from '../outbound/guard';
import { OutboundFailure, responseExcerpt, sendOutbound } from '../outbound/request';
import { openPrintBatchOf } from '../services/letters';
import { renderLetterPdf, type LetterContent } from './letter';

/** A letter stored in the print queue, as an adapter hands it to the post. */
export interface QueuedLetter {
  messageId: string;
  invoiceId: string;
  content: LetterContent;
}

/**
 * Print-and-mail: how a letter gets from the print queue to the post. The letter and its message
 * are stored first, in one transaction (`batchFor` runs inside it); `submit` then hands it over.
 */
export interface PrintMail {
  /** Kept as the message's `transport`. */
  readonly transport: 'print-batch' | 'print-mail-api';
  /** Inside the transaction that stores the letter: the print batch it waits in, or null when it goes to an API. */
  batchFor(tx: Pick<Db, 'insert'>, now: Date): Promise<string | null>;
  /**
   * Hands a stored letter to the post: `posted` when the post took it (its message is then marked
   * posted), `queued` when it waits in a print batch for ops. Throws `PrintMailRefused` when the
   * service refused this letter for good; any other error is worth a retry (the same letter is
   * submitted again, under the same idempotency key).
   */
  submit(letter: QueuedLetter): Promise<'queued' | 'posted'>;
}

export class PrintMailRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrintMailRefused';
  }
}

/**
 * The default adapter: letters collect in the day's print batch (UTC day), which ops download as
 * one PDF, print, post, and mark posted (console or API).
 */
export function printBatchAdapter(): PrintMail {
  return {
    transport: 'print-batch',
    batchFor: (tx, now) => openPrintBatchOf(tx, now.toISOString().slice(0, 10)),
    submit: async () => 'queued',
  };
}

export interface PrintMailApiOptions {
  /** Where each letter is POSTed (PRINT_MAIL_API_URL). */
  url: string;
  /** Sent as `Authorization: Bearer …` (PRINT_MAIL_API_KEY). */
  apiKey: string;
  /** Every connection is checked like a partner URL's: public addresses, or the operator's named exceptions. */
  guard: OutboundGuard;
  timeoutMs?: number;
}

/**
 * A print-and-mail service's HTTP API: each letter is POSTed as JSON with its PDF (base64), keyed
 * by its message id (`Idempotency-Key`) so a retry after a lost answer is recognised there. A 2xx
 * means the service took the letter for printing and posting: the letter is posted.
 */
export function printMailApiAdapter(options: PrintMailApiOptions): PrintMail {
  return {
    transport: 'print-mail-api',
    batchFor: async () => null,
    async submit(letter) {
      const pdf = await renderLetterPdf(letter.content);
      let res;
      try {
        res = await sendOutbound(options.guard, {
          url: options.url,
          method: 'POST',
          headers: {
            authorization: `Bearer ${options.apiKey}`,
            'content-type': 'application/json',
            'idempotency-key': letter.messageId,
          },
          body: JSON.stringify({
            reference: letter.messageId,
            recipient: { address_lines: letter.content.recipient.lines },
            // Most services ask for colour/duplex settings; plain black-and-white simplex is every one's default.
            document: { content_type: 'application/pdf', filename: `${letter.messageId}.pdf`, data_base64: pdf.toString('base64') },
          }),
          timeoutMs: options.timeoutMs ?? 30_000,
          maxBodyBytes: 4096,
        });
      } catch (err) {
        // A refused address will not change by retrying: the operator has to fix the setting.
        if (err instanceof OutboundFailure && err.kind === 'refused') throw new PrintMailRefused(`print-and-mail API: ${err.message}`);
        throw err;
      }
      if (res.status >= 200 && res.status < 300) return 'posted';
      const answer = `print-and-mail API answered ${res.status}${res.body.length ? `: ${responseExcerpt(res.body)}` : ''}`;
      // 408 and 429 are the service asking us to come back; other 4xx refuse this letter.
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw new PrintMailRefused(answer);
      throw new Error(answer);
    },
  };
}
