import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

// Which addresses a webhook receiver may have where only public ones are allowed: one classifier,
// used when an endpoint's URL is saved (services/webhook-endpoints.ts) and on the address each
// delivery connects to after DNS (activities/webhook-transport.ts), so the two cannot disagree.
//
// An IPv6 address carrying an IPv4 one is judged by what the worker would reach through it. The
// IPv4-mapped form (::ffff:a.b.c.d) and the NAT64 well-known prefix (64:ff9b::/96, how an
// IPv6-only host behind DNS64 sees every IPv4 receiver) reach the IPv4 address they carry, so
// they are as public as it is. The other transition forms are refused whatever they carry, as no
// receiver needs them and a host or network with the mechanism set up would forward to the
// embedded IPv4: IPv4-compatible (::/96, deprecated by RFC 4291), NAT64 local-use
// (64:ff9b:1::/48, where the IPv4's place depends on a locally chosen prefix length), 6to4
// (2002::/16, deprecated by RFC 7526) and Teredo (2001::/32, a tunnel for clients behind NAT).

/** IPv6 global unicast (RFC 4291): the rest of the IPv6 space is not the public internet's. */
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

/**
 * Whether `address` (an IPv4 or IPv6 address, without brackets) is public: not loopback, private,
 * link-local (a cloud's 169.254.169.254 metadata service), shared (CGNAT, 100.64.0.0/10),
 * unique-local, multicast, unspecified, broadcast, documentation, benchmarking or reserved
 * (ipaddr.js's special ranges), nor an IPv6 form of one. Anything that is not an address is not.
 */
export function isPublicAddress(address: string): boolean {
  if (isIP(address) === 0) return false;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed.range() === 'unicast';
  const ipv6 = parsed as ipaddr.IPv6;
  if (ipv6.isIPv4MappedAddress()) return isPublicAddress(ipv6.toIPv4Address().toString());
  if (ipv6.match(NAT64_WELL_KNOWN)) {
    return isPublicAddress(ipaddr.fromByteArray(ipv6.toByteArray().slice(12)).toString());
  }
  return ipv6.range() === 'unicast' && ipv6.match(GLOBAL_UNICAST);
}
