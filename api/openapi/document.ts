import { z } from 'zod';
import { debtorPatchSchema, debtorSchema, isoDate, partnerCreateSchema, timezone } from '../../domain/schemas';
import { IDEMPOTENCY_KEY_HEADER, MAX_IDEMPOTENCY_KEY_LENGTH, REPLAYED_HEADER } from '../idempotency';
import type { ApiRoute } from '../route-definition';
import { components, tags } from './registry';

/** A JSON Schema or OpenAPI object: plain JSON. */
export type JsonObject = { [key: string]: unknown };

export interface OpenApiDocument extends JsonObject {
  openapi: string;
  info: JsonObject;
  paths: Record<string, Record<string, JsonObject>>;
  components: JsonObject & { schemas: Record<string, JsonObject> };
}

const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const responseRef = (name: string) => ({ $ref: `#/components/responses/${name}` });
const errorContent = { 'application/json': { schema: schemaRef('Error') } };

/**
 * Constraints zod checks with refinements, which JSON Schema cannot get from them: said here, in
 * JSON Schema where it can (a real calendar date is `format: date`), else in words.
 */
const extraJsonSchema = new Map<unknown, JsonObject>([
  [debtorSchema, { anyOf: [{ required: ['last_name'] }, { required: ['organization_name'] }], description: 'Needs `last_name` or `organization_name`.' }],
  [debtorPatchSchema, { minProperties: 1, description: 'At least one field to change.' }],
  [isoDate, { format: 'date' }],
  [timezone, { description: 'An IANA timezone such as `Europe/Amsterdam`.' }],
  [partnerCreateSchema.shape.ip_allow_list.unwrap().element, { description: 'An IP address or a CIDR such as `10.0.0.0/8`.' }],
]);

/** Completes the JSON Schema zod made of a schema: what its refinements check, and files as binary strings. */
function completeJsonSchema({ zodSchema, jsonSchema }: { zodSchema: z.core.$ZodTypes; jsonSchema: unknown }): void {
  const js = jsonSchema as JsonObject;
  if (zodSchema._zod.def.type === 'file') {
    for (const key of Object.keys(js)) delete js[key];
    Object.assign(js, { type: 'string', contentMediaType: 'application/octet-stream' });
  }
  const extra = extraJsonSchema.get(zodSchema);
  if (extra) Object.assign(js, extra);
}

/** Query fields that name something the caller must be able to see: an unknown or another tenant's id is a 404. */
const scopingQueryFields = ['company_id', 'import_id'];

/**
 * The OpenAPI 3.1 document of the partner API, from the route definitions (api/partner-api.ts)
 * and the zod schemas the routes validate with (their input side: what a client may send,
 * defaults optional). Built from the definitions alone: no database or Temporal client needed.
 */
export function buildOpenApiDocument(routes: readonly ApiRoute[]): OpenApiDocument {
  const schemas = componentSchemas();
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    if (!(route.path in paths)) paths[route.path] = {};
    const item = paths[route.path]!;
    if (item[route.method]) throw new Error(`${route.method.toUpperCase()} ${route.path} is declared twice`);
    item[route.method] = operation(route);
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'Recoup partner API',
      version: '2',
      summary: 'Collections as a service: every invoice is one durable workflow.',
      description: [
        'Authenticate with `Authorization: Bearer <api key>`. A key has a role: `partner` (owns companies), `reviewer` (reviews debt cases) or `ops`.',
        'A partner sees only its own companies and everything under them; anything else is 404.',
        'JSON bodies with `snake_case` fields; amounts are integer minor units (`*_cents`) with an ISO 4217 `currency`; dates `YYYY-MM-DD`; timestamps ISO 8601 UTC.',
        'Lists are cursor-paginated: `?limit=` (default 50, max 500) and `?cursor=`, answering `{ data, next_cursor }`.',
        `Every POST honours an optional \`${IDEMPOTENCY_KEY_HEADER}\` header: the same key with the same request replays the first answer for 24 h (marked \`${REPLAYED_HEADER}: true\`).`,
        'Requests are rate limited per API key (`RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`; 429 with `Retry-After` beyond).',
      ].join('\n\n'),
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/api/v2' }],
    tags: tags.map((t) => ({ ...t })),
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      schemas,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key. Keys are stored hashed; the secret is shown once when created.' } },
      parameters: {
        IdempotencyKey: {
          name: IDEMPOTENCY_KEY_HEADER,
          in: 'header',
          required: false,
          description: `Makes a retried POST safe (IETF draft): the same key with the same method, path and body replays the first answer for 24 h; with another body it is 422 \`idempotency_key_reused\`; while the first is still running, 409 \`idempotency_key_in_use\`. Keys are per API key. A 5xx answer is not kept.`,
          schema: { type: 'string', minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH },
        },
      },
      headers: {
        'RateLimit-Limit': { description: 'Requests this API key may make a minute', schema: { type: 'integer' } },
        'RateLimit-Remaining': { description: 'Requests left in the current minute', schema: { type: 'integer' } },
        'RateLimit-Reset': { description: 'Seconds until the window resets', schema: { type: 'integer' } },
        'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } },
        [REPLAYED_HEADER]: { description: 'Present (`true`) when this is the stored answer to an earlier request with the same Idempotency-Key', schema: { type: 'string', enum: ['true'] } },
      },
      responses: {
        BadRequest: { description: 'Malformed or invalid request: `details` lists `{ path, message }` per field', content: errorContent },
        Unauthorized: { description: 'No API key, or an unknown or revoked one', content: errorContent },
        Forbidden: { description: "The key's role may not do this, or the request comes from outside the partner's IP allow-list", content: errorContent },
        NotFound: { description: 'Unknown, or another tenant’s', content: errorContent },
        PayloadTooLarge: { description: 'The body is larger than the API takes (`payload_too_large`; JSON bodies: 1 MB)', content: errorContent },
        ServiceUnavailable: { description: 'The database or Temporal is unreachable for a moment (`service_unavailable`): try again shortly', content: errorContent },
        RateLimited: {
          description: 'Too many requests for this API key (`rate_limited`)',
          headers: { 'Retry-After': { $ref: '#/components/headers/Retry-After' }, 'RateLimit-Limit': { $ref: '#/components/headers/RateLimit-Limit' }, 'RateLimit-Remaining': { $ref: '#/components/headers/RateLimit-Remaining' } },
          content: errorContent,
        },
      },
    },
  };
}

function componentSchemas(): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(components)) {
    if (registry.has(schema)) throw new Error(`The schema named ${id} is already registered as ${registry.get(schema)!.id}`);
    registry.add(schema, { id });
  }
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'input',
    uri: (id) => `#/components/schemas/${id}`,
    // Refinements and transforms have no JSON Schema form: the shape is documented, zod checks the rest.
    unrepresentable: 'any',
    override: completeJsonSchema,
  });
  const out: Record<string, JsonObject> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    // OpenAPI 3.1 sets the dialect once (jsonSchemaDialect); a fragment `$id` is not allowed in 2020-12.
    const { $schema: _dialect, $id: _id, ...rest } = schema as JsonObject;
    out[id] = rest;
  }
  return out;
}

function operation(route: ApiRoute): JsonObject {
  const authenticated = route.roles.length > 0;
  const isPost = route.method === 'post';
  const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const parameters: JsonObject[] = [
    ...pathParams.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
    ...(route.query ? queryParameters(route.query) : []),
    ...(isPost && authenticated ? [{ $ref: '#/components/parameters/IdempotencyKey' }] : []),
  ];

  const responses: Record<string, unknown> = {};
  const { status, description, schema, mediaType, also = [] } = route.response;
  const content = schema ? { content: { [mediaType ?? 'application/json']: { schema: schemaRef(schema) } } } : mediaType ? { content: { [mediaType]: {} } } : {};
  const headers = authenticated && {
    headers: {
      'RateLimit-Limit': { $ref: '#/components/headers/RateLimit-Limit' },
      'RateLimit-Remaining': { $ref: '#/components/headers/RateLimit-Remaining' },
      ...(isPost && { [REPLAYED_HEADER]: { $ref: `#/components/headers/${REPLAYED_HEADER}` } }),
    },
  };
  for (const success of [{ status, description }, ...also].sort((a, b) => a.status - b.status)) {
    responses[String(success.status)] = { description: success.description, ...headers, ...content };
  }
  if (route.body || route.query || (isPost && authenticated)) {
    responses['400'] = isPost && authenticated
      ? { description: `Malformed or invalid request (\`details\` per field), or an ${IDEMPOTENCY_KEY_HEADER} longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`, content: errorContent }
      : responseRef('BadRequest');
  }
  if (authenticated) {
    responses['401'] = responseRef('Unauthorized');
    responses['403'] = responseRef('Forbidden');
  }
  const scopingQuery = Object.keys(route.query?.shape ?? {}).filter((name) => scopingQueryFields.includes(name));
  if (pathParams.length > 0 || scopingQuery.length > 0) responses['404'] = responseRef('NotFound');
  const extra = new Map<number, string[]>();
  for (const e of route.errors ?? []) extra.set(e.status, [...(extra.get(e.status) ?? []), e.description]);
  if (isPost && authenticated) {
    extra.set(409, [...(extra.get(409) ?? []), '`idempotency_key_in_use`: a request with this Idempotency-Key is still running']);
    extra.set(422, [...(extra.get(422) ?? []), '`idempotency_key_reused`: this Idempotency-Key came with another request']);
  }
  // Every JSON body goes through the API's body parser, whose limit is 1 MB; uploads say their own limit.
  const jsonBody = route.body && (route.bodyMediaType ?? 'application/json') === 'application/json';
  for (const [code, descriptions] of [...extra].sort(([a], [b]) => a - b)) {
    if (code === 413 && jsonBody) descriptions.unshift('The body is larger than 1 MB');
    responses[String(code)] = { description: descriptions.join('; or '), content: errorContent };
  }
  if (jsonBody && !extra.has(413)) responses['413'] = responseRef('PayloadTooLarge');
  if (authenticated) {
    responses['429'] = responseRef('RateLimited');
    responses['503'] = responseRef('ServiceUnavailable');
  }

  const roleNote = authenticated ? `Roles: ${route.roles.map((r) => `\`${r}\``).join(', ')}.` : 'No API key needed.';
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: [route.description, roleNote].filter(Boolean).join('\n\n'),
    tags: [route.tag],
    ...(parameters.length > 0 && { parameters }),
    ...(route.body && {
      requestBody: { required: !route.bodyOptional, content: { [route.bodyMediaType ?? 'application/json']: { schema: schemaRef(route.body) } } },
    }),
    responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b))),
    ...(!authenticated && { security: [] }),
    'x-roles': [...route.roles],
  };
}

function queryParameters(query: z.ZodObject): JsonObject[] {
  const js = z.toJSONSchema(query, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any', override: completeJsonSchema }) as JsonObject;
  const properties = (js.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set((js.required ?? []) as string[]);
  return Object.entries(properties).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return { name, in: 'query', required: required.has(name), ...(typeof description === 'string' && { description }), schema: rest };
  });
}

const built = new WeakMap<readonly ApiRoute[], OpenApiDocument>();
/** Built once per list of routes: the definitions do not change while the process runs. */
export function openApiDocument(routes: readonly ApiRoute[]): OpenApiDocument {
  let document = built.get(routes);
  if (!document) {
    document = buildOpenApiDocument(routes);
    built.set(routes, document);
  }
  return document;
}
