#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Build test frames for the l4lb sample, for BPF_PROG_TEST_RUN.

    mkpkt.py KIND -o FRAME.bin [--expect EXPECTED.bin]

Kinds (client 192.0.2.10 / 2001:db8::10 port 40000, VIP 198.51.100.1 /
2001:db8:100::1 port 80, TCP):
  gue4 gue4-opts gue4-v1 gue4in6 gue6  GUE to UDP 6080: outer IPv4, outer IPv4
                      with options, GUE variant 1, IPv4 in IPv6, IPv6 in IPv6
  ipip4 ip6ip6        IP-in-IP
  tcp4 tcp6           a SYN from the client to the VIP
  big4 big6           a 1514-byte frame to the VIP, too big once tunnelled
  icmp4-err icmp6-err a router's "too big" about a VIP -> client packet
  udp4                DNS to the host itself (not a VIP)

--expect writes the frame a decapsulating program should hand back: the
original Ethernet header with the inner ethertype, then the inner packet.
Only the tunnel kinds have one. Standard library only.
"""
import argparse
import struct
import sys

MAC_DST = bytes.fromhex("020000000002")  # the LB
MAC_SRC = bytes.fromhex("020000000001")  # the previous hop
CLIENT4, VIP4, LB4 = "192.0.2.10", "198.51.100.1", "203.0.113.5"
CLIENT6, VIP6, LB6 = "2001:db8::10", "2001:db8:100::1", "2001:db8:200::5"
ROUTER4, ROUTER6 = "192.0.2.254", "2001:db8::fe"
GUE_PORT = 6080
ETH_P_IP, ETH_P_IPV6 = 0x0800, 0x86DD
IPPROTO_ICMP, IPPROTO_IPIP, IPPROTO_TCP, IPPROTO_UDP = 1, 4, 6, 17
IPPROTO_IPV6, IPPROTO_ICMPV6 = 41, 58


def csum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ip4(addr):
    return bytes(int(x) for x in addr.split("."))


def ip6(addr):
    head, _, tail = addr.partition("::")
    words = [int(w, 16) for w in head.split(":") if w]
    rest = [int(w, 16) for w in tail.split(":") if w]
    words += [0] * (8 - len(words) - len(rest)) + rest
    return struct.pack("!8H", *words)


def eth(proto):
    return MAC_DST + MAC_SRC + struct.pack("!H", proto)


def ipv4(src, dst, proto, payload, options=b""):
    ihl = 5 + len(options) // 4
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(payload),
                      0x1234, 0x4000, 64, proto, 0, ip4(src), ip4(dst)) + options
    return hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:] + payload


def ipv6(src, dst, nexthdr, payload):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nexthdr, 64,
                       ip6(src), ip6(dst)) + payload


def tcp(sport, dport, flags=0x02, payload=b""):
    # Checksum left zero: the programs under test never verify it.
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, flags,
                       65535, 0, 0) + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def gue(inner_proto):
    # Variant 0, data message, no optional fields.
    return struct.pack("!BBH", 0, inner_proto, 0)


def tunnel(outer_v6, inner_v6, variant1=False, options=b""):
    """Return (frame, expected frame after decapsulation)."""
    if inner_v6:
        inner = ipv6(CLIENT6, VIP6, IPPROTO_TCP, tcp(40000, 80))
        inner_eth, inner_proto = ETH_P_IPV6, IPPROTO_IPV6
    else:
        inner = ipv4(CLIENT4, VIP4, IPPROTO_TCP, tcp(40000, 80))
        inner_eth, inner_proto = ETH_P_IP, IPPROTO_IPIP
    payload = udp(50000, GUE_PORT, (b"" if variant1 else gue(inner_proto)) + inner)
    if outer_v6:
        frame = eth(ETH_P_IPV6) + ipv6(LB6, VIP6, IPPROTO_UDP, payload)
    else:
        frame = eth(ETH_P_IP) + ipv4(LB4, VIP4, IPPROTO_UDP, payload, options)
    return frame, eth(inner_eth) + inner


def ipip(outer_v6, inner_v6):
    inner = (ipv6(CLIENT6, VIP6, IPPROTO_TCP, tcp(40000, 80)) if inner_v6
             else ipv4(CLIENT4, VIP4, IPPROTO_TCP, tcp(40000, 80)))
    proto = IPPROTO_IPV6 if inner_v6 else IPPROTO_IPIP
    outer = ipv6(LB6, VIP6, proto, inner) if outer_v6 else ipv4(LB4, VIP4, proto, inner)
    expect = eth(ETH_P_IPV6 if inner_v6 else ETH_P_IP) + inner
    return eth(ETH_P_IPV6 if outer_v6 else ETH_P_IP) + outer, expect


def icmp_error(v6):
    """A router's "too big" about a packet the real sent from the VIP (DSR)."""
    if v6:
        quoted = ipv6(VIP6, CLIENT6, IPPROTO_TCP, tcp(80, 40000, 0x10))
        body = struct.pack("!BBHI", 2, 0, 0, 1400) + quoted  # checksum unchecked
        return eth(ETH_P_IPV6) + ipv6(ROUTER6, VIP6, IPPROTO_ICMPV6, body), None
    quoted = ipv4(VIP4, CLIENT4, IPPROTO_TCP, tcp(80, 40000, 0x10))
    body = struct.pack("!BBHHH", 3, 4, 0, 0, 1400) + quoted
    body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
    return eth(ETH_P_IP) + ipv4(ROUTER4, VIP4, IPPROTO_ICMP, body), None


KINDS = {
    "gue4": lambda: tunnel(False, False),
    "gue4-opts": lambda: tunnel(False, False, options=b"\x01\x01\x01\x00"),
    "gue4-v1": lambda: tunnel(False, False, variant1=True),
    "gue4in6": lambda: tunnel(True, False),
    "gue6": lambda: tunnel(True, True),
    "ipip4": lambda: ipip(False, False),
    "ip6ip6": lambda: ipip(True, True),
    # Plain traffic to the VIP (port 80), for balancer_ingress.
    "tcp4": lambda: (eth(ETH_P_IP) + ipv4(CLIENT4, VIP4, IPPROTO_TCP, tcp(40000, 80)), None),
    "tcp6": lambda: (eth(ETH_P_IPV6) + ipv6(CLIENT6, VIP6, IPPROTO_TCP, tcp(40000, 80)), None),
    "big4": lambda: (eth(ETH_P_IP) + ipv4(CLIENT4, VIP4, IPPROTO_TCP,
                                          tcp(40000, 80, 0x10, bytes(1460))), None),
    "big6": lambda: (eth(ETH_P_IPV6) + ipv6(CLIENT6, VIP6, IPPROTO_TCP,
                                            tcp(40000, 80, 0x10, bytes(1440))), None),
    # ICMP errors about a VIP flow, to be steered to that flow's real.
    "icmp4-err": lambda: icmp_error(False),
    "icmp6-err": lambda: icmp_error(True),
    "udp4": lambda: (eth(ETH_P_IP) + ipv4(CLIENT4, LB4, IPPROTO_UDP, udp(1, 53, b"q")), None),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=sorted(KINDS))
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--expect")
    args = ap.parse_args()

    frame, expect = KINDS[args.kind]()
    with open(args.output, "wb") as f:
        f.write(frame)
    if args.expect:
        if expect is None:
            sys.exit("mkpkt: %s is not a tunnel, nothing to expect" % args.kind)
        with open(args.expect, "wb") as f:
            f.write(expect)


if __name__ == "__main__":
    main()
