//===- CorpusExtractTest.cpp - extract --program on every loading corpus program ===//
//
// Acceptance of the extractor on third-party code: for every program P some record measured
// (those of the objects its kernel loads whole: 204 on 6.18.44-fc-v445), `bpfcarve extract SRC
// --program P` gives the outcome the record holds (corpus/measure-extract.sh), and `bpfcarve
// verify SLICE --program P` judges the slice as the kernel running now judges the original
// (compiled with the same flags, verified alone): the same verdict and class, the same xlated
// size or a recorded exception's difference. On the record's own kernel the slice's verdict,
// class and an exception's sizes equal the record's; on another, changes are printed. Minimality: clang-19 -Wunused-function
// -Wunused-variable reports nothing located in the slice beyond what
// corpus/minimality-inherent.tsv names (the original warns the same). A regression fails here,
// and so does a fixed exception until the manifest is measured again. One test per program, so
// ctest -j runs them in parallel. Loading needs root (CAP_BPF) and the corpus (the
// `corpus_fetch` fixture); without either the tests skip and say why.
//
//===----------------------------------------------------------------------===//
#include "CorpusSupport.h"
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/Toolchain.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bpfcarve;
using namespace bpfcarve::corpus_test;

namespace {

struct ProgramCase {
  std::string path, name; ///< manifest file path, program name
};

void PrintTo(const ProgramCase &C, std::ostream *OS) { *OS << C.path << " " << C.name; }

/// The programs some record measured (those of the objects its kernel loads whole), in the
/// order of the newest record that has them.
std::vector<ProgramCase> measuredPrograms() {
  std::vector<ProgramCase> Out;
  std::set<std::pair<std::string, std::string>> Seen;
  for (auto R = allRecords().rbegin(); R != allRecords().rend(); ++R)
    if (R->second.is_object())
      for (const json &F : R->second["files"])
        for (const json &P : F["programs"])
          if (P.contains("extract") && Seen.emplace(F["path"], P["name"]).second)
            Out.push_back({F["path"], P["name"]});
  return Out;
}


class CorpusExtract : public ::testing::TestWithParam<ProgramCase> {
protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "the slice and the original are loaded into the kernel verifier: needs "
                      "root (CAP_BPF); not root here";
    Layout = readJson(corpusDir() + "/layout.json");
    if (!Layout.is_object())
      GTEST_SKIP() << "corpus not available at " << corpusDir()
                   << " (corpus/fetch.sh could not download linux-source-6.1)";
    Rec = recordedOutcome(GetParam().path, GetParam().name, "extract");
    ASSERT_TRUE(Rec.program.is_object()) << "no record has an extract outcome for "
                                         << GetParam().name << " (run corpus/measure-extract.sh)";
    Entry = Rec.program;
    Flags = fileFlags(Rec.file, Layout);
    Source = Layout["source_root"].get<std::string>() + "/" + GetParam().path;
    char Tmpl[] = "/tmp/bpfcarve-corpus-extract-XXXXXX";
    ASSERT_NE(::mkdtemp(Tmpl), nullptr);
    Scratch = Tmpl;
  }
  void TearDown() override {
    if (!Scratch.empty())
      fs::remove_all(Scratch);
  }

  /// verify's report for the one program, or a failure.
  json verifyReport(std::vector<std::string> Args) {
    Args.insert(Args.begin(), {BPFCARVE_BIN, "verify", "--format", "json"});
    auto Run = toolchain::runProcess(Args);
    if (!Run || !(Run->exitCode == 0 || Run->exitCode == 1 || Run->exitCode == 3)) {
      ADD_FAILURE() << "verify " << Args[4] << " exited " << (Run ? Run->exitCode : -1) << ": "
                    << (Run ? Run->err : "cannot run " BPFCARVE_BIN);
      return nullptr;
    }
    json Report = json::parse(Run->out, nullptr, /*allow_exceptions=*/false);
    if (!Report.is_object() || !Report["programs"].is_array() || Report["programs"].size() != 1 ||
        Report["programs"][0]["name"] != GetParam().name) {
      ADD_FAILURE() << "verify " << Args[4] << ": want one report for " << GetParam().name << ": "
                    << Run->out;
      return nullptr;
    }
    return Report["programs"][0];
  }

  /// `unused variable 'x'` / `unused function 'f'` warnings clang-19 gives under the file's
  /// flags: located in File itself, or with OrProject, also in the project files it includes
  /// (test_sk_assign_libbpf.c #includes test_sk_assign.c), never in system headers.
  std::set<std::string> unusedWarnings(const std::string &File, bool OrProject = false) {
    auto Clang = toolchain::clangInstallation();
    if (!Clang) {
      ADD_FAILURE() << Clang.failure().firstLine();
      return {};
    }
    std::vector<std::string> Cc{Clang->clang};
    Cc.insert(Cc.end(), Flags.begin(), Flags.end());
    Cc.insert(Cc.end(), {"-fsyntax-only", "-Wunused-function", "-Wunused-variable",
                         "-fno-color-diagnostics", File});
    auto Run = toolchain::runProcess(Cc);
    if (!Run || !Run->ok()) {
      ADD_FAILURE() << "clang-19 -fsyntax-only " << File << ": "
                    << (Run ? Run->err : "cannot run clang");
      return {};
    }
    std::set<std::string> Out;
    std::regex Warning("^(.*):[0-9]+:[0-9]+: warning: (unused (variable|function) '[^']*')");
    std::stringstream SS(Run->err);
    for (std::string L; std::getline(SS, L);)
      if (std::smatch W; std::regex_search(L, W, Warning) &&
                         (W[1] == File || (OrProject && isProjectFile(W[1]))))
        Out.insert(W[2]);
    return Out;
  }
  /// A file of the corpus sources (under the source root), not of the include dir or /usr.
  bool isProjectFile(const std::string &Path) const {
    std::string Root = Layout["source_root"].get<std::string>() + "/";
    return Path.rfind(Root, 0) == 0;
  }
  /// Minimality: the slice declares nothing unused, except what the original itself leaves
  /// unused in kept code (the same warning for the original file), which
  /// corpus/minimality-inherent.tsv names with its reason.
  void checkMinimal(const std::string &Slice) {
    std::set<std::string> Got = unusedWarnings(Slice), Recorded;
    std::ifstream In(BPFCARVE_SOURCE_DIR "/corpus/minimality-inherent.tsv");
    std::string File = fs::path(GetParam().path).filename().string();
    for (std::string L; std::getline(In, L);) {
      std::vector<std::string> C;
      std::stringstream SS(L);
      for (std::string Col; std::getline(SS, Col, '\t');)
        C.push_back(Col);
      if (C.size() == 4 && C[0] == File && C[1] == GetParam().name)
        Recorded.insert(C[2]);
    }
    for (const std::string &W : Got)
      EXPECT_EQ(Recorded.count(W), 1u)
          << "the slice keeps something unused: " << W
          << " (fix the slicer, or, when the original warns the same, name it in "
             "corpus/minimality-inherent.tsv)";
    for (const std::string &W : Recorded)
      EXPECT_EQ(Got.count(W), 1u) << "recorded in corpus/minimality-inherent.tsv but the slice "
                                     "no longer warns: "
                                  << W;
    if (!Recorded.empty()) {
      std::set<std::string> Original = unusedWarnings(Source, /*OrProject=*/true);
      for (const std::string &W : Recorded)
        EXPECT_EQ(Original.count(W), 1u)
            << "corpus/minimality-inherent.tsv names " << W
            << " as inherent, but the original file does not warn so";
    }
  }

  json Layout, Entry;
  Recorded Rec;
  std::vector<std::string> Flags;
  std::string Source, Scratch;
};

TEST_P(CorpusExtract, OutcomeEqualsTheManifest) {
  const std::string &Name = GetParam().name;
  // The slice. A failed self-check keeps the output in a temp dir: TMPDIR puts it in Scratch.
  std::string Slice = Scratch + "/" + Name + ".c";
  std::vector<std::string> Argv{
      "env", "TMPDIR=" + Scratch, BPFCARVE_BIN, "extract", Source, "--program", Name, "-o", Slice,
      "--"};
  Argv.insert(Argv.end(), Flags.begin(), Flags.end());
  auto Extracted = toolchain::runProcess(Argv);
  ASSERT_TRUE(static_cast<bool>(Extracted)) << "cannot run " << BPFCARVE_BIN;
  if (Entry["extract"] == "fail") {
    EXPECT_NE(Extracted->exitCode, 0) << "extract now succeeds: measure again "
                                         "(corpus/measure-extract.sh) and drop the cause from "
                                         "corpus/extract-causes.tsv";
    EXPECT_EQ(recordedMessage(firstLine(Extracted->err), Layout, 160, Scratch), Entry["extract_error"].get<std::string>());
    return;
  }
  ASSERT_EQ(Extracted->exitCode, 0) << firstLine(Extracted->err);
  checkMinimal(Slice);

  std::vector<std::string> SliceArgs{Slice, "--program", Name, "--"};
  SliceArgs.insert(SliceArgs.end(), Flags.begin(), Flags.end());
  json Got = verifyReport(SliceArgs);
  ASSERT_TRUE(Got.is_object());

  // The original, as measure-extract.sh compiles it, verified alone on this kernel: the slice
  // is the same program, so the kernel judges both alike.
  auto Clang = toolchain::clangInstallation();
  ASSERT_TRUE(static_cast<bool>(Clang)) << Clang.failure().firstLine();
  std::string Object = Scratch + "/original.o";
  std::vector<std::string> Cc{Clang->clang};
  Cc.insert(Cc.end(), Flags.begin(), Flags.end());
  Cc.insert(Cc.end(), {"-c", Source, "-o", Object});
  auto Compiled = toolchain::runProcess(Cc);
  ASSERT_TRUE(Compiled && Compiled->ok()) << (Compiled ? Compiled->err : "cannot run clang");
  json Orig = verifyReport({Object, "--program", Name});
  ASSERT_TRUE(Orig.is_object());
  auto ClassOf = [](const json &R) {
    return R["error"].is_object() ? R["error"]["class"].get<std::string>() : std::string();
  };
  EXPECT_EQ(Got["verdict"], Orig["verdict"])
      << "the slice and its original are judged differently on this kernel: slice "
      << Got["error"].dump() << ", original " << Orig["error"].dump();
  if (Got["verdict"] != "pass" && Orig["verdict"] != "pass")
    EXPECT_EQ(ClassOf(Got), ClassOf(Orig)) << Got["error"]["message"];

  // The record: on its own kernel, exactly; measured on another, what changed is printed.
  if (Rec.exact) {
    EXPECT_EQ(Got["verdict"], Entry["extract_verify"])
        << (Got["error"].is_object() ? Got["error"].dump() : "no error");
    if (Entry["extract_verify"] != "pass" && Got["error"].is_object())
      EXPECT_EQ(ClassOf(Got), Entry["extract_verify_class"].get<std::string>()) << Got["error"]["message"];
  } else {
    changedFromRecord(GetParam().path + " " + Name + " (slice)", Rec.release,
                      Entry["extract_verify"].get<std::string>() + " " +
                          Entry.value("extract_verify_class", ""),
                      Got["verdict"].get<std::string>() + " " + ClassOf(Got));
  }
  if (Got["verdict"] != "pass" || Orig["verdict"] != "pass")
    return;

  // xlated sizes: equal, or an exception whose cause (corpus/extract-causes.tsv) is the slice's
  // own compilation, which makes them differ on every kernel.
  unsigned SliceSize = Got["xlated_insns"], OrigSize = Orig["xlated_insns"];
  if (Entry["extract_xlated"] == "equal") {
    EXPECT_EQ(SliceSize, OrigSize) << "the slice's xlated size differs from the original's";
    return;
  }
  EXPECT_NE(SliceSize, OrigSize) << "xlated sizes are equal now: measure again "
                                    "(corpus/measure-extract.sh) and drop the cause from "
                                    "corpus/extract-causes.tsv";
  std::string Want = std::to_string(Entry["extract_xlated_slice"].get<unsigned>()) + " vs " +
                     std::to_string(Entry["extract_xlated_original"].get<unsigned>());
  std::string Now = std::to_string(SliceSize) + " vs " + std::to_string(OrigSize);
  if (Rec.exact)
    EXPECT_EQ(Now, Want) << "slice vs original xlated sizes";
  else
    changedFromRecord(GetParam().path + " " + Name + " xlated slice vs original", Rec.release,
                      Want, Now);
}

std::string testName(const ::testing::TestParamInfo<ProgramCase> &Info) {
  std::string N = fs::path(Info.param.path).stem().string() + "__" + Info.param.name;
  for (char &C : N)
    if (!isalnum(static_cast<unsigned char>(C)))
      C = '_';
  return N;
}

INSTANTIATE_TEST_SUITE_P(Selftests, CorpusExtract, ::testing::ValuesIn(casesToRun(measuredPrograms())),
                         testName);

// What the manifest records, without the kernel: every measured program has an outcome, every
// program that is not fully ok has its cause, and the summary counts follow from the programs.
TEST(CorpusExtractManifest, ExceptionsAreExplainedAndCounted) {
  ASSERT_FALSE(allRecords().empty()) << "no record in " << recordsDir();
  for (const auto &[Release, M] : allRecords()) {
    SCOPED_TRACE("record " + Release);
    ASSERT_TRUE(M.is_object()) << Release << ": unreadable";
    size_t Programs = 0, Ok = 0, VerifyPass = 0, XlatedEqual = 0, Exceptions = 0;
    for (const json &F : M["files"]) {
      bool Measured = F.value("load_bpftool", "") == "ok";
      for (const json &P : F["programs"]) {
        std::string Where = F["path"].get<std::string>() + " " + P["name"].get<std::string>();
        if (!Measured) {
          EXPECT_FALSE(P.contains("extract")) << Where << ": only loading objects are measured";
          continue;
        }
        ++Programs;
        ASSERT_TRUE(P.contains("extract")) << Where << ": no extract outcome";
        Ok += P["extract"] == "ok";
        VerifyPass += P.value("extract_verify", "") == "pass";
        bool FullyOk = P.value("extract_xlated", "") == "equal";
        XlatedEqual += FullyOk;
        Exceptions += P.contains("extract_exception");
        EXPECT_EQ(P.contains("extract_exception"), !FullyOk)
            << Where << ": a program that is not fully ok has a cause, and only such a program";
        if (P.contains("extract_exception"))
          EXPECT_NE(P["extract_exception"].get<std::string>().rfind("unexplained", 0), 0u)
              << Where << ": " << P["extract_exception"]
              << " - investigate and name the cause in corpus/extract-causes.tsv";
      }
    }
    const json &S = M["summary"];
    EXPECT_EQ(Programs, S["programs_in_loading_objects"].get<size_t>());
    EXPECT_EQ(Programs, S["extract_programs"].get<size_t>());
    EXPECT_EQ(Ok, S["extract_ok"].get<size_t>());
    EXPECT_EQ(VerifyPass, S["extract_verify_pass"].get<size_t>());
    EXPECT_EQ(XlatedEqual, S["extract_xlated_equal"].get<size_t>());
    EXPECT_EQ(Exceptions, S["extract_exceptions"].get<size_t>());
    EXPECT_EQ(Exceptions, Programs - XlatedEqual);
  }
}

// corpus/minimality-inherent.tsv, without the kernel: each line names a measured program, one
// warning and its reason; the count of inherent warnings is what docs/extract.md reports.
TEST(CorpusExtractManifest, InherentUnusedWarningsNameMeasuredPrograms) {
  std::set<std::pair<std::string, std::string>> Measured;
  for (const ProgramCase &C : measuredPrograms())
    Measured.emplace(fs::path(C.path).filename().string(), C.name);
  ASSERT_FALSE(Measured.empty()) << "the corpus record (corpus/records/<release>.json) unreadable";
  std::ifstream In(BPFCARVE_SOURCE_DIR "/corpus/minimality-inherent.tsv");
  ASSERT_TRUE(In.good()) << "corpus/minimality-inherent.tsv missing";
  std::set<std::pair<std::string, std::string>> Programs;
  size_t Warnings = 0;
  for (std::string L; std::getline(In, L);) {
    if (L.empty() || L[0] == '#')
      continue;
    std::vector<std::string> C;
    std::stringstream SS(L);
    for (std::string Col; std::getline(SS, Col, '\t');)
      C.push_back(Col);
    ASSERT_EQ(C.size(), 4u) << L;
    EXPECT_EQ(Measured.count({C[0], C[1]}), 1u) << L;
    EXPECT_TRUE(std::regex_match(C[2], std::regex("unused (variable|function) '[^']+'"))) << L;
    EXPECT_FALSE(C[3].empty()) << L;
    Programs.emplace(C[0], C[1]);
    ++Warnings;
  }
  std::cout << "inherent unused warnings: " << Warnings << " in " << Programs.size() << " of "
            << Measured.size() << " programs\n";
}

} // namespace
