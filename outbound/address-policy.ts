import { BlockList, isIP } from 'node:net';

/**
 * Which IP addresses a partner-configured URL may reach: only public ones. A pure function of the
 * address (no DNS, no traffic), used at registration and again for every connection.
 */

interface Range {
  cidr: string;
  /** What the range is, in words a partner understands ("a loopback address"). */
  label: string;
}

// Checked first: these sit inside wider ranges (link-local, unique-local, CGNAT) or in public
// space, and "cloud metadata" says better why they are refused.
const cloudMetadata: Range[] = [
  { cidr: '169.254.169.254/32', label: 'cloud metadata' },
  { cidr: '169.254.170.2/32', label: 'cloud metadata' },
  { cidr: '100.100.100.200/32', label: 'cloud metadata' },
  { cidr: '168.63.129.16/32', label: 'cloud metadata' },
  { cidr: 'fd00:ec2::254/128', label: 'cloud metadata' },
];

/** IANA's IPv4 special-purpose registry, less nothing that a public server could use. */
const ipv4Ranges: Range[] = [
  { cidr: '0.0.0.0/8', label: 'unspecified' },
  { cidr: '10.0.0.0/8', label: 'private' },
  { cidr: '100.64.0.0/10', label: 'carrier-grade NAT' },
  { cidr: '127.0.0.0/8', label: 'loopback' },
  { cidr: '169.254.0.0/16', label: 'link-local' },
  { cidr: '172.16.0.0/12', label: 'private' },
  { cidr: '192.0.0.0/24', label: 'reserved' },
  { cidr: '192.0.2.0/24', label: 'documentation' },
  { cidr: '192.88.99.0/24', label: 'reserved' },
  { cidr: '192.168.0.0/16', label: 'private' },
  { cidr: '198.18.0.0/15', label: 'benchmarking' },
  { cidr: '198.51.100.0/24', label: 'documentation' },
  { cidr: '203.0.113.0/24', label: 'documentation' },
  { cidr: '224.0.0.0/4', label: 'multicast' },
  { cidr: '240.0.0.0/4', label: 'reserved' },
];

/** IANA's IPv6 special-purpose registry; ranges that embed an IPv4 address are judged by it (below). */
const ipv6Ranges: Range[] = [
  { cidr: '::/128', label: 'unspecified' },
  { cidr: '::1/128', label: 'loopback' },
  { cidr: '64:ff9b:1::/48', label: 'private' },
  { cidr: '100::/64', label: 'reserved' },
  { cidr: '2001::/32', label: 'reserved' },
  { cidr: '2001:2::/48', label: 'benchmarking' },
  { cidr: '2001:10::/28', label: 'reserved' },
  { cidr: '2001:db8::/32', label: 'documentation' },
  { cidr: '3fff::/20', label: 'documentation' },
  { cidr: '5f00::/16', label: 'reserved' },
  { cidr: 'fc00::/7', label: 'unique-local' },
  { cidr: 'fe80::/10', label: 'link-local' },
  { cidr: 'fec0::/10', label: 'site-local' },
  { cidr: 'ff00::/8', label: 'multicast' },
];

function compile(ranges: Range[]): Array<Range & { list: BlockList; family: 'ipv4' | 'ipv6' }> {
  return ranges.map((r) => {
    const [network, prefix] = r.cidr.split('/') as [string, string];
    const family = isIP(network) === 6 ? 'ipv6' : 'ipv4';
    const list = new BlockList();
    list.addSubnet(network, Number(prefix), family);
    return { ...r, list, family };
  });
}

const metadataRules = compile(cloudMetadata);
const ipv4Rules = compile(ipv4Ranges);
const ipv6Rules = compile(ipv6Ranges);

/**
 * Why an address is refused ("loopback", "private", "cloud metadata", …), or null for a public one.
 * An IPv6 address that carries an IPv4 one (IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`,
 * 6to4 `2002::/16`) is judged by the IPv4 address it leads to; IPv4-compatible `::a.b.c.d` is
 * deprecated and refused. Anything that is not an IP address is refused as "not an IP address".
 */
export function refusedRange(address: string): string | null {
  const ip = withoutZone(address);
  const version = isIP(ip);
  if (version === 4) return classify(ip, 'ipv4');
  if (version !== 6) return 'not an IP address';
  const embedded = embeddedIpv4(ip);
  if (embedded === 'compatible') return 'reserved';
  if (embedded) return classify(embedded, 'ipv4');
  return classify(ip, 'ipv6');
}

/** The address as a connection sees it: an IPv4-mapped IPv6 address is its IPv4 address. */
export function canonicalAddress(address: string): string {
  const ip = withoutZone(address);
  if (isIP(ip) !== 6) return ip;
  const words = ipv6Words(ip);
  if (words && words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) return ipv4Of(words[6]!, words[7]!);
  return ip;
}

function classify(ip: string, family: 'ipv4' | 'ipv6'): string | null {
  for (const rule of metadataRules) if (rule.family === family && rule.list.check(ip, family)) return rule.label;
  for (const rule of family === 'ipv4' ? ipv4Rules : ipv6Rules) if (rule.list.check(ip, family)) return rule.label;
  return null;
}

function withoutZone(address: string): string {
  const trimmed = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const zone = trimmed.indexOf('%');
  return zone === -1 ? trimmed : trimmed.slice(0, zone);
}

/** The IPv4 address an IPv6 address leads to, 'compatible' for the deprecated `::a.b.c.d`, else null. */
function embeddedIpv4(ip: string): string | 'compatible' | null {
  const w = ipv6Words(ip);
  if (!w) return null;
  const zeros = (from: number, to: number) => w.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && w[5] === 0xffff) return ipv4Of(w[6]!, w[7]!);
  if (zeros(0, 6) && (w[6] !== 0 || w[7]! > 1)) return 'compatible';
  if (w[0] === 0x64 && w[1] === 0xff9b && zeros(2, 6)) return ipv4Of(w[6]!, w[7]!);
  if (w[0] === 0x2002) return ipv4Of(w[1]!, w[2]!);
  return null;
}

function ipv4Of(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** The eight 16-bit words of a valid IPv6 address (a trailing dotted quad included). */
function ipv6Words(ip: string): number[] | null {
  let text = ip.toLowerCase();
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const part = (s: string | undefined) => (s ? s.split(':').map((h) => parseInt(h, 16)) : []);
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const words = [...head, ...new Array<number>(Math.max(fill, 0)).fill(0), ...tail];
  return words.length === 8 && words.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffff) ? words : null;
}
