//===- PacketDecoder.cpp - layer-by-layer decoding of hostile frames ------===//
//
// Every read goes through Decoder::u8/u16/u32, which check the index against the buffer size;
// every region handed down is clamped to the buffer and to the enclosing header's length field.
// Each layer consumes at least one byte of a shrinking region and nesting is capped, so the
// decoder terminates on any input.
//
//===----------------------------------------------------------------------===//
#include "PacketBuilder.h"

#include "bpfcarve/verifier/Packets.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>

namespace bpfcarve::verifier {

namespace {

constexpr unsigned MaxDepth = 16; ///< encapsulation levels followed
constexpr unsigned MaxVlanTags = 8;
constexpr unsigned MaxExtHeaders = 16;

std::string hex16(unsigned V) {
  char B[8];
  std::snprintf(B, sizeof B, "0x%04x", V & 0xFFFF);
  return B;
}

/// What an L4 header needs from its IP header to verify a checksum.
struct IpContext {
  const uint8_t *src = nullptr, *dst = nullptr; ///< inside the buffer
  size_t addrLen = 0;
  bool isV6 = false;
  bool complete = false; ///< the whole datagram (per its length field) is in the buffer
  bool fragment = false; ///< first fragment: the L4 checksum covers bytes not here
  bool quoted = false;   ///< inside an ICMP error: the datagram was cut on purpose
  unsigned depth = 0;
};

class Decoder {
public:
  Decoder(const uint8_t *Data, size_t Size) : P(Data), N(Data ? Size : 0) {}

  std::vector<Layer> run(Base B) {
    if (N == 0) {
      add("truncated", 0, 0, "empty frame", 0);
      return std::move(Out);
    }
    if (B == Base::L2) {
      ethernet(0, N, 0);
    } else {
      unsigned V = u8(0) >> 4;
      if (V == 4)
        ipv4(0, N, 0, false);
      else if (V == 6)
        ipv6(0, N, 0, false);
      else
        payload(0, N, 0, "l3 version " + std::to_string(V) + " is neither 4 nor 6");
    }
    return std::move(Out);
  }

private:
  const uint8_t *P;
  size_t N;
  std::vector<Layer> Out;

  // Bounds-checked reads: out-of-range bytes read as 0 (callers check lengths first; this is the
  // last line of defence, never the logic).
  uint8_t u8(size_t I) const { return I < N ? P[I] : 0; }
  uint16_t u16(size_t I) const { return uint16_t(u8(I) << 8 | u8(I + 1)); }
  uint32_t u32(size_t I) const { return uint32_t(u16(I)) << 16 | u16(I + 2); }
  bool has(size_t Off, size_t Len, size_t End) const {
    return Off <= End && End <= N && Len <= End - Off;
  }

  void add(const char *Name, size_t Off, size_t Len, std::string Summary, unsigned Depth) {
    Out.push_back({Name, Off, Len, std::move(Summary), Depth});
  }
  void truncated(size_t Off, size_t End, const std::string &What, size_t Need, unsigned Depth) {
    add("truncated", Off, End - Off,
        "truncated: " + What + " needs " + std::to_string(Need) + " bytes, " +
            std::to_string(End - Off) + " left",
        Depth);
  }
  void payload(size_t Off, size_t End, unsigned Depth, const std::string &What = {}) {
    if (Off >= End)
      return;
    add("payload", Off, End - Off,
        "payload " + std::to_string(End - Off) + " bytes" + (What.empty() ? "" : ": " + What),
        Depth);
  }

  std::string ip4str(size_t I) const {
    char B[INET_ADDRSTRLEN];
    uint8_t A[4] = {u8(I), u8(I + 1), u8(I + 2), u8(I + 3)};
    inet_ntop(AF_INET, A, B, sizeof B);
    return B;
  }
  std::string ip6str(size_t I) const {
    char B[INET6_ADDRSTRLEN];
    uint8_t A[16];
    for (size_t K = 0; K < 16; ++K)
      A[K] = u8(I + K);
    inet_ntop(AF_INET6, A, B, sizeof B);
    return B;
  }
  std::string macstr(size_t I) const {
    char B[18];
    std::snprintf(B, sizeof B, "%02x:%02x:%02x:%02x:%02x:%02x", u8(I), u8(I + 1), u8(I + 2),
                  u8(I + 3), u8(I + 4), u8(I + 5));
    return B;
  }

  /// " csum ok", " csum bad (0x1234)", or "" when not verifiable. [Off, End) is in the buffer.
  std::string l4Checksum(size_t Off, size_t End, size_t CsumAt, uint8_t Proto,
                         const IpContext &C) const {
    if (!C.complete || C.fragment || !C.src || !has(Off, End - Off, End))
      return "";
    uint32_t Pseudo = pkt::pseudoHeaderSum(C.src, C.dst, C.addrLen, Proto, uint32_t(End - Off));
    bool Ok = pkt::internetChecksum(P + Off, End - Off, Pseudo) == 0;
    return Ok ? " csum ok" : " csum bad (" + hex16(u16(CsumAt)) + ")";
  }

  // --- L2 ------------------------------------------------------------------------------

  void ethernet(size_t Off, size_t End, unsigned Depth) {
    if (!has(Off, 14, End))
      return truncated(Off, End, "eth header", 14, Depth);
    uint16_t Type = u16(Off + 12);
    add("eth", Off, 14, "eth " + macstr(Off + 6) + " -> " + macstr(Off) + " type " + hex16(Type),
        Depth);
    size_t At = Off + 14;
    unsigned Tags = 0;
    while (Type == pkt::EthVlan || Type == pkt::EthQinQ || Type == 0x9100) {
      if (++Tags > MaxVlanTags)
        return payload(At, End, Depth, "more than " + std::to_string(MaxVlanTags) + " vlan tags");
      if (!has(At, 4, End))
        return truncated(At, End, "vlan tag", 4, Depth);
      uint16_t Tci = u16(At);
      uint16_t Next = u16(At + 2);
      std::string Kind = Type == pkt::EthVlan   ? "802.1Q"
                         : Type == pkt::EthQinQ ? "802.1ad"
                                                : "0x9100";
      add("vlan", At, 4,
          "vlan " + Kind + " id " + std::to_string(Tci & 0xFFF) + " pcp " +
              std::to_string(Tci >> 13) + " type " + hex16(Next),
          Depth);
      Type = Next;
      At += 4;
    }
    l3(Type, At, End, Depth);
  }

  void l3(uint16_t Type, size_t Off, size_t End, unsigned Depth) {
    switch (Type) {
    case pkt::EthIPv4:
      return ipv4(Off, End, Depth, false);
    case pkt::EthIPv6:
      return ipv6(Off, End, Depth, false);
    case pkt::EthARP:
      return payload(Off, End, Depth, "arp");
    default:
      return payload(Off, End, Depth, "ethertype " + hex16(Type));
    }
  }

  // --- IP ------------------------------------------------------------------------------

  void ipv4(size_t Off, size_t End, unsigned Depth, bool Quoted) {
    if (!has(Off, 20, End))
      return truncated(Off, End, "ipv4 header", 20, Depth);
    unsigned Version = u8(Off) >> 4, Ihl = u8(Off) & 0xF;
    size_t Hl = size_t(Ihl) * 4;
    uint16_t Total = u16(Off + 2), Frag = u16(Off + 6);
    uint8_t Ttl = u8(Off + 8), Proto = u8(Off + 9);
    std::string S = "ipv4 " + ip4str(Off + 12) + " -> " + ip4str(Off + 16) + " proto " +
                    std::to_string(Proto) + " ttl " + std::to_string(Ttl) + " len " +
                    std::to_string(Total);
    if (Quoted)
      S += " (quoted)";
    if (Version != 4) {
      add("ipv4", Off, 20, S + " bad version " + std::to_string(Version), Depth);
      return payload(Off + 20, End, Depth,
                     "after an ipv4 header with version " + std::to_string(Version));
    }
    if (Ihl < 5) {
      add("ipv4", Off, 20, S + " bad ihl " + std::to_string(Ihl), Depth);
      return payload(Off + 20, End, Depth, "after an ipv4 header with ihl " + std::to_string(Ihl));
    }
    if (!has(Off, Hl, End))
      return truncated(Off, End, "ipv4 header with ihl " + std::to_string(Ihl), Hl, Depth);
    if (Ihl > 5)
      S += " ihl " + std::to_string(Ihl);
    bool Ok = pkt::internetChecksum(P + Off, Hl) == 0;
    S += Ok ? " csum ok" : " csum bad (" + hex16(u16(Off + 10)) + ")";
    size_t FragOff = size_t(Frag & 0x1FFF) * 8;
    bool More = Frag & 0x2000;
    if (Frag & 0x4000)
      S += " DF";
    if (More || FragOff)
      S += " frag off " + std::to_string(FragOff) + (More ? " MF" : "");
    // The datagram's end per its length field, clamped to what the region holds.
    size_t DgEnd = End;
    bool Complete = true;
    if (Total < Hl) {
      S += " bad len < header " + std::to_string(Hl);
      add("ipv4", Off, Hl, S, Depth);
      return payload(Off + Hl, End, Depth,
                     "after an ipv4 header with length " + std::to_string(Total));
    }
    if (Total > End - Off) {
      Complete = false;
      if (!Quoted)
        S += " len > available " + std::to_string(End - Off);
    } else {
      DgEnd = Off + Total;
    }
    add("ipv4", Off, Hl, S, Depth);
    if (FragOff) {
      payload(Off + Hl, DgEnd, Depth, "fragment data (offset " + std::to_string(FragOff) + ")");
    } else {
      IpContext C{P + Off + 12, P + Off + 16, 4, false, Complete, More, Quoted, Depth};
      transport(Proto, Off + Hl, DgEnd, C);
    }
    if (DgEnd < End)
      payload(DgEnd, End, Depth, "after the ipv4 datagram (padding or trailer)");
  }

  void ipv6(size_t Off, size_t End, unsigned Depth, bool Quoted) {
    if (!has(Off, 40, End))
      return truncated(Off, End, "ipv6 header", 40, Depth);
    unsigned Version = u8(Off) >> 4;
    uint16_t Plen = u16(Off + 4);
    uint8_t Next = u8(Off + 6), Hlim = u8(Off + 7);
    std::string S = "ipv6 " + ip6str(Off + 8) + " -> " + ip6str(Off + 24) + " next " +
                    std::to_string(Next) + " hlim " + std::to_string(Hlim) + " plen " +
                    std::to_string(Plen);
    if (Quoted)
      S += " (quoted)";
    if (Version != 6) {
      add("ipv6", Off, 40, S + " bad version " + std::to_string(Version), Depth);
      return payload(Off + 40, End, Depth,
                     "after an ipv6 header with version " + std::to_string(Version));
    }
    size_t DgEnd = End;
    bool Complete = true;
    if (Plen > End - Off - 40) {
      Complete = false;
      if (!Quoted)
        S += " plen > available " + std::to_string(End - Off - 40);
    } else {
      DgEnd = Off + 40 + Plen;
    }
    add("ipv6", Off, 40, S, Depth);
    IpContext C{P + Off + 8, P + Off + 24, 16, true, Complete, false, Quoted, Depth};
    size_t At = Off + 40;
    bool Stop = false;
    for (unsigned K = 0; !Stop; ++K) {
      if (Next != 0 && Next != pkt::ProtoRouting && Next != pkt::ProtoFragment &&
          Next != pkt::ProtoDstOpts && Next != 51 /* AH */)
        break;
      if (K >= MaxExtHeaders) {
        payload(At, DgEnd, Depth,
                "more than " + std::to_string(MaxExtHeaders) + " extension headers");
        Stop = true;
        break;
      }
      if (!has(At, 8, DgEnd)) {
        truncated(At, DgEnd, "ipv6 extension header", 8, Depth);
        Stop = true;
        break;
      }
      uint8_t Nh = u8(At);
      size_t Len = Next == pkt::ProtoFragment ? 8
                   : Next == 51               ? (size_t(u8(At + 1)) + 2) * 4
                                              : (size_t(u8(At + 1)) + 1) * 8;
      std::string What = Next == 0                    ? "hop-by-hop"
                         : Next == pkt::ProtoRouting  ? "routing"
                         : Next == pkt::ProtoFragment ? "fragment"
                         : Next == 51                 ? "ah"
                                                      : "dest-options";
      if (!has(At, Len, DgEnd)) {
        truncated(At, DgEnd, "ipv6 " + What + " header", Len, Depth);
        Stop = true;
        break;
      }
      std::string ES =
          "ipv6-ext " + What + " next " + std::to_string(Nh) + " len " + std::to_string(Len);
      if (Next == pkt::ProtoRouting) {
        uint8_t Type = u8(At + 2), Left = u8(At + 3);
        ES += " type " + std::to_string(Type) + " segleft " + std::to_string(Left);
        // The pseudo header carries the final destination (RFC 8200 8.1).
        if (Left > 0) {
          if (Type == 4 && Len >= 24)
            C.dst = P + At + 8; // SRH segment[0] is the final segment
          else if ((Type == 0 || Type == 2) && Len >= 24)
            C.dst = P + At + Len - 16;
          else
            C.src = nullptr; // unknown routing type: the checksum cannot be checked
        }
      } else if (Next == pkt::ProtoFragment) {
        uint16_t F = u16(At + 2);
        auto FOff = size_t(F & 0xFFF8);
        bool More = F & 1;
        ES += " off " + std::to_string(FOff) + (More ? " M" : "") + " id " +
              std::to_string(u32(At + 4));
        if (FOff) {
          add("ipv6-ext", At, Len, ES, Depth);
          payload(At + Len, DgEnd, Depth, "fragment data (offset " + std::to_string(FOff) + ")");
          Stop = true;
          break;
        }
        C.fragment = More;
      }
      add("ipv6-ext", At, Len, ES, Depth);
      At += Len;
      Next = Nh;
    }
    if (!Stop) {
      if (Next == pkt::ProtoNoNext)
        payload(At, DgEnd, Depth, "after no-next-header");
      else
        transport(Next, At, DgEnd, C);
    }
    if (DgEnd < End)
      payload(DgEnd, End, Depth, "after the ipv6 datagram (padding or trailer)");
  }

  // --- L4 and tunnels --------------------------------------------------------------------

  void transport(uint8_t Proto, size_t Off, size_t End, const IpContext &C) {
    unsigned Depth = C.depth;
    switch (Proto) {
    case pkt::ProtoTCP:
      return tcp(Off, End, C);
    case pkt::ProtoUDP:
      return udp(Off, End, C);
    case pkt::ProtoICMP:
      return icmp(Off, End, C);
    case pkt::ProtoICMPv6:
      return icmpv6(Off, End, C);
    case pkt::ProtoIPIP:
      if (Depth + 1 >= MaxDepth)
        return payload(Off, End, Depth, "nesting deeper than " + std::to_string(MaxDepth));
      return ipv4(Off, End, Depth + 1, C.quoted);
    case pkt::ProtoIPv6:
      if (Depth + 1 >= MaxDepth)
        return payload(Off, End, Depth, "nesting deeper than " + std::to_string(MaxDepth));
      return ipv6(Off, End, Depth + 1, C.quoted);
    case pkt::ProtoGRE:
      return greHeader(Off, End, C);
    default:
      return payload(Off, End, Depth, "ip protocol " + std::to_string(Proto));
    }
  }

  static std::string tcpFlags(uint8_t F) {
    static const char *const Names[] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
    std::string S;
    for (unsigned I : {1u, 4u, 3u, 0u, 2u, 5u, 6u, 7u}) // SYN ACK PSH FIN RST URG ECE CWR
      if (F & (1u << I))
        S += (S.empty() ? "" : ",") + std::string(Names[I]);
    return "[" + S + "]";
  }

  void tcp(size_t Off, size_t End, const IpContext &C) {
    unsigned Depth = C.depth;
    std::string Ports = std::to_string(u16(Off)) + " -> " + std::to_string(u16(Off + 2));
    if (!has(Off, 20, End)) {
      if (C.quoted && has(Off, 8, End))
        return add("tcp", Off, End - Off,
                   "tcp " + Ports + " seq " + std::to_string(u32(Off + 4)) + " (quoted, first " +
                       std::to_string(End - Off) + " bytes)",
                   Depth);
      return truncated(Off, End, "tcp header", 20, Depth);
    }
    unsigned Doff = u8(Off + 12) >> 4;
    size_t Hl = size_t(Doff) * 4;
    std::string S = "tcp " + Ports + " " + tcpFlags(u8(Off + 13)) + " seq " +
                    std::to_string(u32(Off + 4)) + " ack " + std::to_string(u32(Off + 8)) +
                    " win " + std::to_string(u16(Off + 14));
    if (Doff < 5) {
      add("tcp", Off, 20, S + " bad doff " + std::to_string(Doff), Depth);
      return payload(Off + 20, End, Depth);
    }
    if (!has(Off, Hl, End)) {
      if (C.quoted)
        return add("tcp", Off, End - Off,
                   S + " (quoted, first " + std::to_string(End - Off) + " bytes)", Depth);
      return truncated(Off, End, "tcp header with doff " + std::to_string(Doff), Hl, Depth);
    }
    if (Doff > 5)
      S += " opts " + std::to_string(Hl - 20);
    S += l4Checksum(Off, End, Off + 16, pkt::ProtoTCP, C);
    add("tcp", Off, Hl, S, Depth);
    payload(Off + Hl, End, Depth);
  }

  void udp(size_t Off, size_t End, const IpContext &C) {
    unsigned Depth = C.depth;
    if (!has(Off, 8, End))
      return truncated(Off, End, "udp header", 8, Depth);
    uint16_t Sport = u16(Off), Dport = u16(Off + 2), Len = u16(Off + 4), Csum = u16(Off + 6);
    std::string S = "udp " + std::to_string(Sport) + " -> " + std::to_string(Dport) + " len " +
                    std::to_string(Len);
    size_t UEnd = End;
    bool LenOk = true;
    if (Len < 8) {
      S += " bad len < 8";
      LenOk = false;
    } else if (Len > End - Off) {
      if (!C.quoted && !C.fragment)
        S += " len > available " + std::to_string(End - Off);
      LenOk = false;
    } else {
      UEnd = Off + Len;
    }
    if (Csum == 0 && !C.isV6) {
      S += " csum none";
    } else if (LenOk) {
      // The checksum covers exactly the UDP length, all present here, whatever the IP length.
      IpContext K = C;
      K.complete = true;
      S += l4Checksum(Off, UEnd, Off + 6, pkt::ProtoUDP, K);
      if (Csum == 0 && C.isV6)
        S += " (zero csum over ipv6)";
    }
    add("udp", Off, 8, S, Depth);
    if (Dport == pkt::GuePort && !C.quoted && UEnd > Off + 8)
      return gueHeader(Off + 8, UEnd, End, C);
    payload(Off + 8, UEnd, Depth);
    if (UEnd < End)
      payload(UEnd, End, Depth, "after the udp length");
  }

  /// GUE (draft-ietf-intarea-gue) on UDP 6080, as in bpf-samples/l4lb.
  void gueHeader(size_t Off, size_t End, size_t RegionEnd, const IpContext &C) {
    unsigned Depth = C.depth;
    auto rest = [&] {
      if (End < RegionEnd)
        payload(End, RegionEnd, Depth, "after the udp length");
    };
    uint8_t B0 = u8(Off);
    unsigned Variant = B0 >> 6;
    if (Variant == 1) {
      // Variant 1: no header; the first nibble is the IP version (0100 or 0110).
      unsigned Ver = B0 >> 4;
      add("gue", Off, 0, "gue variant 1 (no header, ipv" + std::to_string(Ver) + " follows)",
          Depth);
      if (Depth + 1 >= MaxDepth)
        payload(Off, End, Depth, "nesting too deep");
      else if (Ver == 4)
        ipv4(Off, End, Depth + 1, false);
      else if (Ver == 6)
        ipv6(Off, End, Depth + 1, false);
      else
        payload(Off, End, Depth, "gue variant 1 with ip version " + std::to_string(Ver));
      return rest();
    }
    if (!has(Off, 4, End)) {
      truncated(Off, End, "gue header", 4, Depth);
      return rest();
    }
    if (Variant != 0) {
      add("gue", Off, 4, "gue bad variant " + std::to_string(Variant), Depth);
      payload(Off + 4, End, Depth);
      return rest();
    }
    bool Control = B0 & 0x20;
    unsigned Hlen = B0 & 0x1F;
    uint8_t Proto = u8(Off + 1);
    size_t Hl = 4 + size_t(Hlen) * 4;
    std::string S = "gue v0" + std::string(Control ? " control ctype " : " proto ") +
                    std::to_string(Proto) + " hlen " + std::to_string(Hlen) + " flags " +
                    hex16(u16(Off + 2));
    if (!has(Off, Hl, End)) {
      truncated(Off, End, "gue header with hlen " + std::to_string(Hlen), Hl, Depth);
      return rest();
    }
    add("gue", Off, Hl, S, Depth);
    if (Control) {
      payload(Off + Hl, End, Depth, "gue control message");
    } else if (Depth + 1 >= MaxDepth) {
      payload(Off + Hl, End, Depth, "nesting too deep");
    } else if (Proto == pkt::ProtoIPIP) {
      ipv4(Off + Hl, End, Depth + 1, false);
    } else if (Proto == pkt::ProtoIPv6) {
      ipv6(Off + Hl, End, Depth + 1, false);
    } else {
      IpContext Inner{};
      Inner.depth = Depth + 1;
      transport(Proto, Off + Hl, End, Inner);
    }
    rest();
  }

  void greHeader(size_t Off, size_t End, const IpContext &C) {
    unsigned Depth = C.depth;
    if (!has(Off, 4, End))
      return truncated(Off, End, "gre header", 4, Depth);
    uint16_t Flags = u16(Off), Proto = u16(Off + 2);
    unsigned Version = Flags & 7;
    bool Csum = Flags & 0x8000, Routing = Flags & 0x4000, Key = Flags & 0x2000,
         Seq = Flags & 0x1000;
    std::string S = "gre proto " + hex16(Proto);
    if (Version != 0) {
      add("gre", Off, 4, S + " version " + std::to_string(Version) + " not decoded", Depth);
      return payload(Off + 4, End, Depth);
    }
    size_t Hl = 4 + ((Csum || Routing) ? 4 : 0) + (Key ? 4 : 0) + (Seq ? 4 : 0);
    if (!has(Off, Hl, End))
      return truncated(Off, End, "gre header with flags", Hl, Depth);
    size_t At = Off + 4;
    if (Csum || Routing) {
      if (Csum) {
        S += " C";
        if (C.complete && !C.fragment)
          S += pkt::internetChecksum(P + Off, End - Off) == 0
                   ? " csum ok"
                   : " csum bad (" + hex16(u16(At)) + ")";
      }
      At += 4;
    }
    if (Key) {
      S += " key " + std::to_string(u32(At));
      At += 4;
    }
    if (Seq)
      S += " seq " + std::to_string(u32(At));
    if (Routing) {
      add("gre", Off, Hl, S + " R (routing, not decoded)", Depth);
      return payload(Off + Hl, End, Depth);
    }
    add("gre", Off, Hl, S, Depth);
    if (Depth + 1 >= MaxDepth)
      return payload(Off + Hl, End, Depth, "nesting too deep");
    if (Proto == pkt::EthIPv4)
      return ipv4(Off + Hl, End, Depth + 1, C.quoted);
    if (Proto == pkt::EthIPv6)
      return ipv6(Off + Hl, End, Depth + 1, C.quoted);
    if (Proto == pkt::EthTEB)
      return ethernet(Off + Hl, End, Depth + 1);
    payload(Off + Hl, End, Depth, "gre protocol " + hex16(Proto));
  }

  static std::string icmpName(uint8_t Type, uint8_t Code) {
    switch (Type) {
    case 0:
      return "echo-reply";
    case 3: {
      static const char *const Codes[] = {"net-unreachable",      "host-unreachable",
                                          "protocol-unreachable", "port-unreachable",
                                          "frag-needed",          "source-route-failed"};
      if (Code < 6)
        return std::string("dest-unreachable ") + Codes[Code];
      if (Code == 13)
        return "dest-unreachable admin-prohibited";
      return "dest-unreachable code " + std::to_string(Code);
    }
    case 5:
      return "redirect";
    case 8:
      return "echo-request";
    case 11:
      return "time-exceeded";
    case 12:
      return "parameter-problem";
    default:
      return "type " + std::to_string(Type) + " code " + std::to_string(Code);
    }
  }

  void icmp(size_t Off, size_t End, const IpContext &C) {
    unsigned Depth = C.depth;
    if (!has(Off, 8, End))
      return truncated(Off, End, "icmp header", 8, Depth);
    uint8_t Type = u8(Off), Code = u8(Off + 1);
    std::string S = "icmp " + icmpName(Type, Code);
    if (Type == 0 || Type == 8)
      S += " id " + hex16(u16(Off + 4)) + " seq " + std::to_string(u16(Off + 6));
    if (Type == 3 && Code == 4)
      S += " mtu " + std::to_string(u16(Off + 6));
    if (C.complete && !C.fragment)
      S += pkt::internetChecksum(P + Off, End - Off) == 0
               ? " csum ok"
               : " csum bad (" + hex16(u16(Off + 2)) + ")";
    add("icmp", Off, 8, S, Depth);
    bool Error = Type == 3 || Type == 4 || Type == 5 || Type == 11 || Type == 12;
    if (Error && !C.quoted && Depth + 1 < MaxDepth && End > Off + 8)
      return ipv4(Off + 8, End, Depth + 1, true);
    payload(Off + 8, End, Depth);
  }

  static std::string icmpv6Name(uint8_t Type, uint8_t Code) {
    switch (Type) {
    case 1:
      return Code == 4 ? "dest-unreachable port-unreachable"
                       : "dest-unreachable code " + std::to_string(Code);
    case 2:
      return "packet-too-big";
    case 3:
      return "time-exceeded";
    case 4:
      return "parameter-problem";
    case 128:
      return "echo-request";
    case 129:
      return "echo-reply";
    case 133:
      return "router-solicitation";
    case 134:
      return "router-advertisement";
    case 135:
      return "neighbor-solicitation";
    case 136:
      return "neighbor-advertisement";
    case 143:
      return "mldv2-report";
    default:
      return "type " + std::to_string(Type) + " code " + std::to_string(Code);
    }
  }

  void icmpv6(size_t Off, size_t End, const IpContext &C) {
    unsigned Depth = C.depth;
    if (!has(Off, 8, End))
      return truncated(Off, End, "icmpv6 header", 8, Depth);
    uint8_t Type = u8(Off), Code = u8(Off + 1);
    std::string S = "icmpv6 " + icmpv6Name(Type, Code);
    if (Type == 128 || Type == 129)
      S += " id " + hex16(u16(Off + 4)) + " seq " + std::to_string(u16(Off + 6));
    if (Type == 2)
      S += " mtu " + std::to_string(u32(Off + 4));
    if ((Type == 135 || Type == 136) && has(Off, 24, End))
      S += " target " + ip6str(Off + 8);
    S += l4Checksum(Off, End, Off + 2, pkt::ProtoICMPv6, C);
    add("icmpv6", Off, 8, S, Depth);
    bool Error = Type >= 1 && Type <= 4;
    if (Error && !C.quoted && Depth + 1 < MaxDepth && End > Off + 8)
      return ipv6(Off + 8, End, Depth + 1, true);
    payload(Off + 8, End, Depth);
  }
};

/// Field names of the fixed headers, by offset within the header.
std::string fieldAt(const Layer &L, size_t Rel) {
  struct F {
    size_t from, to;
    const char *name;
  };
  static const F Eth[] = {{0, 6, "dst mac"}, {6, 12, "src mac"}, {12, 14, "ethertype"}};
  static const F Vlan[] = {{0, 2, "tci"}, {2, 4, "ethertype"}};
  static const F V4[] = {{0, 1, "version/ihl"},
                         {1, 2, "tos"},
                         {2, 4, "total length"},
                         {4, 6, "id"},
                         {6, 8, "flags/fragment offset"},
                         {8, 9, "ttl"},
                         {9, 10, "protocol"},
                         {10, 12, "checksum"},
                         {12, 16, "src"},
                         {16, 20, "dst"},
                         {20, 60, "options"}};
  static const F V6[] = {{0, 4, "version/traffic class/flow label"},
                         {4, 6, "payload length"},
                         {6, 7, "next header"},
                         {7, 8, "hop limit"},
                         {8, 24, "src"},
                         {24, 40, "dst"}};
  static const F Tcp[] = {{0, 2, "src port"}, {2, 4, "dst port"},      {4, 8, "seq"},
                          {8, 12, "ack"},     {12, 13, "data offset"}, {13, 14, "flags"},
                          {14, 16, "window"}, {16, 18, "checksum"},    {18, 20, "urgent pointer"},
                          {20, 60, "options"}};
  static const F Udp[] = {
      {0, 2, "src port"}, {2, 4, "dst port"}, {4, 6, "length"}, {6, 8, "checksum"}};
  static const F Icmp[] = {
      {0, 1, "type"}, {1, 2, "code"}, {2, 4, "checksum"}, {4, 8, "rest of header"}};
  static const F Gue[] = {{0, 1, "version/C/hlen"}, {1, 2, "proto/ctype"}, {2, 4, "flags"}};
  static const F Gre[] = {{0, 2, "flags/version"}, {2, 4, "protocol"}};
  auto find = [&](const auto &Table) -> std::string {
    for (const F &E : Table)
      if (Rel >= E.from && Rel < E.to)
        return E.name;
    return "";
  };
  if (L.name == "eth")
    return find(Eth);
  if (L.name == "vlan")
    return find(Vlan);
  if (L.name == "ipv4")
    return find(V4);
  if (L.name == "ipv6")
    return find(V6);
  if (L.name == "tcp")
    return find(Tcp);
  if (L.name == "udp")
    return find(Udp);
  if (L.name == "icmp" || L.name == "icmpv6")
    return find(Icmp);
  if (L.name == "gue")
    return find(Gue);
  if (L.name == "gre")
    return find(Gre);
  return "";
}

std::string byteHex(const std::vector<uint8_t> &V, size_t I) {
  if (I >= V.size())
    return "end";
  char B[6];
  std::snprintf(B, sizeof B, "0x%02x", V[I]);
  return B;
}

} // namespace

std::vector<Layer> decodeLayers(const uint8_t *Data, size_t Size, Base B) {
  return Decoder(Data, Size).run(B);
}

std::string layerPath(const std::vector<Layer> &Layers) {
  std::string S;
  for (const Layer &L : Layers)
    S += (S.empty() ? "" : "/") + L.name;
  return S;
}

std::optional<size_t> layerAt(const std::vector<Layer> &Layers, size_t Offset) {
  for (size_t I = 0; I < Layers.size(); ++I)
    if (Offset >= Layers[I].offset && Offset - Layers[I].offset < Layers[I].length)
      return I;
  return std::nullopt;
}

std::optional<ByteDifference> firstDifference(const std::vector<uint8_t> &A,
                                              const std::vector<uint8_t> &B, Base At) {
  if (A == B)
    return std::nullopt;
  size_t Common = std::min(A.size(), B.size());
  size_t I = 0;
  while (I < Common && A[I] == B[I])
    ++I;
  ByteDifference D;
  D.offset = I;
  D.sizeA = A.size();
  D.sizeB = B.size();
  const std::vector<uint8_t> &Ref = I < A.size() ? A : B;
  std::vector<Layer> Layers = decodeLayers(Ref, At);
  if (auto K = layerAt(Layers, I)) {
    D.layer = Layers[*K];
    D.field = fieldAt(*D.layer, I - D.layer->offset);
  }
  return D;
}

std::string describeDifference(const std::vector<uint8_t> &A, const std::vector<uint8_t> &B,
                               Base At) {
  auto D = firstDifference(A, B, At);
  if (!D)
    return "identical (" + std::to_string(A.size()) + " bytes)";
  std::string S;
  if (D->sizeA != D->sizeB)
    S = "lengths differ (" + std::to_string(D->sizeA) + " vs " + std::to_string(D->sizeB) +
        " bytes); ";
  S += "first difference at byte " + std::to_string(D->offset) + " (" + byteHex(A, D->offset) +
       " vs " + byteHex(B, D->offset) + ")";
  if (D->layer) {
    S += ", " + D->layer->name +
         (D->layer->name == "payload" || D->layer->name == "truncated" ? " at " : " header at ") +
         std::to_string(D->layer->offset);
    if (!D->field.empty())
      S += ", field " + D->field;
    S += ": " + D->layer->summary;
  }
  return S;
}

} // namespace bpfcarve::verifier
