import path from 'node:path';
import type { Db } from '../db/client';
import type { OutboundGuard } from '../outbound/guard';
import type { DebtCollectorKind } from '../domain/debt-collector-configuration';
import { fileCollector } from './file';
import { httpCollector } from './http';
import { inHouseCollector } from './in-house';
import type { DebtCollector } from './types';

export type { DebtCollector, HandOffRequest, HandOffResult } from './types';
export { collectorSecretOf } from './types';

export type Collectors = Record<DebtCollectorKind, DebtCollector>;

export interface CollectorDeps {
  db: Db;
  publicBaseUrl: string;
  /** `RECOUP_DATA_DIR`; `memory://` (or unset) has no folder for the file collector's outbox. */
  dataDir?: string;
  /** `RECOUP_COLLECTOR_OUTBOX_DIR`, when set. */
  outboxDir?: string;
  /** Checks every connection of the `http` collector. */
  outbound: OutboundGuard;
}

/** Every collector kind a configuration may name, built once per worker. */
export function createCollectors(deps: CollectorDeps): Collectors {
  const outboxDir = deps.outboxDir ?? (deps.dataDir && deps.dataDir !== 'memory://' ? path.resolve(deps.dataDir, 'collector-outbox') : null);
  return {
    in_house: inHouseCollector(),
    http: httpCollector({ publicBaseUrl: deps.publicBaseUrl, outbound: deps.outbound }),
    file: fileCollector({ db: deps.db, outboxDir, publicBaseUrl: deps.publicBaseUrl }),
  };
}
