export { invoiceWorkflow } from './invoice.workflow';
export { importTransmissionWorkflow } from './import-transmission.workflow';
export { webhookRelayWorkflow } from './webhook-relay.workflow';
export { webhookDeliveryWorkflow } from './webhook-delivery.workflow';
export { pullInvoicesWorkflow } from './pull-invoices.workflow';
export { debtCaseWorkflow } from './debt-case.workflow';
export { batchFileWorkflow } from './batch-file.workflow';
export { eventsExtractWorkflow } from './events-extract.workflow';
