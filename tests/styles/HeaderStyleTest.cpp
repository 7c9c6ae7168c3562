//===- HeaderStyleTest.cpp - one program in several header styles ---------===//
//
// tests/styles/<style>/prog.bpf.c holds the same program (maps, a helper, memcpy, a parser, a
// verdict) below the same marker line, written against different headers: the machine's UAPI
// and libbpf, vmlinux.h and libbpf, a vendored UAPI subset with the project's own helper
// declarations under -nostdinc, bpftool's vmlinux.h under another name behind a vmlinux.h
// symlink with the project's own SEC() and helper macros. `flags` in a style's folder holds its
// compile flags (-I relative to the folder); none means bpfcarve's defaults. `vmlinux` holds
// "DUMP LINK": the test runs on a copy of the folder where DUMP is bpftool's C dump of this
// kernel's BTF and LINK a symlink to it (the dump is this kernel's, never committed). A flag's
// `@PACKAGE@` is the root of that fetched Debian source package (corpus/fetch-sources.sh):
// iproute2's own include/bpf_api.h, BPF_FUNC() helpers by their short names, __section() and a
// legacy struct bpf_elf_map. Above the marker each style also defines the map and spells the
// entry's section through a macro of its own (ENTRY_SECTION; an unknown section in
// vmlinux_renamed). `options` holds a style's extra options per command ("retarget: --type xdp"):
// what a user of that style passes. Every style must give the same outcomes: the
// harness of the parser verifies, the program retargets to tc, verifies there and behaves the
// same on packets, with the same kept functions and maps. The names the harness and the rewrites
// write come from the input's declarations, or from bpfcarve's where the input has none
// (extractor/include/bpfcarve/extractor/Declarations.h), never from an #include appended.
//
//===----------------------------------------------------------------------===//
#include "NoResidue.h"
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bpfcarve;

namespace {

const std::string StylesDir = BPFCARVE_SOURCE_DIR "/tests/styles";
const std::string Marker = "/* --- the program: the same text in every style --- */";

std::string slurp(const fs::path &P) {
  std::ifstream I(P, std::ios::binary);
  std::stringstream S;
  S << I.rdbuf();
  return S.str();
}

std::vector<std::string> styles() {
  std::vector<std::string> Out;
  for (const auto &E : fs::directory_iterator(StylesDir))
    if (E.is_directory() && fs::exists(E.path() / "prog.bpf.c"))
      Out.push_back(E.path().filename().string());
  std::sort(Out.begin(), Out.end());
  return Out;
}

/// The roots of the fetched source packages by name (corpus/fetch-sources.sh's layout.json).
std::map<std::string, std::string> sourcePackages() {
  const char *Env = std::getenv("BPFCARVE_SOURCES_DIR");
  const char *Home = std::getenv("HOME");
  std::string Dir = Env ? Env : std::string(Home ? Home : "/root") + "/.cache/bpfcarve/sources";
  std::map<std::string, std::string> Out;
  json Layout = json::parse(slurp(Dir + "/layout.json"), nullptr, false);
  if (Layout.is_object() && Layout["projects"].is_array())
    for (const json &P : Layout["projects"])
      Out[P.value("package", "")] = P.value("root", "");
  return Out;
}

/// A style's flags with -I made absolute for its folder Dir and `@PACKAGE@` replaced; empty:
/// bpfcarve's defaults. Missing names a package that is not fetched.
std::vector<std::string> flagsOf(const fs::path &Dir, std::string *Missing = nullptr) {
  std::vector<std::string> Flags;
  std::istringstream In(fs::exists(Dir / "flags") ? slurp(Dir / "flags") : "");
  for (std::string F; In >> F;) {
    if (size_t A = F.find('@'), B = F.find('@', A + 1); A != std::string::npos &&
                                                         B != std::string::npos) {
      std::string Package = F.substr(A + 1, B - A - 1);
      std::string Root = sourcePackages()[Package];
      if (Root.empty() && Missing)
        *Missing = Package;
      F.replace(A, B - A + 1, Root);
    }
    Flags.push_back(F.starts_with("-I") && F.size() > 2 && F[2] != '/'
                        ? "-I" + (Dir / F.substr(2)).string()
                        : F);
  }
  return Flags;
}

/// The style's options for Command (its `options` file: "COMMAND: OPTION...").
std::vector<std::string> optionsOf(const fs::path &Dir, const std::string &Command) {
  std::vector<std::string> Out;
  std::istringstream In(fs::exists(Dir / "options") ? slurp(Dir / "options") : "");
  for (std::string Line; std::getline(In, Line);) {
    if (Line.rfind(Command + ":", 0) != 0)
      continue;
    std::istringstream Words(Line.substr(Command.size() + 1));
    for (std::string W; Words >> W;)
      Out.push_back(W);
  }
  return Out;
}

/// What one style gives: exit codes, verdicts, kept names; and the texts, for the messages.
struct Outcome {
  int harnessExit = -1, retargetExit = -1;
  std::string harnessVerdict, retargetVerdict;
  long long divergent = -1, compared = -1;
  bool mapsEqual = false;
  std::set<std::string> kept; ///< project functions and maps of the harness slice
  std::string log;
};

class HeaderStyle : public ::testing::TestWithParam<std::string> {
protected:
  static toolchain::ProcessResult run(std::vector<std::string> Args,
                                      const std::vector<std::string> &Flags) {
    Args.insert(Args.begin(), BPFCARVE_BIN);
    if (!Flags.empty()) {
      Args.emplace_back("--");
      Args.insert(Args.end(), Flags.begin(), Flags.end());
    }
    auto R = toolchain::runProcess(Args);
    EXPECT_TRUE(static_cast<bool>(R));
    return R ? *R : toolchain::ProcessResult{};
  }

  static std::string verdictOf(const std::string &File, const std::vector<std::string> &Flags,
                               std::string &Log) {
    auto V = run({"verify", File, "--format", "json"}, Flags);
    Log += V.err;
    json J = json::parse(V.out, nullptr, false);
    if (J.is_discarded() || J["programs"].empty())
      return "no report (exit " + std::to_string(V.exitCode) + ")";
    std::string Out;
    for (const json &P : J["programs"])
      Out += P["name"].get<std::string>() + "=" + P["verdict"].get<std::string>() + " ";
    return Out;
  }

  /// The style's folder, copied into Tmp with what its `vmlinux` file asks for written;
  /// empty, with the reason in Skip, when this machine cannot write it.
  static std::string preparedCopy(const std::string &Style, const std::string &Tmp,
                                  std::string &Skip) {
    const fs::path Src = fs::path(StylesDir) / Style, Dir = fs::path(Tmp) / ("src-" + Style);
    fs::copy(Src, Dir, fs::copy_options::recursive);
    if (std::string Package; flagsOf(Dir, &Package), !Package.empty()) {
      Skip = "the " + Package + " package is not fetched (corpus/fetch-sources.sh)";
      return "";
    }
    if (!fs::exists(Src / "vmlinux"))
      return Dir.string();
    std::istringstream In(slurp(Src / "vmlinux"));
    std::string Dump, Link;
    In >> Dump >> Link;
    auto D = toolchain::runProcess(
        {"bpftool", "btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "c"});
    if (!D || D->exitCode != 0) {
      Skip = "bpftool cannot dump this kernel's BTF (/sys/kernel/btf/vmlinux)";
      return "";
    }
    std::ofstream(Dir / Dump) << D->out;
    fs::create_symlink(fs::path(Dump).filename(), Dir / Link);
    return Dir.string();
  }

  static Outcome outcomeOf(const std::string &Style, const std::string &Dir,
                           const std::string &Tmp) {
    Outcome O;
    const std::string In = Dir + "/prog.bpf.c";
    const std::vector<std::string> Flags = flagsOf(Dir);
    const std::string Harness = Tmp + "/" + Style + ".harness.c";
    const std::string Manifest = Tmp + "/" + Style + ".manifest.json";
    auto E = run({"extract", In, "--function", "parse_ipv4", "--harness", "xdp", "-o", Harness,
                  "--manifest", Manifest},
                 Flags);
    O.harnessExit = E.exitCode;
    O.log += E.err;
    if (E.exitCode == 0) {
      O.harnessVerdict = verdictOf(Harness, Flags, O.log);
      json M = json::parse(slurp(Manifest), nullptr, false);
      if (!M.is_discarded())
        for (const json &K : M["kept"])
          if ((K["kind"] == "function" || K["kind"] == "map") && K["origin"] != "system")
            O.kept.insert(K["id"].get<std::string>().substr(0, K["id"].get<std::string>().find('@')));
    }
    const std::string Retargeted = Tmp + "/" + Style + ".tc.c";
    std::vector<std::string> RetargetArgs{"retarget", In, "--to", "tc", "-o", Retargeted};
    for (std::string &W : optionsOf(Dir, "retarget"))
      RetargetArgs.push_back(std::move(W));
    auto R = run(RetargetArgs, Flags);
    O.retargetExit = R.exitCode;
    O.log += R.err;
    if (R.exitCode == 0) {
      O.retargetVerdict = verdictOf(Retargeted, Flags, O.log);
      std::vector<std::string> DiffArgs{"diff-run", In, Retargeted, "--format", "json"};
      for (std::string &W : optionsOf(Dir, "diff-run"))
        DiffArgs.push_back(std::move(W));
      auto D = run(DiffArgs, Flags);
      O.log += D.err;
      json J = json::parse(D.out, nullptr, false);
      if (!J.is_discarded()) {
        O.divergent = J.value("divergent", -1LL);
        O.compared = J.value("compared", -1LL);
        O.mapsEqual = J.value("maps_equal", false);
      }
    }
    return O;
  }
};

TEST(HeaderStyles, EveryStyleHoldsTheSameProgram) {
  std::vector<std::string> All = styles();
  ASSERT_GE(All.size(), 6U) << "tests/styles holds fewer styles than the test was written for";
  std::string First;
  for (const std::string &S : All) {
    std::string Text = slurp(fs::path(StylesDir) / S / "prog.bpf.c");
    size_t At = Text.find(Marker);
    ASSERT_NE(At, std::string::npos) << S << ": no marker line";
    if (First.empty())
      First = Text.substr(At);
    EXPECT_EQ(Text.substr(At), First) << S << ": the program differs from " << All.front() << "'s";
  }
}

TEST_P(HeaderStyle, HarnessRetargetAndDiffRunWork) {
  if (geteuid() != 0)
    GTEST_SKIP() << "loading programs needs root (CAP_BPF)";
  auto T = toolchain::TempDir::create("bpfcarve-styles");
  ASSERT_TRUE(static_cast<bool>(T));
  std::string Skip;
  const std::string Dir = preparedCopy(GetParam(), T->path(), Skip);
  if (Dir.empty())
    GTEST_SKIP() << Skip;
  Outcome O = outcomeOf(GetParam(), Dir, T->path());
  EXPECT_EQ(O.harnessExit, 0) << O.log;
  EXPECT_EQ(O.harnessVerdict, "bpfcarve_harness=pass ") << O.log;
  EXPECT_EQ(O.kept, (std::set<std::string>{"function:parse_ipv4"})) << O.log;
  EXPECT_EQ(O.retargetExit, 0) << O.log;
  EXPECT_EQ(O.retargetVerdict, "count_and_drop_icmp=pass ") << O.log;
  EXPECT_EQ(O.divergent, 0) << O.log;
  EXPECT_GT(O.compared, 100) << O.log;
  EXPECT_TRUE(O.mapsEqual) << O.log;
}

INSTANTIATE_TEST_SUITE_P(Styles, HeaderStyle, ::testing::ValuesIn(styles()),
                         [](const auto &Info) { return Info.param; });

} // namespace
