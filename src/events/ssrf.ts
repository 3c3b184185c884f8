/**
 * The SSRF guard for webhook targets (issue 5): with `WEBHOOK_BLOCK_PRIVATE=true`,
 * Tasklane refuses to send webhooks to private, loopback, link-local and other
 * non-public addresses, both when a subscription is created or updated and again
 * at delivery time (DNS may change in between: the delivery's own connection resolves
 * the host through `guardedLookup`, so the address checked is the one connected to).
 * Off by default: self-hosted receivers often live on the same network.
 *
 * The address ranges are checked with Node's `net.BlockList`.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

const blocked = new BlockList();
// IPv4: "this" network, private (RFC 1918), shared CGNAT, loopback, link-local (cloud
// metadata lives at 169.254.169.254), IETF protocol assignments, benchmarking,
// multicast, reserved and broadcast.
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
// IPv6: unspecified, loopback, unique local, link-local, multicast.
blocked.addAddress('::', 'ipv6');
blocked.addAddress('::1', 'ipv6');
blocked.addSubnet('fc00::', 7, 'ipv6');
blocked.addSubnet('fe80::', 10, 'ipv6');
blocked.addSubnet('ff00::', 8, 'ipv6');

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, `::ffff:7f00:1`), or null. */
function mappedIpv4(address: string): string | null {
  // The URL parser writes IPv6 in its canonical compressed form: `::ffff:7f00:1`.
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const m = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(canonical);
  if (!m) return null;
  const hi = parseInt(m[1], 16);
  const lo = parseInt(m[2], 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/**
 * True when `address` (an IPv4 or IPv6 literal, brackets allowed) is not a public
 * unicast address; anything that is not an IP literal counts as not private.
 */
export function isPrivateAddress(address: string): boolean {
  const a = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(a);
  if (family === 4) return blocked.check(a, 'ipv4');
  if (family === 6) {
    const v4 = mappedIpv4(a);
    if (v4) return blocked.check(v4, 'ipv4');
    return blocked.check(a, 'ipv6');
  }
  return false;
}

/** An error for a refused target; `code` is `EPRIVATEADDRESS`. */
export class PrivateAddressError extends Error {
  readonly code = 'EPRIVATEADDRESS';
  constructor(host: string, address: string) {
    super(
      host === address
        ? `${address} is a private, loopback or link-local address (WEBHOOK_BLOCK_PRIVATE is on)`
        : `${host} resolves to ${address}, a private, loopback or link-local address (WEBHOOK_BLOCK_PRIVATE is on)`,
    );
  }
}

/**
 * Resolves the host of `url` (every address, with `dns.lookup`) and refuses it when
 * any address is private.
 * @throws PrivateAddressError for a private address; the DNS error when the host
 *   does not resolve.
 */
export async function assertPublicUrl(url: string): Promise<void> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    if (isPrivateAddress(host)) throw new PrivateAddressError(host, host);
    return;
  }
  const addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(host, { all: true }, (err, addrs) => (err ? reject(err) : resolve(addrs))),
  );
  const bad = addresses.find((a) => isPrivateAddress(a.address));
  if (bad) throw new PrivateAddressError(host, bad.address);
}

/**
 * A `lookup` for `net.connect`/`tls.connect` that resolves like `dns.lookup` and fails
 * the connection with `PrivateAddressError` when any address is private. Handles both
 * callback forms (`all: true` gives a list, as Node's happy-eyeballs connect asks).
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return (callback as (e: Error) => void)(err);
    const list = addresses as LookupAddress[];
    const bad = list.find((a) => isPrivateAddress(a.address));
    if (bad) return (callback as (e: Error) => void)(new PrivateAddressError(hostname, bad.address));
    if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
    (callback as (e: null, a: string, f: number) => void)(null, list[0].address, list[0].family);
  });
};
