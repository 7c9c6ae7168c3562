//===- Process.h - run a program by argv, never through a shell -*- C++ -*-===//
#pragma once

#include "bpfcarve/toolchain/Result.h"

#include <string>
#include <vector>

namespace bpfcarve::toolchain {

struct ProcessResult {
  int exitCode = -1; ///< -1 when killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
  bool ok() const { return exitCode == 0; }
};

/// Runs argv[0] (looked up in PATH) with argv, stdin from /dev/null, and captures stdout and
/// stderr. Fails only when the program cannot be started (Environment).
Result<ProcessResult> runProcess(const std::vector<std::string> &argv);

} // namespace bpfcarve::toolchain
