//===- Command.h - what every bpfcarve subcommand shares ---------*- C++ -*-===//
#pragma once

#include "bpfcarve/extractor/Frontend.h"
#include "bpfcarve/extractor/Harness.h"
#include "bpfcarve/extractor/Slice.h"
#include "bpfcarve/toolchain/Result.h"
#include "bpfcarve/verifier/Guest.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace bpfcarve::cli {

/// Options of the whole command line and the exit code the chosen subcommand sets.
struct CommandContext {
  bool verbose = false;
  std::string buildDir;                          ///< -p
  std::optional<std::vector<std::string>> flags; ///< after `--`
  int exitCode = 0;
  /// --modernize-maps: legacy map definitions are rewritten before the command reads the file.
  bool modernizeMaps = false;
  /// --project-root, --keep-include, --expand-include: which headers are the project's own.
  extractor::IncludePolicy includes;
};

/// Prints the failure's one first line (and clang's/the kernel's details with -v); returns its
/// exit code.
int report(const Failure &F, const CommandContext &Ctx);

/// The exit code that wins when both apply: 4 > 2 > 1 > 3 > 0 (ARCHITECTURE.md).
int strongerExit(int A, int B);

/// Writes machine output to stdout; a write error is an environment failure.
int emit(const std::string &Text, const CommandContext &Ctx);

/// Prints the warnings, writes the JSON sidecar (manifest, report) when asked, then the C output
/// to -o (atomically) or to stdout. Returns the exit code.
int writeOutputs(const std::vector<std::string> &Warnings, const std::string &SidecarPath,
                 const std::string &SidecarJson, const std::string &OutputPath,
                 const std::string &Text, const CommandContext &Ctx);

/// How the frontend parses FILE under this command's -p or `--` flags.
extractor::ParseOptions parseOptionsFor(const std::string &File, const CommandContext &Ctx);

/// parseOptionsFor, with the file's legacy maps rewritten as BTF-defined maps under
/// --modernize-maps (a note on stderr names them; Modernized, when given, receives them).
Result<extractor::ParseOptions> inputFor(const std::string &File, const CommandContext &Ctx,
                                         std::vector<std::string> *Modernized = nullptr);

/// Adds --project-root, --keep-include and --expand-include to a command that parses C.
void addIncludePolicyFlags(CLI::App *Sub, CommandContext &Ctx);

/// Adds --modernize-maps to a command that reads a C file.
void addModernizeMapsFlag(CLI::App *Sub, CommandContext &Ctx);

/// BadInput when one of the output paths (empty ones are not given) is the input file.
Result<bool> refuseOutputsOverInput(const std::vector<std::string> &Outputs,
                                    const std::string &Input);

/// Compile flags for FILE from -p's compile_commands.json or `--`, without compiler, input,
/// -c and -o; nullopt when the user gave neither (toolchain defaults apply).
Result<std::optional<std::vector<std::string>>> compileFlagsFor(const std::string &File,
                                                                const CommandContext &Ctx);

/// compileFlagsFor, or the toolchain's BPF defaults when the user gave no flags.
Result<std::vector<std::string>> compileFlagsOrDefaults(const std::string &File,
                                                        const CommandContext &Ctx);

/// A BPF object for FILE: FILE itself when it is an ELF file, else FILE compiled with clang-19
/// (flags per compileFlagsFor) into Scratch, a private temporary directory the caller owns.
Result<std::string> objectFor(const std::string &File, const CommandContext &Ctx,
                              const std::string &ScratchDir,
                              std::vector<std::string> *Modernized = nullptr);

/// resolveKernel, telling stderr of each download and unpack before it starts.
Result<verifier::KernelImage> kernelNamed(const std::string &Name);

/// Text (an output of FILE) compiled in Dir with FILE's flags (per compileFlagsFor), its "..."
/// includes resolved against IncludeDir, where the text is written or FILE lives.
Result<std::string> compileTextAs(const std::string &File, const std::string &Text,
                                  const std::string &IncludeDir, const CommandContext &Ctx,
                                  const std::string &Dir);

/// --kernel K,... on retarget and carve: Text, a result of File, compiled (compileTextAs) and
/// checked on every kernel of List but host (the command's own verify is the host's): K's probe,
/// then a load on K. Source is what reports call the result.
Result<std::vector<verifier::KernelVerdict>>
checkOnKernels(const std::string &List, const std::string &File, const std::string &Text,
               const std::string &IncludeDir, const std::string &Source, const std::string &Type,
               const CommandContext &Ctx);
/// The verdicts for people: per kernel its refusals and verify's table.
std::string kernelVerdictsText(const std::vector<verifier::KernelVerdict> &Vs);
/// The verdicts as the reports' "kernels" array.
nlohmann::ordered_json kernelVerdictsJson(const std::vector<verifier::KernelVerdict> &Vs);
/// One error line per refusal and per program K refused; returns the exit code they make.
int reportKernelVerdicts(const std::vector<verifier::KernelVerdict> &Vs, const CommandContext &Ctx);

void addInspectCommand(CLI::App &App, CommandContext &Ctx);
void addVerifyCommand(CLI::App &App, CommandContext &Ctx);
void addDiffRunCommand(CLI::App &App, CommandContext &Ctx);
void addProbeCommand(CLI::App &App, CommandContext &Ctx);
/// Builds a Selection from the extract/carve options; exactly one must be given.
Result<extractor::Selection> selectionFrom(const std::string &Functions,
                                           const std::string &Programs, const std::string &Lines,
                                           const std::string &Map);

void addExtractCommand(CLI::App &App, CommandContext &Ctx);
void addRetargetCommand(CLI::App &App, CommandContext &Ctx);
void addCarveCommand(CLI::App &App, CommandContext &Ctx);
void addCorpusCommand(CLI::App &App, CommandContext &Ctx);
void addComposeCommand(CLI::App &App, CommandContext &Ctx);
void addCiCommand(CLI::App &App, CommandContext &Ctx);
/// Hidden: the man pages and bash completion, generated from the other commands' definitions.
void addGenerateDocsCommand(CLI::App &App, CommandContext &Ctx);

} // namespace bpfcarve::cli

namespace bpfcarve::transformer {
struct ComposeOptions;
}

namespace bpfcarve::cli {
/// A compose recipe read and checked (docs/compose.md): every mistake is BadInput at the
/// YAML's file:line before anything is carved.
Result<transformer::ComposeOptions> readRecipe(const std::string &File, const CommandContext &Ctx);

} // namespace bpfcarve::cli
