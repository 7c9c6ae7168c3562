//===- TracingHooksTest.cpp - hooks that load against a target: lsm, fentry, tp_btf --===//
//
// lsm, fentry, fexit and tp_btf programs load against the kernel function or event their
// section names. A harness for a function an lsm program calls loads against the caller's
// target (`--harness lsm/file_open`); without one it is bad input. A raw_tp program moves to
// tp_btf with its event, and not back (tp_btf's typed pointers may be dereferenced). Whether
// this kernel loads lsm and tp_btf programs at all is asked of the probe, so the expected
// verdicts follow the kernel the test runs on (Debian's 6.1 loads the lsm harness in
// KernelMatrixTest).
//
//===----------------------------------------------------------------------===//
#include "NoResidue.h"
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <fstream>
#include <sstream>
#include <unistd.h>

using nlohmann::json;
using namespace bpfcarve;

namespace {

const std::string Inputs = BPFCARVE_SOURCE_DIR "/tests/inputs/tracing/";
const std::string Tracer = BPFCARVE_SOURCE_DIR "/bpf-samples/tracing/tracer.bpf.c";

toolchain::ProcessResult run(std::vector<std::string> Args) {
  Args.insert(Args.begin(), BPFCARVE_BIN);
  auto R = toolchain::runProcess(Args);
  EXPECT_TRUE(static_cast<bool>(R));
  return R ? *R : toolchain::ProcessResult{};
}

std::string slurp(const std::string &Path) {
  std::ifstream In(Path);
  std::stringstream S;
  S << In.rdbuf();
  return S.str();
}

/// Whether this kernel loads programs of Hook, as the probe measured it.
bool kernelLoads(const std::string &Hook) {
  auto R = run({"probe", "--format", "json"});
  json J = json::parse(R.out, nullptr, false);
  EXPECT_TRUE(J.is_object()) << R.err;
  if (J.is_object())
    for (const json &H : J["hooks"])
      if (H["hook"] == Hook)
        return H["measured"]["loads"].get<bool>();
  ADD_FAILURE() << "the probe has no hook " << Hook;
  return false;
}

/// The verdict of Program in FILE on this kernel: a pass where the probe says the hook loads,
/// else skipped for permission (the kernel refuses the program type to root too).
void expectVerdictOfThisKernel(const std::string &File, const std::string &Program,
                               const std::string &Hook) {
  auto V = run({"verify", File, "--program", Program, "--format", "json"});
  json J = json::parse(V.out, nullptr, false);
  ASSERT_TRUE(J.is_object()) << V.err;
  const json &P = J["programs"][0];
  if (kernelLoads(Hook)) {
    EXPECT_EQ(V.exitCode, 0) << V.err;
    EXPECT_EQ(P["verdict"], "pass") << P.dump();
  } else {
    EXPECT_EQ(V.exitCode, 3) << V.err;
    EXPECT_EQ(P["verdict"], "skipped") << P.dump();
    EXPECT_EQ(P["error"]["class"], "permission") << P.dump();
  }
}

TEST(TracingHooks, AnLsmHarnessLoadsAgainstItsCallersTarget) {
  if (geteuid() != 0)
    GTEST_SKIP() << "loading programs needs root (CAP_BPF)";
  auto T = toolchain::TempDir::create("bpfcarve-tracing");
  ASSERT_TRUE(static_cast<bool>(T));
  const std::string Callee = T->path() + "/callee.c", Body = T->path() + "/body.c";
  auto R = run({"extract", Inputs + "lsm_deny.c", "--function", "magic_denied", "--harness",
                "lsm/file_open", "-o", Callee});
  ASSERT_EQ(R.exitCode, 0) << R.err;
  std::string Text = slurp(Callee);
  EXPECT_NE(Text.find("SEC(\"lsm/file_open\")\nint bpfcarve_harness("), std::string::npos) << Text;
  // The body BPF_PROG writes takes the program's ctx: the harness passes its own, the same
  // target's arguments.
  R = run({"extract", Inputs + "lsm_deny.c", "--function", "____deny_fs", "--harness",
           "lsm/file_open", "-o", Body});
  ASSERT_EQ(R.exitCode, 0) << R.err;
  EXPECT_NE(slurp(Body).find("____deny_fs(ctx, "), std::string::npos) << slurp(Body);
  expectVerdictOfThisKernel(Callee, "bpfcarve_harness", "lsm");
  expectVerdictOfThisKernel(Body, "bpfcarve_harness", "lsm");
}

// A struct_ops program loads only through the SEC(".struct_ops") variable that names it, at
// one member of the kernel's struct: the harness of a function it calls gets a variable of its
// own that puts bpfcarve_harness at that member, and receives the member's argument (the
// `(const struct tcp_sock *)sk` BPF_PROG's body passes on). Without that variable the kernel
// refuses the harness (ENOTSUPP). It loads where the original does.
TEST(TracingHooks, AStructOpsHarnessLoadsAtItsCallersMember) {
  if (geteuid() != 0)
    GTEST_SKIP() << "loading programs needs root (CAP_BPF)";
  auto T = toolchain::TempDir::create("bpfcarve-tracing");
  ASSERT_TRUE(static_cast<bool>(T));
  const std::string Out = T->path() + "/h.c";
  auto R = run({"extract", Inputs + "struct_ops_ca.c", "--function", "halved_window", "--harness",
                "struct_ops/carve_ssthresh", "-o", Out});
  ASSERT_EQ(R.exitCode, 0) << R.err;
  const std::string Text = slurp(Out);
  EXPECT_NE(Text.find("SEC(\".struct_ops\")\nstruct tcp_congestion_ops bpfcarve_harness_ops = {\n"
                      "\t.ssthresh = (void *)bpfcarve_harness,\n};"),
            std::string::npos)
      << Text;
  EXPECT_NE(Text.find("halved_window((const struct tcp_sock *)((unsigned long long *)ctx)[0])"),
            std::string::npos)
      << Text;
  auto O = run({"verify", Inputs + "struct_ops_ca.c", "--program", "carve_ssthresh", "--format",
                "json"});
  json Orig = json::parse(O.out, nullptr, false);
  ASSERT_TRUE(Orig.is_object()) << O.err;
  auto V = run({"verify", Out, "--format", "json"});
  json J = json::parse(V.out, nullptr, false);
  ASSERT_TRUE(J.is_object()) << V.err;
  EXPECT_EQ(J["programs"][0]["verdict"], Orig["programs"][0]["verdict"]) << J.dump();
  if (Orig["programs"][0]["verdict"] == "pass")
    EXPECT_EQ(V.exitCode, 0) << V.err;
  else
    std::cout << "this kernel does not load the original either: "
              << Orig["programs"][0]["error"].dump() << "\n";
}

// A writer's cursor its callers make inside the sample's buffer (`void *cur = s->buf`, moved
// along by `cur += put_chunk(s, cur)` and through a function returning it), and a task its caller
// gets as a number (`(struct task_head *)bpf_get_current_task()`) read at an unbounded offset:
// the harness passes an address inside its own sample's buffer, and a number. Either made up
// from the map value instead, the verifier refuses it (a scalar where memory is needed; pointer
// arithmetic with an unbounded offset on a map value).
TEST(TracingHooks, HarnessPointersAreMadeAsTheCallersMakeThem) {
  if (geteuid() != 0)
    GTEST_SKIP() << "loading programs needs root (CAP_BPF)";
  auto T = toolchain::TempDir::create("bpfcarve-tracing");
  ASSERT_TRUE(static_cast<bool>(T));
  auto O = run({"verify", Inputs + "cursor_payload.c", "--format", "json"});
  json Orig = json::parse(O.out, nullptr, false);
  ASSERT_TRUE(Orig.is_object()) << O.err;
  if (Orig["programs"][0]["verdict"] != "pass")
    GTEST_SKIP() << "this kernel does not load the original: " << Orig["programs"][0]["error"];
  const std::map<std::string, std::string> Calls = {
      {"put_chunk", "put_chunk(&bpfcarve_args->p0, (void *)&(&bpfcarve_args->p0)->buf)"},
      {"task_word", "task_word((struct task_head *)bpfcarve_args->p0, bpfcarve_args->p1)"}};
  for (const auto &[Function, Call] : Calls) {
    const std::string Out = T->path() + "/" + Function + ".c";
    auto R = run({"extract", Inputs + "cursor_payload.c", "--function", Function, "--harness",
                  "tp/syscalls/sys_enter_getpid", "-o", Out});
    ASSERT_EQ(R.exitCode, 0) << R.err;
    EXPECT_NE(slurp(Out).find(Call), std::string::npos) << slurp(Out);
    auto V = run({"verify", Out, "--format", "json"});
    json J = json::parse(V.out, nullptr, false);
    ASSERT_TRUE(J.is_object()) << V.err;
    EXPECT_EQ(J["programs"][0]["verdict"], "pass") << Function << ": " << J.dump();
  }
}

TEST(TracingHooks, AHarnessOfATargetedHookNeedsTheTarget) {
  auto T = toolchain::TempDir::create("bpfcarve-tracing");
  ASSERT_TRUE(static_cast<bool>(T));
  const std::string Out = T->path() + "/h.c";
  auto R = run({"extract", Inputs + "lsm_deny.c", "--function", "magic_denied", "--harness",
                "lsm", "-o", Out});
  EXPECT_EQ(R.exitCode, 2);
  EXPECT_EQ(R.err.rfind("bpfcarve: error: an lsm harness needs the lsm target it loads against: "
                        "--harness lsm/<target>",
                        0),
            0u)
      << R.err;
  EXPECT_FALSE(std::filesystem::exists(Out));
}

TEST(TracingHooks, RawTpMovesToTpBtfWithItsEventAndNotBack) {
  if (geteuid() != 0)
    GTEST_SKIP() << "loading programs needs root (CAP_BPF)";
  auto T = toolchain::TempDir::create("bpfcarve-tracing");
  ASSERT_TRUE(static_cast<bool>(T));
  const std::string Out = T->path() + "/fork.c", Back = T->path() + "/back.c";
  auto R = run({"retarget", Tracer, "--program", "handle_fork", "--to", "tp_btf", "-o", Out});
  ASSERT_EQ(R.exitCode, 0) << R.err;
  std::string Text = slurp(Out);
  EXPECT_NE(Text.find("SEC(\"tp_btf/sched_process_fork\")"), std::string::npos) << Text;
  EXPECT_EQ(Text.find("SEC(\"raw_tp"), std::string::npos) << Text;
  expectVerdictOfThisKernel(Out, "handle_fork", "tp_btf");

  R = run({"retarget", Out, "--program", "handle_fork", "--to", "raw_tp", "-o", Back});
  EXPECT_EQ(R.exitCode, 1);
  EXPECT_NE(R.err.find("tp_btf passes typed kernel pointers, which it may dereference directly; "
                       "raw_tp passes them as numbers: no sound rewrite"),
            std::string::npos)
      << R.err;
  EXPECT_FALSE(std::filesystem::exists(Back));
}

TEST(TracingHooks, ARawTpSectionWithoutItsEventCannotMoveToTpBtf) {
  auto T = toolchain::TempDir::create("bpfcarve-tracing");
  ASSERT_TRUE(static_cast<bool>(T));
  const std::string Out = T->path() + "/out.c";
  auto R = run(
      {"retarget", Inputs + "raw_tp_unnamed.c", "--program", "count_any", "--to", "tp_btf", "-o", Out});
  EXPECT_EQ(R.exitCode, 1);
  EXPECT_NE(R.err.find("raw_tp_unnamed.c:9:5: error: cannot retarget 'count_any' to tp_btf: "
                       "SEC(\"raw_tp\"): names no tracepoint event, and tp_btf programs load "
                       "against one"),
            std::string::npos)
      << R.err;
  EXPECT_FALSE(std::filesystem::exists(Out));
}

} // namespace
