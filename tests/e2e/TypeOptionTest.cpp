//===- TypeOptionTest.cpp - --type for sections libbpf does not know -------===//
//
// tc(8) loads classifiers by section name, so code written for it uses sections libbpf cannot
// type (`SEC("classify_edge")`). `--type HOOK` names the hook: inspect shows the program type,
// carve retargets, verifies and diff-runs the program. The input is the retarget golden
// type_names_an_unknown_section.bpf.c (whose annotations cover retarget and diff-run).
//
//===----------------------------------------------------------------------===//
#include "NoResidue.h"
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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

} // namespace
