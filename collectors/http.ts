import { ApplicationFailure } from '@temporalio/common';
import type { OutboundGuard } from '../outbound/guard';
import { OutboundFailure, responseExcerpt, sendOutbound } from '../outbound/request';
import { collectorCasePayload } from './case-payload';
import { COLLECTOR_SIGNATURE_HEADER, signCollectorPayload } from './signature';
import { httpCollectorSettingsSchema, type DebtCollector, type HandOffRequest } from './types';

export interface HttpCollectorDeps {
  /** Base of the callback URL the collector is given. */
  publicBaseUrl: string;
  /** Checks the collector's address at every connection. */
  outbound: OutboundGuard;
  timeoutMs?: number;
}

/** A collector's answer is read up to this size (its reference); the rest is left unread. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** Statuses worth trying again; any other 4xx means the collector refuses this request for good. */
const retryable = (status: number) => status === 408 || status === 425 || status === 429 || status >= 500;

/**
 * A collector with an HTTP API: each case is POSTed as JSON, signed (`recoup-signature`) with the
 * configuration's secret; the collector reports back on the case's `callback_url`.
 */
export function httpCollector(deps: HttpCollectorDeps): DebtCollector {
  async function post(request: HandOffRequest, type: 'debt_case.handed_off' | 'debt_case.withdrawn', extra: Record<string, unknown> = {}) {
    const settings = httpCollectorSettingsSchema.safeParse(request.configuration.settings ?? {});
    if (!settings.success) {
      throw ApplicationFailure.create({
        type: 'collector_misconfigured',
        message: `configuration "${request.configuration.name}": ${settings.error.issues.map((i) => `settings.${i.path.join('.')}: ${i.message}`).join('; ')}`,
        nonRetryable: true,
      });
    }
    const body = JSON.stringify({ type, sent_at: request.now.toISOString(), ...extra, case: collectorCasePayload(request.row, request.documents, deps.publicBaseUrl) });
    let res;
    try {
      res = await sendOutbound(deps.outbound, {
        url: settings.data.url,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [COLLECTOR_SIGNATURE_HEADER]: signCollectorPayload(settings.data.secret, body, request.now),
          // The same key on every retry of one message, so the collector can take it once.
          'idempotency-key': `${request.row.id}:${type}`,
        },
        body,
        timeoutMs: deps.timeoutMs ?? 15_000,
        maxBodyBytes: MAX_ANSWER_BYTES,
      });
    } catch (err) {
      // A refused address stays refused on retry: people must correct the configuration.
      if (err instanceof OutboundFailure && err.kind === 'refused') {
        throw ApplicationFailure.create({ type: 'collector_address_refused', message: `collector at ${settings.data.url} ${err.message}`, nonRetryable: true });
      }
      throw new Error(`collector at ${settings.data.url} unreachable: ${(err as Error).message}`, { cause: err });
    }
    const text = res.body.toString('utf8');
    if (res.status >= 200 && res.status < 300) return { url: settings.data.url, text };
    // A redirect is not followed: the case would go somewhere the configuration does not name.
    const redirect = res.status >= 300 && res.status < 400 ? ' (redirects are not followed)' : '';
    const excerpt = responseExcerpt(res.body);
    const message = `collector at ${settings.data.url} answered ${res.status}${redirect}${excerpt ? `: ${excerpt}` : ''}`;
    if (retryable(res.status)) throw new Error(message);
    throw ApplicationFailure.create({ type: 'collector_refused', message, nonRetryable: true });
  }

  return {
    kind: 'http',
    async handOff(request) {
      const { url, text } = await post(request, 'debt_case.handed_off');
      let reference: string | null = null;
      try {
        const answer = JSON.parse(text) as { reference?: unknown };
        if (typeof answer.reference === 'string') reference = answer.reference.slice(0, 200);
      } catch {
        // A collector need not answer JSON.
      }
      return { delivery: 'sent', reference, destination: url };
    },
    async withdraw(request) {
      await post(request, 'debt_case.withdrawn', { reason: request.reason });
    },
  };
}
