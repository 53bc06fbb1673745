import { BlockList, isIP } from 'node:net';
import { canonicalAddress } from './address-policy';

/**
 * `RECOUP_ALLOW_PRIVATE_URLS`: the operator's named exceptions to the public-address rule, e.g.
 * `127.0.0.1` for a local test receiver or `collector.internal` for an in-house collector.
 * Comma-separated host names, IP addresses and CIDRs.
 */
export interface AllowList {
  /** True when the operator allowed this IP address (an IPv4-mapped one counts as its IPv4 address). */
  allowsAddress(address: string): boolean;
  /** True when the operator allowed this host name, whatever it resolves to. */
  allowsHost(hostname: string): boolean;
}

const hostnamePattern = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** The entries that are not a host name, an IP address or a CIDR, for the configuration's error. */
export function invalidAllowListEntries(text: string): string[] {
  return entriesOf(text).filter((entry) => kindOf(entry) === null);
}

export function parseAllowList(text: string | undefined): AllowList {
  const addresses = new BlockList();
  const hosts = new Set<string>();
  for (const entry of entriesOf(text ?? '')) {
    const kind = kindOf(entry);
    if (kind === 'host') hosts.add(normalHost(entry));
    else if (kind === 'ip') addresses.addAddress(canonicalAddress(entry), isIP(canonicalAddress(entry)) === 6 ? 'ipv6' : 'ipv4');
    else if (kind === 'cidr') {
      const [network, prefix] = entry.split('/') as [string, string];
      addresses.addSubnet(network, Number(prefix), isIP(network) === 6 ? 'ipv6' : 'ipv4');
    } else throw new Error(`RECOUP_ALLOW_PRIVATE_URLS: "${entry}" is neither a host name, an IP address nor a CIDR`);
  }
  return {
    allowsAddress(address) {
      const ip = canonicalAddress(address);
      const version = isIP(ip);
      return version !== 0 && addresses.check(ip, version === 6 ? 'ipv6' : 'ipv4');
    },
    allowsHost(hostname) {
      return hosts.has(normalHost(hostname));
    },
  };
}

function entriesOf(text: string): string[] {
  return text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
}

function kindOf(entry: string): 'host' | 'ip' | 'cidr' | null {
  const bare = entry.startsWith('[') && entry.endsWith(']') ? entry.slice(1, -1) : entry;
  if (isIP(bare)) return 'ip';
  const slash = /^([^/]+)\/(\d{1,3})$/.exec(entry);
  if (slash) {
    const version = isIP(slash[1]!);
    const prefix = Number(slash[2]);
    if ((version === 4 && prefix <= 32) || (version === 6 && prefix <= 128)) return 'cidr';
    return null;
  }
  return hostnamePattern.test(normalHost(entry)) && !/^[\d.]+$/.test(entry) ? 'host' : null;
}

function normalHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}
