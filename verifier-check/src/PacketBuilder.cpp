//===- PacketBuilder.cpp - byte-exact header builders ---------------------===//
#include "PacketBuilder.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace bpfcarve::verifier::pkt {

uint32_t sumWords(const uint8_t *Data, size_t Size, uint32_t Acc) {
  uint64_t S = Acc;
  size_t I = 0;
  for (; I + 1 < Size; I += 2)
    S += (uint32_t(Data[I]) << 8) | Data[I + 1];
  if (I < Size)
    S += uint32_t(Data[I]) << 8;
  while (S >> 16)
    S = (S & 0xFFFF) + (S >> 16);
  return uint32_t(S);
}

uint16_t internetChecksum(const uint8_t *Data, size_t Size, uint32_t Partial) {
  uint32_t S = sumWords(Data, Size, Partial);
  while (S >> 16)
    S = (S & 0xFFFF) + (S >> 16);
  return uint16_t(~S & 0xFFFF);
}

uint32_t pseudoHeaderSum(const uint8_t *Src, const uint8_t *Dst, size_t AddrLen, uint8_t Proto,
                         uint32_t Length) {
  uint32_t S = sumWords(Src, AddrLen, 0);
  S = sumWords(Dst, AddrLen, S);
  uint8_t Tail[8] = {uint8_t(Length >> 24),
                     uint8_t(Length >> 16),
                     uint8_t(Length >> 8),
                     uint8_t(Length),
                     0,
                     0,
                     0,
                     Proto};
  return sumWords(Tail, sizeof Tail, S);
}

Bytes addr(const char *Text) {
  Bytes B(16);
  if (std::strchr(Text, ':')) {
    if (inet_pton(AF_INET6, Text, B.data()) != 1)
      throw std::logic_error(std::string("bad IPv6 literal ") + Text);
    return B;
  }
  B.resize(4);
  if (inet_pton(AF_INET, Text, B.data()) != 1)
    throw std::logic_error(std::string("bad IPv4 literal ") + Text);
  return B;
}

Bytes mac(const char *Text) {
  Bytes B;
  unsigned V[6];
  if (std::sscanf(Text, "%x:%x:%x:%x:%x:%x", &V[0], &V[1], &V[2], &V[3], &V[4], &V[5]) != 6)
    throw std::logic_error(std::string("bad MAC literal ") + Text);
  for (unsigned X : V)
    B.push_back(uint8_t(X));
  return B;
}

void put16(Bytes &B, uint16_t V) {
  B.push_back(uint8_t(V >> 8));
  B.push_back(uint8_t(V));
}
void put32(Bytes &B, uint32_t V) {
  put16(B, uint16_t(V >> 16));
  put16(B, uint16_t(V));
}
void set16(Bytes &B, size_t At, uint16_t V) {
  B.at(At) = uint8_t(V >> 8);
  B.at(At + 1) = uint8_t(V);
}
Bytes cat(std::initializer_list<Bytes> Parts) {
  Bytes Out;
  for (const Bytes &P : Parts)
    Out.insert(Out.end(), P.begin(), P.end());
  return Out;
}
Bytes text(const std::string &S) { return Bytes(S.begin(), S.end()); }

// The load balancer of bpf-samples/l4lb and the hop before it (locally administered MACs).
static const char *const MacLocal = "02:00:00:00:00:02";
static const char *const MacPeer = "02:00:00:00:00:01";

Bytes ethTo(const Bytes &Dst, const Bytes &Src, uint16_t Type) {
  Bytes B = cat({Dst, Src});
  put16(B, Type);
  return B;
}

Bytes eth(uint16_t Type, const std::vector<std::pair<uint16_t, uint16_t>> &Tags) {
  Bytes B = cat({mac(MacLocal), mac(MacPeer)});
  for (auto [Tpid, Tci] : Tags) {
    put16(B, Tpid);
    put16(B, Tci);
  }
  put16(B, Type);
  return B;
}

static void padTo(Bytes &B, size_t Multiple, uint8_t Fill) {
  while (B.size() % Multiple)
    B.push_back(Fill);
}

Bytes ipv4(const Bytes &Src, const Bytes &Dst, uint8_t Proto, const Bytes &Payload, V4 O) {
  Bytes Opts = O.options;
  padTo(Opts, 4, 0); // EOL
  size_t Hl = 20 + Opts.size();
  uint8_t Ihl = O.ihl ? *O.ihl : uint8_t(Hl / 4);
  uint8_t Version = O.version ? *O.version : 4;
  Bytes H;
  H.push_back(uint8_t(Version << 4 | (Ihl & 0xF)));
  H.push_back(O.tos);
  put16(H, O.totalLength ? *O.totalLength : uint16_t(Hl + Payload.size()));
  put16(H, O.id);
  put16(H, O.frag);
  H.push_back(O.ttl);
  H.push_back(Proto);
  put16(H, 0);
  H.insert(H.end(), Src.begin(), Src.end());
  H.insert(H.end(), Dst.begin(), Dst.end());
  H.insert(H.end(), Opts.begin(), Opts.end());
  uint16_t C = internetChecksum(H.data(), H.size());
  set16(H, 10, O.badChecksum ? uint16_t(C ^ 0x5A5A) : C);
  H.insert(H.end(), Payload.begin(), Payload.end());
  return H;
}

Bytes ipv6(const Bytes &Src, const Bytes &Dst, uint8_t Next, const Bytes &Payload, V6 O) {
  Bytes H;
  uint8_t Version = O.version ? *O.version : 6;
  put32(H, uint32_t(Version) << 28 | uint32_t(O.trafficClass) << 20 | (O.flowLabel & 0xFFFFF));
  put16(H, O.payloadLength ? *O.payloadLength : uint16_t(Payload.size()));
  H.push_back(Next);
  H.push_back(O.hopLimit);
  H.insert(H.end(), Src.begin(), Src.end());
  H.insert(H.end(), Dst.begin(), Dst.end());
  H.insert(H.end(), Payload.begin(), Payload.end());
  return H;
}

Bytes ipv6Options(uint8_t Next, const Bytes &Options, const Bytes &Payload) {
  Bytes H{Next, 0};
  H.insert(H.end(), Options.begin(), Options.end());
  size_t Pad = (8 - H.size() % 8) % 8;
  if (Pad == 1) {
    H.push_back(0); // Pad1
  } else if (Pad >= 2) {
    H.push_back(1); // PadN
    H.push_back(uint8_t(Pad - 2));
    H.insert(H.end(), Pad - 2, 0);
  }
  H[1] = uint8_t(H.size() / 8 - 1);
  H.insert(H.end(), Payload.begin(), Payload.end());
  return H;
}

Bytes ipv6Srh(uint8_t Next, uint8_t SegmentsLeft, const std::vector<Bytes> &Segments,
              const Bytes &Payload) {
  Bytes H{Next,
          uint8_t(Segments.size() * 2),
          4,
          SegmentsLeft,
          uint8_t(Segments.empty() ? 0 : Segments.size() - 1),
          0,
          0,
          0};
  for (const Bytes &S : Segments)
    H.insert(H.end(), S.begin(), S.end());
  H.insert(H.end(), Payload.begin(), Payload.end());
  return H;
}

Bytes ipv6Fragment(uint8_t Next, uint16_t Offset, bool More, uint32_t Id, const Bytes &Payload) {
  Bytes H{Next, 0};
  put16(H, uint16_t((Offset & ~7u) | (More ? 1 : 0)));
  put32(H, Id);
  H.insert(H.end(), Payload.begin(), Payload.end());
  return H;
}

static void fillTransportChecksum(Bytes &Seg, size_t At, const Bytes &Src, const Bytes &Dst,
                                  uint8_t Proto) {
  set16(Seg, At, 0);
  uint32_t P = pseudoHeaderSum(Src.data(), Dst.data(), Src.size(), Proto, uint32_t(Seg.size()));
  set16(Seg, At, internetChecksum(Seg.data(), Seg.size(), P));
}

Bytes tcp(const Bytes &Src, const Bytes &Dst, const Tcp &T) {
  Bytes Opts = T.options;
  padTo(Opts, 4, 0);
  Bytes S;
  put16(S, T.sport);
  put16(S, T.dport);
  put32(S, T.seq);
  put32(S, T.ack);
  uint8_t Doff = T.dataOffset ? *T.dataOffset : uint8_t((20 + Opts.size()) / 4);
  S.push_back(uint8_t(Doff << 4));
  S.push_back(T.flags);
  put16(S, T.window);
  put16(S, 0);
  put16(S, 0); // urgent pointer
  S.insert(S.end(), Opts.begin(), Opts.end());
  S.insert(S.end(), T.payload.begin(), T.payload.end());
  fillTransportChecksum(S, 16, Src, Dst, ProtoTCP);
  if (T.badChecksum)
    set16(S, 16, uint16_t(((S[16] << 8) | S[17]) ^ 0x5A5A));
  return S;
}

Bytes linuxSynOptions(uint16_t Mss, uint32_t TsVal) {
  Bytes O{2, 4};
  put16(O, Mss);
  O.insert(O.end(), {4, 2, 8, 10}); // SACK permitted, timestamps
  put32(O, TsVal);
  put32(O, 0);
  O.insert(O.end(), {1, 3, 3, 7}); // NOP, window scale 7
  return O;
}

Bytes udp(const Bytes &Src, const Bytes &Dst, uint16_t Sport, uint16_t Dport, const Bytes &Payload,
          Udp O) {
  Bytes S;
  put16(S, Sport);
  put16(S, Dport);
  put16(S, uint16_t(8 + Payload.size()));
  put16(S, 0);
  S.insert(S.end(), Payload.begin(), Payload.end());
  if (!O.zeroChecksum) {
    fillTransportChecksum(S, 6, Src, Dst, ProtoUDP);
    if (S[6] == 0 && S[7] == 0)
      set16(S, 6, 0xFFFF); // RFC 768: a computed 0 is sent as all ones
    if (O.badChecksum)
      set16(S, 6, uint16_t(((S[6] << 8) | S[7]) ^ 0x5A5A));
  }
  if (O.length)
    set16(S, 4, *O.length); // after the checksum: the malformed length is the only defect
  return S;
}

Bytes icmp(uint8_t Type, uint8_t Code, uint32_t Rest, const Bytes &Body) {
  Bytes S{Type, Code, 0, 0};
  put32(S, Rest);
  S.insert(S.end(), Body.begin(), Body.end());
  set16(S, 2, internetChecksum(S.data(), S.size()));
  return S;
}

Bytes icmpv6(const Bytes &Src, const Bytes &Dst, uint8_t Type, uint8_t Code, uint32_t Rest,
             const Bytes &Body) {
  Bytes S{Type, Code, 0, 0};
  put32(S, Rest);
  S.insert(S.end(), Body.begin(), Body.end());
  fillTransportChecksum(S, 2, Src, Dst, ProtoICMPv6);
  return S;
}

Bytes gue(uint8_t Proto) { return Bytes{0, Proto, 0, 0}; }

Bytes gre(uint16_t Proto, const Bytes &Payload, Gre O) {
  Bytes H;
  auto Flags = uint16_t((O.checksum ? 0x8000 : 0) | (O.key ? 0x2000 : 0) |
                        (O.sequence ? 0x1000 : 0) | (O.version & 7));
  put16(H, Flags);
  put16(H, Proto);
  size_t CsumAt = H.size();
  if (O.checksum)
    put32(H, 0); // checksum + reserved1
  if (O.key)
    put32(H, O.keyValue);
  if (O.sequence)
    put32(H, O.sequenceValue);
  H.insert(H.end(), Payload.begin(), Payload.end());
  if (O.checksum)
    set16(H, CsumAt, internetChecksum(H.data(), H.size()));
  return H;
}

Bytes dnsQuery(uint16_t Id, const std::string &Name, uint16_t Type) {
  Bytes D;
  put16(D, Id);
  put16(D, 0x0100); // standard query, recursion desired
  put16(D, 1);      // one question
  put16(D, 0);
  put16(D, 0);
  put16(D, 0);
  size_t Start = 0;
  while (Start <= Name.size()) {
    size_t Dot = Name.find('.', Start);
    if (Dot == std::string::npos)
      Dot = Name.size();
    D.push_back(uint8_t(Dot - Start));
    D.insert(D.end(), Name.begin() + long(Start), Name.begin() + long(Dot));
    Start = Dot + 1;
  }
  D.push_back(0);
  put16(D, Type);
  put16(D, 1); // class IN
  return D;
}

} // namespace bpfcarve::verifier::pkt
