//===- main.cpp - the bpfcarve command ------------------------------------===//
//
// A thin driver: CLI11 parses the command line, the libraries do the work, and every failure
// becomes one first line on stderr plus the exit code of ARCHITECTURE.md's CLI contract.
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/extractor/Frontend.h"
#include "bpfcarve/extractor/ModelFormat.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

using namespace bpfcarve;

namespace {

struct GlobalOptions {
  bool verbose = false;
};

int report(const Failure &F, const GlobalOptions &G) {
  std::cerr << F.firstLine() << "\n";
  if (G.verbose && !F.details.empty())
    std::cerr << F.details;
  return F.exitCode();
}

/// Compiler flags as clang tools take them: -p BUILD_DIR, or everything after `--`.
struct FlagOptions {
  std::string buildDir;
  std::optional<std::vector<std::string>> flags;
  extractor::ParseOptions parseOptions(const std::string &File) const {
    extractor::ParseOptions O;
    O.file = File;
    O.buildDir = buildDir;
    O.flags = flags;
    return O;
  }
};

int runInspect(const std::string &File, const std::string &Format, const FlagOptions &Flags,
               const GlobalOptions &G) {
  auto Model = extractor::buildProgramModel(Flags.parseOptions(File));
  if (!Model)
    return report(Model.failure(), G);
  if (Format == "json")
    std::cout << extractor::toJson(*Model);
  else if (Format == "dot")
    std::cout << extractor::toDot(*Model);
  else
    std::cout << extractor::toText(*Model);
  std::cout.flush();
  return std::cout ? 0 : report(Failure::environment("cannot write to standard output"), G);
}

} // namespace

int main(int argc, char **argv) {
  // Everything after the first `--` is compiler flags, never bpfcarve options.
  FlagOptions Flags;
  int Own = argc;
  for (int I = 1; I < argc; ++I)
    if (std::string(argv[I]) == "--") {
      Own = I;
      Flags.flags = std::vector<std::string>(argv + I + 1, argv + argc);
      break;
    }

  GlobalOptions G;
  CLI::App App{"bpfcarve - carve features out of BPF C programs, retarget them between hooks, "
               "and prove them with the kernel verifier",
               "bpfcarve"};
  App.set_version_flag("--version", "bpfcarve 0.1.0");
  App.add_flag("-v,--verbose", G.verbose, "print clang's full diagnostics after the first line");
  App.require_subcommand(1);
  App.footer("Compiler flags: -p BUILD_DIR (compile_commands.json) or `-- FLAGS...` after the\n"
             "arguments; with neither, BPF defaults (--target=bpf -O2 -g, vmlinux.h dir, ...).\n"
             "Exit codes: 0 ok, 1 rejected/refused/differs, 2 bad usage or input,\n"
             "3 environment cannot do it, 4 internal error.");

  std::string File, Format = "text";
  CLI::App *Inspect = App.add_subcommand(
      "inspect", "Show the programs, functions, maps, globals, types, macros, includes and the "
                 "reference graph of a BPF C file");
  Inspect->add_option("FILE", File, "BPF C source file")->required();
  Inspect->add_option("--format", Format, "output format")
      ->check(CLI::IsMember({"text", "json", "dot"}));
  Inspect->add_option("-p", Flags.buildDir, "directory holding compile_commands.json");
  Inspect->footer("Examples:\n"
                  "  bpfcarve inspect balancer.bpf.c\n"
                  "  bpfcarve inspect balancer.bpf.c --format json | jq '.programs[].name'\n"
                  "  bpfcarve inspect balancer.bpf.c --format dot | dot -Tsvg > graph.svg\n"
                  "  bpfcarve inspect prog.c -p build/\n"
                  "  bpfcarve inspect prog.c -- --target=bpf -O2 -I include -DDEBUG=1");

  try {
    App.parse(Own, argv);
  } catch (const CLI::CallForHelp &) {
    std::cout << App.help();
    return 0;
  } catch (const CLI::CallForAllHelp &) {
    std::cout << App.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::CallForVersion &E) {
    std::cout << E.what() << "\n";
    return 0;
  } catch (const CLI::ParseError &E) {
    // Help requested on a subcommand also arrives here as CallForHelp from that subcommand.
    if (E.get_exit_code() == 0) {
      return App.exit(E);
    }
    std::string Msg = E.what();
    std::cerr << "bpfcarve: error: " << Msg << "\n";
    if (G.verbose)
      std::cerr << App.help();
    return 2;
  }

  if (*Inspect)
    return runInspect(File, Format, Flags, G);
  return 2;
}
