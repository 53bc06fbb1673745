import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { BatchFileInput, BatchFileSummary, BatchTransmission } from './batch-file.messages';

// Records are read in one long activity that heartbeats its line and resumes there after a retry.
const { processBatchFileRecords } = proxyActivities<Activities>({
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});
const { transmitBatchImport, completeBatchFile } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * One batch file: apply its records (placements become invoices in one import, updates go to the
 * invoices' workflows), transmit the import unless the header says not to, then write the result
 * file's summary. No record data enters this workflow's history, only counts.
 */
export async function batchFileWorkflow(input: BatchFileInput): Promise<BatchFileSummary> {
  const processed = await processBatchFileRecords(input);
  let transmission: BatchTransmission | undefined;
  if (processed.outcome === 'processed' && processed.type === 'placement') {
    transmission = processed.importId && processed.transmit ? await transmitBatchImport({ importId: processed.importId }) : { status: 'not_requested' };
  }
  return completeBatchFile({ input, processed, transmission });
}
