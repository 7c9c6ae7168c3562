//===- SourcePackagesTest.cpp - BPF C of Debian source packages ------------===//
//
// The BPF C of Debian source packages written in other styles than the kernel selftests
// (corpus/fetch-sources.sh): iproute2's examples (its bpf_api.h, sections libbpf does not know,
// legacy struct bpf_elf_map maps, "ID/KEY" tail-call sections), systemd's programs (maps sized
// by the loader), DPDK's tap RSS program. How each project builds and loads them comes from its
// own documents, cited in kProjects; and the kernel's samples/bpf *_kern.c, built as kbuild
// builds them (linux-headers packages, -D__KERNEL__), from the selftests corpus's linux-source.
// Every file gets every command; the test checks, for each:
//   - no command exits 4;
//   - a file that does not compile with its documented flags is bad input (exit 2) everywhere;
//   - every program whose original verifies is extracted into a slice that verifies with the
//     same xlated size;
//   - a harness per own non-entry function (for the hook of a program that reaches it) ends in
//     a verdict or a refusal with a reason, never in an internal error;
//   - every verifying XDP or tc program retargets to the other hook and runs on packets beside
//     the original with no divergent frame, or is refused naming the construct.
// It prints a table per project (the closing note of the real-world issue quotes it).
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bpfcarve;

namespace {

/// How a project's BPF C is built and loaded, from its own documents.
struct Project {
  std::string package;
  std::string dir;  ///< below the package root
  std::string type; ///< --type for its sections libbpf does not know; "" when it knows them
  bool modernize;   ///< its maps are legacy SEC("maps") definitions
  std::string document;
  /// Compile flags after `--` (none: bpfcarve's defaults); `@PACKAGE@` is that package's root.
  std::vector<std::string> flags = {};
  /// Files of the project: names ending so ("" : every .c).
  std::string suffix = {};
  /// --type per file, where the file's loader sets a type its sections do not say.
  std::map<std::string, std::string> fileTypes = {};
};

/// samples/bpf/Makefile's kbuild recipe: the kernel include set of the kbuild header style
/// (tests/styles/kbuild_headers/flags: Debian's linux-headers for LINUXINCLUDE, libbpf-dev's
/// headers after them where the Makefile takes tools/lib), then the samples' own directories and
/// its forced include.
std::vector<std::string> samplesFlags() {
  std::ifstream In(BPFCARVE_SOURCE_DIR "/tests/styles/kbuild_headers/flags");
  std::vector<std::string> Flags;
  for (std::string F; In >> F;)
    Flags.push_back(F);
  const std::string S = "@linux-source@";
  for (const std::string &F : {"-I" + S + "/samples/bpf", "-I" + S + "/tools/testing/selftests/bpf",
                               std::string("-include"), S + "/samples/bpf/asm_goto_workaround.h"})
    Flags.push_back(F);
  return Flags;
}

const std::vector<Project> kProjects = {
    // examples/bpf/README: "tc filter add dev em1 ingress bpf da obj bpf_shared.o sec ingress";
    // bpf_api.h comes through a relative #include, no flags.
    {"iproute2", "examples/bpf", "tc", false, "examples/bpf/README"},
    // README: "legacy struct bpf_elf_map defined map examples".
    {"iproute2", "examples/bpf/legacy", "tc", true, "examples/bpf/README"},
    // src/core/bpf/meson.build: clang -target bpf -g -O2 with libbpf's headers.
    {"systemd", "src/core/bpf", "", false, "src/core/bpf/meson.build"},
    // doc/guides/nics/tap.rst: "clang -O2 -emit-llvm -c tap_bpf_program.c -o - | llc
    // -march=bpf"; the tap driver loads it as tc classifier/action programs.
    {"dpdk", "drivers/net/tap", "tc", true, "doc/guides/nics/tap.rst"},
    // samples/bpf/Makefile: the *_kern.c are built with kbuild's include set and -D__KERNEL__
    // through clang -emit-llvm | opt | llc -march=bpf; their *_user.c loaders name the types of
    // the sections libbpf does not know (sockex1_user.c: a socket filter on a raw socket, ...).
    // Its legacy maps (lwt_len_hist, tc_l2_redirect, test_cgrp2_tc) take --modernize-maps.
    {"linux-source", "samples/bpf", "", true, "samples/bpf/Makefile", samplesFlags(), "_kern.c",
     {{"lwt_len_hist_kern.c", "lwt_out"},      // README: `encap bpf out ... section len_hist`
      {"tc_l2_redirect_kern.c", "tc"},          // tc_l2_redirect.sh: `tc filter ... bpf da`
      {"test_cgrp2_tc_kern.c", "tc"},           // test_cgrp2_tc.sh: `tc filter ... sec filter`
      {"sockex1_kern.c", "socket"},
      {"sockex2_kern.c", "socket"},
      {"sockex3_kern.c", "socket"},
      {"sock_flags_kern.c", "cgroup/sock_create"},
      {"tcbpf1_kern.c", "tc"},
      {"xdp_adjust_tail_kern.c", "xdp"},
      {"xdp_fwd_kern.c", "xdp"},
      {"xdp_rxq_info_kern.c", "xdp"},
      {"xdp_sample_pkts_kern.c", "xdp"}}},
};

std::string corpusDir() {
  if (const char *D = std::getenv("BPFCARVE_CORPUS_DIR"))
    return D;
  const char *Home = std::getenv("HOME");
  return std::string(Home ? Home : "/root") + "/.cache/bpfcarve/corpus";
}

std::string sourcesDir() {
  if (const char *D = std::getenv("BPFCARVE_SOURCES_DIR"))
    return D;
  const char *Home = std::getenv("HOME");
  return std::string(Home ? Home : "/root") + "/.cache/bpfcarve/sources";
}

toolchain::ProcessResult run(std::vector<std::string> Args) {
  Args.insert(Args.begin(), BPFCARVE_BIN);
  auto R = toolchain::runProcess(Args);
  EXPECT_TRUE(static_cast<bool>(R));
  return R ? *R : toolchain::ProcessResult{};
}

/// The roots of the fetched packages: the source packages' (layout.json of sourcesDir()) and
/// linux-source's (corpus/fetch.sh's layout.json).
std::map<std::string, std::string> &packageRoots() {
  static std::map<std::string, std::string> Roots;
  return Roots;
}

/// The command line of one command on a project's file: --type and --modernize-maps as the
/// project needs (commands that have no use for them do not take them), then its flags.
std::vector<std::string> withProject(std::vector<std::string> Args, const Project &P,
                                     bool TakesType, bool TakesModernize) {
  if (TakesType && !P.type.empty())
    Args.insert(Args.end(), {"--type", P.type});
  if (TakesModernize && P.modernize)
    Args.emplace_back("--modernize-maps");
  if (!P.flags.empty())
    Args.emplace_back("--");
  for (std::string F : P.flags) {
    for (const auto &[Package, Root] : packageRoots())
      for (size_t At; (At = F.find("@" + Package + "@")) != std::string::npos;)
        F.replace(At, Package.size() + 2, Root);
    Args.push_back(F);
  }
  return Args;
}

/// One own non-entry function's harness.
struct HarnessOutcome {
  std::string file;                 ///< the input
  std::string function;             ///< the function the harness calls
  std::vector<std::string> callers; ///< the programs that reach the function
  std::string harness;              ///< the harness written, "" when refused
  /// "pass", the verifier's class, "refused: ...", or "" while this kernel refuses the hook.
  std::string result;
};

struct Tally {
  int files = 0, compiling = 0, programs = 0, verified = 0, extracted = 0, sameSize = 0;
  int slicesOfPassing = 0; ///< extracted slices of programs whose original verifies
  int functions = 0, harnessVerified = 0, harnessOnGuest = 0;
  /// The functions a program that loads calls (on this kernel, or on 6.12 where this one
  /// refuses the hook), and how many of their harnesses verify: a harness of a function whose
  /// callers do not load either (a negative test, a target module absent here) shows nothing
  /// about the harness.
  int functionsOfLoadingCallers = 0, harnessVerifiedOfLoadingCallers = 0;
  std::map<std::string, int> harnessCauses; ///< of functions whose callers load
  std::vector<std::string> harnessFailures; ///< those functions, `file:function (cause)`
  std::map<std::string, int> callersDoNotLoad; ///< the callers' class -> functions
  /// Each harness, decided once the guest has run (finishHarnesses).
  std::vector<HarnessOutcome> harnesses;
  /// (file, program) -> the original's verdict: "pass", its failure class, or "permission"
  /// (this kernel refuses the hook: decided on 6.12).
  std::map<std::pair<std::string, std::string>, std::string> callerVerdicts;
  int retargets = 0, retargetSame = 0, retargetRefused = 0;
  long long framesCompared = 0, framesRun = 0;
  std::map<std::string, int> retargetCauses;
};

/// verify's JSON of File, or null.
json verifyJson(const std::string &File, const Project &P, bool Modernize) {
  auto V = run(withProject({"verify", File, "--format", "json"}, P, true, Modernize));
  EXPECT_NE(V.exitCode, 4) << "verify " << File << ": " << V.err;
  json J = json::parse(V.out, nullptr, false);
  return J.is_discarded() ? json() : J;
}

/// The first line of Err that says "error: ", without what comes before it.
std::string errorLine(const std::string &Err) {
  size_t At = Err.find("error: ");
  if (At == std::string::npos)
    return Err.substr(0, Err.find('\n'));
  size_t End = Err.find('\n', At);
  return Err.substr(At + 7, End == std::string::npos ? std::string::npos : End - At - 7);
}

/// An XDP program retargeted to tc and a tc program to XDP: refused naming the construct, or
/// verified and run on packets beside the original with no divergence and equal maps.
void retargetToTheOtherHook(const std::string &File, const Project &P, const std::string &Name,
                            const std::string &Type, const std::string &Tmp, Tally &T) {
  const std::string To = Type == "xdp" ? "tc" : "xdp";
  const std::string Out = Tmp + "/" + Name + "." + To + ".c";
  ++T.retargets;
  auto R = run(withProject({"retarget", File, "--program", Name, "--to", To, "-o", Out}, P, true,
                           P.modernize));
  EXPECT_NE(R.exitCode, 4) << "retarget " << Name << ": " << R.err;
  if (R.exitCode == 1) {
    ++T.retargetRefused;
    std::string Line = errorLine(R.err);
    size_t Colon = Line.find(": ", Line.find(" to "));
    T.retargetCauses["refused: " + Line.substr(Colon == std::string::npos ? 0 : Colon + 2, 40)]++;
    return;
  }
  if (R.exitCode != 0) {
    T.retargetCauses["retarget exit " + std::to_string(R.exitCode) + ": " +
                     errorLine(R.err).substr(0, 60)]++;
    return;
  }
  Project Written = P; // the retarget is in the target's own section: no --type
  Written.type.clear();
  json V = verifyJson(Out, Written, false);
  bool Passes = false;
  if (V.is_object())
    for (const json &X : V["programs"])
      Passes |= X["name"] == Name && X["verdict"] == "pass";
  if (!Passes) {
    std::string Class = "?";
    if (V.is_object())
      for (const json &X : V["programs"])
        if (X["name"] == Name && X["error"].is_object())
          Class = X["error"]["class"];
    T.retargetCauses["the retarget of " + Name + " does not verify: " + Class]++;
    return;
  }
  auto D = run(withProject({"diff-run", File, Out, "--program", Name, "--format", "json"}, P, true,
                           P.modernize));
  json J = json::parse(D.out, nullptr, false);
  if (!J.is_object()) {
    T.retargetCauses["diff-run exit " + std::to_string(D.exitCode) + ": " +
                     errorLine(D.err).substr(0, 60)]++;
    return;
  }
  EXPECT_EQ(J.value("divergent", -1LL), 0) << "retarget of " << Name << " to " << To << ": "
                                            << D.out.substr(0, 2000);
  T.framesCompared += J.value("compared", 0LL);
  T.framesRun += J.value("packets", 0LL);
  if (J.value("divergent", -1LL) == 0 && J.value("maps_equal", false))
    ++T.retargetSame;
  else
    T.retargetCauses[J.value("divergent", -1LL) ? "divergent frames" : "maps differ"]++;
}

/// Decides every harness: those of hooks this kernel refuses to root (EPERM: lsm, fentry here)
/// and the callers' programs this kernel refuses are verified in one boot of Debian's 6.12
/// (verify --kernel), where those hooks load; then each function is counted with its callers:
/// where a calling program loads, the harness's outcome is the row's; where none does, the
/// callers' class is reported instead.
void finishHarnesses(const Project &P, Tally &T) {
  std::set<std::string> Guest; // harnesses and original files
  for (const HarnessOutcome &H : T.harnesses) {
    if (!H.harness.empty() && H.result.empty())
      Guest.insert(H.harness);
    for (const std::string &C : H.callers)
      if (T.callerVerdicts[{H.file, C}] == "permission")
        Guest.insert(H.file);
  }
  std::map<std::string, json> OnGuest; // file -> its program rows on 6.12
  if (!Guest.empty()) {
    std::vector<std::string> Args{"verify"};
    Args.insert(Args.end(), Guest.begin(), Guest.end());
    Args.insert(Args.end(), {"--kernel", "6.12", "--format", "json"});
    auto V = run(withProject(Args, P, false, false));
    EXPECT_NE(V.exitCode, 4) << V.err;
    json J = json::parse(V.out, nullptr, false);
    if (J.is_object())
      for (const json &X : J["programs"])
        OnGuest[X["file"].get<std::string>()].push_back(X);
    else
      std::cout << "  no 6.12 guest: " << errorLine(V.err).substr(0, 60) << "\n";
  }
  auto classOf = [](const json &X) {
    return X["verdict"] == "pass" ? std::string("pass")
           : X["error"].is_object() ? X["error"]["class"].get<std::string>()
                                    : std::string("?");
  };
  for (auto &[Key, Verdict] : T.callerVerdicts)
    if (Verdict == "permission")
      for (const json &X : OnGuest[Key.first])
        if (X["name"] == Key.second)
          Verdict = classOf(X) == "pass" ? "pass" : classOf(X) + " on 6.12";
  for (HarnessOutcome &H : T.harnesses) {
    if (!H.harness.empty() && H.result.empty()) {
      H.result = "permission (no 6.12 guest)";
      for (const json &X : OnGuest[H.harness])
        if (X["name"] == "bpfcarve_harness") {
          H.result = classOf(X) == "pass" ? "pass" : classOf(X) + " on 6.12";
          T.harnessOnGuest += H.result == "pass";
        }
    }
    T.harnessVerified += H.result == "pass";
    std::string Callers; // the first caller's class when none loads
    bool Loads = false;
    for (const std::string &C : H.callers) {
      const std::string &V = T.callerVerdicts[{H.file, C}];
      Loads |= V == "pass";
      if (Callers.empty())
        Callers = V.empty() ? "no verdict" : V;
    }
    if (!Loads) {
      T.callersDoNotLoad[Callers]++;
      continue;
    }
    ++T.functionsOfLoadingCallers;
    if (H.result == "pass") {
      ++T.harnessVerifiedOfLoadingCallers;
    } else {
      T.harnessCauses[H.result]++;
      T.harnessFailures.push_back(fs::path(H.file).filename().string() + ":" + H.function + " (" +
                                  H.result + ")");
    }
  }
}

/// Why the slice of Program in File differs from its original, from corpus/sources-causes.tsv
/// (a line for the program, or for the whole file with `*`), or "".
std::string recordedCause(const std::string &File, const std::string &Program) {
  std::ifstream In(BPFCARVE_SOURCE_DIR "/corpus/sources-causes.tsv");
  const std::string Name = fs::path(File).filename().string();
  for (std::string Line; std::getline(In, Line);) {
    if (Line.empty() || Line[0] == '#')
      continue;
    size_t A = Line.find('\t'), B = A == std::string::npos ? A : Line.find('\t', A + 1);
    if (B == std::string::npos)
      continue;
    std::string F = Line.substr(0, A), P = Line.substr(A + 1, B - A - 1);
    if (F == Name && (P == "*" || P == Program))
      return Line.substr(B + 1);
  }
  return {};
}

/// A project's line of the table.
void printRow(const Project &P, const std::string &Version, const Tally &Ty) {
  std::cout << P.package << " " << Version << " " << P.dir << " (" << P.document << "): "
            << Ty.files << " files, " << Ty.compiling << " compile; " << Ty.programs
            << " programs, " << Ty.verified << " verify, " << Ty.extracted << " extract, "
            << Ty.sameSize << " of " << Ty.slicesOfPassing
            << " slices of verifying programs verify with the original's xlated size; harness "
            << Ty.harnessVerified << "/" << Ty.functions << " own non-entry functions verify ("
            << Ty.harnessOnGuest << " on 6.12: this kernel refuses their hook), "
            << Ty.harnessVerifiedOfLoadingCallers << "/" << Ty.functionsOfLoadingCallers
            << " of those a loading program calls";
  for (const auto &[Cause, N] : Ty.harnessCauses)
    std::cout << "; " << N << " " << Cause;
  for (const auto &[Class, N] : Ty.callersDoNotLoad)
    std::cout << "; " << N << " functions whose callers do not load either (" << Class << ")";
  std::cout << "; retarget to the other hook (XDP <-> tc): " << Ty.retargetSame << "/"
            << Ty.retargets << " verify and behave the same, " << Ty.retargetRefused
            << " refused, " << Ty.framesCompared << " of " << Ty.framesRun << " frames compared";
  for (const auto &[Cause, N] : Ty.retargetCauses)
    std::cout << "; " << N << " " << Cause;
  std::cout << "\n";
  if (!Ty.harnessFailures.empty()) {
    std::cout << "  harnesses that fail where a calling program loads:";
    for (const std::string &F : Ty.harnessFailures)
      std::cout << " " << F << ";";
    std::cout << "\n";
  }
}

void checkFile(const std::string &File, const Project &Of, const std::string &Tmp, Tally &T) {
  SCOPED_TRACE(File);
  Project P = Of; // with the file's own --type, for it and its slices
  if (auto It = Of.fileTypes.find(fs::path(File).filename().string()); It != Of.fileTypes.end())
    P.type = It->second;
  ++T.files;
  auto I = run(withProject({"inspect", File, "--format", "json"}, P, true, false));
  ASSERT_NE(I.exitCode, 4) << I.err;
  if (I.exitCode != 0) {
    // Not compiling with its documented flags: bad input, for every command.
    EXPECT_EQ(I.exitCode, 2) << I.err;
    auto V = run(withProject({"verify", File}, P, true, P.modernize));
    EXPECT_EQ(V.exitCode, 2) << V.err;
    std::cout << "  " << File << ": excluded, does not compile: "
              << I.err.substr(0, I.err.find('\n')) << "\n";
    return;
  }
  ++T.compiling;
  json Model = json::parse(I.out);
  json Orig = verifyJson(File, P, P.modernize);
  std::map<std::string, json> OrigByName;
  if (Orig.is_object())
    for (const json &Pr : Orig["programs"]) {
      OrigByName[Pr["name"]] = Pr;
      T.callerVerdicts[{File, Pr["name"]}] =
          Pr["verdict"] == "pass" ? "pass"
          : !Pr["error"].is_object() ? "?"
          : Pr["verdict"] == "skipped" && Pr["error"]["class"] == "permission"
              ? "permission"
              : Pr["error"]["class"].get<std::string>();
    }

  for (const json &Pr : Model["programs"]) {
    const std::string Name = Pr["name"];
    ++T.programs;
    const json &O = OrigByName[Name];
    const bool Passes = O.is_object() && O["verdict"] == "pass";
    T.verified += Passes;
    const std::string Out = Tmp + "/" + Name + ".c";
    auto E = run(withProject({"extract", File, "--program", Name, "-o", Out}, P, false,
                             P.modernize));
    EXPECT_NE(E.exitCode, 4) << "extract --program " << Name << ": " << E.err;
    if (E.exitCode != 0)
      continue;
    ++T.extracted;
    if (!Passes)
      continue;
    json S = verifyJson(Out, P, false);
    const json *Mine = nullptr;
    if (S.is_object())
      for (const json &X : S["programs"])
        if (X["name"] == Name)
          Mine = &X;
    ASSERT_TRUE(Mine) << "the slice of " << Name << " has no program " << Name;
    EXPECT_EQ((*Mine)["verdict"], "pass") << Mine->dump();
    ++T.slicesOfPassing;
    if ((*Mine)["verdict"] == "pass" && (*Mine)["xlated_insns"] == O["xlated_insns"]) {
      ++T.sameSize;
    } else {
      std::string Cause = recordedCause(File, Name);
      EXPECT_FALSE(Cause.empty()) << "the slice of " << Name << " has "
                                  << (*Mine)["xlated_insns"].dump() << " xlated instructions, "
                                  << "the original " << O["xlated_insns"].dump()
                                  << ", and corpus/sources-causes.tsv names no cause";
      std::cout << "  " << File << ": the slice of " << Name << " has "
                << (*Mine)["xlated_insns"].dump() << " xlated instructions, the original "
                << O["xlated_insns"].dump() << ": " << Cause << "\n";
    }
    if (Pr["type"] == "xdp" || Pr["type"] == "sched_cls")
      retargetToTheOtherHook(File, P, Name, Pr["type"] == "xdp" ? "xdp" : "tc", Tmp, T);
  }

  // A harness for each own non-entry function, for the hook of a program that reaches it.
  std::set<std::string> Entries;
  std::map<std::string, std::string> HookOf; // function id -> section of a program reaching it
  std::map<std::string, std::vector<std::string>> CallersOf; // function id -> those programs
  for (const json &Pr : Model["programs"]) {
    Entries.insert(Pr["function"].get<std::string>());
    // The hook: the project's --type, else the one the program type names (an xdp.frags
    // section is an xdp program), else the section (cgroup/skb, ...).
    const std::string Type = Pr["type"], Section = Pr["section"];
    std::string Hook = !P.type.empty()           ? P.type
                       : Type == "xdp"           ? "xdp"
                       : Type == "sched_cls"     ? "tc"
                       : Type == "socket_filter" ? "socket"
                                                 : Section;
    for (const json &F : Pr["functions_reached"]) {
      HookOf.emplace(F.get<std::string>(), Hook);
      CallersOf[F.get<std::string>()].push_back(Pr["name"]);
    }
  }
  // The functions of each hook, all harnessed from one parse (extract --each).
  std::map<std::string, std::vector<std::string>> ByHook;
  std::map<std::string, std::vector<std::string>> CallersByName;
  for (const json &F : Model["functions"]) {
    const std::string Name = F["name"], Id = F["id"];
    if (F["origin"] == "system" || !F["definition"].get<bool>() || Entries.count(Id) ||
        !HookOf.count(Id))
      continue;
    ++T.functions;
    ByHook[HookOf[Id]].push_back(Name);
    CallersByName[Name] = CallersOf[Id];
  }
  int Dirs = 0;
  for (const auto &[Hook, Names] : ByHook) {
    std::string List;
    for (const std::string &N : Names)
      List += (List.empty() ? "" : ",") + N;
    const std::string Dir =
        Tmp + "/h_" + fs::path(File).stem().string() + "_" + std::to_string(Dirs++);
    auto E = run(withProject({"extract", File, "--function", List, "--each", "--harness", Hook,
                              "-o", Dir, "--format", "json"},
                             P, false, P.modernize));
    EXPECT_NE(E.exitCode, 4) << "harness for " << List << ": " << E.err;
    json Summary = json::parse(E.out, nullptr, false);
    if (E.exitCode == 2 && !Summary.is_object()) {
      // The hook itself is refused (a section only the file's own loader types: `sk_skb3`).
      for (const std::string &N : Names)
        T.harnesses.push_back(
            {File, N, CallersByName[N], "", "refused: " + errorLine(E.err).substr(0, 48)});
      continue;
    }
    ASSERT_TRUE(Summary.is_object() && Summary["outputs"].is_array()) << E.out << E.err;
    for (const json &O : Summary["outputs"]) {
      const std::string Name = O["selection"].get<std::string>();
      HarnessOutcome H{File, Name, CallersByName[Name], "", ""};
      if (O["exit_code"] != 0) {
        // The error line's message (a --modernize-maps note never is one).
        const std::string First = O["error"].is_string() ? O["error"].get<std::string>() : "?";
        size_t Colon = First.find(": ", First.find("error"));
        H.result = "refused: " + First.substr(Colon == std::string::npos ? 0 : Colon + 2, 48);
        T.harnesses.push_back(std::move(H));
        continue;
      }
      H.harness = O["file"];
      json S = verifyJson(H.harness, P, false);
      ASSERT_TRUE(S.is_object());
      for (const json &X : S["programs"])
        if (X["name"] == "bpfcarve_harness") {
          if (X["verdict"] == "pass") {
            H.result = "pass";
          } else if (X["verdict"] == "skipped" && X["error"].is_object() &&
                     X["error"]["class"] == "permission") {
            H.result = ""; // decided on 6.12 (finishHarnesses)
          } else {
            EXPECT_TRUE(X["error"].is_object() && !X["error"]["class"].get<std::string>().empty())
                << X.dump();
            H.result = X["error"].is_object() ? X["error"]["class"].get<std::string>() : "?";
          }
        }
      T.harnesses.push_back(std::move(H));
    }
  }
}

void add(Tally &Into, const Tally &From) {
  for (auto [A, B] : {std::pair{&Into.files, From.files},
                      {&Into.compiling, From.compiling},
                      {&Into.programs, From.programs},
                      {&Into.verified, From.verified},
                      {&Into.extracted, From.extracted},
                      {&Into.sameSize, From.sameSize},
                      {&Into.slicesOfPassing, From.slicesOfPassing},
                      {&Into.functions, From.functions},
                      {&Into.harnessVerified, From.harnessVerified},
                      {&Into.harnessOnGuest, From.harnessOnGuest},
                      {&Into.functionsOfLoadingCallers, From.functionsOfLoadingCallers},
                      {&Into.harnessVerifiedOfLoadingCallers, From.harnessVerifiedOfLoadingCallers},
                      {&Into.retargets, From.retargets},
                      {&Into.retargetSame, From.retargetSame},
                      {&Into.retargetRefused, From.retargetRefused}})
    *A += B;
  for (const auto &[Cause, N] : From.harnessCauses)
    Into.harnessCauses[Cause] += N;
  for (const auto &[Cause, N] : From.retargetCauses)
    Into.retargetCauses[Cause] += N;
  for (const auto &[Class, N] : From.callersDoNotLoad)
    Into.callersDoNotLoad[Class] += N;
  Into.harnessFailures.insert(Into.harnessFailures.end(), From.harnessFailures.begin(),
                              From.harnessFailures.end());
  Into.harnesses.insert(Into.harnesses.end(), From.harnesses.begin(), From.harnesses.end());
  Into.callerVerdicts.insert(From.callerVerdicts.begin(), From.callerVerdicts.end());
  Into.framesCompared += From.framesCompared;
  Into.framesRun += From.framesRun;
}

/// checkFile on every file, two at a time (the machines that run this have two CPUs; each
/// file's commands run one after the other), each in a scratch directory of its own; the
/// tallies are added in file order.
Tally checkFiles(const std::vector<std::string> &Files, const Project &P, const std::string &Tmp) {
  std::vector<Tally> Each(Files.size());
  std::atomic<size_t> Next{0};
  auto Worker = [&] {
    for (size_t I; (I = Next++) < Files.size();) {
      const std::string Dir = Tmp + "/" + P.package + "_" + std::to_string(I);
      fs::create_directories(Dir);
      checkFile(Files[I], P, Dir, Each[I]);
    }
  };
  std::thread Second(Worker);
  Worker();
  Second.join();
  Tally All;
  for (const Tally &T : Each)
    add(All, T);
  return All;
}

TEST(SourcePackages, EveryCommandOnEveryFile) {
  if (geteuid() != 0)
    GTEST_SKIP() << "verifying programs needs root (CAP_BPF)";
  const std::string Root = sourcesDir();
  if (!fs::exists(Root + "/layout.json"))
    GTEST_SKIP() << "no source packages in " << Root << " (corpus/fetch-sources.sh could not run)";
  json Layout = json::parse(std::ifstream(Root + "/layout.json"));
  std::map<std::string, std::string> Versions;
  for (const json &J : Layout["projects"]) {
    packageRoots()[J["package"]] = J["root"];
    Versions[J["package"]] = J["version"];
  }
  // linux-source comes from the selftests corpus (corpus/fetch.sh).
  json Corpus = json::parse(std::ifstream(corpusDir() + "/layout.json"), nullptr, false);
  if (Corpus.is_object() && Corpus.contains("source_root")) {
    packageRoots()["linux-source"] = Corpus["source_root"];
    Versions["linux-source"] = Corpus["version"];
  }
  auto T = toolchain::TempDir::create("bpfcarve-sources");
  ASSERT_TRUE(static_cast<bool>(T));
  int Files = 0;
  for (const Project &P : kProjects) {
    std::string PkgRoot = packageRoots()[P.package], Version = Versions[P.package];
    if (P.package == "linux-source") {
      const char *Skip = nullptr;
#ifndef BPFCARVE_SAMPLES_ROW
      Skip = "release preset only (tests/corpus/CMakeLists.txt)";
#endif
      if (PkgRoot.empty())
        Skip = "the corpus is not fetched (corpus/fetch.sh)";
      else if (!packageRoots().count("linux-headers"))
        Skip = "linux-headers is not fetched (corpus/fetch-sources.sh)";
      if (Skip) {
        std::cout << P.package << " " << P.dir << ": skipped: " << Skip << "\n";
        continue;
      }
    }
    ASSERT_FALSE(PkgRoot.empty()) << P.package << " is not in " << Root << "/layout.json";
    std::vector<std::string> Sources;
    for (const auto &E : fs::recursive_directory_iterator(PkgRoot + "/" + P.dir))
      if (E.path().extension() == ".c" &&
          (P.suffix.empty() || E.path().filename().string().ends_with(P.suffix)))
        Sources.push_back(E.path().string());
    std::sort(Sources.begin(), Sources.end());
    // iproute2's legacy examples are their own project row.
    std::erase_if(Sources, [&](const std::string &S) {
      return P.package == "iproute2" && (S.find("/legacy/") != std::string::npos) != P.modernize;
    });
    Tally Ty = checkFiles(Sources, P, T->path());
    finishHarnesses(P, Ty);
    Files += Ty.files;
    printRow(P, Version, Ty);
  }
  EXPECT_GE(Files, 10);
}

/// The kernel selftests' progs that the networking corpus (corpus/make-manifest.sh) does not
/// take: tracing, iterators, struct_ops, cgroup and LSM programs, with the selftests' own flags
/// (the corpus record's common flags). They are many (380 files), so a run takes every
/// BPFCARVE_SELFTESTS_STRIDE-th of them in name order (default 8; 1 takes all).
TEST(SourcePackages, NonNetworkingSelftests) {
  if (geteuid() != 0)
    GTEST_SKIP() << "verifying programs needs root (CAP_BPF)";
#ifndef BPFCARVE_SAMPLES_ROW
  GTEST_SKIP() << "release preset only (tests/corpus/CMakeLists.txt)";
#endif
  json Layout = json::parse(std::ifstream(corpusDir() + "/layout.json"), nullptr, false);
  if (!Layout.is_object() || !Layout.contains("source_root"))
    GTEST_SKIP() << "the corpus is not fetched (corpus/fetch.sh)";
  // The networking files and the flags: any record of the corpus (they hold the same list).
  json Record;
  for (const auto &E : fs::directory_iterator(BPFCARVE_SOURCE_DIR "/corpus/records"))
    if (E.path().extension() == ".json")
      Record = json::parse(std::ifstream(E.path()));
  ASSERT_TRUE(Record.is_object()) << "no corpus record in corpus/records";
  std::set<std::string> Networking;
  for (const json &F : Record["files"])
    Networking.insert(fs::path(F["path"].get<std::string>()).filename().string());
  Project P{"linux-source", "tools/testing/selftests/bpf/progs", "", false,
            "tools/testing/selftests/bpf/Makefile"};
  for (std::string F : Record["common_flags"]) {
    for (const auto &[Var, Value] : Layout["vars"].items())
      for (size_t At; (At = F.find("${" + Var + "}")) != std::string::npos;)
        F.replace(At, Var.size() + 3, Value.get<std::string>());
    P.flags.push_back(F);
  }
  const std::string Progs = Layout["source_root"].get<std::string>() + "/" + P.dir;
  std::vector<std::string> Sources;
  for (const auto &E : fs::directory_iterator(Progs))
    if (E.path().extension() == ".c" && !Networking.count(E.path().filename().string()))
      Sources.push_back(E.path().string());
  std::sort(Sources.begin(), Sources.end());
  const char *Env = std::getenv("BPFCARVE_SELFTESTS_STRIDE");
  const size_t Stride = Env && std::atoi(Env) > 0 ? static_cast<size_t>(std::atoi(Env)) : 8;
  auto T = toolchain::TempDir::create("bpfcarve-selftests");
  ASSERT_TRUE(static_cast<bool>(T));
  std::vector<std::string> Taken;
  for (size_t I = 0; I < Sources.size(); I += Stride)
    Taken.push_back(Sources[I]);
  Tally Ty = checkFiles(Taken, P, T->path());
  finishHarnesses(P, Ty);
  std::cout << "every " << Stride << "th of " << Sources.size() << " files: ";
  printRow(P, Layout["version"], Ty);
  EXPECT_GE(Ty.files, 1);
}

} // namespace
