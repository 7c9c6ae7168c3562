//===- PacketsTest.cpp - generated sets, pcap files, the layer decoder ----===//
//
// Checksums are verified with the routine below, written independently of the library's
// builder; header positions come from the decoder, whose layer names are themselves checked
// against the table of expected layer paths for every generated packet.
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/verifier/Packets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace bpfcarve;
using namespace bpfcarve::verifier;
using Bytes = std::vector<uint8_t>;

namespace {

// --- an independent Internet checksum (RFC 1071), straight from the RFC's reference loop ---
uint32_t addWords(const uint8_t *P, size_t N, uint32_t Sum = 0) {
  while (N > 1) {
    Sum += uint32_t(P[0]) * 256 + P[1];
    P += 2;
    N -= 2;
  }
  if (N)
    Sum += uint32_t(P[0]) * 256;
  return Sum;
}
bool sumsToZero(uint32_t Sum) {
  while (Sum >> 16)
    Sum = (Sum & 0xFFFF) + (Sum >> 16);
  return Sum == 0xFFFF; // one's complement sum of data including a correct checksum
}
uint32_t pseudo(const Bytes &F, size_t Src, size_t Dst, size_t AddrLen, uint8_t Proto,
                size_t Len) {
  uint32_t S = addWords(&F[Src], AddrLen);
  S = addWords(&F[Dst], AddrLen, S);
  return S + Proto + uint32_t(Len >> 16) + uint32_t(Len & 0xFFFF);
}
unsigned be16(const Bytes &F, size_t I) { return unsigned(F[I]) << 8 | F[I + 1]; }

std::vector<Packet> gen(const std::string &Name) {
  auto P = loadPackets("gen:" + Name);
  EXPECT_TRUE(static_cast<bool>(P)) << (P ? "" : P.failure().message);
  return P ? P.take() : std::vector<Packet>{};
}

const std::vector<std::string> ConcreteSets = {"ipv4",    "ipv6", "vlan",
                                               "tunnels", "icmp", "malformed"};

// Every generated packet and the layers the decoder must name.
const std::map<std::string, std::string> ExpectedLayers = {
    {"ipv4-tcp-syn", "eth/ipv4/tcp"},
    {"ipv4-tcp-synack", "eth/ipv4/tcp"},
    {"ipv4-tcp-ack", "eth/ipv4/tcp"},
    {"ipv4-tcp-psh-ack-data", "eth/ipv4/tcp/payload"},
    {"ipv4-tcp-fin-ack", "eth/ipv4/tcp"},
    {"ipv4-tcp-rst", "eth/ipv4/tcp"},
    {"ipv4-tcp-full-mss", "eth/ipv4/tcp/payload"},
    {"ipv4-udp-dns", "eth/ipv4/udp/payload"},
    {"ipv4-udp-ttl1-dscp-ef", "eth/ipv4/udp/payload"},
    {"ipv4-udp-no-csum", "eth/ipv4/udp/payload"},
    {"ipv4-udp-padded", "eth/ipv4/udp/payload/payload"},
    {"ipv4-icmp-echo-request", "eth/ipv4/icmp/payload"},
    {"ipv4-icmp-echo-reply", "eth/ipv4/icmp/payload"},
    {"ipv4-options-udp", "eth/ipv4/udp/payload"},
    {"ipv4-options-max-tcp", "eth/ipv4/tcp"},
    {"ipv4-frag-first-udp", "eth/ipv4/udp/payload"},
    {"ipv4-frag-middle-udp", "eth/ipv4/payload"},
    {"ipv4-frag-last-udp", "eth/ipv4/payload"},
    {"arp-request", "eth/payload"},
    {"ipv6-tcp-syn", "eth/ipv6/tcp"},
    {"ipv6-tcp-synack", "eth/ipv6/tcp"},
    {"ipv6-tcp-psh-ack-data", "eth/ipv6/tcp/payload"},
    {"ipv6-tcp-rst", "eth/ipv6/tcp"},
    {"ipv6-tcp-full-mss", "eth/ipv6/tcp/payload"},
    {"ipv6-udp-dns", "eth/ipv6/udp/payload"},
    {"ipv6-udp-hlim1-flowlabel", "eth/ipv6/udp/payload"},
    {"ipv6-icmpv6-echo-request", "eth/ipv6/icmpv6/payload"},
    {"ipv6-icmpv6-echo-reply", "eth/ipv6/icmpv6/payload"},
    {"ipv6-icmpv6-neighbor-solicitation", "eth/ipv6/icmpv6/payload"},
    {"ipv6-hbh-udp", "eth/ipv6/ipv6-ext/udp/payload"},
    {"ipv6-hbh-mld-report", "eth/ipv6/ipv6-ext/icmpv6/payload"},
    {"ipv6-routing-srh-tcp", "eth/ipv6/ipv6-ext/tcp"},
    {"ipv6-dstopts-udp", "eth/ipv6/ipv6-ext/udp/payload"},
    {"ipv6-frag-first-udp", "eth/ipv6/ipv6-ext/udp/payload"},
    {"ipv6-frag-last-udp", "eth/ipv6/ipv6-ext/payload"},
    {"ipv6-ext-chain-tcp", "eth/ipv6/ipv6-ext/ipv6-ext/ipv6-ext/ipv6-ext/ipv6-ext/tcp"},
    {"ipv6-no-next-header", "eth/ipv6"},
    {"vlan-ipv4-tcp-syn", "eth/vlan/ipv4/tcp"},
    {"vlan-ipv6-udp-dns", "eth/vlan/ipv6/udp/payload"},
    {"vlan-prio-ipv4-udp-dns", "eth/vlan/ipv4/udp/payload"},
    {"vlan-arp-request", "eth/vlan/payload"},
    {"qinq-ipv4-udp-dns", "eth/vlan/vlan/ipv4/udp/payload"},
    {"qinq-ipv6-tcp-syn", "eth/vlan/vlan/ipv6/tcp"},
    {"qinq-8100-8100-ipv4-icmp-echo", "eth/vlan/vlan/ipv4/icmp/payload"},
    {"qinq-9100-ipv4-tcp-syn", "eth/vlan/vlan/ipv4/tcp"},
    {"ipv4-in-ipv4", "eth/ipv4/ipv4/tcp"},
    {"ipv6-in-ipv6", "eth/ipv6/ipv6/tcp"},
    {"ipv4-in-ipv6", "eth/ipv6/ipv4/tcp"},
    {"ipv6-in-ipv4", "eth/ipv4/ipv6/tcp"},
    {"gue4-in-ipv4", "eth/ipv4/udp/gue/ipv4/tcp"},
    {"gue6-in-ipv4", "eth/ipv4/udp/gue/ipv6/tcp"},
    {"gue4-in-ipv6", "eth/ipv6/udp/gue/ipv4/tcp"},
    {"gue6-in-ipv6", "eth/ipv6/udp/gue/ipv6/tcp"},
    {"gue4-v1-in-ipv4", "eth/ipv4/udp/gue/ipv4/tcp"},
    {"gue4-in-ipv4-opts", "eth/ipv4/udp/gue/ipv4/tcp"},
    {"gre4-in-ipv4", "eth/ipv4/gre/ipv4/tcp"},
    {"gre6-in-ipv4", "eth/ipv4/gre/ipv6/tcp"},
    {"gre4-in-ipv6", "eth/ipv6/gre/ipv4/tcp"},
    {"gre6-in-ipv6", "eth/ipv6/gre/ipv6/tcp"},
    {"gre4-key-in-ipv4", "eth/ipv4/gre/ipv4/tcp"},
    {"gre4-csum-in-ipv4", "eth/ipv4/gre/ipv4/tcp"},
    {"gre4-seq-in-ipv4", "eth/ipv4/gre/ipv4/tcp"},
    {"gre6-csum-key-seq-in-ipv4", "eth/ipv4/gre/ipv6/tcp"},
    {"gretap4-in-ipv4", "eth/ipv4/gre/eth/ipv4/tcp"},
    {"icmp-frag-needed-tcp", "eth/ipv4/icmp/ipv4/tcp"},
    {"icmp-port-unreachable-udp", "eth/ipv4/icmp/ipv4/udp/payload"},
    {"icmp-host-unreachable-tcp", "eth/ipv4/icmp/ipv4/tcp"},
    {"icmp-admin-prohibited-tcp", "eth/ipv4/icmp/ipv4/tcp"},
    {"icmp-time-exceeded-udp", "eth/ipv4/icmp/ipv4/udp"},
    {"icmpv6-packet-too-big-tcp", "eth/ipv6/icmpv6/ipv6/tcp"},
    {"icmpv6-port-unreachable-udp", "eth/ipv6/icmpv6/ipv6/udp/payload"},
    {"icmpv6-time-exceeded-udp", "eth/ipv6/icmpv6/ipv6/udp/payload"},
    {"empty-frame", "truncated"},
    {"one-byte-frame", "truncated"},
    {"eth-header-only", "eth/truncated"},
    {"vlan-tag-truncated", "eth/truncated"},
    {"truncated-gue4-in-ipv4-mid-eth", "truncated"},
    {"truncated-gue4-in-ipv4-after-eth", "eth/truncated"},
    {"truncated-gue4-in-ipv4-mid-ipv4", "eth/truncated"},
    {"truncated-gue4-in-ipv4-after-ipv4", "eth/ipv4/truncated"},
    {"truncated-gue4-in-ipv4-mid-udp", "eth/ipv4/truncated"},
    {"truncated-gue4-in-ipv4-after-udp", "eth/ipv4/udp"},
    {"truncated-gue4-in-ipv4-mid-gue", "eth/ipv4/udp/truncated"},
    {"truncated-gue4-in-ipv4-after-gue", "eth/ipv4/udp/gue/truncated"},
    {"truncated-gue4-in-ipv4-mid-inner-ipv4", "eth/ipv4/udp/gue/truncated"},
    {"truncated-gue4-in-ipv4-after-inner-ipv4", "eth/ipv4/udp/gue/ipv4/truncated"},
    {"truncated-gue4-in-ipv4-mid-tcp", "eth/ipv4/udp/gue/ipv4/truncated"},
    {"truncated-ipv6-ext-tcp-after-eth", "eth/truncated"},
    {"truncated-ipv6-ext-tcp-mid-ipv6", "eth/truncated"},
    {"truncated-ipv6-ext-tcp-after-ipv6", "eth/ipv6/truncated"},
    {"truncated-ipv6-ext-tcp-mid-hbh", "eth/ipv6/truncated"},
    {"truncated-ipv6-ext-tcp-after-hbh", "eth/ipv6/ipv6-ext/truncated"},
    {"truncated-ipv6-ext-tcp-mid-srh", "eth/ipv6/ipv6-ext/truncated"},
    {"truncated-ipv6-ext-tcp-after-srh", "eth/ipv6/ipv6-ext/ipv6-ext/truncated"},
    {"truncated-ipv6-ext-tcp-mid-frag", "eth/ipv6/ipv6-ext/ipv6-ext/truncated"},
    {"truncated-ipv6-ext-tcp-after-frag", "eth/ipv6/ipv6-ext/ipv6-ext/ipv6-ext/truncated"},
    {"truncated-ipv6-ext-tcp-mid-tcp", "eth/ipv6/ipv6-ext/ipv6-ext/ipv6-ext/truncated"},
    {"truncated-qinq-ipv4-udp-after-eth", "eth/truncated"},
    {"truncated-qinq-ipv4-udp-mid-stag", "eth/truncated"},
    {"truncated-qinq-ipv4-udp-after-stag", "eth/vlan/truncated"},
    {"truncated-qinq-ipv4-udp-mid-ctag", "eth/vlan/truncated"},
    {"truncated-qinq-ipv4-udp-after-ctag", "eth/vlan/vlan/truncated"},
    {"truncated-qinq-ipv4-udp-mid-ipv4", "eth/vlan/vlan/truncated"},
    {"truncated-qinq-ipv4-udp-after-ipv4", "eth/vlan/vlan/ipv4/truncated"},
    {"truncated-qinq-ipv4-udp-mid-udp", "eth/vlan/vlan/ipv4/truncated"},
    {"truncated-qinq-ipv4-udp-after-udp", "eth/vlan/vlan/ipv4/udp"},
    {"truncated-qinq-ipv4-udp-mid-dns", "eth/vlan/vlan/ipv4/udp/payload"},
    {"ipv4-bad-ihl-4", "eth/ipv4/payload"},
    {"ipv4-bad-ihl-0", "eth/ipv4/payload"},
    {"ipv4-ihl-past-end", "eth/truncated"},
    {"ipv4-total-length-past-frame", "eth/ipv4/udp/payload"},
    {"ipv4-total-length-below-header", "eth/ipv4/payload"},
    {"ipv4-bad-version-5", "eth/ipv4/payload"},
    {"ipv4-version-6", "eth/ipv4/payload"},
    {"ipv4-bad-header-csum", "eth/ipv4/udp/payload"},
    {"ipv4-udp-bad-csum", "eth/ipv4/udp/payload"},
    {"ipv4-tcp-bad-csum", "eth/ipv4/tcp"},
    {"ipv4-frag-offset-overflow", "eth/ipv4/payload"},
    {"tcp-bad-data-offset-4", "eth/ipv4/tcp"},
    {"tcp-data-offset-past-end", "eth/ipv4/truncated"},
    {"udp-length-past-end", "eth/ipv4/udp/payload"},
    {"udp-length-below-header", "eth/ipv4/udp/payload"},
    {"ipv6-payload-length-past-frame", "eth/ipv6/udp/payload"},
    {"ipv6-bad-version-4", "eth/ipv6/payload"},
    {"ipv6-udp-zero-csum", "eth/ipv6/udp/payload"},
    {"ipv6-ext-length-past-end", "eth/ipv6/truncated"},
    {"gue-bad-variant", "eth/ipv4/udp/gue/payload"},
    {"gue-control-message", "eth/ipv4/udp/gue/payload"},
    {"gue-hlen-past-end", "eth/ipv4/udp/truncated"},
    {"gre-bad-version", "eth/ipv4/gre/payload"},
    {"gre-routing-flag", "eth/ipv4/gre/payload"},
};

struct TempDir {
  fs::path path;
  TempDir() {
    std::string T = (fs::temp_directory_path() / "bpfcarve-packets-XXXXXX").string();
    std::vector<char> B(T.begin(), T.end());
    B.push_back('\0');
    path = ::mkdtemp(B.data());
  }
  ~TempDir() {
    std::error_code EC;
    fs::remove_all(path, EC);
  }
};

void writeBytes(const fs::path &P, const std::string &S) {
  std::ofstream O(P, std::ios::binary);
  O << S;
}
std::string readBytes(const fs::path &P) {
  std::ifstream I(P, std::ios::binary);
  std::stringstream SS;
  SS << I.rdbuf();
  return SS.str();
}

/// A classic pcap file with LINKTYPE, built here (not by the library).
std::string pcapFile(uint32_t LinkType, const std::vector<Bytes> &Records) {
  std::string S;
  auto le32 = [&](uint32_t V) {
    for (int I = 0; I < 4; ++I)
      S.push_back(char(V >> (8 * I)));
  };
  le32(0xA1B2C3D4);
  le32(0x00040002); // version 2.4
  le32(0);
  le32(0);
  le32(65535);
  le32(LinkType);
  for (const Bytes &R : Records) {
    le32(1);
    le32(0);
    le32(uint32_t(R.size()));
    le32(uint32_t(R.size()));
    S.append(R.begin(), R.end());
  }
  return S;
}

} // namespace

TEST(GeneratedSets, NamesAndDescriptions) {
  std::vector<std::string> Names = generatedSetNames();
  std::vector<std::string> Want = ConcreteSets;
  Want.push_back("all");
  EXPECT_EQ(Names, Want);
  for (const std::string &N : Names) {
    EXPECT_FALSE(generatedSetDescription(N).empty()) << N;
    auto P = gen(N);
    auto Info = generatedPacketInfo(N);
    ASSERT_EQ(P.size(), Info.size()) << N;
    for (size_t I = 0; I < P.size(); ++I) {
      EXPECT_EQ(P[I].name, Info[I].name);
      EXPECT_FALSE(Info[I].exercises.empty()) << P[I].name;
    }
  }
  EXPECT_TRUE(generatedSetDescription("nope").empty());
}

TEST(GeneratedSets, AllIsEverySetInOrderWithUniqueNames) {
  std::vector<Packet> Concat;
  for (const std::string &S : ConcreteSets) {
    auto P = gen(S);
    EXPECT_GE(P.size(), 8u) << S;
    Concat.insert(Concat.end(), P.begin(), P.end());
  }
  auto All = gen("all");
  ASSERT_EQ(All.size(), Concat.size());
  std::set<std::string> Seen;
  for (size_t I = 0; I < All.size(); ++I) {
    EXPECT_EQ(All[I].name, Concat[I].name);
    EXPECT_EQ(All[I].bytes, Concat[I].bytes) << All[I].name;
    EXPECT_TRUE(Seen.insert(All[I].name).second) << "duplicate name " << All[I].name;
  }
}

TEST(GeneratedSets, Deterministic) {
  auto A = gen("all"), B = gen("all");
  ASSERT_EQ(A.size(), B.size());
  for (size_t I = 0; I < A.size(); ++I) {
    EXPECT_EQ(A[I].name, B[I].name);
    EXPECT_EQ(A[I].bytes, B[I].bytes) << A[I].name;
  }
}

TEST(GeneratedSets, UnknownNameListsValidSets) {
  auto P = loadPackets("gen:ipv5");
  ASSERT_FALSE(static_cast<bool>(P));
  EXPECT_EQ(P.failure().kind, FailureKind::BadInput);
  EXPECT_EQ(P.failure().exitCode(), 2);
  const std::string &M = P.failure().message;
  EXPECT_NE(M.find("gen:ipv5"), std::string::npos) << M;
  for (const std::string &N : generatedSetNames())
    EXPECT_NE(M.find("gen:" + N), std::string::npos) << N << " missing from: " << M;
  EXPECT_FALSE(static_cast<bool>(loadPackets("gen:")));
}

// hooks.md §6: test-run rejects frames under 15 bytes; only gen:malformed may hold them.
TEST(GeneratedSets, FramesAreTestRunnable) {
  for (const std::string &S : ConcreteSets) {
    if (S == "malformed")
      continue;
    for (const Packet &P : gen(S)) {
      EXPECT_GE(P.bytes.size(), 15u) << P.name;
      EXPECT_LE(P.bytes.size(), 1514u) << P.name;
    }
  }
}

TEST(GeneratedSets, UseDocumentationAddresses) {
  // Every IPv4 address in an IP header of the well-formed sets is in 192.0.2.0/24,
  // 198.51.100.0/24 or 203.0.113.0/24; every IPv6 one in 2001:db8::/32, fe80::/10 or ff02::/16.
  for (const std::string &S : ConcreteSets) {
    if (S == "malformed")
      continue;
    for (const Packet &P : gen(S)) {
      for (const Layer &L : decodeLayers(P.bytes)) {
        if (L.name == "ipv4") {
          for (size_t A : {L.offset + 12, L.offset + 16}) {
            const uint8_t *X = &P.bytes[A];
            bool Doc = (X[0] == 192 && X[1] == 0 && X[2] == 2) ||
                       (X[0] == 198 && X[1] == 51 && X[2] == 100) ||
                       (X[0] == 203 && X[1] == 0 && X[2] == 113);
            EXPECT_TRUE(Doc) << P.name << ": " << L.summary;
          }
        } else if (L.name == "ipv6") {
          for (size_t A : {L.offset + 8, L.offset + 24}) {
            const uint8_t *X = &P.bytes[A];
            bool Doc = (X[0] == 0x20 && X[1] == 0x01 && X[2] == 0x0d && X[3] == 0xb8) ||
                       (X[0] == 0xfe && (X[1] & 0xC0) == 0x80) || (X[0] == 0xff && X[1] == 0x02);
            EXPECT_TRUE(Doc) << P.name << ": " << L.summary;
          }
        }
      }
    }
  }
}

TEST(Decoder, LayersOfEveryGeneratedPacket) {
  auto All = gen("all");
  EXPECT_EQ(All.size(), ExpectedLayers.size()) << "update ExpectedLayers";
  for (const Packet &P : All) {
    auto It = ExpectedLayers.find(P.name);
    if (It == ExpectedLayers.end()) {
      ADD_FAILURE() << "no expected layers for " << P.name << ": "
                    << layerPath(decodeLayers(P.bytes));
      continue;
    }
    EXPECT_EQ(layerPath(decodeLayers(P.bytes)), It->second) << P.name;
  }
}

TEST(Decoder, NamedExamples) {
  auto All = gen("all");
  auto find = [&](const std::string &N) -> const Packet & {
    for (const Packet &P : All)
      if (P.name == N)
        return P;
    static Packet None;
    ADD_FAILURE() << "no packet " << N;
    return None;
  };
  auto L = decodeLayers(find("gue4-in-ipv4").bytes);
  ASSERT_EQ(layerPath(L), "eth/ipv4/udp/gue/ipv4/tcp");
  EXPECT_EQ(L[1].summary,
            "ipv4 203.0.113.5 -> 198.51.100.1 proto 17 ttl 64 len 72 csum ok DF");
  EXPECT_EQ(L[2].summary, "udp 50000 -> 6080 len 52 csum ok");
  EXPECT_EQ(L[3].offset, 42u);
  EXPECT_EQ(L[3].length, 4u);
  EXPECT_EQ(L[4].offset, 46u);
  EXPECT_EQ(L[4].depth, 1u);
  EXPECT_NE(L[5].summary.find("tcp 40000 -> 80 [SYN]"), std::string::npos) << L[5].summary;

  L = decodeLayers(find("ipv6-ext-chain-tcp").bytes);
  ASSERT_EQ(L.size(), 8u);
  EXPECT_EQ(L[7].offset, 126u);
  EXPECT_NE(L[4].summary.find("routing"), std::string::npos);
  EXPECT_NE(L[5].summary.find("fragment"), std::string::npos);

  L = decodeLayers(find("icmp-frag-needed-tcp").bytes);
  EXPECT_NE(L[2].summary.find("frag-needed mtu 1400"), std::string::npos) << L[2].summary;
  EXPECT_NE(L[3].summary.find("(quoted)"), std::string::npos) << L[3].summary;
  EXPECT_EQ(L[4].length, 8u);

  L = decodeLayers(find("ipv4-udp-padded").bytes);
  ASSERT_EQ(L.size(), 5u);
  EXPECT_EQ(L[4].offset, 43u);
  EXPECT_NE(L[4].summary.find("padding"), std::string::npos);

  L = decodeLayers(find("qinq-ipv4-udp-dns").bytes);
  EXPECT_NE(L[1].summary.find("802.1ad id 200"), std::string::npos) << L[1].summary;
  EXPECT_NE(L[2].summary.find("802.1Q id 100"), std::string::npos) << L[2].summary;

  EXPECT_NE(decodeLayers(find("ipv4-bad-header-csum").bytes)[1].summary.find("csum bad"),
            std::string::npos);
  EXPECT_NE(decodeLayers(find("ipv4-tcp-bad-csum").bytes)[2].summary.find("csum bad"),
            std::string::npos);
  EXPECT_NE(decodeLayers(find("ipv4-udp-bad-csum").bytes)[2].summary.find("csum bad"),
            std::string::npos);
}

TEST(Decoder, L3BaseSkipsEthernet) {
  for (const std::string &S : {"ipv4", "ipv6", "tunnels", "icmp"}) {
    for (const Packet &P : gen(S)) {
      auto L2 = decodeLayers(P.bytes);
      if (L2.empty() || L2[0].name != "eth" || L2.size() < 2 ||
          (L2[1].name != "ipv4" && L2[1].name != "ipv6"))
        continue;
      Bytes L3(P.bytes.begin() + 14, P.bytes.end());
      std::string Path = layerPath(decodeLayers(L3, Base::L3));
      EXPECT_EQ("eth/" + Path, layerPath(L2)) << P.name;
    }
  }
  EXPECT_EQ(layerPath(decodeLayers(Bytes{0x12, 0x34}, Base::L3)), "payload");
}

// Checksums of every well-formed generated packet, verified with the routine above.
TEST(GeneratedSets, ChecksumsVerify) {
  size_t Verified = 0;
  for (const std::string &S : ConcreteSets) {
    if (S == "malformed")
      continue;
    for (const Packet &P : gen(S)) {
      const Bytes &F = P.bytes;
      auto Layers = decodeLayers(F);
      // The IP header enclosing the current layer: offset, version, end of its datagram.
      struct Ip {
        size_t off = 0, end = 0;
        bool v6 = false, fragment = false;
      };
      std::vector<Ip> Stack(32);
      bool Frag = P.name.find("frag-first") != std::string::npos;
      size_t L4Checked = 0;
      for (const Layer &L : Layers) {
        Ip &Cur = Stack.at(L.depth);
        if (L.name == "ipv4") {
          size_t Hl = size_t(F[L.offset] & 0xF) * 4;
          ASSERT_EQ(L.length, Hl) << P.name;
          EXPECT_TRUE(sumsToZero(addWords(&F[L.offset], Hl))) << P.name << ": " << L.summary;
          ++Verified;
          Cur = {L.offset, L.offset + be16(F, L.offset + 2), false, Frag};
        } else if (L.name == "ipv6") {
          Cur = {L.offset, L.offset + 40 + be16(F, L.offset + 4), true, Frag};
        } else if (L.name == "tcp" || L.name == "udp" || L.name == "icmp" ||
                   L.name == "icmpv6" || L.name == "gre") {
          if (L.name == "gre" && !(F[L.offset] & 0x80))
            continue; // no checksum present
          size_t End = L.name == "udp" ? L.offset + be16(F, L.offset + 4) : Cur.end;
          if (End > F.size() || Cur.fragment)
            continue; // an ICMP quote cut on purpose, or the first fragment
          if (L.name == "udp" && !Cur.v6 && be16(F, L.offset + 6) == 0) {
            EXPECT_EQ(P.name, "ipv4-udp-no-csum");
            continue;
          }
          size_t Len = End - L.offset;
          uint32_t Sum = addWords(&F[L.offset], Len);
          if (L.name != "icmp" && L.name != "gre") {
            uint8_t Proto = L.name == "tcp" ? 6 : L.name == "udp" ? 17 : 58;
            size_t AddrLen = Cur.v6 ? 16 : 4;
            size_t Src = Cur.off + (Cur.v6 ? 8 : 12), Dst = Src + AddrLen;
            Sum += pseudo(F, Src, Dst, AddrLen, Proto, Len);
          }
          EXPECT_TRUE(sumsToZero(Sum)) << P.name << ": " << L.summary;
          EXPECT_NE(L.summary.find("csum ok"), std::string::npos) << P.name << ": " << L.summary;
          ++Verified;
          ++L4Checked;
        }
        EXPECT_EQ(L.summary.find("csum bad"), std::string::npos) << P.name << ": " << L.summary;
      }
      bool HasL4 = std::any_of(Layers.begin(), Layers.end(), [](const Layer &L) {
        return L.name == "tcp" || L.name == "udp" || L.name == "icmp" || L.name == "icmpv6";
      });
      if (HasL4 && !Frag && P.name != "ipv4-udp-no-csum")
        EXPECT_GE(L4Checked, 1u) << P.name << " had no transport checksum verified";
    }
  }
  EXPECT_GE(Verified, 120u); // 133 when written: a floor against silently skipping
}

// Byte-exact bounds: every prefix of every generated packet, in a buffer of exactly that size
// (ASan builds catch any read past it), decodes into contiguous layers inside the buffer.
TEST(Decoder, EveryTruncationStaysInBounds) {
  size_t Decodes = 0;
  auto check = [&](const std::string &Name, const uint8_t *Data, size_t N, Base B) {
    auto L = decodeLayers(Data, N, B);
    ++Decodes;
    ASSERT_FALSE(L.empty()) << Name << " len " << N;
    size_t At = 0;
    for (const Layer &X : L) {
      ASSERT_EQ(X.offset, At) << Name << " len " << N << ": gap or overlap at " << X.summary;
      ASSERT_LE(X.length, N - X.offset) << Name << " len " << N;
      At += X.length;
    }
    ASSERT_EQ(At, N) << Name << " len " << N << ": layers do not cover the frame";
  };
  for (const Packet &P : gen("all")) {
    for (size_t N = 0; N <= P.bytes.size(); ++N) {
      std::unique_ptr<uint8_t[]> Exact(new uint8_t[N ? N : 1]);
      if (N)
        std::memcpy(Exact.get(), P.bytes.data(), N);
      check(P.name, N ? Exact.get() : nullptr, N, Base::L2);
      if (N > 14)
        check(P.name + " (L3)", Exact.get() + 14, N - 14, Base::L3);
    }
  }
  EXPECT_GT(Decodes, 10000u);
}

// Hostile bytes: each byte of each packet flipped, and a deterministic pseudo-random stream.
TEST(Decoder, CorruptedBytesStayInBounds) {
  auto check = [](const Bytes &F) {
    auto L = decodeLayers(F);
    size_t At = 0;
    for (const Layer &X : L) {
      EXPECT_EQ(X.offset, At);
      At += X.length;
    }
    EXPECT_EQ(At, F.size());
  };
  for (const Packet &P : gen("all")) {
    for (size_t I = 0; I < P.bytes.size() && I < 200; ++I) {
      for (uint8_t X : {uint8_t(0xFF), uint8_t(0x80), uint8_t(0x0F)}) {
        Bytes F = P.bytes;
        F[I] ^= X;
        check(F);
      }
    }
  }
  uint32_t Seed = 12345;
  for (int K = 0; K < 2000; ++K) {
    Bytes F(14 + (K % 120));
    for (uint8_t &B : F) {
      Seed = Seed * 1103515245 + 12345;
      B = uint8_t(Seed >> 16);
    }
    F[12] = K % 2 ? 0x08 : 0x86;
    F[13] = K % 2 ? 0x00 : 0xDD;
    F[14 % F.size()] = K % 2 ? 0x45 : 0x60;
    check(F);
  }
}

TEST(Decoder, DeepNestingIsCapped) {
  // 40 IPIP headers around a TCP SYN: decoded up to the cap, then payload.
  auto Base4 = gen("tunnels");
  Bytes Inner;
  for (const Packet &P : Base4)
    if (P.name == "ipv4-in-ipv4")
      Inner.assign(P.bytes.begin() + 34, P.bytes.end());
  ASSERT_FALSE(Inner.empty());
  for (int I = 0; I < 40; ++I) {
    Bytes H = {0x45, 0, 0, 0, 0, 0, 0, 0, 64, 4, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2};
    size_t Len = H.size() + Inner.size();
    H[2] = uint8_t(Len >> 8);
    H[3] = uint8_t(Len);
    H.insert(H.end(), Inner.begin(), Inner.end());
    Inner = H;
  }
  Bytes F = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
  F.insert(F.end(), Inner.begin(), Inner.end());
  auto L = decodeLayers(F);
  EXPECT_LT(L.size(), 25u);
  EXPECT_EQ(L.back().name, "payload");
  unsigned MaxDepth = 0;
  for (const Layer &X : L)
    MaxDepth = std::max(MaxDepth, X.depth);
  EXPECT_LT(MaxDepth, 17u);
}

TEST(Decoder, EmptyAndNull) {
  auto L = decodeLayers(nullptr, 0);
  ASSERT_EQ(L.size(), 1u);
  EXPECT_EQ(L[0].name, "truncated");
  EXPECT_EQ(L[0].length, 0u);
  EXPECT_EQ(layerPath(decodeLayers(Bytes{1, 2, 3})), "truncated");
}

TEST(Difference, NamesByteLayerAndField) {
  Bytes A;
  for (const Packet &P : gen("tunnels"))
    if (P.name == "gue4-in-ipv4")
      A = P.bytes;
  ASSERT_EQ(A.size(), 86u);
  EXPECT_FALSE(firstDifference(A, A).has_value());
  EXPECT_EQ(describeDifference(A, A), "identical (86 bytes)");

  Bytes B = A;
  B[46 + 19] ^= 1; // inner IPv4 destination, last byte
  auto D = firstDifference(A, B);
  ASSERT_TRUE(D.has_value());
  EXPECT_EQ(D->offset, 65u);
  ASSERT_TRUE(D->layer.has_value());
  EXPECT_EQ(D->layer->name, "ipv4");
  EXPECT_EQ(D->layer->offset, 46u);
  EXPECT_EQ(D->layer->depth, 1u);
  EXPECT_EQ(D->field, "dst");
  std::string S = describeDifference(A, B);
  EXPECT_NE(S.find("byte 65"), std::string::npos) << S;
  EXPECT_NE(S.find("ipv4 header at 46"), std::string::npos) << S;
  EXPECT_NE(S.find("field dst"), std::string::npos) << S;
  EXPECT_NE(S.find("0x01 vs 0x00"), std::string::npos) << S;

  // A decapsulated frame: differs from the ethertype on, and is shorter.
  Bytes Decap(A.begin(), A.begin() + 14);
  Decap.insert(Decap.end(), A.begin() + 46, A.end());
  S = describeDifference(A, Decap);
  EXPECT_NE(S.find("lengths differ (86 vs 54 bytes)"), std::string::npos) << S;
  // Both carry IPv4 at 14: the first byte to differ is the low byte of the total length.
  EXPECT_NE(S.find("first difference at byte 17 (0x48 vs 0x28)"), std::string::npos) << S;
  EXPECT_NE(S.find("field total length"), std::string::npos) << S;

  // One a prefix of the other: the first missing byte, located in the longer frame.
  Bytes Cut(A.begin(), A.begin() + 70);
  D = firstDifference(Cut, A);
  ASSERT_TRUE(D.has_value());
  EXPECT_EQ(D->offset, 70u);
  EXPECT_EQ(D->layer->name, "tcp");
  EXPECT_EQ(D->field, "seq");
  EXPECT_NE(describeDifference(Cut, A).find("(end vs 0x"), std::string::npos);

  // The L3 base (socket filter, cgroup_skb) shifts nothing but the start.
  Bytes A3(A.begin() + 14, A.end()), B3(B.begin() + 14, B.end());
  D = firstDifference(A3, B3, Base::L3);
  ASSERT_TRUE(D.has_value());
  EXPECT_EQ(D->offset, 51u);
  EXPECT_EQ(D->field, "dst");
}

TEST(Pcap, RoundTripOfEveryGeneratedPacket) {
  TempDir T;
  auto All = gen("all");
  fs::path File = T.path / "all.pcap";
  auto W = writePcap(File.string(), All);
  ASSERT_TRUE(static_cast<bool>(W)) << W.failure().message;
  // Nothing but the file is left in the directory (the temp file was renamed).
  EXPECT_EQ(std::distance(fs::directory_iterator(T.path), fs::directory_iterator()), 1);
  auto R = loadPackets(File.string());
  ASSERT_TRUE(static_cast<bool>(R)) << R.failure().message;
  ASSERT_EQ(R->size(), All.size());
  for (size_t I = 0; I < All.size(); ++I) {
    EXPECT_EQ((*R)[I].bytes, All[I].bytes) << All[I].name;
    EXPECT_EQ((*R)[I].name, "all.pcap#" + std::to_string(I));
  }
  // Deterministic file too.
  fs::path Again = T.path / "again.pcap";
  ASSERT_TRUE(static_cast<bool>(writePcap(Again.string(), All)));
  EXPECT_EQ(readBytes(File), readBytes(Again));
  // Overwrites atomically.
  ASSERT_TRUE(static_cast<bool>(writePcap(File.string(), gen("vlan"))));
  auto V = loadPackets(File.string());
  ASSERT_TRUE(static_cast<bool>(V));
  EXPECT_EQ(V->size(), gen("vlan").size());
}

TEST(Pcap, WriteToMissingDirectoryFails) {
  TempDir T;
  auto W = writePcap((T.path / "no/such/dir/x.pcap").string(), gen("vlan"));
  ASSERT_FALSE(static_cast<bool>(W));
  EXPECT_EQ(W.failure().kind, FailureKind::BadInput);
  EXPECT_NE(W.failure().message.find("x.pcap"), std::string::npos);
}

TEST(Pcap, TruncatedFileNamesFileAndRecord) {
  TempDir T;
  auto V = gen("vlan");
  fs::path Good = T.path / "good.pcap";
  ASSERT_TRUE(static_cast<bool>(writePcap(Good.string(), V)));
  std::string Whole = readBytes(Good);
  // Cut inside the data of the third record: 24-byte file header, 16-byte record headers.
  size_t Third = 24 + (16 + V[0].bytes.size()) + (16 + V[1].bytes.size());
  fs::path Cut = T.path / "cut.pcap";
  writeBytes(Cut, Whole.substr(0, Third + 16 + 5));
  auto R = loadPackets(Cut.string());
  ASSERT_FALSE(static_cast<bool>(R));
  EXPECT_EQ(R.failure().kind, FailureKind::BadInput);
  const std::string &M = R.failure().message;
  EXPECT_NE(M.find(Cut.string()), std::string::npos) << M;
  EXPECT_NE(M.find("record 2"), std::string::npos) << M;
  EXPECT_NE(M.find("byte offset " + std::to_string(Third)), std::string::npos) << M;

  // Cut inside a record header.
  writeBytes(Cut, Whole.substr(0, Third + 7));
  R = loadPackets(Cut.string());
  ASSERT_FALSE(static_cast<bool>(R));
  EXPECT_NE(R.failure().message.find("record 2"), std::string::npos) << R.failure().message;

  // Cut inside the file header.
  writeBytes(Cut, Whole.substr(0, 10));
  R = loadPackets(Cut.string());
  ASSERT_FALSE(static_cast<bool>(R));
  EXPECT_EQ(R.failure().kind, FailureKind::BadInput);
  EXPECT_NE(R.failure().message.find(Cut.string()), std::string::npos) << R.failure().message;

  // A file header and no records.
  writeBytes(Cut, Whole.substr(0, 24));
  R = loadPackets(Cut.string());
  ASSERT_FALSE(static_cast<bool>(R));
  EXPECT_NE(R.failure().message.find("no packets"), std::string::npos) << R.failure().message;
}

TEST(Pcap, GarbageMissingAndDirectory) {
  TempDir T;
  fs::path G = T.path / "garbage.pcap";
  writeBytes(G, "this is not a capture file at all, just text\n");
  auto R = loadPackets(G.string());
  ASSERT_FALSE(static_cast<bool>(R));
  EXPECT_EQ(R.failure().kind, FailureKind::BadInput);
  EXPECT_NE(R.failure().message.find(G.string()), std::string::npos) << R.failure().message;

  fs::path Missing = T.path / "missing.pcap";
  R = loadPackets(Missing.string());
  ASSERT_FALSE(static_cast<bool>(R));
  EXPECT_EQ(R.failure().kind, FailureKind::BadInput);
  EXPECT_NE(R.failure().message.find(Missing.string()), std::string::npos);

  R = loadPackets(T.path.string());
  ASSERT_FALSE(static_cast<bool>(R));
  EXPECT_EQ(R.failure().kind, FailureKind::BadInput);
  EXPECT_FALSE(static_cast<bool>(loadPackets("")));
}

TEST(Pcap, RawIpAndCookedCapturesGetAnEthernetHeader) {
  TempDir T;
  Bytes V4, V6;
  for (const Packet &P : gen("ipv4"))
    if (P.name == "ipv4-udp-dns")
      V4 = P.bytes;
  for (const Packet &P : gen("ipv6"))
    if (P.name == "ipv6-udp-dns")
      V6 = P.bytes;
  ASSERT_FALSE(V4.empty());
  ASSERT_FALSE(V6.empty());
  Bytes Ip4(V4.begin() + 14, V4.end()), Ip6(V6.begin() + 14, V6.end());
  auto sameL3 = [](const Bytes &Frame, const Bytes &Ip, uint16_t Type) {
    ASSERT_EQ(Frame.size(), Ip.size() + 14);
    EXPECT_EQ(unsigned(Frame[12]) << 8 | Frame[13], Type);
    EXPECT_TRUE(std::equal(Ip.begin(), Ip.end(), Frame.begin() + 14));
  };
  for (uint32_t Link : {101u /* LINKTYPE_RAW */, 228u /* IPV4 */, 229u /* IPV6 */}) {
    fs::path F = T.path / ("raw" + std::to_string(Link) + ".pcap");
    writeBytes(F, pcapFile(Link, {Ip4, Ip6}));
    auto R = loadPackets(F.string());
    ASSERT_TRUE(static_cast<bool>(R)) << R.failure().message;
    ASSERT_EQ(R->size(), 2u);
    sameL3((*R)[0].bytes, Ip4, 0x0800);
    sameL3((*R)[1].bytes, Ip6, 0x86DD);
    EXPECT_EQ(layerPath(decodeLayers((*R)[1].bytes)), "eth/ipv6/udp/payload");
  }
  // Linux cooked v1: 16-byte header, protocol at 14.
  Bytes Sll = {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x86, 0xDD};
  Sll.insert(Sll.end(), Ip6.begin(), Ip6.end());
  fs::path F = T.path / "sll.pcap";
  writeBytes(F, pcapFile(113, {Sll}));
  auto R = loadPackets(F.string());
  ASSERT_TRUE(static_cast<bool>(R)) << R.failure().message;
  sameL3((*R)[0].bytes, Ip6, 0x86DD);

  // A cooked record shorter than its header.
  writeBytes(F, pcapFile(113, {Bytes{1, 2, 3}}));
  R = loadPackets(F.string());
  ASSERT_FALSE(static_cast<bool>(R));
  EXPECT_NE(R.failure().message.find("record 0"), std::string::npos) << R.failure().message;

  // Unsupported link type (802.11).
  writeBytes(F, pcapFile(105, {Ip4}));
  R = loadPackets(F.string());
  ASSERT_FALSE(static_cast<bool>(R));
  EXPECT_EQ(R.failure().kind, FailureKind::BadInput);
  EXPECT_NE(R.failure().message.find("link type"), std::string::npos) << R.failure().message;
}

#ifdef BPFCARVE_SOURCE_DIR
TEST(Docs, PacketsMdListsEverySetAndPacket) {
  std::string Doc = readBytes(fs::path(BPFCARVE_SOURCE_DIR) / "docs" / "packets.md");
  ASSERT_FALSE(Doc.empty());
  for (const std::string &S : generatedSetNames())
    EXPECT_NE(Doc.find("gen:" + S), std::string::npos) << S;
  for (const Packet &P : gen("all"))
    EXPECT_NE(Doc.find("`" + P.name + "`"), std::string::npos) << P.name << " not in docs";
  for (const char *L : {"eth", "vlan", "ipv4", "ipv6", "ipv6-ext", "tcp", "udp", "icmp",
                        "icmpv6", "gue", "gre", "payload", "truncated"})
    EXPECT_NE(Doc.find(std::string("`") + L + "`"), std::string::npos) << L;
}
#endif
