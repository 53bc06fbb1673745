import type { ActivityDeps } from './deps';
import { importTransmissionActivities } from './import-transmission';
import { invoiceStateActivities } from './invoice-state';
import { messagingActivities } from './messaging';

export type { ActivityDeps } from './deps';

/** All activities, built from their dependencies; workflows import only this factory's type. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...invoiceStateActivities(deps),
    ...messagingActivities(deps),
    ...importTransmissionActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
