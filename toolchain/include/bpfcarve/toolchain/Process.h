//===- Process.h - run a program by argv, never through a shell -*- C++ -*-===//
#pragma once

#include "bpfcarve/toolchain/Result.h"

#include <string>
#include <vector>

namespace bpfcarve::toolchain {

struct ProcessResult {
  int exitCode = -1; ///< -1 when killed by a signal
  int signal = 0;
  bool timedOut = false; ///< killed after ProcessOptions::timeoutMs
  std::string out;
  std::string err;
  bool ok() const { return exitCode == 0; }
};

/// How runProcess runs a long-lived child (a virtual machine).
struct ProcessOptions {
  std::string cwd;          ///< working directory of the child; empty: ours
  unsigned timeoutMs = 0;   ///< 0: wait for ever; else SIGKILL after this long (timedOut set)
  /// The child gets SIGKILL when this process dies, however it dies (a signal we re-raise after
  /// removing our temporary directories, or SIGKILL): nothing outlives the command.
  bool killWithParent = false;
};

/// The last N lines of a program's output, printable characters only (a console's terminal
/// escapes and carriage returns dropped), trimmed: what a failure message quotes of it.
std::string lastLines(const std::string &Output, size_t N);

/// Runs argv[0] (looked up in PATH) with argv, stdin from /dev/null, and captures stdout and
/// stderr. Fails only when the program cannot be started (Environment).
Result<ProcessResult> runProcess(const std::vector<std::string> &argv);
Result<ProcessResult> runProcess(const std::vector<std::string> &argv,
                                 const ProcessOptions &Options);

} // namespace bpfcarve::toolchain
