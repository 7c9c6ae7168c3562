//===- CiReport.cpp - bpfcarve ci: baselines and the four report formats --===//
#include "CiJobs.h"

#include "bpfcarve/verifier/DiffRun.h"
#include "bpfcarve/verifier/ReportFormat.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

namespace bpfcarve::cli::ci {

namespace {

using nlohmann::ordered_json;

using Key = std::tuple<std::string, std::string, std::string, std::string>;

struct OldRow {
  std::string verdict;
  std::optional<std::uint64_t> insns;
};

std::string percent(double P) {
  char Buf[32];
  std::snprintf(Buf, sizeof Buf, "%+.1f%%", P);
  return Buf;
}

/// A change between a baseline row and today's, if any.
std::optional<Change> changeOf(const Row &R, const OldRow &Old, double MaxGrowth) {
  Change C{"", R.job, R.configuration, R.program, R.kernel, ""};
  const bool WasPass = Old.verdict == "pass", IsPass = R.verdict == "pass";
  if (Old.verdict == "skipped" || R.verdict == "skipped")
    return std::nullopt; // the environment changed, not the program
  if (WasPass && !IsPass) {
    C.what = "regression";
    C.reason = "pass -> " + R.verdict + (R.message.empty() ? "" : ": " + R.message);
    return C;
  }
  if (!WasPass && IsPass) {
    C.what = "improvement";
    C.reason = Old.verdict + " -> pass";
    return C;
  }
  if (!WasPass || !Old.insns || !R.insns || *Old.insns == 0)
    return std::nullopt;
  const double Growth = 100.0 * (static_cast<double>(*R.insns) - static_cast<double>(*Old.insns)) /
                        static_cast<double>(*Old.insns);
  if (std::fabs(Growth) <= MaxGrowth)
    return std::nullopt;
  C.what = Growth > 0 ? "regression" : "improvement";
  C.reason = "processed insns " + std::to_string(*Old.insns) + " -> " + std::to_string(*R.insns) +
             " (" + percent(Growth) + ")";
  return C;
}

ordered_json rowJson(const Row &R) {
  ordered_json J = {{"job", R.job},
                    {"kind", R.kind},
                    {"configuration", R.configuration},
                    {"kernel", R.kernel},
                    {"program", R.program},
                    {"source", R.source},
                    {"verdict", R.verdict},
                    {"insns_processed", R.insns ? ordered_json(*R.insns) : ordered_json()},
                    {"exit", R.exit}};
  if (!R.message.empty() || !R.errorClass.empty())
    J["error"] = {{"class", R.errorClass.empty() ? ordered_json() : ordered_json(R.errorClass)},
                  {"message", R.message},
                  {"file", R.errorFile},
                  {"line", R.errorLine}};
  if (R.diffRun)
    J["diff_run"] = ordered_json::parse(verifier::diffRunJson(*R.diffRun));
  if (R.testRun)
    J["test_run"] = verifier::testRunJson(*R.testRun);
  return J;
}

std::vector<Change> regressionsFirst(const std::vector<Change> &Cs) {
  std::vector<Change> Out;
  for (bool Regressions : {true, false})
    for (const Change &C : Cs)
      if ((C.what == "regression") == Regressions)
        Out.push_back(C);
  return Out;
}

std::string insnsText(const Row &R) { return R.insns ? std::to_string(*R.insns) : "-"; }

unsigned countVerdict(const RunResult &R, const std::string &V) {
  return static_cast<unsigned>(
      std::count_if(R.rows.begin(), R.rows.end(), [&](const Row &X) { return X.verdict == V; }));
}

std::string summary(const RunResult &R, const std::vector<Change> &Changes) {
  unsigned Regressions = static_cast<unsigned>(std::count_if(
      Changes.begin(), Changes.end(), [](const Change &C) { return C.what == "regression"; }));
  std::ostringstream S;
  S << R.counts.jobs << " jobs, " << R.rows.size() << " results: " << countVerdict(R, "pass")
    << " pass, " << countVerdict(R, "fail") << " fail, " << countVerdict(R, "error") << " error, "
    << countVerdict(R, "skipped") << " skipped; " << Regressions << " regressions, "
    << Changes.size() - Regressions << " other changes";
  return S.str();
}

std::string where(const Row &R) {
  std::string File = !R.errorFile.empty() ? R.errorFile : R.source;
  return R.errorLine ? File + ":" + std::to_string(R.errorLine) : File;
}

} // namespace

Result<std::vector<Change>> compareBaseline(const std::vector<Row> &Now,
                                            const std::string &Baseline, double MaxGrowth) {
  std::ifstream In(Baseline);
  if (!In)
    return Failure::badInput("cannot read the baseline '" + Baseline + "'");
  ordered_json J;
  try {
    J = ordered_json::parse(In);
  } catch (const std::exception &E) {
    return Failure::badInput("'" + Baseline + "' is not JSON: " + E.what(), Baseline);
  }
  if (!J.is_object() || !J.contains("results") || !J["results"].is_array())
    return Failure::badInput("'" + Baseline + "' is not a bpfcarve ci JSON report (no results)",
                             Baseline);
  std::map<Key, OldRow> Old;
  try {
    for (const ordered_json &R : J["results"]) {
      OldRow O{R.at("verdict").get<std::string>(), std::nullopt};
      if (R.contains("insns_processed") && R["insns_processed"].is_number_unsigned())
        O.insns = R["insns_processed"].get<std::uint64_t>();
      Old[{R.at("job").get<std::string>(), R.at("configuration").get<std::string>(),
           R.at("program").get<std::string>(), R.at("kernel").get<std::string>()}] = O;
    }
  } catch (const std::exception &E) {
    return Failure::badInput("'" + Baseline + "': a result lacks a field: " + E.what(), Baseline);
  }
  std::vector<Change> Out;
  std::map<Key, bool> Seen;
  for (const Row &R : Now) {
    Key K{R.job, R.configuration, R.program, R.kernel};
    Seen[K] = true;
    auto It = Old.find(K);
    if (It == Old.end()) {
      Out.push_back({"new", R.job, R.configuration, R.program, R.kernel, R.verdict});
      continue;
    }
    if (auto C = changeOf(R, It->second, MaxGrowth))
      Out.push_back(*C);
  }
  for (const auto &[K, O] : Old)
    if (!Seen.count(K))
      Out.push_back({"gone", std::get<0>(K), std::get<1>(K), std::get<2>(K), std::get<3>(K),
                     "was " + O.verdict});
  return regressionsFirst(Out);
}

int runExitCode(const RunResult &R, const std::vector<Change> &Changes) {
  int Code = 0;
  for (const Row &X : R.rows)
    Code = strongerExit(Code, X.exit);
  for (const Change &C : Changes)
    if (C.what == "regression")
      Code = strongerExit(Code, 1);
  return Code;
}

std::string reportJson(const RunResult &R, const std::vector<Change> &Changes) {
  ordered_json J;
  J["kernels"] = ordered_json::array();
  for (const auto &[Name, Release] : R.releases)
    J["kernels"].push_back({{"name", Name}, {"release", Release}});
  const Counts &C = R.counts;
  ordered_json Booted = C.booted;
  J["counts"] = {{"jobs", C.jobs},     {"configurations", C.configurations},
                 {"parses", C.parses}, {"compiles", C.compiles},
                 {"boots", C.boots},   {"booted", Booted},
                 {"loads", C.loads}};
  J["changes"] = ordered_json::array();
  for (const Change &X : Changes)
    J["changes"].push_back({{"change", X.what},
                            {"job", X.job},
                            {"configuration", X.configuration},
                            {"program", X.program},
                            {"kernel", X.kernel},
                            {"reason", X.reason}});
  J["results"] = ordered_json::array();
  for (const Row &X : R.rows)
    J["results"].push_back(rowJson(X));
  J["exit"] = runExitCode(R, Changes);
  return J.dump(2) + "\n";
}

std::string reportText(const RunResult &R, const std::vector<Change> &Changes) {
  std::ostringstream T;
  for (const Change &C : Changes)
    T << C.what << ": " << C.job << " [" << C.configuration << "] " << C.program << " on "
      << C.kernel << ": " << C.reason << "\n";
  if (!Changes.empty())
    T << "\n";
  // Columns as wide as their widest cell.
  std::vector<std::vector<std::string>> Cells = {
      {"JOB", "CONFIGURATION", "KERNEL", "PROGRAM", "VERDICT", "INSNS"}};
  for (const Row &X : R.rows)
    Cells.push_back({X.job, X.configuration, X.kernel, X.program.empty() ? "-" : X.program,
                     X.verdict, insnsText(X)});
  std::vector<size_t> Width(6, 0);
  for (const auto &C : Cells)
    for (size_t I = 0; I < C.size(); ++I)
      Width[I] = std::max(Width[I], C[I].size());
  for (const auto &C : Cells) {
    for (size_t I = 0; I + 1 < C.size(); ++I)
      T << C[I] << std::string(Width[I] - C[I].size() + 2, ' ');
    T << std::string(Width[5] - C[5].size(), ' ') << C[5] << "\n";
  }
  bool Any = false;
  for (const Row &X : R.rows)
    if (X.verdict == "fail" || X.verdict == "error") {
      T << (Any ? "" : "\n") << where(X) << ": " << X.job << ": "
        << (X.program.empty() ? "" : X.program + ": ") << X.message
        << (X.errorClass.empty() ? "" : " [" + X.errorClass + "]") << " (kernel " << X.kernel
        << ")\n";
      Any = true;
    }
  T << "\n" << summary(R, Changes) << "\n";
  return T.str();
}

std::string reportMarkdown(const RunResult &R, const std::vector<Change> &Changes) {
  std::ostringstream M;
  const int Code = runExitCode(R, Changes);
  M << "## bpfcarve ci: " << (Code == 0 ? "passed" : "failed") << "\n\n"
    << summary(R, Changes) << "\n\n";
  if (!Changes.empty()) {
    M << "| change | job | configuration | program | kernel | |\n|---|---|---|---|---|---|\n";
    for (const Change &C : Changes)
      M << "| " << (C.what == "regression" ? "**regression**" : C.what) << " | " << C.job << " | "
        << C.configuration << " | `" << C.program << "` | " << C.kernel << " | " << C.reason
        << " |\n";
    M << "\n";
  }
  M << "| job | configuration | kernel | program | verdict | insns | where |\n"
       "|---|---|---|---|---|---:|---|\n";
  for (const Row &X : R.rows) {
    const char *Mark = X.verdict == "pass" ? "✅" : X.verdict == "skipped" ? "⏭️" : "❌";
    std::string Why = X.message.empty() ? "" : where(X) + ": " + X.message;
    for (char &C : Why)
      if (C == '|' || C == '\n')
        C = ' ';
    M << "| " << X.job << " | " << X.configuration << " | " << X.kernel << " | `"
      << (X.program.empty() ? "-" : X.program) << "` | " << Mark << " " << X.verdict << " | "
      << insnsText(X) << " | " << Why << " |\n";
  }
  return M.str();
}

std::string reportSarif(const RunResult &R, const std::vector<Change> &Changes) {
  ordered_json Rules = ordered_json::array();
  std::vector<std::string> Seen;
  auto Rule = [&](const std::string &Id, const std::string &Text) {
    if (std::find(Seen.begin(), Seen.end(), Id) != Seen.end())
      return;
    Seen.push_back(Id);
    Rules.push_back({{"id", Id}, {"name", Id}, {"shortDescription", {{"text", Text}}}});
  };
  auto Location = [](const std::string &File, unsigned Line) {
    ordered_json L = {{"physicalLocation", {{"artifactLocation", {{"uri", File}}}}}};
    if (Line)
      L["physicalLocation"]["region"] = {{"startLine", Line}};
    return ordered_json::array({L});
  };
  ordered_json Results = ordered_json::array();
  std::map<Key, const Row *> ByKey;
  for (const Row &X : R.rows) {
    ByKey[{X.job, X.configuration, X.program, X.kernel}] = &X;
    if (X.verdict != "fail" && X.verdict != "error")
      continue;
    std::string Id = !X.errorClass.empty()       ? X.errorClass
                     : X.program == "(diff-run)" ? std::string("diff-run")
                                                 : std::string("job-error");
    Rule(Id, Id == "diff-run"    ? "the result behaves unlike the original on packets"
             : Id == "job-error" ? "a job could not be built or run"
                                 : "BPF verifier rejection: " + Id);
    Results.push_back(
        {{"ruleId", Id},
         {"level", "error"},
         {"message",
          {{"text", X.job + ": " + (X.program.empty() ? "" : X.program + ": ") + X.message + " (" +
                        X.configuration + ", kernel " + X.kernel + ")"}}},
         {"locations", Location(!X.errorFile.empty() ? X.errorFile : X.source, X.errorLine)},
         {"properties",
          {{"job", X.job},
           {"configuration", X.configuration},
           {"kernel", X.kernel},
           {"program", X.program}}}});
  }
  for (const Change &C : Changes) {
    if (C.what != "regression")
      continue;
    auto It = ByKey.find({C.job, C.configuration, C.program, C.kernel});
    if (It != ByKey.end() && It->second->verdict != "pass")
      continue; // the failure itself is already a result
    Rule("regression", "processed instructions grew past --max-insns-growth");
    const Row *X = It != ByKey.end() ? It->second : nullptr;
    Results.push_back({{"ruleId", "regression"},
                       {"level", "error"},
                       {"message",
                        {{"text", C.job + ": " + C.program + ": " + C.reason + " (" +
                                      C.configuration + ", kernel " + C.kernel + ")"}}},
                       {"locations", Location(X ? X->source : C.job, 0)}});
  }
  return verifier::sarifLog(Rules, Results);
}

} // namespace bpfcarve::cli::ci
