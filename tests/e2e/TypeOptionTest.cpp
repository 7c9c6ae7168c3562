//===- TypeOptionTest.cpp - --type for sections libbpf does not know -------===//
//
// tc(8) loads classifiers by section name, so code written for it uses sections libbpf cannot
// type (`SEC("classify_edge")`). `--type HOOK` names the hook: inspect shows the program type,
// carve retargets, verifies and diff-runs the program. The input is the retarget golden
// type_names_an_unknown_section.bpf.c (whose annotations cover retarget and diff-run).
// A section written in a macro is edited in the output's #define when no other kept program
// expands the macro (goldens macro_section_*.bpf.c), and refused by name when one does.
//
//===----------------------------------------------------------------------===//
#include "NoResidue.h"
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <unistd.h>

using nlohmann::json;
using namespace bpfcarve;

namespace {

const std::string Input =
    BPFCARVE_SOURCE_DIR "/tests/golden/retarget/type_names_an_unknown_section.bpf.c";

toolchain::ProcessResult run(std::vector<std::string> Args) {
  Args.insert(Args.begin(), BPFCARVE_BIN);
  auto R = toolchain::runProcess(Args);
  EXPECT_TRUE(static_cast<bool>(R));
  return R ? *R : toolchain::ProcessResult{};
}

TEST(TypeOption, InspectShowsTheNamedHooksProgramType) {
  auto Without = run({"inspect", Input, "--format", "json"});
  ASSERT_EQ(Without.exitCode, 0) << Without.err;
  EXPECT_EQ(json::parse(Without.out)["programs"][0]["type"], "unknown");
  auto With = run({"inspect", Input, "--type", "tc", "--format", "json"});
  ASSERT_EQ(With.exitCode, 0) << With.err;
  EXPECT_EQ(json::parse(With.out)["programs"][0]["type"], "sched_cls");
}

TEST(TypeOption, CarveRetargetsVerifiesAndDiffRunsTheProgram) {
  if (geteuid() != 0)
    GTEST_SKIP() << "loading programs needs root (CAP_BPF)";
  auto T = toolchain::TempDir::create("bpfcarve-type-option");
  ASSERT_TRUE(static_cast<bool>(T));
  const std::string Out = T->path() + "/out.c";
  auto Refused = run({"carve", Input, "--program", "edge_filter", "--to", "xdp", "-o", Out});
  EXPECT_EQ(Refused.exitCode, 2) << Refused.err;
  EXPECT_NE(Refused.err.find("name its hook with --type HOOK"), std::string::npos)
      << Refused.err;
  auto R = run({"carve", Input, "--program", "edge_filter", "--type", "tc", "--to", "xdp", "-o",
                Out, "--format", "json"});
  ASSERT_EQ(R.exitCode, 0) << R.err << R.out;
  json J = json::parse(R.out, nullptr, false);
  ASSERT_TRUE(J.is_object()) << R.out;
  EXPECT_EQ(J["verify"]["programs"][0]["verdict"], "pass") << R.out;
  EXPECT_EQ(J["diff_run"]["divergent"], 0) << R.out;
  EXPECT_GT(J["diff_run"]["compared"].get<long long>(), 100) << R.out;
  // Kept as tc, the program verifies as tc under --type.
  auto Kept = run({"carve", Input, "--program", "edge_filter", "--type", "tc", "-o",
                   T->path() + "/kept.c", "--format", "json"});
  ASSERT_EQ(Kept.exitCode, 0) << Kept.err << Kept.out;
  EXPECT_EQ(json::parse(Kept.out)["verify"]["programs"][0]["type"], "sched_cls") << Kept.out;
}

TEST(TypeOption, RetargetToItsOwnHookWritesTheHooksSection) {
  // `retarget --type tc --to tc` of SEC("classify_edge"): the result is in SEC("tc") and
  // verifies without --type (it kept the unknown section, exit 0, and did not load).
  if (geteuid() != 0)
    GTEST_SKIP() << "loading programs needs root (CAP_BPF)";
  auto T = toolchain::TempDir::create("bpfcarve-type-option");
  ASSERT_TRUE(static_cast<bool>(T));
  const std::string Out = T->path() + "/tc.c";
  auto R = run({"retarget", Input, "--program", "edge_filter", "--type", "tc", "--to", "tc", "-o",
                Out});
  ASSERT_EQ(R.exitCode, 0) << R.err;
  auto V = run({"verify", Out, "--format", "json"});
  EXPECT_EQ(V.exitCode, 0) << V.err << V.out;
  json J = json::parse(V.out, nullptr, false);
  ASSERT_TRUE(J.is_object() && !J["programs"].empty()) << V.out;
  EXPECT_EQ(J["programs"][0]["section"], "tc") << V.out;
  EXPECT_EQ(J["programs"][0]["verdict"], "pass") << V.out;
}

TEST(TypeOption, ASectionMacroThatWritesAnotherKeptProgramIsRefusedByName) {
  // STAGE(0) tail-calls STAGE(1) through a prog array that places it statically: the slice keeps
  // both, and editing STAGE's SEC("tc") would move stage_1 too.
  const std::string In =
      BPFCARVE_SOURCE_DIR "/tests/inputs/sections/macro_writes_two_kept_programs.bpf.c";
  auto T = toolchain::TempDir::create("bpfcarve-type-option");
  ASSERT_TRUE(static_cast<bool>(T));
  const std::string Out = T->path() + "/xdp.c";
  auto R = run({"retarget", In, "--program", "stage_0", "--to", "xdp", "-o", Out});
  EXPECT_EQ(R.exitCode, 1) << R.err;
  EXPECT_NE(R.err.find("SEC(\"tc\") in STAGE(0): the section is written in macro STAGE, which "
                       "also writes kept stage_1: editing it would retarget them too"),
            std::string::npos)
      << R.err;
  EXPECT_FALSE(std::filesystem::exists(Out));
}

} // namespace
