import { proxyActivities } from '@temporalio/workflow';

/** What the benchmark's no-op workflow calls: one activity that does nothing but report. */
export interface NoopActivities {
  noopRan(): Promise<void>;
}

const { noopRan } = proxyActivities<NoopActivities>({ startToCloseTimeout: '1 minute' });

/** The baseline: a workflow start and one activity round trip, with no Recoup work in it. */
export async function benchNoopWorkflow(): Promise<void> {
  await noopRan();
}
