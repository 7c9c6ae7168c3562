//===- FuzzSeeds.cpp - assemble the seed corpora of the fuzz targets -------------===//
//
// Usage: bpfcarve_fuzz_seeds OUTDIR
// Writes OUTDIR/{frontend,retarget,packets}/ from what the repository already has, so that no
// large seed is committed:
//  - frontend: the bpf-samples programs and the small BPF C inputs under tests/inputs;
//  - retarget: the same programs, each with a `//@ to=HOOK program=NAME` first line (see
//    FuzzRetarget.cpp) for the retargets the samples document;
//  - packets: every built-in generated set as a classic pcap (writePcap), and the ipv4 set in the
//    other captures loadPackets reads: raw IP, Linux cooked (SLL, SLL2), big-endian
//    nanosecond pcap, pcapng.
// The verifier-log seeds are committed (tests/fuzz/seeds/verifier-log): real kernel logs.
//
//===----------------------------------------------------------------------===//
#include "FuzzSupport.h"

#include "bpfcarve/verifier/Packets.h"

#include <filesystem>

namespace fs = std::filesystem;
using namespace bpfcarve;

namespace {

void writeFile(const fs::path &P, const std::string &Text) {
  std::ofstream Out(P, std::ios::binary | std::ios::trunc);
  Out << Text;
  if (!Out) {
    std::fprintf(stderr, "fuzz seeds: cannot write %s\n", P.c_str());
    std::exit(1);
  }
}

struct Bytes {
  std::string S;
  bool BigEndian = false;
  void u8(uint8_t V) { S.push_back(char(V)); }
  void u16(uint16_t V) {
    if (BigEndian) {
      u8(V >> 8), u8(V & 0xFF);
    } else {
      u8(V & 0xFF), u8(V >> 8);
    }
  }
  void u32(uint32_t V) {
    if (BigEndian)
      for (int I = 3; I >= 0; --I)
        u8((V >> (8 * I)) & 0xFF);
    else
      for (int I = 0; I < 4; ++I)
        u8((V >> (8 * I)) & 0xFF);
  }
  void raw(const std::vector<uint8_t> &B, size_t From = 0) { S.append(B.begin() + From, B.end()); }
  void pad4() {
    while (S.size() % 4)
      u8(0);
  }
};

/// A classic pcap: MAGIC decides timestamp resolution, BigEndian the byte order. Each frame loses
/// its first STRIP bytes (the Ethernet header) and gains PREFIX.
std::string classicPcap(const std::vector<verifier::Packet> &Frames, uint32_t Link, bool BigEndian,
                        uint32_t Magic, size_t Strip, const std::vector<uint8_t> &Prefix) {
  Bytes B;
  B.BigEndian = BigEndian;
  B.u32(Magic), B.u16(2), B.u16(4), B.u32(0), B.u32(0), B.u32(65535), B.u32(Link);
  uint32_t T = 0;
  for (const verifier::Packet &F : Frames) {
    uint32_t Len = uint32_t(Prefix.size() + F.bytes.size() - std::min(Strip, F.bytes.size()));
    B.u32(0), B.u32(T++), B.u32(Len), B.u32(Len);
    B.raw(Prefix);
    B.raw(F.bytes, std::min(Strip, F.bytes.size()));
  }
  return B.S;
}

/// pcapng: a section header, one Ethernet interface, one enhanced packet block per frame.
std::string pcapng(const std::vector<verifier::Packet> &Frames) {
  Bytes B;
  B.u32(0x0A0D0D0A), B.u32(28), B.u32(0x1A2B3C4D), B.u16(1), B.u16(0);
  B.u32(0xFFFFFFFF), B.u32(0xFFFFFFFF), B.u32(28);
  B.u32(1), B.u32(20), B.u16(1 /*LINKTYPE_ETHERNET*/), B.u16(0), B.u32(0), B.u32(20);
  for (const verifier::Packet &F : Frames) {
    uint32_t Padded = uint32_t((F.bytes.size() + 3) / 4 * 4);
    uint32_t Total = 32 + Padded;
    B.u32(6), B.u32(Total), B.u32(0), B.u32(0), B.u32(0);
    B.u32(uint32_t(F.bytes.size())), B.u32(uint32_t(F.bytes.size()));
    B.raw(F.bytes);
    B.pad4();
    B.u32(Total);
  }
  return B.S;
}

} // namespace

int main(int Argc, char **Argv) {
  if (Argc != 2) {
    std::fprintf(stderr, "usage: %s OUTDIR\n", Argv[0]);
    return 2;
  }
  const fs::path Src = BPFCARVE_SOURCE_DIR, Out = Argv[1];
  for (const char *D : {"frontend", "retarget", "packets"})
    fs::create_directories(Out / D);

  // frontend: whole files.
  const char *Sources[] = {
      "bpf-samples/l4lb/balancer.bpf.c",         "bpf-samples/tc-firewall/firewall.bpf.c",
      "bpf-samples/cgroup-accounting/accounting.bpf.c", "bpf-samples/tracing/tracer.bpf.c",
      "tests/inputs/inspect/all_kinds.bpf.c",    "tests/inputs/diffrun/filter_xdp.bpf.c",
      "tests/inputs/diffrun/filter_tc.bpf.c",    "tests/inputs/verify/mixed.bpf.c",
      "tests/inputs/verify/legacy_maps.bpf.c",   "tests/inputs/verify/packet_bounds.bpf.c"};
  size_t N = 0;
  for (const char *Rel : Sources) {
    std::string Text = fuzz::readFile((Src / Rel).string());
    if (Text.empty()) {
      std::fprintf(stderr, "fuzz seeds: cannot read %s\n", (Src / Rel).c_str());
      return 1;
    }
    writeFile(Out / "frontend" / fs::path(Rel).filename(), Text);
    ++N;
  }

  // retarget: the retargets the samples and the diff-run inputs exercise.
  struct R {
    const char *Rel, *Header, *Name;
  } Retargets[] = {
      {"bpf-samples/l4lb/balancer.bpf.c", "//@ to=tc program=balancer_ingress", "balancer-tc"},
      {"bpf-samples/l4lb/balancer.bpf.c", "//@ to=tc program=gue_decap_only approx",
       "gue-decap-tc"},
      {"bpf-samples/tc-firewall/firewall.bpf.c", "//@ to=xdp program=fw_ingress approx",
       "fw-ingress-xdp"},
      {"bpf-samples/tc-firewall/firewall.bpf.c",
       "//@ to=tc program=fw_egress direction=egress", "fw-egress-tc"},
      {"bpf-samples/tc-firewall/firewall.bpf.c", "//@ to=xdp program=tc_classifier",
       "classifier-xdp"},
      {"bpf-samples/cgroup-accounting/accounting.bpf.c", "//@ to=tc program=acct_ingress",
       "acct-tc"},
      {"bpf-samples/cgroup-accounting/accounting.bpf.c",
       "//@ to=socket program=acct_egress approx", "acct-socket"},
      {"tests/inputs/diffrun/filter_xdp.bpf.c", "//@ to=tc", "filter-xdp-tc"},
      {"tests/inputs/diffrun/filter_tc.bpf.c", "//@ to=xdp", "filter-tc-xdp"},
      {"tests/inputs/diffrun/filter_tc.bpf.c", "//@ to=cgroup_skb/ingress approx",
       "filter-tc-cgroup"},
  };
  for (const R &X : Retargets) {
    writeFile(Out / "retarget" / (std::string(X.Name) + ".bpf.c"),
              std::string(X.Header) + "\n" + fuzz::readFile((Src / X.Rel).string()));
    ++N;
  }

  // packets.
  for (const std::string &Set : verifier::generatedSetNames()) {
    if (Set == "all")
      continue;
    auto Frames = verifier::generatePackets(Set);
    if (!Frames) {
      std::fprintf(stderr, "fuzz seeds: %s\n", Frames.failure().firstLine().c_str());
      return 1;
    }
    if (auto W = verifier::writePcap((Out / "packets" / (Set + ".pcap")).string(), *Frames); !W) {
      std::fprintf(stderr, "fuzz seeds: %s\n", W.failure().firstLine().c_str());
      return 1;
    }
    ++N;
  }
  auto V4 = verifier::generatePackets("ipv4");
  if (!V4)
    return 1;
  std::vector<verifier::Packet> Few(V4->begin(), V4->begin() + std::min<size_t>(4, V4->size()));
  const std::vector<uint8_t> Sll = {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 0, 0, 1, 0x08, 0x00};
  const std::vector<uint8_t> Sll2 = {0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6,
                                     2,    0,    0, 0, 0, 0, 0, 1};
  writeFile(Out / "packets" / "raw-ip.pcap", classicPcap(Few, 101, false, 0xA1B2C3D4, 14, {}));
  writeFile(Out / "packets" / "sll.pcap", classicPcap(Few, 113, false, 0xA1B2C3D4, 14, Sll));
  writeFile(Out / "packets" / "sll2.pcap", classicPcap(Few, 276, false, 0xA1B2C3D4, 14, Sll2));
  writeFile(Out / "packets" / "be-nsec.pcap", classicPcap(Few, 1, true, 0xA1B23C4D, 0, {}));
  writeFile(Out / "packets" / "ipv4.pcapng", pcapng(Few));
  N += 5;
  std::printf("wrote %zu seeds under %s\n", N, Out.c_str());
  return 0;
}
