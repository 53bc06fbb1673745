import { batchFileRoutes } from './batch-files/routes';
import { companyRoutes } from './companies/routes';
import { companyUserRoutes } from './company-users/routes';
import { debtCaseRoutes } from './debt-cases/routes';
import { debtCollectorRoutes } from './debt-collectors/routes';
import { debtorRoutes } from './debtors/routes';
import { disputeRoutes } from './disputes/routes';
import { documentRoutes } from './documents/routes';
import { dunningPolicyRoutes } from './dunning-policy/routes';
import { eventRoutes } from './events/routes';
import { importRoutes } from './imports/routes';
import { invoiceMessageRoutes } from './invoice-messages/routes';
import { invoiceRoutes } from './invoices/routes';
import { openApiDocumentOperation } from './openapi/operation';
import { partnerRoutes } from './partners/routes';
import { printBatchRoutes } from './print-batches/routes';
import { pullSourceRoutes } from './pull-source/routes';
import { statementRoutes } from './statements/routes';
import { webhookEndpointRoutes } from './webhooks/routes';
import type { ApiRoute, RouteDefinition } from './route-definition';

/**
 * Every route of the partner API under /api/v2, in the order Express tries them: a route is added
 * by adding its definition to its feature folder's list, and both the app (api/app.ts) and the
 * OpenAPI document (api/openapi/document.ts) take it from here.
 */
export const partnerApiDefinitions: readonly RouteDefinition[] = [
  ...partnerRoutes,
  ...companyRoutes,
  ...companyUserRoutes,
  ...documentRoutes,
  ...dunningPolicyRoutes,
  ...debtCollectorRoutes,
  ...pullSourceRoutes,
  ...importRoutes,
  ...batchFileRoutes,
  ...invoiceRoutes,
  ...disputeRoutes,
  ...invoiceMessageRoutes,
  ...debtorRoutes,
  ...eventRoutes,
  ...webhookEndpointRoutes,
  ...debtCaseRoutes,
  ...statementRoutes,
  ...printBatchRoutes,
];

/** The operations of the OpenAPI document: every definition, and the document itself (served without an API key). */
export const partnerApiRoutes: readonly ApiRoute[] = [...partnerApiDefinitions, openApiDocumentOperation];
