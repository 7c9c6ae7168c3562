//===- CorpusGoldenTest.cpp - kept entity sets of named corpus functionalities ===//
//
// Each tests/golden/corpus/*.json names one functionality of a corpus file (corpus.md §2), the
// extract arguments that select it, and what its closure must contain, written from reading the
// corpus source (the corpus is downloaded at test time, so only these expectations are
// committed):
//   "file":   the file's path in the manifest (its flags come from the corpus record (corpus/records/<release>.json))
//   "args":   extract arguments after FILE, e.g. ["--function", "get_packet_dst"]
//   "kept":   {KIND: [names]}: for each KIND listed (function, map, global, macro, or type for
//             struct/union/enum/typedef; anonymous ones are "(anonymous)"), the entities of
//             that kind the extract manifest keeps from the project's own files (origin main
//             or local) are exactly these
//   "absent": {KIND: [names]}: entities of the file that must not be kept (documents intent;
//             also checked against system-origin entities)
// The output must also pass its self-check (extract exits 0). Without the corpus the tests skip
// and say why. A key not listed here fails the case, with or without the corpus (GoldenSpec.h).
//
//===----------------------------------------------------------------------===//
#include "CorpusSupport.h"
#include "GoldenSpec.h"
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bpfcarve;
using namespace bpfcarve::corpus_test;

namespace {

const std::string Dir = BPFCARVE_SOURCE_DIR "/tests/golden/corpus";

std::vector<std::string> cases() {
  std::vector<std::string> Out;
  std::error_code EC;
  for (const auto &E : fs::directory_iterator(Dir, EC))
    if (E.path().extension() == ".json")
      Out.push_back(E.path().stem().string());
  std::sort(Out.begin(), Out.end());
  return Out;
}

/// "function:get_packet_dst@test_l4lb.c:215" -> {"function", "get_packet_dst"}.
std::pair<std::string, std::string> kindAndName(const std::string &Id) {
  size_t Colon = Id.find(':');
  size_t At = Id.rfind('@');
  if (Colon == std::string::npos)
    return {"", Id};
  return {Id.substr(0, Colon),
          Id.substr(Colon + 1, (At == std::string::npos || At < Colon ? Id.size() : At) -
                                   Colon - 1)};
}

std::string joined(const std::set<std::string> &S) {
  std::string Out;
  for (const std::string &X : S)
    Out += (Out.empty() ? "" : ", ") + X;
  return "{" + Out + "}";
}

class CorpusGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(CorpusGolden, KeptEntitiesMatchTheReading) {
  json Spec = readJson(Dir + "/" + GetParam() + ".json");
  ASSERT_TRUE(Spec.is_object()) << GetParam() << ".json unreadable";
  ASSERT_EQ(golden::corpusSpecError(Spec, Dir + "/" + GetParam() + ".json"), "");
  ASSERT_TRUE(Spec["kept"].is_object() && !Spec["kept"].empty()) << "no expectation";
  json Layout = readJson(corpusDir() + "/layout.json");
  if (!Layout.is_object())
    GTEST_SKIP() << "corpus not available at " << corpusDir()
                 << " (corpus/fetch.sh could not download linux-source-6.1)";
  const json &M = manifest();
  ASSERT_TRUE(M.is_object()) << "the corpus record (corpus/records/<release>.json) unreadable";
  std::vector<std::string> Flags;
  bool Found = false;
  for (const json &F : M["files"])
    if (F["path"] == Spec["file"]) {
      Found = true;
      Flags = fileFlags(F, Layout);
    }
  ASSERT_TRUE(Found) << Spec["file"] << " is not in the corpus record (corpus/records/<release>.json)";

  auto Tmp = toolchain::TempDir::create();
  ASSERT_TRUE(static_cast<bool>(Tmp)) << Tmp.failure().firstLine();
  std::string Out = Tmp->path() + "/out.c", Manifest = Tmp->path() + "/manifest.json";
  std::vector<std::string> Argv{BPFCARVE_BIN, "extract",
                                Layout["source_root"].get<std::string>() + "/" +
                                    Spec["file"].get<std::string>()};
  for (const json &A : Spec["args"])
    Argv.push_back(A);
  // The readings take the selftests' shared headers (test_iptnl_common.h beside progs/) as the
  // project's, as a kernel checkout's .git would; the tarball has none.
  Argv.insert(Argv.end(), {"--project-root", Layout["source_root"].get<std::string>()});
  Argv.insert(Argv.end(), {"-o", Out, "--manifest", Manifest, "--"});
  Argv.insert(Argv.end(), Flags.begin(), Flags.end());
  auto Run = toolchain::runProcess(Argv);
  ASSERT_TRUE(Run && Run->exitCode == 0) << (Run ? Run->err : "cannot run " BPFCARVE_BIN);

  json Got = readJson(Manifest);
  ASSERT_TRUE(Got.is_object() && Got["kept"].is_array()) << "no extract manifest";
  std::map<std::string, std::set<std::string>> Project, All;
  for (const json &K : Got["kept"]) {
    auto [Kind, Name] = kindAndName(K["id"]);
    // Expectations name struct, union, enum and typedef entities alike as "type".
    if (Kind == "struct" || Kind == "union" || Kind == "enum" || Kind == "typedef")
      Kind = "type";
    All[Kind].insert(Name);
    if (K["origin"] != "system")
      Project[Kind].insert(Name);
  }
  for (auto &[Kind, Names] : Spec["kept"].items()) {
    std::set<std::string> Want(Names.begin(), Names.end());
    EXPECT_EQ(joined(Project[Kind]), joined(Want))
        << GetParam() << ": kept " << Kind << "s of the project's files";
  }
  if (Spec.contains("absent"))
    for (auto &[Kind, Names] : Spec["absent"].items())
      for (const json &N : Names)
        EXPECT_EQ(All[Kind].count(N.get<std::string>()), 0u)
            << GetParam() << ": " << Kind << " " << N << " must not be kept";
}

INSTANTIATE_TEST_SUITE_P(Functionalities, CorpusGolden, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<std::string> &I) { return I.param; });

// The expectations are at least the ten functionalities issue #4 asks for, each with something
// that must be kept and something that must not.
TEST(CorpusGoldenSpecs, TenFunctionalitiesWithKeptAndAbsent) {
  std::vector<std::string> All = cases();
  EXPECT_GE(All.size(), 10u);
  for (const std::string &C : All) {
    json Spec = readJson(Dir + "/" + C + ".json");
    ASSERT_TRUE(Spec.is_object()) << C;
    EXPECT_EQ(golden::corpusSpecError(Spec, Dir + "/" + C + ".json"), "");
    size_t Kept = 0, Absent = 0;
    for (auto &[Kind, Names] : Spec["kept"].items())
      Kept += Names.size();
    for (auto &[Kind, Names] : Spec["absent"].items())
      Absent += Names.size();
    EXPECT_GT(Kept, 0u) << C;
    EXPECT_GT(Absent, 0u) << C;
    EXPECT_TRUE(Spec["functionality"].is_string() && Spec["notes"].is_string()) << C;
  }
}

} // namespace
