//===- SourcePackagesTest.cpp - BPF C of Debian source packages ------------===//
//
// The BPF C of Debian source packages written in other styles than the kernel selftests
// (corpus/fetch-sources.sh): iproute2's examples (its bpf_api.h, sections libbpf does not know,
// legacy struct bpf_elf_map maps, "ID/KEY" tail-call sections), systemd's programs (maps sized
// by the loader), DPDK's tap RSS program. How each project builds and loads them comes from its
// own documents, cited in kProjects. Every file gets every command; the test checks, for each:
//   - no command exits 4;
//   - a file that does not compile with its documented flags is bad input (exit 2) everywhere;
//   - every program whose original verifies is extracted into a slice that verifies with the
//     same xlated size;
//   - a harness per own non-entry function (for the hook of a program that reaches it) ends in
//     a verdict or a refusal with a reason, never in an internal error.
// It prints a table per project (the closing note of the real-world issue quotes it).
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
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
};

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
};

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

/// The command line of one command on a project's file: --type and --modernize-maps as the
/// project needs (commands that have no use for them do not take them).
std::vector<std::string> withProject(std::vector<std::string> Args, const Project &P,
                                     bool TakesType, bool TakesModernize) {
  if (TakesType && !P.type.empty())
    Args.insert(Args.end(), {"--type", P.type});
  if (TakesModernize && P.modernize)
    Args.emplace_back("--modernize-maps");
  return Args;
}

struct Tally {
  int files = 0, compiling = 0, programs = 0, verified = 0, extracted = 0, sameSize = 0;
  int functions = 0, harnessVerified = 0;
  std::map<std::string, int> harnessCauses;
};

/// verify's JSON of File, or null.
json verifyJson(const std::string &File, const Project &P, bool Modernize) {
  auto V = run(withProject({"verify", File, "--format", "json"}, P, true, Modernize));
  EXPECT_NE(V.exitCode, 4) << "verify " << File << ": " << V.err;
  json J = json::parse(V.out, nullptr, false);
  return J.is_discarded() ? json() : J;
}

void checkFile(const std::string &File, const Project &P, const std::string &Tmp, Tally &T) {
  SCOPED_TRACE(File);
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
    for (const json &Pr : Orig["programs"])
      OrigByName[Pr["name"]] = Pr;

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
    EXPECT_EQ((*Mine)["xlated_insns"], O["xlated_insns"]) << Name;
    T.sameSize += (*Mine)["verdict"] == "pass" && (*Mine)["xlated_insns"] == O["xlated_insns"];
  }

  // A harness for each own non-entry function, for the hook of a program that reaches it.
  std::set<std::string> Entries;
  std::map<std::string, std::string> HookOf; // function id -> section of a program reaching it
  for (const json &Pr : Model["programs"]) {
    Entries.insert(Pr["function"].get<std::string>());
    for (const json &F : Pr["functions_reached"])
      HookOf.emplace(F.get<std::string>(), P.type.empty() ? Pr["section"].get<std::string>()
                                                          : P.type);
  }
  for (const json &F : Model["functions"]) {
    const std::string Name = F["name"], Id = F["id"];
    if (F["origin"] == "system" || !F["definition"].get<bool>() || Entries.count(Id) ||
        !HookOf.count(Id))
      continue;
    ++T.functions;
    const std::string Out = Tmp + "/h_" + Name + ".c";
    auto E = run(withProject({"extract", File, "--function", Name, "--harness", HookOf[Id],
                              "-o", Out},
                             P, false, P.modernize));
    EXPECT_NE(E.exitCode, 4) << "harness for " << Name << ": " << E.err;
    if (E.exitCode != 0) {
      std::string First = E.err.substr(0, E.err.find('\n'));
      size_t Colon = First.find(": ", First.find("error"));
      T.harnessCauses["refused: " + First.substr(Colon == std::string::npos ? 0 : Colon + 2, 48)]++;
      continue;
    }
    json S = verifyJson(Out, P, false);
    ASSERT_TRUE(S.is_object());
    for (const json &X : S["programs"])
      if (X["name"] == "bpfcarve_harness") {
        if (X["verdict"] == "pass") {
          ++T.harnessVerified;
        } else {
          EXPECT_TRUE(X["error"].is_object() && !X["error"]["class"].get<std::string>().empty())
              << X.dump();
          T.harnessCauses[X["error"].is_object() ? X["error"]["class"].get<std::string>()
                                                  : "?"]++;
        }
      }
  }
}

TEST(SourcePackages, EveryCommandOnEveryFile) {
  if (geteuid() != 0)
    GTEST_SKIP() << "verifying programs needs root (CAP_BPF)";
  const std::string Root = sourcesDir();
  if (!fs::exists(Root + "/layout.json"))
    GTEST_SKIP() << "no source packages in " << Root << " (corpus/fetch-sources.sh could not run)";
  json Layout = json::parse(std::ifstream(Root + "/layout.json"));
  auto T = toolchain::TempDir::create("bpfcarve-sources");
  ASSERT_TRUE(static_cast<bool>(T));
  int Files = 0;
  for (const Project &P : kProjects) {
    std::string PkgRoot, Version;
    for (const json &J : Layout["projects"])
      if (J["package"] == P.package) {
        PkgRoot = J["root"];
        Version = J["version"];
      }
    ASSERT_FALSE(PkgRoot.empty()) << P.package << " is not in " << Root << "/layout.json";
    std::vector<std::string> Sources;
    for (const auto &E : fs::recursive_directory_iterator(PkgRoot + "/" + P.dir))
      if (E.path().extension() == ".c")
        Sources.push_back(E.path().string());
    std::sort(Sources.begin(), Sources.end());
    Tally Ty;
    for (const std::string &S : Sources) {
      // iproute2's legacy examples are their own project row.
      bool Legacy = S.find("/legacy/") != std::string::npos;
      if (P.package == "iproute2" && Legacy != P.modernize)
        continue;
      checkFile(S, P, T->path(), Ty);
    }
    Files += Ty.files;
    std::cout << P.package << " " << Version << " " << P.dir << " (" << P.document << "): "
              << Ty.files << " files, " << Ty.compiling << " compile; " << Ty.programs
              << " programs, " << Ty.verified << " verify, " << Ty.extracted << " extract, "
              << Ty.sameSize << " slices verify with the original's xlated size; harness "
              << Ty.harnessVerified << "/" << Ty.functions << " own non-entry functions verify";
    for (const auto &[Cause, N] : Ty.harnessCauses)
      std::cout << "; " << N << " " << Cause;
    std::cout << "\n";
  }
  EXPECT_GE(Files, 10);
}

} // namespace
