//===- Compiler.cpp -------------------------------------------------------===//
#include "bpfcarve/verifier/Compiler.h"

#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/Toolchain.h"

#include <filesystem>
#include <regex>
#include <sstream>

namespace bpfcarve::verifier {

Failure failureFromClangOutput(const std::string &Stderr, const std::string &Fallback) {
  static const std::regex Located(R"(^(.+?):(\d+):(\d+): (?:fatal )?error: (.*)$)");
  static const std::regex Plain(R"(^[^:]*: (?:fatal )?error: (.*)$)");
  std::stringstream SS(Stderr);
  std::string Line;
  while (std::getline(SS, Line)) {
    std::smatch M;
    if (std::regex_match(Line, M, Located)) {
      Failure F = Failure::badInput(M[4], M[1], static_cast<unsigned>(std::stoul(M[2])),
                                    static_cast<unsigned>(std::stoul(M[3])));
      F.details = Stderr;
      return F;
    }
    if (std::regex_match(Line, M, Plain)) {
      Failure F = Failure::badInput(M[1]);
      F.details = Stderr;
      return F;
    }
  }
  Failure F = Failure::badInput(Fallback);
  F.details = Stderr;
  return F;
}

Result<std::string> compileBpf(const std::string &Source,
                               const std::optional<std::vector<std::string>> &Flags,
                               const std::string &OutDir) {
  auto Clang = toolchain::clangInstallation();
  if (!Clang)
    return Clang.failure();
  std::vector<std::string> Argv{Clang->clang, "--target=bpf"};
  std::vector<std::string> Chosen = Flags ? *Flags : toolchain::defaultBpfFlags(*Clang);
  Argv.insert(Argv.end(), Chosen.begin(), Chosen.end());
  // What --target=bpf does not bring by itself (as for the frontend): shim, multiarch dir.
  Argv.push_back("-idirafter");
  Argv.push_back(toolchain::shimIncludeDir());
  if (!Clang->multiarchDir.empty()) {
    Argv.push_back("-idirafter");
    Argv.push_back(Clang->multiarchDir);
  }
  std::string Object =
      OutDir + "/" + std::filesystem::path(Source).stem().string() + ".o";
  Argv.insert(Argv.end(), {"-c", Source, "-o", Object});
  auto R = toolchain::runProcess(Argv);
  if (!R)
    return R.failure();
  if (!R->ok())
    return failureFromClangOutput(R->err, "clang-19 failed to compile '" + Source + "'");
  return Object;
}

} // namespace bpfcarve::verifier
