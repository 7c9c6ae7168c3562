//===- CorpusSupport.h - what every corpus test reads ------------*- C++ -*-===//
//
// The committed records (corpus/records/<kernel release>.json: the manifest measured on that
// kernel), the live reference measured on the running kernel in this test run
// (corpus/measure-reference.sh), the corpus directory corpus/fetch.sh fills, the placeholders of
// the manifest's flags (docs/corpus-manifest.md), and messages normalised the way the
// corpus/measure-*.sh scripts record them.
//
// Two modes (docs/corpus-manifest.md, "Records keyed by kernel"). With a record of the running
// kernel, the tests compare bpfcarve with it exactly. Without one (another kernel build), what
// depends on the kernel is checked against the live reference instead, and what changed from the
// nearest record is printed, never failed on; what bpfcarve decides without the kernel (extract
// and retarget outcomes, refusals, kept entities) is compared with the nearest record in both.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/toolchain/CorpusManifest.h"
#include "bpfcarve/toolchain/KernelRecords.h"
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/toolchain/Toolchain.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <regex>
#include <string>
#include <utility>
#include <vector>
#include <sys/utsname.h>

namespace bpfcarve::corpus_test {

/// The cases a parameterised corpus suite instantiates: all of them in the release preset; under
/// the sanitizers (the asan-ubsan preset, the second half of scripts/test.sh, which runs every
/// test again) every 4th, in the suite's order. The release run has already compared each case
/// with the kernel; the sanitizer run looks for memory and UB errors in the same bpfcarve code,
/// which a quarter of the files of every suite still reaches (about 5 minutes of CI saved).
/// BPFCARVE_ALL_CASES=1 takes every case there too (tests/corpus/wrong-verdict.sh names its).
template <class T> std::vector<T> casesToRun(std::vector<T> All) {
#ifdef BPFCARVE_SANITIZED
  if (const char *E = std::getenv("BPFCARVE_ALL_CASES"); E && std::string(E) == "1")
    return All;
  std::vector<T> Kept;
  for (size_t I = 0; I < All.size(); I += 4)
    Kept.push_back(std::move(All[I]));
  return Kept;
#else
  return All;
#endif
}

inline nlohmann::json readJson(const std::string &Path) {
  std::ifstream In(Path);
  if (!In)
    return nullptr;
  return nlohmann::json::parse(In, nullptr, /*allow_exceptions=*/false);
}

/// ${BPFCARVE_CORPUS_DIR:-~/.cache/bpfcarve/corpus}, where layout.json lives.
inline std::string corpusDir() {
  if (const char *E = std::getenv("BPFCARVE_CORPUS_DIR"); E && *E)
    return E;
  return toolchain::cacheDir() + "/corpus";
}

inline const std::string &recordsDir() {
  static const std::string D = BPFCARVE_SOURCE_DIR "/corpus/records";
  return D;
}

/// The record the tests compare with: the running kernel's (toolchain::kernelRelease(), which
/// $BPFCARVE_KERNEL_RELEASE overrides), else the nearest. Printed once per process.
inline const toolchain::KernelRecord &record() {
  static const toolchain::KernelRecord R = [] {
    std::string Release = toolchain::kernelRelease();
    auto Chosen = toolchain::chooseKernelRecord(recordsDir(), ".json", Release);
    toolchain::KernelRecord Out = Chosen.value_or(toolchain::KernelRecord{});
    if (!Chosen)
      std::cout << "corpus: no record in " << recordsDir() << "\n";
    else if (Out.exact)
      std::cout << "corpus: kernel " << Release << ": its own record " << Out.path << "\n";
    else
      std::cout << "corpus: kernel " << Release << " has no record: what depends on the kernel is "
                << "re-measured against the live reference; changes from the nearest record ("
                << Out.release << ") are printed, not failed\n";
    return Out;
  }();
  return R;
}
inline bool exactRecord() { return record().exact; }

/// The chosen record's manifest.
inline const nlohmann::json &manifest() {
  static nlohmann::json M = [] {
    auto R = toolchain::readCorpusManifest(record().path);
    if (!R)
      std::cout << "corpus: " << R.failure().message << "\n";
    return R ? *R : nlohmann::json();
  }();
  return M;
}

/// Every record's manifest, in version order (test lists are their union, so they do not depend
/// on the kernel the tests run on).
inline const std::vector<std::pair<std::string, nlohmann::json>> &allRecords() {
  static const auto All = [] {
    std::vector<std::pair<std::string, nlohmann::json>> Out;
    for (const toolchain::KernelRecord &R : toolchain::kernelRecords(recordsDir(), ".json"))
      Out.emplace_back(R.release, readJson(R.path));
    return Out;
  }();
  return All;
}

/// The file entry of Path in a manifest, or null.
inline nlohmann::json fileEntry(const nlohmann::json &M, const std::string &Path) {
  if (M.is_object())
    for (const nlohmann::json &F : M["files"])
      if (F["path"] == Path)
        return F;
  return nullptr;
}

/// The program entry Name of file Path in a manifest, or null.
inline nlohmann::json programEntry(const nlohmann::json &M, const std::string &Path,
                                   const std::string &Name) {
  nlohmann::json F = fileEntry(M, Path);
  if (F.is_object())
    for (const nlohmann::json &P : F["programs"])
      if (P["name"] == Name)
        return P;
  return nullptr;
}

/// A measured outcome of program Name of Path: the one of the chosen record when it holds Key,
/// else that of the nearest record that does (a record measures extract and retarget only on
/// programs of objects its kernel loads whole). Release names the record it came from.
struct Recorded {
  nlohmann::json program, file; ///< null when no record measured it
  std::string release;
  bool exact = false; ///< from the running kernel's own record
};
inline Recorded recordedOutcome(const std::string &Path, const std::string &Name,
                                const std::string &Key) {
  nlohmann::json P = programEntry(manifest(), Path, Name);
  if (P.is_object() && P.contains(Key))
    return {P, fileEntry(manifest(), Path), record().release, exactRecord()};
  std::vector<std::string> Releases;
  std::vector<const nlohmann::json *> Manifests;
  for (const auto &[R, M] : allRecords())
    if (programEntry(M, Path, Name).contains(Key))
      Releases.push_back(R), Manifests.push_back(&M);
  auto Nearest = toolchain::nearestRelease(Releases, toolchain::kernelRelease());
  if (!Nearest)
    return {};
  const nlohmann::json &M = *Manifests[*Nearest];
  return {programEntry(M, Path, Name), fileEntry(M, Path), Releases[*Nearest], false};
}

/// Prints a kernel-dependent outcome that differs from what a record of another kernel holds:
/// information for whoever adds this kernel's record (make-manifest.sh --kernel-record).
inline void changedFromRecord(const std::string &What, const std::string &Release,
                              const std::string &Recorded, const std::string &Now) {
  if (Recorded != Now)
    std::cout << "corpus: kernel change: " << What << ": " << Recorded << " on " << Release
              << ", " << Now << " on " << toolchain::kernelRelease() << "\n";
}

/// The live reference of a file (corpus/measure-reference.sh): its whole-object load by bpftool
/// on the running kernel, {"load_bpftool": "ok"|"fail", "load_bpftool_cause", "failed_program",
/// "errno"}. Read from the file the `corpus_reference` fixture wrote in this test run
/// (BPFCARVE_CORPUS_REFERENCE) when it was measured on this kernel; otherwise this file alone is
/// measured now. A failure to measure is an ADD_FAILURE by the caller (null).
inline nlohmann::json reference(const std::string &Path, std::string *Why = nullptr) {
  struct utsname U {};
  ::uname(&U);
  nlohmann::json All = readJson(BPFCARVE_CORPUS_REFERENCE);
  if (All.is_object() && All["kernel"] == U.release && All["files"].contains(Path))
    return All["files"][Path];
  auto Tmp = toolchain::TempDir::create();
  if (!Tmp) {
    if (Why)
      *Why = Tmp.failure().firstLine();
    return nullptr;
  }
  std::string Out = Tmp->path() + "/reference.json";
  auto Run = toolchain::runProcess({"bash", BPFCARVE_SOURCE_DIR "/corpus/measure-reference.sh",
                                    "--out", Out, "--file", Path, "--manifest", record().path});
  nlohmann::json One = readJson(Out);
  if (!Run || !Run->ok() || !One.is_object() || !One["files"].contains(Path)) {
    if (Why)
      *Why = "corpus/measure-reference.sh --file " + Path + " failed: " +
             (Run ? Run->err : std::string("cannot run bash"));
    return nullptr;
  }
  return One["files"][Path];
}

/// The compile flags of a manifest file entry: the manifest's common_flags, then its own, resolved.
inline std::vector<std::string> fileFlags(const nlohmann::json &File, const nlohmann::json &Layout) {
  return toolchain::corpusFileFlags(manifest(), File, Layout);
}

inline void replaceAll(std::string &S, const std::string &From, const std::string &To) {
  if (From.empty())
    return;
  for (size_t P = 0; (P = S.find(From, P)) != std::string::npos; P += To.size())
    S.replace(P, From.size(), To);
}

inline std::string firstLine(const std::string &S) { return S.substr(0, S.find('\n')); }

/// A message as the measurement scripts' short() records it: whitespace collapsed and trimmed,
/// without "; output kept in DIR" (a failed self-check's temp dir) or Dropped + "/" (the run's
/// scratch dir), paths relative to the source root, other machine paths as layout placeholders,
/// at most Limit characters.
inline std::string recordedMessage(std::string Msg, const nlohmann::json &Layout, size_t Limit,
                                   const std::string &Dropped = "") {
  Msg = std::regex_replace(Msg, std::regex("\\s+"), " ");
  Msg = std::regex_replace(Msg, std::regex("^ | $"), "");
  Msg = std::regex_replace(Msg, std::regex("; output kept in \\S+$"), "");
  if (!Dropped.empty())
    replaceAll(Msg, Dropped + "/", "");
  replaceAll(Msg, Layout["source_root"].get<std::string>() + "/", "");
  std::vector<std::pair<std::string, std::string>> Vars;
  for (auto &[Name, Value] : Layout["vars"].items())
    Vars.emplace_back(Value.get<std::string>(), "${" + Name + "}");
  std::sort(Vars.begin(), Vars.end(),
            [](const auto &A, const auto &B) { return A.first.size() > B.first.size(); });
  for (auto &[Value, Placeholder] : Vars)
    replaceAll(Msg, Value, Placeholder);
  return Msg.size() <= Limit ? Msg : Msg.substr(0, Limit - 3) + "...";
}

} // namespace bpfcarve::corpus_test
