//===- ExtractCommand.cpp - bpfcarve extract ------------------------------===//
#include "Command.h"

#include "bpfcarve/transformer/Pipeline.h"

#include "bpfcarve/extractor/Extract.h"
#include "bpfcarve/toolchain/Names.h"
#include "bpfcarve/toolchain/OutputFile.h"
#include "bpfcarve/verifier/HookProfile.h"

#include <algorithm>
#include <iostream>
#include <memory>
#include <regex>
#include <sstream>

namespace bpfcarve::cli {

namespace {
struct ExtractCliOptions {
  std::string file, functions, programs, lines, map, output, manifest, harness;
  bool keepLocalIncludes = false, noSelfCheck = false;
};

std::vector<std::string> splitList(const std::string &S) {
  std::vector<std::string> Out;
  std::stringstream SS(S);
  std::string Item;
  while (std::getline(SS, Item, ','))
    if (!Item.empty())
      Out.push_back(Item);
  return Out;
}
} // namespace

Result<extractor::Selection> selectionFrom(const std::string &Functions,
                                           const std::string &Programs, const std::string &Lines,
                                           const std::string &Map) {
  int Given = !Functions.empty() + !Programs.empty() + !Lines.empty() + !Map.empty();
  if (Given != 1)
    return Failure::badInput("give exactly one selection: --function F[,F...], --program "
                             "P[,P...], --lines FILE:A-B or --map M");
  extractor::Selection S;
  if (!Functions.empty()) {
    S.kind = extractor::Selection::Kind::Functions;
    S.names = splitList(Functions);
  } else if (!Programs.empty()) {
    S.kind = extractor::Selection::Kind::Programs;
    S.names = splitList(Programs);
  } else if (!Map.empty()) {
    S.kind = extractor::Selection::Kind::Map;
    S.names = {Map};
  } else {
    std::smatch M;
    static const std::regex Range(R"(^(.+):(\d+)-(\d+)$)");
    if (!std::regex_match(Lines, M, Range))
      return Failure::badInput("--lines takes FILE:A-B (1-based, inclusive), not '" + Lines + "'");
    S.kind = extractor::Selection::Kind::Lines;
    S.file = M[1];
    S.first = static_cast<unsigned>(std::stoul(M[2]));
    S.last = static_cast<unsigned>(std::stoul(M[3]));
  }
  return S;
}

namespace {
int runExtract(const ExtractCliOptions &O, const CommandContext &Ctx) {
  auto Sel = selectionFrom(O.functions, O.programs, O.lines, O.map);
  if (!Sel)
    return report(Sel.failure(), Ctx);
  if (auto R = refuseOutputsOverInput({O.output, O.manifest}, O.file); !R)
    return report(R.failure(), Ctx);
  auto In = inputFor(O.file, Ctx);
  if (!In)
    return report(In.failure(), Ctx);
  const extractor::ParseOptions &P = *In;
  extractor::ExtractOptions E;
  E.emit.keepLocalIncludes = O.keepLocalIncludes;
  E.selfCheck = !O.noSelfCheck;
  if (!O.harness.empty()) {
    auto H = transformer::harnessHookFor(O.harness);
    if (!H)
      return report(H.failure(), Ctx);
    E.harness = *H;
  }
  auto R = extractor::extract(P, *Sel, E, O.output);
  if (!R)
    return report(R.failure(), Ctx);
  return writeOutputs(R->warnings, O.manifest, R->manifest, O.output, R->text, Ctx);
}
} // namespace

void addExtractCommand(CLI::App &App, CommandContext &Ctx) {
  auto O = std::make_shared<ExtractCliOptions>();
  CLI::App *Sub = App.add_subcommand(
      "extract", "Slice a BPF C file by functionality: the selection plus everything it needs "
                 "(callees, maps, globals, types, macros, includes, license), as original text");
  Sub->add_option("FILE", O->file, "BPF C source file")->required();
  Sub->add_option("--function", O->functions, "functions F[,F...]");
  Sub->add_option("--program", O->programs, "programs P[,P...] (name or unique section)");
  Sub->add_option("--lines", O->lines, "declarations touching FILE:A-B (1-based, inclusive)");
  Sub->add_option("--map", O->map, "every function that reads or writes map M");
  Sub->add_option("--harness", O->harness,
                  "add an entry program for HOOK that calls the selected functions with unknown "
                  "inputs (xdp, tc, socket, cgroup_skb/ingress, sockops, ...)");
  Sub->add_option("-o", O->output, "output file (default: standard output)");
  Sub->add_option("--manifest", O->manifest, "write what was kept and why as JSON");
  Sub->add_flag("--keep-local-includes", O->keepLocalIncludes,
                "keep #include \"...\" of the project's headers instead of copying from them");
  Sub->add_flag("--no-self-check", O->noSelfCheck,
                "skip parsing the output again before writing it (for benchmarks)");
  addModernizeMapsFlag(Sub, Ctx);
  addIncludePolicyFlags(Sub, Ctx);
  Sub->add_option("-p", Ctx.buildDir, "directory holding compile_commands.json");
  Sub->footer("Examples:\n"
              "  bpfcarve extract balancer.bpf.c --program gue_decap_only -o gue.bpf.c\n"
              "  bpfcarve extract balancer.bpf.c --function flow_hash --manifest kept.json\n"
              "  bpfcarve extract balancer.bpf.c --lines balancer.bpf.c:120-180\n"
              "  bpfcarve extract balancer.bpf.c --map ch_rings -- --target=bpf -O2 -DLB_STATS=0");
  Sub->callback([O, &Ctx] { Ctx.exitCode = runExtract(*O, Ctx); });
}

} // namespace bpfcarve::cli
