import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/**
 * What a log line may say about an HTTP exchange. A URL can carry a credential (the portal link's
 * token in `/pay/<token>`, the test checkout's `?checkout=`), and so can headers (Authorization,
 * Cookie, Set-Cookie, signatures, a redirect's Location to the portal): lines keep the URL with
 * those parts masked and only the headers named here.
 */
export const REDACTED = '[redacted]';

/** Path segments that are bearer credentials: whoever has the URL has the access. */
const CREDENTIAL_PATHS: RegExp[] = [
  // The debtor portal, `/pay/<token>[/<action>]`; the test provider's checkout ids are not secret.
  /^(\/pay\/)(?!test-provider\/)[^/?#]+/,
];

/** Query parameters whose value is a credential (checkout tokens, signatures, one-time codes). */
const CREDENTIAL_QUERY_PARAMS = new Set(['token', 'checkout', 'secret', 'signature', 'sig', 'code', 'key', 'password', 'session', 'session_id', 'access_token']);

/** Request headers worth a log line; every other one (Authorization, Cookie, signatures, …) is left out. */
const LOGGED_REQUEST_HEADERS = ['host', 'user-agent', 'content-type', 'content-length', 'accept', 'x-request-id', 'x-forwarded-for', 'idempotency-key', 'referer'];
/** Response headers worth a log line; Set-Cookie never is. */
const LOGGED_RESPONSE_HEADERS = ['content-type', 'content-length', 'location', 'x-request-id', 'retry-after', 'idempotent-replayed'];
/** Headers holding a URL, masked as one. */
const URL_HEADERS = new Set(['referer', 'location']);

/** The URL (path and query, or absolute) with credential segments and parameters masked. */
export function redactUrl(url: string): string {
  const hashAt = url.indexOf('#');
  const withoutHash = hashAt < 0 ? url : url.slice(0, hashAt);
  const queryAt = withoutHash.indexOf('?');
  let pathPart = queryAt < 0 ? withoutHash : withoutHash.slice(0, queryAt);
  const query = queryAt < 0 ? '' : withoutHash.slice(queryAt + 1);
  // An absolute URL (a Location or Referer): mask its path the same way.
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(pathPart)?.[0] ?? '';
  pathPart = pathPart.slice(origin.length);
  for (const pattern of CREDENTIAL_PATHS) pathPart = pathPart.replace(pattern, `$1${REDACTED}`);
  return origin + pathPart + (query ? `?${redactQuery(query)}` : '');
}

function redactQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = safeDecode(eq < 0 ? pair : pair.slice(0, eq)).toLowerCase();
      return eq >= 0 && CREDENTIAL_QUERY_PARAMS.has(name) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join('&');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function pickHeaders(headers: IncomingHttpHeaders | OutgoingHttpHeaders | undefined, names: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!headers) return out;
  for (const name of names) {
    const value = headers[name];
    if (value === undefined) continue;
    out[name] = URL_HEADERS.has(name) ? redactUrl(String(value)) : value;
  }
  return out;
}

interface SerializedRequest {
  id?: unknown;
  method?: string;
  url?: string;
  headers?: IncomingHttpHeaders;
  remoteAddress?: string;
  remotePort?: number;
}

interface SerializedResponse {
  statusCode?: number;
  headers?: OutgoingHttpHeaders;
}

/**
 * pino-http serializers (applied after pino's own): the request without its query and route
 * params (both may hold a token), its URL masked, and only the headers listed above.
 */
export const httpLogSerializers = {
  req(req: SerializedRequest) {
    return {
      id: req.id,
      method: req.method,
      url: req.url === undefined ? undefined : redactUrl(req.url),
      headers: pickHeaders(req.headers, LOGGED_REQUEST_HEADERS),
      remoteAddress: req.remoteAddress,
      remotePort: req.remotePort,
    };
  },
  res(res: SerializedResponse) {
    return { statusCode: res.statusCode, headers: pickHeaders(res.headers, LOGGED_RESPONSE_HEADERS) };
  },
};
