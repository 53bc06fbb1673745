import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { refusedRange } from './address-policy';
import { parseAllowList, type AllowList } from './allow-list';

/** Resolves a host name to every address it has (as `dns.lookup` with `all: true` does). */
export type HostResolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

/**
 * The rule for URLs partners configure (webhook endpoints, `http` collectors, pull sources): they
 * reach public addresses only, save the operator's named exceptions. Checked when a URL is
 * registered and again for every connection, against the address actually connected to.
 */
export interface OutboundGuard {
  allowList: AllowList;
  resolve: HostResolver;
}

export const systemResolver: HostResolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export function createOutboundGuard(options: { allowPrivateUrls?: string; resolve?: HostResolver } = {}): OutboundGuard {
  return { allowList: parseAllowList(options.allowPrivateUrls), resolve: options.resolve ?? systemResolver };
}

/** What a partner is told when a URL is refused; never the address a name resolved to. */
export interface UrlRefusal {
  message: string;
}

/** The host of a URL as a connection uses it: lower case, IPv6 without brackets. */
export function hostOf(url: URL): string {
  const host = url.hostname.toLowerCase();
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * The registration check: http(s) only, and a host that is a public address or a name whose
 * addresses are all public (or one the operator allowed). A name that does not resolve (yet) is
 * accepted: every connection checks the address again, so it can never lead anywhere refused.
 */
export async function checkUrl(guard: OutboundGuard, raw: string): Promise<UrlRefusal | null> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { message: 'must be an http or https URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { message: 'must be an http or https URL' };
  const host = hostOf(url);
  if (guard.allowList.allowsHost(host)) return null;
  if (isIP(host)) {
    const range = addressRefusal(guard, host);
    return range ? { message: `must reach a public address; ${host} is ${article(range)} address` } : null;
  }
  let addresses: Array<{ address: string }>;
  try {
    addresses = await guard.resolve(host);
  } catch {
    return null;
  }
  for (const { address } of addresses) {
    const range = addressRefusal(guard, address);
    if (range) return { message: `must reach a public address; ${host} resolves to ${article(range)} address` };
  }
  return null;
}

/** Why this address may not be connected to, or null when it may (public, or allowed by the operator). */
export function addressRefusal(guard: OutboundGuard, address: string): string | null {
  if (guard.allowList.allowsAddress(address)) return null;
  return refusedRange(address);
}

/** Thrown (as a socket error) when a connection would reach a refused address. */
export class OutboundAddressRefused extends Error {
  readonly code = 'ERR_OUTBOUND_ADDRESS_REFUSED';
  constructor(readonly range: string) {
    super('refused: address not allowed');
    this.name = 'OutboundAddressRefused';
  }
}

/**
 * A `lookup` for node's sockets that resolves through the guard and refuses the connection when
 * any address of the name is refused: the check runs on what is connected to, so a name that
 * changes its answer after registration (DNS rebinding) gets nowhere.
 */
export function guardedLookup(guard: OutboundGuard, allowedHost: boolean): LookupFunction {
  return (hostname, options, callback) => {
    guard.resolve(hostname).then(
      (found) => {
        const wanted = options.family === 4 || options.family === 6 ? found.filter((a) => a.family === options.family) : found;
        if (wanted.length === 0) {
          callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), '', 0);
          return;
        }
        if (!allowedHost) {
          for (const { address } of wanted) {
            const range = addressRefusal(guard, address);
            if (range) {
              callback(new OutboundAddressRefused(range), '', 0);
              return;
            }
          }
        }
        if (options.all) callback(null, wanted as never);
        else callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

function article(range: string): string {
  return `${/^(?!uni)[aeiou]/i.test(range) ? 'an' : 'a'} ${range}`;
}
