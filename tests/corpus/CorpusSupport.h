//===- CorpusSupport.h - what every corpus test reads ------------*- C++ -*-===//
//
// The committed manifest (corpus/manifest.json), the corpus directory corpus/fetch.sh fills, the
// placeholders of the manifest's flags (docs/corpus-manifest.md), and messages normalised the way
// the corpus/measure-*.sh scripts record them.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/toolchain/Toolchain.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <string>
#include <utility>
#include <vector>

namespace bpfcarve::corpus_test {

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

inline const nlohmann::json &manifest() {
  static nlohmann::json M = readJson(BPFCARVE_SOURCE_DIR "/corpus/manifest.json");
  return M;
}

/// A manifest flag with ${INC}, ${SELFTESTS}, ... resolved by layout.json's vars.
inline std::string substitute(std::string Flag, const nlohmann::json &Vars) {
  for (auto &[Name, Value] : Vars.items()) {
    std::string Key = "${" + Name + "}";
    for (size_t P; (P = Flag.find(Key)) != std::string::npos;)
      Flag.replace(P, Key.size(), Value.get<std::string>());
  }
  return Flag;
}

/// The compile flags of a manifest file entry: the manifest's common_flags, then its own, resolved.
inline std::vector<std::string> fileFlags(const nlohmann::json &File, const nlohmann::json &Layout) {
  std::vector<std::string> Flags;
  for (const nlohmann::json &X : manifest()["common_flags"])
    Flags.push_back(substitute(X, Layout["vars"]));
  for (const nlohmann::json &X : File["flags"])
    Flags.push_back(substitute(X, Layout["vars"]));
  return Flags;
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
