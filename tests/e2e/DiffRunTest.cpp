//===- DiffRunTest.cpp - bpfcarve diff-run and verify --packets -----------===//
//
// Real programs, real BPF_PROG_TEST_RUN: a hand-ported XDP/TC port filter must behave the same,
// a port that kept XDP's return codes must be caught (the verifier accepts it), and so must a
// change visible only in map contents. Skips without root.
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/verifier/Packets.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bpfcarve;

namespace {

const std::string In = BPFCARVE_SOURCE_DIR "/tests/inputs/diffrun/";

std::set<std::string> bpffsListing() {
  std::set<std::string> S;
  std::error_code EC;
  for (const auto &E : fs::directory_iterator("/sys/fs/bpf", EC))
    S.insert(E.path().filename().string());
  return S;
}

class DiffRun : public ::testing::Test {
protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "BPF_PROG_TEST_RUN needs root (CAP_BPF); not root here";
    Before = bpffsListing();
  }
  void TearDown() override {
    if (::geteuid() == 0)
      EXPECT_EQ(bpffsListing(), Before) << "/sys/fs/bpf changed";
  }
  struct Run {
    int code;
    json out;
    std::string err;
  };
  Run run(std::vector<std::string> Args) {
    Args.insert(Args.begin(), BPFCARVE_BIN);
    auto R = toolchain::runProcess(Args);
    EXPECT_TRUE(static_cast<bool>(R));
    if (!R)
      return {-1, nullptr, ""};
    return {R->exitCode, json::parse(R->out, nullptr, false), R->err};
  }
  /// diff-run of the XDP filter against B, seeded with seed.json unless Seed names another file.
  Run diff(const std::string &B, std::vector<std::string> Extra = {},
           const std::string &Seed = In + "seed.json") {
    std::vector<std::string> A{"diff-run", In + "filter_xdp.bpf.c", In + B, "--maps", Seed,
                               "--format", "json"};
    A.insert(A.end(), Extra.begin(), Extra.end());
    return run(A);
  }
  std::set<std::string> Before;
};

TEST_F(DiffRun, CarveKeepStagesWritesEveryIntermediate) {
  auto Tmp = toolchain::TempDir::create("bpfcarve-stages-test");
  ASSERT_TRUE(Tmp);
  std::string Out = Tmp->path() + "/out.bpf.c", Stages = Tmp->path() + "/stages";
  Run R = run({"carve", In + "filter_tc.bpf.c", "--program", "port_filter", "--to", "xdp",
               "--maps", In + "seed.json", "-o", Out, "--keep-stages", Stages, "--format",
               "json"});
  ASSERT_EQ(R.code, 0) << R.err;
  auto Read = [](const std::string &P) {
    std::ifstream F(P, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(F), {});
  };
  std::string Slice = Read(Stages + "/1-slice.c");
  EXPECT_NE(Slice.find("int port_filter(struct __sk_buff *skb)"), std::string::npos)
      << "the slice is the carved original, before the retarget";
  json Manifest = json::parse(Read(Stages + "/1-slice.manifest.json"), nullptr, false);
  EXPECT_TRUE(Manifest.is_object());
  EXPECT_EQ(Read(Stages + "/2-retargeted.c"), Read(Out)) << "the retargeted text is the output";
  for (const char *Obj : {"/3-result.o", "/5-original.o"})
    EXPECT_EQ(Read(Stages + Obj).substr(0, 4), "\x7f" "ELF") << Obj;
  std::string Log = Read(Stages + "/4-verifier.log");
  EXPECT_NE(Log.find("; program port_filter (SEC(\"xdp\")): pass"), std::string::npos) << Log;
  EXPECT_EQ(R.out["diff_run"]["divergent"], 0);
  EXPECT_FALSE(fs::exists(Stages + "/5-diverged.pcap")) << "no frame diverged";
}

TEST_F(DiffRun, CarveKeepStagesWhereNoDirectoryCanBeIsBadInput) {
  auto Tmp = toolchain::TempDir::create("bpfcarve-stages-test");
  ASSERT_TRUE(Tmp);
  std::string Out = Tmp->path() + "/out.bpf.c", File = Tmp->path() + "/file";
  std::ofstream(File) << "x";
  Run R = run({"carve", In + "filter_tc.bpf.c", "--program", "port_filter", "-o", Out,
               "--keep-stages", File + "/stages"});
  EXPECT_EQ(R.code, 2) << R.err;
  EXPECT_EQ(R.err.rfind("bpfcarve: error: --keep-stages '" + File + "/stages'", 0), 0u) << R.err;
  EXPECT_FALSE(fs::exists(Out)) << "nothing is written after bad input";
}

TEST_F(DiffRun, HandPortedFilterBehavesTheSameAtXdpAndTc) {
  Run R = diff("filter_tc.bpf.c");
  EXPECT_EQ(R.code, 0) << R.err;
  EXPECT_EQ(R.out["hook_a"], "xdp");
  EXPECT_EQ(R.out["hook_b"], "tc");
  EXPECT_GT(R.out["compared"].get<int>(), 100);
  EXPECT_EQ(R.out["divergent"], 0);
  EXPECT_EQ(R.out["matched"], R.out["compared"]);
  EXPECT_EQ(R.out["packets"].get<int>(),
            R.out["compared"].get<int>() + R.out["not_comparable"].get<int>());
  EXPECT_EQ(R.out["maps_equal"], true);
  // The seeded ports were hit: the comparison covered the drop path, not just empty maps.
  bool Seen = false;
  for (const json &M : R.out["maps"])
    if (M["name"] == "blocked_ports")
      Seen = M["equal"] == true;
  EXPECT_TRUE(Seen) << R.out["maps"].dump();
  // skb test-runs refuse frames without a whole IP header: not comparable, with the reason.
  bool Explained = false;
  for (auto &[Why, N] : R.out["not_comparable_reasons"].items())
    Explained |= Why.find("needs a full IPv4 header") != std::string::npos;
  EXPECT_TRUE(Explained) << R.out["not_comparable_reasons"].dump();
}

TEST_F(DiffRun, KeptXdpReturnCodesAreCaught) {
  Run R = diff("filter_tc_wrong_codes.bpf.c");
  EXPECT_EQ(R.code, 1);
  EXPECT_GT(R.out["divergent"].get<int>(), 0);
  const json &D = R.out["first_divergence"];
  ASSERT_TRUE(D.is_object());
  EXPECT_EQ(D["verdict_a"], "XDP_PASS");
  EXPECT_EQ(D["verdict_b"], "TC_ACT_SHOT");
  EXPECT_EQ(D["mapped_b"], "XDP_DROP");
  EXPECT_EQ(D["layers"][0].get<std::string>().rfind("eth ", 0), 0u) << D.dump();
  EXPECT_NE(R.err.find("bpfcarve: error:"), std::string::npos);
}

TEST_F(DiffRun, ADifferenceOnlyInMapsIsCaught) {
  Run R = diff("filter_tc_count_twice.bpf.c");
  EXPECT_EQ(R.code, 1);
  EXPECT_EQ(R.out["divergent"], 0);
  EXPECT_EQ(R.out["maps_equal"], false);
}

TEST_F(DiffRun, MapsHoldOnlyFramesBothSidesRan) {
  // Both count every frame they run. tc refuses frames xdp takes (an IPv4 frame without a full
  // header): counted after the first pass, xdp's counter is higher; over the frames both ran,
  // the counters are equal.
  Run R = run({"diff-run", In + "count_xdp.bpf.c", In + "count_tc.bpf.c", "--format", "json"});
  EXPECT_EQ(R.code, 0) << R.err;
  EXPECT_GT(R.out["one_sided_frames"].get<int>(), 0);
  EXPECT_EQ(R.out["maps_equal"], true);
  EXPECT_EQ(R.out["divergent"], 0);
}

TEST_F(DiffRun, NondeterministicHelpersAreReportedAndDoNotHideEqualMaps) {
  // B also stores bpf_ktime_get_ns() into a map A lacks; the maps both have are equal.
  Run R = diff("filter_tc_timestamps.bpf.c");
  EXPECT_EQ(R.code, 0) << R.err;
  EXPECT_EQ(R.out["maps_equal"], true);
  ASSERT_EQ(R.out["nondeterministic_helpers"].size(), 1u);
  EXPECT_EQ(R.out["nondeterministic_helpers"][0], "B calls bpf_ktime_get_ns");
}

TEST_F(DiffRun, PcapInputAndVerifyPackets) {
  auto Dir = toolchain::TempDir::create();
  ASSERT_TRUE(static_cast<bool>(Dir));
  auto Frames = verifier::generatePackets("ipv4");
  ASSERT_TRUE(static_cast<bool>(Frames));
  std::string Pcap = Dir->path() + "/ipv4.pcap";
  ASSERT_TRUE(static_cast<bool>(verifier::writePcap(Pcap, *Frames)));
  Run R = diff("filter_tc.bpf.c", {"--packets", Pcap});
  EXPECT_EQ(R.code, 0) << R.err;
  EXPECT_EQ(R.out["packets"].get<size_t>(), Frames->size());

  Run V = run({"verify", In + "filter_xdp.bpf.c", "--packets", Pcap, "--format", "json"});
  EXPECT_EQ(V.code, 0) << V.err;
  const json &T = V.out["programs"][0]["test_run"];
  EXPECT_EQ(T["packets"].get<size_t>(), Frames->size());
  size_t Sum = 0;
  for (auto &[Name, N] : T["verdicts"].items()) {
    EXPECT_TRUE(Name == "XDP_PASS" || Name == "XDP_DROP") << Name;
    Sum += N.get<size_t>();
  }
  EXPECT_EQ(Sum, Frames->size()) << "every IPv4 frame runs at XDP";
}

} // namespace
