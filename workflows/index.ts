export { invoiceWorkflow } from './invoice.workflow';
export { importTransmissionWorkflow } from './import-transmission.workflow';
