//===- Compiler.cpp -------------------------------------------------------===//
#include "bpfcarve/verifier/Compiler.h"

#include "bpfcarve/toolchain/OutputFile.h"
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/Toolchain.h"

#include "LineMatch.h"

#include <filesystem>
#include <sstream>

namespace bpfcarve::verifier {

namespace {

using namespace line_match;

/// After `: `: `(?:fatal )?error: (.*)$`, the message stored in Msg.
bool errorAfter(std::string_view L, size_t I, std::string_view &Msg) {
  literal(L, I, "fatal ");
  if (!literal(L, I, "error: ") || hasCR(L.substr(I)))
    return false;
  Msg = L.substr(I);
  return true;
}

/// `^(.+?):(\d+):(\d+): (?:fatal )?error: (.*)$`: the first colon after a non-empty FILE that
/// the rest matches at.
bool located(std::string_view L, std::string_view &File, std::string_view &Line,
             std::string_view &Col, std::string_view &Msg) {
  for (size_t C = L.find(':', 1); C != std::string_view::npos; C = L.find(':', C + 1)) {
    if (hasCR(L.substr(0, C)))
      return false;
    size_t I = C;
    if (literal(L, I, ":") && digits(L, I, &Line) && literal(L, I, ":") && digits(L, I, &Col) &&
        literal(L, I, ": ") && errorAfter(L, I, Msg)) {
      File = L.substr(0, C);
      return true;
    }
  }
  return false;
}

/// `^[^:]*: (?:fatal )?error: (.*)$`
bool plain(std::string_view L, std::string_view &Msg) {
  size_t I = L.find(':');
  return I != std::string_view::npos && literal(L, I, ": ") && errorAfter(L, I, Msg);
}

} // namespace

Failure failureFromClangOutput(const std::string &Stderr, const std::string &Fallback) {
  std::stringstream SS(Stderr);
  std::string Line;
  while (std::getline(SS, Line)) {
    std::string_view File, LineNo, Col, Msg;
    if (located(Line, File, LineNo, Col, Msg)) {
      Failure F = Failure::badInput(std::string(Msg), std::string(File),
                                    number<unsigned>(LineNo).value_or(0),
                                    number<unsigned>(Col).value_or(0));
      F.details = Stderr;
      return F;
    }
    if (plain(Line, Msg)) {
      Failure F = Failure::badInput(std::string(Msg));
      F.details = Stderr;
      return F;
    }
  }
  Failure F = Failure::badInput(Fallback);
  F.details = Stderr;
  return F;
}

namespace {

/// kbuild's pipeline (toolchain::kbuildFlags): the host's LLVM IR, optimised for BPF, then
/// BPF code from llc. Argv is clang with the flags; the bitcode goes beside Object.
Result<std::string> compileKbuild(const toolchain::ClangInstallation &Clang,
                                  std::vector<std::string> Argv, const std::string &Source,
                                  const std::string &Object) {
  const std::string Bin = toolchain::llvmBinDir(Clang);
  const std::string Host = Object + ".host.bc", Bpf = Object + ".bpf.bc";
  Argv.insert(Argv.end(),
              {"-emit-llvm", "-Xclang", "-disable-llvm-passes", "-c", Source, "-o", Host});
  const std::vector<std::vector<std::string>> Steps = {
      Argv,
      {Bin + "/opt", "-O2", "-mtriple=bpf-pc-linux", Host, "-o", Bpf},
      {Bin + "/llc", "-march=bpf", "-filetype=obj", Bpf, "-o", Object}};
  for (const std::vector<std::string> &Step : Steps) {
    auto R = toolchain::runProcess(Step);
    if (!R)
      return R.failure();
    if (!R->ok())
      return failureFromClangOutput(R->err, std::filesystem::path(Step[0]).filename().string() +
                                                " failed on '" + Source + "' (kbuild pipeline)");
  }
  std::error_code EC;
  std::filesystem::remove(Host, EC);
  std::filesystem::remove(Bpf, EC);
  return Object;
}

} // namespace

Result<std::string> compileBpf(const std::string &Source,
                               const std::optional<std::vector<std::string>> &Flags,
                               const std::string &OutDir) {
  auto Clang = toolchain::clangInstallation();
  if (!Clang)
    return Clang.failure();
  std::vector<std::string> Chosen = Flags ? *Flags : toolchain::defaultBpfFlags(*Clang);
  bool Kbuild = toolchain::kbuildFlags(Chosen);
  std::vector<std::string> Argv{Clang->clang};
  if (!Kbuild)
    Argv.emplace_back("--target=bpf");
  Argv.insert(Argv.end(), Chosen.begin(), Chosen.end());
  // What --target=bpf does not bring by itself (as for the frontend): shim, multiarch dir.
  Argv.emplace_back("-idirafter");
  Argv.push_back(toolchain::shimIncludeDir());
  if (!Clang->multiarchDir.empty()) {
    Argv.emplace_back("-idirafter");
    Argv.push_back(Clang->multiarchDir);
  }
  std::string Object = OutDir + "/" + std::filesystem::path(Source).stem().string() + ".o";
  if (Kbuild)
    return compileKbuild(*Clang, Argv, Source, Object);
  Argv.insert(Argv.end(), {"-c", Source, "-o", Object});
  auto R = toolchain::runProcess(Argv);
  if (!R)
    return R.failure();
  if (!R->ok())
    return failureFromClangOutput(R->err, "clang-19 failed to compile '" + Source + "'");
  return Object;
}

Result<std::string> compileText(const std::string &Text, const std::string &Dir,
                                const std::string &FileName,
                                const std::optional<std::vector<std::string>> &Flags) {
  std::error_code EC;
  std::filesystem::create_directories(Dir, EC);
  if (EC)
    return Failure::environment("cannot create '" + Dir + "': " + EC.message());
  std::string Source = Dir + "/" + FileName;
  if (auto W = toolchain::writeFileAtomically(Source, Text); !W)
    return W.failure();
  return compileBpf(Source, Flags, Dir);
}

} // namespace bpfcarve::verifier
