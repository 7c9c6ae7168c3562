//===- CorpusRetargetTest.cpp - retarget XDP <-> tc on every loading corpus program ===//
//
// Acceptance of the transformer on third-party code: for every XDP program (to tc) and every TC
// program (to xdp) of the corpus objects bpftool loads whole, `bpfcarve retarget`, `bpfcarve
// verify` of its output and `bpfcarve diff-run ORIGINAL OUTPUT --packets gen:all` give what
// the corpus record (corpus/records/<release>.json, measured by corpus/measure-retarget.sh)
// holds: a refusal with its construct and reason, or the output's verdict and class, its xlated
// size against the original's (compiled with the same flags, verified alone) and the diff-run
// counts. Verdicts, sizes and frame counts are exact on the record's own kernel; on another the
// output must verify where the kernel accepts the original, diff-run must still find no
// divergence, and changes are printed. A regression fails here, and so does an improvement until the manifest is measured again. One
// test per program, so ctest -j runs them in parallel. Loading needs root (CAP_BPF) and the
// corpus (the `corpus_fetch` fixture); without either the tests skip and say why. Timings are
// not asserted: bench/retarget-overhead.sh reports the sizes.
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
#include <map>
#include <regex>
#include <set>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bpfcarve;
using namespace bpfcarve::corpus_test;

namespace {

/// The hook a program of this section is retargeted to (the corpus record (corpus/records/<release>.json).py's
/// retarget_target): tc for XDP sections, xdp for TC sections, empty otherwise.
std::string targetOf(const std::string &Section) {
  auto Starts = [&](const char *P) { return Section.rfind(P, 0) == 0; };
  if (Section == "xdp" || Starts("xdp/") || Starts("xdp."))
    return "tc";
  if (Section == "tc" || Section == "classifier" || Starts("tc/") || Starts("classifier/"))
    return "xdp";
  return "";
}

/// The overhead budget (manifest_json.py's retarget_within_budget).
bool withinBudget(unsigned Original, unsigned Retargeted) {
  return Retargeted * 100 <= Original * 115 || Retargeted <= Original + 32;
}

struct ProgramCase {
  std::string path, name; ///< manifest file path, program name
};

void PrintTo(const ProgramCase &C, std::ostream *OS) { *OS << C.path << " " << C.name; }

/// The XDP and TC programs some record measured (those of the objects its kernel loads whole),
/// in the order of the newest record that has them.
std::vector<ProgramCase> measuredPrograms() {
  std::vector<ProgramCase> Out;
  std::set<std::pair<std::string, std::string>> Seen;
  for (auto R = allRecords().rbegin(); R != allRecords().rend(); ++R)
    if (R->second.is_object())
      for (const json &F : R->second["files"])
        for (const json &P : F["programs"])
          if (P.contains("retarget") && Seen.emplace(F["path"], P["name"]).second)
            Out.push_back({F["path"], P["name"]});
  return Out;
}


class CorpusRetarget : public ::testing::TestWithParam<ProgramCase> {
protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "the retargeted program and the original are loaded into the kernel "
                      "verifier and test-run: needs root (CAP_BPF); not root here";
    Layout = readJson(corpusDir() + "/layout.json");
    if (!Layout.is_object())
      GTEST_SKIP() << "corpus not available at " << corpusDir()
                   << " (corpus/fetch.sh could not download linux-source-6.1)";
    Rec = recordedOutcome(GetParam().path, GetParam().name, "retarget");
    ASSERT_TRUE(Rec.program.is_object()) << "no record has a retarget outcome for "
                                         << GetParam().name << " (run corpus/measure-retarget.sh)";
    Entry = Rec.program;
    Flags = fileFlags(Rec.file, Layout);
    ASSERT_EQ(Entry["retarget_to"], targetOf(Entry["section"]));
    Source = Layout["source_root"].get<std::string>() + "/" + GetParam().path;
    char Tmpl[] = "/tmp/bpfcarve-corpus-retarget-XXXXXX";
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
  std::vector<std::string> withFlags(std::vector<std::string> Args) const {
    Args.push_back("--");
    Args.insert(Args.end(), Flags.begin(), Flags.end());
    return Args;
  }

  json Layout, Entry;
  Recorded Rec;
  std::vector<std::string> Flags;
  std::string Source, Scratch;
};

TEST_P(CorpusRetarget, OutcomeEqualsTheManifest) {
  const std::string &Name = GetParam().name;
  const std::string To = Entry["retarget_to"];
  // The retarget. A failed self-check keeps the output in a temp dir: TMPDIR puts it in Scratch.
  std::string Out = Scratch + "/" + Name + ".c";
  auto Retargeted = toolchain::runProcess(
      withFlags({"env", "TMPDIR=" + Scratch, BPFCARVE_BIN, "retarget", Source, "--program", Name,
                 "--to", To, "-o", Out}));
  ASSERT_TRUE(static_cast<bool>(Retargeted)) << "cannot run " << BPFCARVE_BIN;
  const std::string Outcome = Entry["retarget"];
  if (Outcome == "refused") {
    ASSERT_EQ(Retargeted->exitCode, 1)
        << "retarget no longer refuses " << Name << " (" << Entry["retarget_refusal"]
        << "): measure again (corpus/measure-retarget.sh)\n"
        << Retargeted->err;
    std::smatch Match;
    std::string First = firstLine(Retargeted->err);
    ASSERT_TRUE(std::regex_search(First, Match,
                                  std::regex("error: cannot retarget '[^']*' to \\S+: (.*)$")))
        << First;
    // The construct and the reason, as the manifest records them.
    EXPECT_EQ(recordedMessage(Match[1], Layout, 500, Scratch), Entry["retarget_refusal"].get<std::string>());
    EXPECT_FALSE(fs::exists(Out)) << "a refused retarget writes nothing";
    return;
  }
  if (Outcome == "error") {
    EXPECT_NE(Retargeted->exitCode, 0);
    EXPECT_NE(Retargeted->exitCode, 1);
    EXPECT_EQ(recordedMessage(firstLine(Retargeted->err), Layout, 160, Scratch), Entry["retarget_error"].get<std::string>());
    return;
  }
  ASSERT_EQ(Retargeted->exitCode, 0) << firstLine(Retargeted->err);

  json Got = verifyReport(withFlags({Out, "--program", Name}));
  ASSERT_TRUE(Got.is_object());
  auto ClassOf = [](const json &R) {
    return R["error"].is_object() ? R["error"]["class"].get<std::string>() : std::string();
  };

  // The original, as measure-retarget.sh compiles it, verified alone on this kernel.
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

  if (Rec.exact) {
    EXPECT_EQ(Got["verdict"], Entry["retarget_verify"])
        << (Got["error"].is_object() ? Got["error"].dump() : "no error");
    if (Entry["retarget_verify"] != "pass") {
      if (Got["error"].is_object())
        EXPECT_EQ(ClassOf(Got), Entry["retarget_verify_class"].get<std::string>()) << Got["error"]["message"];
      return;
    }
  } else {
    changedFromRecord(GetParam().path + " " + Name + " retargeted to " + To, Rec.release,
                      Entry["retarget_verify"].get<std::string>() + " " +
                          Entry.value("retarget_verify_class", ""),
                      Got["verdict"].get<std::string>() + " " + ClassOf(Got));
    if (Orig["verdict"] != "pass") {
      // Nothing to hold the output to: this kernel refuses the original itself.
      changedFromRecord(GetParam().path + " " + Name + " (original)", Rec.release, "pass",
                        Orig["verdict"].get<std::string>() + " " + ClassOf(Orig));
      return;
    }
    // The kernel accepts the original: the output of a retarget recorded as verifying must
    // verify too.
    if (Entry["retarget_verify"] == "pass")
      EXPECT_EQ(Got["verdict"], "pass")
          << "this kernel accepts the original but refuses its retargeted output: "
          << Got["error"].dump();
  }
  if (Got["verdict"] != "pass")
    return;
  ASSERT_EQ(Orig["verdict"], "pass") << Orig["error"].dump();

  // The overhead: exact on the record's kernel (the verifier's rewrites make xlated sizes
  // kernel-dependent), printed when measured on another.
  unsigned OrigSize = Orig["xlated_insns"], NewSize = Got["xlated_insns"];
  const json &X = Entry["retarget_xlated"];
  if (Rec.exact) {
    EXPECT_EQ(OrigSize, X["original"].get<unsigned>());
    EXPECT_EQ(NewSize, X["retargeted"].get<unsigned>()) << "the retargeted program's size moved";
    EXPECT_EQ(withinBudget(OrigSize, NewSize), X["within_budget"].get<bool>());
  } else {
    changedFromRecord(GetParam().path + " " + Name + " xlated original -> retargeted",
                      Rec.release,
                      std::to_string(X["original"].get<unsigned>()) + " -> " +
                          std::to_string(X["retargeted"].get<unsigned>()),
                      std::to_string(OrigSize) + " -> " + std::to_string(NewSize));
  }

  // Behaviour: the original file against the output, on every generated packet. No divergence
  // and equal maps hold on any kernel; how many frames compare is exact on the record's kernel.
  auto Diff = toolchain::runProcess(
      withFlags({BPFCARVE_BIN, "diff-run", Source, Out, "--program", Name, "--packets", "gen:all",
                 "--format", "json"}));
  ASSERT_TRUE(static_cast<bool>(Diff));
  const json &Want = Entry["retarget_diff"];
  if (Want.is_string()) {
    EXPECT_EQ(Diff->exitCode, 3) << Diff->out << Diff->err;
    EXPECT_EQ("skipped: " + recordedMessage(firstLine(Diff->err), Layout, 160, Scratch), Want.get<std::string>());
    return;
  }
  ASSERT_TRUE(Diff->exitCode == 0 || Diff->exitCode == 1) << Diff->err;
  json D = json::parse(Diff->out, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(D.is_object()) << Diff->out;
  EXPECT_EQ(D["divergent"], Want["divergent"]) << D["first_divergence"].dump(2);
  EXPECT_EQ(D["maps_equal"], Want["maps_equal"]) << D["maps"].dump();
  if (Rec.exact) {
    EXPECT_EQ(D["compared"], Want["compared"]);
  } else {
    EXPECT_GT(D["compared"].get<int>(), 0) << "diff-run compared no frame";
    changedFromRecord(GetParam().path + " " + Name + " diff-run frames compared", Rec.release,
                      Want["compared"].dump(), D["compared"].dump());
  }
}

std::string testName(const ::testing::TestParamInfo<ProgramCase> &Info) {
  std::string N = fs::path(Info.param.path).stem().string() + "__" + Info.param.name;
  for (char &C : N)
    if (!isalnum(static_cast<unsigned char>(C)))
      C = '_';
  return N;
}

INSTANTIATE_TEST_SUITE_P(Selftests, CorpusRetarget, ::testing::ValuesIn(casesToRun(measuredPrograms())),
                         testName);

/// Whether a measured outcome is a clean pass: retargeted, verified, diff-run compares a packet
/// and finds no divergence and equal maps.
bool cleanPass(const json &P) {
  const json &D = P.value("retarget_diff", json());
  return P["retarget"] == "ok" && P.value("retarget_verify", "") == "pass" && D.is_object() &&
         D["compared"].get<int>() > 0 && D["divergent"] == 0 && D["maps_equal"] == true;
}

/// The reason of "CONSTRUCT: REASON" (manifest_json.py's refusal_reason).
std::string reasonOf(const std::string &Refusal) {
  std::smatch M;
  if (std::regex_search(Refusal, M, std::regex("[^\\s?]: ")))
    return Refusal.substr(static_cast<size_t>(M.position(0)) + 3);
  return Refusal;
}

// What the manifest records, without the kernel: every XDP and TC program of a loading object
// has an outcome; a refusal names its construct and reason; what is neither a clean pass nor a
// refusal has an investigated cause; the summary counts (by direction, refusals by reason, the
// overhead) follow from the programs.
TEST(CorpusRetargetManifest, OutcomesAreExplainedAndCounted) {
  ASSERT_FALSE(allRecords().empty()) << "no record in " << recordsDir();
  for (const auto &[Release, M] : allRecords()) {
    SCOPED_TRACE("record " + Release);
    ASSERT_TRUE(M.is_object()) << Release << ": unreadable";
    struct Counts {
      size_t programs = 0, pass = 0, refused = 0, other = 0;
      std::map<std::string, size_t> refusals;
    };
    std::map<std::string, Counts> By; // by source hook: "xdp" (to tc), "tc" (to xdp)
    size_t Measured = 0, Within = 0;
    double MaxRatio = 0;
    for (const json &F : M["files"]) {
      bool Loading = F.value("load_bpftool", "") == "ok";
      for (const json &P : F["programs"]) {
        std::string Where = F["path"].get<std::string>() + " " + P["name"].get<std::string>();
        std::string To = targetOf(P["section"]);
        if (!Loading || To.empty()) {
          EXPECT_FALSE(P.contains("retarget"))
              << Where << ": only the XDP and TC programs of loading objects are measured";
          continue;
        }
        ASSERT_TRUE(P.contains("retarget")) << Where << ": no retarget outcome";
        EXPECT_EQ(P["retarget_to"], To) << Where;
        Counts &C = By[To == "tc" ? "xdp" : "tc"];
        ++C.programs;
        if (P.contains("retarget_xlated")) {
          const json &X = P["retarget_xlated"];
          unsigned O = X["original"], R = X["retargeted"];
          ++Measured;
          Within += X["within_budget"].get<bool>();
          EXPECT_EQ(X["within_budget"].get<bool>(), withinBudget(O, R)) << Where;
          MaxRatio = std::max(MaxRatio, O ? static_cast<double>(R) / O : 0.0);
        }
        if (P["retarget"] == "refused") {
          ++C.refused;
          std::string Refusal = P["retarget_refusal"];
          std::string Reason = reasonOf(Refusal);
          EXPECT_FALSE(Reason.empty() || Reason == Refusal)
              << Where << ": a refusal is `CONSTRUCT: REASON`, not " << Refusal;
          ++C.refusals[Reason];
          EXPECT_FALSE(P.contains("retarget_exception")) << Where;
          continue;
        }
        bool Pass = cleanPass(P);
        Pass ? ++C.pass : ++C.other;
        EXPECT_EQ(P.contains("retarget_exception"), !Pass)
            << Where << ": an outcome that is neither a clean pass nor a refusal has a cause, and "
                        "only such an outcome";
        if (P.contains("retarget_exception"))
          EXPECT_NE(P["retarget_exception"].get<std::string>().rfind("unexplained", 0), 0u)
              << Where << ": " << P["retarget_exception"]
              << " - investigate and name the cause in corpus/retarget-causes.tsv";
      }
    }
    const json &S = M["summary"];
    for (const char *Hook : {"xdp", "tc"}) {
      const Counts &C = By[Hook];
      std::string K = std::string("retarget_") + Hook + "_";
      EXPECT_EQ(C.programs, S[K + "programs"].get<size_t>()) << Hook;
      EXPECT_EQ(C.pass, S[K + "pass"].get<size_t>()) << Hook;
      EXPECT_EQ(C.refused, S[K + "refused"].get<size_t>()) << Hook;
      EXPECT_EQ(C.other, S[K + "other"].get<size_t>()) << Hook;
      EXPECT_EQ(C.programs, C.pass + C.refused + C.other);
      std::map<std::string, size_t> Recorded;
      for (auto &[Reason, N] : S[K + "refusals"].items())
        Recorded[Reason] = N.get<size_t>();
      EXPECT_EQ(C.refusals, Recorded) << Hook << ": refusals by reason";
      std::cout << Hook << " -> " << (std::string(Hook) == "xdp" ? "tc" : "xdp") << ": "
                << C.programs << " programs, " << C.pass << " pass, " << C.refused << " refused, "
                << C.other << " other\n";
    }
    EXPECT_EQ(S["xdp_programs_in_loading_objects"], S["retarget_xdp_programs"]);
    EXPECT_EQ(Measured, S["retarget_xlated_measured"].get<size_t>());
    EXPECT_EQ(Within, S["retarget_xlated_within_budget"].get<size_t>());
    EXPECT_NEAR(MaxRatio, S["retarget_xlated_max_ratio"].get<double>(), 0.0005);
  }
}

} // namespace
