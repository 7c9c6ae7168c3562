//===- ProbeCommand.cpp - bpfcarve probe ----------------------------------===//
#include "Command.h"

#include "bpfcarve/verifier/HookComparison.h"
#include "bpfcarve/verifier/Probe.h"
#include "bpfcarve/verifier/ProbeReport.h"

#include <memory>

namespace bpfcarve::cli {

namespace {
struct ProbeCliOptions {
  std::string format = "text";
  bool refresh = false;
};

int runProbe(const ProbeCliOptions &O, const CommandContext &Ctx) {
  auto R = verifier::probeKernel(O.refresh);
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
  Sub->footer("Cached per kernel (release + BTF hash) under ~/.cache/bpfcarve/probe.\n"
              "Examples:\n"
              "  bpfcarve probe\n"
              "  bpfcarve probe --format json | jq '.hooks[] | {name}'");
  Sub->callback([O, &Ctx] { Ctx.exitCode = runProbe(*O, Ctx); });
}

} // namespace bpfcarve::cli
