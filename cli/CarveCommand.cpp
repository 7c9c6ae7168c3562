//===- CarveCommand.cpp - bpfcarve carve: extract, retarget, verify, diff-run -===//
//
// The whole job in one command, for people and CI: carve a feature out of a monolith, move it to
// another hook, prove the result in the kernel verifier, and show it behaves like the carved
// original on packets. The pipeline is one library call (transformer::carve); this file parses
// the flags and formats the report.
//
//===----------------------------------------------------------------------===//
#include "Command.h"

#include "bpfcarve/toolchain/OutputFile.h"
#include "bpfcarve/transformer/Pipeline.h"
#include "bpfcarve/verifier/ReportFormat.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

namespace bpfcarve::cli {

namespace {
struct CarveCliOptions {
  std::string file, functions, programs, lines, map, to, type,
      direction = "ingress", socketOffsets = "l3", output, report, format = "text",
      packets = "gen:all", seed, harness, kernels = "host";
  std::string keepStages;
  bool allowApprox = false, noDiffRun = false;
};

int runCarve(const CarveCliOptions &O, const CommandContext &Ctx) {
  using nlohmann::ordered_json;
  auto Sel = selectionFrom(O.functions, O.programs, O.lines, O.map);
  if (!Sel)
    return report(Sel.failure(), Ctx);
  if (O.output.empty())
    return report(Failure::badInput("carve needs -o OUT.c"), Ctx);
  if (auto R = refuseOutputsOverInput({O.output, O.report}, O.file); !R)
    return report(R.failure(), Ctx);
  for (const std::string &Out : {O.output, O.report})
    if (!Out.empty())
      if (auto W = toolchain::checkWritable(Out); !W)
        return report(W.failure(), Ctx);

  transformer::CarveOptions CO;
  auto In = inputFor(O.file, Ctx);
  if (!In)
    return report(In.failure(), Ctx);
  CO.input = In.take();
  CO.selection = *Sel;
  CO.harness = O.harness;
  CO.to = O.to;
  CO.type = O.type;
  CO.direction = O.direction;
  CO.socketOffsets = O.socketOffsets;
  CO.allowApprox = O.allowApprox;
  CO.diffRun = !O.noDiffRun;
  CO.packets = O.packets;
  CO.seed = O.seed;
  CO.output = O.output;
  CO.keepStages = O.keepStages;
  auto Carved = transformer::carve(CO);
  if (!Carved) {
    // A refused retarget lists every refusal: the first, then the others.
    if (Carved.failure().kind != FailureKind::Rejected)
      return report(Carved.failure(), Ctx);
    std::cerr << Carved.failure().firstLine() << "\n" << Carved.failure().details;
    return Carved.failure().exitCode();
  }
  const extractor::ExtractResult &Ex = Carved->extract;
  for (const std::string &W : Ex.warnings)
    std::cerr << "bpfcarve: warning: " << W << "\n";
  const std::optional<transformer::RetargetReport> &Retargeted = Carved->retarget;
  const verifier::ObjectReport &Verified = Carved->verify;
  const std::optional<verifier::DiffRunReport> &Diff = Carved->diffRun;
  const std::string &DiffSkipped = Carved->diffRunSkipped;
  int Code = Carved->exitCode;

  ordered_json J;
  J["input"] = O.file;
  J["selection"] = Sel->describe();
  J["output"] = O.output;
  unsigned Local = 0;
  for (const extractor::KeptEntity &K : Ex.slice.kept)
    Local += K.origin != extractor::Origin::System;
  J["extract"] = {
      {"kept", Ex.slice.kept.size()}, {"kept_from_the_project", Local}, {"warnings", Ex.warnings}};
  if (Retargeted)
    J["retarget"] = nlohmann::ordered_json::parse(transformer::reportJson(*Retargeted));
  else
    J["retarget"] = nullptr;
  J["verify"] = nlohmann::ordered_json::parse(verifier::reportJson(Verified));
  if (Diff)
    J["diff_run"] = nlohmann::ordered_json::parse(verifier::diffRunJson(*Diff));
  else
    J["diff_run"] = nullptr;
  J["diff_run_skipped"] = DiffSkipped;
  std::vector<verifier::KernelVerdict> Kernels;
  if (O.kernels != "host") {
    // --kernel: the written result against each other kernel's probe and verifier.
    auto Text = toolchain::readWholeFile(O.output);
    if (!Text)
      return report(Text.failure(), Ctx);
    auto Verdicts = checkOnKernels(O.kernels, O.file, *Text, toolchain::directoryOf(O.output),
                                   O.output, Retargeted ? std::string() : O.type, Ctx);
    if (!Verdicts)
      return report(Verdicts.failure(), Ctx);
    Kernels = Verdicts.take();
    Code = strongerExit(Code, reportKernelVerdicts(Kernels, Ctx));
    J["kernels"] = kernelVerdictsJson(Kernels);
  }
  std::string ReportJson = J.dump(2) + "\n";
  if (!O.report.empty())
    if (auto W = toolchain::writeFileAtomically(O.report, ReportJson); !W)
      return report(W.failure(), Ctx);

  if (O.format == "json") {
    if (int EC = emit(ReportJson, Ctx))
      return EC;
    return Code;
  }
  std::ostringstream T;
  T << "carve " << Sel->describe() << " from " << O.file << " -> " << O.output << "\n\n"
    << "extract:  kept " << Ex.slice.kept.size() << " entities (" << Local
    << " from the project, the rest behind #include)\n";
  if (Retargeted) {
    T << "retarget: " << Retargeted->fromHook << " -> " << Retargeted->toHook << " ("
      << Retargeted->direction << "), " << Retargeted->rewrites.size() << " rewrites\n";
    for (const transformer::Rewrite &W : Retargeted->rewrites)
      T << "  " << W.at.file << ":" << W.at.line << ":" << W.at.column << "  " << W.rule << ": "
        << W.before << " -> " << W.after << "\n";
    for (const std::string &C : Retargeted->caveats)
      T << "  caveat: " << C << "\n";
  }
  T << "\nverify:\n" << verifier::reportText(Verified);
  if (Diff)
    T << "\ndiff-run (" << O.packets << (O.seed.empty() ? "" : ", maps from " + O.seed) << "):\n"
      << verifier::diffRunText(*Diff);
  else if (!DiffSkipped.empty())
    T << "\ndiff-run skipped: " << DiffSkipped << "\n";
  T << kernelVerdictsText(Kernels);
  if (int EC = emit(T.str(), Ctx))
    return EC;
  return Code;
}
} // namespace

void addCarveCommand(CLI::App &App, CommandContext &Ctx) {
  auto O = std::make_shared<CarveCliOptions>();
  CLI::App *Sub = App.add_subcommand(
      "carve", "Extract a feature, retarget it (--to), verify it in the kernel and diff-run it "
               "against the carved original");
  Sub->add_option("FILE", O->file, "BPF C source file")->required();
  Sub->add_option("--function", O->functions, "functions F[,F...] (a harness entry is generated)");
  Sub->add_option("--program", O->programs, "a program (name or unique section)");
  Sub->add_option("--lines", O->lines, "declarations touching FILE:A-B");
  Sub->add_option("--map", O->map, "every function that reads or writes map M");
  Sub->add_option("--to", O->to, "retarget to this hook (xdp, tc, ...)");
  Sub->add_option("--type", O->type,
                  "the program's hook when its SEC() is one libbpf does not know (tc, xdp, ...)");
  Sub->add_option("--direction", O->direction, "tc direction: ingress (default) or egress")
      ->check(CLI::IsMember({"ingress", "egress"}));
  Sub->add_option("--socket-offsets", O->socketOffsets,
                  "where a socket filter's packet offsets start: l3 (default: an IP socket's "
                  "filter) or l2 (an AF_PACKET socket's; no differential run)")
      ->check(CLI::IsMember({"l2", "l3"}));
  Sub->add_flag("--allow-approx", O->allowApprox, "allow approximate rewrites");
  Sub->add_option("--harness", O->harness,
                  "hook of the harness for --function (default: --to, else xdp)");
  Sub->add_option("--packets", O->packets, "frames for the differential run (pcap or gen:NAME)");
  Sub->add_option("--maps", O->seed, "SEED.json written into both programs' maps before the run");
  Sub->add_flag("--no-diff-run", O->noDiffRun, "skip the differential run");
  Sub->add_option("--keep-stages", O->keepStages,
                  "write every intermediate into DIR: slice, manifest, retargeted text, objects, "
                  "verifier log, frames that diverged");
  Sub->add_option("--kernel", O->kernels,
                  "also check the result on these kernels (host, 6.1, 6.12, a .deb or vmlinuz): "
                  "what one lacks is refused by name, then it is verified there")
      ->default_str("host");
  Sub->add_option("-o", O->output, "output file")->required();
  Sub->add_option("--report", O->report, "write the whole report as JSON");
  Sub->add_option("--format", O->format, "output format")->check(CLI::IsMember({"text", "json"}));
  addModernizeMapsFlag(Sub, Ctx);
  addIncludePolicyFlags(Sub, Ctx);
  Sub->add_option("-p", Ctx.buildDir, "directory holding compile_commands.json");
  Sub->footer(
      "Exit: 0 carved, verified and (with --to) behaving the same; 1 rejected, refused or\n"
      "different; 2 bad input; 3 the kernel cannot do it here; 4 internal error.\n"
      "Examples:\n"
      "  bpfcarve carve balancer.bpf.c --program gue_decap_only --to tc -o gue_tc.bpf.c\n"
      "  bpfcarve carve balancer.bpf.c --function flow_hash -o hash.bpf.c\n"
      "  bpfcarve carve fw.bpf.c --program fw --to xdp --maps seed.json --format json\n"
      "  bpfcarve carve balancer.bpf.c --function decap --to tc -o d.bpf.c --keep-stages st/");
  Sub->callback([O, &Ctx] { Ctx.exitCode = runCarve(*O, Ctx); });
}

} // namespace bpfcarve::cli
