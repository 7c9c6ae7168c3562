//===- CorpusVerifyTest.cpp - verify on every compiling corpus file ------===//
//
// Acceptance of the verifier stage: `bpfcarve verify OBJ --format json` on the object clang-19
// compiles from each corpus file (the manifest's flags) gives, for every program, the verdict and
// failure class corpus/manifest.json records; and verify never fails a program of an object that
// bpftool loads whole (79 objects, 204 programs). One test per manifest entry, so ctest -j runs
// them in parallel. Loading needs root (CAP_BPF) and the corpus (the `corpus_fetch` fixture);
// without either the tests skip and say why. verify loads with pinning off: nothing may appear in
// /sys/fs/bpf.
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

std::vector<std::string> compilingFiles() {
  std::vector<std::string> Out;
  const json &M = manifest();
  if (M.is_object())
    for (const json &F : M["files"])
      if (F["compile"] == "ok")
        Out.push_back(F["path"]);
  return Out;
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
    for (const json &F : manifest()["files"])
      if (F["path"] == GetParam())
        Entry = F;
    ASSERT_TRUE(Entry.is_object());
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

TEST_P(CorpusVerify, VerdictsAndClassesEqualTheManifest) {
  // The object, as make-manifest.sh compiles it.
  auto Clang = toolchain::clangInstallation();
  ASSERT_TRUE(static_cast<bool>(Clang)) << Clang.failure().firstLine();
  std::vector<std::string> Argv{Clang->clang};
  Argv.insert(Argv.end(), Flags.begin(), Flags.end());
  std::string Object = Scratch + "/" + fs::path(GetParam()).stem().string() + ".o";
  Argv.insert(Argv.end(), {"-c", Source, "-o", Object});
  auto Compiled = toolchain::runProcess(Argv);
  ASSERT_TRUE(Compiled && Compiled->ok()) << (Compiled ? Compiled->err : "cannot run clang");

  auto Run = toolchain::runProcess({BPFCARVE_BIN, "verify", Object, "--format", "json"});
  ASSERT_TRUE(static_cast<bool>(Run)) << "cannot run " << BPFCARVE_BIN;
  ASSERT_TRUE(Run->exitCode == 0 || Run->exitCode == 1 || Run->exitCode == 3)
      << "verify exited " << Run->exitCode << ": " << Run->err;
  json Report = json::parse(Run->out, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(Report.is_object() && Report["programs"].is_array()) << Run->out;
  const json &Got = Report["programs"];

  if (Entry.contains("verify_object")) {
    // libbpf refuses the object: verify names the ELF's programs, each with the object's error.
    ASSERT_FALSE(Got.empty());
    for (const json &P : Got) {
      EXPECT_EQ(P["verdict"], "fail") << P.dump();
      ASSERT_TRUE(P["error"].is_object()) << P.dump();
      EXPECT_EQ(P["error"]["class"], Entry["verify_object"]["class"]) << P["error"]["message"];
    }
    EXPECT_EQ(Run->exitCode, 1);
    return;
  }

  std::vector<std::string> Names, Want;
  for (const json &P : Got)
    Names.push_back(P["name"]);
  for (const json &P : Entry["programs"])
    Want.push_back(P["name"]);
  ASSERT_EQ(Names, Want) << "verify reports other programs than libbpf reads";

  bool AnyFail = false, AnySkip = false;
  for (size_t I = 0; I < Got.size(); ++I) {
    const json &P = Got[I], &M = Entry["programs"][I];
    const std::string Name = M["name"];
    ASSERT_TRUE(M.contains("verify")) << "corpus/manifest.json has no verify verdict for " << Name;
    EXPECT_EQ(P["verdict"], M["verify"])
        << Name << ": " << (P["error"].is_object() ? P["error"]["message"].dump() : "no error");
    if (M["verify"] == "pass") {
      EXPECT_TRUE(P["error"].is_null()) << Name << ": " << P["error"].dump();
    } else if (P["error"].is_object()) {
      EXPECT_EQ(P["error"]["class"], M["verify_class"]) << Name << ": " << P["error"]["message"];
    } else {
      ADD_FAILURE() << Name << ": verdict " << P["verdict"] << " without an error";
    }
    AnyFail |= P["verdict"] == "fail";
    AnySkip |= P["verdict"] == "skipped";
    if (Entry["load_bpftool"] == "ok") {
      EXPECT_EQ(P["verdict"], "pass")
          << Name << ": bpftool loads this object whole, so the kernel accepts the program; "
          << "verify must never fail it: " << P["error"].dump();
    }
  }
  EXPECT_EQ(Run->exitCode, AnyFail ? 1 : AnySkip ? 3 : 0) << Run->err;
}

std::string testName(const ::testing::TestParamInfo<std::string> &Info) {
  std::string N = fs::path(Info.param).stem().string();
  for (char &C : N)
    if (!isalnum(static_cast<unsigned char>(C)))
      C = '_';
  return N;
}

INSTANTIATE_TEST_SUITE_P(Selftests, CorpusVerify, ::testing::ValuesIn(compilingFiles()),
                         testName);

// What the manifest records, without the kernel: the acceptance numbers hold, and every
// disagreement with bpftool is explained.
TEST(CorpusVerifyManifest, EveryProgramOfObjectsBpftoolLoadsWholePasses) {
  const json &M = manifest();
  ASSERT_TRUE(M.is_object()) << "corpus/manifest.json unreadable";
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

TEST(CorpusVerifyManifest, SummaryCountsAndDifferencesFollowFromFiles) {
  const json &M = manifest();
  ASSERT_TRUE(M.is_object()) << "corpus/manifest.json unreadable";
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

} // namespace
