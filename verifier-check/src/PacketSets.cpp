//===- PacketSets.cpp - the built-in generated packet sets (gen:NAME) ----===//
//
// Addresses follow bpf-samples/l4lb/mkpkt.py so the sets drive that sample meaningfully:
// client 192.0.2.10 / 2001:db8::10, VIP 198.51.100.1 / 2001:db8:100::1 port 80, load balancer
// 203.0.113.5 / 2001:db8:200::5, router 192.0.2.254 / 2001:db8::fe, DNS server 198.51.100.53 /
// 2001:db8:100::53; GUE on UDP 6080. Everything is a pure function of constants: the same bytes
// on every run. Keep docs/packets.md in sync (a test checks every packet name is listed there).
//
//===----------------------------------------------------------------------===//
#include "PacketBuilder.h"

#include "bpfcarve/verifier/Packets.h"

#include <functional>
#include <utility>

namespace bpfcarve::verifier {

using namespace pkt;

namespace {

struct Gen {
  std::string name;
  std::string what;
  Bytes bytes;
};
using Set = std::vector<Gen>;

const Bytes Client4 = addr("192.0.2.10"), Vip4 = addr("198.51.100.1"), Lb4 = addr("203.0.113.5"),
            Router4 = addr("192.0.2.254"), Dns4 = addr("198.51.100.53"),
            Gateway4 = addr("192.0.2.1");
const Bytes Client6 = addr("2001:db8::10"), Vip6 = addr("2001:db8:100::1"),
            Lb6 = addr("2001:db8:200::5"), Router6 = addr("2001:db8::fe"),
            Dns6 = addr("2001:db8:100::53");

Bytes frame4(const Bytes &Ip) { return cat({eth(EthIPv4), Ip}); }
Bytes frame6(const Bytes &Ip) { return cat({eth(EthIPv6), Ip}); }

// --- common L4 pieces --------------------------------------------------------------------

Tcp synOf(uint16_t Sport, uint16_t Dport, bool Options) {
  Tcp T;
  T.sport = Sport;
  T.dport = Dport;
  T.seq = 0x1A2B3C4D;
  T.flags = TcpSYN;
  T.window = 64240;
  if (Options)
    T.options = linuxSynOptions(1460, 0x00C0FFEE);
  return T;
}
Tcp synAckOf(uint16_t Sport, uint16_t Dport) {
  Tcp T = synOf(Sport, Dport, true);
  T.seq = 0x5E6F7081;
  T.ack = 0x1A2B3C4E;
  T.flags = TcpSYN | TcpACK;
  T.window = 65160;
  return T;
}
Tcp ackOf(uint16_t Sport, uint16_t Dport, uint8_t Flags, Bytes Payload = {}) {
  Tcp T;
  T.sport = Sport;
  T.dport = Dport;
  T.seq = 0x1A2B3C4E;
  T.ack = 0x5E6F7082;
  T.flags = Flags;
  T.window = 502;
  T.payload = std::move(Payload);
  return T;
}
Bytes httpGet() { return text("GET / HTTP/1.1\r\nHost: www.example.com\r\nAccept: */*\r\n\r\n"); }

/// Linux ping payload: 8 bytes of timestamp, then 0x10, 0x11, ... (56 bytes in all).
Bytes pingPayload() {
  Bytes P{0x65, 0x4A, 0x1B, 0x00, 0x00, 0x00, 0x00, 0x00};
  for (uint8_t B = 0x10; B < 0x40; ++B)
    P.push_back(B);
  return P;
}
Bytes dnsWww() { return dnsQuery(0x4D2B, "www.example.com"); }
Bytes dnsWww6() { return dnsQuery(0x4D2C, "www.example.com", 28); }

Bytes tcpSyn4() {
  return ipv4(Client4, Vip4, ProtoTCP, tcp(Client4, Vip4, synOf(40000, 80, false)));
}
Bytes tcpSyn6() {
  return ipv6(Client6, Vip6, ProtoTCP, tcp(Client6, Vip6, synOf(40000, 80, false)));
}
Bytes udpDns4() { return ipv4(Client4, Dns4, ProtoUDP, udp(Client4, Dns4, 40001, 53, dnsWww())); }
Bytes udpDns6() { return ipv6(Client6, Dns6, ProtoUDP, udp(Client6, Dns6, 40001, 53, dnsWww6())); }

Bytes arpRequest(const std::vector<std::pair<uint16_t, uint16_t>> &Tags = {}) {
  Bytes F = cat({mac("ff:ff:ff:ff:ff:ff"), mac("02:00:00:00:00:01")});
  for (auto [Tpid, Tci] : Tags) {
    put16(F, Tpid);
    put16(F, Tci);
  }
  put16(F, EthARP);
  put16(F, 1);      // Ethernet
  put16(F, EthIPv4);
  F.push_back(6);
  F.push_back(4);
  put16(F, 1);      // request
  Bytes Sha = mac("02:00:00:00:00:01");
  F.insert(F.end(), Sha.begin(), Sha.end());
  F.insert(F.end(), Client4.begin(), Client4.end());
  F.insert(F.end(), 6, 0);
  F.insert(F.end(), Gateway4.begin(), Gateway4.end());
  return F;
}

// --- gen:ipv4 --------------------------------------------------------------------------

Set ipv4Set() {
  Set S;
  S.push_back({"ipv4-tcp-syn",
               "TCP SYN client:40000 -> VIP:80 with Linux options (MSS, SACK "
               "permitted, timestamps, window scale; data offset 10)",
               frame4(ipv4(Client4, Vip4, ProtoTCP, tcp(Client4, Vip4, synOf(40000, 80, true))))});
  S.push_back({"ipv4-tcp-synack", "TCP SYN+ACK VIP:80 -> client:40000 (the reply direction)",
               frame4(ipv4(Vip4, Client4, ProtoTCP, tcp(Vip4, Client4, synAckOf(80, 40000))))});
  S.push_back(
      {"ipv4-tcp-ack", "bare TCP ACK, no options (data offset 5)",
       frame4(ipv4(Client4, Vip4, ProtoTCP, tcp(Client4, Vip4, ackOf(40000, 80, TcpACK))))});
  S.push_back({"ipv4-tcp-psh-ack-data",
               "TCP PSH+ACK carrying an HTTP GET (payload after the "
               "TCP header)",
               frame4(ipv4(Client4, Vip4, ProtoTCP,
                           tcp(Client4, Vip4, ackOf(40000, 80, TcpPSH | TcpACK, httpGet()))))});
  S.push_back({"ipv4-tcp-fin-ack", "TCP FIN+ACK (connection teardown)",
               frame4(ipv4(Client4, Vip4, ProtoTCP,
                           tcp(Client4, Vip4, ackOf(40000, 80, TcpFIN | TcpACK))))});
  S.push_back({"ipv4-tcp-rst", "TCP RST",
               frame4(ipv4(Client4, Vip4, ProtoTCP,
                           tcp(Client4, Vip4, ackOf(40000, 80, TcpRST | TcpACK))))});
  S.push_back({"ipv4-tcp-full-mss",
               "1514-byte frame: TCP ACK with 1460 bytes of data (a full "
               "Ethernet MTU; too big once encapsulated)",
               frame4(ipv4(Client4, Vip4, ProtoTCP,
                           tcp(Client4, Vip4, ackOf(40000, 80, TcpACK, Bytes(1460, 0x61)))))});
  S.push_back(
      {"ipv4-udp-dns", "UDP DNS query client:40001 -> 198.51.100.53:53", frame4(udpDns4())});
  {
    V4 O;
    O.tos = 0xB8 | 0x03; // DSCP EF, ECN CE
    O.ttl = 1;
    S.push_back({"ipv4-udp-ttl1-dscp-ef",
                 "UDP with TTL 1 and TOS 0xbb (DSCP EF, ECN CE): "
                 "programs that decrement TTL or read TOS",
                 frame4(ipv4(Client4, Vip4, ProtoUDP,
                             udp(Client4, Vip4, 40002, 5004, Bytes(32, 0x80)), O))});
  }
  {
    Udp U;
    U.zeroChecksum = true;
    S.push_back({"ipv4-udp-no-csum", "UDP with checksum 0 (no checksum; legal in IPv4 only)",
                 frame4(ipv4(Client4, Vip4, ProtoUDP,
                             udp(Client4, Vip4, 40003, 5000, text("no checksum here"), U)))});
  }
  {
    Bytes F = frame4(ipv4(Client4, Vip4, ProtoUDP, udp(Client4, Vip4, 40004, 7, Bytes{'x'})));
    F.resize(60, 0);
    S.push_back({"ipv4-udp-padded",
                 "43-byte UDP frame padded with zeros to the 60-byte Ethernet "
                 "minimum: bytes after the IPv4 total length",
                 F});
  }
  S.push_back({"ipv4-icmp-echo-request", "ICMP echo request (ping, id 0x1c2d seq 1, 56 bytes)",
               frame4(ipv4(Client4, Vip4, ProtoICMP, icmp(8, 0, 0x1C2D0001, pingPayload())))});
  S.push_back({"ipv4-icmp-echo-reply", "ICMP echo reply VIP -> client",
               frame4(ipv4(Vip4, Client4, ProtoICMP, icmp(0, 0, 0x1C2D0001, pingPayload())))});
  {
    V4 O;
    O.options = {0x94, 0x04, 0x00, 0x00}; // Router Alert
    S.push_back(
        {"ipv4-options-udp",
         "IPv4 with a Router Alert option (IHL 6): L4 is not at "
         "offset 34",
         frame4(ipv4(Client4, Dns4, ProtoUDP, udp(Client4, Dns4, 40001, 53, dnsWww()), O))});
  }
  {
    V4 O;
    O.options = {7, 39, 4}; // Record Route with 9 empty slots, then EOL: IHL 15
    O.options.resize(39, 0);
    S.push_back(
        {"ipv4-options-max-tcp",
         "IPv4 with 40 bytes of options (Record Route; IHL 15, "
         "the maximum): TCP at offset 74",
         frame4(ipv4(Client4, Vip4, ProtoTCP, tcp(Client4, Vip4, synOf(40000, 80, false)), O))});
  }
  {
    // One 108-byte UDP datagram (checksum over all of it) in three fragments of 48, 48, 12.
    Bytes Dgram = udp(Client4, Vip4, 40005, 5001, Bytes(100, 0x42));
    auto Frag = [&](size_t From, size_t To, bool More) {
      V4 O;
      O.id = 0x7A7A;
      O.frag = uint16_t((More ? 0x2000 : 0) | (From / 8));
      return frame4(ipv4(Client4, Vip4, ProtoUDP,
                         Bytes(Dgram.begin() + long(From), Dgram.begin() + long(To)), O));
    };
    S.push_back({"ipv4-frag-first-udp",
                 "first IPv4 fragment (MF, offset 0): holds the UDP header, "
                 "whose checksum covers bytes not in this frame",
                 Frag(0, 48, true)});
    S.push_back({"ipv4-frag-middle-udp", "middle IPv4 fragment (MF, offset 48): no L4 header",
                 Frag(48, 96, true)});
    S.push_back({"ipv4-frag-last-udp", "last IPv4 fragment (offset 96, no MF): no L4 header",
                 Frag(96, Dgram.size(), false)});
  }
  S.push_back({"arp-request",
               "ARP who-has 192.0.2.1 (broadcast, not IP): programs must pass "
               "other ethertypes",
               arpRequest()});
  return S;
}

// --- gen:ipv6 --------------------------------------------------------------------------

Set ipv6Set() {
  Set S;
  S.push_back({"ipv6-tcp-syn", "TCP SYN client:40000 -> VIP:80 with Linux options",
               frame6(ipv6(Client6, Vip6, ProtoTCP, tcp(Client6, Vip6, synOf(40000, 80, true))))});
  S.push_back({"ipv6-tcp-synack", "TCP SYN+ACK VIP:80 -> client:40000",
               frame6(ipv6(Vip6, Client6, ProtoTCP, tcp(Vip6, Client6, synAckOf(80, 40000))))});
  S.push_back({"ipv6-tcp-psh-ack-data", "TCP PSH+ACK carrying an HTTP GET",
               frame6(ipv6(Client6, Vip6, ProtoTCP,
                           tcp(Client6, Vip6, ackOf(40000, 80, TcpPSH | TcpACK, httpGet()))))});
  S.push_back({"ipv6-tcp-rst", "TCP RST",
               frame6(ipv6(Client6, Vip6, ProtoTCP,
                           tcp(Client6, Vip6, ackOf(40000, 80, TcpRST | TcpACK))))});
  S.push_back({"ipv6-tcp-full-mss", "1514-byte frame: TCP ACK with 1440 bytes of data",
               frame6(ipv6(Client6, Vip6, ProtoTCP,
                           tcp(Client6, Vip6, ackOf(40000, 80, TcpACK, Bytes(1440, 0x61)))))});
  S.push_back({"ipv6-udp-dns", "UDP DNS query (AAAA) client:40001 -> 2001:db8:100::53:53",
               frame6(udpDns6())});
  {
    V6 O;
    O.trafficClass = 0xB8;
    O.flowLabel = 0xBEEF5;
    O.hopLimit = 1;
    S.push_back({"ipv6-udp-hlim1-flowlabel",
                 "UDP with hop limit 1, traffic class 0xb8 and flow "
                 "label 0xbeef5",
                 frame6(ipv6(Client6, Vip6, ProtoUDP,
                             udp(Client6, Vip6, 40002, 5004, Bytes(32, 0x80)), O))});
  }
  S.push_back({"ipv6-icmpv6-echo-request", "ICMPv6 echo request (id 0x1c2d seq 1, 56 bytes)",
               frame6(ipv6(Client6, Vip6, ProtoICMPv6,
                           icmpv6(Client6, Vip6, 128, 0, 0x1C2D0001, pingPayload())))});
  S.push_back({"ipv6-icmpv6-echo-reply", "ICMPv6 echo reply VIP -> client",
               frame6(ipv6(Vip6, Client6, ProtoICMPv6,
                           icmpv6(Vip6, Client6, 129, 0, 0x1C2D0001, pingPayload())))});
  {
    Bytes Solicited = addr("ff02::1:ff00:1");
    Bytes Body = Vip6;               // target address
    Body.insert(Body.end(), {1, 1}); // source link-layer address option
    Bytes Mac = mac("02:00:00:00:00:01");
    Body.insert(Body.end(), Mac.begin(), Mac.end());
    V6 O;
    O.hopLimit = 255;
    S.push_back({"ipv6-icmpv6-neighbor-solicitation",
                 "neighbour solicitation for the VIP to its "
                 "solicited-node multicast group (hop limit 255, multicast MAC 33:33:ff:00:00:01)",
                 cat({ethTo(mac("33:33:ff:00:00:01"), mac("02:00:00:00:00:01"), EthIPv6),
                      ipv6(Client6, Solicited, ProtoICMPv6,
                           icmpv6(Client6, Solicited, 135, 0, 0, Body), O)})});
  }
  const Bytes RouterAlert{5, 2, 0, 0};
  S.push_back(
      {"ipv6-hbh-udp", "hop-by-hop options header (Router Alert) before UDP",
       frame6(ipv6(Client6, Dns6, ProtoHopByHop,
                   ipv6Options(ProtoUDP, RouterAlert, udp(Client6, Dns6, 40001, 53, dnsWww6()))))});
  {
    Bytes Src = addr("fe80::1"), Group = addr("ff02::16");
    Bytes Record{4, 0, 0, 0}; // CHANGE_TO_EXCLUDE, no sources
    Bytes Mcast = addr("ff05::1:3");
    Record.insert(Record.end(), Mcast.begin(), Mcast.end());
    V6 O;
    O.hopLimit = 1;
    S.push_back(
        {"ipv6-hbh-mld-report",
         "MLDv2 report: hop-by-hop (Router Alert) then ICMPv6 "
         "type 143 from a link-local address",
         cat({ethTo(mac("33:33:00:00:00:16"), mac("02:00:00:00:00:01"), EthIPv6),
              ipv6(Src, Group, ProtoHopByHop,
                   ipv6Options(ProtoICMPv6, RouterAlert, icmpv6(Src, Group, 143, 0, 1, Record)),
                   O)})});
  }
  S.push_back({"ipv6-routing-srh-tcp",
               "segment routing header (routing type 4, 2 segments, "
               "segments left 0) before TCP",
               frame6(ipv6(Client6, Vip6, ProtoRouting,
                           ipv6Srh(ProtoTCP, 0, {Vip6, Lb6},
                                   tcp(Client6, Vip6, synOf(40000, 80, false)))))});
  S.push_back({"ipv6-dstopts-udp",
               "destination options header (tunnel encapsulation limit) "
               "before UDP",
               frame6(ipv6(Client6, Vip6, ProtoDstOpts,
                           ipv6Options(ProtoUDP, {4, 1, 4},
                                       udp(Client6, Vip6, 40002, 5004, Bytes(16, 0x33)))))});
  {
    Bytes Dgram = udp(Client6, Vip6, 40005, 5001, Bytes(100, 0x42));
    auto Frag = [&](size_t From, size_t To, bool More) {
      return frame6(
          ipv6(Client6, Vip6, ProtoFragment,
               ipv6Fragment(ProtoUDP, uint16_t(From), More, 0x0BADF00D,
                            Bytes(Dgram.begin() + long(From), Dgram.begin() + long(To)))));
    };
    S.push_back({"ipv6-frag-first-udp",
                 "fragment header, first fragment (M, offset 0): UDP "
                 "header whose checksum covers bytes not in this frame",
                 Frag(0, 56, true)});
    S.push_back({"ipv6-frag-last-udp", "fragment header, last fragment (offset 56): no L4 header",
                 Frag(56, Dgram.size(), false)});
  }
  {
    // Built inside out: TCP, then each extension header around what follows it.
    Bytes L = tcp(Client6, Vip6, synOf(40000, 80, false));
    L = ipv6Options(ProtoTCP, {4, 1, 4}, L);                 // destination options
    L = ipv6Fragment(ProtoDstOpts, 0, false, 0x0BADF00E, L); // atomic fragment
    L = ipv6Srh(ProtoFragment, 0, {Vip6, Lb6}, L);
    L = ipv6Options(ProtoRouting, {}, L);                    // destination options (PadN)
    L = ipv6Options(ProtoDstOpts, RouterAlert, L);           // hop-by-hop
    S.push_back({"ipv6-ext-chain-tcp",
                 "five extension headers in RFC 8200 order: hop-by-hop, "
                 "destination options, routing (SRH), fragment (atomic), destination options, "
                 "then TCP at offset 126",
                 frame6(ipv6(Client6, Vip6, ProtoHopByHop, L))});
  }
  S.push_back({"ipv6-no-next-header", "next header 59 (no next header), payload length 0",
               frame6(ipv6(Client6, Vip6, ProtoNoNext, {}))});
  return S;
}

// --- gen:vlan --------------------------------------------------------------------------

Set vlanSet() {
  Set S;
  const std::pair<uint16_t, uint16_t> Q100{EthVlan, 100}, Ad200{EthQinQ, 200};
  auto tagged = [](const std::vector<std::pair<uint16_t, uint16_t>> &Tags, uint16_t Type,
                   Bytes Ip) { return cat({eth(Type, Tags), std::move(Ip)}); };
  S.push_back({"vlan-ipv4-tcp-syn", "802.1Q tag (VLAN 100) then IPv4 TCP SYN: IPv4 at offset 18",
               tagged({Q100}, EthIPv4, tcpSyn4())});
  S.push_back({"vlan-ipv6-udp-dns", "802.1Q tag (VLAN 100) then IPv6 UDP DNS",
               tagged({Q100}, EthIPv6, udpDns6())});
  S.push_back({"vlan-prio-ipv4-udp-dns", "priority tag (802.1Q VLAN 0, PCP 5) then IPv4 UDP",
               tagged({{EthVlan, uint16_t(5 << 13)}}, EthIPv4, udpDns4())});
  S.push_back({"vlan-arp-request", "802.1Q tag (VLAN 100) then ARP", arpRequest({Q100})});
  S.push_back({"qinq-ipv4-udp-dns",
               "QinQ: 802.1ad S-tag 200, 802.1Q C-tag 100, IPv4 UDP at "
               "offset 22",
               tagged({Ad200, Q100}, EthIPv4, udpDns4())});
  S.push_back({"qinq-ipv6-tcp-syn", "QinQ: 802.1ad S-tag 200, 802.1Q C-tag 100, IPv6 TCP SYN",
               tagged({Ad200, Q100}, EthIPv6, tcpSyn6())});
  S.push_back({"qinq-8100-8100-ipv4-icmp-echo",
               "two 802.1Q tags (pre-802.1ad double tagging), "
               "IPv4 ICMP echo",
               tagged({{EthVlan, 300}, Q100}, EthIPv4,
                      ipv4(Client4, Vip4, ProtoICMP, icmp(8, 0, 0x1C2D0002, pingPayload())))});
  S.push_back({"qinq-9100-ipv4-tcp-syn",
               "legacy QinQ TPID 0x9100 outer tag, 802.1Q inner, IPv4 "
               "TCP SYN",
               tagged({{0x9100, 200}, Q100}, EthIPv4, tcpSyn4())});
  return S;
}

// --- gen:tunnels -----------------------------------------------------------------------

Bytes gueOver4(uint8_t InnerProto, const Bytes &Inner, bool Variant1 = false, V4 O = {}) {
  Bytes Payload = Variant1 ? Inner : cat({gue(InnerProto), Inner});
  return frame4(ipv4(Lb4, Vip4, ProtoUDP, udp(Lb4, Vip4, 50000, GuePort, Payload), std::move(O)));
}
Bytes gueOver6(uint8_t InnerProto, const Bytes &Inner) {
  return frame6(
      ipv6(Lb6, Vip6, ProtoUDP, udp(Lb6, Vip6, 50000, GuePort, cat({gue(InnerProto), Inner}))));
}

Set tunnelsSet() {
  Set S;
  const Bytes In4 = tcpSyn4(), In6 = tcpSyn6();
  S.push_back({"ipv4-in-ipv4", "IPIP (protocol 4): outer IPv4 LB -> VIP, inner IPv4 TCP SYN",
               frame4(ipv4(Lb4, Vip4, ProtoIPIP, In4))});
  S.push_back({"ipv6-in-ipv6", "IP6IP6 (next header 41): outer IPv6, inner IPv6 TCP SYN",
               frame6(ipv6(Lb6, Vip6, ProtoIPv6, In6))});
  S.push_back({"ipv4-in-ipv6", "4in6 (next header 4): outer IPv6, inner IPv4 TCP SYN",
               frame6(ipv6(Lb6, Vip6, ProtoIPIP, In4))});
  S.push_back({"ipv6-in-ipv4", "6in4/SIT (protocol 41): outer IPv4, inner IPv6 TCP SYN",
               frame4(ipv4(Lb4, Vip4, ProtoIPv6, In6))});
  S.push_back({"gue4-in-ipv4", "GUE variant 0 on UDP 6080 in IPv4, inner IPv4 TCP SYN",
               gueOver4(ProtoIPIP, In4)});
  S.push_back(
      {"gue6-in-ipv4", "GUE variant 0 in IPv4, inner IPv6 TCP SYN", gueOver4(ProtoIPv6, In6)});
  S.push_back({"gue4-in-ipv6", "GUE variant 0 on UDP 6080 in IPv6, inner IPv4 TCP SYN",
               gueOver6(ProtoIPIP, In4)});
  S.push_back(
      {"gue6-in-ipv6", "GUE variant 0 in IPv6, inner IPv6 TCP SYN", gueOver6(ProtoIPv6, In6)});
  S.push_back({"gue4-v1-in-ipv4",
               "GUE variant 1 (no GUE header: the inner IPv4 header follows "
               "UDP directly)",
               gueOver4(ProtoIPIP, In4, true)});
  {
    V4 O;
    O.options = {0x01, 0x01, 0x01, 0x00}; // NOP, NOP, NOP, EOL (mkpkt.py gue4-opts)
    S.push_back({"gue4-in-ipv4-opts",
                 "GUE in an outer IPv4 header with options (IHL 6): UDP at "
                 "offset 38",
                 gueOver4(ProtoIPIP, In4, false, O)});
  }
  S.push_back({"gre4-in-ipv4", "GRE (no flags, protocol 0x0800) in IPv4, inner IPv4 TCP SYN",
               frame4(ipv4(Lb4, Vip4, ProtoGRE, gre(EthIPv4, In4)))});
  S.push_back({"gre6-in-ipv4", "GRE (protocol 0x86dd) in IPv4, inner IPv6 TCP SYN",
               frame4(ipv4(Lb4, Vip4, ProtoGRE, gre(EthIPv6, In6)))});
  S.push_back({"gre4-in-ipv6", "GRE in IPv6 (next header 47), inner IPv4 TCP SYN",
               frame6(ipv6(Lb6, Vip6, ProtoGRE, gre(EthIPv4, In4)))});
  S.push_back({"gre6-in-ipv6", "GRE in IPv6, inner IPv6 TCP SYN",
               frame6(ipv6(Lb6, Vip6, ProtoGRE, gre(EthIPv6, In6)))});
  {
    Gre K;
    K.key = true;
    K.keyValue = 1000;
    S.push_back({"gre4-key-in-ipv4", "GRE with the key flag (key 1000): 8-byte GRE header",
                 frame4(ipv4(Lb4, Vip4, ProtoGRE, gre(EthIPv4, In4, K)))});
    Gre C;
    C.checksum = true;
    S.push_back({"gre4-csum-in-ipv4",
                 "GRE with the checksum flag: 8-byte GRE header, checksum "
                 "over GRE header and payload",
                 frame4(ipv4(Lb4, Vip4, ProtoGRE, gre(EthIPv4, In4, C)))});
    Gre Q;
    Q.sequence = true;
    Q.sequenceValue = 7;
    S.push_back({"gre4-seq-in-ipv4", "GRE with the sequence flag (sequence 7)",
                 frame4(ipv4(Lb4, Vip4, ProtoGRE, gre(EthIPv4, In4, Q)))});
    Gre All;
    All.checksum = All.key = All.sequence = true;
    All.keyValue = 0x00ABCDEF;
    All.sequenceValue = 42;
    S.push_back({"gre6-csum-key-seq-in-ipv4",
                 "GRE with checksum, key and sequence (16-byte GRE "
                 "header), inner IPv6",
                 frame4(ipv4(Lb4, Vip4, ProtoGRE, gre(EthIPv6, In6, All)))});
  }
  S.push_back(
      {"gretap4-in-ipv4",
       "GRE carrying Ethernet (protocol 0x6558, gretap): inner "
       "Ethernet header, then IPv4 TCP SYN",
       frame4(ipv4(
           Lb4, Vip4, ProtoGRE,
           gre(EthTEB,
               cat({ethTo(mac("02:00:00:00:01:02"), mac("02:00:00:00:01:01"), EthIPv4), In4}))))});
  return S;
}

// --- gen:icmp --------------------------------------------------------------------------

/// The first 8 bytes after the IP header, as RFC 792 quotes (the total length field keeps
/// claiming the whole original datagram).
Bytes quote8(const Bytes &Ip, size_t HeaderLen) {
  return Bytes(Ip.begin(), Ip.begin() + long(std::min(Ip.size(), HeaderLen + 8)));
}

Set icmpSet() {
  Set S;
  {
    Bytes Orig = ipv4(Vip4, Client4, ProtoTCP,
                      tcp(Vip4, Client4, ackOf(80, 40000, TcpACK, Bytes(1460, 0x61))));
    S.push_back({"icmp-frag-needed-tcp",
                 "ICMP destination unreachable, fragmentation needed "
                 "(type 3 code 4, MTU 1400) from a router, quoting a VIP -> client TCP header: "
                 "IPv4 header + 8 bytes",
                 frame4(ipv4(Router4, Vip4, ProtoICMP, icmp(3, 4, 1400, quote8(Orig, 20))))});
  }
  {
    Bytes Orig = ipv4(Client4, Dns4, ProtoUDP, udp(Client4, Dns4, 40001, 53, dnsWww()));
    S.push_back({"icmp-port-unreachable-udp",
                 "ICMP port unreachable (type 3 code 3) quoting the "
                 "whole UDP DNS query (inner checksums complete)",
                 frame4(ipv4(Dns4, Client4, ProtoICMP, icmp(3, 3, 0, Orig)))});
  }
  {
    Bytes Orig = tcpSyn4();
    S.push_back({"icmp-host-unreachable-tcp",
                 "ICMP host unreachable (type 3 code 1) quoting a "
                 "client -> VIP TCP SYN (header + 8 bytes)",
                 frame4(ipv4(Router4, Client4, ProtoICMP, icmp(3, 1, 0, quote8(Orig, 20))))});
    S.push_back({"icmp-admin-prohibited-tcp",
                 "ICMP communication administratively prohibited "
                 "(type 3 code 13) quoting a TCP SYN",
                 frame4(ipv4(Router4, Client4, ProtoICMP, icmp(3, 13, 0, quote8(Orig, 20))))});
  }
  {
    V4 O;
    O.ttl = 1;
    O.id = 0x2222;
    O.frag = 0;
    Bytes Orig = ipv4(Client4, Vip4, ProtoUDP, udp(Client4, Vip4, 40010, 33434, Bytes(32, 0)), O);
    S.push_back({"icmp-time-exceeded-udp",
                 "ICMP time exceeded in transit (type 11 code 0) quoting "
                 "a traceroute UDP probe (header + 8 bytes)",
                 frame4(ipv4(Router4, Client4, ProtoICMP, icmp(11, 0, 0, quote8(Orig, 20))))});
  }
  {
    Bytes Orig = ipv6(Vip6, Client6, ProtoTCP, tcp(Vip6, Client6, ackOf(80, 40000, TcpACK)));
    S.push_back(
        {"icmpv6-packet-too-big-tcp",
         "ICMPv6 packet too big (type 2, MTU 1280) from a "
         "router, quoting a whole VIP -> client IPv6 TCP packet",
         frame6(ipv6(Router6, Vip6, ProtoICMPv6, icmpv6(Router6, Vip6, 2, 0, 1280, Orig)))});
  }
  {
    Bytes Orig = udpDns6();
    S.push_back({"icmpv6-port-unreachable-udp",
                 "ICMPv6 destination unreachable, port unreachable "
                 "(type 1 code 4) quoting the whole UDP DNS query",
                 frame6(ipv6(Dns6, Client6, ProtoICMPv6, icmpv6(Dns6, Client6, 1, 4, 0, Orig)))});
  }
  {
    V6 O;
    O.hopLimit = 1;
    Bytes Orig = ipv6(Client6, Vip6, ProtoUDP, udp(Client6, Vip6, 40010, 33434, Bytes(32, 0)), O);
    S.push_back(
        {"icmpv6-time-exceeded-udp",
         "ICMPv6 time exceeded (type 3 code 0) quoting a "
         "traceroute UDP probe",
         frame6(ipv6(Router6, Client6, ProtoICMPv6, icmpv6(Router6, Client6, 3, 0, 0, Orig)))});
  }
  return S;
}

// --- gen:malformed ---------------------------------------------------------------------

/// Truncations of BASE: in the middle of each layer and right after each (but the last).
/// MidEth false skips the cut inside the Ethernet header (the same 7 bytes for every base).
void truncations(Set &S, const std::string &BaseName, const Bytes &Base,
                 const std::vector<std::pair<std::string, size_t>> &Layers, bool MidEth = true) {
  size_t At = 0;
  for (size_t I = 0; I < Layers.size(); ++I) {
    auto [Name, Len] = Layers[I];
    size_t Mid = At + Len / 2;
    if (I > 0 || MidEth)
      S.push_back({"truncated-" + BaseName + "-mid-" + Name,
                   BaseName + " cut after " + std::to_string(Mid) + " bytes, inside the " + Name +
                       " header",
                   Bytes(Base.begin(), Base.begin() + long(Mid))});
    At += Len;
    if (I + 1 < Layers.size())
      S.push_back({"truncated-" + BaseName + "-after-" + Name,
                   BaseName + " cut after " + std::to_string(At) + " bytes, right after the " +
                       Name + " header",
                   Bytes(Base.begin(), Base.begin() + long(At))});
  }
}

/// An IPv4 frame from the client to the VIP holding L4 (a UDP datagram when empty), with the
/// IPv4 header options O.
Bytes malformedV4(V4 O, const Bytes &L4 = {}) {
  return frame4(ipv4(Client4, Vip4, ProtoUDP,
                     L4.empty() ? udp(Client4, Vip4, 40001, 5000, Bytes(16, 0x55)) : L4,
                     std::move(O)));
}

/// IPv4 headers that lie: IHL, total length, version, checksums, fragment offset.
void malformedIpv4(Set &S) {
  auto v4 = [](V4 O, const Bytes &L4 = {}) { return malformedV4(std::move(O), L4); };
  {
    V4 O;
    O.ihl = 4;
    S.push_back(
        {"ipv4-bad-ihl-4", "IPv4 IHL 4 (< 5: the header would end inside the addresses)", v4(O)});
    O.ihl = 0;
    S.push_back({"ipv4-bad-ihl-0", "IPv4 IHL 0", v4(O)});
  }
  {
    V4 O;
    O.ihl = 15;
    Bytes F = v4(O);
    F.resize(14 + 24);
    S.push_back({"ipv4-ihl-past-end",
                 "IPv4 IHL 15 (60-byte header) in a frame holding 24 bytes "
                 "of IP",
                 F});
  }
  {
    V4 O;
    O.totalLength = 1500;
    S.push_back(
        {"ipv4-total-length-past-frame", "IPv4 total length 1500 but 44 bytes present", v4(O)});
    O.totalLength = 16;
    S.push_back({"ipv4-total-length-below-header",
                 "IPv4 total length 16, less than its own "
                 "20-byte header",
                 v4(O)});
  }
  {
    V4 O;
    O.version = 5;
    S.push_back({"ipv4-bad-version-5", "ethertype IPv4 but version nibble 5", v4(O)});
    O.version = 6;
    S.push_back({"ipv4-version-6",
                 "ethertype IPv4 but version nibble 6: a program trusting the "
                 "ethertype parses garbage",
                 v4(O)});
  }
  {
    V4 O;
    O.badChecksum = true;
    S.push_back(
        {"ipv4-bad-header-csum", "IPv4 header checksum wrong (everything else right)", v4(O)});
    Udp U;
    U.badChecksum = true;
    S.push_back({"ipv4-udp-bad-csum", "UDP checksum wrong",
                 v4({}, udp(Client4, Vip4, 40001, 5000, Bytes(16, 0x55), U))});
    Tcp T = synOf(40000, 80, false);
    T.badChecksum = true;
    S.push_back({"ipv4-tcp-bad-csum", "TCP checksum wrong",
                 frame4(ipv4(Client4, Vip4, ProtoTCP, tcp(Client4, Vip4, T)))});
  }
  {
    V4 O;
    O.frag = 0x1FFF; // offset 65528: offset + length exceeds 65535 ("ping of death")
    O.id = 0x6666;
    S.push_back({"ipv4-frag-offset-overflow",
                 "IPv4 fragment at offset 65528 carrying 24 bytes: "
                 "reassembly would exceed 65535",
                 v4(O)});
  }
}

/// TCP and UDP headers that lie about their length.
void malformedTransport(Set &S) {
  auto v4 = [](V4 O, const Bytes &L4 = {}) { return malformedV4(std::move(O), L4); };
  {
    Tcp T = synOf(40000, 80, false);
    T.dataOffset = 4;
    S.push_back({"tcp-bad-data-offset-4", "TCP data offset 4 (< 5)",
                 frame4(ipv4(Client4, Vip4, ProtoTCP, tcp(Client4, Vip4, T)))});
    T.dataOffset = 15;
    S.push_back({"tcp-data-offset-past-end",
                 "TCP data offset 15 (60-byte header) in a 20-byte "
                 "segment",
                 frame4(ipv4(Client4, Vip4, ProtoTCP, tcp(Client4, Vip4, T)))});
  }
  {
    Udp U;
    U.length = 1000;
    S.push_back({"udp-length-past-end", "UDP length 1000 in a 24-byte datagram",
                 v4({}, udp(Client4, Vip4, 40001, 5000, Bytes(16, 0x55), U))});
    U.length = 4;
    S.push_back({"udp-length-below-header", "UDP length 4 (< 8)",
                 v4({}, udp(Client4, Vip4, 40001, 5000, Bytes(16, 0x55), U))});
  }
}

/// IPv6 lengths, version and extension headers that lie.
void malformedIpv6(Set &S) {
  {
    V6 O;
    O.payloadLength = 1000;
    S.push_back({"ipv6-payload-length-past-frame", "IPv6 payload length 1000 but 28 bytes present",
                 frame6(ipv6(Client6, Vip6, ProtoUDP,
                             udp(Client6, Vip6, 40001, 5000, Bytes(20, 0x55)), O))});
    V6 W;
    W.version = 4;
    S.push_back({"ipv6-bad-version-4", "ethertype IPv6 but version nibble 4",
                 frame6(ipv6(Client6, Vip6, ProtoUDP,
                             udp(Client6, Vip6, 40001, 5000, Bytes(20, 0x55)), W))});
    Bytes Z = udp(Client6, Vip6, 40001, 5000, Bytes(20, 0x55));
    Z[6] = Z[7] = 0;
    S.push_back({"ipv6-udp-zero-csum",
                 "UDP checksum 0 over IPv6 (not allowed outside tunnels, "
                 "RFC 8200)",
                 frame6(ipv6(Client6, Vip6, ProtoUDP, Z))});
    Bytes Hbh = ipv6Options(ProtoUDP, {5, 2, 0, 0}, udp(Client6, Vip6, 40001, 5000, Bytes(8, 1)));
    Hbh[1] = 255; // 2048 bytes claimed
    S.push_back({"ipv6-ext-length-past-end",
                 "hop-by-hop header claiming 2048 bytes in a 24-byte "
                 "payload",
                 frame6(ipv6(Client6, Vip6, ProtoHopByHop, Hbh))});
  }
}

/// Tunnels whose headers are wrong: GUE variant, control messages, lengths; GRE version, flags.
void malformedTunnels(Set &S) {
  {
    const Bytes In4 = tcpSyn4();
    auto gueRaw = [&](Bytes Hdr) {
      return frame4(
          ipv4(Lb4, Vip4, ProtoUDP, udp(Lb4, Vip4, 50000, GuePort, cat({std::move(Hdr), In4}))));
    };
    S.push_back({"gue-bad-variant", "UDP 6080 whose first byte says GUE variant 2",
                 gueRaw({0x80, ProtoIPIP, 0, 0})});
    S.push_back({"gue-control-message", "GUE control message (C bit): no inner packet",
                 gueRaw({0x20, 0, 0, 0})});
    S.push_back({"gue-hlen-past-end",
                 "GUE hlen 31 (124 bytes of optional fields) past the "
                 "datagram",
                 gueRaw({0x1F, ProtoIPIP, 0, 0})});
    Gre V;
    V.version = 7;
    S.push_back({"gre-bad-version", "GRE version 7",
                 frame4(ipv4(Lb4, Vip4, ProtoGRE, gre(EthIPv4, In4, V)))});
    Bytes R = gre(EthIPv4, cat({Bytes(4, 0), In4}));
    R[0] |= 0x40; // routing present (deprecated, RFC 2784 says must be 0)
    S.push_back({"gre-routing-flag", "GRE with the deprecated routing-present bit",
                 frame4(ipv4(Lb4, Vip4, ProtoGRE, R))});
  }
}

Set malformedSet() {
  Set S;
  S.push_back({"empty-frame", "zero bytes (test-run rejects frames under 15 bytes)", {}});
  S.push_back({"one-byte-frame", "a single byte", Bytes{0x02}});
  S.push_back({"eth-header-only",
               "14 bytes: an Ethernet header saying IPv4 and nothing after it "
               "(test-run: EINVAL)",
               eth(EthIPv4)});
  S.push_back({"vlan-tag-truncated", "an 802.1Q ethertype followed by only 2 of the 4 tag bytes",
               cat({eth(EthVlan), Bytes{0x00, 0x64}})});

  truncations(S, "gue4-in-ipv4", gueOver4(ProtoIPIP, tcpSyn4()),
              {{"eth", 14}, {"ipv4", 20}, {"udp", 8}, {"gue", 4}, {"inner-ipv4", 20}, {"tcp", 20}});
  truncations(
      S, "ipv6-ext-tcp",
      frame6(ipv6(Client6, Vip6, ProtoHopByHop,
                  ipv6Options(ProtoRouting, {5, 2, 0, 0},
                              ipv6Srh(ProtoFragment, 0, {Vip6},
                                      ipv6Fragment(ProtoTCP, 0, false, 1,
                                                   tcp(Client6, Vip6, synOf(40000, 80, false))))))),
      {{"eth", 14}, {"ipv6", 40}, {"hbh", 8}, {"srh", 24}, {"frag", 8}, {"tcp", 20}}, false);
  truncations(
      S, "qinq-ipv4-udp", cat({eth(EthIPv4, {{EthQinQ, 200}, {EthVlan, 100}}), udpDns4()}),
      {{"eth", 14}, {"stag", 4}, {"ctag", 4}, {"ipv4", 20}, {"udp", 8}, {"dns", dnsWww().size()}},
      false);

  malformedIpv4(S);
  malformedTransport(S);
  malformedIpv6(S);
  malformedTunnels(S);
  return S;
}

struct SetDef {
  const char *name;
  const char *description;
  Set (*make)();
};

const SetDef Sets[] = {
    {"ipv4",
     "IPv4: TCP SYN/SYN-ACK/ACK/data/FIN/RST, UDP (DNS, no checksum, padded), ICMP echo, "
     "IPv4 options, fragments, ARP",
     ipv4Set},
    {"ipv6",
     "IPv6: TCP, UDP, ICMPv6 echo and neighbour discovery, hop-by-hop, routing, "
     "fragment and destination-options extension headers",
     ipv6Set},
    {"vlan", "802.1Q and QinQ (802.1ad, double 0x8100, 0x9100) tagged IPv4/IPv6", vlanSet},
    {"tunnels",
     "IPIP, IP6IP6, 4in6, 6in4, GUE on UDP 6080 (variant 0 and 1), GRE with "
     "key/checksum/sequence, gretap",
     tunnelsSet},
    {"icmp",
     "ICMP/ICMPv6 errors quoting an inner TCP or UDP packet: frag needed, unreachable, "
     "time exceeded, packet too big",
     icmpSet},
    {"malformed",
     "hostile input: empty and tiny frames, truncation at every layer boundary, bad "
     "IHL/version/lengths/checksums, bad TCP/UDP/GUE/GRE headers",
     malformedSet},
};

const SetDef *findSet(const std::string &Name) {
  for (const SetDef &D : Sets)
    if (Name == D.name)
      return &D;
  return nullptr;
}

Set makeSet(const std::string &Name) {
  if (Name == "all") {
    Set All;
    for (const SetDef &D : Sets) {
      Set S = D.make();
      All.insert(All.end(), S.begin(), S.end());
    }
    return All;
  }
  const SetDef *D = findSet(Name);
  return D ? D->make() : Set{};
}

} // namespace

std::vector<std::string> generatedSetNames() {
  std::vector<std::string> Names;
  for (const SetDef &D : Sets)
    Names.emplace_back(D.name);
  Names.emplace_back("all");
  return Names;
}

std::string generatedSetDescription(const std::string &Name) {
  if (Name == "all")
    return "every set above, in this order";
  const SetDef *D = findSet(Name);
  return D ? D->description : std::string();
}

Result<std::vector<Packet>> generatePackets(const std::string &Name) {
  if (Name != "all" && !findSet(Name)) {
    std::string Valid;
    for (const std::string &N : generatedSetNames())
      Valid += (Valid.empty() ? "gen:" : ", gen:") + N;
    return Failure::badInput("unknown generated packet set 'gen:" + Name +
                             "'; valid sets: " + Valid);
  }
  std::vector<Packet> Out;
  for (Gen &G : makeSet(Name))
    Out.push_back({std::move(G.name), std::move(G.bytes)});
  return Out;
}

std::vector<GeneratedPacketInfo> generatedPacketInfo(const std::string &Name) {
  std::vector<GeneratedPacketInfo> Out;
  for (Gen &G : makeSet(Name))
    Out.push_back({std::move(G.name), std::move(G.what)});
  return Out;
}

} // namespace bpfcarve::verifier
