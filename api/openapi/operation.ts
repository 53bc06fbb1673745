import type { ApiRoute } from '../route-definition';

/** `GET /api/v2/openapi.json`: served by api/openapi/routes.ts outside the authenticated API, listed in the document like any route. */
export const openApiDocumentOperation: ApiRoute = {
  operationId: 'getOpenApiDocument',
  method: 'get',
  path: '/openapi.json',
  tag: 'Documentation',
  summary: 'This OpenAPI 3.1 document',
  description: 'Human-readable at `/api/docs`.',
  roles: [],
  response: { status: 200, description: 'The document', mediaType: 'application/json' },
};
