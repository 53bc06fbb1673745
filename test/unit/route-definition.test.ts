import type { Server } from 'node:http';
import express from 'express';
import type { ApiDeps } from '../../api/deps';
import { errorMiddleware } from '../../api/errors';
import { buildOpenApiDocument } from '../../api/openapi/document';
import * as registry from '../../api/openapi/registry';
import { partnerApiDefinitions, partnerApiRoutes } from '../../api/partner-api';
import { defineRoute, mountRoutes, type RouteDefinition } from '../../api/route-definition';
import { silentLogger } from '../support/logger';

/** A route defined once, here only: no list elsewhere names it. */
const echoRoute = defineRoute({
  operationId: 'echoCompanyNote',
  method: 'post',
  path: '/companies/{id}/notes',
  tag: 'Companies',
  summary: 'Echo a note',
  roles: [],
  body: 'Reason',
  response: { status: 201, description: 'The note', schema: 'Company' },
  errors: [{ status: 409, description: '`note_exists`' }],
  handler: ({ res, body, param }) => {
    res.status(201).json({ company_id: param('id'), reason: body().reason ?? null });
  },
});

async function listen(definitions: readonly RouteDefinition[]): Promise<{ url: string; server: Server }> {
  const app = express();
  app.use(express.json());
  // The handler above needs nothing of the deps: definitions are plain objects, deps come at mount time.
  app.use('/api/v2', mountRoutes(express.Router(), definitions, {} as ApiDeps));
  app.use(errorMiddleware(silentLogger));
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server }));
  });
}

test('a route added to a definition list is served by the app and documented by the same list, with its statuses', async () => {
  const definitions = [...partnerApiDefinitions, echoRoute];
  const { url, server } = await listen([echoRoute]);
  try {
    const ok = await fetch(`${url}/api/v2/companies/cmp_1/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'hello' }) });
    expect([ok.status, await ok.json()]).toEqual([201, { company_id: 'cmp_1', reason: 'hello' }]);
    // The body is parsed with the schema the document names (Reason): the same refusal a client reads about.
    const refused = await fetch(`${url}/api/v2/companies/cmp_1/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 42 }) });
    expect([refused.status, ((await refused.json()) as { error: { details: Array<{ path: string }> } }).error.details[0]!.path]).toEqual([400, 'reason']);
  } finally {
    server.close();
  }

  const document = buildOpenApiDocument(definitions);
  const operation = document.paths['/companies/{id}/notes']!.post!;
  expect(operation).toEqual(
    expect.objectContaining({
      operationId: 'echoCompanyNote',
      summary: 'Echo a note',
      tags: ['Companies'],
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Reason' } } } },
    }),
  );
  expect(Object.keys(operation.responses as object)).toEqual(['201', '400', '404', '409', '413']);
  // Without the definition the document does not have it: nothing else lists routes.
  expect(buildOpenApiDocument(partnerApiRoutes).paths['/companies/{id}/notes']).toBeUndefined();
});

test('the registry keeps only the tags and the component schemas: the operations are the route definitions', () => {
  expect(Object.keys(registry).sort()).toEqual(['components', 'tags']);
  const document = buildOpenApiDocument(partnerApiRoutes);
  const operations = Object.values(document.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
  expect(operations.sort()).toEqual(partnerApiRoutes.map((r) => r.operationId).sort());
});

test('a definition with several success statuses documents each of them', () => {
  const put = buildOpenApiDocument(partnerApiRoutes).paths['/companies/{id}/pull_source']!.put!.responses as Record<string, { description: string }>;
  expect([put['200']?.description, put['201']?.description]).toEqual(['The pull source, replaced', 'The pull source, created']);
});
