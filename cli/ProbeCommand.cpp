//===- ProbeCommand.cpp - bpfcarve probe ----------------------------------===//
#include "Command.h"

#include "bpfcarve/verifier/Guest.h"
#include "bpfcarve/verifier/HookComparison.h"
#include "bpfcarve/verifier/Kernels.h"
#include "bpfcarve/verifier/Probe.h"
#include "bpfcarve/verifier/ProbeReport.h"

#include <iostream>
#include <memory>

namespace bpfcarve::cli {

namespace {
struct ProbeCliOptions {
  std::string format = "text";
  bool refresh = false;
  std::string kernel = "host";
};

int runProbe(const ProbeCliOptions &O, const CommandContext &Ctx) {
  auto Names = verifier::splitKernelList(O.kernel);
  if (!Names)
    return report(Names.failure(), Ctx);
  if (Names->size() != 1)
    return report(Failure::badInput("probe --kernel takes one kernel; run it once per kernel"),
                  Ctx);
  auto K = kernelNamed(Names->front());
  if (!K)
    return report(K.failure(), Ctx);
  auto R = K->host ? verifier::probeKernel(O.refresh) : verifier::probeKernelImage(*K, O.refresh);
  if (!R)
    return report(R.failure(), Ctx);
  auto Comparisons = verifier::compareWithProfiles(*R);
  return emit(O.format == "json" ? verifier::renderProbeJson(*R, Comparisons)
                                 : verifier::renderProbeText(*R, Comparisons),
              Ctx);
}
} // namespace

void addProbeCommand(CLI::App &App, CommandContext &Ctx) {
  auto O = std::make_shared<ProbeCliOptions>();
  CLI::App *Sub = App.add_subcommand(
      "probe", "Measure what the running kernel lets each hook do (helpers, ctx fields, return "
               "values, test-run) by loading tiny programs, beside bpfcarve's hook profiles");
  Sub->add_option("--format", O->format, "output format")->check(CLI::IsMember({"text", "json"}));
  Sub->add_flag("--refresh", O->refresh, "measure again instead of reading the cache");
  Sub->add_option("--kernel", O->kernel,
                  "the kernel to measure: host, a Debian series (6.1, 6.12), a linux-image-*.deb "
                  "or a vmlinuz (booted once under QEMU)")
      ->default_str("host");
  Sub->footer("Cached per kernel (release + BTF hash; another kernel: its package and version)\n"
              "under ~/.cache/bpfcarve/probe.\n"
              "Examples:\n"
              "  bpfcarve probe\n"
              "  bpfcarve probe --kernel 6.1\n"
              "  bpfcarve probe --format json | jq '.hooks[] | {name}'");
  Sub->callback([O, &Ctx] { Ctx.exitCode = runProbe(*O, Ctx); });
}

} // namespace bpfcarve::cli
