import { Router } from 'express';
import type { ApiRoute } from '../route-definition';
import { openApiDocument } from './document';
import { renderDocsPage } from './docs-page';
import { openApiDocumentOperation } from './operation';

/** `GET /api/v2/openapi.json` and the human docs at `/api/docs`, built from the given routes; neither needs an API key. */
export function openApiRoutes(routes: readonly ApiRoute[]): Router {
  const r = Router();
  let page: string | undefined;

  r.get(`/api/v2${openApiDocumentOperation.path}`, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(openApiDocument(routes));
  });

  r.get('/api/docs', (_req, res) => {
    page ??= renderDocsPage(openApiDocument(routes));
    res
      .set({
        'Content-Type': 'text/html; charset=utf-8',
        // The page is self-contained: nothing may load from anywhere, not even this origin.
        'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        'Cache-Control': 'public, max-age=300',
      })
      .send(page);
  });

  return r;
}
