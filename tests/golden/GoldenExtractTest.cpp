//===- GoldenExtractTest.cpp - one annotated input file per extraction rule -===//
//
// Each tests/golden/extract/*.bpf.c is the spec of one rule, input and expectations side by side:
//   // ARGS: <extract arguments after FILE>
//   // KEEP: <regex the output must contain>      (ECMAScript; \n matches a newline)
//   // DROP: <regex the output must not contain>
//   // VERIFY: pass                                (the output loads in the kernel; root only)
// Any other `// KEY:` annotation fails the case (GoldenSpec.h reads them strictly).
// Every case also checks determinism (same bytes twice) and, unless it adds a harness,
// idempotence (extracting the output again with the same arguments gives the same bytes).
//
//===----------------------------------------------------------------------===//
#include "GoldenSpec.h"
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace bpfcarve;

namespace {

const std::string Dir = BPFCARVE_SOURCE_DIR "/tests/golden/extract";

std::vector<std::string> cases() {
  std::vector<std::string> Out;
  std::error_code EC;
  for (const auto &E : fs::directory_iterator(Dir, EC))
    if (E.path().string().size() > 6 &&
        E.path().string().compare(E.path().string().size() - 6, 6, ".bpf.c") == 0)
      Out.push_back(E.path().filename().string());
  std::sort(Out.begin(), Out.end());
  return Out;
}

std::string slurp(const std::string &P) {
  std::ifstream I(P);
  std::stringstream S;
  S << I.rdbuf();
  return S.str();
}

class GoldenExtract : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenExtract, MatchesItsAnnotations) {
  std::string Input = Dir + "/" + GetParam();
  golden::ExtractSpec S = golden::readExtractSpec(slurp(Input), Input);
  ASSERT_EQ(S.error, "");
  ASSERT_FALSE(S.args.empty()) << "no // ARGS: line in " << Input;

  auto Run = [&](const std::string &File) {
    std::vector<std::string> Argv{BPFCARVE_BIN, "extract", File};
    Argv.insert(Argv.end(), S.args.begin(), S.args.end());
    return toolchain::runProcess(Argv);
  };
  auto R = Run(Input);
  ASSERT_TRUE(R && R->exitCode == 0) << (R ? R->err : "cannot run bpfcarve");
  const std::string &Out = R->out;
  const std::string Checked = golden::withoutAnnotations(Out);
  for (const std::string &K : S.keep)
    EXPECT_TRUE(std::regex_search(Checked, std::regex(K))) << "missing /" << K << "/ in:\n" << Out;
  for (const std::string &D : S.drop)
    EXPECT_FALSE(std::regex_search(Checked, std::regex(D))) << "unexpected /" << D << "/ in:\n" << Out;

  auto Again = Run(Input);
  ASSERT_TRUE(Again && Again->exitCode == 0);
  EXPECT_EQ(Again->out, Out) << "extraction is not deterministic";

  bool Harness = std::find(S.args.begin(), S.args.end(), "--harness") != S.args.end();
  bool ByLines = std::find(S.args.begin(), S.args.end(), "--lines") != S.args.end();
  if (!Harness && !ByLines) {
    // Extract the extract: next to the input, so its "..." includes resolve the same way.
    std::string Second = Dir + "/.golden-" + std::to_string(::getpid()) + "-" + GetParam();
    std::ofstream(Second) << Out;
    auto Twice = Run(Second);
    fs::remove(Second);
    ASSERT_TRUE(Twice && Twice->exitCode == 0) << (Twice ? Twice->err : "");
    EXPECT_EQ(Twice->out, Out) << "extraction is not idempotent";
  }

  if (S.verify) {
    if (::geteuid() != 0)
      GTEST_SKIP() << "VERIFY needs root (CAP_BPF); not root here";
    auto Tmp = toolchain::TempDir::create();
    ASSERT_TRUE(static_cast<bool>(Tmp));
    std::string OutFile = Tmp->path() + "/" + GetParam();
    std::ofstream(OutFile) << Out;
    auto V = toolchain::runProcess({BPFCARVE_BIN, "verify", OutFile});
    ASSERT_TRUE(static_cast<bool>(V));
    EXPECT_EQ(V->exitCode, 0) << V->out << V->err;
  }
}

std::string testName(const ::testing::TestParamInfo<std::string> &Info) {
  std::string N = Info.param.substr(0, Info.param.size() - 6);
  for (char &C : N)
    if (!isalnum(static_cast<unsigned char>(C)))
      C = '_';
  return N;
}

INSTANTIATE_TEST_SUITE_P(Extract, GoldenExtract, ::testing::ValuesIn(cases()), testName);

} // namespace
