import type { Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import type { Role } from '../services/api-keys';
import { requireRole } from './auth';
import { parse } from './errors';
import type { ApiDeps } from './deps';
import { components, type ComponentName, type Tag } from './openapi/registry';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type SuccessStatus = 200 | 201 | 202 | 204;
export type ErrorStatus = 404 | 409 | 413 | 415 | 422;

/**
 * What the OpenAPI document says of a route: everything but its handler. The document is built
 * from these, so it needs no database or Temporal client.
 */
export interface ApiRoute {
  operationId: string;
  method: HttpMethod;
  /** Under /api/v2, parameters as `{name}`. */
  path: string;
  tag: Tag;
  summary: string;
  description?: string;
  /** Roles whose keys may call it; empty: no API key needed. */
  roles: readonly Role[];
  /** The component schema the body is parsed with, sent as JSON unless `bodyMediaType` says otherwise. */
  body?: ComponentName;
  bodyMediaType?: 'application/json' | 'multipart/form-data' | 'text/plain';
  /** The body may be left out (it is then parsed as `{}`). */
  bodyOptional?: boolean;
  /** The query schema the route parses with; a `company_id` in it names a company the caller must see. */
  query?: z.ZodObject;
  response: {
    status: SuccessStatus;
    description: string;
    schema?: ComponentName;
    /** For answers that are not JSON (statements, document content). */
    mediaType?: string;
    /** Other success statuses the route answers with the same schema (201 created beside 200 replaced). */
    also?: ReadonlyArray<{ status: SuccessStatus; description: string }>;
  };
  /** Answers beyond the ones every route of its kind gives (see the document's general rules). */
  errors?: ReadonlyArray<{ status: ErrorStatus; description: string }>;
}

type BodyOf<B> = B extends ComponentName ? z.output<(typeof components)[B]> : never;
type QueryOf<Q> = Q extends z.ZodObject ? z.output<Q> : never;

/** What a handler is given: the request and answer, the app's one deps object, and its input parsed by the definition's own schemas. */
export interface RouteContext<B = unknown, Q = unknown> {
  req: Request;
  res: Response;
  deps: ApiDeps;
  /** The body parsed with the definition's `body` schema (a 400 naming each field otherwise); called where the route checks it. */
  body(): BodyOf<B>;
  /** The query parsed with the definition's `query` schema. */
  query(): QueryOf<Q>;
  /** A path parameter, as a string. */
  param(name: string): string;
}

export interface RouteDefinition<B extends ComponentName | undefined = ComponentName | undefined, Q extends z.ZodObject | undefined = z.ZodObject | undefined> extends ApiRoute {
  body?: B & ComponentName;
  query?: Q & z.ZodObject;
  /**
   * The handler checks `roles` itself, after finding what the path names, so an unknown id is a
   * 404 whatever the caller's role (debt collection cases); otherwise the role is checked first.
   */
  checksRolesItself?: boolean;
  /** Runs after the role check and before the handler (a raw body parser). */
  middleware?: readonly RequestHandler[];
  handler(ctx: RouteContext<B, Q>): Promise<void> | void;
}

/** A route, once: its Express handler and its OpenAPI entry both come from this object. */
export function defineRoute<B extends ComponentName | undefined = undefined, Q extends z.ZodObject | undefined = undefined>(
  definition: RouteDefinition<B, Q>,
): RouteDefinition {
  return definition as unknown as RouteDefinition;
}

/** `/companies/{id}` as Express writes it: `/companies/:id`. */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/** Registers each definition on the router, in order: the role check, then the handler with its input parsed by the schemas the document shows. */
export function mountRoutes(router: Router, definitions: readonly RouteDefinition[], deps: ApiDeps): Router {
  for (const definition of definitions) {
    const { roles, body, bodyOptional, query, handler, checksRolesItself, middleware = [] } = definition;
    const handlers: RequestHandler[] = [...(roles.length > 0 && !checksRolesItself ? [requireRole(...roles)] : []), ...middleware];
    handlers.push(async (req, res) => {
      await handler({
        req,
        res,
        deps,
        body: () => (body ? parse(components[body], bodyOptional ? (req.body ?? {}) : req.body) : undefined) as never,
        query: () => (query ? parse(query, req.query, 'query') : undefined) as never,
        param: (name) => String(req.params[name]),
      });
    });
    router[definition.method](expressPath(definition.path), ...handlers);
  }
  return router;
}
