//===- main.cpp - the bpfcarve command ------------------------------------===//
//
// A thin driver: CLI11 parses the command line, the libraries do the work, and every failure
// becomes one first line on stderr plus the exit code of ARCHITECTURE.md's CLI contract.
//
//===----------------------------------------------------------------------===//
#include "Command.h"

#include "bpfcarve/extractor/Frontend.h"
#include "bpfcarve/toolchain/TempDir.h"

#include <iostream>

using namespace bpfcarve;

namespace {
int run(int argc, char **argv) {
  // Interrupted runs leave no scratch directory behind (the kernel frees programs and maps by
  // itself when our file descriptors close).
  toolchain::removeTempDirsOnSignals();
  // A preamble due to be built is built beside the command's parse, never before it; one
  // loaded serves the command's later parses from memory.
  extractor::runAsOneCommand();
  cli::CommandContext Ctx;
  // Everything after the first `--` is compiler flags, never bpfcarve options.
  int Own = argc;
  for (int I = 1; I < argc; ++I)
    if (std::string(argv[I]) == "--") {
      Own = I;
      Ctx.flags = std::vector<std::string>(argv + I + 1, argv + argc);
      break;
    }

  CLI::App App{"bpfcarve - carve features out of BPF C programs, retarget them between hooks, "
               "and prove them with the kernel verifier",
               "bpfcarve"};
  App.set_version_flag("--version", "bpfcarve 0.1.0");
  App.add_flag("-v,--verbose", Ctx.verbose, "print clang's or the kernel's full diagnostics");
  App.require_subcommand(1);
  App.footer("Compiler flags: -p BUILD_DIR (compile_commands.json) or `-- FLAGS...` after the\n"
             "arguments; with neither, BPF defaults (--target=bpf -O2 -g, vmlinux.h dir, ...).\n"
             "Exit codes: 0 ok, 1 rejected/refused/differs, 2 bad usage or input,\n"
             "3 environment cannot do it, 4 internal error.");
  cli::addInspectCommand(App, Ctx);
  cli::addExtractCommand(App, Ctx);
  cli::addRetargetCommand(App, Ctx);
  cli::addCarveCommand(App, Ctx);
  cli::addCorpusCommand(App, Ctx);
  cli::addComposeCommand(App, Ctx);
  cli::addCiCommand(App, Ctx);
  cli::addGenerateDocsCommand(App, Ctx);
  cli::addVerifyCommand(App, Ctx);
  cli::addDiffRunCommand(App, Ctx);
  cli::addProbeCommand(App, Ctx);

  try {
    App.parse(Own, argv);
  } catch (const CLI::ParseError &E) {
    if (E.get_exit_code() == 0) // --help, --version
      return App.exit(E);
    std::cerr << "bpfcarve: error: " << E.what() << "\n";
    if (Ctx.verbose)
      std::cerr << App.help();
    return 2;
  }
  return Ctx.exitCode;
}
} // namespace

int main(int argc, char **argv) {
  // No thread outlives the command: a preamble still being built is finished first.
  struct FinishBuilds {
    ~FinishBuilds() { extractor::finishPreambleBuilds(); }
  } Finish;
  // The commands run inside run() (CLI11 calls them from parse()): an exception that escapes
  // one is a bug in bpfcarve, reported as one (exit 4) instead of an abort.
  try {
    return run(argc, argv);
  } catch (const std::exception &E) {
    std::cerr << "bpfcarve: error: internal error: " << E.what() << "\n";
  } catch (...) {
    std::cerr << "bpfcarve: error: internal error: an unknown exception\n";
  }
  return 4;
}
