//===- CorpusVerifyTest.cpp - verify on every compiling corpus file ------===//
//
// Acceptance of the verifier stage: `bpfcarve verify OBJ --format json` on the object clang-19
// compiles from each corpus file (the manifest's flags) agrees with the kernel it runs on, as
// bpftool's whole-object load of the same object in this test run shows it (the live reference,
// corpus/measure-reference.sh; the rules in checkAgainstReference), and, on the kernel a record
// was measured on (corpus/records/<release>.json), gives exactly the verdicts and classes it
// records. One test per file, so ctest -j runs them in parallel. Loading needs root (CAP_BPF)
// and the corpus (the `corpus_fetch` fixture); without either the tests skip and say why. verify
// loads with pinning off: nothing may appear in /sys/fs/bpf.
//
//===----------------------------------------------------------------------===//
#include "CorpusSupport.h"
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/Toolchain.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bpfcarve;
using namespace bpfcarve::corpus_test;

namespace {

/// The files that compile in any record (the list does not depend on the running kernel).
std::vector<std::string> compilingFiles() {
  std::set<std::string> Out;
  for (const auto &[Release, M] : allRecords())
    if (M.is_object())
      for (const json &F : M["files"])
        if (F["compile"] == "ok")
          Out.insert(F["path"].get<std::string>());
  return {Out.begin(), Out.end()};
}

/// Everything under /sys/fs/bpf, except the iterators bpf_preload puts into every bpffs.
std::set<std::string> bpffsListing() {
  std::set<std::string> Out;
  std::error_code EC;
  fs::recursive_directory_iterator It("/sys/fs/bpf",
                                      fs::directory_options::skip_permission_denied, EC);
  for (; !EC && It != fs::recursive_directory_iterator(); It.increment(EC)) {
    std::string Rel = fs::relative(It->path(), "/sys/fs/bpf").string();
    if (Rel != "maps.debug" && Rel != "progs.debug")
      Out.insert(Rel);
  }
  return Out;
}

std::string joined(const std::set<std::string> &S) {
  std::string Out;
  for (const std::string &X : S)
    Out += (Out.empty() ? "" : ", ") + X;
  return Out;
}

class CorpusVerify : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "bpfcarve verify loads programs into the kernel verifier: needs root "
                      "(CAP_BPF); not root here";
    Layout = readJson(corpusDir() + "/layout.json");
    if (!Layout.is_object())
      GTEST_SKIP() << "corpus not available at " << corpusDir()
                   << " (corpus/fetch.sh could not download linux-source-6.1)";
    Entry = fileEntry(manifest(), GetParam());
    if (!Entry.is_object() || Entry["compile"] != "ok")
      GTEST_SKIP() << GetParam() << " does not compile in " << record().path
                   << " (vmlinux.h comes from each kernel's BTF): nothing to verify";
    Flags = fileFlags(Entry, Layout);
    Source = Layout["source_root"].get<std::string>() + "/" + GetParam();
    char Tmpl[] = "/tmp/bpfcarve-corpus-verify-XXXXXX";
    ASSERT_NE(::mkdtemp(Tmpl), nullptr);
    Scratch = Tmpl;
    Before = bpffsListing();
    Checked = true;
  }
  void TearDown() override {
    if (Checked) {
      std::set<std::string> After = bpffsListing(), New;
      for (const std::string &E : After)
        if (!Before.count(E))
          New.insert(E);
      EXPECT_TRUE(New.empty()) << "new in /sys/fs/bpf during the test (verify pins nothing): "
                               << joined(New);
    }
    if (!Scratch.empty())
      fs::remove_all(Scratch);
  }

  json Layout, Entry;
  std::vector<std::string> Flags;
  std::string Source, Scratch;
  std::set<std::string> Before;
  bool Checked = false;
};

/// The binary under test; BPFCARVE_TEST_BIN replaces it (tests/corpus/wrong-verdict.sh hands
/// in one that reports a wrong verdict, to show that these tests catch it).
std::string bpfcarveBin() {
  const char *E = std::getenv("BPFCARVE_TEST_BIN");
  return E && *E ? E : BPFCARVE_BIN;
}

std::string errorOf(const json &P) {
  return P["error"].is_object() ? P["error"].dump() : std::string("no error");
}

/// verify's verdicts against the whole-object load bpftool made of the same object on this
/// kernel in this test run (Ref). libbpf loads the programs of an object in order and stops at
/// the first the kernel refuses, naming it. So: bpftool loads it whole -> every program passes;
/// bpftool stops at X -> X does not pass alone, and every program loaded before X passes; the
/// object fails before any program is loaded (open, maps, ksyms) -> not every program passes.
/// One documented exception: bpftool cannot pin a SEC("?...") program it did not load
/// (cause bpftool-autoload-off-prog), an object whose programs may all pass alone.
void checkAgainstReference(const json &Got, const json &Ref, const json &Entry) {
  const std::string Load = Ref["load_bpftool"];
  if (Load == "ok") {
    for (const json &P : Got)
      EXPECT_EQ(P["verdict"], "pass")
          << P["name"] << ": bpftool loads this object whole on this kernel, so the kernel "
          << "accepts the program; verify must never fail it: " << errorOf(P);
    return;
  }
  const std::string Cause = Ref.value("load_bpftool_cause", "");
  if (Cause == "bpftool-autoload-off-prog") {
    bool AutoloadOff = false;
    for (const json &P : Entry["programs"])
      AutoloadOff |= P.value("autoload", true) == false;
    EXPECT_TRUE(AutoloadOff) << "bpftool cannot pin a program it did not load, but no program of "
                                "this object has autoload off (SEC(\"?...\"))";
    return;
  }
  if (Ref.contains("failed_program")) {
    const std::string X = Ref["failed_program"];
    bool Before = true, Found = false;
    for (const json &P : Got) {
      if (P["name"] == X) {
        Found = true, Before = false;
        EXPECT_NE(P["verdict"], "pass")
            << X << ": bpftool's whole-object load stops at it (" << Cause << ", errno "
            << Ref.value("errno", 0) << ") on this kernel, verify passes it alone";
        continue;
      }
      json M = programEntry(manifest(), Entry["path"], P["name"]);
      if (Before && (!M.is_object() || M.value("autoload", true)))
        EXPECT_EQ(P["verdict"], "pass")
            << P["name"] << ": loaded in bpftool's whole-object load before " << X
            << " on this kernel, so the kernel accepts it; verify must not fail it: "
            << errorOf(P);
    }
    EXPECT_TRUE(Found) << "bpftool stopped at " << X << ", a program verify does not report";
    return;
  }
  bool AllPass = !Got.empty();
  for (const json &P : Got)
    AllPass &= P["verdict"] == "pass";
  EXPECT_FALSE(AllPass) << "bpftool fails this object before loading a program (" << Cause
                        << ") on this kernel, verify passes every program";
}

TEST_P(CorpusVerify, VerdictsAgreeWithTheKernel) {
  // The object, as make-manifest.sh compiles it.
  auto Clang = toolchain::clangInstallation();
  ASSERT_TRUE(static_cast<bool>(Clang)) << Clang.failure().firstLine();
  std::vector<std::string> Argv{Clang->clang};
  Argv.insert(Argv.end(), Flags.begin(), Flags.end());
  std::string Object = Scratch + "/" + fs::path(GetParam()).stem().string() + ".o";
  Argv.insert(Argv.end(), {"-c", Source, "-o", Object});
  auto Compiled = toolchain::runProcess(Argv);
  ASSERT_TRUE(Compiled && Compiled->ok()) << (Compiled ? Compiled->err : "cannot run clang");

  auto Run = toolchain::runProcess({bpfcarveBin(), "verify", Object, "--format", "json"});
  ASSERT_TRUE(static_cast<bool>(Run)) << "cannot run " << bpfcarveBin();
  ASSERT_TRUE(Run->exitCode == 0 || Run->exitCode == 1 || Run->exitCode == 3)
      << "verify exited " << Run->exitCode << ": " << Run->err;
  json Report = json::parse(Run->out, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(Report.is_object() && Report["programs"].is_array()) << Run->out;
  const json &Got = Report["programs"];
  bool AnyFail = false, AnySkip = false;
  for (const json &P : Got) {
    AnyFail |= P["verdict"] == "fail";
    AnySkip |= P["verdict"] == "skipped";
    if (P["verdict"] != "pass")
      EXPECT_TRUE(P["error"].is_object()) << P["name"] << ": verdict " << P["verdict"]
                                          << " without an error";
  }
  EXPECT_EQ(Run->exitCode, AnyFail ? 1 : AnySkip ? 3 : 0) << Run->err;

  // 1. The kernel, now: the same object loaded whole by bpftool in this test run.
  std::string Why;
  json Ref = reference(GetParam(), &Why);
  ASSERT_TRUE(Ref.is_object()) << Why;
  ASSERT_EQ(Ref.value("compile", "ok"), "ok") << Ref.dump();
  checkAgainstReference(Got, Ref, Entry);

  // 2. The record: verify reports the programs libbpf reads (no kernel in that), and, on the
  // kernel the record was measured on, exactly its verdicts and classes.
  if (Entry.contains("verify_object")) {
    // libbpf refuses the object: verify names the ELF's programs, each with the object's error.
    ASSERT_FALSE(Got.empty());
    for (const json &P : Got) {
      EXPECT_EQ(P["verdict"], "fail") << P.dump();
      ASSERT_TRUE(P["error"].is_object()) << P.dump();
      EXPECT_EQ(P["error"]["class"], Entry["verify_object"]["class"]) << P["error"]["message"];
    }
    return;
  }
  std::vector<std::string> Names, Want;
  for (const json &P : Got)
    Names.push_back(P["name"]);
  for (const json &P : Entry["programs"])
    Want.push_back(P["name"]);
  ASSERT_EQ(Names, Want) << "verify reports other programs than libbpf reads";
  if (exactRecord())
    EXPECT_EQ(Ref["load_bpftool"], Entry["load_bpftool"])
        << "bpftool's whole-object load differs from this kernel's record: the record is stale";
  for (size_t I = 0; I < Got.size(); ++I) {
    const json &P = Got[I], &M = Entry["programs"][I];
    const std::string Name = M["name"];
    ASSERT_TRUE(M.contains("verify")) << record().path << " has no verify verdict for " << Name;
    std::string Class = P["error"].is_object() ? P["error"]["class"].get<std::string>() : "";
    if (!exactRecord()) {
      changedFromRecord(GetParam() + " " + Name, record().release,
                        M["verify"].get<std::string>() + " " + M.value("verify_class", ""),
                        P["verdict"].get<std::string>() + " " + Class);
      continue;
    }
    EXPECT_EQ(P["verdict"], M["verify"]) << Name << ": " << errorOf(P);
    if (M["verify"] == "pass")
      EXPECT_TRUE(P["error"].is_null()) << Name << ": " << P["error"].dump();
    else if (P["error"].is_object())
      EXPECT_EQ(Class, M["verify_class"].get<std::string>()) << Name << ": " << P["error"]["message"];
  }
}

std::string testName(const ::testing::TestParamInfo<std::string> &Info) {
  std::string N = fs::path(Info.param).stem().string();
  for (char &C : N)
    if (!isalnum(static_cast<unsigned char>(C)))
      C = '_';
  return N;
}

INSTANTIATE_TEST_SUITE_P(Selftests, CorpusVerify, ::testing::ValuesIn(casesToRun(compilingFiles())),
                         testName);

// What the manifest records, without the kernel: the acceptance numbers hold, and every
// disagreement with bpftool is explained.
TEST(CorpusVerifyManifest, EveryProgramOfObjectsBpftoolLoadsWholePasses) {
  ASSERT_FALSE(allRecords().empty()) << "no record in " << recordsDir();
  for (const auto &[Release, M] : allRecords()) {
    SCOPED_TRACE("record " + Release);
    ASSERT_TRUE(M.is_object()) << Release << ": unreadable";
    size_t Objects = 0, Programs = 0;
    for (const json &F : M["files"]) {
      if (F.value("load_bpftool", "") != "ok")
        continue;
      ++Objects;
      EXPECT_FALSE(F.contains("verify_vs_bpftool")) << F["path"] << ": " << F["verify_vs_bpftool"];
      for (const json &P : F["programs"]) {
        ++Programs;
        EXPECT_EQ(P.value("verify", ""), "pass")
            << F["path"] << " " << P["name"] << ": " << P.value("verify_message", "");
      }
    }
    const json &S = M["summary"];
    EXPECT_EQ(Objects, S["load_bpftool_ok"].get<size_t>());
    EXPECT_EQ(Programs, S["programs_in_loading_objects"].get<size_t>());
    EXPECT_EQ(Programs, S["verify_pass_in_loading_objects"].get<size_t>());
    EXPECT_EQ(S["verify_fail_in_loading_objects"], 0);
    EXPECT_EQ(S["verify_skipped_in_loading_objects"], 0);
  }
}

TEST(CorpusVerifyManifest, SummaryCountsAndDifferencesFollowFromFiles) {
  ASSERT_FALSE(allRecords().empty()) << "no record in " << recordsDir();
  for (const auto &[Release, M] : allRecords()) {
    SCOPED_TRACE("record " + Release);
    ASSERT_TRUE(M.is_object()) << Release << ": unreadable";
    std::map<std::string, size_t> Verdicts, Classes;
    size_t Programs = 0, Objects = 0, Differ = 0;
    for (const json &F : M["files"]) {
      Objects += F.contains("verify_object");
      Differ += F.contains("verify_vs_bpftool");
      bool AnyPassOrSkip = false;
      for (const json &P : F["programs"]) {
        ++Programs;
        ++Verdicts[P.value("verify", "")];
        if (P.contains("verify_class"))
          ++Classes[P["verify_class"]];
        AnyPassOrSkip |= P.value("verify", "") != "fail";
      }
      // bpftool fails the object while some program loads alone (or is skipped): explained.
      if (F.value("load_bpftool", "") == "fail" && AnyPassOrSkip)
        EXPECT_TRUE(F.contains("verify_vs_bpftool")) << F["path"];
    }
    const json &S = M["summary"];
    EXPECT_EQ(Programs, S["programs"].get<size_t>());
    EXPECT_EQ(Verdicts["pass"], S["verify_pass"].get<size_t>());
    EXPECT_EQ(Verdicts["fail"], S["verify_fail"].get<size_t>());
    EXPECT_EQ(Verdicts["skipped"], S["verify_skipped"].get<size_t>());
    EXPECT_EQ(Verdicts[""], 0u) << "programs without a verify verdict";
    EXPECT_EQ(Objects, S["verify_object_fail"].get<size_t>());
    EXPECT_EQ(Differ, S["verify_differs_from_bpftool"].get<size_t>());
    std::map<std::string, size_t> SummaryClasses;
    for (auto &[K, V] : S["verify_classes"].items())
      SummaryClasses[K] = V.get<size_t>();
    EXPECT_EQ(Classes, SummaryClasses);
  }
}

} // namespace
