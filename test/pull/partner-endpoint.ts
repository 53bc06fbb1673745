import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A partner's invoice endpoint on loopback, as the pull integration documents it: GET with
 * `Authorization: Bearer <token>` (401 otherwise), pages chained by `next_cursor` and asked for
 * with `?cursor=`. Each feed (`/feeds/<name>`) answers what its test sets.
 */
export type FeedAnswer =
  | { kind: 'pages'; pages: unknown[][] }
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'raw'; body: string; contentType?: string }
  /** Pages as given, then this status from the page with this index on. */
  | { kind: 'fails_at_page'; pages: unknown[][]; failAt: number; status: number };

export interface FeedRequest {
  feed: string;
  cursor: string | null;
  authorization: string | undefined;
}

export interface PartnerEndpoint {
  url(feed: string): string;
  set(feed: string, answer: FeedAnswer): void;
  requests(feed: string): FeedRequest[];
  close(): Promise<void>;
}

export async function startPartnerEndpoint(token: string): Promise<PartnerEndpoint> {
  const feeds = new Map<string, FeedAnswer>();
  const seen: FeedRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://partner.test');
    const feed = /^\/feeds\/([^/]+)$/.exec(url.pathname)?.[1] ?? '';
    const cursor = url.searchParams.get('cursor');
    seen.push({ feed, cursor, authorization: req.headers.authorization });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${token}`) return json(401, { error: 'unauthorized' });
    const answer = feeds.get(feed);
    if (!answer) return json(404, { error: 'no such feed' });
    if (answer.kind === 'status') {
      res.writeHead(answer.status, { 'content-type': 'text/plain' });
      return res.end(answer.body ?? 'error');
    }
    if (answer.kind === 'raw') {
      res.writeHead(200, { 'content-type': answer.contentType ?? 'application/json' });
      return res.end(answer.body);
    }
    // Cursors are "page-<n>"; no cursor is the first page.
    const index = cursor ? Number(cursor.replace('page-', '')) : 0;
    if (answer.kind === 'fails_at_page' && index >= answer.failAt) {
      res.writeHead(answer.status);
      return res.end();
    }
    const pages = answer.pages;
    const next = index + 1 < pages.length ? `page-${index + 1}` : undefined;
    json(200, { invoices: pages[index] ?? [], ...(next ? { next_cursor: next } : {}) });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (feed) => `${base}/feeds/${feed}`,
    set: (feed, answer) => void feeds.set(feed, answer),
    requests: (feed) => seen.filter((r) => r.feed === feed),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
