//===- CiCommand.cpp - bpfcarve ci JOBS.yaml ------------------------------===//
//
// CI verification of carved and composed programs (docs/ci.md): reads a job file (CiJobs.cpp),
// runs every job in every configuration on every kernel (CiRun.cpp), compares with a baseline
// and reports as text, JSON, SARIF or Markdown (CiReport.cpp).
//
//===----------------------------------------------------------------------===//
#include "CiJobs.h"

#include "bpfcarve/toolchain/OutputFile.h"
#include "bpfcarve/verifier/Kernels.h"

#include <iostream>
#include <memory>

namespace bpfcarve::cli {

namespace {

struct CiCliOptions {
  std::string jobs, baseline, format = "text", kernels, report, sarif, markdown, outDir;
  double maxGrowth = 10.0;
  unsigned kernelTimeout = 600;
};

std::string formatted(const std::string &Format, const ci::RunResult &R,
                      const std::vector<ci::Change> &Changes) {
  if (Format == "json")
    return ci::reportJson(R, Changes);
  if (Format == "sarif")
    return ci::reportSarif(R, Changes);
  if (Format == "markdown")
    return ci::reportMarkdown(R, Changes);
  return ci::reportText(R, Changes);
}

int runCi(const CiCliOptions &O, const CommandContext &Ctx) {
  const std::vector<std::string> Outputs = {O.report, O.sarif, O.markdown};
  if (auto R = refuseOutputsOverInput(Outputs, O.jobs); !R)
    return report(R.failure(), Ctx);
  if (!O.baseline.empty())
    if (auto R = refuseOutputsOverInput(Outputs, O.baseline); !R)
      return report(R.failure(), Ctx);
  for (const std::string &Out : Outputs)
    if (!Out.empty())
      if (auto W = toolchain::checkWritable(Out); !W)
        return report(W.failure(), Ctx);
  ci::RunOptions RO;
  if (!O.kernels.empty()) {
    auto Names = verifier::splitKernelList(O.kernels);
    if (!Names)
      return report(Names.failure(), Ctx);
    RO.kernels = *Names;
  }
  RO.kernelTimeout = O.kernelTimeout;
  RO.outDir = O.outDir;
  auto Jobs = ci::readJobs(O.jobs, Ctx);
  if (!Jobs)
    return report(Jobs.failure(), Ctx);
  auto Run = ci::runJobs(*Jobs, RO, Ctx);
  if (!Run)
    return report(Run.failure(), Ctx);
  std::vector<ci::Change> Changes;
  if (!O.baseline.empty()) {
    auto C = ci::compareBaseline(Run->rows, O.baseline, O.maxGrowth);
    if (!C)
      return report(C.failure(), Ctx);
    Changes = C.take();
  }
  // The first line of every failure on stderr, clang style, as the other commands print them.
  for (const ci::Row &R : Run->rows)
    if (R.verdict == "fail" || R.verdict == "error")
      report(Failure{R.exit == 0 ? FailureKind::Rejected : static_cast<FailureKind>(R.exit),
                     R.job + ": " + (R.program.empty() ? "" : R.program + ": ") + R.message +
                         (R.errorClass.empty() ? "" : " [" + R.errorClass + "]") + " (" +
                         R.configuration + ", kernel " + R.kernel + ")",
                     R.errorFile, R.errorLine, 0, ""},
             Ctx);
  for (const ci::Change &C : Changes)
    if (C.what == "regression")
      std::cerr << "bpfcarve: error: regression: " << C.job << " [" << C.configuration << "] "
                << C.program << " on " << C.kernel << ": " << C.reason << "\n";
  if (Ctx.verbose) {
    const ci::Counts &N = Run->counts;
    std::cerr << "bpfcarve: ci: " << N.jobs << " jobs, " << N.configurations
              << " configurations verified; parsed " << N.parses << " inputs, compiled "
              << N.compiles << " objects, booted " << N.boots << " kernels, " << N.loads
              << " verify loads\n";
  }
  for (auto [Path, Format] :
       {std::pair{&O.report, "json"}, {&O.sarif, "sarif"}, {&O.markdown, "markdown"}})
    if (!Path->empty())
      if (auto W = toolchain::writeFileAtomically(*Path, formatted(Format, *Run, Changes)); !W)
        return report(W.failure(), Ctx);
  if (int E = emit(formatted(O.format, *Run, Changes), Ctx))
    return E;
  return ci::runExitCode(*Run, Changes);
}

} // namespace

void addCiCommand(CLI::App &App, CommandContext &Ctx) {
  auto O = std::make_shared<CiCliOptions>();
  CLI::App *Sub = App.add_subcommand(
      "ci", "Run a job file of verify, carve and compose jobs over a configuration matrix and "
            "kernels; compare with a baseline; report for CI (text, JSON, SARIF, Markdown)");
  Sub->add_option("JOBS", O->jobs, "the job file (YAML; docs/ci.md)")->required();
  Sub->add_option("--baseline", O->baseline,
                  "a previous run's JSON report: pass->fail and instruction growth are "
                  "regressions (exit 1), improvements are reported");
  Sub->add_option("--max-insns-growth", O->maxGrowth,
                  "percent of processed-instruction growth over the baseline that is a "
                  "regression")
      ->default_str("10")
      ->check(CLI::Range(0.0, 1e6));
  Sub->add_option("--format", O->format, "output format on stdout")
      ->check(CLI::IsMember({"text", "json", "sarif", "markdown"}));
  Sub->add_option("--kernel", O->kernels,
                  "kernels for every job, comma-separated (host, 6.1, 6.12, a .deb or vmlinuz); "
                  "default: each job's kernels:, else the file's, else host");
  Sub->add_option("--kernel-timeout", O->kernelTimeout,
                  "seconds one boot of another kernel may take, loads included")
      ->default_str("600")
      ->check(CLI::Range(1u, 86400u));
  Sub->add_option("--report", O->report, "also write the JSON report (the next run's baseline)");
  Sub->add_option("--sarif", O->sarif, "also write SARIF 2.1.0");
  Sub->add_option("--markdown", O->markdown, "also write the Markdown summary");
  Sub->add_option("--out-dir", O->outDir,
                  "keep carve and compose results as DIR/<job>.c (default: a scratch directory)");
  Sub->footer("Exit: 0 every job passed and nothing regressed; 1 a program was rejected, a job\n"
              "was refused or differs, or a regression against --baseline; 2 bad job file or\n"
              "input; 3 a kernel could not be booted or a load was not permitted; 4 internal.\n"
              "Each input is parsed once per flag set and each kernel booted once per run\n"
              "(-v prints the counts).\n"
              "Examples:\n"
              "  bpfcarve ci jobs.yaml\n"
              "  bpfcarve ci jobs.yaml --report now.json --sarif ci.sarif --markdown summary.md\n"
              "  bpfcarve ci jobs.yaml --baseline main.json --max-insns-growth 5\n"
              "  bpfcarve ci jobs.yaml --kernel host,6.1 --format markdown\n"
              "A job file:\n"
              "  jobs:\n"
              "    - name: balancer\n"
              "      verify:\n"
              "        file: balancer.bpf.c\n"
              "        defines: [[], [-DIPV6]]\n"
              "        set: {max_backends: [16, 256]}\n"
              "    - name: decap-at-tc\n"
              "      carve: {file: balancer.bpf.c, program: gue_decap_only, to: tc}\n"
              "    - name: edge\n"
              "      compose: edge.yaml\n");
  Sub->callback([O, &Ctx] { Ctx.exitCode = runCi(*O, Ctx); });
}

} // namespace bpfcarve::cli
