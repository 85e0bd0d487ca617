import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key under which a remote address is counted. An IPv4-mapped IPv6 address counts
 * as its IPv4 address, and an IPv6 address as its /64 network: one host usually holds a
 * whole /64, so counting single IPv6 addresses would let it rotate past any limit.
 */
export function addressKey(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  if (isIPv4(address)) return address;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (isIPv6(address)) return `${ipv6Prefix64(address)}::/64`;
  return address;
}

/** The first four groups of a valid IPv6 address, in canonical lower-case hex. */
function ipv6Prefix64(address: string): string {
  const withoutZone = address.split('%', 1)[0]!;
  const halves = withoutZone.split('::');
  const groupsOf = (text: string | undefined): string[] => {
    if (text === undefined || text === '') return [];
    // An embedded IPv4 tail stands for two groups; only its count matters for the prefix.
    return text.split(':').flatMap((group) => (group.includes('.') ? ['0', '0'] : [group]));
  };
  const head = groupsOf(halves[0]);
  const tail = groupsOf(halves[1]);
  const missing = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...Array.from({ length: missing }, () => '0'), ...tail];
  return groups
    .slice(0, 4)
    .map((group) => parseInt(group, 16).toString(16))
    .join(':');
}
