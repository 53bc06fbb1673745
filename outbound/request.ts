import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { addressRefusal, guardedLookup, hostOf, OutboundAddressRefused, type OutboundGuard } from './guard';

/**
 * The one way Recoup calls a URL a partner configured (webhook deliveries, `http` collectors, pull
 * sources): the address is checked at connection time, redirects are never followed (a 3xx is
 * handed back as it is), and only the first `maxBodyBytes` of the answer are read.
 */
export interface OutboundRequest {
  url: string | URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** For the whole exchange, the answer's body included. */
  timeoutMs: number;
  /** Read at most this much of the answer; the rest is not read (`truncated`). */
  maxBodyBytes: number;
}

export interface OutboundResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The answer was longer than `maxBodyBytes`: `body` holds its start. */
  truncated: boolean;
}

/** Why no answer came: a refused address (nothing was sent), no answer in time, or a network error. */
export class OutboundFailure extends Error {
  constructor(
    readonly kind: 'refused' | 'timeout' | 'network',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OutboundFailure';
  }
}

/** What the attempt logs say for a refused address: no more, so nothing about the network behind it leaks. */
export const REFUSED_ADDRESS_MESSAGE = 'refused: address not allowed';

/** How much of a refused or failing endpoint's answer Recoup keeps. */
export const RESPONSE_EXCERPT_BYTES = 200;

export function sendOutbound(guard: OutboundGuard, req: OutboundRequest): Promise<OutboundResponse> {
  const url = typeof req.url === 'string' ? new URL(req.url) : req.url;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new OutboundFailure('network', `unsupported scheme ${url.protocol}`));
  const host = hostOf(url);
  const allowedHost = guard.allowList.allowsHost(host);
  // Node connects to an IP literal without calling `lookup`: such a host is checked here.
  if (!allowedHost && isIP(host) && addressRefusal(guard, host)) return Promise.reject(new OutboundFailure('refused', REFUSED_ADDRESS_MESSAGE));

  return new Promise<OutboundResponse>((resolve, reject) => {
    let settled = false;
    const fail = (err: OutboundFailure) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(err);
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = send(
      {
        protocol: url.protocol,
        hostname: host,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: req.method,
        headers: { ...req.headers, ...(req.body !== undefined ? { 'content-length': String(Buffer.byteLength(req.body)) } : {}) },
        lookup: guardedLookup(guard, allowedHost),
        // A fresh connection per request: a pooled socket would skip the address check of this one.
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = (truncated: boolean) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: body.subarray(0, req.maxBodyBytes), truncated });
        };
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size > req.maxBodyBytes) {
            finish(true);
            res.destroy();
          }
        });
        res.on('end', () => finish(false));
        res.on('error', (err) => fail(failureOf(err)));
        res.on('close', () => {
          if (!res.complete) fail(new OutboundFailure('network', 'the connection closed before the answer was complete'));
        });
      },
    );
    const timer = setTimeout(() => {
      fail(new OutboundFailure('timeout', `no answer within ${req.timeoutMs / 1000} s`));
      outgoing.destroy();
    }, req.timeoutMs);
    outgoing.on('error', (err) => fail(failureOf(err)));
    outgoing.end(req.body);
  });
}

function failureOf(err: unknown): OutboundFailure {
  if (err instanceof OutboundAddressRefused) return new OutboundFailure('refused', REFUSED_ADDRESS_MESSAGE);
  const e = err as NodeJS.ErrnoException;
  // Happy eyeballs (autoSelectFamily) reports every address it tried as one AggregateError.
  const inner = err instanceof AggregateError ? (err.errors[0] as NodeJS.ErrnoException | undefined) : undefined;
  const code = e.code ?? inner?.code;
  return new OutboundFailure('network', code ? `${code}${e.message && !e.message.startsWith(code) ? `: ${e.message}` : ''}` : (e.message ?? String(err)), { cause: err });
}

/**
 * The start of an answer as Recoup stores it: at most RESPONSE_EXCERPT_BYTES bytes of UTF-8, cut
 * at a character boundary.
 */
export function responseExcerpt(body: Buffer): string {
  let text = new TextDecoder().decode(body.subarray(0, RESPONSE_EXCERPT_BYTES)).replace(/\uFFFD+$/, '');
  while (Buffer.byteLength(text) > RESPONSE_EXCERPT_BYTES) text = text.slice(0, -1);
  return text.trim();
}
