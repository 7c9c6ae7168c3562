//===- RetargetCommand.cpp - bpfcarve retarget ----------------------------===//
#include "Command.h"

#include "bpfcarve/toolchain/OutputFile.h"
#include "bpfcarve/transformer/Retarget.h"

#include <iostream>
#include <memory>

namespace bpfcarve::cli {

namespace {
struct RetargetCliOptions {
  std::string file, to, from, program, direction = "ingress", socketOffsets = "l3", output, report;
  bool allowApprox = false;
};

int runRetarget(const RetargetCliOptions &O, const CommandContext &Ctx) {
  if (auto R = refuseOutputsOverInput({O.output, O.report}, O.file); !R)
    return report(R.failure(), Ctx);
  auto In = inputFor(O.file, Ctx);
  if (!In)
    return report(In.failure(), Ctx);
  const extractor::ParseOptions &P = *In;
  transformer::RetargetOptions RO;
  RO.program = O.program;
  RO.to = O.to;
  RO.from = O.from;
  RO.direction = O.direction;
  RO.socketOffsets = O.socketOffsets;
  RO.allowApprox = O.allowApprox;
  if (!O.output.empty())
    RO.outputDir = toolchain::directoryOf(O.output);
  auto R = transformer::retarget(P, RO);
  if (!R) {
    // Every refusal, not only the first, is worth seeing.
    if (R.failure().kind == FailureKind::Rejected && !Ctx.verbose)
      std::cerr << R.failure().firstLine() << "\n" << R.failure().details;
    else
      report(R.failure(), Ctx);
    return R.failure().exitCode();
  }
  return writeOutputs(R->report.warnings, O.report, transformer::reportJson(R->report), O.output,
                      R->text, Ctx);
}
} // namespace

void addRetargetCommand(CLI::App &App, CommandContext &Ctx) {
  auto O = std::make_shared<RetargetCliOptions>();
  CLI::App *Sub = App.add_subcommand(
      "retarget", "Move a program (its slice) to another hook: ctx type and fields, return "
                  "codes, helpers, section; refuse what has no sound rewrite");
  Sub->add_option("FILE", O->file, "BPF C source file")->required();
  Sub->add_option("--to", O->to, "target hook: xdp, tc, socket, cgroup_skb/ingress, ...")
      ->required();
  Sub->add_option("--type,--from", O->from,
                  "the program's hook: names it when its SEC() is one libbpf does not know "
                  "(iproute2's \"egress\"), else checked against SEC()");
  Sub->add_option("--program", O->program, "the program (function or unique section)");
  Sub->add_option("--direction", O->direction, "tc direction: ingress (default) or egress")
      ->check(CLI::IsMember({"ingress", "egress"}));
  Sub->add_option("--socket-offsets", O->socketOffsets,
                  "where a socket filter's packet offsets start: l3 (default: an IP socket's "
                  "filter) or l2 (an AF_PACKET socket's)")
      ->check(CLI::IsMember({"l2", "l3"}));
  Sub->add_flag("--allow-approx", O->allowApprox, "allow approximate rewrites (listed as caveats)");
  Sub->add_option("-o", O->output, "output file (default: standard output)");
  Sub->add_option("--report", O->report, "write every rewrite, approximation and caveat as JSON");
  addModernizeMapsFlag(Sub, Ctx);
  addIncludePolicyFlags(Sub, Ctx);
  Sub->add_option("-p", Ctx.buildDir, "directory holding compile_commands.json");
  Sub->footer("libbpf 1.1 has no tc/ingress sections: --to tc emits SEC(\"tc\") and --direction\n"
              "decides the direction-dependent rewrites.\n"
              "Examples:\n"
              "  bpfcarve retarget filter.bpf.c --to tc -o filter_tc.bpf.c --report r.json\n"
              "  bpfcarve retarget lb.bpf.c --program gue_decap_only --to tc\n"
              "  bpfcarve retarget classifier.bpf.c --to xdp --allow-approx");
  Sub->callback([O, &Ctx] { Ctx.exitCode = runRetarget(*O, Ctx); });
}

} // namespace bpfcarve::cli
