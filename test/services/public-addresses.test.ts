import { describe, expect, it } from 'vitest';
import { isPublicAddress } from '../../services/public-addresses.js';

// The one classifier of receiver addresses, over the special ranges and the IPv6 forms that carry
// an IPv4 address. Teredo addresses below: server 65.54.227.120 (4136:e378) unless named, client
// the last 32 bits inverted (127.0.0.1 is 80ff:fffe, 10.0.0.1 f5ff:fffe, 169.254.169.254
// 5601:5601, 93.184.215.14 a247:28f1).

const internal: [string, string][] = [
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'this network'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.0.0.1', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['169.254.169.254', 'link-local (cloud metadata)'],
  ['100.64.0.1', 'shared address space (CGNAT)'],
  ['100.127.255.255', 'shared address space (CGNAT)'],
  ['192.0.0.8', 'IETF protocol assignments'],
  ['192.0.2.1', 'documentation'],
  ['198.51.100.7', 'documentation'],
  ['203.0.113.9', 'documentation'],
  ['198.18.0.1', 'benchmarking'],
  ['198.19.255.255', 'benchmarking'],
  ['192.88.99.1', '6to4 relay anycast'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'broadcast'],
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local with a zone'],
  ['fc00::1', 'unique-local'],
  ['fd00:ec2::254', 'unique-local (cloud metadata)'],
  ['fec0::1', 'site-local (deprecated)'],
  ['ff02::1', 'multicast'],
  ['100::1', 'discard'],
  ['2001:db8::1', 'documentation'],
  ['3fff::1', 'documentation'],
  ['2001:2::1', 'benchmarking'],
  ['2001:10::1', 'ORCHID'],
  ['2001:20::1', 'ORCHIDv2'],
  ['5f00::1', 'segment routing'],
  ['4000::1', 'outside global unicast'],
  ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
  ['::ffff:7f00:1', 'IPv4-mapped loopback, in hex'],
  ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata'],
  ['::ffff:10.0.0.1', 'IPv4-mapped private'],
  ['::ffff:0:7f00:1', 'IPv4-translated loopback'],
  ['::127.0.0.1', 'IPv4-compatible loopback'],
  ['::7f00:1', 'IPv4-compatible loopback, in hex'],
  ['::a9fe:a9fe', 'IPv4-compatible metadata'],
  ['::a00:1', 'IPv4-compatible private'],
  ['::5db8:d70e', 'IPv4-compatible public (deprecated form, refused entirely)'],
  ['64:ff9b::127.0.0.1', 'NAT64 loopback'],
  ['64:ff9b::a00:1', 'NAT64 private'],
  ['64:ff9b::a9fe:a9fe', 'NAT64 metadata'],
  ['64:ff9b::c0a8:101', 'NAT64 private'],
  ['64:ff9b:1::a9fe:a9fe', 'NAT64 local-use metadata'],
  ['64:ff9b:1::5db8:d70e', 'NAT64 local-use public (refused entirely)'],
  ['2002:7f00:1::1', '6to4 of loopback'],
  ['2002:a00:1::1', '6to4 of private'],
  ['2002:a9fe:a9fe::', '6to4 of metadata'],
  ['2002:5db8:d70e::1', '6to4 of public (refused entirely)'],
  ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo, client loopback'],
  ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'Teredo, client private'],
  ['2001:0:4136:e378:8000:63bf:5601:5601', 'Teredo, client metadata'],
  ['2001:0:7f00:1:8000:63bf:a247:28f1', 'Teredo, server loopback'],
  ['2001:0:a00:1:8000:63bf:a247:28f1', 'Teredo, server private'],
  ['2001:0:a9fe:a9fe:8000:63bf:a247:28f1', 'Teredo, server metadata'],
  ['2001:0:4136:e378:8000:63bf:a247:28f1', 'Teredo, both public (refused entirely)'],
  ['localhost', 'a name, not an address'],
  ['hooks.example', 'a name, not an address'],
  ['127.1', 'not an address in its one written form'],
  ['', 'empty'],
];

const publicOnes: [string, string][] = [
  ['93.184.215.14', 'IPv4'],
  ['8.8.8.8', 'IPv4'],
  ['100.63.255.255', 'just below CGNAT'],
  ['100.128.0.0', 'just above CGNAT'],
  ['172.15.255.255', 'just below 172.16.0.0/12'],
  ['172.32.0.0', 'just above 172.16.0.0/12'],
  ['2606:4700:4700::1111', 'IPv6 global unicast'],
  ['2a00:1450:4001:80b::200e', 'IPv6 global unicast'],
  ['::ffff:93.184.215.14', 'IPv4-mapped public'],
  ['64:ff9b::5db8:d70e', 'NAT64 of a public IPv4 (what DNS64 answers an IPv6-only worker)'],
];

describe('isPublicAddress', () => {
  it.each(internal)('refuses %s (%s)', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });
  it.each(publicOnes)('accepts %s (%s)', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});
