//===- CorpusSupport.h - what every corpus test reads ------------*- C++ -*-===//
//
// The committed manifest (corpus/manifest.json), the corpus directory corpus/fetch.sh fills, and
// the placeholders of the manifest's flags (docs/corpus-manifest.md).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/toolchain/Toolchain.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <string>

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

} // namespace bpfcarve::corpus_test
