//===- CorpusCommand.cpp - bpfcarve corpus: every stage over a manifest ---===//
//
// Runs inspect, verify, extract, retarget and diff-run over the files of a corpus manifest
// (the corpus record (corpus/records/<release>.json), docs/corpus-manifest.md), one worker process
// per file, N at a time, and compares every outcome with what the manifest records. The parent only
// schedules, shows progress and tabulates; each worker (`corpus --job I`, internal) runs the
// library stages for one file and prints one JSON line.
//
//===----------------------------------------------------------------------===//
#include "Command.h"

#include "bpfcarve/extractor/Extract.h"
#include "bpfcarve/toolchain/CorpusManifest.h"
#include "bpfcarve/toolchain/KernelRecords.h"
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/toolchain/Toolchain.h"
#include "bpfcarve/transformer/Retarget.h"
#include "bpfcarve/verifier/Compiler.h"
#include "bpfcarve/verifier/DiffRun.h"
#include "bpfcarve/verifier/Loader.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace bpfcarve::cli {

using nlohmann::json;

namespace {

const char *Stages[] = {"inspect", "verify", "extract", "retarget", "diff-run"};

struct CorpusCliOptions {
  std::string manifest, format = "text", corpusDir,
                        stages = "inspect,verify,extract,retarget,diff-run", filter;
  unsigned jobs = 0;
  int job = -1;
};

/// One worker's checks: per stage, how many ran, succeeded, matched the manifest, and misses.
struct StageResult {
  unsigned runs = 0, succeeded = 0, expected = 0, met = 0;
  std::vector<std::string> missed;
  json toJson() const {
    return {{"runs", runs},
            {"succeeded", succeeded},
            {"expected", expected},
            {"met", met},
            {"missed", missed}};
  }
  void add(const json &J) {
    runs += J.value("runs", 0u);
    succeeded += J.value("succeeded", 0u);
    expected += J.value("expected", 0u);
    met += J.value("met", 0u);
    for (const json &M : J["missed"])
      missed.push_back(M);
  }
  void check(bool Success, const json &Expectation, const std::string &Actual,
             const std::string &What) {
    ++runs;
    succeeded += Success;
    if (Expectation.is_null())
      return;
    ++expected;
    std::string Want =
        Expectation.is_string() ? Expectation.get<std::string>() : Expectation.dump();
    if (Want == Actual)
      ++met;
    else
      missed.push_back(What + ": expected " + Want + ", got " + Actual);
  }
};

/// The worker: all stages for file I of the manifest.
int runJob(const CorpusCliOptions &O, const CommandContext &Ctx) {
  auto Manifest = toolchain::readCorpusManifest(O.manifest);
  if (!Manifest)
    return report(Manifest.failure(), Ctx);
  auto Layout = toolchain::readCorpusLayout(O.corpusDir);
  if (!Layout)
    return report(Layout.failure(), Ctx);
  const json &M = *Manifest;
  const json &F = M["files"][static_cast<size_t>(O.job)];
  std::vector<std::string> Flags = toolchain::corpusFileFlags(M, F, *Layout);
  std::string Src = toolchain::corpusSourcePath(F, *Layout);
  std::set<std::string> Want;
  std::stringstream SS(O.stages);
  for (std::string S; std::getline(SS, S, ',');)
    Want.insert(S);
  std::map<std::string, StageResult> R;
  auto Scratch = toolchain::TempDir::create("bpfcarve-corpus");
  if (!Scratch)
    return report(Scratch.failure(), Ctx);

  extractor::ParseOptions P;
  P.file = Src;
  P.flags = Flags;
  // One parse serves inspect and every program's extract (extractFromModel); the preamble
  // cache leaves the model as the full parse's.
  std::optional<Result<extractor::ProgramModel>> Parsed;
  if (Want.count("inspect") || Want.count("extract"))
    Parsed.emplace(extractor::buildProgramModel(P, /*UsePreamble=*/true));
  if (Want.count("inspect")) {
    const Result<extractor::ProgramModel> &Model = *Parsed;
    std::string Actual = "fail";
    if (Model) {
      json Programs = json::array();
      for (const json &X : F["programs"])
        Programs.push_back(X["name"]);
      json Got = json::array();
      for (const extractor::Program &Pr : Model->programs)
        Got.push_back(Pr.name);
      std::sort(Programs.begin(), Programs.end());
      std::sort(Got.begin(), Got.end());
      Actual = Programs == Got || F.contains("libbpf_open_error") ? "ok" : "programs differ";
    }
    R["inspect"].check(static_cast<bool>(Model), "ok", Actual, F["path"].get<std::string>());
  }

  auto Obj = verifier::compileBpf(Src, Flags, Scratch->path());
  bool Root = ::geteuid() == 0;
  for (const json &Pr : F["programs"]) {
    std::string Name = Pr["name"], What = F["path"].get<std::string>() + " " + Name;
    verifier::VerifyOptions ThisProgram;
    ThisProgram.program = Name;
    if (Want.count("verify") && Obj && Root && Pr.contains("verify")) {
      auto V = verifier::verifyObject(*Obj, ThisProgram);
      std::string Actual = V && !V->programs.empty() ? V->programs[0].verdict : "error";
      R["verify"].check(Actual == "pass", Pr["verify"], Actual, What);
    }
    if (Want.count("extract") && Pr.contains("extract")) {
      extractor::Selection Sel;
      Sel.kind = extractor::Selection::Kind::Programs;
      Sel.names = {Name};
      auto Ex = *Parsed ? extractor::extractFromModel(**Parsed, P, Sel, {}, "")
                        : Result<extractor::ExtractResult>(Parsed->failure());
      std::string Actual = Ex ? "ok" : "fail";
      if (Ex && Root && Pr.contains("extract_verify")) {
        auto SO = verifier::compileText(Ex->text, Scratch->path() + "/x-" + Name,
                                        std::filesystem::path(Src).filename().string(), Flags);
        auto V = SO ? verifier::verifyObject(*SO, ThisProgram)
                    : Result<verifier::ObjectReport>(SO.failure());
        std::string Verdict = V && !V->programs.empty() ? V->programs[0].verdict : "error";
        R["extract"].check(Verdict == "pass", Pr["extract_verify"], Verdict, What + " (verify)");
      } else {
        R["extract"].check(Ex.operator bool(), Pr["extract"], Actual, What);
      }
    }
    if ((Want.count("retarget") || Want.count("diff-run")) && Pr.contains("retarget") &&
        Pr.contains("retarget_to")) {
      transformer::RetargetOptions RO;
      RO.program = Name;
      RO.to = Pr["retarget_to"];
      auto Rt = transformer::retarget(P, RO);
      std::string Actual = Rt                                           ? "ok"
                           : Rt.failure().kind == FailureKind::Rejected ? "refused"
                                                                        : "error";
      if (Want.count("retarget"))
        R["retarget"].check(static_cast<bool>(Rt), Pr["retarget"], Actual, What + " -> " + RO.to);
      if (Rt && Want.count("diff-run") && Root && Obj && Pr.contains("retarget_diff") &&
          Pr["retarget_diff"].is_object()) {
        auto RO2 = verifier::compileText(Rt->text, Scratch->path() + "/r-" + Name,
                                         std::filesystem::path(Src).filename().string(), Flags);
        std::string Outcome = "error";
        bool Same = false;
        if (RO2) {
          verifier::DiffRunOptions DO;
          DO.programA = Name;
          auto D = verifier::diffRun(*Obj, *RO2, DO);
          if (D) {
            Same = D->compared > 0 && D->divergent == 0 && D->mapsEqual.value_or(true);
            Outcome = Same ? "same" : "differs";
          }
        }
        const json &Exp = Pr["retarget_diff"];
        bool ExpSame = Exp.value("compared", 0) > 0 && Exp.value("divergent", 1) == 0 &&
                       (Exp["maps_equal"].is_null() || Exp["maps_equal"] == true);
        R["diff-run"].check(Same, ExpSame ? "same" : "differs", Outcome, What + " -> " + RO.to);
      }
    }
  }
  json Out;
  Out["file"] = F["path"];
  for (auto &[Stage, Res] : R)
    Out["stages"][Stage] = Res.toJson();
  std::cout << Out.dump() << "\n";
  return 0;
}

std::string rate(unsigned A, unsigned B) {
  if (!B)
    return "-";
  std::ostringstream S;
  S << std::fixed << std::setprecision(1) << 100.0 * A / B << " %";
  return S.str();
}

/// Every stage of the corpus, tallied over the manifest's files Jobs.
struct CorpusTotals {
  std::map<std::string, StageResult> stages;
  std::vector<std::string> broken; ///< files whose worker failed
};

/// Runs `bpfcarve corpus --job I` for every file I of Jobs, Opt.jobs (default: one per CPU) at
/// a time, with progress on stderr.
CorpusTotals runWorkers(const CorpusCliOptions &Opt, const json &M,
                        const std::vector<size_t> &Jobs) {
  std::map<std::string, StageResult> Total;
  std::vector<std::string> Broken;
  unsigned N = Opt.jobs ? Opt.jobs : std::max(1u, std::thread::hardware_concurrency());
  std::string Self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::mutex Lock;
  std::atomic<size_t> Next{0}, Done{0};
  bool Tty = ::isatty(2);
  auto Progress = [&](const std::string &File) {
    std::lock_guard<std::mutex> G(Lock);
    size_t D = ++Done;
    if (Tty) {
      unsigned Width = 30, Filled = static_cast<unsigned>(Width * D / Jobs.size());
      std::cerr << "\r[" << std::string(Filled, '#') << std::string(Width - Filled, '.') << "] "
                << D << "/" << Jobs.size() << " files" << std::flush;
    } else {
      std::cerr << "corpus: " << D << "/" << Jobs.size() << " " << File << "\n";
    }
  };
  std::vector<std::thread> Workers;
  Workers.reserve(N);
  for (unsigned W = 0; W < N; ++W)
    Workers.emplace_back([&] {
      for (size_t K; (K = Next++) < Jobs.size();) {
        size_t I = Jobs[K];
        std::vector<std::string> Argv{Self,          "corpus",          Opt.manifest,
                                      "--job",       std::to_string(I), "--corpus-dir",
                                      Opt.corpusDir, "--stages",        Opt.stages};
        auto R = toolchain::runProcess(Argv);
        std::string File = M["files"][I]["path"];
        json J = R && R->ok() ? json::parse(R->out, nullptr, false) : json();
        {
          std::lock_guard<std::mutex> G(Lock);
          if (!J.is_object())
            Broken.push_back(File + ": worker failed" +
                             (R ? " (exit " + std::to_string(R->exitCode) + ", signal " +
                                      std::to_string(R->signal) + ")"
                                : ""));
          else
            for (const auto &[Stage, S] : J["stages"].items())
              Total[Stage].add(S);
        }
        Progress(File);
      }
    });
  for (std::thread &T : Workers)
    T.join();
  if (Tty)
    std::cerr << "\n";

  return {std::move(Total), std::move(Broken)};
}

/// The text or markdown table of the totals.
std::string corpusText(const CorpusTotals &Totals, bool Md) {
  const std::map<std::string, StageResult> &Total = Totals.stages;
  const std::vector<std::string> &Broken = Totals.broken;
  std::ostringstream T;
  if (Md)
    T << "| stage | runs | succeeded | rate | expectations met |\n|---|---|---|---|---|\n";
  else
    T << std::left << std::setw(10) << "stage" << std::setw(8) << "runs" << std::setw(11)
      << "succeeded" << std::setw(9) << "rate" << "expectations met\n";
  for (const char *Stage : Stages) {
    auto It = Total.find(Stage);
    if (It == Total.end())
      continue;
    const StageResult &S = It->second;
    std::string Met = std::to_string(S.met) + "/" + std::to_string(S.expected);
    if (Md)
      T << "| " << Stage << " | " << S.runs << " | " << S.succeeded << " | "
        << rate(S.succeeded, S.runs) << " | " << Met << " |\n";
    else
      T << std::left << std::setw(10) << Stage << std::setw(8) << S.runs << std::setw(11)
        << S.succeeded << std::setw(9) << rate(S.succeeded, S.runs) << Met << "\n";
  }
  for (const char *Stage : Stages)
    if (auto It = Total.find(Stage); It != Total.end())
      for (const std::string &Miss : It->second.missed)
        T << (Md ? "- missed " : "missed ") << Stage << ": " << Miss << "\n";
  for (const std::string &B : Broken)
    T << (Md ? "- " : "") << B << "\n";
  if (::geteuid() != 0)
    T << "(not root: verify, the extract slices' verify and diff-run were skipped)\n";
  return T.str();
}

int runCorpus(const CorpusCliOptions &O, const CommandContext &Ctx) {
  CorpusCliOptions Opt = O;
  if (Opt.corpusDir.empty()) {
    const char *E = std::getenv("BPFCARVE_CORPUS_DIR");
    Opt.corpusDir = E && *E ? E : toolchain::cacheDir() + "/corpus";
  }
  // A records directory (corpus/records): the running kernel's record, or the nearest one, whose
  // kernel-dependent expectations (verdicts, sizes) may then be missed for a kernel change.
  std::string RecordNote;
  if (Opt.job < 0 && std::filesystem::is_directory(Opt.manifest)) {
    std::string Release = toolchain::kernelRelease();
    auto R = toolchain::chooseKernelRecord(Opt.manifest, ".json", Release);
    if (!R)
      return report(
          Failure::badInput("no corpus record (<kernel release>.json) in '" + Opt.manifest + "'"),
          Ctx);
    RecordNote = R->exact ? "record of this kernel (" + Release + "): " + R->path
                          : "no record of this kernel (" + Release + "); nearest: " + R->path +
                                " - verdicts and sizes it records may differ here";
    std::cerr << "bpfcarve: corpus: " << RecordNote << "\n";
    Opt.manifest = R->path;
  }
  auto Manifest = toolchain::readCorpusManifest(Opt.manifest);
  if (!Manifest)
    return report(Manifest.failure(), Ctx);
  const json &M = *Manifest;
  if (auto Layout = toolchain::readCorpusLayout(Opt.corpusDir); !Layout)
    return report(Layout.failure(), Ctx);
  if (Opt.job >= 0)
    return runJob(Opt, Ctx);

  std::vector<size_t> Jobs;
  for (size_t I = 0; I < M["files"].size(); ++I)
    if (M["files"][I]["compile"] == "ok" &&
        (Opt.filter.empty() ||
         M["files"][I]["path"].get<std::string>().find(Opt.filter) != std::string::npos))
      Jobs.push_back(I);
  CorpusTotals Totals = runWorkers(Opt, M, Jobs);
  const std::map<std::string, StageResult> &Total = Totals.stages;
  const std::vector<std::string> &Broken = Totals.broken;

  bool Missed = !Broken.empty();
  json Out;
  Out["manifest"] = Opt.manifest;
  Out["files"] = Jobs.size();
  for (const char *Stage : Stages) {
    auto It = Total.find(Stage);
    if (It == Total.end())
      continue;
    Out["stages"][Stage] = It->second.toJson();
    Missed |= It->second.met != It->second.expected;
  }
  Out["broken"] = Broken;
  if (!RecordNote.empty())
    Out["record"] = RecordNote;
  if (::geteuid() != 0)
    Out["note"] = "not root: verify, the extract slices' verify and diff-run were skipped";
  if (Opt.format == "json") {
    if (int E = emit(Out.dump(2) + "\n", Ctx))
      return E;
    return Missed ? 1 : 0;
  }
  if (int E = emit(corpusText(Totals, Opt.format == "markdown"), Ctx))
    return E;
  return Missed ? 1 : 0;
}
} // namespace

void addCorpusCommand(CLI::App &App, CommandContext &Ctx) {
  auto O = std::make_shared<CorpusCliOptions>();
  CLI::App *Sub = App.add_subcommand(
      "corpus", "Run inspect, verify, extract, retarget and diff-run over a corpus manifest in "
                "parallel and compare every outcome with the manifest");
  Sub->add_option("MANIFEST", O->manifest,
                  "corpus manifest, or a directory of records keyed by kernel release "
                  "(corpus/records: this kernel's, else the nearest)")
      ->required();
  Sub->add_option("-j", O->jobs, "worker processes (default: CPUs)");
  Sub->add_option("--format", O->format, "output format")
      ->check(CLI::IsMember({"text", "json", "markdown"}));
  Sub->add_option("--stages", O->stages, "comma-separated subset of the stages");
  Sub->add_option("--filter", O->filter, "only files whose path contains this");
  Sub->add_option("--corpus-dir", O->corpusDir,
                  "where corpus/fetch.sh put the corpus (default ~/.cache/bpfcarve/corpus)");
  Sub->add_option("--job", O->job, "internal: run one file's stages")->group("");
  Sub->footer("Exit: 0 every expectation of the manifest met, 1 some missed, 3 no corpus.\n"
              "Examples:\n"
              "  bpfcarve corpus corpus/records -j2\n"
              "  bpfcarve corpus corpus/records/6.18.44-fc-v445.json --stages inspect,extract "
              "--format json");
  Sub->callback([O, &Ctx] { Ctx.exitCode = runCorpus(*O, Ctx); });
}

} // namespace bpfcarve::cli
