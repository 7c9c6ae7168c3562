//===- InspectCommand.cpp - bpfcarve inspect ------------------------------===//
#include "Command.h"

#include "bpfcarve/extractor/Frontend.h"
#include "bpfcarve/extractor/ModelFormat.h"
#include "bpfcarve/toolchain/Names.h"
#include "bpfcarve/verifier/HookProfile.h"

#include <iostream>

#include <memory>

namespace bpfcarve::cli {

namespace {
struct InspectOptions {
  std::string file;
  std::string format = "text";
  std::string type;
  bool preamble = false;
};

const char *preambleUseName(extractor::PreambleUse U) {
  switch (U) {
  case extractor::PreambleUse::NotTried:
    return "not tried";
  case extractor::PreambleUse::Loaded:
    return "loaded";
  case extractor::PreambleUse::Built:
    return "built";
  case extractor::PreambleUse::FullParse:
    return "full parse";
  }
  return "?";
}

int runInspect(const InspectOptions &O, const CommandContext &Ctx) {
  const verifier::HookProfile *Type = nullptr;
  if (!O.type.empty()) {
    Type = verifier::findHook(O.type);
    if (!Type)
      return report(toolchain::unknownName("unknown hook", O.type, verifier::hookNames(),
                                           toolchain::everyName(verifier::hookNames())),
                    Ctx);
  }
  extractor::ParseOptions P = parseOptionsFor(O.file, Ctx);
  extractor::ParseReport Report;
  auto Model = extractor::buildProgramModel(P, O.preamble, &Report);
  if (O.preamble && Ctx.verbose)
    std::cerr << "bpfcarve: model parse preamble: " << preambleUseName(Report.preamble) << " ("
              << Report.note << ")\n";
  if (!Model)
    return report(Model.failure(), Ctx);
  // --type names the hook of programs in sections libbpf does not know (`__section("egress")`).
  if (Type)
    for (extractor::Program &Pr : Model->programs)
      if (Pr.type == "unknown") // ModelBuilder's name for a section libbpf does not know
        Pr.type = std::string(Type->progTypeName);
  if (O.format == "json")
    return emit(extractor::toJson(*Model), Ctx);
  if (O.format == "dot")
    return emit(extractor::toDot(*Model), Ctx);
  return emit(extractor::toText(*Model), Ctx);
}
} // namespace

void addInspectCommand(CLI::App &App, CommandContext &Ctx) {
  auto O = std::make_shared<InspectOptions>();
  CLI::App *Sub = App.add_subcommand(
      "inspect", "Show the programs, functions, maps, globals, types, macros, includes and the "
                 "reference graph of a BPF C file");
  Sub->add_option("FILE", O->file, "BPF C source file")->required();
  Sub->add_option("--format", O->format, "output format")
      ->check(CLI::IsMember({"text", "json", "dot"}));
  Sub->add_option("--type", O->type,
                  "the hook of programs whose SEC() libbpf does not know (tc, xdp, ...)");
  Sub->add_flag("--preamble", O->preamble,
                "read the headers of the leading #include <...> lines from the preamble cache "
                "(as extract does; the model is the same)");
  Sub->add_option("-p", Ctx.buildDir, "directory holding compile_commands.json");
  addIncludePolicyFlags(Sub, Ctx);
  Sub->footer("Examples:\n"
              "  bpfcarve inspect balancer.bpf.c\n"
              "  bpfcarve inspect balancer.bpf.c --format json | jq '.programs[].name'\n"
              "  bpfcarve inspect balancer.bpf.c --format dot | dot -Tsvg > graph.svg\n"
              "  bpfcarve inspect prog.c -p build/\n"
              "  bpfcarve inspect prog.c -- --target=bpf -O2 -I include -DDEBUG=1");
  Sub->callback([O, &Ctx] { Ctx.exitCode = runInspect(*O, Ctx); });
}

} // namespace bpfcarve::cli
