//===- CiJobs.h - bpfcarve ci: the job file and its run ---------*- C++ -*-===//
//
// A job file (docs/ci.md; schema docs/schemas/ci-jobs.schema.json) lists jobs, each a verify,
// carve or compose with the CLI's keys. Every job runs in every configuration of its matrix
// (defines: x set:) on every kernel it names; the run's rows are what baselines compare.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Command.h"
#include "YamlInput.h"

#include "bpfcarve/verifier/DiffRun.h"
#include "bpfcarve/verifier/Loader.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bpfcarve::cli::ci {

enum class JobKind { Verify, Carve, Compose };
const char *kindName(JobKind K);

struct Job {
  std::string name;
  JobKind kind = JobKind::Verify;
  yaml::Location at; ///< the job's mapping, where its errors point
  std::string file;  ///< verify and carve: the input; compose: the recipe
  std::string functions, programs, lines, map; ///< carve's selection (verify: program)
  /// carve and compose: the differential run's frames; verify: the frames every passing program
  /// is test-run on ("" none).
  std::string to, type, direction = "ingress", packets = "gen:all", seed, output;
  bool allowApprox = false, diffRun = true;
  std::optional<std::vector<std::string>> flags; ///< `flags:`; nullopt: compile_commands/defaults
  std::string compileCommands;                   ///< directory of compile_commands.json
  std::vector<std::string> kernels;              ///< empty: the file's or the command's
  /// The matrix: each entry one set of -D flags, each one set of knob values; one empty entry
  /// each when the job lists none.
  std::vector<std::vector<std::string>> defines;
  std::vector<verifier::GlobalValues> sets;
};

struct JobFile {
  std::string path;
  std::vector<std::string> kernels; ///< top-level `kernels:`: every job's default
  std::vector<Job> jobs;
};

/// Reads and checks a job file: unknown keys, missing inputs, a selection that is not exactly
/// one, bad matrices are BadInput at the YAML's file:line; compose recipes are read and checked
/// too. Nothing runs before the whole file is good.
Result<JobFile> readJobs(const std::string &Path, const CommandContext &Ctx);

/// One program of one job in one configuration on one kernel, or a job step that failed
/// before any program could be verified (program empty, verdict "error").
struct Row {
  std::string job, kind, configuration, kernel, program;
  std::string source;  ///< the file the program's errors point into
  std::string verdict; ///< pass, fail, skipped, error
  std::optional<std::uint64_t> insns; ///< instructions the verifier processed
  std::string errorClass, message, errorFile;
  unsigned errorLine = 0;
  int exit = 0; ///< this row's exit code (0 pass)
  /// carve with --to and compose: the differential run's frames (compared, matched, divergent).
  std::optional<verifier::DiffRunReport> diffRun;
  std::string diffRunSkipped;
  /// A verify job's `packets:`: what BPF_PROG_TEST_RUN did with them on this kernel.
  std::optional<verifier::TestRunSummary> testRun;
};

/// What the run counted (`-v`; the JSON's "counts"): parses of inputs, compiles, boots.
struct Counts {
  unsigned jobs = 0, configurations = 0, parses = 0, compiles = 0, boots = 0, loads = 0;
  std::vector<std::string> booted; ///< the kernels booted, one entry per boot
};

struct RunOptions {
  std::vector<std::string> kernels; ///< --kernel: replaces every job's kernels when not empty
  unsigned kernelTimeout = 600;
  std::string outDir; ///< --out-dir: carve and compose results kept as DIR/<job>[.<n>].c
};

struct RunResult {
  std::vector<Row> rows;
  Counts counts;
  std::vector<std::string> kernels; ///< every kernel verified on, "host" first
  std::vector<std::pair<std::string, std::string>> releases; ///< kernel -> its uname -r
};

/// Runs every job: each input parsed (carve) and compiled (verify) once per flag set, each
/// kernel other than the host booted once for all the run's objects.
Result<RunResult> runJobs(const JobFile &F, const RunOptions &O, const CommandContext &Ctx);

/// A baseline comparison (veristat -C's idea), matched on (job, configuration, program, kernel).
struct Change {
  std::string what; ///< regression, improvement, new, gone
  std::string job, configuration, program, kernel;
  std::string reason; ///< "pass -> fail", "insns 1200 -> 1500 (+25.0%)"
};
/// Compares Now with a previous run's JSON report; BadInput when Baseline is not one.
Result<std::vector<Change>> compareBaseline(const std::vector<Row> &Now,
                                            const std::string &Baseline, double MaxGrowthPercent);

/// The exit code of a run: the strongest of its rows', 1 when a change is a regression.
int runExitCode(const RunResult &R, const std::vector<Change> &Changes);

std::string reportJson(const RunResult &R, const std::vector<Change> &Changes);
std::string reportText(const RunResult &R, const std::vector<Change> &Changes);
std::string reportMarkdown(const RunResult &R, const std::vector<Change> &Changes);
/// SARIF 2.1.0: one result per failing row at its source line, one per regression.
std::string reportSarif(const RunResult &R, const std::vector<Change> &Changes);

} // namespace bpfcarve::cli::ci
