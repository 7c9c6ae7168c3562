//===- ReportFormat.cpp ---------------------------------------------------===//
#include "bpfcarve/verifier/ReportFormat.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <iomanip>
#include <sstream>
#include <vector>

namespace bpfcarve::verifier {

using nlohmann::ordered_json;

namespace {

template <typename T> ordered_json opt(const std::optional<T> &V) {
  return V ? ordered_json(*V) : ordered_json(nullptr);
}

std::string num(const std::optional<std::uint64_t> &V) { return V ? std::to_string(*V) : "-"; }

std::string stack(const std::vector<unsigned> &S) {
  if (S.empty())
    return "-";
  std::string Out;
  for (unsigned D : S)
    Out += (Out.empty() ? "" : "+") + std::to_string(D);
  return Out;
}

ordered_json programJson(const ProgramReport &P) {
  ordered_json J = {{"name", P.name},
                    {"section", P.section},
                    {"type", P.type},
                    {"verdict", P.verdict},
                    {"insns_processed", opt(P.stats.insnsProcessed)},
                    {"verified_insns", opt(P.verifiedInsns)},
                    {"states_total", opt(P.stats.totalStates)},
                    {"states_peak", opt(P.stats.peakStates)},
                    {"stack_depth", P.stats.stackDepth},
                    {"verify_time_us", opt(P.stats.verifyTimeUs)},
                    {"xlated_insns", opt(P.xlatedInsns)},
                    {"jited_bytes", opt(P.jitedBytes)}};
  if (P.error)
    J["error"] = {{"class", P.error->cls},
                  {"message", P.error->message},
                  {"file", P.error->file},
                  {"line", P.error->line}};
  else
    J["error"] = nullptr;
  if (P.testRun) {
    ordered_json V = ordered_json::object(), E = ordered_json::object();
    for (const auto &[K, N] : P.testRun->verdicts)
      V[K] = N;
    for (const auto &[K, N] : P.testRun->errors)
      E[K] = N;
    J["test_run"] = {{"packets", P.testRun->packets},
                     {"verdicts", V},
                     {"errors", E},
                     {"unsupported", P.testRun->unsupported}};
  }
  return J;
}

} // namespace

std::string reportText(const ObjectReport &R) {
  std::ostringstream O;
  // Each column is as wide as its longest cell and two blanks, at least its usual width: a name
  // is never cut (kernel names run to 100 characters; the table is for people, JSON for tools).
  int W[] = {24, 16, 12, 8, 9, 9, 11, 12, 9, 8, 8};
  const char *Head[] = {"program", "section", "type",    "verdict", "insns", "verified",
                        "states",  "stack",   "time_us", "xlated",  "jited"};
  std::vector<std::array<std::string, 11>> Rows;
  for (const ProgramReport &P : R.programs) {
    std::string States =
        P.stats.totalStates ? num(P.stats.totalStates) + "/" + num(P.stats.peakStates) : "-";
    Rows.push_back({P.name, P.section, P.type, P.verdict, num(P.stats.insnsProcessed),
                    num(P.verifiedInsns), States, stack(P.stats.stackDepth),
                    num(P.stats.verifyTimeUs), num(P.xlatedInsns), num(P.jitedBytes)});
    for (int I = 0; I < 11; ++I)
      W[I] = std::max(W[I], static_cast<int>(Rows.back()[static_cast<size_t>(I)].size()) + 2);
  }
  for (int I = 0; I < 11; ++I)
    O << std::left << std::setw(W[I]) << Head[I];
  O << "\n";
  for (const auto &Cells : Rows) {
    for (int I = 0; I < 11; ++I)
      O << std::left << std::setw(W[I]) << Cells[static_cast<size_t>(I)];
    O << "\n";
  }
  unsigned Pass = 0, Fail = 0, Skip = 0;
  for (const ProgramReport &P : R.programs) {
    Pass += P.verdict == "pass";
    Fail += P.verdict == "fail";
    Skip += P.verdict == "skipped";
    if (P.testRun) {
      O << "\n" << P.name << ": test-run of " << P.testRun->packets << " packets:";
      if (!P.testRun->unsupported.empty())
        O << " " << P.testRun->unsupported;
      for (const auto &[K, N] : P.testRun->verdicts)
        O << " " << K << " " << N;
      O << "\n";
      for (const auto &[K, N] : P.testRun->errors)
        O << "  not run x" << N << ": " << K << "\n";
    }
    if (!P.error)
      continue;
    O << "\n"
      << P.name << ": " << P.verdict << " [" << P.error->cls << "] " << P.error->message << "\n";
    if (!P.error->file.empty())
      O << "  at " << P.error->file << ":" << P.error->line << ": " << P.error->sourceText << "\n";
    if (!P.error->detail.empty())
      O << "  " << P.error->detail << "\n";
  }
  O << "\n"
    << R.object << ": " << Pass << " passed, " << Fail << " failed, " << Skip << " skipped\n";
  return O.str();
}

std::string reportJson(const ObjectReport &R) {
  ordered_json J;
  J["object"] = R.object;
  if (R.modernized)
    J["modernized"] = *R.modernized;
  if (!R.loaderSizedMaps.empty())
    J["loader_sized_maps"] = R.loaderSizedMaps;
  ordered_json Programs = ordered_json::array();
  for (const ProgramReport &P : R.programs)
    Programs.push_back(programJson(P));
  J["programs"] = Programs;
  return J.dump(2) + "\n";
}

std::string reportSarif(const ObjectReport &R, const std::string &SourcePath) {
  ordered_json Rules = ordered_json::array();
  std::vector<std::string> Seen;
  ordered_json Results = ordered_json::array();
  for (const ProgramReport &P : R.programs) {
    if (!P.error || P.verdict != "fail")
      continue;
    const std::string &Cls = P.error->cls;
    if (std::find(Seen.begin(), Seen.end(), Cls) == Seen.end()) {
      Seen.push_back(Cls);
      Rules.push_back({{"id", Cls},
                       {"name", Cls},
                       {"shortDescription", {{"text", "BPF verifier rejection: " + Cls}}}});
    }
    ordered_json Result = {
        {"ruleId", Cls},
        {"level", "error"},
        {"message", {{"text", P.name + ": " + P.error->message}}},
        {"properties", {{"program", P.name}, {"section", P.section}, {"type", P.type}}}};
    std::string File = !P.error->file.empty() ? P.error->file : SourcePath;
    ordered_json Loc = {{"physicalLocation", {{"artifactLocation", {{"uri", File}}}}}};
    if (P.error->line)
      Loc["physicalLocation"]["region"] = {{"startLine", P.error->line}};
    Result["locations"] = ordered_json::array({Loc});
    Results.push_back(Result);
  }
  ordered_json Sarif = {
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs", ordered_json::array({{{"tool",
                                      {{"driver",
                                        {{"name", "bpfcarve"},
                                         {"informationUri", "https://bpfcarve.dev"},
                                         {"version", "0.1.0"},
                                         {"rules", Rules}}}}},
                                     {"results", Results}}})}};
  return Sarif.dump(2) + "\n";
}

} // namespace bpfcarve::verifier
