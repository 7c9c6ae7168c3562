//===- ModernizeMapsTest.cpp - --modernize-maps on legacy map definitions --===//
//
// tests/inputs/modernize holds legacy maps in both styles: libbpf's old struct bpf_map_def,
// and iproute2's struct bpf_elf_map with PIN_GLOBAL_NS and a prog array filled by "ID/KEY"
// sections, and a map-in-map bound to its inner map by id. libbpf 1.0 opens neither;
// --modernize-maps rewrites them as BTF-defined maps, and the programs then verify, carve and
// keep their tail-call slots and inner maps.
//
//===----------------------------------------------------------------------===//
#include "NoResidue.h"
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <unistd.h>

using nlohmann::json;
using namespace bpfcarve;

namespace {

const std::string Dir = BPFCARVE_SOURCE_DIR "/tests/inputs/modernize";

std::string slurp(const std::string &P) {
  std::ifstream I(P, std::ios::binary);
  std::stringstream S;
  S << I.rdbuf();
  return S.str();
}

toolchain::ProcessResult run(std::vector<std::string> Args) {
  Args.insert(Args.begin(), BPFCARVE_BIN);
  auto R = toolchain::runProcess(Args);
  EXPECT_TRUE(static_cast<bool>(R));
  return R ? *R : toolchain::ProcessResult{};
}

class ModernizeMaps : public ::testing::Test {
protected:
  void SetUp() override {
    if (geteuid() != 0)
      GTEST_SKIP() << "loading programs needs root (CAP_BPF)";
    auto T = toolchain::TempDir::create("bpfcarve-modernize");
    ASSERT_TRUE(static_cast<bool>(T));
    Tmp.emplace(T.take());
  }
  std::optional<toolchain::TempDir> Tmp;
};

TEST_F(ModernizeMaps, MapDefMapsVerifyAndCarve) {
  const std::string In = Dir + "/map_def.bpf.c";
  const std::string Before = slurp(In);
  auto Legacy = run({"verify", In, "--format", "json"});
  EXPECT_EQ(Legacy.exitCode, 1) << Legacy.err;
  json L = json::parse(Legacy.out, nullptr, false);
  ASSERT_TRUE(L.is_object()) << Legacy.out;
  EXPECT_EQ(L["programs"][0]["error"]["class"], "open") << Legacy.out;
  EXPECT_FALSE(L.contains("modernized"));
  // inspect names what the map is, whatever struct it is written with (struct bpf_map_def here,
  // iproute2's struct bpf_elf_map elsewhere).
  auto I = run({"inspect", In});
  ASSERT_EQ(I.exitCode, 0) << I.err;
  EXPECT_NE(I.out.find("frame_count  "), std::string::npos) << I.out;
  EXPECT_NE(I.out.find("(legacy SEC(\"maps\") definition)"), std::string::npos) << I.out;

  auto V = run({"verify", In, "--modernize-maps", "--format", "json"});
  ASSERT_EQ(V.exitCode, 0) << V.err << V.out;
  json J = json::parse(V.out);
  EXPECT_EQ(J["modernized"], json::array({"frame_count", "seen_flows"}));
  EXPECT_EQ(J["programs"][0]["verdict"], "pass");
  EXPECT_NE(V.err.find("2 legacy maps rewritten as BTF-defined: frame_count, seen_flows"),
            std::string::npos)
      << V.err;

  const std::string Out = Tmp->path() + "/count.c";
  auto E = run({"extract", In, "--program", "count_frames", "--modernize-maps", "-o", Out});
  ASSERT_EQ(E.exitCode, 0) << E.err;
  std::string Text = slurp(Out);
  EXPECT_EQ(Text.find("SEC(\"maps\")"), std::string::npos) << Text;
  // The rewrite takes the 8 lines of the definition it replaces: its last ones are joined.
  EXPECT_NE(Text.find("struct {\n\t__uint(type, BPF_MAP_TYPE_HASH);\n\t__uint(key_size, 8);\n"
                      "\t__uint(value_size, 4);\n\t__uint(max_entries, 1024);\n"
                      "\t__uint(map_flags, 1); } seen_flows SEC(\".maps\");"),
            std::string::npos)
      << Text;
  auto VO = run({"verify", Out});
  EXPECT_EQ(VO.exitCode, 0) << VO.err << VO.out;
  EXPECT_EQ(slurp(In), Before) << "the input changed";
}

TEST_F(ModernizeMaps, ElfMapsKeepPinningAndTailCallSlots) {
  const std::string In = Dir + "/elf_map_tail.bpf.c";
  auto V = run({"verify", In, "--type", "tc", "--modernize-maps", "--format", "json"});
  ASSERT_EQ(V.exitCode, 0) << V.err << V.out;
  json J = json::parse(V.out);
  EXPECT_EQ(J["modernized"], json::array({"hits", "jumps"}));
  ASSERT_EQ(J["programs"].size(), 2U);
  for (const json &P : J["programs"])
    EXPECT_EQ(P["verdict"], "pass") << P.dump();

  const std::string Out = Tmp->path() + "/first.c";
  auto E = run({"extract", In, "--program", "first_stage", "--modernize-maps", "-o", Out});
  ASSERT_EQ(E.exitCode, 0) << E.err;
  std::string Text = slurp(Out);
  // The slot program is placed statically, so the slice keeps it.
  EXPECT_NE(Text.find("\t__array(values, int(void *)); } jumps SEC(\".maps\") = { .values = { "
                      "[1] = (void *)&second_stage, }, };"),
            std::string::npos)
      << Text;
  EXPECT_NE(Text.find("int second_stage(struct __sk_buff *skb)\n{"), std::string::npos) << Text;
  EXPECT_NE(Text.find("__uint(pinning, 1); /* LIBBPF_PIN_BY_NAME, for iproute2's PIN_GLOBAL_NS */"),
            std::string::npos)
      << Text;
  auto VO = run({"verify", Out, "--type", "tc", "--format", "json"});
  ASSERT_EQ(VO.exitCode, 0) << VO.err << VO.out;
  EXPECT_EQ(json::parse(VO.out)["programs"].size(), 2U);

  // Locations stay the input's: the rewritten maps take the lines of the definitions they
  // replace (the tail call was reported 6 lines below its line before).
  auto R = run({"retarget", In, "--program", "first_stage", "--type", "tc", "--to", "xdp",
                "--modernize-maps", "-o", Tmp->path() + "/xdp.c"});
  EXPECT_EQ(R.exitCode, 1) << R.err;
  EXPECT_NE(R.err.find("elf_map_tail.bpf.c:58:22: error: cannot retarget 'first_stage' to xdp: "
                       "jumps: prog array jumps"),
            std::string::npos)
      << R.err;
}

// iproute2 binds a map-in-map's inner map by id and places it at the inner map's .inner_idx:
// the BTF-defined form names the inner map's type as the template and places it statically.
TEST_F(ModernizeMaps, ElfMapInMapGetsItsInnerMapAsTemplateAndValue) {
  const std::string In = Dir + "/elf_map_in_map.bpf.c";
  auto V = run({"verify", In, "--type", "tc", "--modernize-maps", "--format", "json"});
  ASSERT_EQ(V.exitCode, 0) << V.err << V.out;
  json J = json::parse(V.out);
  EXPECT_EQ(J["modernized"], json::array({"counters", "tables"}));
  ASSERT_EQ(J["programs"].size(), 1U);
  EXPECT_EQ(J["programs"][0]["verdict"], "pass") << J.dump();

  const std::string Out = Tmp->path() + "/count.c";
  auto E = run({"extract", In, "--program", "count", "--modernize-maps", "-o", Out});
  ASSERT_EQ(E.exitCode, 0) << E.err;
  std::string Text = slurp(Out);
  EXPECT_NE(Text.find("\t__array(values, struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(key_size, "
                      "4); __uint(value_size, 8); __uint(max_entries, 4); });\n} tables "
                      "SEC(\".maps\") = { .values = { [1] = &counters, }, };"),
            std::string::npos)
      << Text;
  auto VO = run({"verify", Out, "--type", "tc", "--format", "json"});
  EXPECT_EQ(VO.exitCode, 0) << VO.err << VO.out;

  // An inner map id that names no map of the file: refused, naming the map and the id.
  std::string Broken = slurp(In);
  Broken.replace(Broken.find(".inner_id = COUNTERS_ID"), 23, ".inner_id = 99");
  const std::string Bad = Tmp->path() + "/broken.bpf.c";
  std::ofstream(Bad) << Broken;
  auto R = run({"verify", Bad, "--type", "tc", "--modernize-maps"});
  EXPECT_EQ(R.exitCode, 2);
  EXPECT_NE(R.err.find("broken.bpf.c:31:1: error: cannot modernize legacy map 'tables': a "
                       "map-in-map whose inner map id 99 names no legacy map of the file"),
            std::string::npos)
      << R.err;
}

} // namespace
