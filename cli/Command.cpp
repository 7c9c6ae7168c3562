//===- Command.cpp --------------------------------------------------------===//
#include "Command.h"

#include "bpfcarve/extractor/Frontend.h"
#include "bpfcarve/toolchain/OutputFile.h"
#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/toolchain/Toolchain.h"
#include "bpfcarve/transformer/Modernize.h"
#include "bpfcarve/verifier/Compiler.h"
#include "bpfcarve/verifier/ReportFormat.h"

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

int strongerExit(int A, int B) {
  auto Rank = [](int C) { return C == 4 ? 4 : C == 2 ? 3 : C == 1 ? 2 : C == 3 ? 1 : 0; };
  return Rank(A) >= Rank(B) ? A : B;
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
  P.includes = Ctx.includes;
  return P;
}

Result<extractor::ParseOptions> inputFor(const std::string &File, const CommandContext &Ctx,
                                         std::vector<std::string> *Modernized) {
  extractor::ParseOptions P = parseOptionsFor(File, Ctx);
  if (!Ctx.modernizeMaps)
    return P;
  if (auto Ok = extractor::checkSourceFile(File); !Ok)
    return Ok.failure();
  auto M = transformer::modernizeMaps(P);
  if (!M)
    return M.failure();
  std::string Names;
  for (const std::string &N : M->maps)
    Names += (Names.empty() ? "" : ", ") + N;
  std::cerr << "bpfcarve: note: --modernize-maps: "
            << (M->maps.empty()
                    ? std::string("no legacy map in '" + File + "'")
                    : std::to_string(M->maps.size()) + " legacy map" +
                          (M->maps.size() > 1 ? "s" : "") + " rewritten as BTF-defined: " + Names)
            << "\n";
  if (Modernized)
    *Modernized = M->maps;
  return M->input;
}

void addIncludePolicyFlags(CLI::App *Sub, CommandContext &Ctx) {
  Sub->add_option("--project-root", Ctx.includes.projectRoot,
                  "the project's top directory: its headers are expanded into the output, every "
                  "other header stays #included (default: the directory of -p's "
                  "compile_commands.json, else the nearest one above the input holding .git, "
                  "else the input's)")
      ->check(CLI::ExistingDirectory);
  Sub->add_option("--keep-include", Ctx.includes.keep,
                  "keep this project header #included instead of copying from it (a path, its "
                  "tail as in linux/bpf.h, or its include spelling; repeatable)");
  Sub->add_option("--expand-include", Ctx.includes.expand,
                  "copy the kept declarations of this header into the output instead of "
                  "#including it, whatever header it is (as --keep-include; repeatable)");
}

void addModernizeMapsFlag(CLI::App *Sub, CommandContext &Ctx) {
  Sub->add_flag("--modernize-maps", Ctx.modernizeMaps,
                "rewrite legacy SEC(\"maps\") definitions (struct bpf_map_def, iproute2's "
                "struct bpf_elf_map) as BTF-defined maps first");
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

Result<std::vector<std::string>> compileFlagsOrDefaults(const std::string &File,
                                                        const CommandContext &Ctx) {
  auto Flags = compileFlagsFor(File, Ctx);
  if (!Flags)
    return Flags.failure();
  if (*Flags)
    return **Flags;
  auto Clang = toolchain::clangInstallation();
  if (!Clang)
    return Clang.failure();
  return toolchain::defaultBpfFlags(*Clang);
}

Result<std::string> objectFor(const std::string &File, const CommandContext &Ctx,
                              const std::string &ScratchDir, std::vector<std::string> *Modernized) {
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
  if (!Ctx.modernizeMaps)
    return verifier::compileBpf(File, *Flags, ScratchDir);
  auto Modern = inputFor(File, Ctx, Modernized);
  if (!Modern)
    return Modern.failure();
  if (!Modern->contents) // no legacy map
    return verifier::compileBpf(File, *Flags, ScratchDir);
  // The rewritten text stands in the scratch directory; its "..." includes still resolve
  // against the input's directory.
  return compileTextAs(File, *Modern->contents,
                       std::filesystem::absolute(File).parent_path().string(), Ctx,
                       ScratchDir + "/modernized");
}

Result<verifier::KernelImage> kernelNamed(const std::string &Name) {
  return verifier::resolveKernel(
      Name, [](const std::string &Msg) { std::cerr << "bpfcarve: " << Msg << "\n"; });
}

Result<std::string> compileTextAs(const std::string &File, const std::string &Text,
                                  const std::string &IncludeDir, const CommandContext &Ctx,
                                  const std::string &Dir) {
  auto Flags = compileFlagsOrDefaults(File, Ctx);
  if (!Flags)
    return Flags.failure();
  std::vector<std::string> With = Flags.take();
  With.push_back("-iquote");
  With.push_back(IncludeDir);
  return verifier::compileText(Text, Dir, std::filesystem::path(File).filename().string(), With);
}

Result<std::vector<verifier::KernelVerdict>>
checkOnKernels(const std::string &List, const std::string &File, const std::string &Text,
               const std::string &IncludeDir, const std::string &Source, const std::string &Type,
               const CommandContext &Ctx) {
  auto Scratch = toolchain::TempDir::create("bpfcarve-kernels");
  if (!Scratch)
    return Scratch.failure();
  auto Object = compileTextAs(File, Text, IncludeDir, Ctx, Scratch->path());
  if (!Object) {
    Failure F = Failure::internal("the result does not compile: " + Object.failure().message);
    F.details = Object.failure().details;
    return F;
  }
  std::vector<verifier::KernelVerdict> Out;
  auto Names = verifier::splitKernelList(List);
  if (!Names)
    return Names.failure();
  for (const std::string &Name : *Names) {
    if (Name == "host")
      continue; // the command verifies on the host itself
    auto K = kernelNamed(Name);
    if (!K)
      return K.failure();
    auto V = verifier::checkOnKernel(*K, *Object, Source, "", Type);
    if (!V)
      return V.failure();
    Out.push_back(V.take());
  }
  return Out;
}

nlohmann::ordered_json kernelVerdictsJson(const std::vector<verifier::KernelVerdict> &Vs) {
  nlohmann::ordered_json A = nlohmann::ordered_json::array();
  for (const verifier::KernelVerdict &V : Vs) {
    nlohmann::ordered_json J = {
        {"name", V.kernel.name},
        {"release", V.release},
        {"package", V.kernel.package.empty()
                        ? nlohmann::ordered_json(nullptr)
                        : nlohmann::ordered_json(V.kernel.package + " " + V.kernel.version)},
        {"refusals", V.refusals}};
    J["verify"] = V.verify ? nlohmann::ordered_json::parse(verifier::reportJson(*V.verify))
                           : nlohmann::ordered_json(nullptr);
    A.push_back(J);
  }
  return A;
}

std::string kernelVerdictsText(const std::vector<verifier::KernelVerdict> &Vs) {
  std::string Out;
  for (const verifier::KernelVerdict &V : Vs) {
    Out += "\nkernel " + V.kernel.name + " (" + V.release + "):\n";
    for (const std::string &R : V.refusals)
      Out += "  refused: " + R + "\n";
    if (V.verify)
      Out += verifier::reportText(*V.verify);
  }
  return Out;
}

int reportKernelVerdicts(const std::vector<verifier::KernelVerdict> &Vs,
                         const CommandContext &Ctx) {
  int Code = 0;
  for (const verifier::KernelVerdict &V : Vs) {
    for (const std::string &R : V.refusals)
      Code = strongerExit(Code, report(Failure{FailureKind::Rejected, R, "", 0, 0, ""}, Ctx));
    if (!V.verify)
      continue;
    for (const verifier::ProgramReport &P : V.verify->programs)
      if (P.error && P.error->cls != verifier::failure_class::UnresolvedKsym)
        Code =
            strongerExit(Code, report(Failure{P.verdict == "skipped" ? FailureKind::Environment
                                                                     : FailureKind::Rejected,
                                              P.name + ": " + P.error->message + " [" +
                                                  P.error->cls + "] (kernel " + V.kernel.name + ")",
                                              P.error->file, P.error->line, 0, P.log},
                                      Ctx));
  }
  return Code;
}

} // namespace bpfcarve::cli
