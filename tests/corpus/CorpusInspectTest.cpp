//===- CorpusInspectTest.cpp - inspect on every compiling corpus file -----===//
//
// Acceptance of the foundation: `inspect` succeeds on every corpus file that compiles, and its
// program list (names, sections, autoload) equals what libbpf reads from the object clang-19
// compiles from the same file with the same flags. One test per manifest entry, so ctest -j runs
// them in parallel. The corpus is downloaded by corpus/fetch.sh (the `corpus_fetch` fixture);
// without it every test here skips and says why.
//
//===----------------------------------------------------------------------===//
#include "CorpusSupport.h"
#include "bpfcarve/extractor/Frontend.h"
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/Toolchain.h"

#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdarg>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <tuple>

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

using ProgramKey = std::tuple<std::string, std::string, bool>; // name, section, autoload

int quiet(enum libbpf_print_level, const char *, va_list) { return 0; }

/// What libbpf 1.1 makes of the object: empty optional when it refuses to open it.
std::optional<std::set<ProgramKey>> libbpfPrograms(const std::string &Object) {
  libbpf_print_fn_t Old = libbpf_set_print(quiet);
  bpf_object *Obj = bpf_object__open_file(Object.c_str(), nullptr);
  libbpf_set_print(Old);
  if (!Obj)
    return std::nullopt;
  std::set<ProgramKey> Out;
  bpf_program *P;
  bpf_object__for_each_program(P, Obj)
    Out.emplace(bpf_program__name(P), bpf_program__section_name(P), bpf_program__autoload(P));
  bpf_object__close(Obj);
  return Out;
}

class CorpusInspect : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override {
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
    char Tmpl[] = "/tmp/bpfcarve-corpus-XXXXXX";
    ASSERT_NE(::mkdtemp(Tmpl), nullptr);
    Scratch = Tmpl;
  }
  void TearDown() override {
    if (!Scratch.empty())
      fs::remove_all(Scratch);
  }

  json Layout, Entry;
  std::vector<std::string> Flags;
  std::string Source, Scratch;
};

TEST_P(CorpusInspect, ProgramsEqualLibbpfs) {
  // inspect, in process, with the manifest's flags
  extractor::ParseOptions O;
  O.file = Source;
  O.flags = Flags;
  auto Model = extractor::buildProgramModel(O);
  ASSERT_TRUE(static_cast<bool>(Model)) << Model.failure().firstLine() << "\n"
                                        << Model.failure().details;
  std::set<ProgramKey> FromModel;
  for (const extractor::Program &P : Model->programs)
    FromModel.emplace(P.name, P.section, P.autoload);

  // the object clang-19 makes of the same file, as libbpf reads it
  auto Clang = toolchain::clangInstallation();
  ASSERT_TRUE(static_cast<bool>(Clang)) << Clang.failure().firstLine();
  std::vector<std::string> Argv{Clang->clang};
  Argv.insert(Argv.end(), Flags.begin(), Flags.end());
  std::string Object = Scratch + "/prog.o";
  Argv.insert(Argv.end(), {"-c", Source, "-o", Object});
  auto Compiled = toolchain::runProcess(Argv);
  ASSERT_TRUE(Compiled && Compiled->ok()) << (Compiled ? Compiled->err : "cannot run clang");

  auto FromLibbpf = libbpfPrograms(Object);
  if (Entry.contains("libbpf_open_error")) {
    // libbpf 1.1 refuses the whole object (e.g. a legacy SEC("maps") section); the model still
    // lists the SEC() functions the source defines.
    EXPECT_FALSE(FromLibbpf.has_value()) << "manifest says libbpf cannot open it";
    EXPECT_FALSE(FromModel.empty());
    return;
  }
  ASSERT_TRUE(FromLibbpf.has_value()) << "libbpf cannot open " << Object;
  EXPECT_EQ(FromModel, *FromLibbpf);

  // the manifest records the same list (it is the denominator of later acceptance tests)
  std::set<ProgramKey> FromManifest;
  for (const json &P : Entry["programs"])
    FromManifest.emplace(P["name"], P["section"], P.value("autoload", true));
  EXPECT_EQ(FromManifest, *FromLibbpf) << "the corpus record (corpus/records/<release>.json) is stale for " << GetParam();
}

std::string testName(const ::testing::TestParamInfo<std::string> &Info) {
  std::string N = fs::path(Info.param).stem().string();
  for (char &C : N)
    if (!isalnum(static_cast<unsigned char>(C)))
      C = '_';
  return N;
}

INSTANTIATE_TEST_SUITE_P(Selftests, CorpusInspect, ::testing::ValuesIn(casesToRun(compilingFiles())),
                         testName);

TEST(CorpusManifest, CountsMatchTheMeasurement) {
  const json &M = manifest();
  ASSERT_TRUE(M.is_object()) << "the corpus record (corpus/records/<release>.json) unreadable";
  size_t Files = 0, Compiled = 0;
  for (const json &F : M["files"]) {
    ++Files;
    Compiled += F["compile"] == "ok";
  }
  EXPECT_EQ(Files, M["summary"]["files"].get<size_t>());
  EXPECT_EQ(Compiled, M["summary"]["compile_ok"].get<size_t>());
  EXPECT_EQ(Compiled, compilingFiles().size());
}

} // namespace
