//===- Compiler.h - BPF C to a BPF object with clang-19 --------*- C++ -*-===//
#pragma once

#include "bpfcarve/toolchain/Result.h"

#include <optional>
#include <string>
#include <vector>

namespace bpfcarve::verifier {

/// Compiles Source into OutDir/<stem>.o with clang-19 run by argv. Flags: the user's (a compile
/// command's flags without compiler, input and output), or the toolchain's BPF defaults when
/// nullopt; --target=bpf goes first so a target among the user's flags wins. Flags that compile
/// kernel-internal headers as kbuild does (toolchain::kbuildFlags) go through kbuild's pipeline:
/// host LLVM IR, opt for BPF, llc -march=bpf. A compile error is
/// BadInput located at clang's first error; `details` holds clang's full output.
Result<std::string> compileBpf(const std::string &Source,
                               const std::optional<std::vector<std::string>> &Flags,
                               const std::string &OutDir);

/// Writes Text as Dir/FileName and compiles it there (compileBpf): how carved, retargeted and
/// corpus outputs are built, standing in a private directory with the input's flags.
Result<std::string> compileText(const std::string &Text, const std::string &Dir,
                                const std::string &FileName,
                                const std::optional<std::vector<std::string>> &Flags);

/// Parses `file:line:col: error: message` (also `fatal error:`) from clang's stderr.
Failure failureFromClangOutput(const std::string &Stderr, const std::string &Fallback);

} // namespace bpfcarve::verifier
