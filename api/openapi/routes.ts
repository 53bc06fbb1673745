import { Router } from 'express';
import { openApiDocument } from './document';
import { renderDocsPage } from './docs-page';

/** `GET /api/v2/openapi.json` and the human docs at `/api/docs`; neither needs an API key. */
export function openApiRoutes(): Router {
  const r = Router();
  let page: string | undefined;

  r.get('/api/v2/openapi.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(openApiDocument());
  });

  r.get('/api/docs', (_req, res) => {
    page ??= renderDocsPage(openApiDocument());
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
