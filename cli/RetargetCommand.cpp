//===- RetargetCommand.cpp - bpfcarve retarget ----------------------------===//
#include "Command.h"

#include "bpfcarve/toolchain/OutputFile.h"
#include "bpfcarve/transformer/Retarget.h"

#include <filesystem>
#include <iostream>
#include <memory>

namespace bpfcarve::cli {

namespace {
struct RetargetCliOptions {
  std::string file, to, from, program, direction = "ingress", socketOffsets = "l3", output, report,
                                       kernels = "host";
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
  std::string ReportJson = transformer::reportJson(R->report);
  int KernelCode = 0;
  if (O.kernels != "host") {
    // --kernel: the result, built with the input's flags where it will stand, against each
    // other kernel's probe and verifier. What a kernel lacks is a refusal: nothing is written.
    std::string IncludeDir = O.output.empty()
                                 ? std::filesystem::absolute(O.file).parent_path().string()
                                 : toolchain::directoryOf(O.output);
    auto Verdicts = checkOnKernels(O.kernels, O.file, R->text, IncludeDir,
                                   O.output.empty() ? O.file : O.output, "", Ctx);
    if (!Verdicts)
      return report(Verdicts.failure(), Ctx);
    KernelCode = reportKernelVerdicts(*Verdicts, Ctx);
    for (const verifier::KernelVerdict &V : *Verdicts)
      if (!V.refusals.empty())
        return KernelCode;
    auto J = nlohmann::ordered_json::parse(ReportJson);
    J["kernels"] = kernelVerdictsJson(*Verdicts);
    ReportJson = J.dump(2) + "\n";
  }
  int Code = writeOutputs(R->report.warnings, O.report, ReportJson, O.output, R->text, Ctx);
  return strongerExit(Code, KernelCode);
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
  Sub->add_option("--kernel", O->kernels,
                  "also check the result on these kernels (host, 6.1, 6.12, a .deb or vmlinuz): "
                  "a helper or kfunc one lacks is refused by name, then it is verified there")
      ->default_str("host");
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
              "  bpfcarve retarget classifier.bpf.c --to xdp --allow-approx\n"
              "  bpfcarve retarget filter.bpf.c --to tc --kernel 6.1,6.12 -o filter_tc.bpf.c");
  Sub->callback([O, &Ctx] { Ctx.exitCode = runRetarget(*O, Ctx); });
}

} // namespace bpfcarve::cli
