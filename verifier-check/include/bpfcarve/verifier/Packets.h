//===- Packets.h - test-run input frames: pcap files, generated sets, decoder -*- C++ -*-===//
//
// The packet side of `verify --packets SPEC` and `diff-run --packets SPEC`:
//  - loadPackets(SPEC): a pcap/pcapng file or a built-in generated set `gen:NAME`, always as
//    Ethernet frames (raw-IP and Linux cooked captures get an Ethernet header prepended);
//  - writePcap: save any list of frames (e.g. a generated set) as a classic pcap file;
//  - decodeLayers: a layer-by-layer decoder for reports. It is fed hostile data (the output of a
//    program under test, a capture) and never reads outside the buffer it is given;
//  - describeDifference / firstDifference: where two frames first differ, by layer and field.
// docs/packets.md documents every generated set, the pcap rules and the decoder's layers.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/toolchain/Result.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bpfcarve::verifier {

/// One L2 (Ethernet) frame. `name` is descriptive and unique within a generated set
/// ("gue4-in-ipv4"); frames from a pcap file are named "FILE#INDEX" (INDEX 0-based).
struct Packet {
  std::string name;
  std::vector<uint8_t> bytes;
};

/// SPEC is `gen:NAME` (a built-in set, see generatedSetNames()) or the path of a pcap or pcapng
/// file. Failures are BadInput and name the file (and for a bad record its index and byte offset)
/// or, for an unknown set, list the valid names. A capture with no records is BadInput too.
Result<std::vector<Packet>> loadPackets(const std::string &Spec);

/// The built-in sets, without the `gen:` prefix: "ipv4", "ipv6", "vlan", "tunnels", "icmp",
/// "malformed", and "all" (every other set, in that order) last.
std::vector<std::string> generatedSetNames();

/// One line saying what the set is for; empty for an unknown name.
std::string generatedSetDescription(const std::string &Name);

/// The frames of one built-in set (NAME without `gen:`). Deterministic: the same bytes every run.
Result<std::vector<Packet>> generatePackets(const std::string &Name);

/// What each packet of a built-in set exercises, in set order (for docs and reports).
struct GeneratedPacketInfo {
  std::string name;
  std::string exercises;
};
std::vector<GeneratedPacketInfo> generatedPacketInfo(const std::string &Name);

/// Write PACKETS as a classic little-endian pcap file, link type Ethernet, microsecond
/// timestamps 0.000000, 0.000001, ... (deterministic). Atomic: a temp file in the same
/// directory renamed over PATH. Returns true, or a BadInput failure naming PATH.
Result<bool> writePcap(const std::string &Path, const std::vector<Packet> &Packets);

/// Where a buffer starts: at the Ethernet header (XDP, TC) or at the IP header (socket filter,
/// cgroup_skb, lwt; hooks.md §1.4). L3 picks IPv4 or IPv6 by the version nibble.
enum class Base { L2, L3 };

/// One decoded header (or a run of payload bytes). Layers are listed in byte order and never
/// overlap: a header layer covers the header only; what it carries follows as further layers.
struct Layer {
  /// "eth", "vlan", "ipv4", "ipv6", "ipv6-ext", "tcp", "udp", "icmp", "icmpv6", "gue", "gre",
  /// "payload" (bytes not decoded further: data, padding, unknown protocols, fragments) or
  /// "truncated" (a header that does not fit in what is left; covers the rest of the buffer).
  std::string name;
  size_t offset = 0;
  size_t length = 0; ///< 0 only for an empty frame and for GUE variant 1 (no header)
  /// Short human summary, e.g. "ipv4 192.0.2.1 -> 198.51.100.7 proto 17 ttl 64 len 60 csum ok".
  std::string summary;
  /// Encapsulation depth: 0 outermost, +1 inside each tunnel (IPIP, GUE, GRE) or ICMP error quote.
  unsigned depth = 0;
};

/// Decode DATA[0, SIZE) layer by layer. Follows VLAN tags (802.1Q, 802.1ad, 0x9100), IPv6
/// extension headers, IPIP/SIT/IP6IP6 (protocols 4 and 41), GUE on UDP destination port 6080
/// (variants 0 and 1), GRE (version 0; 0x0800, 0x86DD, 0x6558 inner Ethernet) and the packet
/// quoted by ICMP/ICMPv6 errors. Verifies IPv4 header, TCP, UDP, ICMP, ICMPv6 and GRE checksums
/// where the covered bytes are all present. Never reads outside [DATA, DATA+SIZE).
std::vector<Layer> decodeLayers(const uint8_t *Data, size_t Size, Base B = Base::L2);
inline std::vector<Layer> decodeLayers(const std::vector<uint8_t> &Bytes, Base B = Base::L2) {
  return decodeLayers(Bytes.data(), Bytes.size(), B);
}

/// The layer names joined by '/', e.g. "eth/ipv4/udp/gue/ipv4/tcp".
std::string layerPath(const std::vector<Layer> &Layers);

/// Index into LAYERS of the layer holding byte OFFSET, if any.
std::optional<size_t> layerAt(const std::vector<Layer> &Layers, size_t Offset);

struct ByteDifference {
  size_t offset = 0; ///< first differing byte (or the shorter length if one is a prefix)
  size_t sizeA = 0, sizeB = 0;
  std::optional<Layer> layer; ///< the layer of A holding `offset` (of B if A is shorter)
  std::string field; ///< header field at `offset` when known ("src", "checksum", ...)
};

/// The first difference between A and B, or nothing when they are equal.
std::optional<ByteDifference> firstDifference(const std::vector<uint8_t> &A,
                                              const std::vector<uint8_t> &B, Base At = Base::L2);

/// One line for reports: "identical (74 bytes)" or e.g. "first difference at byte 26 (0x0a vs
/// 0x0b), ipv4 header at 14, field src: ipv4 192.0.2.10 -> 198.51.100.1 proto 6 ...", with the
/// two lengths when they differ.
std::string describeDifference(const std::vector<uint8_t> &A, const std::vector<uint8_t> &B,
                               Base At = Base::L2);

} // namespace bpfcarve::verifier
