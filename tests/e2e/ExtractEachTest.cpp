//===- ExtractEachTest.cpp - one parse, many slices -----------------------===//
//
// `extract --each-function`, `--each-program` and `--function F1,F2 --each` slice many
// selections from one parse. Each output must be the file a one-at-a-time `extract` writes
// (byte for byte, manifest included); a selection that fails writes nothing and is reported
// while the others are written; the exit code is the strongest.
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

using nlohmann::json;
using namespace bpfcarve;
namespace fs = std::filesystem;

namespace {

const std::string Balancer = BPFCARVE_SOURCE_DIR "/bpf-samples/l4lb/balancer.bpf.c";

/// bpfcarve with Args; Env ("NAME=value"), when given, set for it.
toolchain::ProcessResult run(std::vector<std::string> Args, const std::string &Env = "") {
  Args.insert(Args.begin(), BPFCARVE_BIN);
  if (!Env.empty())
    Args.insert(Args.begin(), {"env", Env});
  auto R = toolchain::runProcess(Args);
  EXPECT_TRUE(static_cast<bool>(R));
  return R ? *R : toolchain::ProcessResult{};
}

std::string slurp(const std::string &Path) {
  std::ifstream F(Path, std::ios::binary);
  std::stringstream SS;
  SS << F.rdbuf();
  return SS.str();
}

/// The own functions of the file that are not programs, in the model's order (what
/// --each-function selects), from inspect's JSON.
std::vector<std::string> ownNonEntryFunctions(const std::string &File) {
  auto I = run({"inspect", File, "--format", "json"});
  EXPECT_EQ(I.exitCode, 0) << I.err;
  json M = json::parse(I.out, nullptr, false);
  std::set<std::string> Entries;
  for (const json &P : M["programs"])
    Entries.insert(P["function"].get<std::string>());
  std::vector<std::string> Names;
  for (const json &F : M["functions"])
    if (F["origin"] != "system" && F["definition"].get<bool>() &&
        !Entries.count(F["id"].get<std::string>()))
      Names.push_back(F["name"]);
  return Names;
}

TEST(ExtractEach, EveryFunctionFromOneParseIsTheOneAtATimeOutput) {
  auto T = toolchain::TempDir::create("bpfcarve-each");
  ASSERT_TRUE(static_cast<bool>(T));
  const std::string Dir = T->path() + "/parts";
  auto E = run({"extract", Balancer, "--each-function", "--harness", "xdp", "-o", Dir,
                "--manifest", "--format", "json"});
  json S = json::parse(E.out, nullptr, false);
  ASSERT_TRUE(S.is_object() && S["outputs"].is_array()) << E.out << E.err;
  std::vector<std::string> Expected = ownNonEntryFunctions(Balancer);
  ASSERT_GE(Expected.size(), 10u);
  std::vector<std::string> Selected;
  int Strongest = 0;
  for (const json &O : S["outputs"]) {
    Selected.push_back(O["selection"]);
    Strongest = std::max(Strongest, O["exit_code"].get<int>());
  }
  EXPECT_EQ(Selected, Expected);
  EXPECT_EQ(E.exitCode, Strongest) << E.err;

  // Each output, then the same selection extracted alone to the same path: the same bytes, the
  // same manifest, the same exit code and first error line.
  size_t Written = 0;
  for (const json &O : S["outputs"]) {
    const std::string Name = O["selection"];
    const std::string Out = Dir + "/" + Name + ".c", Manifest = Dir + "/" + Name + ".manifest.json";
    const int Code = O["exit_code"];
    EXPECT_EQ(fs::exists(Out), Code == 0) << Name;
    EXPECT_EQ(fs::exists(Manifest), Code == 0) << Name;
    std::string Text = slurp(Out), Kept = slurp(Manifest);
    fs::remove(Out);
    fs::remove(Manifest);
    auto One = run({"extract", Balancer, "--function", Name, "--harness", "xdp", "-o", Out,
                    "--manifest", Manifest});
    EXPECT_EQ(One.exitCode, Code) << Name << ": " << One.err;
    if (Code != 0) {
      EXPECT_EQ(One.err.substr(0, One.err.find('\n')), O["error"].get<std::string>()) << Name;
      continue;
    }
    ++Written;
    EXPECT_EQ(slurp(Out), Text) << Name << ": --each wrote another file";
    EXPECT_EQ(slurp(Manifest), Kept) << Name << ": --each wrote another manifest";
  }
  // Most of the sample's functions carve with an xdp harness (two take a map as void *).
  EXPECT_GE(Written, Expected.size() - 2) << E.err;
}

TEST(ExtractEach, AFailingSelectionWritesNothingAndTheOthersAreWritten) {
  auto T = toolchain::TempDir::create("bpfcarve-each");
  ASSERT_TRUE(static_cast<bool>(T));
  std::vector<std::string> Functions = ownNonEntryFunctions(Balancer);
  ASSERT_GE(Functions.size(), 2u);
  const std::string Dir = T->path() + "/parts";
  auto E = run({"extract", Balancer, "--function",
                Functions[0] + ",no_such_function," + Functions[1], "--each", "-o", Dir});
  EXPECT_EQ(E.exitCode, 2) << E.err;
  EXPECT_NE(E.err.find("error: no function 'no_such_function'"), std::string::npos) << E.err;
  EXPECT_TRUE(fs::exists(Dir + "/" + Functions[0] + ".c"));
  EXPECT_TRUE(fs::exists(Dir + "/" + Functions[1] + ".c"));
  EXPECT_FALSE(fs::exists(Dir + "/no_such_function.c"));
  EXPECT_NE(E.out.find("no_such_function: failed (exit 2)"), std::string::npos) << E.out;
  EXPECT_NE(E.out.find("2 of 3 written to " + Dir), std::string::npos) << E.out;
  // Nothing else was written: no manifest without --manifest, no temporary file.
  size_t Files = 0;
  for (const auto &F : fs::directory_iterator(Dir)) {
    (void)F;
    ++Files;
  }
  EXPECT_EQ(Files, 2u);
}

TEST(ExtractEach, EveryProgramByNameOrSection) {
  auto T = toolchain::TempDir::create("bpfcarve-each");
  ASSERT_TRUE(static_cast<bool>(T));
  const std::string Dir = T->path() + "/programs";
  auto E = run({"extract", Balancer, "--each-program", "-o", Dir, "--format", "json"});
  ASSERT_EQ(E.exitCode, 0) << E.err;
  json S = json::parse(E.out);
  std::vector<std::string> Names;
  for (const json &O : S["outputs"])
    Names.push_back(O["selection"]);
  // Every program, in the file's order (inspect's).
  auto I = run({"inspect", Balancer, "--format", "json"});
  std::vector<std::string> Programs;
  json Model = json::parse(I.out);
  for (const json &P : Model["programs"])
    Programs.push_back(P["name"]);
  EXPECT_EQ(Names, Programs);
  EXPECT_EQ(Names.size(), 2u);
  auto One = run({"extract", Balancer, "--program", "gue_decap_only", "-o",
                  T->path() + "/one.c"});
  ASSERT_EQ(One.exitCode, 0) << One.err;
  EXPECT_EQ(slurp(Dir + "/gue_decap_only.c"), slurp(T->path() + "/one.c"));
}

/// The number before Word in Line ("27 with a preamble kept" -> 27 for "with a preamble kept").
int countBefore(const std::string &Line, const std::string &Word) {
  size_t At = Line.find(" " + Word);
  if (At == std::string::npos)
    return -1;
  size_t Start = Line.rfind(' ', At - 1);
  return std::stoi(Line.substr(Start + 1, At - Start - 1));
}

TEST(ExtractEach, APreambleIsBuiltBesideTheCommandAndKeptInMemory) {
  auto T = toolchain::TempDir::create("bpfcarve-each");
  ASSERT_TRUE(static_cast<bool>(T));
  const std::string Env = "BPFCARVE_CACHE_DIR=" + T->path() + "/cache";
  auto inspect = [&] {
    auto R = run({"-v", "inspect", Balancer, "--preamble"}, Env);
    EXPECT_EQ(R.exitCode, 0) << R.err;
    return R.err.substr(0, R.err.find('\n'));
  };
  // First use of the include lines: noted. Second: the command parses in full while the
  // preamble is built beside it, and the entry is there when the command has ended.
  EXPECT_NE(inspect().find("first use of these include lines"), std::string::npos);
  std::string Second = inspect();
  EXPECT_NE(Second.find("preamble: full parse"), std::string::npos) << Second;
  EXPECT_NE(Second.find("building its preamble beside this parse"), std::string::npos) << Second;
  size_t Entries = 0;
  for (const auto &F : fs::directory_iterator(T->path() + "/cache/preamble"))
    Entries += F.path().extension() == ".pch";
  EXPECT_EQ(Entries, 1u);
  EXPECT_NE(inspect().find("preamble: loaded"), std::string::npos);

  // --each: the self-checks' preambles are wanted by the first runs (a repeated key within one
  // command is due at once), built beside the next one, then read from the cache once and kept
  // in memory.
  std::vector<std::string> Argv{"-v", "extract", Balancer, "--each-function", "-j", "1", "-o",
                                T->path() + "/parts"};
  std::string Stats;
  int Runs = 0, N = 0, Kept = 0, Loaded = 0, Without = -1;
  while (Without != 0 && Runs < 4) {
    auto R = run(Argv, Env);
    ASSERT_EQ(R.exitCode, 0) << R.err;
    ++Runs;
    std::stringstream SS(R.err);
    for (std::string L; std::getline(SS, L);)
      if (L.find("note: 1 parse of") != std::string::npos)
        Stats = L;
    ASSERT_FALSE(Stats.empty());
    N = countBefore(Stats, "selections;");
    Kept = countBefore(Stats, "with a preamble");
    Loaded = countBefore(Stats, "loaded from");
    Without = countBefore(Stats, "without one");
  }
  EXPECT_GE(N, 10) << Stats;
  EXPECT_EQ(Without, 0) << "after " << Runs << " runs: " << Stats;
  EXPECT_LE(Runs, 3) << Stats;
  EXPECT_GE(Kept, N / 2) << Stats;
  EXPECT_EQ(Kept + Loaded, N) << Stats;
}

/// The cache directory's files by extension (".pch" -> 2).
std::map<std::string, int> cacheFiles(const std::string &Dir) {
  std::map<std::string, int> Count;
  for (const auto &F : fs::directory_iterator(Dir))
    ++Count[F.path().extension().string()];
  return Count;
}

TEST(ExtractEach, SelfChecksOfTheInputsIncludeLinesReadTheModelsPreamble) {
  // Both programs keep all of the balancer's leading #include <...> lines: their self-checks
  // read them from the model's preamble. The only entry is the model's (noted, built, loaded);
  // no self-check notes or wants one of its own.
  auto T = toolchain::TempDir::create("bpfcarve-each");
  ASSERT_TRUE(static_cast<bool>(T));
  const std::string Env = "BPFCARVE_CACHE_DIR=" + T->path() + "/cache";
  const std::string Cache = T->path() + "/cache/preamble";
  std::vector<std::string> Argv{"-v", "extract", Balancer, "--each-program", "-o",
                                T->path() + "/parts"};
  std::string Stats;
  for (int Run = 1; Run <= 3; ++Run) {
    auto R = run(Argv, Env);
    ASSERT_EQ(R.exitCode, 0) << R.err;
    std::stringstream SS(R.err);
    for (std::string L; std::getline(SS, L);)
      if (L.find("note: 1 parse of") != std::string::npos)
        Stats = L;
    EXPECT_EQ(cacheFiles(Cache), (std::map<std::string, int>{{Run == 1 ? ".seen" : ".pch", 1}}))
        << "run " << Run;
  }
  EXPECT_EQ(countBefore(Stats, "selections;"), 2) << Stats;
  EXPECT_EQ(countBefore(Stats, "with a preamble"), 2) << Stats;
}

TEST(ExtractEach, ASelfChecksPreambleIsWantedThenBuiltAtTheStartOfTheNextRun) {
  // A self-check comes last in a command: a preamble build started beside it would outlast it
  // and the command would wait. So the second run that needs one records it (.want, listed in
  // the model preamble's .then) and the third builds it from its start, beside everything else.
  // (flow_hash's output keeps no bpf_endian.h: its include lines are not the model's.)
  auto T = toolchain::TempDir::create("bpfcarve-each");
  ASSERT_TRUE(static_cast<bool>(T));
  const std::string Env = "BPFCARVE_CACHE_DIR=" + T->path() + "/cache";
  const std::string Cache = T->path() + "/cache/preamble";
  std::vector<std::string> Argv{"extract", Balancer, "--function", "flow_hash", "-o",
                                T->path() + "/out.c"};
  auto extract = [&] {
    auto R = run(Argv, Env);
    EXPECT_EQ(R.exitCode, 0) << R.err;
    return slurp(T->path() + "/out.c");
  };
  const std::string First = extract(); // both sets of include lines noted
  EXPECT_EQ(cacheFiles(Cache), (std::map<std::string, int>{{".seen", 2}}));
  EXPECT_EQ(extract(), First); // the model's built beside the parse, the self-check's wanted
  EXPECT_EQ(cacheFiles(Cache),
            (std::map<std::string, int>{{".pch", 1}, {".seen", 1}, {".then", 1}, {".want", 1}}));
  EXPECT_EQ(extract(), First); // the wanted one built from the start
  auto Third = cacheFiles(Cache);
  EXPECT_EQ(Third[".pch"], 2);
  EXPECT_EQ(Third[".want"] + Third[".seen"], 0);
  EXPECT_EQ(extract(), First); // both loaded; the list of wanted entries is gone
  EXPECT_EQ(cacheFiles(Cache), (std::map<std::string, int>{{".pch", 2}}));

  // A wanted entry that no longer applies (here: a corrupt record) is dropped, never built; the
  // self-check then wants its preamble afresh, and the run after builds it.
  fs::remove_all(Cache);
  extract();
  extract();
  std::string Want;
  for (const auto &F : fs::directory_iterator(Cache))
    if (F.path().extension() == ".want")
      Want = F.path();
  ASSERT_FALSE(Want.empty());
  const std::string Record = slurp(Want);
  std::ofstream(Want, std::ios::trunc) << "not a record";
  EXPECT_EQ(extract(), First);
  EXPECT_EQ(cacheFiles(Cache)[".pch"], 1);
  EXPECT_EQ(slurp(Want), Record);
  EXPECT_EQ(extract(), First);
  EXPECT_EQ(cacheFiles(Cache)[".pch"], 2);
}

} // namespace
