//===- FuzzSupport.h - shared pieces of the fuzz targets -----------*- C++ -*-===//
//
// Every target defines LLVMFuzzerTestOneInput. Built with BPFCARVE_FUZZ it links libFuzzer;
// otherwise ReplayMain.cpp drives it over files (seed corpus, regressions) for ctest.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace bpfcarve::fuzz {

/// A finding that is not a memory error: an Internal failure (a bpfcarve bug by the CLI
/// contract). Printed, then abort() so that libFuzzer saves the input and the replay fails.
[[noreturn]] inline void finding(const std::string &What) {
  std::fprintf(stderr, "bpfcarve fuzz finding: %s\n", What.c_str());
  std::fflush(stderr);
  std::abort();
}

/// With BPFCARVE_FUZZ_VERBOSE set, targets say what became of each input (parse failure, refusal,
/// success), to see which code the seeds reach.
inline void note(const std::string &What) {
  static const bool Verbose = std::getenv("BPFCARVE_FUZZ_VERBOSE") != nullptr;
  if (Verbose)
    std::fprintf(stderr, "  %s\n", What.c_str());
}

inline std::string readFile(const std::string &Path) {
  std::ifstream In(Path, std::ios::binary);
  std::ostringstream S;
  S << In.rdbuf();
  return S.str();
}

/// The headers of bpf-samples/, as in-memory files next to the fuzzed main file (/virtual/), so
/// that the samples used as seeds (and their mutations) find their `#include "x.h"`.
inline const std::vector<std::pair<std::string, std::string>> &sampleHeaders() {
  static const std::vector<std::pair<std::string, std::string>> H = [] {
    std::vector<std::pair<std::string, std::string>> V;
    const std::string Src = BPFCARVE_SOURCE_DIR;
    for (const char *Rel : {"bpf-samples/cgroup-accounting/accounting.h",
                            "bpf-samples/l4lb/balancer_structs.h",
                            "bpf-samples/tc-firewall/firewall.h", "bpf-samples/tracing/tracer.h",
                            "tests/inputs/diffrun/port_filter.h", "tests/inputs/inspect/local.h"}) {
      std::string Text = readFile(Src + "/" + Rel);
      if (Text.empty()) {
        std::fprintf(stderr, "fuzz target: cannot read %s/%s\n", Src.c_str(), Rel);
        std::exit(2);
      }
      std::string Name = Rel;
      V.emplace_back("/virtual/" + Name.substr(Name.rfind('/') + 1), std::move(Text));
    }
    return V;
  }();
  return H;
}

/// Where the fuzzed source lives (in memory): next to the sample headers.
inline const char *const MainFile = "/virtual/fuzz.bpf.c";

} // namespace bpfcarve::fuzz
