//===- Command.cpp --------------------------------------------------------===//
#include "Command.h"

#include "bpfcarve/extractor/Frontend.h"
#include "bpfcarve/toolchain/OutputFile.h"
#include "bpfcarve/verifier/Compiler.h"

#include <filesystem>
#include <fstream>
#include <iostream>

namespace bpfcarve::cli {

int report(const Failure &F, const CommandContext &Ctx) {
  std::cerr << F.firstLine() << "\n";
  if (Ctx.verbose && !F.details.empty())
    std::cerr << F.details << (F.details.back() == '\n' ? "" : "\n");
  return F.exitCode();
}

int emit(const std::string &Text, const CommandContext &Ctx) {
  std::cout << Text;
  std::cout.flush();
  return std::cout ? 0 : report(Failure::environment("cannot write to standard output"), Ctx);
}

extractor::ParseOptions parseOptionsFor(const std::string &File, const CommandContext &Ctx) {
  extractor::ParseOptions P;
  P.file = File;
  P.buildDir = Ctx.buildDir;
  P.flags = Ctx.flags;
  return P;
}

Result<bool> refuseOutputsOverInput(const std::vector<std::string> &Outputs,
                                    const std::string &Input) {
  for (const std::string &Out : Outputs)
    if (!Out.empty())
      if (auto R = toolchain::refuseOverwritingInput(Out, {Input}); !R)
        return R.failure();
  return true;
}

int writeOutputs(const std::vector<std::string> &Warnings, const std::string &SidecarPath,
                 const std::string &SidecarJson, const std::string &OutputPath,
                 const std::string &Text, const CommandContext &Ctx) {
  for (const std::string &W : Warnings)
    std::cerr << "bpfcarve: warning: " << W << "\n";
  // Both paths first: an unwritable -o must not leave the sidecar behind, nor the reverse.
  for (const std::string &P : {SidecarPath, OutputPath})
    if (!P.empty())
      if (auto W = toolchain::checkWritable(P); !W)
        return report(W.failure(), Ctx);
  if (!SidecarPath.empty())
    if (auto W = toolchain::writeFileAtomically(SidecarPath, SidecarJson); !W)
      return report(W.failure(), Ctx);
  if (OutputPath.empty())
    return emit(Text, Ctx);
  if (auto W = toolchain::writeFileAtomically(OutputPath, Text); !W)
    return report(W.failure(), Ctx);
  return 0;
}

Result<std::optional<std::vector<std::string>>> compileFlagsFor(const std::string &File,
                                                                const CommandContext &Ctx) {
  if (Ctx.buildDir.empty())
    return Ctx.flags;
  extractor::ParseOptions O;
  O.file = File;
  O.buildDir = Ctx.buildDir;
  auto Cmd = extractor::effectiveFlags(O);
  if (!Cmd)
    return Cmd.failure();
  // compile_commands.json holds a whole command: keep only the flags.
  std::vector<std::string> Flags = extractor::flagsOfCommand(*Cmd, File);
  return std::optional<std::vector<std::string>>(Flags);
}

Result<std::string> objectFor(const std::string &File, const CommandContext &Ctx,
                              const std::string &ScratchDir) {
  std::ifstream In(File, std::ios::binary);
  char Magic[4] = {};
  In.read(Magic, 4);
  if (In.gcount() == 4 && Magic[0] == 0x7f && Magic[1] == 'E' && Magic[2] == 'L' && Magic[3] == 'F')
    return File;
  // An object by name that is not ELF is a bad object, not C source for the compiler.
  if (std::filesystem::path(File).extension() == ".o" && std::filesystem::is_regular_file(File))
    return Failure::badInput("'" + File + "' is not an ELF object file");
  if (auto Ok = extractor::checkSourceFile(File); !Ok)
    return Ok.failure();
  auto Flags = compileFlagsFor(File, Ctx);
  if (!Flags)
    return Flags.failure();
  return verifier::compileBpf(File, *Flags, ScratchDir);
}

} // namespace bpfcarve::cli
