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
  if (P.testRun)
    J["test_run"] = testRunJson(*P.testRun);
  return J;
}

} // namespace

namespace {

/// A row of the table: one program of one input on one kernel.
struct Row {
  const ProgramReport *program;
  std::string file, kernel;
};

/// The veristat-like table, then per program its test-run and failure lines. File and Kernel add
/// those columns (and name the kernel in the failure lines).
std::string table(const std::vector<Row> &Rows, bool File, bool Kernel) {
  std::ostringstream O;
  // Each column is as wide as its longest cell and two blanks, at least its usual width: a name
  // is never cut (kernel names run to 100 characters; the table is for people, JSON for tools).
  std::vector<std::string> Head;
  std::vector<int> W;
  if (File) {
    Head.push_back("file");
    W.push_back(16);
  }
  Head.push_back("program");
  W.push_back(24);
  if (Kernel) {
    Head.push_back("kernel");
    W.push_back(10);
  }
  for (const char *H : {"section", "type", "verdict", "insns", "verified", "states", "stack",
                        "time_us", "xlated", "jited"})
    Head.push_back(H);
  for (int Width : {16, 12, 8, 9, 9, 11, 12, 9, 8, 8})
    W.push_back(Width);
  std::vector<std::vector<std::string>> Cells;
  for (const Row &R : Rows) {
    const ProgramReport &P = *R.program;
    std::string States =
        P.stats.totalStates ? num(P.stats.totalStates) + "/" + num(P.stats.peakStates) : "-";
    std::vector<std::string> C;
    if (File)
      C.push_back(R.file);
    C.push_back(P.name);
    if (Kernel)
      C.push_back(R.kernel);
    for (std::string V : {P.section, P.type, P.verdict, num(P.stats.insnsProcessed),
                          num(P.verifiedInsns), States, stack(P.stats.stackDepth),
                          num(P.stats.verifyTimeUs), num(P.xlatedInsns), num(P.jitedBytes)})
      C.push_back(std::move(V));
    for (size_t I = 0; I < C.size(); ++I)
      W[I] = std::max(W[I], static_cast<int>(C[I].size()) + 2);
    Cells.push_back(std::move(C));
  }
  for (size_t I = 0; I < Head.size(); ++I)
    O << std::left << std::setw(W[I]) << Head[I];
  O << "\n";
  for (const auto &C : Cells) {
    for (size_t I = 0; I < C.size(); ++I)
      O << std::left << std::setw(W[I]) << C[I];
    O << "\n";
  }
  for (const Row &R : Rows) {
    const ProgramReport &P = *R.program;
    std::string Name = P.name + (Kernel ? " on " + R.kernel : "");
    if (P.testRun) {
      O << "\n" << Name << ": test-run of " << P.testRun->packets << " packets:";
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
      << Name << ": " << P.verdict << " [" << P.error->cls << "] " << P.error->message << "\n";
    if (!P.error->file.empty())
      O << "  at " << P.error->file << ":" << P.error->line << ": " << P.error->sourceText << "\n";
    if (!P.error->detail.empty())
      O << "  " << P.error->detail << "\n";
  }
  return O.str();
}

std::string summary(const ObjectReport &R, const std::string &Suffix) {
  unsigned Pass = 0, Fail = 0, Skip = 0;
  for (const ProgramReport &P : R.programs) {
    Pass += P.verdict == "pass";
    Fail += P.verdict == "fail";
    Skip += P.verdict == "skipped";
  }
  return R.object + Suffix + ": " + std::to_string(Pass) + " passed, " + std::to_string(Fail) +
         " failed, " + std::to_string(Skip) + " skipped\n";
}

} // namespace

std::string reportText(const ObjectReport &R) {
  std::vector<Row> Rows;
  for (const ProgramReport &P : R.programs)
    Rows.push_back({&P, "", ""});
  return table(Rows, false, false) + "\n" + summary(R, "");
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

ordered_json testRunJson(const TestRunSummary &T) {
  ordered_json V = ordered_json::object(), E = ordered_json::object();
  for (const auto &[K, N] : T.verdicts)
    V[K] = N;
  for (const auto &[K, N] : T.errors)
    E[K] = N;
  return {{"packets", T.packets}, {"verdicts", V}, {"errors", E}, {"unsupported", T.unsupported}};
}

std::string sarifLog(const ordered_json &Rules, const ordered_json &Results) {
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

namespace {

struct SarifItem {
  const ProgramReport *program;
  std::string source, kernel;
};

std::string sarif(const std::vector<SarifItem> &Items) {
  ordered_json Rules = ordered_json::array();
  std::vector<std::string> Seen;
  ordered_json Results = ordered_json::array();
  for (const SarifItem &It : Items) {
    const ProgramReport &P = *It.program;
    if (!P.error || P.verdict != "fail")
      continue;
    const std::string &Cls = P.error->cls;
    if (std::find(Seen.begin(), Seen.end(), Cls) == Seen.end()) {
      Seen.push_back(Cls);
      Rules.push_back({{"id", Cls},
                       {"name", Cls},
                       {"shortDescription", {{"text", "BPF verifier rejection: " + Cls}}}});
    }
    ordered_json Props = {{"program", P.name}, {"section", P.section}, {"type", P.type}};
    if (!It.kernel.empty())
      Props["kernel"] = It.kernel;
    ordered_json Result = {
        {"ruleId", Cls},
        {"level", "error"},
        {"message",
         {{"text", P.name + ": " + P.error->message +
                       (It.kernel.empty() ? "" : " (kernel " + It.kernel + ")")}}},
        {"properties", Props}};
    std::string File = !P.error->file.empty() ? P.error->file : It.source;
    ordered_json Loc = {{"physicalLocation", {{"artifactLocation", {{"uri", File}}}}}};
    if (P.error->line)
      Loc["physicalLocation"]["region"] = {{"startLine", P.error->line}};
    Result["locations"] = ordered_json::array({Loc});
    Results.push_back(Result);
  }
  return sarifLog(Rules, Results);
}

/// The entries' programs ordered input by input, program by program, then kernel by kernel, so a
/// program's verdicts on every kernel stand together.
std::vector<Row> matrixRows(const MatrixReport &R) {
  std::vector<Row> Rows;
  std::vector<std::string> Files;
  for (const MatrixEntry &E : R.entries)
    if (std::find(Files.begin(), Files.end(), E.file) == Files.end())
      Files.push_back(E.file);
  for (const std::string &F : Files) {
    std::vector<std::string> Names;
    for (const MatrixEntry &E : R.entries)
      if (E.file == F)
        for (const ProgramReport &P : E.report.programs)
          if (std::find(Names.begin(), Names.end(), P.name) == Names.end())
            Names.push_back(P.name);
    for (const std::string &N : Names)
      for (const MatrixEntry &E : R.entries)
        if (E.file == F)
          for (const ProgramReport &P : E.report.programs)
            if (P.name == N)
              Rows.push_back({&P, E.file, E.kernel});
  }
  return Rows;
}

} // namespace

std::string reportSarif(const ObjectReport &R, const std::string &SourcePath) {
  std::vector<SarifItem> Items;
  for (const ProgramReport &P : R.programs)
    Items.push_back({&P, SourcePath, ""});
  return sarif(Items);
}

std::string reportText(const MatrixReport &R) {
  std::vector<Row> Rows = matrixRows(R);
  bool SeveralFiles = false;
  for (const Row &Rw : Rows)
    SeveralFiles |= Rw.file != Rows.front().file;
  std::string Out = table(Rows, SeveralFiles, true) + "\n";
  for (const MatrixEntry &E : R.entries)
    Out += summary(E.report, " on " + E.kernel);
  for (const ReferenceEntry &E : R.references)
    Out += "reference: " + E.file + " on " + E.kernel + ": whole-object load " +
           (E.load.ok
                ? std::string("ok")
                : "failed" + (E.load.failedProgram.empty() ? "" : " at " + E.load.failedProgram) +
                      " (errno " + std::to_string(E.load.err) + ")") +
           "\n";
  for (const KernelInfo &K : R.kernels)
    if (!K.package.empty() || K.bootMs)
      Out += "kernel " + K.name + ": " + K.release +
             (K.package.empty() ? "" : " (" + K.package + ")") + ", booted in " +
             std::to_string(K.bootMs) + " ms under " + K.accelerator + "\n";
  return Out;
}

std::string reportJson(const MatrixReport &R) {
  ordered_json J;
  std::vector<std::string> Files;
  for (const MatrixEntry &E : R.entries)
    if (std::find(Files.begin(), Files.end(), E.file) == Files.end())
      Files.push_back(E.file);
  if (Files.size() == 1)
    J["object"] = Files.front();
  J["objects"] = Files;
  ordered_json Kernels = ordered_json::array();
  for (const KernelInfo &K : R.kernels)
    Kernels.push_back(
        {{"name", K.name},
         {"release", K.release},
         {"package", K.package.empty() ? ordered_json(nullptr) : ordered_json(K.package)},
         {"boot_ms",
          K.package.empty() && !K.bootMs ? ordered_json(nullptr) : ordered_json(K.bootMs)},
         {"accelerator",
          K.accelerator.empty() ? ordered_json(nullptr) : ordered_json(K.accelerator)}});
  J["kernels"] = Kernels;
  std::vector<std::string> Sized;
  for (const MatrixEntry &E : R.entries)
    for (const std::string &M : E.report.loaderSizedMaps)
      if (std::find(Sized.begin(), Sized.end(), M) == Sized.end())
        Sized.push_back(M);
  if (!Sized.empty())
    J["loader_sized_maps"] = Sized;
  ordered_json Programs = ordered_json::array();
  for (const Row &Rw : matrixRows(R)) {
    ordered_json P = programJson(*Rw.program);
    std::string Release;
    for (const KernelInfo &K : R.kernels)
      if (K.name == Rw.kernel)
        Release = K.release;
    ordered_json Out = {{"file", Rw.file}, {"kernel", Release}, {"kernel_name", Rw.kernel}};
    Out.update(P);
    Programs.push_back(Out);
  }
  J["programs"] = Programs;
  if (!R.references.empty()) {
    ordered_json Refs = ordered_json::array();
    for (const ReferenceEntry &E : R.references)
      Refs.push_back({{"file", E.file},
                      {"kernel_name", E.kernel},
                      {"ok", E.load.ok},
                      {"errno", E.load.err},
                      {"failed_program", E.load.failedProgram},
                      {"message", E.load.message},
                      {"load_us", E.load.us},
                      {"verify_us", E.verifyUs}});
    J["reference_loads"] = Refs;
  }
  return J.dump(2) + "\n";
}

std::string reportSarif(const MatrixReport &R) {
  std::vector<SarifItem> Items;
  for (const Row &Rw : matrixRows(R)) {
    std::string Label = Rw.kernel;
    for (const KernelInfo &K : R.kernels)
      if (K.name == Rw.kernel && !K.release.empty())
        Label += " " + K.release;
    Items.push_back({Rw.program, Rw.file, Label});
  }
  return sarif(Items);
}

} // namespace bpfcarve::verifier
