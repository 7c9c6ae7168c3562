//===- PacketBuilder.h - byte-exact header builders for the generated sets -*- C++ -*-===//
//
// Internal. Every builder returns finished bytes: lengths and checksums filled in (TCP, UDP and
// ICMPv6 take the addresses of their pseudo header). Overrides exist only to build the malformed
// set on purpose.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bpfcarve::verifier::pkt {

using Bytes = std::vector<uint8_t>;

/// The Internet checksum (RFC 1071) of DATA, starting from a partial 32-bit sum: the value to
/// store in the checksum field (data summed with the field zero), or 0 when verifying over data
/// that includes a correct checksum.
uint16_t internetChecksum(const uint8_t *Data, size_t Size, uint32_t Partial = 0);
/// Partial one's-complement sum of DATA as big-endian 16-bit words (odd tail padded with zero).
uint32_t sumWords(const uint8_t *Data, size_t Size, uint32_t Acc = 0);
/// Partial sum of the TCP/UDP/ICMPv6 pseudo header (IPv4 and IPv6 sum the same way).
uint32_t pseudoHeaderSum(const uint8_t *Src, const uint8_t *Dst, size_t AddrLen, uint8_t Proto,
                         uint32_t Length);

// Protocol numbers and ethertypes.
constexpr uint16_t EthIPv4 = 0x0800, EthIPv6 = 0x86DD, EthARP = 0x0806, EthVlan = 0x8100,
                   EthQinQ = 0x88A8, EthTEB = 0x6558;
constexpr uint8_t ProtoICMP = 1, ProtoIPIP = 4, ProtoTCP = 6, ProtoUDP = 17, ProtoIPv6 = 41,
                  ProtoRouting = 43, ProtoFragment = 44, ProtoGRE = 47, ProtoICMPv6 = 58,
                  ProtoNoNext = 59, ProtoDstOpts = 60, ProtoHopByHop = 0;
constexpr uint16_t GuePort = 6080;

// TCP flags.
constexpr uint8_t TcpFIN = 0x01, TcpSYN = 0x02, TcpRST = 0x04, TcpPSH = 0x08, TcpACK = 0x10;

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address, network order.
Bytes addr(const char *Text);
Bytes mac(const char *Text);

void put16(Bytes &B, uint16_t V);
void put32(Bytes &B, uint32_t V);
void set16(Bytes &B, size_t At, uint16_t V);
Bytes cat(std::initializer_list<Bytes> Parts);
Bytes text(const std::string &S);

/// Ethernet header; TAGS are (TPID, TCI) pairs inserted before TYPE, outermost first.
Bytes eth(uint16_t Type, const std::vector<std::pair<uint16_t, uint16_t>> &Tags = {});
Bytes ethTo(const Bytes &Dst, const Bytes &Src, uint16_t Type);

struct V4 {
  uint8_t tos = 0;
  uint16_t id = 0x1234;
  uint16_t frag = 0x4000; ///< flags and fragment offset field: DF by default
  uint8_t ttl = 64;
  Bytes options;          ///< padded with EOL to a multiple of 4
  // Malformed-on-purpose overrides.
  std::optional<uint8_t> version, ihl;
  std::optional<uint16_t> totalLength;
  bool badChecksum = false;
};
Bytes ipv4(const Bytes &Src, const Bytes &Dst, uint8_t Proto, const Bytes &Payload, V4 O = {});

struct V6 {
  uint8_t trafficClass = 0;
  uint32_t flowLabel = 0;
  uint8_t hopLimit = 64;
  std::optional<uint8_t> version;
  std::optional<uint16_t> payloadLength;
};
Bytes ipv6(const Bytes &Src, const Bytes &Dst, uint8_t Next, const Bytes &Payload, V6 O = {});

/// IPv6 options header (hop-by-hop or destination options): OPTIONS (TLVs) padded with Pad1/PadN
/// to a multiple of 8 bytes including the 2-byte header, then PAYLOAD.
Bytes ipv6Options(uint8_t Next, const Bytes &Options, const Bytes &Payload);
/// Segment routing header (routing type 4) with SEGMENTS (segment[0] is the final destination).
Bytes ipv6Srh(uint8_t Next, uint8_t SegmentsLeft, const std::vector<Bytes> &Segments,
              const Bytes &Payload);
Bytes ipv6Fragment(uint8_t Next, uint16_t Offset, bool More, uint32_t Id, const Bytes &Payload);

struct Tcp {
  uint16_t sport = 40000, dport = 80;
  uint32_t seq = 1, ack = 0;
  uint8_t flags = TcpSYN;
  uint16_t window = 65535;
  Bytes options; ///< padded with EOL to a multiple of 4
  Bytes payload;
  std::optional<uint8_t> dataOffset; ///< malformed override (in 32-bit words)
  bool badChecksum = false;
};
Bytes tcp(const Bytes &Src, const Bytes &Dst, const Tcp &T);
/// The options of a Linux SYN: MSS, SACK permitted, timestamps, NOP, window scale 7.
Bytes linuxSynOptions(uint16_t Mss, uint32_t TsVal);

struct Udp {
  bool zeroChecksum = false; ///< IPv4 only: "no checksum"
  bool badChecksum = false;
  std::optional<uint16_t> length;
};
Bytes udp(const Bytes &Src, const Bytes &Dst, uint16_t Sport, uint16_t Dport, const Bytes &Payload,
          Udp O = {});

/// ICMP: type, code, the 4 "rest of header" bytes, body; checksum over all.
Bytes icmp(uint8_t Type, uint8_t Code, uint32_t Rest, const Bytes &Body);
Bytes icmpv6(const Bytes &Src, const Bytes &Dst, uint8_t Type, uint8_t Code, uint32_t Rest,
             const Bytes &Body);

/// GUE variant 0 header: no optional fields, data message carrying PROTO.
Bytes gue(uint8_t Proto);

struct Gre {
  bool checksum = false, key = false, sequence = false;
  uint32_t keyValue = 0, sequenceValue = 0;
  uint8_t version = 0;
};
Bytes gre(uint16_t Proto, const Bytes &Payload, Gre O = {});

/// A DNS query for NAME (type A), as a UDP payload.
Bytes dnsQuery(uint16_t Id, const std::string &Name, uint16_t Type = 1);

} // namespace bpfcarve::verifier::pkt
