//===- ExtractErrorsTest.cpp - extract refuses bad requests cleanly -------===//
//
// Each case: exit 2, the documented first line, no output file (an existing one untouched), the
// input unchanged.
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <sys/stat.h>

namespace fs = std::filesystem;
using namespace bpfcarve;

namespace {

const char *Source = R"(#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static int helper(int (*cb)(int), int x)
{
	return cb(x);
}

static int twice(int x)
{
	return 2 * x;
}

SEC("xdp")
int first(struct xdp_md *ctx)
{
	return helper(twice, 1) ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int second(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
)";

class ExtractErrors : public ::testing::Test {
protected:
  void SetUp() override {
    auto D = toolchain::TempDir::create("bpfcarve-extract-errors");
    ASSERT_TRUE(static_cast<bool>(D));
    Tmp.emplace(D.take());
    Input = Tmp->path() + "/prog.bpf.c";
    std::ofstream(Input) << Source;
  }
  std::string slurp(const std::string &P) {
    std::ifstream I(P);
    std::stringstream S;
    S << I.rdbuf();
    return S.str();
  }
  /// Runs extract, expects exit 2 and a first line matching Pattern, and that nothing was
  /// written and the input is unchanged.
  void expectRefused(std::vector<std::string> Args, const std::string &Pattern) {
    std::string Out = Tmp->path() + "/out.c";
    std::vector<std::string> Argv{BPFCARVE_BIN, "extract", Input};
    Argv.insert(Argv.end(), Args.begin(), Args.end());
    if (std::find(Args.begin(), Args.end(), "-o") == Args.end()) {
      Argv.push_back("-o");
      Argv.push_back(Out);
    }
    auto R = toolchain::runProcess(Argv);
    ASSERT_TRUE(static_cast<bool>(R));
    EXPECT_EQ(R->exitCode, 2) << R->err;
    std::string First = R->err.substr(0, R->err.find('\n'));
    EXPECT_TRUE(std::regex_match(First, std::regex(Pattern))) << First;
    EXPECT_FALSE(fs::exists(Out)) << "partial output written";
    EXPECT_EQ(slurp(Input), Source) << "input modified";
    for (const auto &E : fs::directory_iterator(Tmp->path()))
      EXPECT_TRUE(E.path().filename() == "prog.bpf.c" || E.path().filename() == "ro")
          << "stray file " << E.path();
  }
  std::optional<toolchain::TempDir> Tmp;
  std::string Input;
};

TEST_F(ExtractErrors, UnknownFunction) {
  expectRefused({"--function", "nope"},
                "bpfcarve: error: no function 'nope' defined in 'prog.bpf.c' \\(functions: .*\\)");
}
TEST_F(ExtractErrors, UnknownProgram) {
  expectRefused({"--program", "nope"},
                "bpfcarve: error: no program 'nope' in 'prog.bpf.c' \\(programs: first, second\\)");
}
TEST_F(ExtractErrors, AmbiguousSection) {
  expectRefused({"--program", "xdp"},
                "bpfcarve: error: section 'xdp' is ambiguous in 'prog.bpf.c': it holds first, "
                "second; name the program");
}
TEST_F(ExtractErrors, UnknownMap) {
  expectRefused({"--map", "nope"}, "bpfcarve: error: no map 'nope' in 'prog.bpf.c' .*");
}
TEST_F(ExtractErrors, MalformedLines) {
  expectRefused({"--lines", "prog.bpf.c:9"},
                "bpfcarve: error: --lines takes FILE:A-B \\(1-based, inclusive\\), not 'prog.bpf.c:9'");
}
TEST_F(ExtractErrors, LinesOutsideTheFile) {
  expectRefused({"--lines", "prog.bpf.c:500-510"},
                "bpfcarve: error: line range 500-510 is outside 'prog.bpf.c' \\(1-26\\)");
}
TEST_F(ExtractErrors, LinesHoldingNothing) {
  expectRefused({"--lines", "prog.bpf.c:2-3"},
                "prog.bpf.c:2:1: error: lines 2-3 of 'prog.bpf.c' hold no declaration");
}
TEST_F(ExtractErrors, NoSelection) {
  expectRefused({}, "bpfcarve: error: give exactly one selection: .*");
}
TEST_F(ExtractErrors, TwoSelections) {
  expectRefused({"--function", "twice", "--program", "first"},
                "bpfcarve: error: give exactly one selection: .*");
}
TEST_F(ExtractErrors, OutputEqualToInputIsRefused) {
  expectRefused({"--function", "twice", "-o", Input},
                "bpfcarve: error: output '.*prog.bpf.c' is the input '.*prog.bpf.c'; bpfcarve "
                "never overwrites its input");
}
TEST_F(ExtractErrors, UnwritableOutputDirectory) {
  if (::geteuid() == 0) {
    // root writes anywhere: use a path whose parent is a regular file instead.
    expectRefused({"--function", "twice", "-o", Input + "/out.c"},
                  "bpfcarve: error: cannot write '.*prog.bpf.c/out.c': Not a directory");
    return;
  }
  std::string Ro = Tmp->path() + "/ro";
  fs::create_directory(Ro);
  ::chmod(Ro.c_str(), 0555);
  expectRefused({"--function", "twice", "-o", Ro + "/out.c"},
                "bpfcarve: error: cannot write '.*/ro/out.c': Permission denied");
}
TEST_F(ExtractErrors, HarnessRefusesWhatItCannotSynthesise) {
  expectRefused({"--function", "helper", "--harness", "xdp"},
                "bpfcarve: error: cannot generate a xdp harness: helper\\(cb: int \\(\\*\\)\\(int\\)\\): "
                "function pointers cannot be synthesised");
}
TEST_F(ExtractErrors, HarnessForAnUnknownHook) {
  expectRefused({"--function", "twice", "--harness", "nohook"},
                "bpfcarve: error: unknown or unsupported harness hook 'nohook' .*");
}

TEST_F(ExtractErrors, AnExistingOutputIsReplacedOnlyOnSuccess) {
  std::string Out = Tmp->path() + "/keep.c";
  std::ofstream(Out) << "previous contents\n";
  auto Bad = toolchain::runProcess({BPFCARVE_BIN, "extract", Input, "--function", "nope", "-o", Out});
  ASSERT_TRUE(static_cast<bool>(Bad));
  EXPECT_EQ(Bad->exitCode, 2);
  EXPECT_EQ(slurp(Out), "previous contents\n");
  auto Good = toolchain::runProcess({BPFCARVE_BIN, "extract", Input, "--function", "twice", "-o", Out});
  ASSERT_TRUE(Good && Good->exitCode == 0) << (Good ? Good->err : "");
  EXPECT_NE(slurp(Out).find("static int twice(int x)"), std::string::npos);
}

} // namespace
