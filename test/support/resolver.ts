import type { HostResolver } from '../../outbound/guard';

/**
 * The tests' DNS: `localhost` is loopback and no other name resolves, so no test ever asks a
 * name server (nor sends anything past loopback). A test that needs a name gives its own table.
 */
export function loopbackResolver(names: Record<string, string[]> = {}): HostResolver {
  const table: Record<string, string[]> = { localhost: ['127.0.0.1'], ...names };
  return async (hostname) => {
    const addresses = table[hostname.toLowerCase()];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}
