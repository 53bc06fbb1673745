import { createServer } from 'node:net';

/** An answer of the API as tests read it: JSON parsed when it is JSON, else the text. */
export interface HttpResponse {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

export interface ApiRequestOptions {
  /** Sent as a bearer token. */
  key?: string;
  /** Sent as JSON, or as it is when a string (with your content type). */
  body?: unknown;
  headers?: Record<string, string>;
}

/** Calls the API at `baseUrl` over real HTTP. */
export async function requestApi(baseUrl: string, method: string, path: string, o: ApiRequestOptions = {}): Promise<HttpResponse> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.key) headers.authorization = `Bearer ${o.key}`;
  if (o.body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body, headers: res.headers };
}

/** A loopback port free a moment ago (the OS handed it out and it was closed again). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
