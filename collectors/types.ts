import { z } from 'zod';
import type { DebtCollectionCaseDocumentRow } from './case-payload';
import type { DebtCollectorConfiguration, DebtCollectorKind } from '../domain/debt-collector-configuration';
import type { DebtCaseRow } from '../services/debt-cases';

/** What a collector is given: the case as stored, with the configuration snapshotted at mark-prepared. */
export interface HandOffRequest {
  row: DebtCaseRow;
  configuration: DebtCollectorConfiguration;
  documents: DebtCollectionCaseDocumentRow[];
  now: Date;
}

export interface HandOffResult {
  delivery: 'sent' | 'in_house' | 'file';
  /** The collector's own reference for the case, when it answered one. */
  reference?: string | null;
  destination?: string | null;
}

/**
 * A debt collector behind one interface. `environment: test` cases never reach one: the hand-off
 * activity records them without calling the collector.
 */
export interface DebtCollector {
  readonly kind: DebtCollectorKind;
  /** Gives the case to the collector. Throws to be retried; an `ApplicationFailure` that is non-retryable gives up. */
  handOff(request: HandOffRequest): Promise<HandOffResult>;
  /** Runs once the hand-off is recorded, and again on every retry (the file collector rewrites the day's batch then). */
  afterHandOffRecorded?(row: DebtCaseRow): Promise<void>;
  /** Tells the collector a case it holds is withdrawn (the debtor paid, or the partner withdrew it). */
  withdraw?(request: HandOffRequest & { reason: string }): Promise<void>;
}

/** Settings of an `http` collector configuration: where cases go and the secret both sides sign with. */
export const httpCollectorSettingsSchema = z.object({
  url: z.url({ protocol: /^https?$/ }),
  secret: z.string().min(16, 'an http collector needs settings.secret of at least 16 characters'),
});

/** The secret of a case's snapshotted configuration, when it is an http collector with one. */
export function collectorSecretOf(configuration: DebtCollectorConfiguration | null | undefined): string | null {
  if (configuration?.collector !== 'http') return null;
  const parsed = httpCollectorSettingsSchema.safeParse(configuration.settings ?? {});
  return parsed.success ? parsed.data.secret : null;
}
