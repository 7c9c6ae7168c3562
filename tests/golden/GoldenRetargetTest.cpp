//===- GoldenRetargetTest.cpp - one annotated input per retargeting rule --===//
//
// Each tests/golden/retarget/*.bpf.c is the spec of one rewrite or refusal:
//   // ARGS: <retarget arguments after FILE>
//   // KEEP: / DROP: <regex on the output>
//   // REFUSE: <regex the first stderr line must match; exit 1, no output>
//   // DIFFRUN: pass [diff-run arguments]   (original vs output, on gen:all unless the arguments
//      name --packets: no divergence, equal maps; root only; ${DIR} is this folder, for --maps
//      and pcap files; one run per DIFFRUN line)
// Every accepted case also checks that text outside the edits stays as the input's slice (the
// output differs from `extract --program` only on lines holding a reported rewrite) and that a
// second run gives the same bytes. Any other `// KEY:` annotation fails the case (GoldenSpec.h
// reads them strictly).
//
//===----------------------------------------------------------------------===//
#include "GoldenSpec.h"
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace bpfcarve;
using nlohmann::json;

namespace {

const std::string Dir = BPFCARVE_SOURCE_DIR "/tests/golden/retarget";

std::vector<std::string> cases() {
  std::vector<std::string> Out;
  std::error_code EC;
  for (const auto &E : fs::directory_iterator(Dir, EC))
    if (E.path().extension() == ".c")
      Out.push_back(E.path().filename().string());
  std::sort(Out.begin(), Out.end());
  return Out;
}

std::vector<std::string> lines(const std::string &S) {
  std::vector<std::string> L;
  std::stringstream SS(S);
  for (std::string X; std::getline(SS, X);)
    L.push_back(X);
  return L;
}

class GoldenRetarget : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenRetarget, MatchesItsAnnotations) {
  std::string Input = Dir + "/" + GetParam();
  std::stringstream Text;
  Text << std::ifstream(Input).rdbuf();
  golden::RetargetSpec S = golden::readRetargetSpec(Text.str(), Input, Dir);
  ASSERT_EQ(S.error, "");
  const std::vector<std::string> &Args = S.args, &Keep = S.keep, &Drop = S.drop;
  const std::string &Refuse = S.refuse;
  const std::vector<std::vector<std::string>> &DiffRuns = S.diffRuns;
  auto Tmp = toolchain::TempDir::create();
  ASSERT_TRUE(static_cast<bool>(Tmp));
  std::string Report = Tmp->path() + "/report.json";
  std::vector<std::string> Argv{BPFCARVE_BIN, "retarget", Input, "--report", Report};
  Argv.insert(Argv.end(), Args.begin(), Args.end());
  auto R = toolchain::runProcess(Argv);
  ASSERT_TRUE(static_cast<bool>(R));

  if (!Refuse.empty()) {
    EXPECT_EQ(R->exitCode, 1) << R->err;
    EXPECT_TRUE(R->out.empty());
    std::string First = R->err.substr(0, R->err.find('\n'));
    EXPECT_TRUE(std::regex_match(First, std::regex(Refuse))) << First;
    EXPECT_FALSE(fs::exists(Report)) << "a refused retarget writes nothing";
    return;
  }
  ASSERT_EQ(R->exitCode, 0) << R->err;
  auto Again = toolchain::runProcess(Argv);
  ASSERT_TRUE(Again && Again->exitCode == 0);
  EXPECT_EQ(Again->out, R->out) << "retargeting is not deterministic";
  const std::string Checked = golden::withoutAnnotations(R->out);
  for (const std::string &K : Keep)
    EXPECT_TRUE(std::regex_search(Checked, std::regex(K))) << "missing /" << K << "/ in:\n" << R->out;
  for (const std::string &D : Drop)
    EXPECT_FALSE(std::regex_search(Checked, std::regex(D))) << "unexpected /" << D << "/ in:\n" << R->out;

  // Text outside the edits is the input's: compare with the plain slice.
  json Rep = json::parse(std::ifstream(Report), nullptr, false);
  ASSERT_TRUE(Rep.is_object());
  auto Slice = toolchain::runProcess({BPFCARVE_BIN, "extract", Input, "--program", Rep["program"]});
  ASSERT_TRUE(Slice && Slice->exitCode == 0);
  std::vector<std::string> A = lines(Slice->out), B = lines(R->out);
  // The generated prologue: bpfcarve's guarded declarations of names the rewrites write
  // (each `#ifndef BPFCARVE_DECL_<name>` ... `#endif`), macros a rewrite uses (XDP_TX as a
  // value).
  // It follows the input's leading comment, which both outputs start with.
  size_t Lead = 0;
  while (Lead < A.size() && Lead < B.size() && A[Lead] == B[Lead] && B[Lead].rfind("#", 0) != 0 &&
         B[Lead].rfind("/* bpfcarve", 0) != 0)
    ++Lead;
  auto Front = [&] { return B.begin() + static_cast<std::ptrdiff_t>(Lead); };
  while (B.size() > Lead && B.size() > A.size() &&
         (Front()->rfind("#", 0) == 0 || Front()->rfind("/* bpfcarve", 0) == 0)) {
    if (Front()->rfind("#ifndef BPFCARVE_DECL_", 0) == 0)
      while (B.size() > Lead + 1 && *Front() != "#endif")
        B.erase(Front());
    B.erase(Front());
  }
  ASSERT_EQ(A.size(), B.size()) << R->out;
  std::set<unsigned> Changed;
  for (size_t I = 0; I < A.size(); ++I)
    if (A[I] != B[I])
      Changed.insert(static_cast<unsigned>(I));
  EXPECT_LE(Changed.size(), Rep["rewrites"].size()) << "lines changed beyond the reported rewrites";
  EXPECT_FALSE(Rep["rewrites"].empty());

  if (!DiffRuns.empty() && ::geteuid() != 0)
    GTEST_SKIP() << "DIFFRUN needs root (CAP_BPF); not root here";
  std::string Out = Tmp->path() + "/" + GetParam();
  if (!DiffRuns.empty())
    std::ofstream(Out) << R->out;
  for (const std::vector<std::string> &DiffRunArgs : DiffRuns) {
    SCOPED_TRACE("DIFFRUN pass" + [&] {
      std::string A;
      for (const std::string &W : DiffRunArgs)
        A += " " + W;
      return A;
    }());
    std::vector<std::string> DArgv{BPFCARVE_BIN, "diff-run", Input, Out, "--format", "json"};
    DArgv.insert(DArgv.end(), DiffRunArgs.begin(), DiffRunArgs.end());
    auto D = toolchain::runProcess(DArgv);
    ASSERT_TRUE(static_cast<bool>(D));
    EXPECT_EQ(D->exitCode, 0) << D->out << D->err;
    json J = json::parse(D->out, nullptr, false);
    ASSERT_TRUE(J.is_object()) << D->err;
    EXPECT_GT(J["compared"].get<int>(), 0);
    EXPECT_EQ(J["divergent"], 0) << J["first_divergence"].dump(2);
    EXPECT_EQ(J["maps_equal"], true) << D->out;
  }
}

std::string testName(const ::testing::TestParamInfo<std::string> &Info) {
  std::string N = Info.param.substr(0, Info.param.size() - 6);
  for (char &C : N)
    if (!isalnum(static_cast<unsigned char>(C)))
      C = '_';
  return N;
}

INSTANTIATE_TEST_SUITE_P(Retarget, GoldenRetarget, ::testing::ValuesIn(cases()), testName);

} // namespace
