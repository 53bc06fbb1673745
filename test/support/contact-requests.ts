import type { temporal } from '@temporalio/proto';
import { contactCovered } from '../../workflows/invoice.messages';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const scheduled = (name: string) => (e: HistoryEvent) => e.activityTaskScheduledEventAttributes?.activityType?.name === name;
const at = (e: HistoryEvent) => Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6);

/**
 * When an invoice workflow asked its debtor's workflow for contact, on the server's (skipped)
 * clock, in ms: each `requestDebtorContact`, and the transmission's `persistInvoiceChange` when it
 * asked for the notice itself (patch `transmit-requests-contact`: the first answer then came
 * before any `requestDebtorContact`).
 */
export function contactRequestTimes(history: temporal.api.history.v1.IHistory): number[] {
  const events = history.events ?? [];
  const firstAnswer = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes?.signalName === contactCovered.name);
  const firstRequest = events.findIndex(scheduled('requestDebtorContact'));
  const transmission = firstAnswer >= 0 && (firstRequest < 0 || firstRequest > firstAnswer) ? events.find(scheduled('persistInvoiceChange')) : undefined;
  return events.filter((e) => e === transmission || scheduled('requestDebtorContact')(e)).map(at);
}
